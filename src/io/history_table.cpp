#include "history_table.hpp"

#include "csv_reader.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>

namespace leadscore::detail::csv {

namespace {

/// The history formats' wording of structural faults.
const char* history_fault_message(fault_kind kind) noexcept {
    switch (kind) {
    case fault_kind::unterminated_quote: return "a quoted cell is not closed before the end of the file";
    case fault_kind::text_after_quote: return "text after the closing quote of a cell";
    case fault_kind::none: break;
    }
    return "";
}

char checked_delimiter(char d) {
    if (d != '\0' && d != ',' && d != ';' && d != '\t')
        throw definition_error("history: the delimiter must be ',', ';' or a tab");
    return d;
}

} // namespace

std::optional<record_fault> history_fault(const record_reader& records) {
    const auto& r = records.scanned();
    const char* bad = records.invalid_utf8();
    if (r.fault == nullptr && bad == nullptr) return std::nullopt;
    const auto cells = records.cells();
    if (bad != nullptr) {
        const std::size_t cell = cell_holding(cells, bad);
        if (r.fault == nullptr || cell < cell_holding(cells, r.fault)) return record_fault{records.place(cell), "invalid UTF-8"};
    }
    return record_fault{records.place(r.fault), history_fault_message(r.fault_type)};
}

std::optional<std::size_t> stage_lookup::find(std::string_view text) {
    for (const auto& [name, index] : known_)
        if (name == text) return index;
    const auto index = funnel_.find(text);
    if (known_.size() < capacity) known_.emplace_back(std::string(text), index);
    return index;
}

// ---------------------------------------------------------------------------------------------------------------
// history_table

history_table::history_table(std::string_view text, const history_options& options, std::string_view name)
    : records_(text, checked_delimiter(options.delimiter), cell_limit(options.limits)),
      missing_(options.missing_tokens), errors_(options.errors), limits_(options.limits), name_(name) {
    if (!records_.next()) throw input_error({name_, 1, 0, {}}, "the file is empty: a header line is needed");
    check_limits(limits_, records_, name_);
    if (const auto fault = history_fault(records_))
        throw input_error({name_, fault->at.line, fault->at.column, {}}, fault->reason);
    header_line_ = records_.line();
    const auto cells = records_.cells();
    for (std::size_t c = 0; c < cells.size(); ++c) {
        header_.emplace_back(cells[c].view());
        auto key = normalize_name(trim_blanks(header_.back()));
        const auto at = records_.place(c);
        if (key.empty()) throw input_error({name_, at.line, at.column, {}}, "an empty column name");
        if (std::find(keys_.begin(), keys_.end(), key) != keys_.end())
            throw input_error({name_, at.line, at.column, {}}, "column '" + header_.back() + "' appears twice");
        keys_.push_back(std::move(key));
    }
}

std::size_t history_table::column(std::string_view name) const {
    const auto key = normalize_name(name);
    const auto it = std::find(keys_.begin(), keys_.end(), key);
    return it == keys_.end() ? npos : static_cast<std::size_t>(it - keys_.begin());
}

std::size_t history_table::require(std::string_view name) const {
    const auto c = column(name);
    if (c == npos) throw input_error({name_, header_line_, 0, {}}, "no column '" + std::string(name) + "' in the header");
    return c;
}

bool history_table::next_row() {
    while (records_.next()) {
        check_limits(limits_, records_, name_);
        ++rows_read_;
        if (const auto fault = history_fault(records_)) {
            reject({name_, fault->at.line, fault->at.column, {}}, fault->reason);
            continue;
        }
        const std::size_t count = records_.cells().size();
        if (count != header_.size()) { // placed at the last cell both the row and the header have
            const auto at = records_.place(std::min(count, header_.size()) - 1);
            reject({name_, at.line, at.column, {}},
                   std::to_string(count) + " fields, but the header has " + std::to_string(header_.size()));
            continue;
        }
        return true;
    }
    return false;
}

void history_table::reject(source_location where, const std::string& reason) {
    if (errors_ == error_mode::fail_fast) throw input_error(std::move(where), reason);
    rejected_.push_back({std::move(where), reason});
}

void history_table::reject_cell(std::size_t c, const std::string& reason) {
    const auto at = records_.place(c);
    reject({name_, at.line, at.column, header_[c]}, reason);
}

// ---------------------------------------------------------------------------------------------------------------
// attribute_columns

attribute_columns::attribute_columns(const history_table& t, const std::vector<std::size_t>& taken) {
    for (std::size_t c = 0; c < t.columns(); ++c) {
        if (std::find(taken.begin(), taken.end(), c) != taken.end()) continue;
        columns_.push_back(c);
        out_.columns.push_back({std::string(trim_blanks(t.header(c))), {}, {}});
        line_.emplace_back();
    }
}

bool attribute_columns::check(history_table& t, std::int32_t lead, std::string_view lead_id) {
    if (lead < 0) return true;
    for (std::size_t k = 0; k < columns_.size(); ++k) {
        const auto c = columns_[k];
        if (t.missing(c)) continue;
        const auto& col = out_.columns[k];
        const auto have = col.codes[static_cast<std::size_t>(lead)];
        if (have == missing_code || col.values[have] == t.at(c)) continue;
        t.reject_cell(c, "lead '" + std::string(lead_id) + "' has " + col.name + " '" + std::string(col.values[have]) +
                             "' on line " + std::to_string(line_[k][static_cast<std::size_t>(lead)]) + " but '" +
                             std::string(t.at(c)) + "' here");
        return false;
    }
    return true;
}

void attribute_columns::take(const history_table& t, std::size_t lead, std::size_t leads) {
    for (std::size_t k = 0; k < columns_.size(); ++k) {
        auto& col = out_.columns[k];
        if (col.codes.size() < leads) col.codes.resize(leads, missing_code), line_[k].resize(leads, 0);
        const auto c = columns_[k];
        if (t.missing(c) || col.codes[lead] != missing_code) continue;
        col.codes[lead] = col.values.intern(t.at(c));
        line_[k][lead] = t.line();
    }
}

lead_attributes attribute_columns::finish(std::size_t leads) && {
    for (auto& col : out_.columns) col.codes.resize(leads, missing_code);
    return std::move(out_);
}

} // namespace leadscore::detail::csv
