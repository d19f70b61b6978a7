// leadscore::sql on a real PostgreSQL server: the cluster tests/sql/with_postgres.sh starts, named by
// LEADSCORE_TEST_PG. Without it a case says why and passes, unless CI is set (then it fails). Setup and checks go
// through libpq directly, independent of the code under test.

#include "leadscore/sql/database.hpp"
#include "leadscore/sql/history.hpp"

#include "history_compare.hpp"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

using namespace leadscore;

namespace {

/// The test cluster's connection string, or empty (with a message, or a failure in CI) when there is none.
std::string test_server() {
    const char* conninfo = std::getenv("LEADSCORE_TEST_PG");
    if (conninfo && *conninfo) return conninfo;
    if (std::getenv("CI")) FAIL("LEADSCORE_TEST_PG is not set: run through tests/sql/with_postgres.sh");
    MESSAGE("skipped: LEADSCORE_TEST_PG is not set (tests/sql/with_postgres.sh starts a server and sets it)");
    return {};
}

/// A connection of the test's own, for setup and checks.
struct pg_fixture {
    PGconn* conn = nullptr;
    explicit pg_fixture(const std::string& conninfo) {
        conn = PQconnectdb(conninfo.c_str());
        REQUIRE(PQstatus(conn) == CONNECTION_OK);
        exec("SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    ~pg_fixture() { PQfinish(conn); }
    void exec(const std::string& sql) const {
        PGresult* r = PQexec(conn, sql.c_str());
        const auto status = PQresultStatus(r);
        const std::string why = PQresultErrorMessage(r);
        PQclear(r);
        REQUIRE_MESSAGE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK), why);
    }
    /// The first column of every row, as text ("NULL" for NULL).
    [[nodiscard]] std::vector<std::string> column(const std::string& sql) const {
        PGresult* r = PQexec(conn, sql.c_str());
        REQUIRE_MESSAGE(PQresultStatus(r) == PGRES_TUPLES_OK, PQresultErrorMessage(r));
        std::vector<std::string> out;
        for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetisnull(r, i, 0) ? "NULL" : PQgetvalue(r, i, 0));
        PQclear(r);
        return out;
    }
};

std::string pg_message_of(const auto& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string pg_text_at(const lead_table& t, const std::string& name, std::size_t row) {
    const auto col = t.table_schema().at(name);
    const auto code = t.codes(col)[row];
    return code == missing_code ? "<missing>" : std::string(t.dict(col)[code]);
}

} // namespace

