#pragma once
// A query's result handed to a CSV reader of the history kind (an event log, a deal snapshot): the result written as
// the CSV text the reader reads, and the reader's places (lines) turned back into rows of the result. Internal to
// leadscore::sql.

#include "leadscore/io/history_csv.hpp"
#include "leadscore/sql/database.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::sql::detail {

/// A CSV reader of the history kind: the text and the name its errors give as the place.
using history_text_reader = std::function<history_import(std::string_view csv, std::string_view name)>;

/// Reads `what` for a history reader: the columns `times` as timestamps (database::read's checks, so a value that is
/// not a time is an input_error naming the row and the column), the texts `missing` missing in them as in a file, and
/// every other column as exact text; throws input_error naming the object and the column when one of `needed` or
/// `times` is not a column of the result.
[[nodiscard]] lead_table read_history_result(database& db, const source& what, const std::vector<std::string>& times,
                                             const std::vector<std::string>& needed,
                                             const std::vector<std::string>& missing);

/// `options` as they read the CSV text of a result: ',' between cells, and "" (a NULL) always missing.
[[nodiscard]] history_options history_result_options(history_options options);

/// Runs `read` on `t` written as CSV (texts as they are, timestamps as format_timestamp writes them, NULL as an
/// empty cell) and names its errors and rejected rows by `object` and the row of the result ("row N: ", N = 1 for the
/// first row; lines named inside a reason become rows too).
[[nodiscard]] history_import read_result_as_csv(const lead_table& t, const std::string& object,
                                                const history_text_reader& read);

} // namespace leadscore::sql::detail
