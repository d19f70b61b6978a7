// Engagement events files (leadscore/io/events_csv.hpp): what read_events takes and refuses, with the place it
// names, and how attach_events hands events to rows. Expected values are written out from the inputs.

#include "leadscore/core/time.hpp"
#include "leadscore/io/events_csv.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace leadscore;

namespace {

/// The message of the error `f` throws, or "(no error)".
std::string events_message_of(const auto& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "(no error)";
}

/// A table of one categorical id column holding `ids` ("" = missing).
lead_table events_id_table(const std::vector<std::string>& ids) {
    lead_table t(schema({{"id", field_type::categorical, field_role::none}, {"n", field_type::numeric, field_role::none}}));
    auto& col = std::get<categorical_column>(t.column(0));
    for (const auto& id : ids) col.codes.push_back(id.empty() ? missing_code : col.dict.intern(id));
    std::get<numeric_column>(t.column(1)).values.assign(ids.size(), 1.0);
    t.finish_rows();
    return t;
}

std::int64_t events_seconds(const char* text) { return to_seconds(*parse_timestamp(text)); }

/// Row r's events as "type@time/detail" texts, in order.
std::string events_of_row(const lead_table& t, std::size_t r) {
    std::string out;
    for (const auto& e : t.events_of(r))
        out += (out.empty() ? "" : " ") + std::string(t.event_types()[e.type]) + "@" +
               format_timestamp(from_seconds(e.time)) + "/" +
               (e.detail == missing_code ? std::string("-") : std::string(t.event_details()[e.detail]));
    return out;
}

} // namespace

TEST_CASE("events: a file's columns in any order, times as the leads reader parses them") {
    // Extra column ignored, semicolons detected, a quoted detail, a missing token, a byte order mark, CRLF.
    const std::string text = "\xEF\xBB\xBF" "Type;extra;Lead_ID;Time;Detail\r\n"
                             " email_opened ;x;L1;2024-01-02;\"a;b\"\r\n"
                             "page_visited;y; L1;2024-01-02T10:00:00Z;NA\r\n"
                             "demo_requested;z;L2; 2024-01-03 08:30:00 ;\r\n";
    const event_log log = read_events(text, {}, "e.csv");
    REQUIRE(log.size() == 3);
    CHECK(log.source == "e.csv");
    CHECK(log.lead_ids[log.lead[0]] == "L1");
    CHECK(log.lead_ids[log.lead[1]] == " L1"); // ids are exact: not trimmed
    CHECK(log.types[log.events[0].type] == "email_opened");
    CHECK(log.details[log.events[0].detail] == "a;b");
    CHECK(log.events[1].detail == missing_code);
    CHECK(log.events[2].detail == missing_code);
    CHECK(log.events[0].time == 1704153600); // 2024-01-02T00:00:00Z
    CHECK(log.events[1].time == 1704153600 + 10 * 3600);
    CHECK(log.events[2].time == 1704153600 + 86400 + 8 * 3600 + 30 * 60);
    CHECK(log.lines == std::vector<std::size_t>{2, 3, 4});
    // No detail column: every event has none.
    const event_log bare = read_events("lead_id,time,type\nL1,2024-01-01,x\n");
    REQUIRE(bare.size() == 1);
    CHECK(bare.events[0].detail == missing_code);
}

TEST_CASE("events: a bad file names file:line:column and the field") {
    const auto msg = [](const std::string& text) { return events_message_of([&] { (void)read_events(text, {}, "e.csv"); }); };
    CHECK(msg("") == "e.csv:1: the file is empty: a header line is needed");
    CHECK(msg("lead_id,type\nL1,x\n") == "e.csv:1: no column 'time' in the header");
    CHECK(msg("lead_id,time,type\nL1,2024-01-01,x\nL1,yesterday,x\n") ==
          "e.csv:3:4 (field 'time'): not a time: 'yesterday' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
    CHECK(msg("lead_id,time,type\nL1,,x\n") == "e.csv:2:4 (field 'time'): no time: an event needs one");
    CHECK(msg("lead_id,time,type\n,2024-01-01,x\n") == "e.csv:2:1 (field 'lead_id'): no lead id: an event needs one");
    CHECK(msg("lead_id,time,type\nL1,2024-01-01,  \n") ==
          "e.csv:2:15 (field 'type'): no event type: an event needs one");
    CHECK(msg("lead_id,time,type\nL1,2024-01-01\n") == "e.csv:2:4: 2 fields, but the header has 3");
    CHECK(msg("lead_id,time,type\nL1,2024-01-01,\"x\n") ==
          "e.csv:2:15: a quoted cell is not closed before the end of the file");
    CHECK(msg("lead_id,time,type\nL1,2024-02-30,x\n").starts_with("e.csv:2:4 (field 'time'): not a time"));
    CHECK_THROWS_AS((void)read_events("lead_id|time|type\n", {.delimiter = '|'}), definition_error);
}

TEST_CASE("events: attached by exact id, sorted per lead, unknown leads counted") {
    lead_table t = events_id_table({"a", "b", "", "a", "c"});
    const std::string text = "lead_id,time,type,detail\n"
                             "a,2024-01-03,webinar_attended,late\n"
                             "z,2024-01-01,email_opened,\n"
                             "a,2024-01-01,email_opened,\n"
                             "b,2024-01-02,page_visited,/pricing\n"
                             "a,2024-01-03,email_opened,tie\n"  // same time as line 2: after it, the file's order
                             "y,2024-01-01,email_opened,\n"
                             "A,2024-01-01,email_opened,\n"; // ids compare exactly: not a
    const event_log log = read_events(text, {}, "e.csv");
    const events_attached a = attach_events(t, "id", log);
    // a sits on rows 0 and 3 (3 events each), b on row 1; z, y and A name no row.
    CHECK(a.attached == 7);
    CHECK(a.leads == 3);
    CHECK(a.unknown == 3);
    CHECK(a.first_unknown == "z");
    CHECK(a.first_unknown_line == 3);
    const std::string row_a = "email_opened@2024-01-01/- webinar_attended@2024-01-03/late email_opened@2024-01-03/tie";
    CHECK(events_of_row(t, 0) == row_a);
    CHECK(events_of_row(t, 3) == row_a);
    CHECK(events_of_row(t, 1) == "page_visited@2024-01-02//pricing");
    CHECK(events_of_row(t, 2).empty()); // a missing id gets none
    CHECK(events_of_row(t, 4).empty());
    CHECK(t.view().has_events());
    // Attaching again replaces the events.
    const events_attached again = attach_events(t, "id", read_events("lead_id,time,type\nc,2024-05-01,x\n"));
    CHECK(again.attached == 1);
    CHECK(events_of_row(t, 0).empty());
    CHECK(events_of_row(t, 4) == "x@2024-05-01/-");
    CHECK(events_seconds("2024-05-01") == t.events_of(4)[0].time);
}

TEST_CASE("events: the id field must be a categorical field") {
    lead_table t = events_id_table({"a"});
    const event_log log = read_events("lead_id,time,type\na,2024-01-01,x\n");
    CHECK(events_message_of([&] { (void)attach_events(t, "n", log); }) ==
          "events: the lead id field 'n' is not a categorical field of the leads (read it as text)");
    CHECK_THROWS_AS((void)attach_events(t, "nope", log), definition_error);
}
