// Temperature policies: purchase timeframe, score bands, relative bands, hysteresis, combinators, the explicit rating
// field, trends, the batch engine and the type-erased wrapper. Expected values are derived by hand in the comments, or
// (for relative bands over large random batches) by an independent reference: a full stable sort.

#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/policy.hpp"
#include "leadscore/temperature/timeframe.hpp"
#include "leadscore/temperature/trend.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace test_temperature {

using namespace leadscore;

namespace {

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr auto cold = temperature::cold, warm = temperature::warm, hot = temperature::hot,
               unknown = temperature::unknown;

/// A CRM's own arrays: one timeframe column, bound without a copy.
struct timeframe_table {
    schema fields{{{"purchase_timeframe", field_type::numeric, field_role::purchase_timeframe},
                   {"days_to_decide", field_type::numeric, field_role::none},
                   {"rating", field_type::categorical, field_role::none}}};
    std::vector<double> days, other;
    std::vector<std::int32_t> rating_codes;
    dictionary rating_dict;

    explicit timeframe_table(std::vector<double> d) : days(std::move(d)), other(days.size(), 0.0) {
        rating_codes.assign(days.size(), missing_code);
    }
    [[nodiscard]] table_view view() const {
        table_view v(fields, days.size());
        v.set_numeric(0, days);
        v.set_numeric(1, other);
        v.set_categorical(2, rating_codes, rating_dict);
        return v;
    }
};

/// A view with no fields at all, for policies that read only the score.
const schema& no_fields() {
    static const schema s;
    return s;
}

std::vector<temperature> levels(std::span<const rating> r) {
    std::vector<temperature> out;
    for (const auto& x : r) out.push_back(x.level);
    return out;
}
std::vector<std::uint16_t> reasons_of(std::span<const rating> r) {
    std::vector<std::uint16_t> out;
    for (const auto& x : r) out.push_back(x.reason);
    return out;
}

batch_options one_thread() { return batch_options{.as_of = from_seconds(1'780'000'000), .threads = 1}; }

/// Scores only: bands over a view without fields.
template <class P>
std::vector<rating> rate_scores(const P& p, const std::vector<double>& scores, std::span<const rating> previous = {},
                                batch_options o = one_thread()) {
    const table_view v(no_fields(), scores.size());
    return rate_batch(p, rating_input{v, scores, {}, previous}, o);
}

/// Something that is not a temperature policy: it has no reason table.
struct no_reasons {
    struct rater {
        rating rate(std::size_t, double) const { return {}; }
    };
    rater bind(const rating_input&, const batch_options&) const { return {}; }
};
/// Nor is this: its rater returns a temperature, not a rating.
struct wrong_result {
    std::vector<std::string> reasons() const { return {}; }
    struct rater {
        temperature rate(std::size_t, double) const { return temperature::hot; }
    };
    rater bind(const rating_input&, const batch_options&) const { return {}; }
};
/// A user-written policy: hot when the score exceeds the lead's purchase timeframe in days (silly, but it reads a
/// field and the score), with only the one-lead form.
struct user_policy {
    std::vector<std::string> reasons() const { return {"score above the timeframe", "otherwise", "no score"}; }
    struct rater {
        std::span<const double> days;
        rating rate(std::size_t row, double score) const {
            if (std::isnan(score)) return {unknown, 0, 2};
            return score > days[row] ? rating{hot, 0, 0} : rating{cold, 0, 1};
        }
    };
    rater bind(const rating_input& in, const batch_options&) const {
        if (in.rows.rows() == 0) return {};
        return {in.rows.numeric(*in.rows.table_schema().find(field_role::purchase_timeframe))};
    }
};

static_assert(!TemperaturePolicy<no_reasons>);
static_assert(!TemperaturePolicy<wrong_result>);
static_assert(TemperaturePolicy<user_policy>);
static_assert(!BatchTemperatureRater<rater_t<user_policy>>);
static_assert(sizeof(rating) == 4);

} // namespace

TEST_CASE("temperature names") {
    CHECK(to_string(cold) == "cold");
    CHECK(to_string(warm) == "warm");
    CHECK(to_string(hot) == "hot");
    CHECK(to_string(unknown) == "unknown");
    CHECK(parse_temperature("Hot") == hot);
    CHECK(parse_temperature(" warm ") == warm);
    CHECK(parse_temperature("tepid") == std::nullopt);
    CHECK(is_defined(cold));
    CHECK_FALSE(is_defined(unknown));
    CHECK(cold < warm);
    CHECK(warm < hot);
}

TEST_CASE("purchase timeframe: hot now, warm within the horizon, cold beyond or without one") {
    // Horizon 60 days: 0 is now; (0, 60] is warm (60 itself included, 0.5 too); above 60 — also +inf — is beyond;
    // NaN is none stated; -0.0 equals 0.
    const timeframe_table t({0, 1, 59, 60, 60.5, 61, qnan, inf, 0.5, -0.0});
    const purchase_timeframe_policy p;
    const std::vector<double> scores(t.days.size(), qnan); // the score plays no part
    const auto r = rate_batch(p, rating_input{t.view(), scores}, one_thread());
    CHECK(levels(r) == std::vector{hot, warm, warm, warm, cold, cold, cold, cold, warm, hot});
    using rc = purchase_timeframe_policy::reason_code;
    CHECK(reasons_of(r) == std::vector<std::uint16_t>{rc::needs_now, rc::within_horizon, rc::within_horizon,
                                                      rc::within_horizon, rc::beyond_horizon, rc::beyond_horizon,
                                                      rc::none_stated, rc::beyond_horizon, rc::within_horizon,
                                                      rc::needs_now});
    CHECK(p.reasons() == std::vector<std::string>{"needs it now", "decides within 60 days",
                                                  "decides in more than 60 days", "no purchase timeframe stated"});
    CHECK(reason_text(p, r[4]) == "decides in more than 60 days");

    SUBCASE("a configured horizon and unknown for leads that stated nothing") {
        const purchase_timeframe_policy q(timeframe_rule{.horizon_days = 30, .when_none = unknown});
        const auto s = rate_batch(q, rating_input{t.view(), scores}, one_thread());
        // 59, 60, 60.5, 61 are now beyond 30 days; 1 and 0.5 stay warm; NaN is unknown.
        CHECK(levels(s) == std::vector{hot, warm, cold, cold, cold, cold, unknown, cold, warm, hot});
        CHECK(q.reasons()[1] == "decides within 30 days");
    }
    SUBCASE("horizon 0: no lead is warm") {
        const purchase_timeframe_policy q(timeframe_rule{.horizon_days = 0});
        CHECK(levels(rate_batch(q, rating_input{t.view(), scores}, one_thread())) ==
              std::vector{hot, cold, cold, cold, cold, cold, cold, cold, cold, hot});
    }
    SUBCASE("beyond the horizon as unknown") {
        const purchase_timeframe_policy q(timeframe_rule{.beyond = unknown});
        CHECK(levels(rate_batch(q, rating_input{t.view(), scores}, one_thread()))[5] == unknown);
    }
    SUBCASE("another field by name") {
        timeframe_table u({5, 5});
        u.other = {0, qnan};
        const purchase_timeframe_policy q(timeframe_rule{.field = "days_to_decide"});
        const std::vector<double> two(2, 0.0);
        CHECK(levels(rate_batch(q, rating_input{u.view(), two}, one_thread())) == std::vector{hot, cold});
    }
    SUBCASE("the one-lead form agrees with the batch form") {
        const auto rater = p.bind(rating_input{t.view(), scores}, one_thread());
        for (std::size_t i = 0; i < t.days.size(); ++i) CHECK(rater.rate(i, 0.0) == r[i]);
    }
}

TEST_CASE("purchase timeframe: bad data and bad definitions") {
    SUBCASE("a negative timeframe names the row and the field, in either form") {
        const timeframe_table t({3, 0, -2});
        const std::vector<double> scores(3, 0.0);
        const purchase_timeframe_policy p;
        CHECK_THROWS_WITH_AS((void)rate_batch(p, rating_input{t.view(), scores}, one_thread()),
                             "field 'purchase_timeframe': row 2: purchase timeframe of -2 days (a timeframe is 0 or "
                             "more days; missing means none stated)",
                             input_error);
        const auto rater = p.bind(rating_input{t.view(), scores}, one_thread());
        CHECK_THROWS_AS((void)rater.rate(2, 0.0), input_error);
        CHECK(rater.rate(1, 0.0).level == hot);
        const timeframe_table minus_inf({-inf});
        CHECK_THROWS_AS((void)rate_batch(p, rating_input{minus_inf.view(), std::vector<double>{0.0}}, one_thread()),
                        input_error);
    }
    SUBCASE("definitions") {
        CHECK_THROWS_WITH_AS(purchase_timeframe_policy(timeframe_rule{.horizon_days = -1}),
                             "purchase timeframe: horizon of -1 days (needs 0..36500)", definition_error);
        CHECK_THROWS_AS(purchase_timeframe_policy(timeframe_rule{.horizon_days = 36501}), definition_error);
        CHECK_NOTHROW(purchase_timeframe_policy(timeframe_rule{.horizon_days = 36500}));
        CHECK_THROWS_AS(purchase_timeframe_policy(timeframe_rule{.beyond = warm}), definition_error);
        CHECK_THROWS_AS(purchase_timeframe_policy(timeframe_rule{.when_none = hot}), definition_error);
    }
    SUBCASE("a table without the field") {
        const std::vector<double> scores(2, 0.0);
        const table_view v(no_fields(), 2);
        CHECK_THROWS_WITH_AS((void)rate_batch(purchase_timeframe_policy(), rating_input{v, scores}),
                             "purchase timeframe: the table has no field with role purchase_timeframe",
                             definition_error);
        const timeframe_table t({1, 2});
        CHECK_THROWS_WITH_AS((void)rate_batch(purchase_timeframe_policy(timeframe_rule{.field = "nope"}),
                                        rating_input{t.view(), scores}),
                             "purchase timeframe: the table has no field 'nope'", definition_error);
        CHECK_THROWS_WITH_AS((void)rate_batch(purchase_timeframe_policy(timeframe_rule{.field = "rating"}),
                                        rating_input{t.view(), scores}),
                             "purchase timeframe: field 'rating' is categorical, not numeric (days)",
                             definition_error);
    }
}

TEST_CASE("score bands: thresholds open their band; NaN is unknown") {
    const score_band_policy p(score_bands{score_scale::points, 40, 70});
    // 70 is hot, 69.999 warm, 40 warm, 39.999 cold; +inf hot, -inf cold, -0.0 cold.
    const std::vector<double> s{70, 69.999, 40, 39.999, qnan, inf, -inf, 100, -0.0};
    const auto r = rate_scores(p, s);
    CHECK(levels(r) == std::vector{hot, warm, warm, cold, unknown, hot, cold, hot, cold});
    CHECK(reasons_of(r) == std::vector<std::uint16_t>{0, 1, 1, 2, 3, 0, 2, 0, 2});
    CHECK(p.reasons() == std::vector<std::string>{"score at or above 70", "score at or above 40, below 70",
                                                  "score below 40", "score not computable (NaN)"});
    const auto rater = p.bind(rating_input{table_view(no_fields(), s.size()), s}, one_thread());
    for (std::size_t i = 0; i < s.size(); ++i) CHECK(rater.rate(i, s[i]) == r[i]);

    SUBCASE("probability bands") {
        const score_band_policy q(score_bands{score_scale::probability, 0.2, 0.5});
        CHECK(levels(rate_scores(q, {0.5, 0.2, 0.1999, 1.0, 0.0})) == std::vector{hot, warm, cold, hot, cold});
        CHECK(q.reasons()[0] == "score at or above 0.5");
    }
    SUBCASE("scores of the other scale are refused when the input says so") {
        const std::vector<double> x{0.4};
        const table_view v(no_fields(), 1);
        CHECK_THROWS_WITH_AS((void)rate_batch(p, rating_input{v, x, score_scale::probability}),
                             "score bands: thresholds on the points scale, scores on the probability scale",
                             definition_error);
        CHECK(rate_batch(p, rating_input{v, x, score_scale::points}, one_thread())[0].level == cold);
        CHECK(rate_batch(p, rating_input{v, x}, one_thread())[0].level == cold);
    }
    SUBCASE("definitions") {
        CHECK_THROWS_WITH_AS(score_band_policy(score_bands{score_scale::points, 50, 50}),
                             "score bands: the warm threshold 50 is not below the hot threshold 50 (thresholds must be "
                             "strictly ascending)",
                             definition_error);
        CHECK_THROWS_AS(score_band_policy(score_bands{score_scale::points, 60, 50}), definition_error);
        CHECK_THROWS_WITH_AS(score_band_policy(score_bands{score_scale::points, qnan, 50}),
                             "score bands: the warm threshold nan is not a finite number", definition_error);
        CHECK_THROWS_AS(score_band_policy(score_bands{score_scale::points, 1, inf}), definition_error);
        CHECK_THROWS_WITH_AS(score_band_policy(score_bands{score_scale::probability, 0.5, 1.5}),
                             "score bands: the hot threshold 1.5 is not a probability (needs 0..1)", definition_error);
        CHECK_THROWS_AS(score_band_policy(score_bands{score_scale::probability, -0.1, 0.5}), definition_error);
        CHECK_NOTHROW(score_band_policy(score_bands{score_scale::probability, 0, 1}));
        CHECK_NOTHROW(score_band_policy(score_bands{score_scale::points, -1e300, 1e300}));
    }
}

namespace {

/// The reference for relative bands: every scored row sorted by (score descending, row ascending); the first k are
/// at or above the cut (by_row), or every row with a score >= that of the k-th (shared).
std::vector<temperature> reference_relative(const std::vector<double>& s, double hot_share, double warm_share,
                                            tie_rule ties) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!std::isnan(s[i])) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    const double m = static_cast<double>(order.size());
    const auto k_hot = static_cast<std::size_t>(std::llround(hot_share * m));
    const auto k_warm = static_cast<std::size_t>(std::llround((hot_share + warm_share) * m));
    std::vector<temperature> out(s.size(), unknown);
    for (std::size_t j = 0; j < order.size(); ++j) out[order[j]] = j < k_hot ? hot : j < k_warm ? warm : cold;
    if (ties == tie_rule::shared) {
        for (std::size_t j = 0; j < order.size(); ++j) {
            const double v = s[order[j]];
            if (k_hot > 0 && v == s[order[k_hot - 1]]) out[order[j]] = hot;
            else if (k_warm > 0 && v == s[order[k_warm - 1]]) out[order[j]] = warm;
        }
    }
    return out;
}

std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64's finalizer
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

} // namespace

TEST_CASE("relative bands: exact shares, ties broken by row") {
    // 10 rows, 9 scored (row 5 is NaN): sorted by score then row, 9(r1) 9(r3) 9(r7) 8(r9) 7(r2) 5(r0) 3(r6) 2(r8) 1(r4).
    // hot: round(0.2 · 9) = round(1.8) = 2 rows; hot + warm: round(0.5 · 9) = round(4.5) = 5 rows (half away from 0).
    const std::vector<double> s{5, 9, 7, 9, 1, qnan, 3, 9, 2, 8};
    const relative_band_policy by_row(relative_bands{0.2, 0.3, tie_rule::by_row});
    const auto r = rate_scores(by_row, s);
    // by row: hot r1, r3; warm r7, r9, r2; the rest cold.
    CHECK(levels(r) == std::vector{cold, hot, warm, hot, cold, unknown, cold, warm, cold, warm});
    CHECK(reasons_of(r) == std::vector<std::uint16_t>{2, 0, 1, 0, 2, 3, 2, 1, 2, 1});
    CHECK(by_row.reasons() == std::vector<std::string>{"in the top 20 % of the batch", "in the next 30 % of the batch",
                                                       "below the top 50 % of the batch",
                                                       "score not computable (NaN)"});
    const table_view v(no_fields(), s.size());
    const auto rater = by_row.bind(rating_input{v, s}, one_thread());
    // The hot cut is score 9 up to row 3 (2 rows); the warm cut is score 7 up to row 2 (5 rows).
    CHECK(rater.hot_cut() == band_cut{9, 4, 2});
    CHECK(rater.warm_cut() == band_cut{7, 3, 5});
    for (std::size_t i = 0; i < s.size(); ++i) CHECK(rater.rate(i, s[i]) == r[i]);

    SUBCASE("shared ties: every 9 is hot") {
        const relative_band_policy shared(relative_bands{0.2, 0.3, tie_rule::shared});
        // hot: the three 9s; warm: the cut is still 7 (5 rows at or above it), so r9 and r2.
        CHECK(levels(rate_scores(shared, s)) == std::vector{cold, hot, warm, hot, cold, unknown, cold, hot, cold, warm});
        const auto sr = shared.bind(rating_input{v, s}, one_thread());
        CHECK(sr.hot_cut() == band_cut{9, 10, 3});
        CHECK(sr.warm_cut() == band_cut{7, 10, 5});
    }
    SUBCASE("-0.0 and +0.0 are the same score: the earlier row wins") {
        // One of three is hot (round(1/3 · 3) = 1): row 0, whichever zero it holds.
        const relative_band_policy third(relative_bands{1.0 / 3, 0, tie_rule::by_row});
        CHECK(levels(rate_scores(third, {-0.0, 0.0, 0.0})) == std::vector{hot, cold, cold});
        CHECK(levels(rate_scores(third, {0.0, -0.0, -0.0})) == std::vector{hot, cold, cold});
        CHECK(levels(rate_scores(third, {-1.0, -0.0, 0.0})) == std::vector{cold, hot, cold});
    }
    SUBCASE("edges: no rows, no scored rows, empty and full shares, infinities") {
        CHECK(rate_scores(by_row, {}).empty());
        CHECK(levels(rate_scores(by_row, {qnan, qnan})) == std::vector{unknown, unknown});
        const relative_band_policy none(relative_bands{0, 0, tie_rule::by_row});
        CHECK(levels(rate_scores(none, {inf, 1, -inf})) == std::vector{cold, cold, cold});
        const relative_band_policy all(relative_bands{1, 0, tie_rule::by_row});
        CHECK(levels(rate_scores(all, {inf, 1, -inf, qnan})) == std::vector{hot, hot, hot, unknown});
        const relative_band_policy half(relative_bands{0.5, 0.5, tie_rule::by_row});
        // Two of four hot: +inf and 1 (rows 0 and 1); the rest warm, -inf included.
        CHECK(levels(rate_scores(half, {inf, 1, -inf, 0})) == std::vector{hot, hot, warm, warm});
        // One lead alone: round(0.1) = 0 hot, round(0.4) = 0 warm.
        CHECK(levels(rate_scores(relative_band_policy(), {42.0})) == std::vector{cold});
    }
    SUBCASE("definitions") {
        CHECK_THROWS_WITH_AS(relative_band_policy(relative_bands{-0.1, 0.3}),
                             "relative bands: the hot share -0.1 is not in [0, 1]", definition_error);
        CHECK_THROWS_AS(relative_band_policy(relative_bands{0.1, 1.1}), definition_error);
        CHECK_THROWS_AS(relative_band_policy(relative_bands{qnan, 0.1}), definition_error);
        CHECK_THROWS_WITH_AS(relative_band_policy(relative_bands{0.6, 0.5}),
                             "relative bands: the hot share 0.6 and the warm share 0.5 add up to more than 1",
                             definition_error);
    }
}

TEST_CASE("relative bands: large batches equal a full sort, for any thread count") {
    // Scores built to stress the radix selection: many ties, both signs, tiny and huge magnitudes, infinities, NaN.
    for (const int shape : {0, 1, 2, 3}) {
        CAPTURE(shape);
        const std::size_t n = 200'003;
        std::vector<double> s(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto h = mix(i * 4 + static_cast<std::size_t>(shape));
            switch (shape) {
            case 0: s[i] = static_cast<double>(h % 100); break;                        // integers, heavy ties
            case 1: s[i] = (h % 50 == 0) ? qnan : static_cast<double>(h % 1'000'003) / 1e6 - 0.5; break;
            case 2: s[i] = 42.0; break;                                                 // one value
            default: {
                const double mag = std::ldexp(1.0, static_cast<int>(h % 2000) - 1000);
                s[i] = (h >> 60) == 0 ? inf : (h >> 60) == 1 ? -inf : ((h >> 59) & 1 ? -mag : mag);
            }
            }
        }
        for (const auto ties : {tie_rule::by_row, tie_rule::shared}) {
            CAPTURE(to_string(ties));
            const relative_band_policy p(relative_bands{0.1, 0.3, ties});
            const auto expected = reference_relative(s, 0.1, 0.3, ties);
            for (const unsigned threads : {1U, 2U, 3U}) {
                CAPTURE(threads);
                const auto got = rate_scores(p, s, {}, batch_options{.threads = threads, .block_rows = 1000});
                CHECK(levels(got) == expected);
            }
            if (ties == tie_rule::by_row) {
                const auto c = count_temperatures(rate_scores(p, s));
                std::size_t m = 0;
                for (double x : s) m += std::isnan(x) ? 0 : 1;
                CHECK(c[2] == static_cast<std::size_t>(std::llround(0.1 * static_cast<double>(m))));
                CHECK(c[1] + c[2] == static_cast<std::size_t>(std::llround(0.4 * static_cast<double>(m))));
            }
        }
    }
}

TEST_CASE("hysteresis: margin, persistence and the previous band") {
    // Bands warm 40, hot 70; margin 5; or 3 evaluations in a row.
    const score_band_policy bands(score_bands{score_scale::points, 40, 70});
    const hysteresis_policy p(bands, hysteresis_rule{5.0, 3});
    const std::uint16_t held = p.held_reason(), none = p.no_temperature_reason();
    CHECK(held == 4);
    CHECK(none == 5);
    CHECK(p.reasons().size() == 6);
    CHECK(p.reasons()[4] ==
          "kept the previous temperature: the change is within the margin of 5 and has not lasted 3 evaluations");
    CHECK(p.reasons()[5] == "kept the previous temperature: no temperature this evaluation");

    struct step {
        rating previous;
        double score;
        rating expected;
    };
    const std::vector<step> steps{
        // From warm: 72 is hot but 72 - 5 = 67 is warm: held, streak 1.
        {{warm, 0, 1}, 72, {warm, 1, held}},
        // 75 - 5 = 70 >= 70: passed by the margin exactly: hot at once.
        {{warm, 0, 1}, 75, {hot, 0, 0}},
        // Third evaluation in a row above: hot by persistence, with the raw reason.
        {{warm, 2, held}, 72, {hot, 0, 0}},
        // A streak that pointed colder restarts at 1.
        {{warm, -2, held}, 72, {warm, 1, held}},
        // Back inside the band: the streak restarts.
        {{warm, 2, held}, 50, {warm, 0, 1}},
        // From hot: 66 + 5 = 71 is hot: held, streak -1.
        {{hot, 0, 0}, 66, {hot, -1, held}},
        // 65 + 5 = 70 is still hot: not passed (downward needs s + m below 70, i.e. s < 65).
        {{hot, 0, 0}, 65, {hot, -1, held}},
        // 64 + 5 = 69: warm, so warm at once, with the reason of the shifted score's band.
        {{hot, 0, 0}, 64, {warm, 0, 1}},
        // From cold: 72 - 5 = 67 is warm, beyond cold: moves to warm at once (not hot).
        {{cold, 0, 2}, 72, {warm, 0, 1}},
        // From cold: 100 - 5 = 95 is hot.
        {{cold, 0, 2}, 100, {hot, 0, 0}},
        // A NaN score keeps the previous level.
        {{warm, 2, held}, qnan, {warm, 0, none}},
        // No previous temperature: rated afresh.
        {{unknown, 0, 0}, 72, {hot, 0, 0}},
        // A stored streak beyond any limit does not overflow: clamped, then counted (126 + 1 >= 3: changes).
        {{warm, 127, held}, 72, {hot, 0, 0}},
        {{hot, -128, held}, 66, {warm, 0, 1}},
    };
    std::vector<rating> previous;
    std::vector<double> scores;
    for (const auto& s : steps) {
        previous.push_back(s.previous);
        scores.push_back(s.score);
    }
    const auto got = rate_scores(p, scores, previous);
    const auto rater = p.bind(rating_input{table_view(no_fields(), scores.size()), scores, {}, previous}, one_thread());
    for (std::size_t i = 0; i < steps.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i] == steps[i].expected);
        CHECK(rater.rate(i, scores[i]) == steps[i].expected);
    }
    // Without previous ratings every lead is rated afresh.
    CHECK(levels(rate_scores(p, {72, 50, 10})) == std::vector{hot, warm, cold});

    SUBCASE("persistence only") {
        const hysteresis_policy q(bands, hysteresis_rule{std::nullopt, 2});
        CHECK(q.reasons()[4] == "kept the previous temperature: the change is has not lasted 2 evaluations");
        auto r = rate_scores(q, {100}, std::vector<rating>{{cold, 0, 2}});
        CHECK(r[0] == rating{cold, 1, 4}); // far beyond, but no margin rule: waits
        r = rate_scores(q, {100}, r);
        CHECK(r[0] == rating{hot, 0, 0});
    }
    SUBCASE("margin only: the streak grows without overflowing") {
        const hysteresis_policy q(bands, hysteresis_rule{5.0, 0});
        std::vector<rating> r{{warm, 0, 1}};
        for (int i = 0; i < 200; ++i) r = rate_scores(q, {72}, r);
        CHECK(r[0] == rating{warm, 127, 4});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(hysteresis_policy(temperature_policy(), hysteresis_rule{1.0, 0}),
                             "hysteresis: no policy to wrap", definition_error);
        CHECK_THROWS_AS(hysteresis_policy(bands, hysteresis_rule{-1.0, 0}), definition_error);
        CHECK_THROWS_AS(hysteresis_policy(bands, hysteresis_rule{qnan, 0}), definition_error);
        CHECK_THROWS_AS(hysteresis_policy(bands, hysteresis_rule{1.0, 101}), definition_error);
        CHECK_THROWS_WITH_AS(hysteresis_policy(bands, hysteresis_rule{std::nullopt, 0}),
                             "hysteresis: neither a margin nor a number of evaluations, so a lead could never change "
                             "band",
                             definition_error);
        const std::vector<rating> bad{{static_cast<temperature>(7), 0, 0}};
        CHECK_THROWS_WITH_AS(rate_scores(p, {50}, bad),
                             "field 'previous rating': row 0: level code 7 is not a temperature", input_error);
        const std::vector<rating> short_previous(1);
        CHECK_THROWS_WITH_AS(rate_scores(p, {50, 60}, short_previous),
                             "rate_batch: 1 previous ratings for 2 rows (give one per row, or none)", definition_error);
    }
}

