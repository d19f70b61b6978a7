// leadscore::sql: reading leads from SQLite and PostgreSQL into a lead_table, and writing scores back, each against
// an in-binary baseline that does the same database work by hand (so results read as ratios):
// - SQLite: a bare sqlite3_step loop fetching every value of 17 columns;
// - PostgreSQL, reading: a bare COPY … TO STDOUT loop (what `psql \copy` does, without writing a file); `psql \copy`
//   itself to a CSV file; and leadscore's CSV path (read the file psql wrote, score it). The read cases score
//   the table they read with one logistic model, so "read and score" is timed whole.
// - PostgreSQL, writing back 1 M scores into a table of 2 M: COPY into a temporary table plus INSERT … ON CONFLICT by
//   hand through libpq, and the same statements run by `psql -1` from a file.
// The PostgreSQL cases run when LEADSCORE_BENCH_PG names a server (tests/sql/with_postgres.sh starts one:
// `with_postgres.sh env LEADSCORE_BENCH_PG=… leadscore_sql_bench`, or LEADSCORE_TEST_PG is taken too); the psql
// cases need psql on the PATH (or LEADSCORE_BENCH_PSQL naming it). bench/sql_reference.sh runs them all and prints
// the ratios.

#include "leadscore/io/csv.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/sql/database.hpp"

#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench_sql {

using namespace leadscore;

constexpr const char* columns_sql =
    "id INTEGER, n1 REAL, n2 REAL, n3 REAL, n4 REAL, n5 REAL, n6 REAL, n7 REAL, n8 REAL, n9 INTEGER, n10 INTEGER, "
    "c1 TEXT, c2 TEXT, c3 TEXT, c4 TEXT, c5 TEXT, flag INTEGER";
constexpr const char* pg_columns_sql =
    "id bigint, n1 float8, n2 float8, n3 float8, n4 float8, n5 float8, n6 float8, n7 float8, n8 float8, n9 int, "
    "n10 int, c1 text, c2 text, c3 text, c4 text, c5 text, flag boolean";

/// An SQLite file of `rows` leads (17 columns: an id, 10 numbers, 5 small-vocabulary texts, a 0/1 flag), made once.
std::string sqlite_file(std::int64_t rows) {
    const auto path = std::filesystem::temp_directory_path() / ("leadscore_bench_" + std::to_string(rows) + ".db");
    if (std::filesystem::exists(path)) return path.string();
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, (std::string("CREATE TABLE leads (") + columns_sql + ")").c_str(), nullptr, nullptr, nullptr);
    sqlite3_exec(db,
                 ("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < " + std::to_string(rows) +
                  ") INSERT INTO leads SELECT i, i * 0.5, i % 97 * 1.25, random() % 1000 / 7.0, i % 13, i % 1000 * "
                  "0.01, (i * 7919) % 10007 / 3.0, i % 5 + 0.5, i % 365, i % 50, i % 9, 'country' || (i % 40), "
                  "'industry' || (i % 12), 'source' || (i % 8), 'team' || (i % 5), 'title' || (i % 60), i % 2 FROM r")
                     .c_str(),
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return path.string();
}

void BM_sqlite_bare_read(benchmark::State& state) {
    const std::string path = sqlite_file(state.range(0));
    for (auto _ : state) {
        sqlite3* db = nullptr;
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "SELECT * FROM leads", -1, &s, nullptr);
        double sum = 0;
        std::size_t bytes = 0;
        while (sqlite3_step(s) == SQLITE_ROW)
            for (int c = 0; c < 17; ++c) {
                if (sqlite3_column_type(s, c) == SQLITE_TEXT) {
                    (void)sqlite3_column_text(s, c);
                    bytes += static_cast<std::size_t>(sqlite3_column_bytes(s, c));
                } else {
                    sum += sqlite3_column_double(s, c);
                }
            }
        sqlite3_finalize(s);
        sqlite3_close(db);
        benchmark::DoNotOptimize(sum);
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_sqlite_bare_read)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

