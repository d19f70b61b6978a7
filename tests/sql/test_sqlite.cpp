// leadscore::sql on SQLite: types by affinity and by schema, NULLs, errors naming the object, injection attempts,
// and the transactional upsert of scores. Each case works on a fresh database file in a temporary folder, set up
// through SQLite's own API (independent of the code under test).

#include "leadscore/sql/database.hpp"

#include "sqlite_fixture.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

using namespace leadscore;
using leadscore_sql_test::sqlite_fixture;

namespace {

std::string message_of(const auto& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string text_at(const lead_table& t, const std::string& name, std::size_t row) {
    const auto col = t.table_schema().at(name);
    const auto code = t.codes(col)[row];
    return code == missing_code ? "<missing>" : std::string(t.dict(col)[code]);
}

} // namespace

TEST_CASE("sqlite: column types follow declared affinity, NULL is missing, ids stay exact text") {
    sqlite_fixture f;
    f.exec("CREATE TABLE leads (id INTEGER PRIMARY KEY, name VARCHAR(20), amount DOUBLE, visits BIGINT, "
           "score NUMERIC, note);"
           "INSERT INTO leads VALUES (9007199254740993, 'Ann', 12.5, 3, 0.25, 'x');"
           "INSERT INTO leads VALUES (2, NULL, NULL, NULL, NULL, NULL);");
    auto db = sql::open_database(f.url());
    const lead_table t = db->read({.table = "leads"}, {.text_columns = {"id"}});
    const schema& s = t.table_schema();
    REQUIRE(s.size() == 6);
    CHECK(s[0].type == field_type::categorical); // a text column, though INTEGER
    CHECK(s[1].type == field_type::categorical); // VARCHAR: TEXT affinity
    CHECK(s[2].type == field_type::numeric);     // DOUBLE: REAL affinity
    CHECK(s[3].type == field_type::numeric);     // BIGINT: INTEGER affinity
    CHECK(s[4].type == field_type::numeric);     // NUMERIC
    CHECK(s[5].type == field_type::categorical); // no declared type: its first value is text
    REQUIRE(t.rows() == 2);
    // Rows come in rowid order (the INTEGER PRIMARY KEY): 2 first. 2^53 + 1 has no double: exact only as text.
    CHECK(text_at(t, "id", 1) == "9007199254740993");
    CHECK(text_at(t, "id", 0) == "2");
    CHECK(text_at(t, "name", 1) == "Ann");
    CHECK(text_at(t, "name", 0) == "<missing>");
    CHECK(t.numeric(2)[1] == 12.5);
    CHECK(std::isnan(t.numeric(2)[0]));
    CHECK(t.numeric(3)[1] == 3.0);
    CHECK(std::isnan(t.numeric(3)[0]));
    CHECK(t.numeric(4)[1] == 0.25);
    CHECK(text_at(t, "note", 0) == "<missing>");
}

TEST_CASE("sqlite: texts are coded in first-seen order, as interning them one by one codes them") {
    // 3000 rows: integer ids (all distinct, some negative, rising); texts 0 to 28 bytes long, a third of them
    // repeats of ten short ones; and integers that rise for 1000 rows, then repeat, with a text now and then. So the
    // reader's index starts late or early and grows several times, and meets both new and known values. The
    // reference dictionary interns SQLite's own text of each value in row order.
    sqlite_fixture f;
    f.exec("CREATE TABLE leads (id INTEGER, t TEXT, k INTEGER);"
           "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3000) INSERT INTO leads SELECT "
           "i * 7919 - 1500000, CASE WHEN i % 3 = 0 THEN substr('abcdefghijklmnopqrstuvwxyz0123', 1, i % 30) ELSE "
           "'lead-' || i || substr('xxxxxxxxxxxxxxxxxxxx', 1, i % 20) END, CASE WHEN i <= 1000 THEN i WHEN i % 500 = 0 "
           "THEN 'k' || i ELSE i * 37 % 1200 END FROM r");
    auto db = sql::open_database(f.url());
    const lead_table t = db->read({.table = "leads"}, {.text_columns = {"id", "t", "k"}});
    REQUIRE(t.rows() == 3000);
    for (const std::string name : {"id", "t", "k"}) {
        CAPTURE(name);
        dictionary expected;
        std::vector<std::int32_t> codes;
        for (const auto& v : f.column("SELECT " + name + " FROM leads")) codes.push_back(expected.intern(v));
        const auto col = t.table_schema().at(name);
        CHECK(t.dict(col) == expected);
        CHECK(std::vector<std::int32_t>(t.codes(col).begin(), t.codes(col).end()) == codes);
        bool found = true; // the result's own index finds every text
        for (std::int32_t k = 0; k < static_cast<std::int32_t>(expected.size()); ++k)
            found = found && t.dict(col).find(expected[k]) == k;
        CHECK(found);
    }
}

TEST_CASE("sqlite: a schema makes booleans and timestamps, and overrides types, missing texts apply") {
    sqlite_fixture f;
    f.exec("CREATE TABLE leads (id TEXT, won INTEGER, flag TEXT, created TEXT, seen INTEGER, code INTEGER, stage TEXT);"
           "INSERT INTO leads VALUES ('a', 1, 'true', '2024-03-01T09:30:00Z', 1703980800, 7, 'NA');"
           "INSERT INTO leads VALUES ('b', 0, 'no', '2023-12-31', NULL, NULL, 'open');");
    auto db = sql::open_database(f.url());
    const schema given({{"won", field_type::boolean}, {"flag", field_type::boolean}, {"created", field_type::timestamp},
                        {"seen", field_type::timestamp}, {"code", field_type::categorical},
                        {"stage", field_type::categorical}});
    const lead_table t = db->read({.query = "SELECT * FROM leads ORDER BY id;"},
                                  {.fields = given, .only_fields = true, .missing_texts = {"", "NA"}});
    REQUIRE(t.table_schema() == given); // only the schema's columns, in the result's order
    CHECK(t.booleans(0)[0] == 1);
    CHECK(t.booleans(0)[1] == 0);
    CHECK(t.booleans(1)[0] == 1);
    CHECK(t.booleans(1)[1] == 0);
    CHECK(t.timestamps(2)[0] == 1709285400); // 2024-03-01T09:30:00Z (seconds from Python's datetime)
    CHECK(t.timestamps(2)[1] == 1703980800); // 2023-12-31
    CHECK(t.timestamps(3)[0] == 1703980800);
    CHECK(t.timestamps(3)[1] == missing_time);
    CHECK(text_at(t, "code", 0) == "7");
    CHECK(text_at(t, "code", 1) == "<missing>");
    CHECK(text_at(t, "stage", 0) == "<missing>"); // 'NA' is a missing text here
    CHECK(text_at(t, "stage", 1) == "open");
}

TEST_CASE("sqlite: bad input is an error naming the database, the object, the row and the column") {
    sqlite_fixture f;
    f.exec("CREATE TABLE leads (id TEXT, amount REAL, blob_col BLOB, flag INTEGER);"
           "INSERT INTO leads VALUES ('a', 1.5, NULL, 1);"
           "INSERT INTO leads VALUES ('b', 'lots', x'00ff', 2);");
    auto db = sql::open_database(f.url());
    const std::string missing_table = message_of([&] { (void)db->read({.table = "nope"}); });
    CHECK(missing_table.find(f.url()) != std::string::npos);
    CHECK(missing_table.find("table \"nope\"") != std::string::npos);
    CHECK(missing_table.find("no such table") != std::string::npos);

    const std::string not_number = message_of([&] { (void)db->read({.table = "leads"}, {.fields = schema({{"amount", field_type::numeric}}), .only_fields = true}); });
    CHECK(not_number.find("field 'amount'") != std::string::npos);
    CHECK(not_number.find("row 2") != std::string::npos);
    CHECK(not_number.find("'lots' is not a number") != std::string::npos);

    const std::string no_column = message_of([&] { (void)db->read({.table = "leads"}, {.fields = schema({{"age", field_type::numeric}})}); });
    CHECK(no_column.find("field 'age'") != std::string::npos);
    CHECK(no_column.find("no such column") != std::string::npos);

    const std::string blob = message_of([&] { (void)db->read({.query = "SELECT blob_col FROM leads"}); });
    CHECK(blob.find("BLOB") != std::string::npos);
    CHECK(blob.find("row 2") != std::string::npos);

    const std::string not_boolean = message_of([&] { (void)db->read({.table = "leads"}, {.fields = schema({{"flag", field_type::boolean}}), .only_fields = true}); });
    CHECK(not_boolean.find("integer 2 is not a boolean") != std::string::npos);

    CHECK(message_of([&] { (void)sql::open_database("sqlite:" + f.path.string() + ".absent"); }).find("cannot open") !=
          std::string::npos);
    CHECK(message_of([&] { (void)db->read({}); }).find("give a table or a query") != std::string::npos);
}

TEST_CASE("sqlite: names and values cannot inject SQL") {
    sqlite_fixture f;
    f.exec("CREATE TABLE leads (id TEXT); INSERT INTO leads VALUES ('a');");
    auto db = sql::open_database(f.url());
    const std::string hostile = "leads\"; DROP TABLE leads; --";
    CHECK(message_of([&] { (void)db->read({.table = hostile}); }).find("no such table") != std::string::npos);
    const schema odd({{"id\"; DROP TABLE leads; --", field_type::categorical}});
    CHECK(message_of([&] { (void)db->read({.table = "leads"}, {.fields = odd}); }).find("no such column") !=
          std::string::npos);
    // Values: ids full of quotes and SQL, and a hostile table name, are written as data and as one identifier.
    const std::vector<std::string_view> ids{"x'); DROP TABLE leads; --", "\"q\"", "tab\tline\nend"};
    const std::vector<double> scores{1, 2, 3};
    db->write_scores(hostile, {.lead_ids = ids, .scores = scores, .model_id = "m'1"});
    CHECK(f.column("SELECT count(*) FROM leads") == std::vector<std::string>{"1"});
    CHECK(f.column("SELECT lead_id FROM \"leads\"\"; DROP TABLE leads; --\" ORDER BY score") ==
          std::vector<std::string>(ids.begin(), ids.end()));
    const lead_table back = db->read({.table = hostile}, {.text_columns = {"lead_id", "model_id"}});
    CHECK(text_at(back, "lead_id", 2) == "tab\tline\nend");
    CHECK(text_at(back, "model_id", 0) == "m'1");
}

TEST_CASE("sqlite: scores are upserted by lead id in one transaction") {
    sqlite_fixture f;
    auto db = sql::open_database(f.url());
    const std::vector<std::string_view> ids1{"1", "2", "3"};
    const std::vector<double> s1{10, 20, 30}, p1{0.1, 0.2, 0.3};
    const std::vector<std::string_view> t1{"cold", "warm", ""};
    const auto at = from_seconds(1709285400);
    db->write_scores("lead_scores", {.lead_ids = ids1, .scores = s1, .probabilities = p1, .temperatures = t1,
                                     .model_id = "m1", .scored_at = at});
    CHECK(f.column("SELECT lead_id || ':' || score || ':' || ifnull(temperature, 'NULL') || ':' || scored_at FROM "
                   "lead_scores ORDER BY lead_id") ==
          std::vector<std::string>{"1:10.0:cold:2024-03-01T09:30:00Z", "2:20.0:warm:2024-03-01T09:30:00Z",
                                   "3:30.0:NULL:2024-03-01T09:30:00Z"});
    // Lead 2 rescored, lead 4 new: leads 1 and 3 keep their rows.
    const std::vector<std::string_view> ids2{"4", "2"};
    const std::vector<double> s2{40, 0.1 + 0.2};
    db->write_scores("lead_scores", {.lead_ids = ids2, .scores = s2, .model_id = "m2", .scored_at = at});
    CHECK(f.column("SELECT lead_id || ':' || model_id || ':' || ifnull(probability, 'NULL') FROM lead_scores "
                   "ORDER BY lead_id") == std::vector<std::string>{"1:m1:0.1", "2:m2:NULL", "3:m1:0.3", "4:m2:NULL"});
    // REAL keeps the double exactly (0.1 + 0.2 is not 0.3).
    const lead_table back = db->read({.query = "SELECT score FROM lead_scores WHERE lead_id = '2'"});
    CHECK(back.numeric(0)[0] == 0.1 + 0.2);

    SUBCASE("a repeated lead id writes nothing") {
        const std::vector<std::string_view> dup{"1", "9", "1"};
        const std::vector<double> s{5, 5, 5};
        const std::string m = message_of([&] { db->write_scores("lead_scores", {.lead_ids = dup, .scores = s}); });
        CHECK(m.find("lead id '1' appears twice") != std::string::npos);
        CHECK(m.find("rows 1 and 3") != std::string::npos);
        CHECK(f.column("SELECT count(*) FROM lead_scores") == std::vector<std::string>{"4"});
    }
    SUBCASE("a failure in the middle rolls the whole batch back") {
        f.exec("CREATE TABLE checked (lead_id TEXT UNIQUE, score REAL CHECK (score < 100), probability REAL, "
               "temperature TEXT, model_id TEXT, scored_at TEXT, other TEXT DEFAULT 'keep');"
               "INSERT INTO checked (lead_id, score) VALUES ('1', 1);");
        const std::vector<std::string_view> ids{"1", "2", "3"};
        const std::vector<double> s{50, 60, 150};
        const std::string m = message_of([&] { db->write_scores("checked", {.lead_ids = ids, .scores = s}); });
        CHECK(m.find("lead '3'") != std::string::npos);
        CHECK(m.find("CHECK constraint failed") != std::string::npos);
        CHECK(f.column("SELECT lead_id || ':' || score || ':' || other FROM checked") ==
              std::vector<std::string>{"1:1.0:keep"});
    }
    SUBCASE("an existing table must have the columns and a unique lead_id") {
        f.exec("CREATE TABLE partial (lead_id TEXT PRIMARY KEY, score REAL);"
               "CREATE TABLE loose (lead_id TEXT, score REAL, probability REAL, temperature TEXT, model_id TEXT, "
               "scored_at TEXT);");
        const std::vector<std::string_view> ids{"1"};
        const std::vector<double> s{1};
        CHECK(message_of([&] { db->write_scores("partial", {.lead_ids = ids, .scores = s}); })
                  .find("has no column 'probability'") != std::string::npos);
        CHECK(message_of([&] { db->write_scores("loose", {.lead_ids = ids, .scores = s}); })
                  .find("neither its primary key nor unique") != std::string::npos);
    }
    SUBCASE("an INTEGER key column receives the ids as integers, exactly") {
        f.exec("CREATE TABLE by_int (lead_id INTEGER PRIMARY KEY, score REAL, probability REAL, temperature TEXT, "
               "model_id TEXT, scored_at TEXT); INSERT INTO by_int (lead_id, score) VALUES (9007199254740993, 1);");
        const std::vector<std::string_view> ids{"9007199254740993"};
        const std::vector<double> s{2};
        db->write_scores("by_int", {.lead_ids = ids, .scores = s});
        CHECK(f.column("SELECT lead_id || ':' || typeof(lead_id) || ':' || score FROM by_int") ==
              std::vector<std::string>{"9007199254740993:integer:2.0"});
    }
}

TEST_CASE("sqlite: routing assignments are upserted by lead id in one transaction") {
    sqlite_fixture f;
    auto db = sql::open_database(f.url());
    const std::vector<std::string_view> ids1{"1", "2"}, reps1{"ann", ""}, teams1{"dach", "inbox"},
        reasons1{"rule #1", "queue 'inbox'"};
    db->write_assignments("routes", {.lead_ids = ids1, .reps = reps1, .teams = teams1, .reasons = reasons1,
                                     .routed_at = from_seconds(1709285400)});
    CHECK(f.column("SELECT lead_id || ':' || ifnull(rep, 'NULL') || ':' || team || ':' || reason || ':' || routed_at "
                   "FROM routes ORDER BY lead_id") ==
          std::vector<std::string>{"1:ann:dach:rule #1:2024-03-01T09:30:00Z",
                                   "2:NULL:inbox:queue 'inbox':2024-03-01T09:30:00Z"});
    // Lead 2 routed again, lead 3 new: lead 1 keeps its row.
    const std::vector<std::string_view> ids2{"3", "2"}, reps2{"bob", "cid"}, teams2{"dach", "world"}, why2{"a", "b"};
    db->write_assignments("routes", {.lead_ids = ids2, .reps = reps2, .teams = teams2, .reasons = why2,
                                     .routed_at = from_seconds(1709289000)});
    CHECK(f.column("SELECT lead_id || ':' || rep || ':' || routed_at FROM routes ORDER BY lead_id") ==
          std::vector<std::string>{"1:ann:2024-03-01T09:30:00Z", "2:cid:2024-03-01T10:30:00Z",
                                   "3:bob:2024-03-01T10:30:00Z"});
    SUBCASE("a repeated lead id, or a failure in the middle, writes nothing") {
        const std::vector<std::string_view> dup{"1", "1"}, two{"x", "y"};
        CHECK(message_of([&] {
                  db->write_assignments("routes", {.lead_ids = dup, .reps = two, .teams = two, .reasons = two});
              }).find("lead id '1' appears twice in the assignments") != std::string::npos);
        f.exec("CREATE TABLE checked (lead_id TEXT PRIMARY KEY, rep TEXT CHECK (rep <> 'eve'), team TEXT, reason "
               "TEXT, routed_at TEXT)");
        const std::vector<std::string_view> ids{"1", "2"}, reps{"ann", "eve"};
        const std::string m = message_of(
            [&] { db->write_assignments("checked", {.lead_ids = ids, .reps = reps, .teams = two, .reasons = two}); });
        CHECK(m.find("cannot write the assignment of lead '2'") != std::string::npos);
        CHECK(f.column("SELECT count(*) FROM checked") == std::vector<std::string>{"0"});
    }
    SUBCASE("an existing table must have the columns") {
        f.exec("CREATE TABLE lead_scores (lead_id TEXT PRIMARY KEY, score REAL)");
        const std::vector<std::string_view> ids{"1"};
        CHECK(message_of([&] {
                  db->write_assignments("lead_scores", {.lead_ids = ids, .reps = ids, .teams = ids, .reasons = ids});
              }).find("the assignments table has no column 'rep' (an assignments table has lead_id, rep, team, "
                      "reason, routed_at)") != std::string::npos);
    }
}

TEST_CASE("sql: redact removes passwords from connection strings") {
    CHECK(sql::redact("postgresql://crm:s3cr@t@db.example:5432/crm?sslmode=require") ==
          "postgresql://crm:***@db.example:5432/crm?sslmode=require");
    CHECK(sql::redact("host=db user=crm password=hunter2 dbname=crm") == "host=db user=crm password=*** dbname=crm");
    CHECK(sql::redact("host=db password='a b\\' c' dbname=crm") == "host=db password=*** dbname=crm");
    CHECK(sql::redact("postgresql://db/crm?user=u&password=pw&sslmode=verify-full") ==
          "postgresql://db/crm?user=u&password=***&sslmode=verify-full");
    CHECK(sql::redact("postgresql://crm@db/crm") == "postgresql://crm@db/crm");
    CHECK(sql::redact("sqlite:leads.db") == "sqlite:leads.db");
}

TEST_CASE("sqlite: a since filter reads rows changed at or after a time, and the watermark goes with the scores") {
    sqlite_fixture f;
    // ISO-8601 text and integer seconds both count as times; NULL is never selected.
    f.exec("CREATE TABLE leads (id TEXT, write_date);"
           "INSERT INTO leads VALUES ('a', '2024-03-01T09:29:59Z'), ('b', '2024-03-01T09:30:00Z'), "
           "('c', 1709285401), ('d', 1709285399), ('e', NULL), ('f', '2024-03-02');");
    auto db = sql::open_database(f.url());
    const sql::since_filter since{"write_date", from_seconds(1709285400)}; // 2024-03-01T09:30:00Z
    const lead_table t = db->read({.table = "leads", .since = since}, {.text_columns = {"id"}});
    REQUIRE(t.rows() == 3);
    CHECK(text_at(t, "id", 0) == "b");
    CHECK(text_at(t, "id", 1) == "c");
    CHECK(text_at(t, "id", 2) == "f");
    const lead_table q = db->read({.query = "SELECT id, write_date FROM leads WHERE id <> 'f'", .since = since});
    CHECK(q.rows() == 2);
    const std::string hostile = message_of([&] {
        (void)db->read({.table = "leads", .since = sql::since_filter{"write_date\"; DROP TABLE leads; --", {}}});
    });
    CHECK(hostile.find("no such column: write_date\"; DROP TABLE leads; --") != std::string::npos);
    CHECK(f.column("SELECT count(*) FROM leads") == std::vector<std::string>{"6"});

    CHECK_FALSE(db->read_watermark("lead_scores").has_value()); // no state table yet
    const std::vector<std::string_view> ids{"b"};
    const std::vector<double> s{1};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s,
                                     .advance = sql::watermark{"lead_scores", from_seconds(1709285400)}});
    CHECK(db->read_watermark("lead_scores") == sql::watermark_value{from_seconds(1709285400)});
    CHECK_FALSE(db->read_watermark("other").has_value());
    // A write that fails leaves the watermark where it was.
    const std::vector<std::string_view> dup{"x", "x"};
    const std::vector<double> s2{1, 2};
    CHECK_THROWS_AS(db->write_scores("lead_scores", {.lead_ids = dup, .scores = s2,
                                                     .advance = sql::watermark{"lead_scores", from_seconds(2)}}),
                    error);
    f.exec("CREATE TABLE broken (lead_id TEXT UNIQUE, score REAL CHECK (score < 0), probability REAL, "
           "temperature TEXT, model_id TEXT, scored_at TEXT)");
    CHECK_THROWS_AS(db->write_scores("broken", {.lead_ids = ids, .scores = s,
                                                .advance = sql::watermark{"lead_scores", from_seconds(2)}}),
                    error);
    CHECK(f.column("SELECT watermark FROM leadscore_state") == std::vector<std::string>{"2024-03-01T09:30:00Z"});
}