TEST_CASE("hysteresis: no flapping on oscillating input") {
    const score_band_policy bands(score_bands{score_scale::points, 40, 70});
    const auto changes = [](const temperature_policy& p, const std::vector<double>& series) {
        // One lead evaluated once per score of the series, each run fed the previous run's rating.
        std::vector<rating> r = rate_scores(p, {series[0]});
        std::size_t n = 0;
        for (std::size_t i = 1; i < series.size(); ++i) {
            const auto next = rate_scores(p, {series[i]}, r);
            n += next[0].level != r[0].level ? 1 : 0;
            r = next;
        }
        return n;
    };
    // Alternating 72, 68, 72, … around the hot threshold, within the margin.
    std::vector<double> alternating;
    for (int i = 0; i < 1000; ++i) alternating.push_back(i % 2 == 0 ? 72 : 68);
    // Random within (65.1, 74.9): inside the margin of 5 on either side of 70.
    std::vector<double> random;
    for (std::uint64_t i = 0; i < 1000; ++i) random.push_back(65.1 + 9.8 * static_cast<double>(mix(i) % 10001) / 10000);

    CHECK(changes(bands, alternating) == 999);                               // bare bands flap every time
    CHECK(changes(hysteresis_policy(bands, {5.0, 3}), alternating) == 0);    // never 3 in a row, never by 5
    CHECK(changes(hysteresis_policy(bands, {5.0, 0}), random) == 0);         // margin only: never
    CHECK(changes(bands, random) > 300);

    // With persistence N on random input, every change follows N evaluations in a row on the new side of 70.
    for (const unsigned n : {2U, 3U, 5U}) {
        CAPTURE(n);
        const hysteresis_policy h(bands, {5.0, n});
        std::vector<rating> r = rate_scores(h, {random[0]});
        std::size_t run = 0; // evaluations in a row pointing away from the current level
        std::size_t changed = 0;
        for (std::size_t i = 1; i < random.size(); ++i) {
            const temperature raw = random[i] >= 70 ? hot : warm;
            run = raw != r[0].level ? run + 1 : 0;
            const auto next = rate_scores(h, {random[i]}, r);
            if (next[0].level != r[0].level) {
                ++changed;
                CHECK(run == n);
                CHECK(next[0].level == raw);
                run = 0;
            } else {
                CHECK(run < n);
            }
            r = next;
        }
        CHECK(changed > 0);
        CHECK(changed < 250);
    }
}

