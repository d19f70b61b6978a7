#pragma once
// The library's random numbers: xoshiro256** with its state drawn from splitmix64. leadscore uses its own
// generator, never <random>'s distributions (whose output is implementation-defined), so a seed gives the same
// numbers on every machine. Internal: the synthetic CRM generator, the Monte Carlo forecast and their benchmark
// baselines share it.

#include <array>
#include <cstdint>

namespace leadscore::detail {

inline constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ULL;

/// splitmix64's finalizer: a bijective 64-bit mix.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// High 64 bits of a 64 × 64-bit product.
[[nodiscard]] inline std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128; // __extension__: a GCC/Clang type, not ISO C++
    return static_cast<std::uint64_t>((static_cast<u128>(a) * b) >> 64);
#else
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    return (hi_lo >> 32) + (cross >> 32) + hi_hi;
#endif
}

/// xoshiro256** (Blackman and Vigna). Its four state words are the splitmix64 outputs that follow `state`, so
/// streams are made by mixing a seed with a stream number and an index into `state`.
class xoshiro256ss {
public:
    explicit constexpr xoshiro256ss(std::uint64_t state) noexcept {
        for (auto& w : s_) {
            state += golden_gamma;
            w = mix64(state);
        }
    }

    constexpr std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform on [0, 1) with 53 random bits.
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform integer on [0, n) by multiply-shift (bias below n / 2^64, far under anything measurable).
    std::uint64_t below(std::uint64_t n) noexcept { return mul_high(next(), n); }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

} // namespace leadscore::detail
