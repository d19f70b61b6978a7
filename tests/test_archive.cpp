// Archives of the core types: exact round trips in text, XML and binary; golden archives of version 1 that must
// keep loading; and damaged archives (truncated, corrupted, wrong type, newer version, huge declared sizes, codes
// outside their dictionaries) that must give archive_error naming the archive — never a crash or a huge allocation.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/sim/generator.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

namespace test_archive {

using namespace leadscore;

namespace {

constexpr archive_format formats[] = {archive_format::text, archive_format::xml, archive_format::binary};

template <class T>
std::string saved(const T& value, archive_format f) {
    std::ostringstream out(std::ios::binary);
    save_archive(out, value, f);
    return out.str();
}

template <class T>
void load_from(const std::string& bytes, T& into, archive_format f) {
    std::istringstream in(bytes, std::ios::binary);
    load_archive(in, into, f, "test.archive");
}

/// A value to load into (what it holds is replaced).
template <class T>
T blank() {
    if constexpr (std::is_same_v<T, lead_table>)
        return lead_table(schema{});
    else if constexpr (std::is_same_v<T, funnel>)
        return funnel::standard();
    else
        return T{};
}

/// The message of the archive_error that loading `bytes` as T gives; "" when it loads.
template <class T>
std::string load_error(const std::string& bytes, archive_format f) {
    T into = blank<T>();
    try {
        load_from(bytes, into, f);
    } catch (const archive_error& e) {
        return e.what();
    }
    return "";
}

/// A small table with every column type, missing values, texts that need escaping, and events.
lead_table small_table() {
    schema s = schema::for_leads(std::vector<field>{{"employees", field_type::numeric},
                                                    {"industry", field_type::categorical},
                                                    {"newsletter", field_type::boolean},
                                                    {"last_contacted", field_type::timestamp}});
    lead a, b, c;
    a.id = "L1";
    a.contact.name = "Zoë <\"Quote\"> & Søn";
    a.source = "webinar";
    a.stage = "mql";
    a.created = from_seconds(1767225600);
    a.expected_value = 1250.5;
    a.attributes["employees"] = 120.0;
    a.attributes["industry"] = std::string("software");
    a.attributes["newsletter"] = true;
    a.attributes["last_contacted"] = from_seconds(1767312000);
    a.events = {{from_seconds(1767300000), "email_clicked", "spring_launch"},
                {from_seconds(1767310000), "webinar_attended", ""}};
    b.id = "L2";
    b.source = "referral";
    b.attributes["industry"] = std::string("");
    b.attributes["newsletter"] = false;
    c.id = "L3";
    c.timeframe = purchase_timeframe::now();
    c.events = {{from_seconds(1767000000), "page_visited", "/pricing"}};
    const std::vector<lead> leads{a, b, c};
    return lead_table::from_leads(leads, s);
}

funnel custom_funnel() {
    return funnel({{"New", stage_kind::open}, {"Qualified", stage_kind::open}, {"Won", stage_kind::won},
                   {"Lost", stage_kind::lost}});
}

stage_history small_history() {
    stage_history h;
    h.append({"L1", "suspect", from_seconds(1767225600), std::nullopt, "webinar"});
    h.append({"L1", "won", from_seconds(1767400000), 990.25, "webinar"});
    h.append({"L2", "suspect", from_seconds(missing_time), std::nullopt, ""});
    return h;
}

dictionary small_dictionary() {
    dictionary d;
    for (const char* t : {"alpha", "", "β-Ω", "a b\tc", "<xml/>"}) d.intern(t);
    return d;
}

/// A routing state with every kind of entry: teams and cursors, a rep with and without capacity, languages, regions,
/// loads, owners of both kinds, and names that need escaping.
routing_state small_routing_state() {
    routing_state s;
    rep_record ann;
    ann.name = "ann";
    ann.team = "dach";
    ann.capacity = 90;
    ann.languages = {"de", "en"};
    ann.regions = {"DACH"};
    ann.assigned = 12;
    ann.recent = {{1767225600, 2}, {1767229200, 1}};
    s.add_rep(ann);
    rep_record bob;
    bob.name = "Bob <&> \"B\"";
    bob.team = "dach";
    bob.available = false;
    s.add_rep(bob);
    s.add_team("inbox");
    s.teams[0].last_rep = "ann";
    s.last_rep = "ann";
    s.add_owner(owner_key::email, "ada@example.com", bob.name);
    s.add_owner(owner_key::company, "Initech", "ann");
    s.draws = 42;
    return s;
}

std::filesystem::path golden_dir() { return std::filesystem::path(LEADSCORE_TEST_DATA) / "archive"; }

} // namespace

TEST_CASE("archive: every core type round-trips exactly in text, XML and binary") {
    generator_options g;
    g.leads = 400;
    g.seed = 5;
    const auto crm = generate_crm(g);
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        const auto table = small_table();
        lead_table t = blank<lead_table>();
        load_from(saved(table, f), t, f);
        CHECK(t == table);
        CHECK(t.view().all_events().size() == 3);

        lead_table big = blank<lead_table>();
        load_from(saved(crm.leads, f), big, f);
        CHECK(big == crm.leads);
        CHECK(std::equal(big.view().event_offsets().begin(), big.view().event_offsets().end(),
                         crm.leads.view().event_offsets().begin()));

        stage_history h;
        load_from(saved(crm.history, f), h, f);
        CHECK(h == crm.history);
        load_from(saved(small_history(), f), h, f);
        CHECK(h == small_history());

        funnel fu = funnel::standard();
        load_from(saved(custom_funnel(), f), fu, f);
        CHECK(fu == custom_funnel());

        schema s;
        load_from(saved(table.table_schema(), f), s, f);
        CHECK(s == table.table_schema());

        dictionary d;
        load_from(saved(small_dictionary(), f), d, f);
        CHECK(d == small_dictionary());
        CHECK(d.find("β-Ω") == 2);

        // An empty table keeps its schema and has no rows.
        const lead_table empty(schema::for_leads());
        lead_table e = blank<lead_table>();
        load_from(saved(empty, f), e, f);
        CHECK(e == empty);
        CHECK(e.rows() == 0);
    }
}