TEST_CASE("combinators: hottest, coldest, first defined, explicit intent overrides") {
    // Row i: timeframe days[i], score s[i]. Bands: warm 40, hot 70. Timeframe: 0 hot, <= 60 warm, else/none cold.
    const timeframe_table t({0, 30, qnan, qnan, 90, 0});
    const std::vector<double> s{10, 80, 50, qnan, qnan, 75};
    const table_view v = t.view();
    const purchase_timeframe_policy timeframe;
    const purchase_timeframe_policy stated(timeframe_rule{.beyond = unknown, .when_none = unknown});
    const score_band_policy bands(score_bands{score_scale::points, 40, 70});

    const auto hottest = hottest_of({{"timeframe", timeframe}, {"score", bands}});
    // Offsets: timeframe's reasons 0..3, score's 4..7, none 8.
    CHECK(hottest.reasons().size() == 9);
    CHECK(hottest.reasons()[5] == "score: score at or above 40, below 70");
    CHECK(hottest.reasons()[8] == "no part gave a temperature");
    CHECK(hottest.reason_of_part(1, 2) == 6);
    // Row 0: hot | cold -> hot (timeframe). Row 1: warm | hot -> hot (score). Row 2: cold | warm -> warm (score).
    // Row 3: cold | unknown -> cold. Row 4: cold | unknown -> cold. Row 5: hot | hot -> hot from the first part.
    auto r = rate_batch(hottest, rating_input{v, s}, one_thread());
    CHECK(levels(r) == std::vector{hot, hot, warm, cold, cold, hot});
    CHECK(reasons_of(r) == std::vector<std::uint16_t>{0, 4, 5, 3, 2, 0});

    const auto coldest = coldest_of({{"timeframe", timeframe}, {"score", bands}});
    // Row 0: cold (score). Row 1: warm (timeframe). Row 2: cold (timeframe). Row 3, 4: cold (timeframe; score
    // unknown is skipped). Row 5: hot (timeframe, first listed).
    r = rate_batch(coldest, rating_input{v, s}, one_thread());
    CHECK(levels(r) == std::vector{cold, warm, cold, cold, cold, hot});
    CHECK(reasons_of(r) == std::vector<std::uint16_t>{6, 1, 3, 3, 2, 0});

    // Stated intent first, the score elsewhere. Row 3 has neither: unknown, reason "none".
    const auto intent = explicit_overrides({"intent", stated}, {"score", bands});
    CHECK(intent.rule() == combine_rule::first_defined);
    r = rate_batch(intent, rating_input{v, s}, one_thread());
    CHECK(levels(r) == std::vector{hot, warm, warm, unknown, unknown, hot});
    CHECK(reasons_of(r) == std::vector<std::uint16_t>{0, 1, 5, 8, 8, 0});
    // Row 4's timeframe of 90 days is beyond: unknown under `stated`, so the score decides, and it is NaN.

    const auto fd = first_defined({{"score", bands}, {"timeframe", timeframe}});
    CHECK(levels(rate_batch(fd, rating_input{v, s}, one_thread())) == std::vector{cold, hot, warm, cold, cold, hot});

    // The one-lead form agrees with the block form.
    for (const auto* c : {&hottest, &coldest, &intent, &fd}) {
        const auto rater = c->bind(rating_input{v, s}, one_thread());
        const auto all = rate_batch(*c, rating_input{v, s}, one_thread());
        for (std::size_t i = 0; i < s.size(); ++i) CHECK(rater.rate(i, s[i]) == all[i]);
    }

    SUBCASE("definitions") {
        CHECK_THROWS_WITH_AS((void)hottest_of({}), "temperature combination (hottest): no parts", definition_error);
        CHECK_THROWS_WITH_AS((void)coldest_of({{"", bands}}), "temperature combination (coldest): part 1 has no name",
                             definition_error);
        CHECK_THROWS_WITH_AS((void)first_defined({{"a", bands}, {"a", timeframe}}),
                             "temperature combination (first_defined): part name 'a' appears twice", definition_error);
        CHECK_THROWS_WITH_AS((void)hottest_of({{"a", temperature_policy()}}),
                             "temperature combination (hottest): part 'a' has no policy", definition_error);
    }
}

