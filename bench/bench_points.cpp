// Points rules and the fit grade: leads per second over a CRM's own arrays (a zero-copy table_view), against a
// baseline that streams the same column and event bytes through the same batch engine.
//
// Data: 3 numeric, 4 categorical, 1 boolean and 1 timestamp column, and 0..20 events a lead (10 on average, about 5 %
// after the as-of time) of 14 types over the year before it. Lead i depends on i alone, so a smaller case scores a
// prefix of the same data, which is built once per process (the largest size asked for so far).
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/points.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace bench_points {

using namespace leadscore;

constexpr std::int64_t as_of_s = 1798761600; // 2027-01-01
constexpr std::int64_t year_s = 365 * 86400;

std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64's finalizer
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

const char* const industries[] = {"software", "manufacturing", "retail", "healthcare",
                                  "finance",  "education",     "logistics", "public_sector"};
const char* const countries[] = {"US", "GB", "DE", "FR", "ES", "IN", "BR", "JP", "AU", "CA"};
const char* const levels[] = {"c_level", "vp", "director", "manager", "individual", "student"};
const char* const event_types[] = {"email_opened",    "email_clicked",     "email_replied",     "page_visited",
                                   "pricing_page_visited", "form_submitted", "content_downloaded", "webinar_registered",
                                   "webinar_attended", "chat_started",     "meeting_booked",    "demo_requested",
                                   "social_interaction", "unsubscribed"};
const char* const event_details[] = {"/", "/pricing", "/docs", "contact_us", "buyers_guide.pdf", "roi.xlsx",
                                     "spring_launch", "intro_webinar"};

struct dataset {
    schema fields{{{"employees", field_type::numeric, field_role::none},
                   {"expected_value", field_type::numeric, field_role::expected_value},
                   {"purchase_timeframe", field_type::numeric, field_role::purchase_timeframe},
                   {"industry", field_type::categorical, field_role::none},
                   {"country", field_type::categorical, field_role::none},
                   {"source", field_type::categorical, field_role::source},
                   {"job_level", field_type::categorical, field_role::none},
                   {"newsletter", field_type::boolean, field_role::none},
                   {"created", field_type::timestamp, field_role::created}}};
    std::size_t rows = 0;
    std::vector<double> employees, value, timeframe;
    std::vector<std::int32_t> industry, country, source, level;
    std::vector<std::int8_t> newsletter;
    std::vector<std::int64_t> created;
    std::vector<event_record> events;
    std::vector<std::uint64_t> offsets;
    dictionary industry_dict, country_dict, source_dict, level_dict, types, details;

    explicit dataset(std::size_t n) : rows(n) {
        for (const char* s : industries) industry_dict.intern(s);
        for (const char* s : countries) country_dict.intern(s);
        for (int s = 0; s < 23; ++s) source_dict.intern("source_" + std::to_string(s));
        for (const char* s : levels) level_dict.intern(s);
        for (const char* s : event_types) types.intern(s);
        for (const char* s : event_details) details.intern(s);
        employees.resize(n);
        value.resize(n);
        timeframe.resize(n);
        industry.resize(n);
        country.resize(n);
        source.resize(n);
        level.resize(n);
        newsletter.resize(n);
        created.resize(n);
        offsets.resize(n + 1);
        events.reserve(n * 10);
        for (std::size_t i = 0; i < n; ++i) {
            std::uint64_t h = mix(i);
            const auto next = [&h] { return h = mix(h); };
            employees[i] = std::round(std::exp2(static_cast<double>(next() % 1400) / 100.0)); // 1 .. 16 000
            value[i] = static_cast<double>(500 + next() % 50'000);
            const auto tf = next() % 8;
            timeframe[i] = tf < 2 ? std::nan("") : static_cast<double>((tf - 2) * 30); // 25 % none stated
            industry[i] = static_cast<std::int32_t>(next() % 9) - 1; // about 11 % missing
            country[i] = static_cast<std::int32_t>(next() % 10);
            source[i] = static_cast<std::int32_t>(next() % 23);
            level[i] = static_cast<std::int32_t>(next() % 7) - 1;
            newsletter[i] = static_cast<std::int8_t>(next() % 3) - 1;
            created[i] = as_of_s - year_s + static_cast<std::int64_t>(next() % year_s);
            const auto count = next() % 21; // 0 .. 20, 10 on average
            const std::size_t begin = events.size();
            for (std::uint64_t e = 0; e < count; ++e) {
                const auto r = next();
                // 5 % of events lie in the 19 days after as_of, the rest in the year before it.
                const std::int64_t t = as_of_s - year_s + static_cast<std::int64_t>(r % (year_s + year_s / 19));
                const auto type = static_cast<std::int32_t>((r >> 40) % 14);
                const auto detail = static_cast<std::int32_t>((r >> 50) % 9) - 1;
                events.push_back({t, type, detail});
            }
            std::sort(events.begin() + static_cast<std::ptrdiff_t>(begin), events.end(),
                      [](const event_record& a, const event_record& b) { return a.time < b.time; });
            offsets[i + 1] = events.size();
        }
    }

    /// The first n rows, bound without a copy.
    [[nodiscard]] table_view view(std::size_t n) const {
        table_view v(fields, n);
        v.set_numeric(0, std::span(employees).first(n));
        v.set_numeric(1, std::span(value).first(n));
        v.set_numeric(2, std::span(timeframe).first(n));
        v.set_categorical(3, std::span(industry).first(n), industry_dict);
        v.set_categorical(4, std::span(country).first(n), country_dict);
        v.set_categorical(5, std::span(source).first(n), source_dict);
        v.set_categorical(6, std::span(level).first(n), level_dict);
        v.set_boolean(7, std::span(newsletter).first(n));
        v.set_timestamp(8, std::span(created).first(n));
        v.set_events(events, std::span(offsets).first(n + 1), types, details);
        return v;
    }
};

/// The data for at least n leads; rebuilt only when a larger size is asked for.
const dataset& data(std::size_t n) {
    static std::unique_ptr<dataset> d;
    if (!d || d->rows < n) {
        d.reset();
        d = std::make_unique<dataset>(n);
    }
    return *d;
}

fit_rule fit(condition c, double points) { return {"", std::move(c), points, "fit"}; }
engagement_rule engage(std::string type, double points, occurrence o = occurrence::repeatable,
                       std::optional<double> cap = {}) {
    engagement_rule r;
    r.event_type = std::move(type);
    r.points = points;
    r.counts = o;
    r.cap = cap;
    return r;
}

/// 20 fit rules and 10 engagement rules, engagement decayed with a 30-day half-life.
const points_policy& policy() {
    static const points_policy p = [] {
        points_rules r;
        r.groups = {{"fit", {}, 100.0, {}}, {"engagement", decay_rule::half_life(30), 100.0, -50.0}};
        const auto text = [](const char* s) { return attribute_value(std::string(s)); };
        r.fit = {fit(condition::one_of("industry", {text("software"), text("finance")}), 15),
                 fit(condition::equals("industry", text("public_sector")), -10),
                 fit(condition::is_missing("industry"), -5),
                 fit(condition::between("employees", 50.0, 199.0), 5),
                 fit(condition::between("employees", 200.0, 999.0), 10),
                 fit(condition::at_least("employees", 1000.0), 20),
                 fit(condition::below("employees", 10.0), -10),
                 fit(condition::at_least("expected_value", 20000.0), 10),
                 fit(condition::below("expected_value", 2000.0), -5),
                 fit(condition::at_most("purchase_timeframe", 30.0), 25),
                 fit(condition::between("purchase_timeframe", 31.0, 90.0), 10),
                 fit(condition::is_missing("purchase_timeframe"), -5),
                 fit(condition::one_of("country", {text("US"), text("GB"), text("DE")}), 5),
                 fit(condition::equals("country", text("IN")), 2),
                 fit(!condition::one_of("source", {text("source_4"), text("source_20")}), 3),
                 fit(condition::one_of("job_level", {text("c_level"), text("vp")}), 15),
                 fit(condition::equals("job_level", text("student")), -15),
                 fit(condition::contains("job_level", "direct"), 8),
                 fit(condition::equals("newsletter", true), 5),
                 fit(condition::at_least("created", from_seconds(as_of_s - 90 * 86400)), 5)};
        r.engagement = {engage("email_opened", 1, occurrence::repeatable, 10.0),
                        engage("email_clicked", 3, occurrence::repeatable, 15.0),
                        engage("page_visited", 1, occurrence::repeatable, 20.0),
                        engage("pricing_page_visited", 8),
                        engage("form_submitted", 10, occurrence::first_only),
                        engage("webinar_attended", 12),
                        engage("meeting_booked", 25, occurrence::repeatable, 50.0),
                        engage("demo_requested", 30, occurrence::first_only),
                        engage("content_downloaded", 6),
                        engage("unsubscribed", -40, occurrence::first_only)};
        r.engagement[8].detail_filter = detail_test::contains;
        r.engagement[8].detail_text = ".pdf";
        return points_policy(r);
    }();
    return p;
}

const grade_policy& grading() {
    static const grade_policy g = [] {
        const auto text = [](const char* s) { return attribute_value(std::string(s)); };
        grade_profile p;
        p.name = "b2b";
        p.criteria = {{"", condition::one_of("industry", {text("software"), text("finance")}), 3},
                      {"", condition::equals("industry", text("public_sector")), -2},
                      {"", condition::at_least("employees", 200.0), 2},
                      {"", condition::at_least("employees", 1000.0), 1},
                      {"", condition::below("employees", 10.0), -3},
                      {"", condition::one_of("job_level", {text("c_level"), text("vp")}), 3},
                      {"", condition::equals("job_level", text("student")), -4},
                      {"", condition::one_of("country", {text("US"), text("GB"), text("DE")}), 1},
                      {"", condition::is_missing("purchase_timeframe"), -1},
                      {"", condition::equals("newsletter", true), 1}};
        return grade_policy(p);
    }();
    return g;
}

batch_options options(benchmark::State& state) {
    return {.as_of = from_seconds(as_of_s), .threads = static_cast<unsigned>(state.range(1)), .block_rows = 4096};
}

void BM_points_batch(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n).view(n);
    std::vector<double> out(n);
    const auto o = options(state);
    for (auto _ : state) {
        score_batch(policy(), v, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["events_per_lead"] = static_cast<double>(v.event_offsets().back()) / static_cast<double>(n);
}

/// The floor: the same engine reads the same bytes (the 9 columns and every event's time, type and detail) and adds
/// them up per lead.
struct streaming_scorer {
    std::span<const double> employees, value, timeframe;
    std::span<const std::int32_t> industry, country, source, level;
    std::span<const std::int8_t> newsletter;
    std::span<const std::int64_t> created;
    std::span<const event_record> events;
    std::span<const std::uint64_t> offsets;

    explicit streaming_scorer(const table_view& v)
        : employees(v.numeric(0)), value(v.numeric(1)), timeframe(v.numeric(2)), industry(v.codes(3)),
          country(v.codes(4)), source(v.codes(5)), level(v.codes(6)), newsletter(v.booleans(7)),
          created(v.timestamps(8)), events(v.all_events()), offsets(v.event_offsets()) {}

    [[nodiscard]] double score(std::size_t r) const {
        double s = employees[r] + value[r] + timeframe[r] + industry[r] + country[r] + source[r] + level[r] +
                   newsletter[r] + static_cast<double>(created[r]);
        for (std::uint64_t j = offsets[r]; j < offsets[r + 1]; ++j)
            s += static_cast<double>(events[j].time + events[j].type + events[j].detail);
        return s;
    }
    void score_batch(std::size_t first, std::span<double> out) const {
        for (std::size_t i = 0; i < out.size(); ++i) {
            const std::size_t r = first + i;
            out[i] = employees[r] + value[r] + timeframe[r] + industry[r] + country[r] + source[r] + level[r] +
                     newsletter[r] + static_cast<double>(created[r]);
        }
        for (std::size_t i = 0; i < out.size(); ++i) {
            const std::size_t r = first + i;
            std::int64_t s = 0;
            for (std::uint64_t j = offsets[r]; j < offsets[r + 1]; ++j)
                s += events[j].time + events[j].type + events[j].detail;
            out[i] += static_cast<double>(s);
        }
    }
};

/// The grade's floor: the 6 columns its criteria read, added up per lead.
struct grade_streaming_scorer {
    std::span<const double> employees, timeframe;
    std::span<const std::int32_t> industry, country, level;
    std::span<const std::int8_t> newsletter;

    explicit grade_streaming_scorer(const table_view& v)
        : employees(v.numeric(0)), timeframe(v.numeric(2)), industry(v.codes(3)), country(v.codes(4)),
          level(v.codes(6)), newsletter(v.booleans(7)) {}
    [[nodiscard]] double score(std::size_t r) const {
        return employees[r] + timeframe[r] + industry[r] + country[r] + level[r] + newsletter[r];
    }
    void score_batch(std::size_t first, std::span<double> out) const {
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = score(first + i);
    }
};

template <class Scorer>
void run_baseline(benchmark::State& state, const Scorer& s) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<double> out(n);
    const auto o = options(state);
    for (auto _ : state) {
        run_scorer(s, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
void BM_points_baseline_stream(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    run_baseline(state, streaming_scorer(data(n).view(n)));
}
void BM_grade_baseline_stream(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    run_baseline(state, grade_streaming_scorer(data(n).view(n)));
}

// One lead at a time: rows in order (arg 0: the scorer's own cost, caches warm as in a loop over changed leads), or
// scattered over a million leads (arg 1: each lead's columns and events come from memory, as for a lead that just
// changed in a large CRM).
constexpr std::size_t one_lead_rows = 1 << 20;
std::size_t pick(std::size_t i, bool scattered) noexcept {
    return (scattered ? i * 0x9E3779B1u : i) & (one_lead_rows - 1);
}

void BM_points_one_lead(benchmark::State& state) {
    const auto v = data(one_lead_rows).view(one_lead_rows);
    const auto scorer = policy().bind(v, from_seconds(as_of_s));
    const bool scattered = state.range(0) != 0;
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(scorer.score(pick(i++, scattered)));
    state.SetItemsProcessed(state.iterations());
}

void BM_points_one_lead_baseline(benchmark::State& state) {
    const auto v = data(one_lead_rows).view(one_lead_rows);
    const streaming_scorer s(v);
    const bool scattered = state.range(0) != 0;
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(s.score(pick(i++, scattered)));
    state.SetItemsProcessed(state.iterations());
}

void BM_grade_batch(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n).view(n);
    std::vector<double> out(n);
    const auto o = options(state);
    for (auto _ : state) {
        score_batch(grading(), v, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void sizes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"leads", "threads"});
    for (const std::int64_t n : {1 << 10, 1 << 14, 1 << 20, 10'000'000})
        for (const std::int64_t t : {1, 2}) b->Args({n, t});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_points_batch)->Apply(sizes);
BENCHMARK(BM_points_baseline_stream)->Apply(sizes);
BENCHMARK(BM_points_one_lead)->ArgName("scattered")->Arg(0)->Arg(1)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_points_one_lead_baseline)->ArgName("scattered")->Arg(0)->Arg(1)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_grade_batch)->Apply(sizes);
BENCHMARK(BM_grade_baseline_stream)->Apply(sizes);

} // namespace bench_points
} // namespace