TEST_CASE("archive: golden archives of version 1 still load") {
    // Written once by this test with LEADSCORE_WRITE_GOLDEN set (only files that do not exist yet), then kept: a
    // change to the format that cannot read them fails here. To raise a version, see docs/persistence.md.
    const bool write = std::getenv("LEADSCORE_WRITE_GOLDEN") != nullptr;
    for (const auto f : {archive_format::text, archive_format::xml}) {
        const std::string ext = f == archive_format::xml ? ".xml" : ".txt";
        const auto check = [&]<class T>(const char* name, const T& expected, T into, const char* version = ".v1") {
            const auto path = golden_dir() / (std::string(name) + version + ext);
            CAPTURE(path.string());
            if (write && !std::filesystem::exists(path)) save_archive_file(path, expected, f); // never overwrites
            REQUIRE(std::filesystem::exists(path));
            load_archive_file(path, into, f);
            CHECK(into == expected);
        };
        check("lead_table", small_table(), blank<lead_table>());
        check("stage_history", small_history(), stage_history{});
        check("funnel", custom_funnel(), funnel::standard());
        check("schema", small_table().table_schema(), schema{});
        check("dictionary", small_dictionary(), dictionary{});
        check("routing_state", small_routing_state(), routing_state{});
        // Version 2 adds the last run's time; version 1 loads without it (its loads still date the state).
        auto ran = small_routing_state();
        ran.last_run = 1767232800;
        check("routing_state", ran, routing_state{}, ".v2");
    }
}

TEST_CASE("archive: a truncated archive is an archive_error naming the archive, at every cut") {
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        const auto bytes = saved(small_table(), f);
        std::size_t errors = 0;
        for (std::size_t cut = 0; cut < bytes.size(); cut += cut + 40 >= bytes.size() ? 1 : 1 + bytes.size() / 300) {
            const auto m = load_error<lead_table>(bytes.substr(0, cut), f);
            CAPTURE(cut);
            // Only a cut of trailing white space (a text archive's final newline) may still load.
            const bool only_space = bytes.find_first_not_of(" \t\r\n", cut) == std::string::npos;
            if (!only_space) CHECK(m.find("archive 'test.archive'") == 0);
            errors += m.empty() ? 0 : 1;
        }
        CHECK(errors > 0);
    }
}

TEST_CASE("archive: corrupted bytes give a value or an archive_error, never anything else") {
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        const auto bytes = saved(small_table(), f);
        std::size_t refused = 0, loaded = 0;
        for (std::size_t at = 0; at < bytes.size(); at += 1 + bytes.size() / 200) {
            for (const unsigned char flip : {0x01, 0x20, 0x80, 0xff}) {
                auto damaged = bytes;
                damaged[at] = static_cast<char>(static_cast<unsigned char>(damaged[at]) ^ flip);
                lead_table t = blank<lead_table>();
                try {
                    load_from(damaged, t, f);
                    ++loaded;
                } catch (const archive_error& e) {
                    CHECK(std::string(e.what()).find("archive 'test.archive'") == 0);
                    ++refused;
                } // any other exception escapes and fails the test
            }
        }
        CHECK(refused > 0);
        CHECK(refused + loaded > 0);
    }
}

