// Lead routing: leads per second over a CRM's own arrays (a zero-copy table_view), each policy next to an in-binary
// baseline — a plain loop that reads the same columns and writes the same assignments, without the policy's
// machinery — so the figures read as ratios. Goals (docs/routing.md): round robin >= 10 M leads/s, rules >= 2 M.
//
// Data: 20 reps in 4 teams, no quotas unless said (a quota would leave most of a million leads unassigned); leads with
// a country (10 values), a language (4), a temperature (3) and a score in [0, 100). Lead i depends on i alone.
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/weighted.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace bench_routing {

using namespace leadscore;

const timestamp as_of = from_seconds(1798761600); // 2027-01-01

std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64's finalizer
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

const char* const countries[] = {"US", "GB", "DE", "FR", "ES", "IN", "BR", "JP", "AT", "CA"};
const char* const languages[] = {"en", "de", "fr", "es"};
const char* const temperatures[] = {"cold", "warm", "hot"};
const char* const teams[] = {"americas", "dach", "europe", "enterprise"};

struct dataset {
    schema fields{{{"country", field_type::categorical, field_role::none},
                   {"language", field_type::categorical, field_role::none},
                   {"temperature", field_type::categorical, field_role::none},
                   {"score", field_type::numeric, field_role::none}}};
    std::size_t rows = 0;
    std::vector<std::int32_t> country, language, temperature;
    std::vector<double> score;
    dictionary country_dict, language_dict, temperature_dict;
    routing_state state;

    explicit dataset(std::size_t n) : rows(n), country(n), language(n), temperature(n), score(n) {
        for (const char* s : countries) country_dict.intern(s);
        for (const char* s : languages) language_dict.intern(s);
        for (const char* s : temperatures) temperature_dict.intern(s);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t h = mix(i);
            country[i] = static_cast<std::int32_t>(h % 10);
            language[i] = static_cast<std::int32_t>((h >> 8) % 4);
            temperature[i] = static_cast<std::int32_t>((h >> 16) % 3);
            score[i] = static_cast<double>((h >> 24) % 10000) / 100.0;
        }
        for (int r = 0; r < 20; ++r) {
            rep_record rep;
            rep.name = "rep_" + std::to_string(r);
            rep.team = teams[r % 4];
            rep.capacity = 3'000'000'000; // a daily quota of 10^8: never reached here, but counted
            state.add_rep(std::move(rep));
        }
    }
    [[nodiscard]] table_view view() const {
        table_view v(fields, rows);
        v.set_categorical(0, country, country_dict);
        v.set_categorical(1, language, language_dict);
        v.set_categorical(2, temperature, temperature_dict);
        v.set_numeric(3, score);
        return v;
    }
};

const dataset& data(std::size_t n) {
    static std::unique_ptr<dataset> d;
    if (!d || d->rows != n) d = std::make_unique<dataset>(n);
    return *d;
}

template <class Policy>
void run_policy(benchmark::State& st, const Policy& policy) {
    const auto& d = data(static_cast<std::size_t>(st.range(0)));
    const auto view = d.view();
    std::vector<assignment> out(d.rows);
    for (auto _ : st) {
        routing_state s = d.state; // 20 reps: a copy is noise next to a million leads
        route_batch(policy, view, s, out, routing_options{as_of, {}});
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(d.rows));
}

void BM_route_round_robin(benchmark::State& st) { run_policy(st, round_robin_policy{}); }

// The baseline of round robin: the same rotation over 20 reps written as a bare loop, with the per-rep count a
// quota check needs.
void BM_route_round_robin_baseline(benchmark::State& st) {
    const auto& d = data(static_cast<std::size_t>(st.range(0)));
    std::vector<assignment> out(d.rows);
    std::vector<std::uint64_t> taken(20);
    for (auto _ : st) {
        std::int32_t next = 0;
        for (std::size_t i = 0; i < d.rows; ++i) {
            assignment a;
            a.rep = next;
            a.team = next % 4;
            a.reason = route_reason::round_robin;
            out[i] = a;
            ++taken[static_cast<std::size_t>(next)];
            next = next + 1 == 20 ? 0 : next + 1;
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::DoNotOptimize(taken.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(d.rows));
}

void BM_route_weighted(benchmark::State& st) {
    weighted_options o;
    o.seed = 1;
    run_policy(st, weighted_policy(o));
}

routing_rules bench_rules() {
    routing_rules r;
    r.rules.push_back({"enterprise", {condition::at_least("score", 95.0)}, route_target::team("enterprise")});
    r.rules.push_back({"dach",
                       {condition::one_of("country", {std::string("DE"), std::string("AT")})},
                       route_target::team("dach")});
    r.rules.push_back({"french", {condition::equals("language", std::string("fr"))}, route_target::team("europe")});
    r.rules.push_back({"hot europe",
                       {condition::one_of("country", {std::string("GB"), std::string("ES")}),
                        temperature_at_least("temperature", "warm")},
                       route_target::team("europe")});
    r.rules.push_back({"americas",
                       {condition::one_of("country", {std::string("US"), std::string("CA"), std::string("BR")})},
                       route_target::team("americas")});
    r.fallback = route_target::rep("rep_0");
    return r;
}

void BM_route_rules(benchmark::State& st) { run_policy(st, rule_policy<>(bench_rules())); }

// The baseline of the rules: the same five rules hand-written over the same columns, and the same round robin per
// team (teams by rule: enterprise 3, dach 1, europe 2, americas 0; the default rep_0).
void BM_route_rules_baseline(benchmark::State& st) {
    const auto& d = data(static_cast<std::size_t>(st.range(0)));
    std::vector<assignment> out(d.rows);
    const auto code = [&](const char* c) { return d.country_dict.find(c).value_or(-2); };
    const std::int32_t de = code("DE"), at = code("AT"), gb = code("GB"), es = code("ES"), us = code("US"),
                       ca = code("CA"), br = code("BR"), fr = d.language_dict.find("fr").value_or(-2),
                       cold = d.temperature_dict.find("cold").value_or(-2);
    for (auto _ : st) {
        std::int32_t cursor[4] = {0, 0, 0, 0}; // the k-th member of team t is rep t + 4k
        for (std::size_t i = 0; i < d.rows; ++i) {
            const std::int32_t c = d.country[i];
            std::int32_t rule = -1, team = -1;
            if (d.score[i] >= 95.0) rule = 0, team = 3;
            else if (c == de || c == at) rule = 1, team = 1;
            else if (d.language[i] == fr) rule = 2, team = 2;
            else if ((c == gb || c == es) && d.temperature[i] >= 0 && d.temperature[i] != cold) rule = 3, team = 2;
            else if (c == us || c == ca || c == br) rule = 4, team = 0;
            assignment a;
            a.rule = rule < 0 ? assignment::default_rule : rule;
            if (team < 0) {
                a.rep = 0;
                a.team = 0;
                a.reason = route_reason::default_rep;
            } else {
                std::int32_t& k = cursor[team];
                a.rep = team + 4 * k;
                a.team = team;
                a.reason = route_reason::round_robin;
                k = k + 1 == 5 ? 0 : k + 1;
            }
            out[i] = a;
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(d.rows));
}

BENCHMARK(BM_route_round_robin_baseline)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_route_round_robin)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_route_weighted)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_route_rules_baseline)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_route_rules)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

} // namespace bench_routing
} // namespace