TEST_CASE("rating field: the temperature a rep set") {
    timeframe_table t({1, 1, 1, 1, 1});
    for (const char* text : {"Hot", "WARM", "cold", "Qualified"}) t.rating_dict.intern(text);
    t.rating_codes = {0, 1, 2, missing_code, 3};
    const std::vector<double> s(5, 0.0);
    const rating_field_policy p(rating_field_rule{.field = "rating"});
    const auto rater = p.bind(rating_input{t.view(), s}, one_thread());
    CHECK(rater.rate(0, 0) == rating{hot, 0, 0});
    CHECK(rater.rate(1, 0) == rating{warm, 0, 1});
    CHECK(rater.rate(2, 0) == rating{cold, 0, 2});
    CHECK(rater.rate(3, 0) == rating{unknown, 0, 3});
    CHECK_THROWS_WITH_AS((void)rater.rate(4, 0),
                         "field 'rating': row 4: rating 'Qualified' is none of the listed hot, warm and cold texts",
                         input_error);
    CHECK_THROWS_AS((void)rate_batch(p, rating_input{t.view(), s}, one_thread()), input_error);
    // "Qualified" listed as hot: the batch goes through.
    const rating_field_policy q(rating_field_rule{.field = "rating", .hot = {"hot", "qualified"}});
    CHECK(levels(rate_batch(q, rating_input{t.view(), s}, one_thread())) == std::vector{hot, warm, cold, unknown, hot});
    CHECK(p.reasons()[3] == "rating not set");

    // A code outside the dictionary (a CRM's own arrays).
    t.rating_codes[1] = 17;
    CHECK_THROWS_WITH_AS((void)p.bind(rating_input{t.view(), s}, one_thread()).rate(1, 0),
                         "field 'rating': row 1: code 17 is not in the field's dictionary", input_error);

    CHECK_THROWS_AS(rating_field_policy(rating_field_rule{}), definition_error);
    CHECK_THROWS_WITH_AS(rating_field_policy(rating_field_rule{.field = "r", .warm = {"warm", "Hot"}}),
                         "rating field 'r': 'Hot' is listed as hot and as warm", definition_error);
    CHECK_THROWS_AS(rating_field_policy(rating_field_rule{.field = "r", .cold = {" "}}), definition_error);
    CHECK_THROWS_WITH_AS((void)p.bind(rating_input{table_view(no_fields(), 1), std::vector<double>{0.0}}, one_thread()),
                         "rating field: the table has no field 'rating'", definition_error);
    CHECK_THROWS_AS((void)rating_field_policy(rating_field_rule{.field = "days_to_decide"})
                        .bind(rating_input{t.view(), s}, one_thread()),
                    definition_error);
}