TEST_SUITE("postgres") {

TEST_CASE("postgres: column types from the server, NULL is missing, ids exact, escapes undone") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    f.exec("CREATE TYPE stage AS ENUM ('new', 'won');"
           "CREATE TABLE leads (id bigint, name text, city varchar(20), amount double precision, price numeric, "
           "visits integer, won boolean, created timestamptz, seen timestamp, day date, stage stage, extra json);"
           "INSERT INTO leads VALUES (9007199254740993, E'tab\\there\\\\ and\\nline', 'Oslo', 0.1, 12.50, 3, true, "
           "'2024-03-01 10:30:00.75+01', '2024-03-01 09:30:00', '2023-12-31', 'won', '{}');"
           "INSERT INTO leads VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);");
    auto db = sql::open_database(server);
    const lead_table t = db->read({.query = "SELECT id, name, city, amount, price, visits, won, created, seen, day, "
                                            "stage FROM leads ORDER BY id DESC"},
                                  {.text_columns = {"id"}});
    const schema& s = t.table_schema();
    REQUIRE(s.size() == 11);
    const std::vector<field_type> expected{field_type::categorical, field_type::categorical, field_type::categorical,
                                           field_type::numeric,     field_type::numeric,     field_type::numeric,
                                           field_type::boolean,     field_type::timestamp,   field_type::timestamp,
                                           field_type::timestamp,   field_type::categorical};
    for (std::size_t c = 0; c < expected.size(); ++c) CHECK_MESSAGE(s[c].type == expected[c], s[c].name);
    REQUIRE(t.rows() == 2);
    CHECK(pg_text_at(t, "id", 0) == "9007199254740993");
    CHECK(pg_text_at(t, "name", 0) == "tab\there\\ and\nline");
    CHECK(pg_text_at(t, "name", 1) == "<missing>");
    CHECK(t.numeric(3)[0] == 0.1); // float8 in its shortest exact text
    CHECK(t.numeric(4)[0] == 12.5);
    CHECK(t.numeric(5)[0] == 3.0);
    CHECK(std::isnan(t.numeric(5)[1]));
    CHECK(t.booleans(6)[0] == 1);
    CHECK(t.booleans(6)[1] == missing_flag);
    CHECK(t.timestamps(7)[0] == 1709285400); // 10:30:00.75+01 is 09:30:00Z, the fraction dropped
    CHECK(t.timestamps(8)[0] == 1709285400); // a timestamp without a zone is UTC
    CHECK(t.timestamps(9)[0] == 1703980800);
    CHECK(t.timestamps(7)[1] == missing_time);
    CHECK(pg_text_at(t, "stage", 0) == "won");

    const std::string json = pg_message_of([&] { (void)db->read({.table = "leads"}); });
    CHECK(json.find("(field 'extra')") != std::string::npos);
    CHECK(json.find("type json cannot be read") != std::string::npos);
    // Skipped columns need no type: only the schema's columns are read.
    const lead_table only = db->read({.table = "leads"}, {.fields = schema({{"visits", field_type::numeric}}),
                                                          .only_fields = true});
    CHECK(only.rows() == 2);
}

TEST_CASE("postgres: errors name the object, and hostile names and values stay data") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    f.exec("CREATE TABLE leads (id text, amount text); INSERT INTO leads VALUES ('a', '1.5'), ('b', 'lots')");
    auto db = sql::open_database(server);
    const std::string hostile = "leads\"; DROP TABLE leads; --";
    const std::string missing = pg_message_of([&] { (void)db->read({.table = hostile}); });
    CHECK(missing.find("table \"leads\"; DROP TABLE leads; --\"") != std::string::npos);
    CHECK(missing.find("does not exist") != std::string::npos);
    const std::string bad = pg_message_of([&] {
        (void)db->read({.table = "leads"}, {.fields = schema({{"amount", field_type::numeric}})});
    });
    CHECK(bad.find("(field 'amount'): row 2: text 'lots' is not a number") != std::string::npos);
    // The connection still works after an error in the middle of a COPY.
    CHECK(db->read({.table = "leads"}).rows() == 2);

    const std::vector<std::string_view> ids{"x'); DROP TABLE leads; --", "back\\slash\ttab", "\\N"};
    const std::vector<double> scores{1, 2, 3};
    db->write_scores(hostile, {.lead_ids = ids, .scores = scores, .model_id = "m'1"});
    CHECK(f.column("SELECT count(*) FROM leads") == std::vector<std::string>{"2"});
    CHECK(f.column("SELECT lead_id FROM \"leads\"\"; DROP TABLE leads; --\" ORDER BY score") ==
          std::vector<std::string>(ids.begin(), ids.end()));

    const std::string wrong = pg_message_of([&] {
        (void)sql::open_database("postgresql://nobody:hunter2@/nowhere?host=/nonexistent-socket-dir");
    });
    CHECK(wrong.find("cannot connect") != std::string::npos);
    CHECK(wrong.find("hunter2") == std::string::npos);
}

