#include "leadscore/train/fit.hpp"
#include "../core/messages.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <string>

namespace leadscore {

using detail::field_place;

std::vector<std::int8_t> target_labels(const table_view& view, const binary_target& target) {
    const std::string who = "target '" + target.field + "': ";
    const auto& fields = view.table_schema();
    const auto col = fields.find(target.field);
    if (!col) throw definition_error(who + "no such field in the table");
    const auto type = fields[*col].type;
    const std::size_t n = view.rows();
    std::vector<std::int8_t> labels(n, unlabelled);

    if (type == field_type::boolean) {
        if (!target.positive.empty() || !target.negative.empty())
            throw definition_error(who + "a boolean target takes no positive or negative texts (true is 1, false 0)");
        const auto flags = view.booleans(*col);
        for (std::size_t r = 0; r < n; ++r) {
            const std::int8_t f = flags[r];
            if (f != 0 && f != 1 && f != missing_flag)
                throw input_error(field_place(target.field), "row " + std::to_string(r) + ": boolean value " +
                                                                 std::to_string(int{f}) + " is not 0, 1 or missing");
            labels[r] = f;
        }
        return labels;
    }
    if (type != field_type::categorical)
        throw definition_error(who + "the field is " + std::string(to_string(type)) +
                               "; a target must be categorical or boolean");
    if (target.positive.empty()) throw definition_error(who + "no positive text given");
    for (const auto& p : target.positive)
        if (std::find(target.negative.begin(), target.negative.end(), p) != target.negative.end())
            throw definition_error(who + "'" + p + "' is listed as positive and as negative");

    // One label per dictionary code, then one lookup per row.
    const auto& dict = view.dict(*col);
    const std::int8_t other = target.negative.empty() ? std::int8_t{0} : unlabelled;
    std::vector<std::int8_t> of_code(dict.size(), other);
    for (const auto& t : target.negative)
        if (const auto c = dict.find(t)) of_code[static_cast<std::size_t>(*c)] = 0;
    for (const auto& t : target.positive)
        if (const auto c = dict.find(t)) of_code[static_cast<std::size_t>(*c)] = 1;
    const auto codes = view.codes(*col);
    for (std::size_t r = 0; r < n; ++r) {
        const std::int32_t c = codes[r];
        if (c == missing_code) continue;
        if (c < 0 || static_cast<std::size_t>(c) >= of_code.size())
            throw input_error(field_place(target.field), "row " + std::to_string(r) + ": code " + std::to_string(c) +
                                                             " is outside the field's dictionary of " +
                                                             std::to_string(of_code.size()) + " entries");
        labels[r] = of_code[static_cast<std::size_t>(c)];
    }
    return labels;
}

std::vector<std::size_t> labelled_rows(std::span<const std::int8_t> labels) {
    std::vector<std::size_t> rows;
    rows.reserve(labels.size());
    for (std::size_t r = 0; r < labels.size(); ++r)
        if (labels[r] == 0 || labels[r] == 1) rows.push_back(r);
    return rows;
}

void check_training_set(const training_set& data) {
    const std::size_t n = data.view.rows();
    if (data.labels.size() != n)
        throw definition_error("training set: " + std::to_string(data.labels.size()) + " labels for a view of " +
                               std::to_string(n) + " rows");
    for (std::size_t r = 0; r < n; ++r) {
        const std::int8_t l = data.labels[r];
        if (l != 0 && l != 1 && l != unlabelled)
            throw definition_error("training set: label " + std::to_string(int{l}) + " of row " + std::to_string(r) +
                                   " is not 1, 0 or unlabelled (-1)");
    }
    std::vector<std::uint8_t> seen(n, 0);
    for (const std::size_t r : data.rows) {
        if (r >= n)
            throw definition_error("training set: row " + std::to_string(r) + " is past the end of a view of " +
                                   std::to_string(n) + " rows");
        if (seen[r] != 0) throw definition_error("training set: row " + std::to_string(r) + " is listed twice");
        seen[r] = 1;
        if (data.labels[r] == unlabelled)
            throw definition_error("training set: row " + std::to_string(r) + " has no label");
    }
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const binary_target&, const binary_target&) = default;

} // namespace leadscore