TEST_CASE("engine: sizes, empty batches, one lead, counts") {
    const score_band_policy bands(score_bands{score_scale::points, 40, 70});
    const std::vector<double> three{1, 2, 3};
    const table_view v3(no_fields(), 3);
    std::vector<rating> out(2);
    CHECK_THROWS_WITH_AS(rate_batch(bands, rating_input{v3, three}, out),
                         "rate_batch: the output has 2 elements for 3 rows", definition_error);
    CHECK_THROWS_WITH_AS((void)rate_batch(bands, rating_input{table_view(no_fields(), 2), three}),
                         "rate_batch: 3 scores for 2 rows", definition_error);
    CHECK_THROWS_AS((void)rate_row(bands, rating_input{v3, three}, 3), definition_error);
    CHECK(rate_row(bands, rating_input{v3, three}, 2).level == cold);

    // An empty batch with a default view: every built-in gives an empty result.
    const rating_input empty{};
    CHECK(rate_batch(bands, empty).empty());
    CHECK(rate_batch(purchase_timeframe_policy(), empty).empty());
    CHECK(rate_batch(relative_band_policy(), empty).empty());
    CHECK(rate_batch(hysteresis_policy(bands, {1.0, 0}), empty).empty());
    CHECK(rate_batch(hottest_of({{"a", bands}, {"b", purchase_timeframe_policy()}}), empty).empty());
    CHECK(rate_batch(rating_field_policy(rating_field_rule{.field = "x"}), empty).empty());
    CHECK(rate_batch(temperature_policy(bands), empty).empty());

    // One lead object through a one-row table.
    lead l;
    l.id = "L1";
    l.timeframe = purchase_timeframe::within(45);
    CHECK(rate_lead(purchase_timeframe_policy(), l, qnan, schema::for_leads()).level == warm);
    l.timeframe = purchase_timeframe::now();
    CHECK(rate_lead(purchase_timeframe_policy(), l, qnan, schema::for_leads()).level == hot);
    CHECK(rate_lead(bands, l, 71, schema::for_leads(), one_thread(), score_scale::points).level == hot);

    const std::vector<rating> r{{hot, 0, 0}, {cold, 0, 2}, {cold, 0, 2}, {unknown, 0, 3},
                                {static_cast<temperature>(9), 0, 40}};
    CHECK(count_temperatures(r) == std::array<std::size_t, 4>{2, 0, 1, 2});
    CHECK(count_reasons(r, 4) == std::vector<std::size_t>{1, 0, 2, 1});
    CHECK(reason_text(bands, r[4]).empty());
}