TEST_CASE("postgres: scores upserted through COPY and INSERT ... ON CONFLICT in one transaction") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    auto db = sql::open_database(server);
    const std::vector<std::string_view> ids1{"1", "2", "3"};
    const std::vector<double> s1{10, 20, 30}, p1{0.1, 0.2, 0.1 + 0.2};
    const std::vector<std::string_view> t1{"cold", "warm", ""};
    db->write_scores("lead_scores", {.lead_ids = ids1, .scores = s1, .probabilities = p1, .temperatures = t1,
                                     .model_id = "m1", .scored_at = from_seconds(1709285400)});
    f.exec("SET TimeZone = 'UTC'; SET extra_float_digits = 3");
    CHECK(f.column("SELECT concat_ws(':', lead_id, score, probability, coalesce(temperature, 'NULL'), scored_at) FROM "
                   "lead_scores ORDER BY lead_id") ==
          std::vector<std::string>{"1:10:0.1:cold:2024-03-01 09:30:00+00", "2:20:0.2:warm:2024-03-01 09:30:00+00",
                                   "3:30:0.30000000000000004:NULL:2024-03-01 09:30:00+00"});
    const std::vector<std::string_view> ids2{"4", "2"};
    const std::vector<double> s2{40, 21};
    db->write_scores("lead_scores", {.lead_ids = ids2, .scores = s2, .model_id = "m2"});
    CHECK(f.column("SELECT concat_ws(':', lead_id, model_id, score) FROM lead_scores ORDER BY lead_id") ==
          std::vector<std::string>{"1:m1:10", "2:m2:21", "3:m1:30", "4:m2:40"});

    SUBCASE("a failure rolls the batch back; a repeated id writes nothing") {
        f.exec("CREATE TABLE checked (lead_id bigint PRIMARY KEY, score float8 CHECK (score < 100), probability "
               "float8, temperature text, model_id text, scored_at timestamptz, other text DEFAULT 'keep');"
               "INSERT INTO checked (lead_id, score) VALUES (9007199254740993, 1)");
        const std::vector<std::string_view> ids{"9007199254740993", "2", "3"};
        const std::vector<double> bad{50, 60, 150};
        const std::string m = pg_message_of([&] { db->write_scores("checked", {.lead_ids = ids, .scores = bad}); });
        CHECK(m.find("checked_score_check") != std::string::npos);
        CHECK(m.find("nothing was written") != std::string::npos);
        CHECK(f.column("SELECT concat_ws(':', lead_id, score, other) FROM checked") ==
              std::vector<std::string>{"9007199254740993:1:keep"});
        const std::vector<double> good{50, 60, 70};
        db->write_scores("checked", {.lead_ids = ids, .scores = good});
        CHECK(f.column("SELECT concat_ws(':', lead_id, score, other) FROM checked ORDER BY lead_id") ==
              std::vector<std::string>{"2:60:keep", "3:70:keep", "9007199254740993:50:keep"});
        const std::vector<std::string_view> dup{"2", "2"};
        const std::vector<double> s{1, 1};
        CHECK(pg_message_of([&] { db->write_scores("checked", {.lead_ids = dup, .scores = s}); })
                  .find("appears twice") != std::string::npos);
        CHECK(f.column("SELECT score FROM checked WHERE lead_id = 2") == std::vector<std::string>{"60"});
    }
    SUBCASE("an existing table must have the columns and a unique lead_id") {
        f.exec("CREATE TABLE partial (lead_id text PRIMARY KEY, score float8);"
               "CREATE TABLE loose (lead_id text, score float8, probability float8, temperature text, model_id text, "
               "scored_at timestamptz)");
        const std::vector<std::string_view> ids{"1"};
        const std::vector<double> s{1};
        CHECK(pg_message_of([&] { db->write_scores("partial", {.lead_ids = ids, .scores = s}); })
                  .find("has no column 'probability'") != std::string::npos);
        CHECK(pg_message_of([&] { db->write_scores("loose", {.lead_ids = ids, .scores = s}); })
                  .find("neither its primary key nor unique") != std::string::npos);
    }
}

