// CSV import and export. Expected places ("file:line:column") are counted by hand from the inputs:
// lines and columns are 1-based, a column is the byte column of the bad cell (or byte) in its physical line.

#include "leadscore/io/csv.hpp"
#include "leadscore/io/history_csv.hpp"

#include <doctest/doctest.h>

#include <malloc.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <sstream>
#include <string>

// Heap bytes in use and their peak, for the tests of what a wide header costs. A sanitizer owns the allocator (its
// operator new variants would be freed by a replaced operator delete): there the sanitizer's allocation hooks count.
// Elsewhere this test program's global operator new and delete count the bytes they hand out (as
// malloc_usable_size, so that an unsized delete is counted too).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LEADSCORE_TEST_SANITIZED_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LEADSCORE_TEST_SANITIZED_HEAP 1
#endif
#endif

namespace test_csv_heap {
std::atomic<std::size_t> in_use{0}, peak{0};
void allocated(std::size_t n) noexcept {
    const std::size_t now = in_use.fetch_add(n, std::memory_order_relaxed) + n;
    std::size_t old = peak.load(std::memory_order_relaxed);
    while (now > old && !peak.compare_exchange_weak(old, now, std::memory_order_relaxed)) {
    }
}
void freed(std::size_t n) noexcept { in_use.fetch_sub(n, std::memory_order_relaxed); }
} // namespace test_csv_heap

