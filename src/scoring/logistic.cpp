#include "leadscore/scoring/logistic.hpp"

#include "../core/overloaded.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

// x86-64 builds carry an AVX2 copy of the two hot loops besides the baseline one, picked once at load time (GCC and
// Clang function multiversioning): four doubles a vector instead of two. FMA stays off, so every copy does the same
// roundings and the one-lead form still agrees exactly with the batch form. Not under ThreadSanitizer: the loader
// runs the copy-picking resolver before the sanitizer's runtime has started, and the instrumented resolver crashes.
#if defined(__SANITIZE_THREAD__)
#define LEADSCORE_DETAIL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LEADSCORE_DETAIL_TSAN 1
#endif
#endif
#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__)) && !defined(LEADSCORE_DETAIL_TSAN)
#define LEADSCORE_DETAIL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LEADSCORE_DETAIL_CLONES
#endif
// Lambdas inside a multiversioned function are not versioned themselves: they must be inlined into each copy.
#if defined(__GNUC__) || defined(__clang__)
#define LEADSCORE_DETAIL_INLINE __attribute__((always_inline))
#else
#define LEADSCORE_DETAIL_INLINE
#endif

namespace leadscore {

namespace {

// ---- the sigmoid ------------------------------------------------------------------------------------
//
// GCC does not vectorize std::exp unless -ffast-math is on (glibc declares its vector variants in libmvec only
// then), and the library is not built that way. So exp is computed here with plain arithmetic GCC vectorizes:
//   t = n·ln2 + r, n = round(t / ln2), |r| <= ln2/2 (Cody–Waite: n·ln2_hi is exact for |n| < 2^21),
//   e^r by its Taylor polynomial of degree 13: the truncation error is below |r|^14/14! · e^|r| < 6e-18,
//   far under an ulp, so the result is within a few ulps of e^t (the sigmoid's tests hold it under 1e-15),
//   2^n built in the exponent bits (t >= −708 keeps n >= −1022, a normal number).

constexpr double log2e = 1.44269504088896338700e+00;
constexpr double ln2_hi = 6.93147180369123816490e-01; // 0x3fe62e42fee00000: 21 trailing zero bits
constexpr double ln2_lo = 1.90821492927058770002e-10;
constexpr double shifter = 0x1.8p52;                  // adding it rounds to an integer held in the low bits

constexpr double inverse_factorial(int k) {
    double f = 1;
    for (int i = 2; i <= k; ++i) f *= i;
    return 1.0 / f;
}

// e^t for t in [−708, 0].
inline double exp_nonpositive(double t) noexcept {
    const double k = t * log2e + shifter;
    const double n = k - shifter;
    const double r = (t - n * ln2_hi) - n * ln2_lo;
    double p = inverse_factorial(13);
    p = p * r + inverse_factorial(12);
    p = p * r + inverse_factorial(11);
    p = p * r + inverse_factorial(10);
    p = p * r + inverse_factorial(9);
    p = p * r + inverse_factorial(8);
    p = p * r + inverse_factorial(7);
    p = p * r + inverse_factorial(6);
    p = p * r + inverse_factorial(5);
    p = p * r + inverse_factorial(4);
    p = p * r + inverse_factorial(3);
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // The low bits of k hold n (two's complement); n + 1023 in the exponent field is 2^n.
    const std::uint64_t scale_bits = (std::bit_cast<std::uint64_t>(k) - std::bit_cast<std::uint64_t>(shifter) + 1023)
                                     << 52;
    return p * std::bit_cast<double>(scale_bits);
}

// Read once per block through a volatile: with a compile-time constant clamp GCC duplicates the loop body for the
// clamped case (exp(−708) folds to a constant) and then cannot vectorize it.
volatile double sigmoid_floor = -708.0;

} // namespace

namespace detail {

LEADSCORE_DETAIL_CLONES void logistic_sigmoid(std::span<double> z) noexcept {
    const double floor = sigmoid_floor;
    double* v = z.data();
    const std::size_t n = z.size();
    // p = 1/(1 + e^−z) for z >= 0 and e^z/(1 + e^z) for z < 0, both with e = e^−|z| <= 1, so nothing overflows.
    // Quiet comparisons (isless, …) and selects between computed values let GCC if-convert and vectorize.
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) {
        const double x = v[i];
        const double a = -std::fabs(x);
        const double t = std::isless(a, floor) ? floor : a; // NaN stays NaN
        const double e = exp_nonpositive(t);
        const double num = std::isgreaterequal(x, 0.0) ? 1.0 : (std::isless(x, floor) ? 0.0 : e);
        v[i] = num / (1.0 + e);
    }
}

} // namespace detail