TEST_CASE("postgres: routing assignments upserted through COPY in one transaction") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    const std::vector<std::string_view> ids1{"1", "2"}, reps1{"ann", ""}, teams1{"dach", "inbox"},
        reasons1{"rule\t#1", "queue 'inbox'"};
    auto db = sql::open_database(server);
    db->write_assignments("routes", {.lead_ids = ids1, .reps = reps1, .teams = teams1, .reasons = reasons1,
                                     .routed_at = from_seconds(1709285400)});
    f.exec("SET TimeZone = 'UTC'");
    CHECK(f.column("SELECT concat_ws(':', lead_id, coalesce(rep, 'NULL'), team, reason, routed_at) FROM routes ORDER "
                   "BY lead_id") == std::vector<std::string>{"1:ann:dach:rule\t#1:2024-03-01 09:30:00+00",
                                                             "2:NULL:inbox:queue 'inbox':2024-03-01 09:30:00+00"});
    const std::vector<std::string_view> ids2{"3", "2"}, reps2{"bob", "cid"}, two{"a", "b"};
    db->write_assignments("routes", {.lead_ids = ids2, .reps = reps2, .teams = two, .reasons = two});
    CHECK(f.column("SELECT concat_ws(':', lead_id, rep) FROM routes ORDER BY lead_id") ==
          std::vector<std::string>{"1:ann", "2:cid", "3:bob"});
    f.exec("CREATE TABLE checked (lead_id text PRIMARY KEY, rep text CHECK (rep <> 'eve'), team text, reason text, "
           "routed_at timestamptz)");
    const std::vector<std::string_view> ids{"1", "2"}, reps{"ann", "eve"};
    CHECK(pg_message_of([&] {
              db->write_assignments("checked", {.lead_ids = ids, .reps = reps, .teams = two, .reasons = two});
          }).find("nothing was written") != std::string::npos);
    CHECK(f.column("SELECT count(*) FROM checked") == std::vector<std::string>{"0"});
}

TEST_CASE("postgres: a since filter goes as a parameter, and the watermark is written with the scores") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    f.exec("CREATE TABLE leads (id int, write_date timestamptz, local_date timestamp);"
           "INSERT INTO leads VALUES (1, '2024-03-01 10:29:59+01', '2024-03-01 09:29:59'), "
           "(2, '2024-03-01 09:30:00+00', '2024-03-01 09:30:00'), (3, NULL, NULL), (4, '2025-01-01', '2025-01-01')");
    auto db = sql::open_database(server);
    const auto at = from_seconds(1709285400); // 2024-03-01T09:30:00Z
    CHECK(db->read({.table = "leads", .since = sql::since_filter{"write_date", at}}).rows() == 2);
    CHECK(db->read({.query = "SELECT * FROM leads WHERE id < 4", .since = sql::since_filter{"local_date", at}}).rows() ==
          1);
    const std::string hostile = pg_message_of([&] {
        (void)db->read({.table = "leads", .since = sql::since_filter{"write_date\"; DROP TABLE leads; --", at}});
    });
    CHECK(hostile.find("does not exist") != std::string::npos);
    CHECK(f.column("SELECT count(*) FROM leads") == std::vector<std::string>{"4"});

    CHECK_FALSE(db->read_watermark("lead_scores").has_value());
    const std::vector<std::string_view> ids{"2"};
    const std::vector<double> s{1};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s, .advance = sql::watermark{"lead_scores", at}});
    CHECK(db->read_watermark("lead_scores") == sql::watermark_value{at});
    f.exec("CREATE TABLE broken (lead_id text UNIQUE, score float8 CHECK (score < 0), probability float8, "
           "temperature text, model_id text, scored_at timestamptz)");
    CHECK_THROWS_AS(db->write_scores("broken", {.lead_ids = ids, .scores = s,
                                                .advance = sql::watermark{"lead_scores", from_seconds(2)}}),
                    error);
    CHECK(db->read_watermark("lead_scores") == sql::watermark_value{at});
}

