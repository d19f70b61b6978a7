// Engagement events read from SQLite (leadscore::sql::read_events): the same log as the events file holding the same
// values, written by hand here and read by read_events; errors naming the query, the row and the column.

#include "leadscore/sql/events.hpp"

#include "sqlite_fixture.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

using namespace leadscore;
using leadscore_sql_test::sqlite_fixture;

namespace {

/// Row i of a log as one text: lead, time, type, detail.
std::string event_row_text(const event_log& log, std::size_t i) {
    const auto& e = log.events[i];
    return std::string(log.lead_ids[log.lead[i]]) + "|" + std::to_string(e.time) + "|" + std::string(log.types[e.type]) +
           "|" + (e.detail == missing_code ? std::string("-") : std::string(log.details[e.detail]));
}

} // namespace

TEST_CASE("sqlite: events from a query equal the events file of the same values") {
    sqlite_fixture f;
    // An integer id beyond 2^53, times as text (a space or a T) and as integer seconds, a NULL and an "NA" detail.
    f.exec("CREATE TABLE ev (who INTEGER, at, kind TEXT, what TEXT);"
           "INSERT INTO ev VALUES (9007199254740993, '2024-01-02 09:00:00', 'email_opened', 'a, \"b\"');"
           "INSERT INTO ev VALUES (12, 1704445200, ' page_visited ', NULL);"
           "INSERT INTO ev VALUES (12, '2024-01-03T10:00:00Z', 'demo_requested', 'NA');");
    const auto db = f.open();
    const event_log from_db =
        sql::read_events(*db, {.query = "SELECT who AS lead_id, at AS time, kind AS type, what AS detail FROM ev "
                                        "ORDER BY rowid"});
    // 1704445200 s is 2024-01-05T09:00:00Z.
    const event_log from_file = read_events("lead_id,time,type,detail\n"
                                            "9007199254740993,2024-01-02 09:00:00,email_opened,\"a, \"\"b\"\"\"\n"
                                            "12,2024-01-05T09:00:00Z, page_visited ,\n"
                                            "12,2024-01-03T10:00:00Z,demo_requested,NA\n");
    REQUIRE(from_db.size() == 3);
    REQUIRE(from_file.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(event_row_text(from_db, i) == event_row_text(from_file, i));
    CHECK(from_db.lines_are_rows);
    CHECK(from_db.lines == std::vector<std::size_t>{1, 2, 3});
}

TEST_CASE("sqlite: a bad events query names the query, the row and the column") {
    sqlite_fixture f;
    f.exec("CREATE TABLE ev (lead_id TEXT, time TEXT, type TEXT);"
           "INSERT INTO ev VALUES ('a', '2024-01-01', 'x'), (NULL, '2024-01-01', 'x');");
    const auto db = f.open();
    const auto message = [&](const std::string& query) {
        try {
            (void)sql::read_events(*db, {.query = query});
        } catch (const error& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    const std::string where = "sqlite:" + f.path.string() + ", query \"";
    CHECK(message("SELECT * FROM ev") == where + "SELECT * FROM ev\" (field 'lead_id'): row 2: no lead id: an event needs one");
    CHECK(message("SELECT lead_id, time FROM ev") ==
          where + "SELECT lead_id, time FROM ev\" (field 'type'): no such column in the result");
    CHECK(message("SELECT lead_id, type FROM ev").find("time") != std::string::npos);
}
