// Frequency-table naive Bayes: scoring with 7 variables (team, stage and 7 categorical codes a lead), rebuilding
// the tables from a table, and incremental events — each next to a baseline that streams the same column bytes.
#include "leadscore/leadscore.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace {
namespace bench_frequency {

using namespace leadscore;

constexpr std::size_t max_leads = 10'000'000;

std::uint64_t mix(std::uint64_t x) { // splitmix64: a deterministic value per (row, column)
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Fields: team, stage, outcome, then the 7 variables; vocabulary sizes as a CRM's: 8 teams, 10 countries, 50
// states, email / phone quality (correct, incorrect, unset), 23 sources, tag sets over 6 tags, 8 industries.
const std::array<const char*, 10> field_names = {"team",  "stage",         "outcome",       "country", "state",
                                                 "email", "phone_quality", "source",        "tags",    "industry"};
constexpr std::size_t variable_fields = 7;

std::string name_of(const char* prefix, std::uint64_t i) {
    std::string s(prefix);
    s.append(std::to_string(i));
    return s;
}

struct crm_data {
    lead_table table;     // 10 M leads: team, stage, outcome and 7 variables
    schema open_schema;   // the same fields without the outcome
    table_view open_view; // the pipeline being scored: a view of the same columns, no copy
    frequency_definition definition;
    frequency_policy policy;

    crm_data() : table(make_schema(true)), open_schema(make_schema(false)), definition(make_definition()),
                 policy(frequency_tables(make_definition())) {
        fill(table);
        open_view = table_view(open_schema, max_leads);
        for (std::size_t c = 0; c < open_schema.size(); ++c) {
            const std::size_t from = table.table_schema().at(open_schema[c].name);
            open_view.set_categorical(c, table.codes(from), table.dict(from));
        }
        // Learn from the first million leads, as a nightly rebuild would.
        policy = frequency_policy(frequency_tables::build(definition, table.view().rows_between(0, 1'000'000)));
    }

    static schema make_schema(bool outcome) {
        std::vector<field> f;
        for (const auto* name : field_names) {
            const std::string n = name;
            if (n == "outcome" && !outcome) continue;
            const field_role role = n == "team" ? field_role::team : n == "stage" ? field_role::stage
                                    : n == "outcome" ? field_role::outcome : field_role::none;
            f.push_back({n, field_type::categorical, role});
        }
        return schema(f);
    }
    static frequency_definition make_definition() {
        frequency_definition d;
        d.stages = frequency_stages({"New", "Qualified", "Proposition"}, {"Won"});
        d.variables = {{"country"}, {"state"}, {"email", true}, {"phone_quality", true},
                       {"source"},  {"tags", false, ','}, {"industry"}};
        return d;
    }
    static void fill(lead_table& t) {
        const auto& s = t.table_schema();
        for (std::size_t c = 0; c < s.size(); ++c) {
            auto& col = std::get<categorical_column>(t.column(c));
            col.codes.resize(max_leads);
            const std::string name = s[c].name;
            // Dictionaries first, so codes are plain indices.
            std::vector<std::string> words;
            if (name == "team") for (int i = 0; i < 8; ++i) words.push_back(name_of("team", i));
            if (name == "stage") words = {"New", "Qualified", "Proposition", "Won"};
            if (name == "outcome") words = {"open", "won", "lost"};
            if (name == "country") for (int i = 0; i < 10; ++i) words.push_back(name_of("C", i));
            if (name == "state") for (int i = 0; i < 50; ++i) words.push_back(name_of("S", i));
            if (name == "email" || name == "phone_quality") words = {"correct", "incorrect"};
            if (name == "source") for (int i = 0; i < 23; ++i) words.push_back(name_of("source", i));
            if (name == "tags") words = {"a", "b", "a,b", "c", "a,c", "b,c,d", "e", "e,f", "a,f"};
            if (name == "industry") for (int i = 0; i < 8; ++i) words.push_back(name_of("industry", i));
            for (const auto& w : words) col.dict.intern(w);
            const std::size_t column_key = std::hash<std::string>{}(name);
            for (std::size_t r = 0; r < max_leads; ++r) {
                const std::uint64_t h = mix(r * 16 + column_key);
                const std::uint64_t k = h % 100;
                std::int32_t code = static_cast<std::int32_t>((h >> 8) % words.size());
                if (name == "stage") code = k < 50 ? 0 : k < 80 ? 1 : k < 95 ? 2 : 3;
                if (name == "outcome") {
                    // A lead's outcome agrees with its stage: Won is won; of the rest a third is lost.
                    const std::uint64_t hs = mix(r * 16 + std::hash<std::string>{}("stage")) % 100;
                    code = hs >= 95 ? 1 : k < 35 ? 2 : 0;
                }
                if (k < 5 && name != "stage" && name != "outcome") code = missing_code; // 5 % missing
                col.codes[r] = code;
            }
        }
        t.finish_rows();
    }
};

const crm_data& data() {
    static const crm_data d; // built once per process: 400 MB of codes for 10 M leads
    return d;
}

void BM_frequency_score(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& d = data();
    const auto view = d.open_view.rows_between(0, n);
    std::vector<double> out(n);
    batch_options o;
    o.threads = static_cast<unsigned>(state.range(1));
    for (auto _ : state) {
        score_batch(d.policy, view, out, o); // bind (once per batch) included
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * (9 * 4 + 8));
}
BENCHMARK(BM_frequency_score)
    ->ArgsProduct({{1 << 10, 1 << 14, 1 << 20, static_cast<std::int64_t>(max_leads)}, {1, 2}})
    ->ArgNames({"leads", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

/// bind alone: fields resolved and per-team, per-code factors precomputed (8 teams, about 100 dictionary entries).
void BM_frequency_bind(benchmark::State& state) {
    const auto& d = data();
    const auto view = d.open_view.rows_between(0, 1024);
    for (auto _ : state) {
        auto s = d.policy.bind(view, timestamp{});
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_frequency_bind)->Unit(benchmark::kMicrosecond);

/// Baseline: a policy whose batch form only adds up the same 9 code columns, run by the same engine.
struct column_sum_policy {
    struct scorer {
        std::vector<std::span<const std::int32_t>> columns;
        double score(std::size_t r) const {
            std::int64_t s = 0;
            for (const auto& c : columns) s += c[r];
            return static_cast<double>(s);
        }
        void score_batch(std::size_t first, std::span<double> out) const {
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = 0;
            for (const auto& c : columns) {
                const std::int32_t* x = c.data() + first;
                for (std::size_t i = 0; i < out.size(); ++i) out[i] += x[i];
            }
        }
    };
    score_scale scale() const { return score_scale::points; }
    scorer bind(const table_view& v, timestamp) const {
        scorer s;
        for (std::size_t c = 0; c < v.table_schema().size(); ++c) s.columns.push_back(v.codes(c));
        return s;
    }
};
static_assert(ScoringPolicy<column_sum_policy>);

void BM_frequency_score_baseline_sum(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto view = data().open_view.rows_between(0, n);
    std::vector<double> out(n);
    batch_options o;
    o.threads = static_cast<unsigned>(state.range(1));
    for (auto _ : state) {
        score_batch(column_sum_policy{}, view, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * (9 * 4 + 8));
}
BENCHMARK(BM_frequency_score_baseline_sum)
    ->ArgsProduct({{1 << 10, 1 << 14, 1 << 20, static_cast<std::int64_t>(max_leads)}, {1, 2}})
    ->ArgNames({"leads", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_frequency_rebuild(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& d = data();
    const auto view = d.table.view().rows_between(0, n);
    std::size_t rows = 0;
    for (auto _ : state) {
        const auto t = frequency_tables::build(d.definition, view);
        rows = t.size();
        benchmark::DoNotOptimize(rows);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["table_rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_frequency_rebuild)
    ->Arg(1 << 14)->Arg(1 << 20)->Arg(static_cast<std::int64_t>(max_leads))
    ->ArgNames({"leads"})
    ->Unit(benchmark::kMillisecond);

/// Baseline: one thread reads the same 10 code columns and adds them up.
void BM_frequency_rebuild_baseline_sum(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto view = data().table.view().rows_between(0, n);
    for (auto _ : state) {
        std::int64_t s = 0;
        for (std::size_t c = 0; c < view.table_schema().size(); ++c)
            for (const auto x : view.codes(c)) s += x;
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_frequency_rebuild_baseline_sum)
    ->Arg(1 << 14)->Arg(1 << 20)->Arg(static_cast<std::int64_t>(max_leads))
    ->ArgNames({"leads"})
    ->Unit(benchmark::kMillisecond);

/// Incremental learning: a won, lost or reopen event on a lead (each event id new), tables learned from 1 M leads.
void BM_frequency_learner_events(benchmark::State& state) {
    const auto& d = data();
    frequency_learner learner(d.definition);
    learner.rebuild(d.table.view().rows_between(0, 1 << 16)); // no id field: only events carry lead identity
    // The event rows: a small table with an id field, leads that are open.
    std::vector<field> f(d.table.table_schema().fields().begin(), d.table.table_schema().fields().end());
    f.push_back({"id", field_type::categorical, field_role::id});
    lead_table events{schema(f)};
    const std::size_t leads = 1024;
    for (std::size_t c = 0; c + 1 < f.size(); ++c) {
        auto& to = std::get<categorical_column>(events.column(c));
        const auto& from = d.table.codes(c);
        to.dict = d.table.dict(c);
        to.codes.assign(from.begin() + (1 << 20), from.begin() + (1 << 20) + static_cast<std::ptrdiff_t>(leads));
    }
    auto& ids = std::get<categorical_column>(events.column(f.size() - 1));
    for (std::size_t i = 0; i < leads; ++i) ids.codes.push_back(ids.dict.intern(name_of("L", i)));
    events.finish_rows();
    const auto view = events.view();
    std::uint64_t event = 0;
    for (auto _ : state) {
        const std::size_t i = event % leads;
        const std::string id = name_of("e", event);
        // Close a lead (won or lost by turn), and reopen it the next time round.
        if (learner.is_closed(name_of("L", i))) benchmark::DoNotOptimize(learner.reopened(id, name_of("L", i)));
        else if (event % 3 == 0) benchmark::DoNotOptimize(learner.won(id, view, i));
        else benchmark::DoNotOptimize(learner.lost(id, view, i));
        ++event;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_frequency_learner_events)->Unit(benchmark::kMicrosecond);

} // namespace bench_frequency
} // namespace