namespace {

const generated_crm& crm() {
    static const generated_crm c = [] {
        generator_options o;
        o.leads = 3000;
        o.seed = 5;
        o.follow_up_days = 30;
        return generate_crm(o);
    }();
    return c;
}

const std::vector<double>& crm_scores() {
    static const std::vector<double> s = [] {
        points_rules rules;
        rules.groups = {{"fit", {}, {}, {}}, {"engagement", decay_rule::half_life(30), {}, {}}};
        rules.fit = {{"", condition::at_least("employees", 200.0), 10, "fit"}};
        engagement_rule e;
        e.event_type = "page_visited";
        e.points = 5;
        engagement_rule f;
        f.event_type = "form_submitted";
        f.points = 15;
        rules.engagement = {e, f};
        auto v = score_batch(points_policy(rules), crm().leads.view(), batch_options{.as_of = crm().horizon});
        for (std::size_t i = 0; i < v.size(); i += 97) v[i] = qnan; // some scores not computable
        return v;
    }();
    return s;
}

struct timeframe_case {
    static temperature_policy make() { return purchase_timeframe_policy(); }
};
struct bands_case {
    static temperature_policy make() { return score_band_policy(score_bands{score_scale::points, 10, 30}); }
};
struct relative_case {
    static temperature_policy make() { return relative_band_policy(relative_bands{0.1, 0.3, tie_rule::by_row}); }
};
struct hysteresis_case {
    static temperature_policy make() {
        return hysteresis_policy(relative_band_policy(relative_bands{0.1, 0.3, tie_rule::shared}), {2.0, 2});
    }
};
struct combined_case {
    static temperature_policy make() {
        return explicit_overrides({"intent", purchase_timeframe_policy(timeframe_rule{.when_none = unknown})},
                                  {"score", score_band_policy(score_bands{score_scale::points, 10, 30})});
    }
};
struct user_case {
    static temperature_policy make() { return user_policy{}; }
};
struct nested_case { // wrappers inside wrappers: each level needs its own scratch space
    static temperature_policy make() {
        const temperature_policy inner =
            coldest_of({{"timeframe", purchase_timeframe_policy()},
                        {"score", score_band_policy(score_bands{score_scale::points, 5, 20})}});
        return hottest_of({{"held", hysteresis_policy(hottest_of({{"inner", inner}, {"user", user_policy{}}}), {1.0, 2})},
                           {"top", relative_band_policy(relative_bands{0.05, 0.1, tie_rule::by_row})}});
    }
};

} // namespace

