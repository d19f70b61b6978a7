#include "leadscore/io/history_csv.hpp"
#include "../core/messages.hpp"

#include "csv_reader.hpp"
#include "csv_writer.hpp"
#include "history_table.hpp"
#include "text_file.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/time.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <ostream>
#include <utility>

namespace leadscore {

using detail::stage_list;

namespace detail::csv {
namespace {

constexpr double no_value = std::numeric_limits<double>::quiet_NaN();

std::string quoted_time(std::int64_t t) { return format_timestamp(from_seconds(t)); }

/// Counts an entry taken with its time moved up by `by` seconds.
void note_clamp(history_import& out, std::int64_t by) {
    ++out.clamped;
    out.max_clamp_seconds = std::max(out.max_clamp_seconds, by);
}

/// A value cell: a finite number, blanks around it and a leading '+' allowed.
bool parse_value(std::string_view text, double& out) noexcept {
    text = trim_blanks(text);
    if (text.starts_with('+')) text.remove_prefix(1);
    return parse_finite(text, out);
}

/// The time of cell c (already known not to be missing), or nullopt after refusing the row.
std::optional<std::int64_t> time_cell(history_table& t, std::size_t c) {
    if (const auto ts = parse_timestamp(trim_blanks(t.at(c)))) return to_seconds(*ts);
    t.reject_cell(c, "not a time: '" + std::string(t.at(c)) + "' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
    return std::nullopt;
}

/// The value of cell c (NaN when the column is absent or the cell missing); false after refusing the row.
bool value_cell(history_table& t, std::size_t c, double& value) {
    value = no_value;
    if (c == history_table::npos || t.missing(c)) return true;
    if (!parse_value(t.at(c), value)) {
        t.reject_cell(c, "not a finite number: '" + std::string(t.at(c)) + "'");
        return false;
    }
    if (value >= 0) return true;
    t.reject_cell(c, "a negative deal value: '" + std::string(t.at(c)) +
                         "' (a deal value is an amount of money, 0 or more)");
    return false;
}

/// The stage of cell c, or nullopt after refusing the row.
std::optional<std::size_t> stage_cell(history_table& t, std::size_t c, stage_lookup& stages, const funnel& f) {
    if (const auto s = stages.find(t.at(c))) return s;
    t.reject_cell(c, "stage '" + std::string(t.at(c)) + "' is not in the funnel (stages: " + stage_list(f) + ")");
    return std::nullopt;
}

void push_entry(stage_history& h, std::int32_t lead, std::size_t stage, std::int64_t t, double value,
                std::int32_t source) {
    h.lead.push_back(lead);
    h.stage.push_back(static_cast<std::int32_t>(stage));
    h.entered.push_back(t);
    h.value.push_back(value);
    h.source.push_back(source);
}

/// The source of the current row: a code of h.sources, or missing_code.
std::int32_t source_cell(const history_table& t, std::size_t c, stage_history& h, code_cache& sources) {
    return c == history_table::npos || t.missing(c) ? missing_code : sources.intern(h.sources, t.cell_at(c));
}

// ---------------------------------------------------------------------------------------------------------------
// Event logs

/// Reads an event log row by row: a row is checked cell by cell, then against the lead's earlier rows (time
/// order, duplicates, attributes), and only then taken.
class event_log_reader {
public:
    event_log_reader(std::string_view text, const funnel& f, const history_options& options, std::string_view name)
        : table_(text, options, name), funnel_(f), stages_(f), lead_(table_.require("lead_id")),
          stage_(table_.require("stage")), time_(table_.require("entered_at")), value_(table_.column("value")),
          source_(table_.column("source")), attributes_(table_, taken()),
          clamp_(options.on_backwards == backwards_time::clamp) {
        // Funnel stage names interned up front, so stage codes equal funnel indices in an imported history.
        for (const auto& s : f.stages()) out_.history.stages.intern(s.name);
    }

    history_import run() && {
        while (table_.next_row()) read_row();
        auto& h = out_.history;
        out_.attributes = std::move(attributes_).finish(h.lead_ids.size());
        out_.rejected = table_.take_rejected();
        out_.rows_read = table_.rows_read();
        return std::move(out_);
    }

private:
    struct lead_state {
        std::int64_t last_time = std::numeric_limits<std::int64_t>::min();
        std::size_t last_line = 0;
        std::vector<std::pair<std::size_t, std::size_t>> at_last; // (stage, line) entered at last_time
    };

    [[nodiscard]] std::vector<std::size_t> taken() const {
        std::vector<std::size_t> columns{lead_, stage_, time_};
        for (const auto c : {value_, source_})
            if (c != history_table::npos) columns.push_back(c);
        return columns;
    }

    void read_row() {
        if (table_.missing(lead_)) return table_.reject_cell(lead_, "a missing lead id");
        if (table_.missing(stage_)) return table_.reject_cell(stage_, "a missing stage");
        if (table_.missing(time_)) return table_.reject_cell(time_, "a missing time");
        const std::string_view id = table_.at(lead_);
        const auto stage = stage_cell(table_, stage_, stages_, funnel_);
        if (!stage) return;
        auto time = time_cell(table_, time_);
        if (!time) return;
        const std::int64_t as_read = *time;
        double value = no_value;
        if (!value_cell(table_, value_, value)) return;
        auto& h = out_.history;
        const std::int32_t lead = known_lead(id);
        if (lead >= 0 && !in_order(state_[static_cast<std::size_t>(lead)], id, *stage, *time)) return;
        // Counted only once the row is taken.
        if (*time != as_read) note_clamp(out_, *time - as_read);
        if (!attributes_.check(table_, lead, id)) return;

        const std::int32_t code = lead >= 0 ? lead : h.lead_ids.intern(id);
        last_lead_ = code;
        if (static_cast<std::size_t>(code) == state_.size()) state_.emplace_back();
        auto& s = state_[static_cast<std::size_t>(code)];
        if (*time != s.last_time) s.at_last.clear();
        s.last_time = *time;
        s.last_line = table_.line();
        s.at_last.emplace_back(*stage, table_.line());
        push_entry(h, code, *stage, *time, value, source_cell(table_, source_, h, sources_));
        attributes_.take(table_, static_cast<std::size_t>(code), h.lead_ids.size());
    }

    /// The code of a lead id seen before, or -1. A log grouped by lead repeats the last row's lead: no lookup then.
    [[nodiscard]] std::int32_t known_lead(std::string_view id) const {
        const auto& ids = out_.history.lead_ids;
        if (last_lead_ >= 0 && ids[last_lead_] == id) return last_lead_;
        const auto known = ids.find(id);
        return known ? *known : -1;
    }

    /// The row does not go back in time for its lead (or is moved up to the lead's last time, when clamping), nor
    /// repeats one of its entries; false after refusing it.
    bool in_order(const lead_state& s, std::string_view id, std::size_t stage, std::int64_t& t) {
        if (t < s.last_time && clamp_) t = s.last_time;
        if (t < s.last_time) {
            table_.reject_cell(time_, "time runs backwards for lead '" + std::string(id) + "': " + quoted_time(t) +
                                          " is before " + quoted_time(s.last_time) + " on line " +
                                          std::to_string(s.last_line));
            return false;
        }
        if (t == s.last_time) {
            const auto dup = std::find_if(s.at_last.begin(), s.at_last.end(),
                                          [&](const auto& e) { return e.first == stage; });
            if (dup != s.at_last.end()) {
                table_.reject_cell(stage_, "a duplicate of line " + std::to_string(dup->second) + " (lead '" +
                                               std::string(id) + "', stage '" + funnel_[stage].name + "', " +
                                               quoted_time(t) + ")");
                return false;
            }
            // Won and lost (or rejected, or parked) at one instant: which came first cannot be known.
            const auto won = [&](std::size_t st) { return funnel_[st].kind == stage_kind::won; };
            const auto lost = [&](std::size_t st) { return funnel_[st].kind != stage_kind::open && !won(st); };
            const auto other = std::find_if(s.at_last.begin(), s.at_last.end(), [&](const auto& e) {
                return (won(stage) && lost(e.first)) || (lost(stage) && won(e.first));
            });
            if (other != s.at_last.end()) {
                table_.reject_cell(stage_, "lead '" + std::string(id) + "' is both won and lost at " + quoted_time(t) +
                                               ": stage '" + funnel_[other->first].name + "' on line " +
                                               std::to_string(other->second) + ", stage '" + funnel_[stage].name +
                                               "' here");
                return false;
            }
        }
        return true;
    }

    history_table table_;
    const funnel& funnel_;
    stage_lookup stages_;
    std::size_t lead_, stage_, time_, value_, source_;
    attribute_columns attributes_;
    history_import out_;
    std::vector<lead_state> state_;
    std::int32_t last_lead_ = -1; // the lead of the last row taken
    code_cache sources_;
    bool clamp_ = false;
};

// ---------------------------------------------------------------------------------------------------------------
// Deal snapshots

/// Reads a snapshot row by row into one lead per deal with its path of stage entries.
class snapshot_reader {
public:
    snapshot_reader(std::string_view text, const funnel& f, const snapshot_options& options, std::string_view name)
        : start_stage_(options.start_stage.empty() ? f.entry() : f.at(options.start_stage)),
          start_rank_(checked_start_rank(f, start_stage_)), table_(text, options.csv, name), funnel_(f), stages_(f),
          id_(table_.require(options.id_column)), stage_(table_.require(options.stage_column)),
          start_(table_.require(options.start_column)), close_(table_.require(options.close_column)),
          value_(options.value_column.empty() ? history_table::npos : table_.require(options.value_column)),
          source_(options.source_column.empty() ? history_table::npos : table_.require(options.source_column)),
          attributes_(table_, taken()), open_(f.open_stages().begin(), f.open_stages().end()),
          clamp_(options.csv.on_backwards == backwards_time::clamp) {
        for (const auto& s : f.stages()) out_.history.stages.intern(s.name);
        out_.undated.assign(f.size(), 0);
    }

    history_import run() && {
        while (table_.next_row()) read_row();
        auto& h = out_.history;
        out_.attributes = std::move(attributes_).finish(h.lead_ids.size());
        out_.rejected = table_.take_rejected();
        out_.rows_read = table_.rows_read();
        return std::move(out_);
    }

private:
    /// The start stage is a definition, checked before the file is read.
    static std::size_t checked_start_rank(const funnel& f, std::size_t start_stage) {
        const auto rank = f.open_rank(start_stage);
        if (!rank) throw definition_error("snapshot: the start stage '" + f[start_stage].name + "' is not an open stage");
        return *rank;
    }

    [[nodiscard]] std::vector<std::size_t> taken() const {
        std::vector<std::size_t> columns{id_, stage_, start_, close_};
        for (const auto c : {value_, source_})
            if (c != history_table::npos) columns.push_back(c);
        return columns;
    }

    void read_row() {
        if (table_.missing(id_)) return table_.reject_cell(id_, "a missing deal id");
        if (table_.missing(stage_)) return table_.reject_cell(stage_, "a missing stage");
        const std::string_view id = table_.at(id_);
        auto& h = out_.history;
        if (const auto seen = h.lead_ids.find(id))
            return table_.reject_cell(id_, "deal '" + std::string(id) + "' appears again (first on line " +
                                               std::to_string(first_line_[static_cast<std::size_t>(*seen)]) + ")");
        const auto stage = stage_cell(table_, stage_, stages_, funnel_);
        if (!stage) return;
        std::int64_t start = missing_time, close = missing_time;
        for (auto [c, t] : {std::pair{start_, &start}, std::pair{close_, &close}}) {
            if (table_.missing(c)) continue;
            const auto time = time_cell(table_, c);
            if (!time) return;
            *t = *time;
        }
        double value = no_value;
        if (!value_cell(table_, value_, value)) return;
        clamped_by_ = 0;
        if (!build_path(id, *stage, start, close)) return;
        if (!attributes_.check(table_, -1, id)) return;
        if (clamped_by_ != 0) note_clamp(out_, clamped_by_);
        const std::int32_t code = h.lead_ids.intern(id);
        first_line_.push_back(table_.line());
        const std::int32_t source = source_cell(table_, source_, h, sources_);
        for (std::size_t k = 0; k < path_.size(); ++k) {
            const auto [s, t] = path_[k];
            if (t == missing_time) ++out_.undated[s];
            push_entry(h, code, s, t, k + 1 == path_.size() ? value : no_value, source);
        }
        attributes_.take(table_, static_cast<std::size_t>(code), h.lead_ids.size());
    }

    /// The deal's path into path_: every open stage up to its own, or up to the start stage and then its closed
    /// stage. False after refusing a row whose dates do not fit its stage.
    bool build_path(std::string_view id, std::size_t stage, std::int64_t start, std::int64_t close) {
        const auto rank = funnel_.open_rank(stage);
        path_.clear();
        const auto deal = [&] { return "deal '" + std::string(id) + "' "; };
        if (rank) {
            if (start != missing_time && *rank < start_rank_) {
                table_.reject_cell(start_, deal() + "has a start date but its stage '" + funnel_[stage].name +
                                               "' comes before the start stage '" + funnel_[start_stage_].name + "'");
                return false;
            }
            if (close != missing_time) {
                table_.reject_cell(close_, deal() + "has a close date but its stage '" + funnel_[stage].name +
                                               "' is open");
                return false;
            }
            for (std::size_t k = 0; k <= *rank; ++k)
                path_.emplace_back(open_[k], open_[k] == start_stage_ ? start : missing_time);
            return true;
        }
        if (start != missing_time && close != missing_time && close < start && clamp_) {
            clamped_by_ = start - close;
            close = start;
        }
        if (start != missing_time && close != missing_time && close < start) {
            table_.reject_cell(close_, deal() + "closes at " + quoted_time(close) + ", before it starts at " +
                                           quoted_time(start));
            return false;
        }
        for (std::size_t k = 0; k <= start_rank_; ++k)
            path_.emplace_back(open_[k], open_[k] == start_stage_ ? start : missing_time);
        path_.emplace_back(stage, close);
        return true;
    }

    std::size_t start_stage_, start_rank_;
    history_table table_;
    const funnel& funnel_;
    stage_lookup stages_;
    std::size_t id_, stage_, start_, close_, value_, source_;
    attribute_columns attributes_;
    std::vector<std::size_t> open_;
    history_import out_;
    std::vector<std::size_t> first_line_;                  // per deal
    std::vector<std::pair<std::size_t, std::int64_t>> path_; // (stage, time) of the current deal
    code_cache sources_;
    bool clamp_ = false;
    std::int64_t clamped_by_ = 0; // how far the current deal's close date was moved
};

// ---------------------------------------------------------------------------------------------------------------
// Funnel files

/// One line `stage,kind` of a funnel file as a stage. Throws input_error naming the place.
stage funnel_line(const record_reader& records, std::string_view name) {
    const auto cells = records.cells();
    const auto place = [&](std::size_t c, std::string field) -> source_location {
        const auto at = records.place(c);
        return {std::string(name), at.line, at.column, std::move(field)};
    };
    if (cells.size() != 2)
        throw input_error(place(cells.size() - 1, {}),
                          std::to_string(cells.size()) + " fields, but a funnel line is 'stage,kind'");
    const auto stage_name = std::string(trim_blanks(cells[0].view()));
    if (stage_name.empty()) throw input_error(place(0, "stage"), "an empty stage name");
    const auto kind = parse_stage_kind(normalize_name(cells[1].view()));
    if (!kind)
        throw input_error(place(1, "kind"), "unknown stage kind '" + std::string(cells[1].view()) +
                                                "' (open, won, lost, rejected, nurture)");
    return {stage_name, *kind};
}

} // namespace
} // namespace detail::csv

history_import read_history(std::string_view text, const funnel& f, const history_options& options,
                            std::string_view name) {
    return detail::csv::event_log_reader(text, f, options, name).run();
}

history_import read_history_file(const file_path& path, const funnel& f, const history_options& options) {
    const auto data = detail::read_text_file(path, options.limits.max_line_bytes);
    return read_history(data, f, options, path.string());
}

void write_history(std::ostream& out, const stage_history& h, const lead_attributes& attributes, char delimiter) {
    if (delimiter != ',' && delimiter != ';' && delimiter != '\t')
        throw definition_error("history: the delimiter must be ',', ';' or a tab");
    const std::size_t n = h.size();
    if (h.stage.size() != n || h.source.size() != n || h.entered.size() != n || h.value.size() != n)
        throw definition_error("history: the history's columns have different lengths");
    std::vector<std::string> keys{"lead_id", "stage", "entered_at", "value", "source"};
    for (const auto& a : attributes.columns) {
        if (a.codes.size() != h.lead_ids.size())
            throw definition_error("history: attribute '" + a.name + "' has " + std::to_string(a.codes.size()) +
                                   " values for " + std::to_string(h.lead_ids.size()) + " leads");
        // The reader matches names after normalize_name: each must be new, or the file would not read back.
        auto key = normalize_name(a.name);
        if (key.empty() || std::find(keys.begin(), keys.end(), key) != keys.end())
            throw definition_error("history: attribute name '" + a.name + "' is empty or names another column");
        keys.push_back(std::move(key));
    }
    detail::csv::writer w(out, delimiter);
    w.raw("lead_id");
    for (const std::string_view c : {"stage", "entered_at", "value", "source"}) w.put(delimiter), w.raw(c);
    // A name holding one of the delimiters the reader detects is quoted, so that it cannot sway the detection.
    for (const auto& a : attributes.columns)
        w.put(delimiter), w.text(a.name, a.name.find_first_of(",;\t") != std::string::npos);
    w.end_line();
    char number[64];
    for (std::size_t i = 0; i < n; ++i) {
        const auto text = [](const dictionary& d, std::int32_t code) {
            return code == missing_code ? std::string_view() : d[code];
        };
        w.text(text(h.lead_ids, h.lead[i]));
        w.put(delimiter);
        w.text(text(h.stages, h.stage[i]));
        w.put(delimiter);
        if (h.entered[i] != missing_time) w.raw(format_timestamp(from_seconds(h.entered[i])));
        w.put(delimiter);
        if (!std::isnan(h.value[i])) {
            const auto res = std::to_chars(number, number + sizeof number, h.value[i]);
            w.raw({number, static_cast<std::size_t>(res.ptr - number)});
        }
        w.put(delimiter);
        w.text(text(h.sources, h.source[i]));
        for (const auto& a : attributes.columns) {
            w.put(delimiter);
            const auto lead = h.lead[i];
            if (lead >= 0 && static_cast<std::size_t>(lead) < a.codes.size()) w.text(text(a.values, a.codes[lead]));
        }
        w.end_line();
    }
    w.flush();
}

void write_history_file(const file_path& path, const stage_history& h, const lead_attributes& attributes,
                        char delimiter) {
    detail::write_text_file(path, [&](std::ostream& out) { write_history(out, h, attributes, delimiter); });
}

const funnel& snapshot_funnel() {
    static const funnel f({{"prospecting", stage_kind::open},
                           {"engaging", stage_kind::open},
                           {"won", stage_kind::won},
                           {"lost", stage_kind::lost}});
    return f;
}

history_import read_deal_snapshot(std::string_view text, const funnel& f, const snapshot_options& options,
                                  std::string_view name) {
    return detail::csv::snapshot_reader(text, f, options, name).run();
}

history_import read_deal_snapshot_file(const file_path& path, const funnel& f,
                                       const snapshot_options& options) {
    const auto data = detail::read_text_file(path, options.csv.limits.max_line_bytes);
    return read_deal_snapshot(data, f, options, path.string());
}

funnel read_funnel(std::string_view text, std::string_view name) {
    const csv_limits limits;
    detail::csv::record_reader records(text, '\0', detail::csv::cell_limit(limits));
    std::vector<stage> stages;
    for (bool first = true; records.next(); first = false) {
        detail::csv::check_limits(limits, records, name);
        if (const auto fault = detail::csv::history_fault(records))
            throw input_error({std::string(name), fault->at.line, fault->at.column, {}}, fault->reason);
        const auto cells = records.cells();
        // An optional header line "stage,kind".
        if (first && cells.size() == 2 && normalize_name(detail::csv::trim_blanks(cells[0].view())) == "stage" &&
            normalize_name(detail::csv::trim_blanks(cells[1].view())) == "kind")
            continue;
        stages.push_back(detail::csv::funnel_line(records, name));
    }
    if (stages.empty()) throw input_error({std::string(name), 0, 0, {}}, "no stages: a funnel file has lines 'stage,kind'");
    try {
        return funnel(std::move(stages));
    } catch (const definition_error& e) {
        throw definition_error(std::string(name) + ": " + e.what());
    }
}

funnel read_funnel_file(const file_path& path) {
    const auto data = detail::read_text_file(path, csv_limits{}.max_line_bytes);
    return read_funnel(data, path.string());
}

} // namespace leadscore