TEST_CASE("postgres: a writer killed during its COPY leaves the previous scores, and the next run completes") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    auto db = sql::open_database(server);
    std::vector<std::string> id_texts;
    for (int i = 0; i < 30000; ++i) id_texts.push_back(std::to_string(i));
    const std::vector<std::string_view> ids(id_texts.begin(), id_texts.end());
    std::vector<double> old_scores(ids.size(), 1.0), new_scores(ids.size(), 2.0);
    const auto old_mark = from_seconds(1000), new_mark = from_seconds(2000);
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = old_scores, .model_id = "old",
                                     .advance = sql::watermark{"job", old_mark}});

    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The child's own connection; the hook kills it once its first COPY chunk has reached the server.
        ::setenv("LEADSCORE_TEST_KILL_IN_COPY", "1", 1);
        try {
            auto own = sql::open_database(server);
            own->write_scores("lead_scores", {.lead_ids = ids, .scores = new_scores, .model_id = "new",
                                              .advance = sql::watermark{"job", new_mark}});
        } catch (...) {
        }
        std::_Exit(3); // reached only if the hook did not fire
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(f.column("SELECT concat_ws(':', count(*), min(score), max(score), min(model_id)) FROM lead_scores") ==
          std::vector<std::string>{"30000:1:1:old"});
    CHECK(db->read_watermark("job") == sql::watermark_value{old_mark});
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = new_scores, .model_id = "new",
                                     .advance = sql::watermark{"job", new_mark}});
    CHECK(db->read_watermark("job") == sql::watermark_value{new_mark});
    CHECK(f.column("SELECT concat_ws(':', count(*), min(score), max(score), min(model_id)) FROM lead_scores") ==
          std::vector<std::string>{"30000:2:2:new"});
}

TEST_CASE("postgres: a stage history from a query equals the event log file of the same values") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    // A bigint id beyond 2^53, timestamptz in another zone, timestamp and date, numeric with trailing zeros, a
    // boolean attribute; the same values as a file below.
    f.exec("CREATE TABLE h (lead_id bigint, stage text, entered_at timestamptz, value numeric, vip boolean);"
           "INSERT INTO h VALUES (9007199254740993, 'lead', '2024-01-02 10:00:00+01', NULL, true),"
           "(9007199254740993, 'won', '2024-01-05 09:00:00+00', 1234.50, true),"
           "(7, 'lead', '2024-01-03 00:00:00+00', 0.1, false)");
    const std::string csv = "lead_id,stage,entered_at,value,vip\n"
                            "9007199254740993,lead,2024-01-02T09:00:00Z,,true\n"
                            "9007199254740993,won,2024-01-05T09:00:00Z,1234.5,true\n"
                            "7,lead,2024-01-03,0.1,false\n";
    auto db = sql::open_database(server);
    const history_import got =
        sql::read_stage_history(*db, {.query = "SELECT * FROM h ORDER BY lead_id DESC, entered_at"}, funnel::standard());
    const history_import want = read_history(csv, funnel::standard());
    leadscore_sql_test::check_same_history(got, want);
    const auto* vip = got.attributes.find("vip");
    REQUIRE(vip != nullptr);
    CHECK(vip->values[vip->codes[0]] == "true");
    CHECK(vip->values[vip->codes[1]] == "false");
    // A missing column names the query.
    CHECK(pg_message_of([&] {
              (void)sql::read_stage_history(*db, {.query = "SELECT lead_id, entered_at FROM h"}, funnel::standard());
          }).ends_with("query \"SELECT lead_id, entered_at FROM h\" (field 'stage'): no such column in the result"));
}