TEST_CASE_TEMPLATE("every temperature policy: batch equals one lead at a time, for any threads and block size", C,
                   timeframe_case, bands_case, relative_case, hysteresis_case, combined_case, user_case, nested_case) {
    const temperature_policy policy = C::make();
    const auto& table = crm().leads;
    // Previous ratings: a deterministic mix of levels and streaks.
    std::vector<rating> previous(table.rows());
    for (std::size_t i = 0; i < previous.size(); ++i)
        previous[i] = {static_cast<temperature>(mix(i) % 4), static_cast<std::int8_t>(static_cast<int>(mix(i + 7) % 5) - 2),
                       0};
    const rating_input in{table.view(), crm_scores(), score_scale::points, previous};
    const auto rater = policy.bind(in, batch_options{.as_of = crm().horizon, .threads = 1});
    std::vector<rating> one(table.rows());
    for (std::size_t r = 0; r < one.size(); ++r) one[r] = rater.rate(r, crm_scores()[r]);
    const auto c = count_temperatures(one);
    CHECK(std::count(c.begin(), c.end(), 0U) <= 2); // not all alike

    for (unsigned threads : {1U, 2U, 3U})
        for (std::size_t block : {std::size_t{1}, std::size_t{97}, std::size_t{4096}}) {
            CAPTURE(threads);
            CAPTURE(block);
            CHECK(rate_batch(policy, in, batch_options{.as_of = crm().horizon, .threads = threads, .block_rows = block}) ==
                  one);
        }
    // The reasons stay inside the table.
    const auto reasons = policy.reasons();
    for (const auto& r : one) CHECK(r.reason < reasons.size());
}