TEST_CASE("archive: a huge declared size fails at the end of the data, without allocating it") {
    // A binary dictionary archive whose length count says 2^39 entries (4 TiB of uint32) and then ends: the loader
    // may allocate one chunk (256 KiB), not the declared size. Beyond 2^40 the count itself is refused.
    const auto bytes = saved(small_dictionary(), archive_format::binary);
    const std::uint64_t five = 5;
    const auto at = bytes.find(std::string(reinterpret_cast<const char*>(&five), sizeof five));
    REQUIRE(at != std::string::npos);
    for (const std::uint64_t count : {std::uint64_t{1} << 39, std::uint64_t{1} << 62}) {
        auto damaged = bytes;
        damaged.replace(at, sizeof count, std::string(reinterpret_cast<const char*>(&count), sizeof count));
        const auto m = load_error<dictionary>(damaged, archive_format::binary);
        CAPTURE(m);
        CHECK(m.find("archive 'test.archive'") == 0);
        if (count > (std::uint64_t{1} << 40)) CHECK(m.find("out of range") != std::string::npos);
    }
    // The same in a text archive: the count is the number before the first chunk.
    const auto text = saved(small_dictionary(), archive_format::text);
    const auto pos = text.find(" 5 ");
    REQUIRE(pos != std::string::npos);
    auto damaged = text;
    damaged.replace(pos, 3, " 549755813888 ");
    CHECK(load_error<dictionary>(damaged, archive_format::text).find("archive 'test.archive'") == 0);
}

TEST_CASE("archive: wrong type, newer version and invalid contents are refused with the reason") {
    // A schema archive read as a table.
    CHECK(load_error<lead_table>(saved(small_table().table_schema(), archive_format::text), archive_format::text) != "");
    CHECK(load_error<lead_table>(saved(small_dictionary(), archive_format::xml), archive_format::xml) != "");

    // A newer version of the root type.
    auto xml = saved(custom_funnel(), archive_format::xml);
    const auto v = xml.find("version=\"1\"");
    REQUIRE(v != std::string::npos);
    xml.replace(v, 11, "version=\"7\"");
    CHECK(load_error<funnel>(xml, archive_format::xml).find("newer") != std::string::npos);

    // A funnel without a won stage: the funnel constructor's refusal, named.
    auto bad_funnel = saved(custom_funnel(), archive_format::xml);
    const auto won = bad_funnel.find("<kind>1</kind>");
    REQUIRE(won != std::string::npos);
    bad_funnel.replace(won, 14, "<kind>0</kind>");
    CHECK(load_error<funnel>(bad_funnel, archive_format::xml).find("won") != std::string::npos);

    // An unknown stage kind.
    auto bad_kind = saved(custom_funnel(), archive_format::xml);
    bad_kind.replace(bad_kind.find("<kind>2</kind>"), 14, "<kind>9</kind>");
    CHECK(load_error<funnel>(bad_kind, archive_format::xml).find("unknown value 9") !=
          std::string::npos);

    // A repeated dictionary text: "alpha" twice (the second entry's length 0 becomes 5 and its text "alpha").
    auto dict = saved(small_dictionary(), archive_format::xml);
    const auto lengths = dict.find("<item>0</item>");
    REQUIRE(lengths != std::string::npos);
    dict.replace(lengths, 14, "<item>5</item>");
    const auto text = dict.find("<text>alpha");
    REQUIRE(text != std::string::npos);
    dict.replace(text, 11, "<text>alphaalpha");
    CHECK(load_error<dictionary>(dict, archive_format::xml).find("repeats entry 0") != std::string::npos);

    // A categorical code outside its dictionary.
    lead_table t = small_table();
    auto table_xml = saved(t, archive_format::xml);
    const auto codes = table_xml.find("<codes>");
    REQUIRE(codes != std::string::npos);
    const auto item = table_xml.find("<item>", codes);
    table_xml.replace(item, table_xml.find("</item>", item) - item, "<item>99");
    CHECK(load_error<lead_table>(table_xml, archive_format::xml).find("outside its") != std::string::npos);
}

TEST_CASE("archive: an XML closing tag longer than the expected name is read safely") {
    // Found by fuzz_archive: Boost 1.74 compared a closing tag with the expected name past the name's end. Under
    // AddressSanitizer (CI) this case fails if the comparison is back; otherwise it may load or be refused.
    const auto path = golden_dir() / "long_closing_tag.bin";
    REQUIRE(std::filesystem::exists(path));
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto m = load_error<dictionary>(bytes, archive_format::xml);
    CHECK((m.empty() || m.find("archive 'test.archive'") == 0));
}

TEST_CASE("archive: formats by name, and files that cannot be opened") {
    CHECK(parse_archive_format("xml") == archive_format::xml);
    CHECK(parse_archive_format("binary") == archive_format::binary);
    CHECK_FALSE(parse_archive_format("json"));
    CHECK(to_string(archive_format::text) == "text");
    funnel f = funnel::standard();
    CHECK_THROWS_WITH_AS(load_archive_file("/nonexistent/dir/f.xml", f, archive_format::xml),
                         doctest::Contains("archive '/nonexistent/dir/f.xml': cannot open"), archive_error);
}

} // namespace test_archive