// ---- the policy -------------------------------------------------------------------------------------

logistic_policy::logistic_policy(logistic_model model) {
    const auto width = model.encoder.width();
    if (static_cast<std::size_t>(model.weights.size()) != width)
        throw definition_error("logistic model: " + std::to_string(model.weights.size()) + " weights for " +
                               std::to_string(width) + " features");
    if (!std::isfinite(model.intercept))
        throw definition_error("logistic model: the intercept is not finite (" + std::to_string(model.intercept) + ")");
    const auto& names = model.encoder.names();
    for (std::size_t j = 0; j < width; ++j) {
        const double w = model.weights[j];
        if (!std::isfinite(w))
            throw definition_error("logistic model: the weight of feature " + std::to_string(j) + " ('" + names[j] +
                                   "') is not finite (" + std::to_string(w) + ")");
    }
    model_ = std::make_shared<const logistic_model>(std::move(model));
}

logistic_policy::scorer logistic_policy::bind(const table_view& view, timestamp as_of) const {
    return scorer(model_, model_->encoder.bind(view, as_of));
}

using term = detail::logistic_term;
constexpr std::size_t max_fused = 8;

namespace {
// A standardized numeric's contribution. The product is computed whether or not x is missing: were it only in one
// arm of the select, GCC (with -ftrapping-math, the default) would keep a branch and not vectorize.
inline double numeric_term(double x, double a, double c, double missing) noexcept {
    const double u = a * (x - c);
    return std::isnan(x) ? missing : u;
}
} // namespace
using kind = detail::logistic_term::kind;

namespace {

/// Turns each bound specification into a term: its weights folded with the standardization, categorical and
/// boolean fields into one table entry per code. Lookup tables go into one array; a table whose entries all stayed 0
/// and none is an error is dropped again (the term adds nothing), and so is such a term.
class term_builder {
public:
    term_builder(const std::vector<double>& weights, std::vector<double>& tables, std::vector<std::uint8_t>& errors)
        : w_(weights), tables_(tables), errors_(errors) {}