TEST_CASE("temperature_policy: holds any policy, dispatches once per batch") {
    const score_band_policy bands(score_bands{score_scale::points, 40, 70});
    const temperature_policy erased(bands);
    CHECK(erased.target<score_band_policy>() != nullptr);
    CHECK(*erased.target<score_band_policy>() == bands);
    CHECK(erased.target<purchase_timeframe_policy>() == nullptr);
    CHECK(erased.target_type() == typeid(score_band_policy));
    CHECK(erased.reasons() == bands.reasons());
    const temperature_policy copy = erased; // copies share the held policy
    CHECK(copy.target<score_band_policy>() == erased.target<score_band_policy>());
    const std::vector<double> s{80, 50, 10};
    CHECK(rate_scores(erased, s) == rate_scores(bands, s));
    const temperature_policy empty;
    CHECK_FALSE(empty);
    CHECK(empty.target_type() == typeid(void));
    CHECK_THROWS_WITH_AS((void)empty.reasons(), "temperature_policy: empty (no policy was given)", definition_error);
    CHECK_THROWS_AS(rate_scores(empty, s), definition_error);
}

TEST_CASE("trend: least-squares change over a period") {
    const trend_policy p(trend_rule{.min_change = 5, .per_days = 30});
    constexpr std::int64_t day = 86400;
    const std::vector<std::int64_t> two{0, 30 * day};
    // Two runs 30 days apart: the change over 30 days is the difference. Exactly 5 is improving.
    CHECK(p.change(two, std::vector{10.0, 15.0}) == 5.0);
    CHECK(p.of(two, std::vector{10.0, 15.0}) == trend::improving);
    CHECK(p.of(two, std::vector{10.0, 14.9}) == trend::steady);
    CHECK(p.of(two, std::vector{15.0, 10.0}) == trend::declining);
    CHECK(p.of(two, std::vector{15.0, 10.1}) == trend::steady);
    // Seven days apart, +2: 2 / 7 · 30 = 8.57 > 5: improving.
    CHECK(p.of(std::vector<std::int64_t>{0, 7 * day}, std::vector{10.0, 12.0}) == trend::improving);
    // Three runs at days 0, 10, 20 with scores 0, 10, 5: mean t 10, mean s 5; Σ dt·ds = (-10)(-5) + 0 + 10·0 = 50,
    // Σ dt² = 200; slope 0.25 a day, 7.5 over 30 days.
    const std::vector<std::int64_t> three{0, 10 * day, 20 * day};
    CHECK(p.change(three, std::vector{0.0, 10.0, 5.0}) == 7.5);
    // NaN is left out: the same as the two runs that remain (days 0 and 20, 0 -> 5: 7.5 over 30 days).
    CHECK(p.change(three, std::vector{0.0, qnan, 5.0}) == 7.5);
    CHECK(p.of(three, std::vector{qnan, qnan, 5.0}) == trend::unknown);
    CHECK(p.of(three, std::vector{0.0, inf, 5.0}) == trend::unknown);
    CHECK(p.of(std::vector<std::int64_t>{0}, std::vector{1.0}) == trend::unknown);
    CHECK(p.of({}, {}) == trend::unknown);
    // The last two runs only: days 10 and 20, 10 -> 5: -15 over 30 days.
    const trend_policy last2(trend_rule{.min_change = 5, .per_days = 30, .window = 2});
    CHECK(last2.change(three, std::vector{0.0, 10.0, 5.0}) == -15.0);
    CHECK(last2.of(three, std::vector{0.0, 10.0, 5.0}) == trend::declining);

    CHECK_THROWS_WITH_AS((void)p.of(std::vector<std::int64_t>{5, 5}, std::vector{1.0, 2.0}),
                         "trend: run 2 is not later than run 1 (runs go oldest first, at increasing times)",
                         definition_error);
    CHECK_THROWS_AS((void)p.of(std::vector<std::int64_t>{5}, std::vector{1.0, 2.0}), definition_error);
    CHECK_THROWS_AS(trend_policy(trend_rule{.min_change = 0}), definition_error);
    CHECK_THROWS_AS(trend_policy(trend_rule{.min_change = 1, .per_days = -1}), definition_error);
    CHECK_THROWS_AS(trend_policy(trend_rule{.min_change = 1, .per_days = 30, .window = 1}), definition_error);
    CHECK(to_string(trend::improving) == "improving");
}

TEST_CASE("trend: batches of runs equal one lead at a time") {
    const trend_policy p(trend_rule{.min_change = 3, .per_days = 7, .window = 3});
    const std::size_t n = 5000;
    std::vector<std::vector<double>> scores(4, std::vector<double>(n));
    for (std::size_t k = 0; k < 4; ++k)
        for (std::size_t i = 0; i < n; ++i)
            scores[k][i] = mix(k * n + i) % 13 == 0 ? qnan : static_cast<double>(mix(i) % 50) + static_cast<double>(k) *
                                                                                                  (static_cast<double>(mix(i + 1) % 7) - 3.0);
    const timestamp t0 = from_seconds(1'780'000'000);
    std::vector<score_run> runs;
    std::vector<std::int64_t> times;
    for (std::size_t k = 0; k < 4; ++k) {
        runs.push_back({t0 + std::chrono::days(7 * k), scores[k]});
        times.push_back(to_seconds(runs.back().at));
    }
    std::vector<trend> one(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<double> s;
        for (std::size_t k = 0; k < 4; ++k) s.push_back(scores[k][i]);
        one[i] = p.of(times, s);
    }
    const auto c = count_trends(one);
    CHECK(c[0] > 0);
    CHECK(c[1] > 0);
    CHECK(c[2] > 0);
    for (unsigned threads : {1U, 2U})
        CHECK(p.batch(runs, batch_options{.threads = threads, .block_rows = 333}) == one);
    CHECK(p.batch(std::span<const score_run>()).empty());
    std::vector<score_run> bad = runs;
    bad[2].scores = bad[2].scores.first(10);
    CHECK_THROWS_WITH_AS((void)p.batch(bad), "trend: run 3 has 10 scores for 5000 leads", definition_error);
    std::swap(bad[0], bad[1]);
    bad[2] = runs[2];
    CHECK_THROWS_AS((void)p.batch(bad), definition_error);
}

} // namespace test_temperature