TEST_CASE("sqlite: integer and text watermarks compare exactly, and the state table keeps them exactly") {
    sqlite_fixture f;
    // Around 2^53 a double cannot tell 9007199254740992 from ...993: an exact comparison must.
    f.exec("CREATE TABLE leads (id TEXT, version INTEGER, tag TEXT, label TEXT COLLATE NOCASE);"
           "INSERT INTO leads VALUES ('a', 9007199254740992, 'v0009', 'v0009'), ('b', 9007199254740993, 'v0010', "
           "'v0010'), ('c', 9007199254740994, 'V0011', 'V0011'), ('d', 5, 'v001', 'v001'), ('e', NULL, NULL, NULL), "
           "('f', -7, 'w', 'w');");
    auto db = sql::open_database(f.url());
    const auto ids_of = [&](const sql::since_filter& since) {
        const lead_table t = db->read({.table = "leads", .since = since}, {.text_columns = {"id"}});
        std::string out;
        for (std::size_t r = 0; r < t.rows(); ++r) out += text_at(t, "id", r);
        return out;
    };
    CHECK(ids_of({"version", std::int64_t{9007199254740993}}) == "bc");
    CHECK(ids_of({"version", std::int64_t{-7}}) == "abcdf");
    // Byte order: 'V' (0x56) sorts before 'v' (0x76), a prefix before its extensions; the column's NOCASE collation
    // does not apply.
    CHECK(ids_of({"tag", std::string("v0010")}) == "bf");
    CHECK(ids_of({"label", std::string("v0010")}) == "bf");
    for (const std::string hostile : {"version\" >= 0 OR 1 = 1 --", "tag\"; DROP TABLE leads; --"}) {
        CHECK(message_of([&] { (void)ids_of({hostile, std::int64_t{0}}); }).find("no such column") != std::string::npos);
        CHECK(message_of([&] { (void)ids_of({hostile, std::string("'")}); }).find("no such column") != std::string::npos);
    }
    CHECK(ids_of({"tag", std::string("' OR 1 = 1 --")}) == "abcdf"); // a value is data: every tag sorts after "'"
    CHECK(f.column("SELECT count(*) FROM leads") == std::vector<std::string>{"6"});

    const std::vector<std::string_view> ids{"b"};
    const std::vector<double> s{1};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s,
                                     .advance = sql::watermark{"by_version", std::int64_t{9007199254740995}}});
    CHECK(db->read_watermark("by_version") == sql::watermark_value{std::int64_t{9007199254740995}});
    CHECK(f.column("SELECT typeof(watermark_integer) || ':' || watermark_integer || ':' || coalesce(watermark, "
                   "watermark_text, 'NULL') FROM leadscore_state") ==
          std::vector<std::string>{"integer:9007199254740995:NULL"});
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s,
                                     .advance = sql::watermark{"by_version", std::string("v0011\t'x'")}});
    CHECK(db->read_watermark("by_version") == sql::watermark_value{std::string("v0011\t'x'")});
    CHECK(f.column("SELECT count(watermark_integer) FROM leadscore_state") == std::vector<std::string>{"0"});
}

