// Stage histories read from SQLite (leadscore::sql::read_stage_history, read_deal_snapshot): the same history as the
// event log or snapshot file holding the same values, written by hand here and read by read_history or
// read_deal_snapshot; errors naming the query, the row and the column. Set up through SQLite's own API.

#include "leadscore/sql/history.hpp"

#include "history_compare.hpp"
#include "sqlite_fixture.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

using namespace leadscore;
using leadscore_sql_test::check_same_history;
using leadscore_sql_test::sqlite_fixture;

namespace {

std::string history_message_of(const auto& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("sqlite: a stage history from a query equals the event log file of the same values") {
    sqlite_fixture f;
    // Integer ids (one beyond 2^53), times as ISO-8601 text (with a space or a T) and as integer seconds, a REAL
    // value, NULLs, an attribute holding a comma, a quote and a line break, an integer attribute.
    f.exec("CREATE TABLE h (lead INTEGER, stage_name TEXT, at, amount REAL, src TEXT, team TEXT, region INTEGER);"
           "INSERT INTO h VALUES (9007199254740993, 'lead', '2024-01-02 09:00:00', NULL, 'web', 'a, \"b\"\nc', 7);"
           "INSERT INTO h VALUES (9007199254740993, 'won', 1704445200, 1234.5, NULL, NULL, 7);"
           "INSERT INTO h VALUES (12, 'suspect', '2024-01-03T10:00:00Z', 0.1, 'event', 'north', NULL);"
           "INSERT INTO h VALUES (12, 'NA', '2024-01-04', NULL, 'NA', '', NULL);");
    const std::string query = "SELECT lead AS lead_id, stage_name AS stage, at AS entered_at, amount AS value, "
                              "src AS source, team, region FROM h ORDER BY rowid";
    // The same values as a file: 1704445200 s is 2024-01-05T09:00:00Z. Row 4's stage "NA" is missing: refused.
    const std::string csv = "lead_id,stage,entered_at,value,source,team,region\n"
                            "9007199254740993,lead,2024-01-02 09:00:00,,web,\"a, \"\"b\"\"\nc\",7\n"
                            "9007199254740993,won,2024-01-05T09:00:00Z,1234.5,,,7\n"
                            "12,suspect,2024-01-03T10:00:00Z,0.1,event,north,\n"
                            "12,NA,2024-01-04,,NA,,\n";
    history_options collect;
    collect.errors = error_mode::collect;
    const auto db = f.open();
    const history_import from_db = sql::read_stage_history(*db, {.query = query}, funnel::standard(), collect);
    const history_import from_file = read_history(csv, funnel::standard(), collect);
    CHECK(from_db.history.size() == 3);
    check_same_history(from_db, from_file);
    // The refused row is named by its row of the result (the file's line 6: the line break in row 1's team).
    REQUIRE(from_db.rejected.size() == 1);
    CHECK(from_db.rejected[0].where.to_string() ==
          "sqlite:" + f.path.string() + ", query \"SELECT lead AS lead_id, stage_name AS stage, at AS entere...\" "
                                        "(field 'stage')");
    CHECK(from_db.rejected[0].reason == "row 4: a missing stage");
    // fail_fast: the same row stops the read.
    CHECK(history_message_of([&] { (void)sql::read_stage_history(*db, {.query = query}, funnel::standard()); })
              .ends_with("(field 'stage'): row 4: a missing stage"));
}

TEST_CASE("sqlite: a history query's errors name the query, the column and the row") {
    sqlite_fixture f;
    f.exec("CREATE TABLE h (lead_id TEXT, stage TEXT, entered_at TEXT, value TEXT, note TEXT);"
           "INSERT INTO h VALUES ('a', 'lead', '2024-01-02', '10', 'x\ny');"
           "INSERT INTO h VALUES ('a', 'mql', '2024-01-03', '-5', NULL);"
           "INSERT INTO h VALUES ('b', 'lead', '2024-01-02', 'ten', NULL);"
           "INSERT INTO h VALUES ('a', 'lead', '2024-01-02', NULL, NULL);"
           "CREATE TABLE t (lead_id TEXT, stage TEXT, entered_at TEXT);"
           "INSERT INTO t VALUES ('c', 'lead', '2024-01-02'), ('c', 'mql', 'yesterday');");
    const auto db = f.open();
    const std::string name = "sqlite:" + f.path.string();
    const auto read = [&](const std::string& query, error_mode mode = error_mode::fail_fast) {
        history_options o;
        o.errors = mode;
        return sql::read_stage_history(*db, {.query = query}, funnel::standard(), o);
    };
    // A needed column the result lacks: the column and the query.
    for (const char* column : {"lead_id", "stage", "entered_at"}) {
        const std::string q = std::string("SELECT ") +
                              (column == std::string("lead_id") ? "" : "lead_id, ") +
                              (column == std::string("stage") ? "" : "stage, ") +
                              (column == std::string("entered_at") ? "" : "entered_at, ") + "value FROM h";
        CHECK(history_message_of([&] { (void)read(q); }) ==
              name + ", query \"" + q + "\" (field '" + column + "'): no such column in the result");
    }
    // A table works as a query does; bad values are refused by row and column (row 1's note spans two lines).
    const history_import h = sql::read_stage_history(*db, {.table = "h"}, funnel::standard(),
                                                     {.errors = error_mode::collect});
    CHECK(h.history.size() == 1);
    REQUIRE(h.rejected.size() == 3);
    const std::string place = name + ", table \"h\"";
    CHECK(h.rejected[0].where.to_string() == place + " (field 'value')");
    CHECK(h.rejected[0].reason.starts_with("row 2: a negative deal value: '-5'"));
    CHECK(h.rejected[1].reason == "row 3: not a finite number: 'ten'");
    CHECK(h.rejected[2].where.field == "stage");
    CHECK(h.rejected[2].reason == "row 4: a duplicate of row 1 (lead 'a', stage 'lead', 2024-01-02)");
    // The time is read by the database reader: a text that is no time stops the read in either mode.
    CHECK(history_message_of([&] { (void)read("SELECT * FROM t", error_mode::collect); }) ==
          name + ", query \"SELECT * FROM t\" (field 'entered_at'): row 2: text 'yesterday' is not an ISO-8601 "
                 "timestamp");
}

TEST_CASE("sqlite: a deal snapshot from a query equals the snapshot file of the same values") {
    sqlite_fixture f;
    // Integer ids (one beyond 2^53), dates as ISO-8601 text (a date, with a space, with a Z), as integer seconds
    // (1490918400 s is 2017-03-31T00:00:00Z), NULL, "" and "NA"; INTEGER and REAL values; an account holding a comma,
    // a quote and a line break. Row 6 closes before it starts and row 7 repeats deal 12: both refused.
    f.exec("CREATE TABLE d (opportunity_id INTEGER, sales_agent TEXT, product TEXT, account TEXT, deal_stage TEXT,"
           " engage_date TEXT, close_date, close_value);"
           "INSERT INTO d VALUES (9007199254740993, 'ann', 'GTX', 'acme, \"x\"\ny', 'won', '2017-03-01',"
           " '2017-03-20', 1054);"
           "INSERT INTO d VALUES (12, 'bob', 'MG', NULL, 'lost', '2017-03-02', 1490918400, 0.0);"
           "INSERT INTO d VALUES (13, 'ann', 'GTX', 'beta', 'engaging', '2017-04-01 10:30:00', NULL, NULL);"
           "INSERT INTO d VALUES (14, 'bob', 'MG', 'NA', 'prospecting', NULL, '', NULL);"
           "INSERT INTO d VALUES (15, 'cid', 'GTX', 'gamma', 'won', 'NA', '2017-05-01T12:00:00Z', 2500.5);"
           "INSERT INTO d VALUES (16, 'ann', 'GTX', 'delta', 'won', '2017-05-01', '2017-04-01', 10);"
           "INSERT INTO d VALUES (12, 'bob', 'MG', NULL, 'lost', '2017-03-02', '2017-03-31', 0);");
    const std::string csv = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
                            "9007199254740993,ann,GTX,\"acme, \"\"x\"\"\ny\",won,2017-03-01,2017-03-20,1054\n"
                            "12,bob,MG,,lost,2017-03-02,2017-03-31,0\n"
                            "13,ann,GTX,beta,engaging,2017-04-01 10:30:00,,\n"
                            "14,bob,MG,NA,prospecting,,,\n"
                            "15,cid,GTX,gamma,won,NA,2017-05-01T12:00:00Z,2500.5\n"
                            "16,ann,GTX,delta,won,2017-05-01,2017-04-01,10\n"
                            "12,bob,MG,,lost,2017-03-02,2017-03-31,0\n";
    snapshot_options collect;
    collect.csv.errors = error_mode::collect;
    const auto db = f.open();
    const std::string query = "SELECT * FROM d ORDER BY rowid";
    const history_import from_db = sql::read_deal_snapshot(*db, {.query = query}, snapshot_funnel(), collect);
    const history_import from_file = read_deal_snapshot(csv, snapshot_funnel(), collect);
    // Deals 1 and 2 enter prospecting (undated), engaging and their closed stage; 3 prospecting (undated) and
    // engaging; 4 prospecting (undated); 5 prospecting and engaging (both undated) and won.
    CHECK(from_db.history.size() == 12);
    CHECK(from_db.undated == std::vector<std::size_t>{5, 1, 0, 0});
    CHECK(from_db.undated == from_file.undated);
    check_same_history(from_db, from_file);
    REQUIRE(from_db.rejected.size() == 2);
    CHECK(from_db.rejected[0].where.to_string() == "sqlite:" + f.path.string() + ", query \"" + query +
                                                       "\" (field 'close_date')");
    CHECK(from_db.rejected[0].reason.starts_with("row 6: "));
    CHECK(from_db.rejected[1].where.field == "opportunity_id");
    CHECK(from_db.rejected[1].reason == "row 7: deal '12' appears again (first on row 2)");
}

TEST_CASE("sqlite: a snapshot query's errors name the query, the column and the row") {
    sqlite_fixture f;
    f.exec("CREATE TABLE d (opportunity_id TEXT, deal_stage TEXT, engage_date TEXT, close_date TEXT, close_value);"
           "INSERT INTO d VALUES ('a', 'won', '2017-03-01', '2017-03-05', 'ten');"
           "INSERT INTO d VALUES ('b', 'lost', '2017-03-02', '2017-03-05', 1);"
           "INSERT INTO d VALUES ('c', 'lost', 'yesterday', '2017-03-05', 1);");
    const auto db = f.open();
    const std::string name = "sqlite:" + f.path.string();
    const auto read = [&](const std::string& query, error_mode mode = error_mode::fail_fast) {
        snapshot_options o;
        o.csv.errors = mode;
        return sql::read_deal_snapshot(*db, {.query = query}, snapshot_funnel(), o);
    };
    // A column of the options the result lacks: the column and the query, whether a date or not.
    for (const char* column : {"opportunity_id", "deal_stage", "close_date", "close_value"}) {
        std::string q = "SELECT ";
        for (const char* c : {"opportunity_id", "deal_stage", "engage_date", "close_date", "close_value"})
            if (std::string(c) != column) q += std::string(q.size() > 7 ? ", " : "") + c;
        q += " FROM d WHERE rowid = 2"; // a row without a bad value
        const std::string message = history_message_of([&] { (void)read(q); });
        CHECK(message.starts_with(name + ", query \"" + q.substr(0, 40)));
        CHECK(message.ends_with("(field '" + std::string(column) + "'): no such column in the result"));
    }
    // A bad value: the row and the column.
    CHECK(history_message_of([&] { (void)read("SELECT * FROM d WHERE rowid = 1"); }) ==
          name + ", query \"SELECT * FROM d WHERE rowid = 1\" (field 'close_value'): row 1: not a finite number: 'ten'");
    // A date the database cannot read stops the read in either mode.
    CHECK(history_message_of([&] { (void)read("SELECT * FROM d", error_mode::collect); }) ==
          name + ", query \"SELECT * FROM d\" (field 'engage_date'): row 3: text 'yesterday' is not an ISO-8601 "
                 "timestamp");
}
