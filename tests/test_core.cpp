// Core types and their invariants: catalogues, funnels, schemas, time, timeframes, dictionaries, errors.
#include "leadscore/leadscore.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <vector>
#include <string>

namespace test_core {

using namespace leadscore;

TEST_CASE("version is defined once and agrees with itself") {
    CHECK(std::string(version_string) == std::to_string(version_major) + "." + std::to_string(version_minor) + "." +
                                             std::to_string(version_patch));
}

TEST_CASE("source catalogue holds every built-in source with its family") {
    const source_catalogue c;
    // The 23 sources a sales organisation captures leads from.
    const char* expected[] = {"referral",         "existing_customer", "advertising",       "direct_response",
                              "purchased_list",   "email_campaign",    "webinar",           "product_launch",
                              "trade_show",       "peer_meeting",      "sponsored_event",   "offline_event",
                              "inbound_content",  "social_media",      "linkedin",          "networking",
                              "chamber_of_commerce", "local_advertising", "closed_lost_reactivation", "live_chat",
                              "chatbot",          "third_party_meeting", "customer_feedback"};
    CHECK(c.size() == std::size(expected));
    for (const char* name : expected) CHECK_MESSAGE(c.find(name).has_value(), name);
    CHECK(c[c.at("trade_show")].family == channel_family::event);
    CHECK(c[c.at("referral")].family == channel_family::referral);
    CHECK(c[c.at("purchased_list")].family == channel_family::outbound);
    CHECK(c[c.at("chamber_of_commerce")].family == channel_family::partner);
    CHECK(c[c.at("trade_show")].label == "Trade show");

    SUBCASE("lookup normalizes case, spaces and hyphens") {
        CHECK(c.find("Trade Show") == c.find("trade_show"));
        CHECK(c.find("  closed-lost  reactivation ") == c.find("closed_lost_reactivation"));
        CHECK(c.find("LinkedIn") == c.find("linkedin"));
        CHECK_FALSE(c.find("carrier pigeon").has_value());
        CHECK_THROWS_WITH_AS((void)c.at("carrier pigeon"), doctest::Contains("carrier pigeon"), definition_error);
    }
    SUBCASE("a CRM registers its own sources") {
        source_catalogue mine;
        const auto id = mine.add({"Podcast sponsorship", channel_family::digital, "Podcast"});
        CHECK(mine.size() == std::size(expected) + 1);
        CHECK(mine.find("podcast sponsorship") == id);
        CHECK(mine[id].name == "podcast_sponsorship");
        CHECK_THROWS_AS(mine.add({"Trade-show", channel_family::event, ""}), definition_error);
        CHECK_THROWS_AS(mine.add({"  ", channel_family::event, ""}), definition_error);
        CHECK(c.size() == std::size(expected)); // the other catalogue is untouched
    }
    SUBCASE("an empty catalogue for a CRM with only its own sources") {
        auto none = source_catalogue::none();
        CHECK(none.size() == 0);
        CHECK(none.add({"web", channel_family::digital, ""}) == 0);
    }
    SUBCASE("families parse and print") {
        for (auto f : {channel_family::inbound, channel_family::outbound, channel_family::referral,
                       channel_family::event, channel_family::digital, channel_family::partner})
            CHECK(parse_channel_family(to_string(f)) == f);
        CHECK_FALSE(parse_channel_family("carrier").has_value());
    }
}

TEST_CASE("event catalogue: built-in types and runtime registration") {
    event_catalogue c;
    for (const char* name : {"email_opened", "email_clicked", "page_visited", "form_submitted", "content_downloaded",
                             "webinar_attended", "chat_started", "meeting_booked", "social_interaction"})
        CHECK_MESSAGE(c.find(name).has_value(), name);
    CHECK(c[c.at("unsubscribed")].category == engagement_category::negative);
    const auto id = c.add({"Trial extended", engagement_category::sales, ""});
    CHECK(c.at("trial_extended") == id);
    for (auto k : {engagement_category::email, engagement_category::web, engagement_category::content,
                   engagement_category::event, engagement_category::conversation, engagement_category::sales,
                   engagement_category::social, engagement_category::negative})
        CHECK(parse_engagement_category(to_string(k)) == k);
}

TEST_CASE("the standard funnel") {
    const funnel& f = funnel::standard();
    REQUIRE(f.size() == 9);
    CHECK(f[f.entry()].name == "suspect");
    const char* order[] = {"suspect", "lead", "mql", "sql", "opportunity"};
    REQUIRE(f.open_stages().size() == 5);
    for (std::size_t r = 0; r < 5; ++r) {
        CHECK(f[f.open_stages()[r]].name == order[r]);
        CHECK(f.open_rank(f.at(order[r])) == r);
    }
    CHECK(f[f.at("won")].kind == stage_kind::won);
    CHECK(f[f.at("lost")].kind == stage_kind::lost);
    CHECK(f[f.at("rejected")].kind == stage_kind::rejected);
    CHECK(f[f.at("nurture")].kind == stage_kind::nurture);
    CHECK_FALSE(f.open_rank(f.at("won")).has_value());
    CHECK(f.find("MQL") == f.find("mql"));
    CHECK(f.first_of(stage_kind::won) == f.at("won"));
    CHECK_THROWS_WITH_AS((void)f.at("demo"), doctest::Contains("unknown stage 'demo'"), definition_error);
}

TEST_CASE("a CRM's own funnel, and the funnels it may not define") {
    const funnel mine({{"New", stage_kind::open}, {"Qualified", stage_kind::open}, {"Won", stage_kind::won}});
    CHECK(mine.entry() == 0);
    CHECK_FALSE(mine.first_of(stage_kind::lost).has_value());

    CHECK_THROWS_WITH_AS(funnel({}), doctest::Contains("no stages"), definition_error);
    CHECK_THROWS_WITH_AS(funnel({{"New", stage_kind::open}, {"new", stage_kind::open}, {"Won", stage_kind::won}}),
                         doctest::Contains("appears twice"), definition_error);
    CHECK_THROWS_WITH_AS(funnel({{"New", stage_kind::open}, {"Lost", stage_kind::lost}}), doctest::Contains("no won stage"),
                         definition_error);
    CHECK_THROWS_WITH_AS(funnel({{"Won", stage_kind::won}, {"Lost", stage_kind::lost}}), doctest::Contains("no open stage"),
                         definition_error);
    CHECK_THROWS_WITH_AS(funnel({{"", stage_kind::open}, {"Won", stage_kind::won}}), doctest::Contains("empty name"),
                         definition_error);
    for (auto k : {stage_kind::open, stage_kind::won, stage_kind::lost, stage_kind::rejected, stage_kind::nurture})
        CHECK(parse_stage_kind(to_string(k)) == k);
}

TEST_CASE("schema: names, roles and types") {
    schema s;
    CHECK(s.add({"age", field_type::numeric, field_role::none}) == 0);
    CHECK(s.add({"src", field_type::categorical, field_role::source}) == 1);
    CHECK(s.find("src") == 1u);
    CHECK(s.find(field_role::source) == 1u);
    CHECK_FALSE(s.find(field_role::stage).has_value());
    CHECK_THROWS_WITH_AS(s.add({"age", field_type::numeric, field_role::none}), doctest::Contains("'age' appears twice"),
                         definition_error);
    CHECK_THROWS_WITH_AS(s.add({"", field_type::numeric, field_role::none}), doctest::Contains("empty name"),
                         definition_error);
    CHECK_THROWS_WITH_AS(s.add({"origin", field_type::categorical, field_role::source}),
                         doctest::Contains("held by both 'src' and 'origin'"), definition_error);
    CHECK_THROWS_WITH_AS(s.add({"when", field_type::numeric, field_role::created}),
                         doctest::Contains("cannot hold the role created"), definition_error);
    CHECK(s.size() == 2); // refused fields left no trace
    CHECK_THROWS_AS((void)s.at("nope"), definition_error);

    CHECK(role_accepts(field_role::outcome, field_type::boolean));
    CHECK(role_accepts(field_role::outcome, field_type::categorical));
    CHECK_FALSE(role_accepts(field_role::outcome, field_type::numeric));
    CHECK(role_accepts(field_role::expected_value, field_type::numeric));
    CHECK_FALSE(role_accepts(field_role::team, field_type::numeric));

    const auto leads = schema::for_leads();
    CHECK(leads.size() == 14);
    for (auto r : {field_role::id, field_role::party, field_role::name, field_role::email, field_role::phone,
                   field_role::company, field_role::job_title, field_role::source, field_role::stage,
                   field_role::purchase_timeframe, field_role::team, field_role::owner, field_role::created,
                   field_role::expected_value}) {
        REQUIRE(leads.find(r).has_value());
        CHECK(parse_field_role(to_string(r)) == r);
    }
    for (auto t : {field_type::numeric, field_type::categorical, field_type::boolean, field_type::timestamp})
        CHECK(parse_field_type(to_string(t)) == t);
}

TEST_CASE("timestamps parse exactly the documented forms") {
    // 2026-01-01 is 20454 days after 1970-01-01 (56 years, 14 of them leap: 1972 … 2024).
    CHECK(parse_timestamp("2026-01-01") == from_seconds(20454LL * 86400));
    CHECK(parse_timestamp("2026-01-01T01:02:03") == from_seconds(20454LL * 86400 + 3723));
    CHECK(parse_timestamp("2026-01-01 01:02:03Z") == from_seconds(20454LL * 86400 + 3723));
    CHECK(parse_timestamp("1970-01-01") == from_seconds(0));
    CHECK(parse_timestamp("2024-02-29").has_value());
    for (const char* bad : {"", "2023-02-29", "2026-13-01", "2026-1-01", "2026-01-01T24:00:00", "20260101", "2026-01-01T",
                            "abcd-ef-gh", "2026-01-01 01:02", "2026/01/01"})
        CHECK_FALSE_MESSAGE(parse_timestamp(bad).has_value(), bad);
    CHECK(format_timestamp(from_seconds(20454LL * 86400)) == "2026-01-01");
    CHECK(format_timestamp(from_seconds(20454LL * 86400), false) == "2026-01-01T00:00:00Z");
    CHECK(format_timestamp(from_seconds(20454LL * 86400 + 3723)) == "2026-01-01T01:02:03Z");
    CHECK(format_timestamp(from_seconds(-1)) == "1969-12-31T23:59:59Z");
    const auto t = from_seconds(1'700'000'123);
    CHECK(parse_timestamp(format_timestamp(t)) == t);
}

TEST_CASE("purchase timeframe: now, within N days, none") {
    CHECK_FALSE(purchase_timeframe{}.stated());
    CHECK(purchase_timeframe::now().is_now());
    CHECK(purchase_timeframe::now().days() == 0);
    CHECK(purchase_timeframe::within(45).days() == 45);
    CHECK_FALSE(purchase_timeframe::within(45).is_now());
    CHECK(purchase_timeframe::within(0) == purchase_timeframe::now());
    CHECK_THROWS_AS((void)purchase_timeframe::within(-1), definition_error);
    CHECK(parse_party_kind("organization") == party_kind::organization);
    CHECK_FALSE(parse_party_kind("robot").has_value());
}

TEST_CASE("dictionary: dense codes in first-seen order") {
    dictionary d;
    CHECK(d.empty());
    CHECK(d.intern("b") == 0);
    CHECK(d.intern("a") == 1);
    CHECK(d.intern("b") == 0);
    CHECK(d.intern("") == 2);
    CHECK(d[1] == "a");
    CHECK(d[2] == "");
    CHECK(d.find("a") == 1);
    CHECK_FALSE(d.find("c").has_value());
    CHECK_THROWS_AS((void)d[3], std::out_of_range);
    CHECK_THROWS_AS((void)d[-1], std::out_of_range);

    SUBCASE("reserving keeps entries and their codes") {
        d.reserve(1000, 8000);
        CHECK(d.find("b") == 0);
        CHECK(d.find("") == 2);
        for (int i = 0; i < 1000; ++i) CHECK(d.intern(std::to_string(i)) == i + 3);
        CHECK(d.find("999") == 1002);
    }
    SUBCASE("many entries survive rehashing and shrinking") {
        dictionary big;
        for (int i = 0; i < 10000; ++i) CHECK(big.intern("value-" + std::to_string(i)) == i);
        big.shrink_to_fit();
        for (int i = 0; i < 10000; i += 7) CHECK(big.find("value-" + std::to_string(i)) == i);
        CHECK(big.intern("value-9999") == 9999);
        CHECK(big.size() == 10000);
        // raw bytes: the text (6 + digits per entry) plus a 4-byte offset each.
        std::size_t text = 0;
        for (int i = 0; i < 10000; ++i) text += 6 + std::to_string(i).size();
        CHECK(big.raw_bytes() == text + 4 * 10000);
    }
}

TEST_CASE("dictionary: built in one step from distinct texts") {
    // Texts of every length from 0 to 20 (the index hashes 0-3, 4-7 and 8+ bytes differently), some sharing a
    // prefix or suffix, so equal hashes of different texts would show up as a wrong find.
    std::vector<std::string> texts{""};
    for (std::size_t n = 1; n <= 20; ++n) {
        texts.push_back(std::string(n, 'x'));
        if (n == 1) continue; // "y" once, below
        texts.push_back(std::string(n - 1, 'x') + 'y');
        texts.push_back('y' + std::string(n - 1, 'x'));
    }
    texts.push_back("y");
    std::string text;
    std::vector<std::uint32_t> offsets{0};
    dictionary interned;
    for (const auto& t : texts) {
        text += t;
        offsets.push_back(static_cast<std::uint32_t>(text.size()));
        interned.intern(t);
    }
    dictionary d = dictionary::from_distinct(text, offsets);
    CHECK(d == interned);
    REQUIRE(d.size() == 1 + 20 + 2 * 19 + 1);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        CHECK(d[static_cast<std::int32_t>(i)] == texts[i]);
        CHECK(d.find(texts[i]) == static_cast<std::int32_t>(i));
    }
    CHECK_FALSE(d.find("yy").has_value());
    CHECK(d.intern("xxxxxxxxxxxxxxxxxxxxx") == 60); // 21 x: new
    CHECK(d.intern("xxxxxxxx") == 20);              // 8 x: after "", "x" and three texts each of lengths 2 to 7
    CHECK(dictionary::from_distinct("", {0}).empty());

    SUBCASE("two equal texts are refused") {
        CHECK_THROWS_WITH_AS((void)dictionary::from_distinct("abcab", {0, 2, 3, 5}),
                             doctest::Contains("entry 2 repeats entry 0"), definition_error);
    }
    SUBCASE("offsets must start at 0, not decrease and end at the text's size") {
        CHECK_THROWS_AS((void)dictionary::from_distinct("abc", {}), definition_error);
        CHECK_THROWS_AS((void)dictionary::from_distinct("abc", {1, 3}), definition_error);
        CHECK_THROWS_AS((void)dictionary::from_distinct("abc", {0, 2}), definition_error);
        CHECK_THROWS_AS((void)dictionary::from_distinct("abc", {0, 2, 1, 3}), definition_error);
    }
}

TEST_CASE("errors name the place") {
    const input_error e({"leads.csv", 12, 7, "age"}, "not a number");
    CHECK(std::string(e.what()) == "leads.csv:12:7 (field 'age'): not a number");
    CHECK(e.where().line == 12);
    CHECK(e.reason() == "not a number");
    CHECK(std::string(input_error({"a.csv", 3, 0, ""}, "x").what()) == "a.csv:3: x");
    CHECK(std::string(input_error({"", 0, 0, "f"}, "x").what()) == "field 'f': x");
    CHECK(std::string(input_error({"", 4, 2, ""}, "x").what()) == "line 4, column 2: x");
    CHECK(std::string(input_error({}, "x").what()) == "x");
    const error& base = e; // one family
    CHECK(std::string(base.what()).find("leads.csv") == 0);
}

TEST_CASE("stage history: entries of many leads, column by column") {
    stage_history h;
    CHECK(h.empty());
    const stage_event a{"L1", "lead", from_seconds(100), std::nullopt, "webinar"};
    const stage_event b{"L1", "won", from_seconds(200), 1500.0, "webinar"};
    const stage_event c{"L2", "lead", from_seconds(150), std::nullopt, ""};
    h.append(a);
    h.append(b);
    h.append(c);
    REQUIRE(h.size() == 3);
    CHECK(h[0] == a);
    CHECK(h[1] == b);
    CHECK(h[2] == c);
    CHECK(h.lead[0] == h.lead[1]); // one code per lead id
    CHECK(h.lead[2] != h.lead[0]);
    CHECK(h.source[2] == missing_code);
    CHECK(std::isnan(h.value[0]));
    CHECK(h.entered[1] == 200);
    CHECK_THROWS_AS((void)h[3], std::out_of_range);

    stage_history same;
    for (const auto& e : {a, b, c}) same.append(e);
    CHECK(h == same);
    same.append(a);
    CHECK_FALSE(h == same);
}

} // namespace test_core