TEST_CASE("postgres: a deal snapshot from a query equals the snapshot file of the same values") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    // A bigint id beyond 2^53, engage dates of type date, close dates timestamp without a zone (UTC: the connection's
    // default), numeric values with trailing zeros, NULLs; then the same dates cast to timestamptz.
    f.exec("CREATE TABLE d (opportunity_id bigint, deal_stage text, engage_date date, close_date timestamp,"
           " close_value numeric, account text);"
           "INSERT INTO d VALUES (9007199254740993, 'won', '2017-03-01', '2017-03-20 00:00:00', 1054.00, 'acme'),"
           "(12, 'lost', '2017-03-02', '2017-03-31 12:30:00', 0, NULL), (13, 'engaging', '2017-04-01', NULL, NULL,"
           " 'beta'), (15, 'won', NULL, '2017-05-01 12:00:00', 2500.50, 'gamma')");
    const std::string csv = "opportunity_id,deal_stage,engage_date,close_date,close_value,account\n"
                            "12,lost,2017-03-02,2017-03-31T12:30:00Z,0,\n"
                            "13,engaging,2017-04-01,,,beta\n"
                            "15,won,,2017-05-01 12:00:00,2500.5,gamma\n"
                            "9007199254740993,won,2017-03-01,2017-03-20,1054,acme\n";
    auto db = sql::open_database(server);
    const history_import want = read_deal_snapshot(csv, snapshot_funnel());
    for (const char* query :
         {"SELECT * FROM d ORDER BY opportunity_id",
          "SELECT opportunity_id, deal_stage, engage_date::timestamptz AS engage_date, close_date AT TIME ZONE 'UTC' "
          "AS close_date, close_value, account FROM d ORDER BY opportunity_id"}) {
        CAPTURE(query);
        const history_import got = sql::read_deal_snapshot(*db, {.query = query}, snapshot_funnel());
        leadscore_sql_test::check_same_history(got, want);
        CHECK(got.undated == want.undated);
        const auto* account = got.attributes.find("account");
        REQUIRE(account != nullptr);
        CHECK(account->codes[0] == missing_code); // deal 12 (the first lead) has none
        CHECK(account->values[account->codes[3]] == "acme");
    }
    // Deals 12 and 9007199254740993 (3 entries each), 13 (2), 15 (3); 15's engage date and every prospecting entry
    // undated.
    CHECK(want.history.size() == 11);
    CHECK(want.undated == std::vector<std::size_t>{4, 1, 0, 0});
}

TEST_CASE("postgres: integer and text watermarks compare exactly; the state table keeps them in their own types") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    f.exec("CREATE TABLE leads (id text, version bigint, tag varchar(10) COLLATE \"C\", label text);"
           "INSERT INTO leads VALUES ('a', 9007199254740992, 'v0009', 'v0009'), ('b', 9007199254740993, 'v0010', "
           "'v0010'), ('c', 9007199254740994, 'V0011', 'V0011'), ('d', 5, 'v001', 'v001'), ('e', NULL, NULL, NULL)");
    auto db = sql::open_database(server);
    const auto ids_of = [&](const sql::since_filter& since) {
        const lead_table t = db->read({.query = "SELECT id, version, tag, label FROM leads ORDER BY id", .since = since},
                                      {.text_columns = {"id"}});
        std::string out;
        for (std::size_t r = 0; r < t.rows(); ++r) out += pg_text_at(t, "id", r);
        return out;
    };
    CHECK(ids_of({"version", std::int64_t{9007199254740993}}) == "bc");
    CHECK(ids_of({"tag", std::string("v0010")}) == "b");
    CHECK(ids_of({"label", std::string("v0010")}) == "b"); // byte order whatever the database's collation
    CHECK(pg_message_of([&] { (void)ids_of({"version\" >= 0 OR true --", std::int64_t{0}}); }).find("does not exist") !=
          std::string::npos);
    CHECK(pg_message_of([&] { (void)ids_of({"tag\"; DROP TABLE leads; --", std::string("x")}); }).find("does not exist") !=
          std::string::npos);
    CHECK(ids_of({"tag", std::string("' OR true --")}) == "abcd");
    CHECK(f.column("SELECT count(*) FROM leads") == std::vector<std::string>{"5"});

    const std::vector<std::string_view> ids{"b"};
    const std::vector<double> s{1};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s,
                                     .advance = sql::watermark{"job", std::int64_t{9007199254740995}}});
    CHECK(db->read_watermark("job") == sql::watermark_value{std::int64_t{9007199254740995}});
    CHECK(f.column("SELECT concat_ws(':', pg_typeof(watermark_integer), watermark_integer, watermark, watermark_text) "
                   "FROM leadscore_state") == std::vector<std::string>{"bigint:9007199254740995"});
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s, .advance = sql::watermark{"job", std::string("v\t1")}});
    CHECK(db->read_watermark("job") == sql::watermark_value{std::string("v\t1")});
}

