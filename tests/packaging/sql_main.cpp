// Uses leadscore::sql the way a CRM's nightly job would; exits non-zero when something is off. Links SQLite and
// libpq through the installed package's component.
#include <leadscore/core/error.hpp>
#include <leadscore/sql/database.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

int main() {
    using namespace leadscore;
    int failures = 0;
    const auto expect = [&](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "sql_consumer: FAILED: %s\n", what);
            ++failures;
        }
    };

    // SQLite: scores written to a new table and read back, the key kept as exact text.
    auto db = sql::open_database("sqlite::memory:");
    const std::vector<std::string_view> ids{"9007199254740993", "L-2"};
    const std::vector<double> scores{71, 12};
    db->write_scores("lead_scores", {.lead_ids = ids, .scores = scores, .model_id = "consumer"});
    const lead_table t = db->read({.table = "lead_scores"}, {.text_columns = {"lead_id"}});
    expect(t.rows() == 2, "two scores read back");
    const auto col = t.table_schema().at("lead_id");
    expect(t.dict(col)[t.codes(col)[0]] == "9007199254740993", "the first key reads back exactly");

    // PostgreSQL: libpq is linked and answers; no server is expected, so the connection fails with a redacted name.
    std::string message;
    try {
        (void)sql::open_database("host=/nonexistent-leadscore-socket dbname=x password=secret connect_timeout=1");
    } catch (const error& e) {
        message = e.what();
    }
    expect(message.find("cannot connect") != std::string::npos, "libpq reports the failed connection");
    expect(message.find("secret") == std::string::npos, "the password is not printed");

    std::printf("leadscore::sql: %zu scores round-tripped through SQLite; libpq answered\n", t.rows());
    return failures == 0 ? 0 : 1;
}