    /// Fills t for specification s; false when the term adds nothing.
    bool build(term& t, const detail::resolved_spec& s, const numeric_feature& f) const {
        const double w = w_[s.offset];
        const double wi = f.missing_indicator ? w_[s.offset + 1] : 0.0;
        t.numbers = s.numbers;
        t.a = w / f.scale;
        t.c = f.center;
        t.missing = w * ((f.impute - f.center) / f.scale) + wi;
        t.type = w != 0.0 ? kind::numeric : kind::missing_only;
        return w != 0.0 || t.missing != 0.0;
    }
    bool build(term& t, const detail::resolved_spec& s, const binned_feature& f) const {
        // Entry k: bin k; the last entry: missing.
        const std::size_t bins = f.cuts.size() + 1;
        double* values = open_table(t, bins + 1);
        for (std::size_t k = 0; k < bins; ++k) values[k] = w_[s.offset + k];
        values[bins] = f.missing_indicator ? w_[s.offset + bins] : 0.0;
        t.type = kind::binned;
        t.numbers = s.numbers;
        t.cuts = f.cuts;
        return close_table(t);
    }
    bool build(term& t, const detail::resolved_spec& s, const categorical_feature& f) const {
        // Entry code + 1: 0 is missing, then one per dictionary code.
        const std::size_t other = f.unknown == unknown_category::other ? 1 : 0;
        double* values = open_table(t, s.slot.size() + 1);
        std::uint8_t* errors = errors_.data() + t.table;
        if (f.missing_feature) values[0] = w_[s.offset + f.vocabulary.size() + other];
        bool any_error = false;
        for (std::size_t code = 0; code < s.slot.size(); ++code) {
            const auto slot = s.slot[code];
            if (slot >= 0) {
                values[code + 1] = w_[s.offset + static_cast<std::size_t>(slot)];
            } else if (slot == detail::error_slot) {
                errors[code + 1] = 1;
                any_error = true;
            }
        }
        t.codes = s.codes;
        t.type = any_error ? kind::codes_checked : kind::codes;
        return close_table(t);
    }
    bool build(term& t, const detail::resolved_spec& s, const boolean_feature& f) const {
        const double w = w_[s.offset];
        const double wi = f.missing_indicator ? w_[s.offset + 1] : 0.0;
        // Entry flag + 1: missing, false, true.
        double* values = open_table(t, 3);
        values[0] = w * f.impute + wi;
        values[1] = w * 0.0;
        values[2] = w * 1.0;
        t.type = kind::flags;
        t.flags = s.flags;
        return close_table(t);
    }
    bool build(term& t, const detail::resolved_spec& s, const recency_feature& f) const {
        const double w = w_[s.offset];
        const double wi = f.none_indicator ? w_[s.offset + 1] : 0.0;
        t.type = kind::recency;
        t.a = w / f.scale;
        t.c = f.center;
        t.missing = w * ((f.cap_days - f.center) / f.scale) + wi;
        t.cap_or_window = f.cap_days;
        return w != 0.0 || wi != 0.0;
    }
    bool build(term& t, const detail::resolved_spec& s, const frequency_feature& f) const {
        const double w = w_[s.offset];
        t.type = kind::frequency;
        t.a = w / f.scale;
        t.c = f.center;
        t.cap_or_window = f.window_days;
        t.log1p = f.log1p;
        return w != 0.0;
    }

private:
    /// Appends `size` zero entries for term t and returns them.
    double* open_table(term& t, std::size_t size) const {
        t.table = tables_.size();
        t.table_size = static_cast<std::uint32_t>(size);
        tables_.resize(tables_.size() + size, 0.0);
        errors_.resize(tables_.size(), 0);
        return tables_.data() + t.table;
    }
    /// Drops t's table again when every entry stayed 0 and none is an error; false then.
    bool close_table(const term& t) const {
        const auto b = tables_.begin() + static_cast<std::ptrdiff_t>(t.table);
        const auto eb = errors_.begin() + static_cast<std::ptrdiff_t>(t.table);
        if (std::any_of(b, tables_.end(), [](double v) { return v != 0.0; }) ||
            std::any_of(eb, errors_.end(), [](std::uint8_t x) { return x != 0; }))
            return true;
        tables_.resize(t.table);
        errors_.resize(t.table);
        return false;
    }

    const std::vector<double>& w_;
    std::vector<double>& tables_;
    std::vector<std::uint8_t>& errors_;
};

} // namespace

logistic_policy::scorer::scorer(std::shared_ptr<const logistic_model> m, bound_encoder e)
    : model_(std::move(m)), encoding_(std::move(e)), bias_(model_->intercept) {
    const auto& specs = model_->encoder.specs();
    // Sized up front, so the builder's appends do not reallocate.
    std::size_t table_entries = 0;
    for (const auto& r : encoding_.resolved()) table_entries += r.slot.size() + 1;
    tables_.reserve(table_entries + 3 * encoding_.resolved().size() + 64);
    table_error_.reserve(tables_.capacity());
    terms_.reserve(encoding_.resolved().size());
    const term_builder builder(model_->weights, tables_, table_error_);
    for (const auto& s : encoding_.resolved()) {
        term t;
        t.spec = static_cast<std::uint32_t>(s.index);
        if (std::visit([&](const auto& f) { return builder.build(t, s, f); }, specs[s.index])) terms_.push_back(t);
    }
    // Terms of one kind next to each other, so the batch form adds up to eight in one pass over a block. The one-lead
    // form adds in this same order, which is what makes the two agree exactly.
    std::stable_sort(terms_.begin(), terms_.end(), [](const term& a, const term& b) { return a.type < b.type; });
    groups_.reserve(terms_.size());
    for (std::size_t i = 0; i < terms_.size();) {
        std::size_t j = i + 1;
        while (j < terms_.size() && j - i < max_fused && terms_[j].type == terms_[i].type) ++j;
        groups_.push_back({terms_[i].type, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)});
        i = j;
    }
}