void BM_sqlite_read(benchmark::State& state) {
    const std::string path = sqlite_file(state.range(0));
    for (auto _ : state) {
        auto db = sql::open_database("sqlite:" + path);
        const lead_table t = db->read({.table = "leads"}, {.text_columns = {"id"}});
        benchmark::DoNotOptimize(t.rows());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_sqlite_read)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// ---- PostgreSQL ------------------------------------------------------------------------------------------------

std::string pg_server() {
    for (const char* name : {"LEADSCORE_BENCH_PG", "LEADSCORE_TEST_PG"})
        if (const char* v = std::getenv(name); v && *v) return v;
    return {};
}

void pg_exec(PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    const auto status = PQresultStatus(r);
    const std::string why = PQresultErrorMessage(r);
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(why);
}

/// The leads table of `rows` rows on the server (the same values as the SQLite file), made once per process.
PGconn* pg_leads(std::int64_t rows) {
    static PGconn* conn = nullptr;
    static std::int64_t made = 0;
    if (!conn) {
        conn = PQconnectdb(pg_server().c_str());
        PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    }
    if (made != rows) {
        pg_exec(conn, "DROP TABLE IF EXISTS leads; CREATE TABLE leads (" + std::string(pg_columns_sql) + ")");
        pg_exec(conn, "INSERT INTO leads SELECT i, i * 0.5, i % 97 * 1.25, (random() * 1000)::int / 7.0, i % 13, "
                      "i % 1000 * 0.01, (i * 7919) % 10007 / 3.0, i % 5 + 0.5, i % 365, i % 50, i % 9, 'country' || "
                      "(i % 40), 'industry' || (i % 12), 'source' || (i % 8), 'team' || (i % 5), 'title' || (i % 60), "
                      "i % 2 = 1 FROM generate_series(1::bigint, " + std::to_string(rows) + ") AS i");
        // Sets the rows' hint bits and visibility now, so neither the first timed read nor autovacuum does it.
        pg_exec(conn, "VACUUM ANALYZE leads");
        made = rows;
    }
    return conn;
}

void BM_pg_bare_copy(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    PGconn* c = pg_leads(state.range(0));
    for (auto _ : state) {
        PQclear(PQexec(c, "COPY (SELECT * FROM leads) TO STDOUT"));
        std::size_t bytes = 0;
        char* row = nullptr;
        for (int n; (n = PQgetCopyData(c, &row, 0)) > 0;) {
            bytes += static_cast<std::size_t>(n);
            PQfreemem(row);
        }
        while (PGresult* r = PQgetResult(c)) PQclear(r);
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_pg_bare_copy)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

/// The model each read case scores its table with: a logistic model over the 10 numbers and the 5 texts of the leads
/// table (one-hot over their full vocabularies: 135 features). The weights are arbitrary; the work is what counts.
const logistic_policy& bench_model() {
    static const logistic_policy policy = [] {
        std::vector<feature_spec> specs;
        for (int i = 1; i <= 10; ++i) specs.push_back(numeric_feature{.field = "n" + std::to_string(i), .scale = 10});
        const std::pair<const char*, int> texts[] = {{"country", 40}, {"industry", 12}, {"source", 8}, {"team", 5},
                                                     {"title", 60}};
        for (int c = 0; c < 5; ++c) {
            categorical_feature f{.field = "c" + std::to_string(c + 1)};
            for (int v = 0; v < texts[c].second; ++v) f.vocabulary.push_back(texts[c].first + std::to_string(v));
            specs.push_back(std::move(f));
        }
        logistic_model m{.encoder = feature_encoder(std::move(specs))};
        for (std::size_t j = 0; j < m.encoder.width(); ++j)
            m.weights.push_back(0.01 * static_cast<double>(j % 7) - 0.03);
        return logistic_policy(std::move(m));
    }();
    return policy;
}

/// Scores a table read; returns the mean probability (so nothing is optimized away).
double score_table(const lead_table& t) {
    std::vector<double> out(t.rows());
    batch_options o;
    o.as_of = from_seconds(1709285400);
    score_batch(bench_model(), t.view(), out, o);
    double sum = 0;
    for (const double p : out) sum += p;
    return sum / static_cast<double>(out.size());
}

void BM_pg_read(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    (void)pg_leads(state.range(0));
    auto db = sql::open_database(pg_server());
    for (auto _ : state) {
        const lead_table t = db->read({.table = "leads"}, {.text_columns = {"id"}});
        benchmark::DoNotOptimize(t.rows());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_pg_read)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

/// Reading the leads from PostgreSQL and scoring them, timed whole.
void BM_pg_read_score(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    (void)pg_leads(state.range(0));
    auto db = sql::open_database(pg_server());
    for (auto _ : state) {
        const lead_table t = db->read({.query = "SELECT * FROM leads"}, {.text_columns = {"id"}});
        benchmark::DoNotOptimize(score_table(t));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_pg_read_score)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// ---- psql, the by-hand reference -------------------------------------------------------------------------------

std::string psql_program() {
    const char* v = std::getenv("LEADSCORE_BENCH_PSQL");
    return v && *v ? v : "psql";
}

/// The text in single quotes for the shell.
std::string shell_quoted(const std::string& s) {
    std::string out = "'";
    for (const char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}

/// Runs psql on the bench server, without reading ~/.psqlrc, stopping at the first error, with `args` appended.
void run_psql(const std::string& args) {
    const std::string command = shell_quoted(psql_program()) + " -X -q -v ON_ERROR_STOP=1 -d " +
                                shell_quoted(pg_server()) + " " + args + " >/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("psql failed: " + command);
}

bool have_psql() {
    return std::system((shell_quoted(psql_program()) + " --version >/dev/null 2>&1").c_str()) == 0;
}

std::string psql_csv_path() { return (std::filesystem::temp_directory_path() / "leadscore_bench_psql.csv").string(); }

/// What `psql \copy (query) TO file` costs, the program's start included (some milliseconds).
void BM_psql_copy_csv(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    if (!have_psql()) return state.SkipWithError("no psql: put it on the PATH or set LEADSCORE_BENCH_PSQL");
    (void)pg_leads(state.range(0));
    const std::string copy = "\\copy (SELECT * FROM leads) TO '" + psql_csv_path() + "' WITH (FORMAT csv, HEADER)";
    for (auto _ : state) run_psql("-c " + shell_quoted(copy));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_psql_copy_csv)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

/// leadscore's CSV path on the file psql wrote: read it (the schema a model's data contract gives) and score it.
/// psql writes booleans as t/f, which CSV reads as text: the flag column is categorical here.
void BM_csv_read_score(benchmark::State& state) {
    if (!std::filesystem::exists(psql_csv_path())) return state.SkipWithError("run BM_psql_copy_csv first");
    csv_options o;
    o.fields = schema{};
    o.fields->add({"id", field_type::categorical});
    for (int i = 1; i <= 10; ++i) o.fields->add({"n" + std::to_string(i), field_type::numeric});
    for (const char* c : {"c1", "c2", "c3", "c4", "c5", "flag"}) o.fields->add({c, field_type::categorical});
    o.text_columns = {"id"};
    std::int64_t rows = 0;
    for (auto _ : state) {
        const csv_result r = read_csv_file(psql_csv_path(), o);
        rows = static_cast<std::int64_t>(r.table.rows());
        benchmark::DoNotOptimize(score_table(r.table));
    }
    state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_csv_read_score)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

/// A scores table holding 2 × rows leads (ids 1 .. 2 rows), reset before each timed write.
void pg_reset_scores(PGconn* c, std::int64_t rows) {
    pg_exec(c, "DROP TABLE IF EXISTS bench_scores; CREATE TABLE bench_scores (lead_id text PRIMARY KEY, score float8, "
               "probability float8, temperature text, model_id text, scored_at timestamptz); INSERT INTO bench_scores "
               "SELECT i::text, 1, 0.01, 'cold', 'old', now() FROM generate_series(1, " +
                   std::to_string(2 * rows) + ") AS i");
    pg_exec(c, "VACUUM ANALYZE bench_scores");
}

/// The batch written: `rows` leads, half of them already in the table (ids rows/2 + 1 ..), half new.
struct score_rows {
    std::vector<std::string> texts;
    std::vector<std::string_view> ids;
    std::vector<double> scores, probabilities;
    std::vector<std::string_view> temperatures;
    explicit score_rows(std::int64_t rows) {
        for (std::int64_t i = 0; i < rows; ++i) texts.push_back(std::to_string(3 * rows / 2 + 1 + i));
        ids.assign(texts.begin(), texts.end());
        for (std::int64_t i = 0; i < rows; ++i) {
            probabilities.push_back(static_cast<double>(i % 1000) / 1000.0);
            scores.push_back(static_cast<double>(i % 100));
            temperatures.push_back(i % 3 == 0 ? "hot" : "warm");
        }
    }
};

/// Row i of the batch as a line of COPY's text format.
void append_copy_line(const score_rows& batch, std::size_t i, std::string& out) {
    out.append(batch.ids[i]).append("\t").append(std::to_string(batch.scores[i])).append("\t");
    out.append(std::to_string(batch.probabilities[i])).append("\t").append(batch.temperatures[i]);
    out.append("\tnew\t2024-03-01T09:30:00Z\n");
}

constexpr const char* incoming_sql = "CREATE TEMPORARY TABLE incoming ON COMMIT DROP AS SELECT lead_id, score, "
                                     "probability, temperature, model_id, scored_at FROM bench_scores WITH NO DATA";
constexpr const char* upsert_sql =
    "INSERT INTO bench_scores SELECT * FROM incoming ON CONFLICT (lead_id) DO UPDATE SET score = EXCLUDED.score, "
    "probability = EXCLUDED.probability, temperature = EXCLUDED.temperature, model_id = EXCLUDED.model_id, "
    "scored_at = EXCLUDED.scored_at";

void BM_pg_bare_upsert(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    PGconn* c = pg_leads(1);
    const score_rows batch(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        pg_reset_scores(c, state.range(0));
        state.ResumeTiming();
        pg_exec(c, std::string("BEGIN; ") + incoming_sql);
        PQclear(PQexec(c, "COPY incoming FROM STDIN"));
        std::string chunk;
        for (std::size_t i = 0; i < batch.ids.size(); ++i) {
            append_copy_line(batch, i, chunk);
            if (chunk.size() > (1u << 20)) PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())), chunk.clear();
        }
        PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size()));
        PQputCopyEnd(c, nullptr);
        while (PGresult* r = PQgetResult(c)) PQclear(r);
        pg_exec(c, std::string(upsert_sql) + "; COMMIT");
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_pg_bare_upsert)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

/// The reference for the write-back: the same COPY and INSERT … ON CONFLICT done by hand in psql, in one
/// transaction (psql -1), the batch read from a file in COPY's text format written beforehand.
void BM_psql_upsert(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    if (!have_psql()) return state.SkipWithError("no psql: put it on the PATH or set LEADSCORE_BENCH_PSQL");
    PGconn* c = pg_leads(1);
    const std::string path = (std::filesystem::temp_directory_path() / "leadscore_bench_scores.txt").string();
    {
        const score_rows batch(state.range(0));
        std::string text;
        for (std::size_t i = 0; i < batch.ids.size(); ++i) append_copy_line(batch, i, text);
        std::ofstream(path, std::ios::binary) << text;
    }
    const std::string args = "-1 -c " + shell_quoted(incoming_sql) + " -c " +
                             shell_quoted("\\copy incoming FROM '" + path + "'") + " -c " + shell_quoted(upsert_sql);
    for (auto _ : state) {
        state.PauseTiming();
        pg_reset_scores(c, state.range(0));
        state.ResumeTiming();
        run_psql(args);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_psql_upsert)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_pg_write_scores(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    PGconn* c = pg_leads(1);
    auto db = sql::open_database(pg_server());
    const score_rows rows(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        pg_reset_scores(c, state.range(0));
        state.ResumeTiming();
        db->write_scores("bench_scores", {.lead_ids = rows.ids, .scores = rows.scores,
                                          .probabilities = rows.probabilities, .temperatures = rows.temperatures,
                                          .model_id = "new", .scored_at = from_seconds(1709285400)});
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_pg_write_scores)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

} // namespace bench_sql