TEST_CASE("postgres: a timestamp without a zone is a local time of the connection's zone, as the server casts it") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    f.exec("CREATE TABLE leads (id text, at timestamp, day date, stamped timestamptz);"
           "INSERT INTO leads VALUES ('a', '2024-03-31 01:30', '2024-01-15', '2024-07-01 12:00+00'), "
           "('b', '2024-03-31 02:30', NULL, NULL), ('c', '2024-03-31 03:30:00.75', NULL, NULL), "
           "('d', '2024-10-27 02:30', NULL, NULL), ('e', '2024-10-27 01:59:59', NULL, NULL)");
    // The reference: the server's own cast of each value to timestamptz in its session zone.
    f.exec("SET TimeZone = 'Europe/Berlin'");
    const auto expected = f.column("SELECT extract(epoch FROM date_trunc('second', at)::timestamptz)::bigint FROM leads "
                                   "ORDER BY id");
    auto db = sql::open_database(server, {.time_zone = "Europe/Berlin"});
    const lead_table t = db->read({.query = "SELECT id, at, day, stamped FROM leads ORDER BY id"}, {.text_columns = {"id"}});
    std::vector<std::string> got;
    for (const auto v : t.timestamps(t.table_schema().at("at"))) got.push_back(std::to_string(v));
    CHECK(got == expected);
    // By hand (as in the SQLite case): the gap takes the offset before it, the repeated hour the later instant.
    CHECK(got == std::vector<std::string>{"1711845000", "1711848600", "1711848600", "1729992600", "1729987199"});
    CHECK(t.timestamps(t.table_schema().at("day"))[0] == 1705273200);     // midnight in Berlin
    CHECK(t.timestamps(t.table_schema().at("stamped"))[0] == 1719835200); // a timestamptz is an instant anyway
    const lead_table since = db->read({.table = "leads", .since = sql::since_filter{"at", from_seconds(1711848600)}});
    CHECK(since.rows() == 4);
    CHECK(pg_message_of([&] { (void)sql::open_database(server, {.time_zone = "Nowhere/Land"}); })
              .find("no such zone") != std::string::npos);
}

TEST_CASE("postgres: qualification classes go to their column; an existing table without it is not altered") {
    const std::string server = test_server();
    if (server.empty()) return;
    pg_fixture f(server);
    auto db = sql::open_database(server);
    const std::vector<std::string_view> ids{"1", "2"};
    const std::vector<double> s{80, 20};
    const std::vector<std::string_view> classes{"mql", ""};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s, .qualifications = classes});
    CHECK(f.column("SELECT lead_id || ':' || coalesce(qualification, 'NULL') FROM lead_scores ORDER BY lead_id") ==
          std::vector<std::string>{"1:mql", "2:NULL"});
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s});
    CHECK(f.column("SELECT count(qualification) FROM lead_scores") == std::vector<std::string>{"0"});
    f.exec("CREATE TABLE crm_scores (lead_id bigint PRIMARY KEY, score float8, probability float8, temperature text, "
           "model_id text, scored_at timestamptz)");
    db->write_scores("crm_scores", {.lead_ids = ids, .scores = s});
    const std::vector<double> other{1, 2};
    const std::string refused = pg_message_of([&] {
        db->write_scores("crm_scores", {.lead_ids = ids, .scores = other, .qualifications = classes});
    });
    CHECK(refused.find("ALTER TABLE \"crm_scores\" ADD COLUMN qualification text") != std::string::npos);
    CHECK(f.column("SELECT string_agg(score::text, ',' ORDER BY lead_id) FROM crm_scores") ==
          std::vector<std::string>{"80,20"});
}

} // TEST_SUITE