void logistic_policy::scorer::bad_code(const term& t, std::size_t row) const {
    const auto& s = encoding_.resolved()[t.spec];
    if (t.type == kind::flags) encoding_.bad_flag_error(s, row);
    (void)encoding_.category_slot(s, row); // throws for a code outside the dictionary
    encoding_.unknown_category_error(s, row);
}

double logistic_policy::scorer::term_value(const term& t, std::size_t row) const {
    switch (t.type) {
    case kind::numeric: return numeric_term(t.numbers[row], t.a, t.c, t.missing);
    case kind::missing_only: return std::isnan(t.numbers[row]) ? t.missing : 0.0;
    case kind::codes:
    case kind::codes_checked: {
        const std::uint32_t u = static_cast<std::uint32_t>(t.codes[row]) + 1u;
        if (u >= t.table_size || table_error_[t.table + u] != 0) bad_code(t, row);
        return tables_[t.table + u];
    }
    case kind::flags: {
        const auto u = static_cast<std::uint32_t>(t.flags[row] + 1);
        if (u >= 3) bad_code(t, row);
        return tables_[t.table + u];
    }
    case kind::binned: {
        const double x = t.numbers[row];
        return tables_[t.table + (std::isnan(x) ? t.cuts.size() + 1 : detail::bin_of(t.cuts, x))];
    }
    case kind::recency: {
        const auto days = encoding_.days_since_last(encoding_.resolved()[t.spec], row);
        return days ? t.a * (std::min(*days, t.cap_or_window) - t.c) : t.missing;
    }
    case kind::frequency: {
        const auto n = static_cast<double>(encoding_.count_within(encoding_.resolved()[t.spec], row, t.cap_or_window));
        return t.a * ((t.log1p ? std::log1p(n) : n) - t.c);
    }
    }
    return 0.0;
}

double logistic_policy::scorer::log_odds(std::size_t row) const {
    if (row >= encoding_.rows())
        throw definition_error("logistic_policy: row " + std::to_string(row) + " of a view of " +
                               std::to_string(encoding_.rows()) + " rows");
    double z = bias_;
    for (const auto& t : terms_) z += term_value(t, row);
    return z;
}

double logistic_policy::scorer::score(std::size_t row) const {
    double z = log_odds(row);
    detail::logistic_sigmoid(std::span<double>(&z, 1));
    return z;
}

// Never throws: GCC 12 marks a multiversioned function's dispatcher as not throwing, so an exception leaving it would
// end the program. Bad codes are reported by returning false; the caller finds the row and throws.
LEADSCORE_DETAIL_CLONES bool logistic_policy::scorer::add_fused(const detail::logistic_group& g, std::size_t first,
                                                                std::span<double> z) const noexcept {
    const term* ts = terms_.data() + g.begin;
    double* acc = z.data();
    const std::size_t n = z.size();

    // Up to eight standardized numerics in one vectorized pass: acc += (missing ? m : a·(x − c)), term after term
    // (the fold keeps the order). Unrolled over the terms by the index pack, so the loop runs over rows only.
    const auto numeric = [&]<std::size_t... K>(std::index_sequence<K...>) LEADSCORE_DETAIL_INLINE {
        const double* const x[] = {(ts[K].numbers + first)...};
        const double a[] = {ts[K].a...};
        const double c[] = {ts[K].c...};
        const double m[] = {ts[K].missing...};
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i) {
            double s = acc[i];
            ((s += numeric_term(x[K][i], a[K], c[K], m[K])), ...);
            acc[i] = s;
        }
        return true;
    };
    // Up to eight categoricals in one pass: one table lookup each. The codes are checked against the dictionary
    // first, in a vectorized pass, so the lookups need no branch.
    const auto codes = [&]<std::size_t... K>(std::index_sequence<K...>) LEADSCORE_DETAIL_INLINE {
        const std::int32_t* const code[] = {(ts[K].codes + first)...};
        const double* const table[] = {(tables_.data() + ts[K].table + 1)...}; // table[−1] is the missing entry
        const std::uint32_t size[] = {ts[K].table_size...};
        std::uint32_t bad = 0;
#pragma omp simd reduction(| : bad)
        for (std::size_t i = 0; i < n; ++i)
            bad |= ((static_cast<std::uint32_t>(code[K][i]) + 1u >= size[K] ? 1u : 0u) | ...);
        if (bad != 0) [[unlikely]] return false;
        for (std::size_t i = 0; i < n; ++i) {
            double s = acc[i];
            ((s += table[K][code[K][i]]), ...);
            acc[i] = s;
        }
        return true;
    };
    const auto fused = [&](const auto& pass) LEADSCORE_DETAIL_INLINE {
        switch (g.count) {
        case 1: return pass(std::make_index_sequence<1>{});
        case 2: return pass(std::make_index_sequence<2>{});
        case 3: return pass(std::make_index_sequence<3>{});
        case 4: return pass(std::make_index_sequence<4>{});
        case 5: return pass(std::make_index_sequence<5>{});
        case 6: return pass(std::make_index_sequence<6>{});
        case 7: return pass(std::make_index_sequence<7>{});
        default: return pass(std::make_index_sequence<8>{});
        }
    };
    return g.type == kind::numeric ? fused(numeric) : fused(codes);
}