TEST_CASE("sqlite: times without a zone are local times of the connection's zone; gaps and repeats as PostgreSQL") {
    sqlite_fixture f;
    // Europe/Berlin: on 2024-03-31 clocks go 02:00 CET -> 03:00 CEST; on 2024-10-27 03:00 CEST -> 02:00 CET.
    f.exec("CREATE TABLE leads (id TEXT, at);" // no affinity: integer seconds stay integers
           "INSERT INTO leads VALUES ('a', '2024-03-31 01:30:00'), ('b', '2024-03-31T02:30:00'), "
           "('c', '2024-03-31 03:30:00.75'), ('d', '2024-10-27 02:30:00'), ('e', '2024-10-27 01:59:59'), "
           "('f', '2024-07-01T12:00:00Z'), ('g', '2024-07-01T12:00:00+05:30'), ('h', '2024-01-15'), "
           "('i', 1709285400), ('j', NULL);");
    const sql::read_options typed{.fields = schema({{"id", field_type::categorical, field_role::none},
                                                    {"at", field_type::timestamp, field_role::none}}),
                                  .text_columns = {"id"}};
    const auto seconds = [&](const lead_table& t) {
        std::vector<std::int64_t> out;
        for (const auto v : t.timestamps(t.table_schema().at("at"))) out.push_back(v);
        return out;
    };
    auto berlin = sql::open_database(f.url(), {.time_zone = "Europe/Berlin"});
    // Expected instants from the offsets by hand: a +1, b in the gap (+1, the offset before it), c +2, d repeated
    // (+1, the later instant), e +2, f and g as they say, h midnight at +1, i integer seconds.
    CHECK(seconds(berlin->read({.table = "leads"}, typed)) ==
          std::vector<std::int64_t>{1711845000, 1711848600, 1711848600, 1729992600, 1729987199, 1719835200,
                                    1719815400, 1705273200, 1709285400, missing_time});
    auto utc = sql::open_database(f.url());
    const auto plain = seconds(utc->read({.table = "leads"}, typed));
    CHECK(plain[0] == 1711848600);
    CHECK(plain[1] == 1711852200);
    CHECK(plain[3] == 1729996200);
    CHECK(plain[7] == 1705276800);
    CHECK(plain[5] == 1719835200);
    // The since filter compares in the same zone: from 01:30 UTC on 2024-03-31, b and c are in (and every later
    // row), a is not.
    const lead_table since = berlin->read({.table = "leads", .since = sql::since_filter{"at", from_seconds(1711848600)}},
                                          typed);
    std::string ids;
    for (std::size_t r = 0; r < since.rows(); ++r) ids += text_at(since, "id", r);
    CHECK(ids == "bcdefg");
    // Offsets in their other forms; a sign without hours is no offset.
    const auto one = [&](const std::string& text) {
        const lead_table t = berlin->read({.query = "SELECT '" + text + "' AS at"},
                                          {.fields = schema({{"at", field_type::timestamp, field_role::none}})});
        return t.timestamps(0)[0];
    };
    CHECK(one("2024-07-01 12:00:00-0500") == 1719853200);
    CHECK(one("2024-07-01 12:00:00-05") == 1719853200);
    CHECK(one("2024-07-01T12:00:00.999+00:00") == 1719835200);
    CHECK_THROWS_AS(one("2024-07-01 12:00:00+"), input_error);
    CHECK_THROWS_AS(one("2024-07-01 12:00:00+1"), input_error);
    CHECK_THROWS_AS(one("2024-07-01 12:00:00 CET"), input_error);
    f.exec("INSERT INTO leads VALUES ('k', 'soon')");
    CHECK(message_of([&] {
              (void)berlin->read({.table = "leads", .since = sql::since_filter{"at", from_seconds(0)}});
          }).find("'soon' is not an ISO-8601 time") != std::string::npos);
    CHECK(message_of([&] { (void)sql::open_database(f.url(), {.time_zone = "Mars/Olympus_Mons"}); })
              .find("time zone 'Mars/Olympus_Mons': no such zone") != std::string::npos);
    CHECK(message_of([&] { (void)sql::open_database(f.url(), {.time_zone = "../../etc/passwd"}); })
              .find("not a zone name") != std::string::npos);
}

