// leadscore::sql: reading leads from SQLite and PostgreSQL into a lead_table, and writing scores back, each against
// an in-binary baseline that does the same database work by hand (so results read as ratios):
// - SQLite: a bare sqlite3_step loop fetching every value of 17 columns;
// - PostgreSQL: a bare COPY … TO STDOUT loop (what `psql \copy` does, without writing a file), and for the
//   write-back, COPY into a temporary table plus INSERT … ON CONFLICT by hand.
// The PostgreSQL cases run when LEADSCORE_BENCH_PG names a server (tests/sql/with_postgres.sh starts one:
// `with_postgres.sh env LEADSCORE_BENCH_PG=… leadscore_sql_bench`, or LEADSCORE_TEST_PG is taken too).

#include "leadscore/sql/database.hpp"

#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
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
BENCHMARK(BM_sqlite_bare_read)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_sqlite_read(benchmark::State& state) {
    const std::string path = sqlite_file(state.range(0));
    for (auto _ : state) {
        auto db = sql::open_database("sqlite:" + path);
        const lead_table t = db->read({.table = "leads"}, {.text_columns = {"id"}});
        benchmark::DoNotOptimize(t.rows());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_sqlite_read)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

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
                      "i % 2 = 1 FROM generate_series(1::bigint, " + std::to_string(rows) + ") AS i; ANALYZE leads");
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
BENCHMARK(BM_pg_bare_copy)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

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
BENCHMARK(BM_pg_read)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

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

void BM_pg_bare_upsert(benchmark::State& state) {
    if (pg_server().empty()) return state.SkipWithError("no server: set LEADSCORE_BENCH_PG");
    PGconn* c = pg_leads(1);
    const score_rows batch(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        pg_reset_scores(c, state.range(0));
        state.ResumeTiming();
        pg_exec(c, "BEGIN; CREATE TEMPORARY TABLE incoming ON COMMIT DROP AS SELECT lead_id, score, probability, "
                   "temperature, model_id, scored_at FROM bench_scores WITH NO DATA");
        PQclear(PQexec(c, "COPY incoming FROM STDIN"));
        std::string chunk;
        for (std::size_t i = 0; i < batch.ids.size(); ++i) {
            chunk.append(batch.ids[i]).append("\t").append(std::to_string(batch.scores[i])).append("\t");
            chunk.append(std::to_string(batch.probabilities[i])).append("\t").append(batch.temperatures[i]);
            chunk.append("\tnew\t2024-03-01T09:30:00Z\n");
            if (chunk.size() > (1u << 20)) PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())), chunk.clear();
        }
        PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size()));
        PQputCopyEnd(c, nullptr);
        while (PGresult* r = PQgetResult(c)) PQclear(r);
        pg_exec(c, "INSERT INTO bench_scores SELECT * FROM incoming ON CONFLICT (lead_id) DO UPDATE SET score = "
                   "EXCLUDED.score, probability = EXCLUDED.probability, temperature = EXCLUDED.temperature, model_id = "
                   "EXCLUDED.model_id, scored_at = EXCLUDED.scored_at; COMMIT");
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_pg_bare_upsert)->Arg(1 << 18)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

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
BENCHMARK(BM_pg_write_scores)->Arg(1 << 18)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

} // namespace bench_sql

BENCHMARK_MAIN();
