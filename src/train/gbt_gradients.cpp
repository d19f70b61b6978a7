// gbt_trainer's log-loss gradients, a pass over every training row after every tree. Compiled on its own with
// -fno-trapping-math (CMakeLists.txt): without it GCC keeps the compares below as branches, and the loop does not
// vectorize; and with -ffp-contract=off (see log_loss_gradients). The exponential is computed here, not by std::exp,
// for the same reason: a call does not vectorize.

#include "gbt_booster.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace leadscore::gbt_fitting {
namespace {

/// e^x for x <= 0, within 1 ulp of the true value (checked in the tests against std::exp); below -708 it returns
/// e^-708 ≈ 3e-308, which no gradient can tell from 0. Cody–Waite reduction x = k ln 2 + r with |r| <= ln 2 / 2 (the
/// high part of ln 2 has zero low bits, so k·ln2_hi is exact), e^r by its Taylor series to r^13 (the remainder is below
/// 2^-55 of the result), and 2^k built in the exponent bits. Only additions, multiplications and bit operations: the
/// same bits on every machine and in every vector width.
inline double exp_nonpositive(double x) noexcept {
    x = std::max(x, -708.0);
    constexpr double log2e = 1.4426950408889634, shift = 0x1.8p52; // adding shift rounds to an integer in the low bits
    constexpr double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    const double t = x * log2e + shift;
    const double k = t - shift;
    const double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // k in [-1022, 0] sits in t's low bits as a two's complement integer: 2^k's exponent field is k + 1023.
    const std::uint64_t two_k = (std::bit_cast<std::uint64_t>(t) + 1023) << 52;
    return p * std::bit_cast<double>(two_k);
}

} // namespace

double gradient_exp(double x) noexcept { return exp_nonpositive(x); }

// One loop for every x86-64, one for AVX2 (four rows at a time) and one for AVX-512 (eight), chosen when the library
// loads. No fused multiply-add (the file is compiled with -ffp-contract=off: AVX-512 has FMA, and GCC would fuse):
// all compute the same operations in the same order, so the gradients have the same bits on any machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(LEADSCORE_NO_TARGET_CLONES)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
void log_loss_gradients(const float* z, const std::uint8_t* y, double c_pos, double c_neg, gpair* gp, std::size_t begin,
                        std::size_t end) noexcept {
    for (std::size_t i = begin; i < end; ++i) {
        const double zi = z[i];
        // p = 1 / (1 + e^-z) from e^-|z|, which cannot overflow; the Hessian p (1 − p) = e^-|z| / (1 + e^-|z|)².
        const double ez = exp_nonpositive(-std::abs(zi)), inv = 1.0 / (1.0 + ez);
        const double p = zi >= 0 ? inv : ez * inv;
        const double c = y[i] != 0 ? c_pos : c_neg;
        gp[i] = {c * (p - static_cast<double>(y[i])), c * ez * inv * inv};
    }
}

} // namespace leadscore::gbt_fitting