#ifdef LEADSCORE_TEST_SANITIZED_HEAP
#include <sanitizer/allocator_interface.h>
namespace test_csv_heap {
void on_malloc(const volatile void*, std::size_t size) { allocated(size); }
void on_free(const volatile void* p) { freed(__sanitizer_get_allocated_size(const_cast<const void*>(p))); }
const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
} // namespace test_csv_heap
#else
void* operator new(std::size_t n) {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (p == nullptr) throw std::bad_alloc();
    test_csv_heap::allocated(malloc_usable_size(p));
    return p;
}
void operator delete(void* p) noexcept {
    if (p == nullptr) return;
    test_csv_heap::freed(malloc_usable_size(p));
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
#endif

namespace test_csv {

using namespace leadscore;

namespace {

csv_options collect() {
    csv_options o;
    o.errors = error_mode::collect;
    return o;
}

std::string text_at(const lead_table& t, std::size_t col, std::size_t row) {
    const auto code = t.codes(col)[row];
    return code == missing_code ? std::string("<missing>") : std::string(t.dict(col)[code]);
}

/// The message of the input_error read_csv throws, or "" when it throws none.
std::string error_of(std::string_view text, const csv_options& options = {}) {
    try {
        (void)read_csv(text, options, "t.csv");
    } catch (const input_error& e) {
        return e.what();
    }
    return "";
}

timestamp date(int y, unsigned m, unsigned d) {
    return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

} // namespace

TEST_CASE("csv: a plain file infers numeric and categorical columns") {
    const auto r = read_csv("id,score,team\na,1.5,x\nb,-2e3,y\nc,.25,x\n");
    const auto& t = r.table;
    REQUIRE(t.rows() == 3);
    CHECK(r.rows_read == 3);
    CHECK(r.rejected.empty());
    const auto& s = t.table_schema();
    REQUIRE(s.size() == 3);
    CHECK(s[0] == field{"id", field_type::categorical, field_role::none});
    CHECK(s[1] == field{"score", field_type::numeric, field_role::none});
    CHECK(s[2] == field{"team", field_type::categorical, field_role::none});
    CHECK(t.numeric(1)[0] == 1.5);
    CHECK(t.numeric(1)[1] == -2000.0);
    CHECK(t.numeric(1)[2] == 0.25);
    CHECK(t.dict(2).size() == 2); // x, y
    CHECK(t.codes(2)[0] == t.codes(2)[2]);
    CHECK(text_at(t, 0, 2) == "c");
}

TEST_CASE("csv: quoting") {
    SUBCASE("a quoted delimiter stays in the cell") {
        const auto t = read_csv("name,city\n\"Smith, J\",Paris\n").table;
        REQUIRE(t.rows() == 1);
        CHECK(text_at(t, 0, 0) == "Smith, J");
        CHECK(text_at(t, 1, 0) == "Paris");
    }
    SUBCASE("doubled quotes are one quote") {
        const auto t = read_csv("a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n").table;
        CHECK(text_at(t, 0, 0) == "say \"hi\"");
        CHECK(text_at(t, 1, 0) == "\"");
    }
    SUBCASE("quoted numbers are numbers") {
        const auto t = read_csv("a\n\"1.5\"\n\"2\"\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        CHECK(t.numeric(0)[0] == 1.5);
    }
    SUBCASE("a quote inside an unquoted cell is text") {
        const auto t = read_csv("a,b\n5\" disk,1\n").table;
        CHECK(text_at(t, 0, 0) == "5\" disk");
    }
    SUBCASE("newlines inside quotes, and the line numbers after them") {
        const std::string text = "a,b\n"          // line 1
                                 "\"x\ny\",1\n"   // lines 2-3
                                 "\"p\r\nq\",2\n" // lines 4-5
                                 "z,3,extra\n";   // line 6: the extra cell starts at byte 5
        const auto r = read_csv(text, collect(), "t.csv");
        REQUIRE(r.table.rows() == 2);
        CHECK(text_at(r.table, 0, 0) == "x\ny");
        CHECK(text_at(r.table, 0, 1) == "p\r\nq");
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.line == 6);
        CHECK(r.rejected[0].where.column == 5);
        CHECK(error_of(text).find("t.csv:6:5: expected 2 fields, found 3") != std::string::npos);
    }
    SUBCASE("a bad cell on the second line of a record is placed on that line") {
        csv_options o;
        o.fields = schema({{"a", field_type::categorical}, {"b", field_type::numeric}});
        // line 2 holds `"x` and line 3 holds `y",zz`: the bad number starts at byte 4 of line 3.
        CHECK(error_of("a,b\n\"x\ny\",zz\n", o).find("t.csv:3:4 (field 'b'): 'zz' is not a number") !=
              std::string::npos);
        o.errors = error_mode::collect; // a rejected row names the same place
        const auto r = read_csv("a,b\n\"x\ny\",zz\n", o, "t.csv");
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.line == 3);
        CHECK(r.rejected[0].where.column == 4);
        CHECK(r.rejected[0].where.field == "b");
        CHECK(r.table.rows() == 0);
    }
}

TEST_CASE("csv: line ends, byte order mark and the last line") {
    SUBCASE("CRLF") {
        const auto t = read_csv("a,b\r\n1,x\r\n2,y\r\n").table;
        REQUIRE(t.rows() == 2);
        CHECK(t.numeric(0)[1] == 2.0);
        CHECK(text_at(t, 1, 1) == "y"); // no CR left in the last cell
        CHECK(t.table_schema()[1].name == "b");
    }
    SUBCASE("a CR not before LF is text") {
        const auto t = read_csv("a,b\nx\ry,1\n").table;
        CHECK(text_at(t, 0, 0) == "x\ry");
    }
    SUBCASE("UTF-8 byte order mark") {
        const auto t = read_csv("\xEF\xBB\xBFid,v\nk,1\n").table;
        CHECK(t.table_schema()[0].name == "id");
        // Columns on line 1 are counted after the mark: the empty name starts at byte 4.
        CHECK(error_of("\xEF\xBB\xBF"
                       "id,,v\n")
                  .find("t.csv:1:4: header: column 2 has an empty name") != std::string::npos);
    }
    SUBCASE("final line with or without a line break") {
        for (const char* text : {"a,b\n1,2\n3,4", "a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4\r"}) {
            const auto r = read_csv(text);
            CHECK(r.table.rows() == 2);
            CHECK(r.rows_read == 2);
            CHECK(r.table.numeric(1)[1] == 4.0);
        }
    }
    SUBCASE("a trailing delimiter makes an empty last cell") {
        const auto t = read_csv("a,b\n1,\n").table;
        CHECK(t.rows() == 1);
        CHECK(t.codes(1)[0] == missing_code);
    }
}

TEST_CASE("csv: blank lines are skipped but counted as lines") {
    const std::string text = "a,b\n"   // 1
                             "\n"      // 2
                             "1,2\n"   // 3
                             "\r\n"    // 4
                             "3\n"     // 5: one field short; the cell would start after byte 1
                             "\n"      // 6
                             "5,6\n\n"; // 7, 8
    const auto r = read_csv(text, collect(), "t.csv");
    CHECK(r.table.rows() == 2);
    CHECK(r.rows_read == 3);
    REQUIRE(r.rejected.size() == 1);
    CHECK(r.rejected[0].where.line == 5);
    CHECK(r.rejected[0].where.column == 2);
    CHECK(r.rejected[0].where.field == "b");
    CHECK(error_of(text).find("t.csv:5:2 (field 'b'): expected 2 fields, found 1") != std::string::npos);
    SUBCASE("blank lines before the header") {
        const auto t = read_csv("\n\r\nx\n1\n").table;
        CHECK(t.table_schema()[0].name == "x");
        CHECK(t.rows() == 1);
    }
}

TEST_CASE("csv: delimiters") {
    SUBCASE("explicit semicolon and tab") {
        csv_options o;
        o.delimiter = ';';
        auto t = read_csv("a;b\n1,5;x\n", o).table; // a comma is text here
        CHECK(text_at(t, 0, 0) == "1,5");
        o.delimiter = '\t';
        t = read_csv("a\tb\n1\tx y\n", o).table;
        CHECK(t.numeric(0)[0] == 1.0);
        CHECK(text_at(t, 1, 0) == "x y");
    }
    SUBCASE("auto-detection from the header") {
        CHECK(read_csv("a;b;c\n1;2;3\n").table.table_schema().size() == 3);
        CHECK(read_csv("a\tb\n1\t2\n").table.table_schema().size() == 2);
        CHECK(read_csv("a,b\n1,2\n").table.table_schema().size() == 2);
        // Outside quotes the header has one ',' and no ';'.
        const auto t = read_csv("\"x;y;z\",b\n1,2\n").table;
        CHECK(t.table_schema()[0].name == "x;y;z");
        // A tie goes to ','.
        CHECK(read_csv("a,b;c\n1,2;3\n").table.table_schema()[1].name == "b;c");
        // One column: no delimiter at all.
        CHECK(read_csv("a\n1\n").table.table_schema().size() == 1);
    }
    SUBCASE("a delimiter that cannot work is refused") {
        csv_options o;
        o.delimiter = '"';
        CHECK_THROWS_AS((void)read_csv("a\n", o), definition_error);
    }
}

TEST_CASE("csv: missing tokens") {
    SUBCASE("defaults: empty and NA") {
        const auto t = read_csv("n,c\n1,x\nNA,NA\n,\n\"\",\"\"\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        CHECK(std::isnan(t.numeric(0)[1]));
        CHECK(std::isnan(t.numeric(0)[2]));
        CHECK(std::isnan(t.numeric(0)[3]));
        CHECK(t.codes(1)[1] == missing_code);
        CHECK(t.codes(1)[3] == missing_code); // quoted empty cell
        CHECK(t.dict(1).size() == 1);
    }
    SUBCASE("custom tokens") {
        csv_options o;
        o.missing_tokens = {"", "NA", "Select", "unknown"};
        const auto t = read_csv("source,age\nSelect,unknown\nWeb,30\n", o).table;
        CHECK(t.table_schema()[1].type == field_type::numeric);
        CHECK(t.codes(0)[0] == missing_code);
        CHECK(text_at(t, 0, 1) == "Web");
        CHECK(t.dict(0).size() == 1);
        CHECK(std::isnan(t.numeric(1)[0]));
    }
    SUBCASE("without \"\" as a token an empty cell is an empty text") {
        csv_options o;
        o.missing_tokens = {"NA"};
        const auto t = read_csv("c,d\n,\"\"\nx,NA\n", o).table;
        CHECK(text_at(t, 0, 0).empty());
        CHECK(text_at(t, 1, 0).empty());
        CHECK(t.codes(1)[1] == missing_code);
    }
    SUBCASE("tokens are compared exactly") {
        const auto t = read_csv("c\nna\n NA\n").table;
        CHECK(text_at(t, 0, 0) == "na");
        CHECK(text_at(t, 0, 1) == " NA");
    }
}

TEST_CASE("csv: type inference") {
    SUBCASE("timestamps") {
        const auto t = read_csv("created,n\n2023-01-05,1\n,2\n2023-01-06 10:30:00,3\n2023-01-07T00:00:01Z,4\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::timestamp);
        const auto ts = t.timestamps(0);
        CHECK(ts[0] == to_seconds(date(2023, 1, 5)));
        CHECK(ts[1] == missing_time);
        CHECK(ts[2] == to_seconds(date(2023, 1, 6)) + 10 * 3600 + 30 * 60);
        CHECK(ts[3] == to_seconds(date(2023, 1, 7)) + 1);
    }
    SUBCASE("an impossible date makes the column categorical") {
        const auto t = read_csv("d\n2023-02-28\n2023-02-30\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::categorical);
        CHECK(text_at(t, 0, 0) == "2023-02-28");
        CHECK(text_at(t, 0, 1) == "2023-02-30");
    }
    SUBCASE("a late non-number turns a numeric column categorical with the original texts") {
        const auto t = read_csv("v,w\n1.50,a\nNA,b\n007,c\n\"1,5\",d\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::categorical);
        CHECK(text_at(t, 0, 0) == "1.50");
        CHECK(text_at(t, 0, 1) == "<missing>");
        CHECK(text_at(t, 0, 2) == "007");
        CHECK(text_at(t, 0, 3) == "1,5");
        CHECK(t.dict(0).size() == 3);
        CHECK(t.codes(0)[0] == 0); // first-seen order is kept
        CHECK(text_at(t, 1, 3) == "d");
    }
    SUBCASE("several columns turning categorical, on the same row and on later ones") {
        const auto t = read_csv("v,w,x\n1,2023-01-01,5\n2,,6\nn/a,bad,7\n3,2023-01-03,x\n").table;
        const auto& s = t.table_schema();
        REQUIRE(s[0].type == field_type::categorical);
        REQUIRE(s[1].type == field_type::categorical);
        REQUIRE(s[2].type == field_type::categorical);
        for (std::size_t row = 0; row < 4; ++row) {
            CAPTURE(row);
            CHECK(text_at(t, 0, row) == std::array{"1", "2", "n/a", "3"}[row]);
            CHECK(text_at(t, 1, row) == std::array{"2023-01-01", "<missing>", "bad", "2023-01-03"}[row]);
            CHECK(text_at(t, 2, row) == std::array{"5", "6", "7", "x"}[row]);
        }
        CHECK(t.codes(2)[3] == 3); // first-seen order: 5, 6, 7, x
    }
    SUBCASE("turning categorical skips rejected rows and blank lines, and reads multi-line cells") {
        const std::string text = "v,w\n"
                                 "1,\"a\nb\"\n" // a cell over two lines
                                 "\n"
                                 "2\n"       // rejected: one field short
                                 "3,c,extra\n" // rejected: one field too many
                                 "\"4\",\"d\"\"\"\n"
                                 "x,e\n";    // v is not a number after all
        const auto r = read_csv(text, collect());
        REQUIRE(r.rejected.size() == 2);
        const auto& t = r.table;
        REQUIRE(t.rows() == 3);
        REQUIRE(t.table_schema()[0].type == field_type::categorical);
        CHECK(text_at(t, 0, 0) == "1");
        CHECK(text_at(t, 0, 1) == "4");
        CHECK(text_at(t, 0, 2) == "x");
        CHECK(text_at(t, 1, 0) == "a\nb");
        CHECK(text_at(t, 1, 1) == "d\"");
    }
    SUBCASE("booleans: only the words true and false") {
        const auto t = read_csv("flag,answer,code\nTrue,yes,1\n,no,0\nFALSE,yes,1\n").table;
        const auto& s = t.table_schema();
        REQUIRE(s[0].type == field_type::boolean);
        CHECK(t.booleans(0)[0] == 1);
        CHECK(t.booleans(0)[1] == missing_flag);
        CHECK(t.booleans(0)[2] == 0);
        CHECK(s[1].type == field_type::categorical); // yes/no answers stay text
        CHECK(s[2].type == field_type::numeric);     // 0/1 codes stay numbers
        const auto mixed = read_csv("flag\ntrue\nfalse\nmaybe\n").table;
        REQUIRE(mixed.table_schema()[0].type == field_type::categorical);
        CHECK(text_at(mixed, 0, 0) == "true");
        CHECK(text_at(mixed, 0, 2) == "maybe");
    }
    SUBCASE("nan in any case is a missing number; inf is text to inference") {
        const auto t = read_csv("v,w\n1,NaN\nNaN,2\nnan,nan\n -NAN ,3\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        REQUIRE(t.table_schema()[1].type == field_type::numeric); // a nan first settles numeric too
        CHECK(t.numeric(0)[0] == 1);
        CHECK(std::isnan(t.numeric(0)[1]));
        CHECK(std::isnan(t.numeric(0)[2]));
        CHECK(std::isnan(t.numeric(0)[3]));
        CHECK(std::isnan(t.numeric(1)[0]));
        CHECK(t.numeric(1)[1] == 2);
        CHECK(std::isnan(t.numeric(1)[2]));
        CHECK(t.numeric(1)[3] == 3);
        CHECK(read_csv("v\nnan\nx\n").table.table_schema()[0].type == field_type::categorical); // then text
        CHECK(text_at(read_csv("v\nnan\nx\n").table, 0, 0) == "nan");
        CHECK(read_csv("v\nnan(1)\n").table.table_schema()[0].type == field_type::categorical);
        CHECK(read_csv("v\n1\ninf\n").table.table_schema()[0].type == field_type::categorical);
        CHECK(read_csv("v\n-Infinity\n").table.table_schema()[0].type == field_type::categorical);
    }
    SUBCASE("spaces around a number are ignored, text keeps them") {
        const auto t = read_csv("v,c\n 12 ,  a\n3,b\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        CHECK(t.numeric(0)[0] == 12.0);
        CHECK(text_at(t, 1, 0) == "  a");
    }
    SUBCASE("numbers below the smallest double read as zero, above the largest are text") {
        auto t = read_csv("v\n1e-400\n-1e-400\n5\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        CHECK(t.numeric(0)[0] == 0.0);
        CHECK(std::signbit(t.numeric(0)[1]));
        CHECK(read_csv("v\n1e400\n").table.table_schema()[0].type == field_type::categorical);
        CHECK(read_csv("v\n-0.0001e99999999999999999999\n").table.table_schema()[0].type == field_type::categorical);
        t = read_csv("v\n0." + std::string(400, '0') + "1\n12" + std::string(20, '0') + "e-9999999999999999\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        CHECK(t.numeric(0)[0] == 0.0);
        CHECK(t.numeric(0)[1] == 0.0);
        CHECK(read_csv("v\n1" + std::string(400, '0') + "\n").table.table_schema()[0].type == field_type::categorical);
    }
    SUBCASE("an all-missing column is categorical") {
        const auto t = read_csv("a,b\n1,\n2,NA\n").table;
        REQUIRE(t.table_schema()[1].type == field_type::categorical);
        CHECK(t.codes(1)[0] == missing_code);
        CHECK(t.codes(1)[1] == missing_code);
        CHECK(t.dict(1).empty());
    }
    SUBCASE("missing values before the first present one") {
        const auto t = read_csv("a,b\nNA,x\n,y\n4,z\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        CHECK(std::isnan(t.numeric(0)[0]));
        CHECK(std::isnan(t.numeric(0)[1]));
        CHECK(t.numeric(0)[2] == 4.0);
    }
    SUBCASE("a timestamp column meeting a number is categorical") {
        const auto t = read_csv("a\n2023-01-01\n17\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::categorical);
        CHECK(text_at(t, 0, 0) == "2023-01-01");
        CHECK(text_at(t, 0, 1) == "17");
    }
}

TEST_CASE("csv: numeric_lookalikes names the texts that kept a mostly numeric column categorical") {
    // age: 6 present cells, 4 numbers (one of them nan, blanks around another), 'unknown' twice and 'n/a' once;
    // code: 2 numbers of 4 present (not more than half); city: no numbers; score: all numbers.
    const auto t = read_csv("age,code,city,score\n"
                            "31,1,Oslo,1\n"
                            "unknown,a,Rome,2\n"
                            " 40 ,2,Oslo,3\n"
                            ",b,,4\n"
                            "n/a,,Bern,5\n"
                            "nan,,,6\n"
                            "unknown,,,7\n"
                            "12.5,,,8\n")
                       .table;
    REQUIRE(t.table_schema()[0].type == field_type::categorical);
    const auto found = numeric_lookalikes(t.view());
    REQUIRE(found.size() == 1);
    CHECK(found[0].field == "age");
    CHECK(found[0].present == 7);
    CHECK(found[0].odd == 3);
    REQUIRE(found[0].texts.size() == 2);
    CHECK(found[0].texts[0].text == "unknown");
    CHECK(found[0].texts[0].cells == 2);
    CHECK(found[0].texts[0].first_row == 1);
    CHECK(found[0].texts[1].text == "n/a");
    CHECK(found[0].texts[1].cells == 1);
    CHECK(found[0].texts[1].first_row == 4);
    CHECK(numeric_lookalikes(t.view(), 1)[0].texts.size() == 1);
    // Read with "unknown" and "n/a" as missing tokens, the column is numeric and nothing is reported.
    csv_options o;
    o.missing_tokens = {"", "NA", "unknown", "n/a"};
    const auto again = read_csv("age\n31\nunknown\nn/a\nnan\n", o).table;
    CHECK(again.table_schema()[0].type == field_type::numeric);
    CHECK(numeric_lookalikes(again.view()).empty());
}

TEST_CASE("csv: header only and empty input") {
    SUBCASE("a header alone gives zero rows") {
        for (const char* text : {"a,b\n", "a,b"}) {
            const auto r = read_csv(text);
            CHECK(r.table.rows() == 0);
            CHECK(r.rows_read == 0);
            REQUIRE(r.table.table_schema().size() == 2);
            CHECK(r.table.table_schema()[1].type == field_type::categorical);
        }
    }
    SUBCASE("empty input throws even when collecting") {
        for (const char* text : {"", "\n\n", "\xEF\xBB\xBF", "\r\n"}) {
            CHECK_THROWS_AS((void)read_csv(text, collect(), "t.csv"), input_error);
            CHECK(error_of(text).find("t.csv: empty input") == 0);
        }
    }
}

TEST_CASE("csv: bad header") {
    SUBCASE("duplicate column name") {
        CHECK(error_of("a,b,a\n1,2,3\n").find("t.csv:1:5 (field 'a'): header: column name 'a' appears twice") !=
              std::string::npos);
        CHECK_THROWS_AS((void)read_csv("a,b,a\n", collect()), input_error);
    }
    SUBCASE("empty column name") {
        CHECK(error_of("a,,b\n").find("t.csv:1:3: header: column 2 has an empty name") != std::string::npos);
        CHECK(error_of("a,\"\"\n").find("t.csv:1:3:") != std::string::npos);
        CHECK_THROWS_AS((void)read_csv("a,b,\n", collect()), input_error);
    }
    SUBCASE("unterminated quote in the header") {
        CHECK(error_of("a,\"b\n1,2\n").find("t.csv:1:3: unterminated") != std::string::npos);
    }
    SUBCASE("invalid UTF-8 in the header") {
        CHECK(error_of("ab,c\xFF\n").find("t.csv:1:5: header: invalid UTF-8 (byte 0xFF)") != std::string::npos);
    }
}

TEST_CASE("csv: bad rows, fail fast and collect") {
    struct bad_case {
        const char* name;
        std::string text;
        std::string place;  // expected "file:line:col (field)" prefix of the message
        std::string reason; // expected part of the reason
        std::size_t line, column;
        std::size_t good_rows;
    };
    // Each text: a header, a good row on line 2, the bad row on line 3, a good row on line 4.
    const bad_case cases[] = {
        {"an unterminated quote ends its row with its line", "a,b\n1,2\n3,\"oops\n4,5\n", "t.csv:3:3 (field 'b')",
         "unterminated quoted cell", 3, 3, 2},
        {"text after a closing quote", "a,b\n1,2\n\"x\"y,2\n4,5\n", "t.csv:3:4 (field 'a')",
         "unexpected text after the closing quote", 3, 4, 2},
        {"too few fields", "a,b,c\n1,2,3\n4,5\n6,7,8\n", "t.csv:3:4 (field 'c')", "expected 3 fields, found 2", 3,
         4, 2},
        {"too many fields", "a,b\n1,2\n3,4,5\n6,7\n", "t.csv:3:5:", "expected 2 fields, found 3", 3, 5, 2},
        {"stray continuation byte", "a,b\n1,2\nx\x80y,4\n5,6\n", "t.csv:3:2 (field 'a')",
         "invalid UTF-8 (byte 0x80)", 3, 2, 2},
        {"overlong two-byte form", "a,b\n1,2\nok,x\xC0\xAFy\n5,6\n", "t.csv:3:5 (field 'b')",
         "invalid UTF-8 (byte 0xC0)", 3, 5, 2},
        {"overlong three-byte form", "a,b\n1,2\n\xE0\x80\xAF,1\n5,6\n", "t.csv:3:1 (field 'a')",
         "invalid UTF-8 (byte 0xE0)", 3, 1, 2},
        {"surrogate", "a,b\n1,2\n1,\xED\xA0\x80\n5,6\n", "t.csv:3:3 (field 'b')", "invalid UTF-8 (byte 0xED)", 3, 3, 2},
        {"above U+10FFFF", "a,b\n1,2\n1,\xF4\x90\x80\x80\n5,6\n", "t.csv:3:3 (field 'b')", "invalid UTF-8 (byte 0xF4)",
         3, 3, 2},
        {"truncated sequence at the end of a cell", "a,b\n1,2\nab\xE2\x82,1\n5,6\n", "t.csv:3:3 (field 'a')",
         "invalid UTF-8 (byte 0xE2)", 3, 3, 2},
        {"byte F5", "a,b\n1,2\n1,\"\xF5\"\n5,6\n", "t.csv:3:4 (field 'b')", "invalid UTF-8 (byte 0xF5)", 3, 4, 2},
        {"the earliest fault wins", "a,b\n1,2\n\xFF,\"x\"y,9\n5,6\n", "t.csv:3:1 (field 'a')", "invalid UTF-8", 3, 1,
         2},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const std::string message = error_of(c.text);
        CHECK(message.find(c.place) == 0);
        CHECK(message.find(c.reason) != std::string::npos);
        const auto r = read_csv(c.text, collect(), "t.csv");
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.file == "t.csv");
        CHECK(r.rejected[0].where.line == c.line);
        CHECK(r.rejected[0].where.column == c.column);
        CHECK(r.rejected[0].reason.find(c.reason) != std::string::npos);
        CHECK(r.table.rows() == c.good_rows);
        CHECK(r.rows_read == r.table.rows() + r.rejected.size());
    }
}

TEST_CASE("csv: valid multi-byte UTF-8 is accepted") {
    // U+00E9, U+20AC, U+1F600, then U+FFFD followed by U+10FFFF (the largest code point).
    const auto t =
        read_csv("name,v\ncaf\xC3\xA9,1\n\xE2\x82\xAC,2\n\xF0\x9F\x98\x80,3\n\xEF\xBF\xBD\xF4\x8F\xBF\xBF,4\n").table;
    REQUIRE(t.rows() == 4);
    CHECK(text_at(t, 0, 0) == "caf\xC3\xA9");
    CHECK(text_at(t, 0, 2) == "\xF0\x9F\x98\x80");
}

TEST_CASE("csv: collect mode keeps going and loses no row") {
    const std::string text = "a,b\n"   // 1
                             "1,2\n"   // 2
                             "3\n"     // 3 bad: too few
                             "4,5\n"   // 4
                             "6,7,8\n" // 5 bad: too many
                             "9,\xFF\n" // 6 bad: UTF-8
                             "10,11\n" // 7
                             "12,\"13\n" // 8 bad: unterminated, ends with its line
                             "14,15\n"; // 9
    const auto r = read_csv(text, collect(), "t.csv");
    CHECK(r.rows_read == 8);
    CHECK(r.table.rows() == 4);
    CHECK(r.table.numeric(0)[3] == 14.0);
    REQUIRE(r.rejected.size() == 4);
    CHECK(r.rejected[0].where.line == 3);
    CHECK(r.rejected[1].where.line == 5);
    CHECK(r.rejected[2].where.line == 6);
    CHECK(r.rejected[3].where.line == 8);
    CHECK(r.rejected[3].where.column == 4);
    CHECK(r.table.numeric(0)[2] == 10.0);
    CHECK(r.table.table_schema()[0].type == field_type::numeric);
}

TEST_CASE("csv: explicit schema") {
    const schema s({{"id", field_type::categorical, field_role::id},
                    {"created", field_type::timestamp, field_role::created},
                    {"value", field_type::numeric, field_role::expected_value},
                    {"won", field_type::boolean, field_role::outcome}});
    csv_options o;
    o.fields = s;

    SUBCASE("fields keep their roles and order, whatever the header order") {
        const auto r = read_csv("won,value,id,created\n"
                                "Yes,1000,L1,2023-03-01\n"
                                "no,,L2,\n"
                                "1, 7.5 ,7,2023-03-02 12:00:00\n"
                                "FALSE,NaN,L4,2023-03-03\n"
                                ",NA,,\n",
                                o);
        const auto& t = r.table;
        REQUIRE(t.rows() == 5);
        CHECK(t.table_schema() == s);
        CHECK(t.table_schema()[0].role == field_role::id);
        CHECK(text_at(t, 0, 2) == "7"); // a categorical field keeps digits as text
        CHECK(t.timestamps(1)[0] == to_seconds(date(2023, 3, 1)));
        CHECK(t.timestamps(1)[1] == missing_time);
        CHECK(t.timestamps(1)[2] == to_seconds(date(2023, 3, 2)) + 12 * 3600);
        CHECK(t.numeric(2)[0] == 1000.0);
        CHECK(std::isnan(t.numeric(2)[1]));
        CHECK(t.numeric(2)[2] == 7.5);
        CHECK(std::isnan(t.numeric(2)[3])); // NaN is missing, as an empty cell
        const auto won = t.booleans(3);
        CHECK(won[0] == 1);
        CHECK(won[1] == 0);
        CHECK(won[2] == 1);
        CHECK(won[3] == 0);
        CHECK(won[4] == missing_flag);
        CHECK(t.codes(0)[4] == missing_code);
    }
    SUBCASE("an infinite number is an error naming line and field, as one beyond the largest double is") {
        for (const char* text : {"inf", "-inf", "Infinity", "-INFINITY", "1e309", "-1e400", "nan(1)"}) {
            CAPTURE(text);
            CHECK(error_of("won,value,id,created\nYes,7,L1,\nno," + std::string(text) + ",L2,\n", o)
                      .find("t.csv:3:4 (field 'value'): '" + std::string(text) + "' is not a number") == 0);
        }
    }
    SUBCASE("a schema field missing from the header") {
        CHECK(error_of("id,created,value\n", o).find("t.csv:1 (field 'won'): header: schema field 'won' is missing") ==
              0);
    }
    SUBCASE("a header column the schema lacks") {
        const std::string text = "id,created,extra,value,won\nL1,2023-01-01,zzz,1,true\n";
        CHECK(error_of(text, o).find("t.csv:1:12 (field 'extra'): header: column 'extra' is not in the schema") == 0);
        o.ignore_extra_columns = true;
        const auto t = read_csv(text, o).table;
        CHECK(t.table_schema() == s);
        CHECK(t.rows() == 1);
        CHECK(t.numeric(2)[0] == 1.0);
    }
    SUBCASE("bad typed cells") {
        const std::string head = "id,created,value,won\nL1,2023-01-01,1,true\n"; // lines 1-2
        struct bad_cell {
            std::string row;
            std::string message;
        };
        const bad_cell cases[] = {
            {"L2,2023-01-02,12x,true\n", "t.csv:3:15 (field 'value'): '12x' is not a number"},
            {"L2,2023-01-02,,maybe\n", "t.csv:3:16 (field 'won'): 'maybe' is not a boolean"},
            {"L2,2023-02-30,1,true\n", "t.csv:3:4 (field 'created'): '2023-02-30' is not a timestamp"},
            {"L2,\"2023-01-02\",1,\"2\"\n", "t.csv:3:19 (field 'won'): '2' is not a boolean"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.row);
            const std::string text = head + c.row + "L3,2023-01-03,3,no\n";
            CHECK(error_of(text, o).find(c.message) == 0);
            o.errors = error_mode::collect;
            const auto r = read_csv(text, o, "t.csv");
            o.errors = error_mode::fail_fast;
            REQUIRE(r.rejected.size() == 1);
            CHECK(r.rejected[0].where.line == 3);
            CHECK(r.table.rows() == 2);
            CHECK(text_at(r.table, 0, 1) == "L3"); // the bad row left no value behind
            CHECK(r.table.numeric(2)[1] == 3.0);
            CHECK(r.table.booleans(3)[1] == 0);
        }
    }
}

TEST_CASE("csv: write and read back") {
    const schema s({{"id", field_type::categorical, field_role::id},
                    {"x", field_type::numeric},
                    {"flag", field_type::boolean},
                    {"at", field_type::timestamp},
                    {"note", field_type::categorical}});
    lead_table t(s);
    const double nan = std::nan("");
    t.column(0) = categorical_column{};
    auto& ids = std::get<categorical_column>(t.column(0));
    for (const char* id : {"a", "b,c", "say \"x\"", "line\nbreak", "cr\r\nlf"})
        ids.codes.push_back(ids.dict.intern(id));
    ids.codes.push_back(missing_code);
    std::get<numeric_column>(t.column(1)).values = {0.1, 1.0 / 3.0, -1e-300, 1e300, nan, -2.5};
    std::get<boolean_column>(t.column(2)).values = {1, 0, missing_flag, 1, 0, 1};
    std::get<timestamp_column>(t.column(3)).values = {to_seconds(date(2023, 1, 2)), to_seconds(date(1999, 12, 31)) + 59,
                                                      missing_time, 0, to_seconds(date(2024, 2, 29)) + 3600, 1};
    auto& notes = std::get<categorical_column>(t.column(4));
    for (const char* n : {"caf\xC3\xA9", " padded ", "a;b", "tab\there", "x", "y"})
        notes.codes.push_back(notes.dict.intern(n));
    t.finish_rows();

    for (const char delimiter : {',', ';', '\t'}) {
        CAPTURE(delimiter);
        std::ostringstream out;
        write_csv(out, t.view(), delimiter);
        csv_options o;
        o.fields = s;
        o.delimiter = delimiter;
        const auto back = read_csv(out.str(), o);
        CHECK(back.table == t);
        csv_options detect; // the delimiter is found again, types inferred
        detect.fields = s;
        CHECK(read_csv(out.str(), detect).table == t);
    }

    SUBCASE("the written text") {
        std::ostringstream out;
        write_csv(out, t.view());
        const std::string text = out.str();
        CHECK(text.starts_with("id,x,flag,at,note\na,0.1,true,2023-01-02,caf\xC3\xA9\n"));
        CHECK(text.find("\"b,c\",0.3333333333333333,false,1999-12-31T00:00:59Z, padded \n") != std::string::npos);
        CHECK(text.find("\"say \"\"x\"\"\",-1e-300,,,a;b\n") != std::string::npos);
        CHECK(text.find("\"cr\r\nlf\",,false,2024-02-29T01:00:00Z,x\n") != std::string::npos);
        CHECK(text.ends_with("\n,-2.5,true,1970-01-01T00:00:01Z,y\n"));
    }
    SUBCASE("a one-column table writes a missing value as \"\" so the line is not blank") {
        lead_table one(schema({{"v", field_type::numeric}}));
        std::get<numeric_column>(one.column(0)).values = {1.5, nan, 2.0};
        one.finish_rows();
        std::ostringstream out;
        write_csv(out, one.view());
        CHECK(out.str() == "v\n1.5\n\"\"\n2\n");
        csv_options o;
        o.fields = one.table_schema();
        CHECK(read_csv(out.str(), o).table == one);
    }
    SUBCASE("a first column name starting with U+FEFF is not taken for a byte order mark") {
        lead_table odd(schema({{"\xEF\xBB\xBFid", field_type::categorical}}));
        auto& k = std::get<categorical_column>(odd.column(0));
        k.codes = {k.dict.intern("\xEF\xBB\xBF")};
        odd.finish_rows();
        std::ostringstream out;
        write_csv(out, odd.view());
        CHECK(out.str() == "\"\xEF\xBB\xBFid\"\n\xEF\xBB\xBF\n");
        csv_options o;
        o.fields = odd.table_schema();
        CHECK(read_csv(out.str(), o).table == odd);
        CHECK(read_csv("\xEF\xBB\xBF" + out.str(), o).table == odd); // with a real mark in front too
    }
    SUBCASE("files") {
        const auto path = std::filesystem::temp_directory_path() / "leadscore_test_csv_roundtrip.csv";
        write_csv_file(path, t.view());
        csv_options o;
        o.fields = s;
        const auto back = read_csv_file(path, o);
        std::filesystem::remove(path);
        CHECK(back.table == t);
    }
}

TEST_CASE("csv: file errors name the file") {
    const auto path = std::filesystem::temp_directory_path() / "leadscore_no_such_dir" / "leads.csv";
    try {
        (void)read_csv_file(path);
        FAIL("no exception");
    } catch (const input_error& e) {
        CHECK(std::string(e.what()).starts_with(path.string() + ": cannot open"));
    }
    const auto bad = std::filesystem::temp_directory_path() / "leadscore_test_csv_bad.csv";
    {
        std::ofstream out(bad, std::ios::binary);
        out << "a,b\n1,2\n3\n";
    }
    try {
        (void)read_csv_file(bad);
        FAIL("no exception");
    } catch (const input_error& e) {
        CHECK(std::string(e.what()).starts_with(bad.string() + ":3:2 (field 'b')"));
    }
    std::filesystem::remove(bad);
}

// The reader classifies the input 64 bytes at a time, compares and parses texts of up to eight bytes as whole
// words, and skips UTF-8 validation of records whose blocks hold no byte above 0x7F. The cases below move cells,
// faults and multi-byte characters across every offset in a block, so that a shortcut that differed from the
// byte-by-byte rules would fail here.
TEST_CASE("csv: cells and faults at every offset of a block") {
    SUBCASE("cells of every length and position") {
        // Row k: a text of k bytes, a number, a quoted cell with a delimiter and a doubled quote, a code, CRLF.
        std::string text = "pad,n,q,c\r\n";
        for (std::size_t k = 0; k < 140; ++k)
            text += std::string(k, 'x') + "," + std::to_string(k) + ".5,\"a,\"\"" + std::string(k % 11, 'q') +
                    "\"\"\",c" + std::to_string(k % 3) + "\r\n";
        csv_options o;
        o.missing_tokens = {"NA"}; // so that the empty text of row 0 is a text
        const auto t = read_csv(text, o).table;
        REQUIRE(t.rows() == 140);
        REQUIRE(t.table_schema()[1].type == field_type::numeric);
        for (std::size_t k = 0; k < 140; ++k) {
            CAPTURE(k);
            CHECK(text_at(t, 0, k) == std::string(k, 'x'));
            CHECK(t.numeric(1)[k] == static_cast<double>(k) + 0.5);
            CHECK(text_at(t, 2, k) == "a,\"" + std::string(k % 11, 'q') + "\"");
            CHECK(text_at(t, 3, k) == "c" + std::to_string(k % 3));
        }
        CHECK(t.dict(2).size() == 11);
        CHECK(t.dict(3).size() == 3);
    }
    SUBCASE("an invalid byte at every offset, after valid multi-byte characters") {
        // Line 3 is "<k bytes of é and a>,<byte 0xFF>", so the bad byte is at byte column k + 2 of line 3;
        // the record before it ends at a different offset every time, and may hold non-ASCII text itself.
        for (std::size_t k = 0; k < 140; ++k) {
            CAPTURE(k);
            std::string prefix;
            while (prefix.size() + 2 <= k) prefix += "\xC3\xA9";
            if (prefix.size() < k) prefix += 'a';
            const std::string text = "a,b\n" + std::string(k % 70, 'y') + (k % 2 ? "\xE2\x82\xAC" : "") + ",1\n" +
                                     prefix + ",\xFF\n" + prefix + ",2\n";
            auto o = collect();
            o.missing_tokens = {"NA"}; // so that the empty prefix of k = 0 is a text
            const auto r = read_csv(text, o, "t.csv");
            REQUIRE(r.rejected.size() == 1);
            CHECK(r.rejected[0].where.line == 3);
            CHECK(r.rejected[0].where.column == k + 2);
            CHECK(r.rejected[0].where.field == "b");
            CHECK(r.rejected[0].reason == "invalid UTF-8 (byte 0xFF)");
            REQUIRE(r.table.rows() == 2);
            CHECK(text_at(r.table, 0, 1) == prefix);
        }
    }
    SUBCASE("multi-byte characters across every offset, and cut short at the end of a cell") {
        const std::string chars[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
        for (const auto& ch : chars)
            for (std::size_t k = 0; k < 70; ++k) {
                CAPTURE(k);
                const std::string pad(k, 'p');
                const auto t = read_csv("a,b\n" + pad + ch + ",\"" + pad + ch + "\"\n").table;
                CHECK(text_at(t, 0, 0) == pad + ch);
                CHECK(text_at(t, 1, 0) == pad + ch);
                // The character without its last byte, at the end of the first cell: the fault is its lead byte.
                const std::string cut = "a,b\n" + pad + ch.substr(0, ch.size() - 1) + ",1\n";
                CHECK(error_of(cut) == "t.csv:2:" + std::to_string(k + 1) + " (field 'a'): invalid UTF-8 (byte 0x" +
                                           (ch[0] == '\xC3' ? "C3" : ch[0] == '\xE2' ? "E2" : "F0") + ")");
            }
    }
    SUBCASE("an unterminated quote and text after a closing quote at every offset") {
        for (std::size_t k = 0; k < 70; ++k) {
            CAPTURE(k);
            const std::string pad(k, 'p');
            CHECK(error_of("a,b\n" + pad + ",\"open\n1,2\n") ==
                  "t.csv:2:" + std::to_string(k + 2) +
                      " (field 'b'): unterminated quoted cell (the quote opened here never closes)");
            CHECK(error_of("a,b\n" + pad + ",\"x\"y\n") ==
                  "t.csv:2:" + std::to_string(k + 5) +
                      " (field 'b'): unexpected text after the closing quote of a quoted cell");
        }
    }
}

TEST_CASE("csv: short numbers, missing tokens and categorical texts read as words") {
    SUBCASE("numbers of up to eight bytes and just beyond") {
        // Each value against the compiler's own (correctly rounded) reading of the same literal.
        const auto t = read_csv("n\n12345678\n1234567.8\n-1234567\n-123456.7\n.5\n5.\n-.5\n-0\n00000001\n0.000001\n"
                                "123456789\n12345.678\n-1234567.8\n1e5\n").table;
        REQUIRE(t.table_schema()[0].type == field_type::numeric);
        const double expected[] = {12345678.0, 1234567.8, -1234567.0, -123456.7, 0.5, 5.0,     -0.5,
                                   -0.0,       1.0,       0.000001,   123456789, 12345.678, -1234567.8, 1e5};
        REQUIRE(t.rows() == std::size(expected));
        for (std::size_t i = 0; i < std::size(expected); ++i) {
            CAPTURE(i);
            CHECK(t.numeric(0)[i] == expected[i]);
        }
        CHECK(std::signbit(t.numeric(0)[7]));
    }
    SUBCASE("texts that look almost like short numbers are text") {
        for (const char* cell : {".", "-", "-.", "1.2.3", "--1", "1-2", "1,5", "+1", "1 2", "0x1F", "1/2", "1:2"}) {
            CAPTURE(cell);
            const auto t = read_csv(std::string("n\n1\n\"") + cell + "\"\n").table;
            REQUIRE(t.table_schema()[0].type == field_type::categorical);
            CHECK(text_at(t, 0, 1) == cell);
        }
    }
    SUBCASE("missing tokens: several of one length, and longer than eight bytes") {
        csv_options o;
        o.missing_tokens = {"NA", "na", "--", "not known", "not knowN"};
        const auto t = read_csv("c\nNA\nna\n--\nnot known\nnot knowN\nnot know\nnot knownn\nNa\n", o).table;
        REQUIRE(t.rows() == 8);
        for (std::size_t i = 0; i < 5; ++i) CHECK(t.codes(0)[i] == missing_code);
        CHECK(text_at(t, 0, 5) == "not know");
        CHECK(text_at(t, 0, 6) == "not knownn");
        CHECK(text_at(t, 0, 7) == "Na");
    }
    SUBCASE("categorical texts that share their first and last eight bytes") {
        // 8 to 17 bytes; the 17-byte pair differs only in its ninth byte, which neither word covers.
        const std::string texts[] = {"abcdefgh",          "abcdefgh1",        "abcdefgh2",         "abcdefghijklmnop",
                                     "abcdefghXjklmnop",  "abcdefgh1ijklmnop", "abcdefgh2ijklmnop", "abcdefg",
                                     "abcdefgh\"",        "abcdefgh1"};
        std::string text = "c\n";
        for (int round = 0; round < 3; ++round)
            for (const auto& s : texts) text += (s.find('"') != std::string::npos ? "\"abcdefgh\"\"\"" : s) + "\n";
        const auto t = read_csv(text).table;
        REQUIRE(t.rows() == 30);
        CHECK(t.dict(0).size() == 9);
        for (std::size_t i = 0; i < 30; ++i) {
            CAPTURE(i);
            CHECK(text_at(t, 0, i) == texts[i % 10]);
        }
    }
}

TEST_CASE("csv: text columns keep every cell's text") {
    // Ids that inference would read as numbers (the first two are the same double, the third loses its zeros), a
    // missing token, an empty cell, a quoted cell with the delimiter and blanks around a number.
    const std::string text = "id,score\n"
                             "1234567890123456701,1\n"
                             "1234567890123456702,2\n"
                             "0012,3\n"
                             "NA,4\n"
                             ",5\n"
                             "\"00,7\",6\n"
                             " 5 ,7\n";
    const std::array<std::string, 7> ids{"1234567890123456701", "1234567890123456702", "0012", "NA", "", "00,7", " 5 "};
    const auto check_ids = [&](const lead_table& t) {
        REQUIRE(t.rows() == ids.size());
        CHECK(t.table_schema()[0].type == field_type::categorical);
        for (std::size_t r = 0; r < ids.size(); ++r) CHECK(text_at(t, 0, r) == ids[r]);
    };
    SUBCASE("inferred: the other columns are still inferred") {
        csv_options o;
        o.text_columns = {"id", "not_in_the_header"};
        const auto t = read_csv(text, o).table;
        check_ids(t);
        CHECK(t.table_schema()[1].type == field_type::numeric);
        // Without it the id is inferred: categorical here (for NA and "00,7"), but "NA" and "" are missing.
        const auto plain = read_csv(text).table;
        CHECK(text_at(plain, 0, 3) == "<missing>");
        CHECK(text_at(plain, 0, 4) == "<missing>");
    }
    SUBCASE("inferred: a column of numbers only") {
        csv_options o;
        o.text_columns = {"id"};
        const auto t = read_csv("id\n1234567890123456701\n1234567890123456702\n0012\n1e3\n", o).table;
        REQUIRE(t.rows() == 4);
        CHECK(t.table_schema()[0].type == field_type::categorical);
        CHECK(text_at(t, 0, 0) == "1234567890123456701");
        CHECK(text_at(t, 0, 1) == "1234567890123456702");
        CHECK(text_at(t, 0, 2) == "0012");
        CHECK(text_at(t, 0, 3) == "1e3");
        // Inferred, the first two ids are one double.
        const auto plain = read_csv("id\n1234567890123456701\n1234567890123456702\n0012\n1e3\n").table;
        REQUIRE(plain.table_schema()[0].type == field_type::numeric);
        CHECK(plain.numeric(0)[0] == plain.numeric(0)[1]);
    }
    SUBCASE("explicit schema") {
        csv_options o;
        o.fields = schema({{"id", field_type::categorical, field_role::id}, {"score", field_type::numeric}});
        o.text_columns = {"id"};
        check_ids(read_csv(text, o).table);
        o.fields = schema({{"id", field_type::numeric}, {"score", field_type::numeric}});
        CHECK_THROWS_AS((void)read_csv(text, o), definition_error);
    }
}

TEST_CASE("csv: an unterminated quote does not swallow the rows after it") {
    // 5,001 lines: the header, then 5,000 rows; the quote opened on line 10 never closes.
    std::string text = "id,note,amount\n";
    for (int row = 1; row <= 5000; ++row)
        text += "L" + std::to_string(row) + (row == 9 ? ",\"open,9\n" : ",ok," + std::to_string(row) + "\n");
    SUBCASE("fail fast names the line") {
        CHECK(error_of(text) == "t.csv:10:4 (field 'note'): unterminated quoted cell (the quote opened here never closes)");
    }
    SUBCASE("collect rejects that row only") {
        const auto r = read_csv(text, collect(), "t.csv");
        CHECK(r.rows_read == 5000);
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.line == 10);
        CHECK(r.table.rows() == 4999);
        CHECK(r.table.table_schema()[2].type == field_type::numeric);
        CHECK(r.table.numeric(2)[8] == 10.0); // the row after the bad one, on line 11
        CHECK(r.table.numeric(2)[4998] == 5000.0);
    }
    SUBCASE("CRLF line ends, and a doubled quote before the end") {
        const auto r = read_csv("a,b\r\n1,\"x\"\"y\r\n2,3\r\n", collect(), "t.csv");
        CHECK(r.rows_read == 2);
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.line == 2);
        REQUIRE(r.table.rows() == 1);
        CHECK(r.table.numeric(1)[0] == 3.0);
    }
}

TEST_CASE("csv: limits stop the reader with the place") {
    csv_options o;
    o.limits = {.max_line_bytes = 20, .max_columns = 4, .max_cell_bytes = 8};
    SUBCASE("a long line") {
        CHECK(error_of("a,b\n1,2\n1,22222222222222222222\n", o) ==
              "t.csv:3:21: a line longer than 20 bytes (the limit csv_limits::max_line_bytes; raise it for such a file)");
        // Each physical line of a record with a quoted line break counts on its own, its LF excluded.
        o.limits.max_cell_bytes = 100;
        CHECK(error_of("a,b\n1,\"1234567890123456\n1234567890123456\"\n", o).empty());
        CHECK(error_of("a,b\n1234567890123456789,\n", o).empty());
        CHECK(error_of("a,b\r\n1234567890123456789,\r\n", o).empty()); // nor a CR before it
        CHECK(error_of("a,b\r\n12345678901234567890,\r\n", o).find("t.csv:2:21: a line longer") == 0);
    }
    SUBCASE("too many columns, in the header or a row, also in collect mode") {
        CHECK(error_of("a,b,c,d,e\n", o) ==
              "t.csv:1: more than 4 fields (the limit csv_limits::max_columns; raise it for such a file)");
        o.errors = error_mode::collect;
        CHECK(error_of("a,b\n1,2\n,,,,,,\n", o).find("t.csv:3: more than 4 fields") == 0);
        CHECK(error_of("a,b\n1,2\n,,,\n", o).empty()); // four fields: a wrong count, rejected
    }
    SUBCASE("a long cell") {
        CHECK(error_of("a,b\n1,\"12345678\"\n", o).empty());
        CHECK(error_of("a,b\n1,\"123456789\"\n", o) ==
              "t.csv:2:3: a cell longer than 8 bytes (the limit csv_limits::max_cell_bytes; raise it for such a file)");
    }
    SUBCASE("a file without line breaks stops the file reader") {
        const auto path = std::filesystem::temp_directory_path() / "leadscore_test_csv_long_line.csv";
        {
            std::ofstream out(path, std::ios::binary);
            out << "a,b\n1,2\n" << std::string(200'000, 'x');
        }
        csv_options big;
        big.limits.max_line_bytes = 100'000;
        try {
            (void)read_csv_file(path, big);
            FAIL("no error");
        } catch (const input_error& e) {
            CHECK(std::string(e.what()) == path.string() + ":3:100001: a line longer than 100000 bytes (the limit "
                                                           "csv_limits::max_line_bytes; raise it for such a file)");
        }
        std::filesystem::remove(path);
#if defined(__linux__)
        // An endless input: the reader stops after max_line_bytes (and one block of reading).
        try {
            (void)read_csv_file("/dev/zero", big);
            FAIL("no error");
        } catch (const input_error& e) {
            CHECK(std::string(e.what()).starts_with("/dev/zero:1:100001: a line longer than 100000 bytes"));
        }
#endif
    }
}

TEST_CASE("csv: the history readers share the limits and the end of an unterminated quote") {
    history_options o;
    o.limits = {.max_line_bytes = 40, .max_columns = 4, .max_cell_bytes = 12};
    const auto message = [&](std::string_view text) {
        try {
            (void)read_history(text, funnel::standard(), o, "h.csv");
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message("lead_id,stage,entered_at\na,suspect,2026-01-01\n").empty());
    CHECK(message("lead_id,stage,entered_at,a,b\n").starts_with("h.csv:1: more than 4 fields"));
    CHECK(message("lead_id,stage,entered_at\na,suspect,2026-01-01T00:00:00" + std::string(12, ',') + "\n")
              .starts_with("h.csv:2:41: a line longer than 40 bytes"));
    CHECK(message("lead_id,stage,entered_at\nabcdefghijklm,suspect,2026-01-01\n")
              .starts_with("h.csv:2:1: a cell longer than 12 bytes"));
    // Collect mode: the quote opened on line 3 costs that row only.
    o.errors = error_mode::collect;
    o.limits = {};
    const auto h = read_history("lead_id,stage,entered_at\na,suspect,2026-01-01\nb,\"lead,2026-01-02\n"
                                "c,suspect,2026-01-03\n",
                                funnel::standard(), o, "h.csv");
    CHECK(h.rows_read == 3);
    REQUIRE(h.rejected.size() == 1);
    CHECK(h.rejected[0].where.line == 3);
    CHECK(h.history.size() == 2);
}

TEST_CASE("csv: what a wide header costs") {
    // A header of 20,000 columns and two rows. Columns a reader skips hold no state but their name, and those it
    // infers hold a small one: before, every column had a cache of 64 codes (2 KB) from the start.
    constexpr std::size_t columns = 20'000;
    std::string text;
    for (const std::string& row : {std::string("c"), std::string(""), std::string("x")}) {
        for (std::size_t c = 0; c < columns; ++c) text += (c ? "," : "") + row + std::to_string(c);
        text += '\n';
    }
    const auto peak_per_column = [&](const csv_options& o) {
        const std::size_t before = test_csv_heap::in_use.load();
        test_csv_heap::peak = before;
        const auto r = read_csv(text, o);
        CHECK(r.table.rows() == 2);
        return (test_csv_heap::peak.load() - before) / columns;
    };
    SUBCASE("columns not read") {
        csv_options o;
        o.fields = schema({{"c1", field_type::categorical}, {"c7", field_type::categorical}});
        o.ignore_extra_columns = true;
        // Per column: its name (a std::string, 32 bytes), its cell (40 bytes) and the header's check for repeated
        // names (a hash node of about 48 bytes and a bucket): under 200 bytes.
        const std::size_t cost = peak_per_column(o);
        CHECK(cost < 200);
        CHECK(cost >= 32); // at least the names (a std::string each): the heap is counted
    }
    SUBCASE("columns inferred") {
        // Also per column: its builder (about 160 bytes), the table's field and column (about 150 bytes), and a
        // dictionary of two entries (about 250 bytes with its index and the allocator's rounding): under 1,000 bytes
        // (it was 2,700).
        const std::size_t cost = peak_per_column({});
        CHECK(cost < 1000);
        CHECK(cost >= 32);
    }
}

} // namespace test_csv