TEST_CASE("sqlite: qualification classes go to their column; an existing table without it is not altered") {
    sqlite_fixture f;
    auto db = sql::open_database(f.url());
    const std::vector<std::string_view> ids{"1", "2"};
    const std::vector<double> s{80, 20};
    const std::vector<std::string_view> classes{"sql", ""};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s, .qualifications = classes});
    CHECK(f.column("SELECT lead_id || ':' || coalesce(qualification, 'NULL') FROM lead_scores ORDER BY lead_id") ==
          std::vector<std::string>{"1:sql", "2:NULL"});
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = s}); // no classes: no stale class stays
    CHECK(f.column("SELECT count(qualification) FROM lead_scores") == std::vector<std::string>{"0"});

    f.exec("CREATE TABLE crm_scores (lead_id TEXT PRIMARY KEY, score REAL, probability REAL, temperature TEXT, "
           "model_id TEXT, scored_at TEXT, owner TEXT); INSERT INTO crm_scores (lead_id, owner) VALUES ('1', 'ann')");
    db->write_scores("crm_scores", {.lead_ids = ids, .scores = s});
    CHECK(f.column("SELECT count(*) FROM crm_scores") == std::vector<std::string>{"2"});
    const std::string refused = message_of([&] {
        db->write_scores("crm_scores", {.lead_ids = ids, .scores = std::vector<double>{1, 2}, .qualifications = classes});
    });
    CHECK(refused.find("has no column 'qualification'") != std::string::npos);
    CHECK(refused.find("ALTER TABLE \"crm_scores\" ADD COLUMN qualification TEXT") != std::string::npos);
    CHECK(f.column("SELECT group_concat(score) FROM crm_scores") == std::vector<std::string>{"80.0,20.0"});
    CHECK(f.column("SELECT count(*) FROM pragma_table_info('crm_scores')") == std::vector<std::string>{"7"});
}