void logistic_policy::scorer::add_group(const detail::logistic_group& g, std::size_t first, std::span<double> z) const {
    const term* ts = terms_.data() + g.begin;
    if (g.type == kind::numeric || g.type == kind::codes) {
        if (add_fused(g, first, z)) return;
        // A code outside its dictionary: the lowest such row, first term first, names the error.
        for (std::size_t i = 0; i < z.size(); ++i)
            for (std::uint32_t k = 0; k < g.count; ++k)
                if (static_cast<std::uint32_t>(ts[k].codes[first + i]) + 1u >= ts[k].table_size)
                    bad_code(ts[k], first + i);
    }
    for (std::uint32_t k = 0; k < g.count; ++k)
        for (std::size_t i = 0; i < z.size(); ++i) z[i] += term_value(ts[k], first + i);
}

void logistic_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    if (first > encoding_.rows() || out.size() > encoding_.rows() - first)
        throw definition_error("logistic_policy: rows [" + std::to_string(first) + ", " +
                               std::to_string(first + out.size()) + ") of a view of " +
                               std::to_string(encoding_.rows()) + " rows");
    // Chunks small enough that the accumulators stay in L1 while every term adds to them.
    constexpr std::size_t chunk = 512;
    for (std::size_t begin = 0; begin < out.size(); begin += chunk) {
        const auto z = out.subspan(begin, std::min(chunk, out.size() - begin));
        std::fill(z.begin(), z.end(), bias_);
        for (const auto& g : groups_) add_group(g, first + begin, z);
        detail::logistic_sigmoid(z);
    }
}

explanation logistic_policy::scorer::explain(std::size_t row) const {
    const double p = score(row); // checks the row
    const auto& names = model_->encoder.names();
    std::vector<double> x(names.size());
    encoding_.encode(row, x);
    explanation e;
    e.score = p;
    e.unit = "log-odds";
    e.additive = true;
    e.total = model_->intercept;
    if (model_->intercept != 0.0) e.factors.push_back({"intercept", model_->intercept});
    for (std::size_t j = 0; j < x.size(); ++j) {
        const double w = model_->weights[j];
        if (w == 0.0) continue; // also keeps 0 · ∞ out, as the scorer's terms do
        const double c = w * x[j];
        if (c == 0.0) continue;
        e.total += c;
        e.factors.push_back({names[j], c});
    }
    order_factors(e.factors);
    return e;
}

bool operator==(const logistic_model& a, const logistic_model& b) noexcept {
    return a.encoder == b.encoder && a.intercept == b.intercept && a.weights == b.weights;
}

bool operator==(const logistic_policy& a, const logistic_policy& b) noexcept {
    return a.model_ == b.model_ || *a.model_ == *b.model_;
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(ScoringPolicy<logistic_policy>);
static_assert(BatchScorer<scorer_t<logistic_policy>>);
static_assert(ExplainingScorer<scorer_t<logistic_policy>>);
} // namespace leadscore
