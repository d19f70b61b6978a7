#pragma once
// Comparing two stage-history imports entry by entry (the database reader's against the file reader's on the same
// values). Shared by the SQLite and PostgreSQL test files.

#include "leadscore/io/history_csv.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace leadscore_sql_test {

/// Entry i of a history as one text: lead, stage, time, value bits, source; for comparing two histories.
inline std::string history_entry_text(const leadscore::history_import& h, std::size_t i) {
    const auto& s = h.history;
    const std::string source = s.source[i] == leadscore::missing_code ? "-" : std::string(s.sources[s.source[i]]);
    return std::string(s.lead_ids[s.lead[i]]) + "|" + std::string(s.stages[s.stage[i]]) + "|" +
           std::to_string(s.entered[i]) + "|" + std::to_string(std::bit_cast<std::uint64_t>(s.value[i])) + "|" + source;
}

/// Checks two imports hold the same entries, rows read and attributes, value for value.
inline void check_same_history(const leadscore::history_import& a, const leadscore::history_import& b) {
    REQUIRE(a.history.size() == b.history.size());
    for (std::size_t i = 0; i < a.history.size(); ++i) CHECK(history_entry_text(a, i) == history_entry_text(b, i));
    CHECK(a.rows_read == b.rows_read);
    REQUIRE(a.attributes.columns.size() == b.attributes.columns.size());
    for (std::size_t k = 0; k < a.attributes.columns.size(); ++k) {
        const auto& x = a.attributes.columns[k];
        const auto& y = b.attributes.columns[k];
        CHECK(x.name == y.name);
        REQUIRE(x.codes.size() == y.codes.size());
        for (std::size_t l = 0; l < x.codes.size(); ++l)
            CHECK((x.codes[l] == leadscore::missing_code ? "-" : std::string(x.values[x.codes[l]])) ==
                  (y.codes[l] == leadscore::missing_code ? "-" : std::string(y.values[y.codes[l]])));
    }
}

} // namespace leadscore_sql_test
