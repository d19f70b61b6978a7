#include "leadscore/qualification/crossings.hpp"

#include "../core/messages.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/engine.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

namespace leadscore {

std::string_view to_string(crossing_kind k) noexcept {
    switch (k) {
    case crossing_kind::score: return "score";
    case crossing_kind::temperature: return "temperature";
    case crossing_kind::stage: return "stage";
    }
    return "?";
}

bool crossing::upward() const noexcept {
    switch (kind) {
    case crossing_kind::score: return to_score >= threshold;
    case crossing_kind::temperature: return !is_defined(from_temperature) || to_temperature > from_temperature;
    case crossing_kind::stage:
        if (from_stage < 0) return true;
        if (!is_open_class(from_category)) return false;
        return to_category == lifecycle::beyond || (is_open_class(to_category) && to_category > from_category);
    }
    return false;
}

bool operator==(const crossing& a, const crossing& b) noexcept {
    const auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    return a.row == b.row && a.lead_id == b.lead_id && a.owner == b.owner && a.kind == b.kind && a.time == b.time &&
           same(a.threshold, b.threshold) && same(a.from_score, b.from_score) && same(a.to_score, b.to_score) &&
           a.from_temperature == b.from_temperature && a.to_temperature == b.to_temperature &&
           a.from_stage == b.from_stage && a.to_stage == b.to_stage && a.from_category == b.from_category &&
           a.to_category == b.to_category;
}

namespace {

std::size_t id_column(const table_view& v, const char* which) {
    const auto col = v.table_schema().find(field_role::id);
    if (!col) throw definition_error(std::string("match_rows: the ") + which + " table has no field with role id");
    return *col;
}

} // namespace

std::vector<std::int64_t> match_rows(const table_view& before, const table_view& after) {
    std::vector<std::int64_t> out(after.rows(), -1);
    // An empty view may have no schema at all (a default table_view), so it is not asked for one.
    if (after.rows() == 0) return out;
    const auto acol = id_column(after, "later");
    if (before.rows() == 0) return out;
    const auto bcol = id_column(before, "earlier");
    const auto& bdict = before.dict(bcol);
    const auto bcodes = before.codes(bcol);
    const std::string field = before.table_schema()[bcol].name;
    // Dictionary code of before -> its row; then text of each after code -> that row.
    std::vector<std::int64_t> row_of_code(bdict.size(), -1);
    for (std::size_t r = 0; r < bcodes.size(); ++r) {
        const auto c = bcodes[r];
        if (c == missing_code) continue;
        if (c < 0 || static_cast<std::size_t>(c) >= bdict.size())
            throw input_error(detail::field_place(field), "row " + std::to_string(r) + ": code " + std::to_string(c) +
                                                              " is not in the field's dictionary");
        auto& slot = row_of_code[static_cast<std::size_t>(c)];
        if (slot >= 0)
            throw input_error(detail::field_place(field), "row " + std::to_string(r) + ": id '" +
                                                              std::string(bdict[c]) + "' also at row " +
                                                              std::to_string(slot));
        slot = static_cast<std::int64_t>(r);
    }
    std::unordered_map<std::string_view, std::int64_t> by_text;
    by_text.reserve(bdict.size());
    for (std::size_t c = 0; c < bdict.size(); ++c)
        if (row_of_code[c] >= 0) by_text.emplace(bdict[static_cast<std::int32_t>(c)], row_of_code[c]);
    const auto& adict = after.dict(acol);
    std::vector<std::int64_t> before_of_code(adict.size(), -1);
    for (std::size_t c = 0; c < adict.size(); ++c)
        if (const auto it = by_text.find(adict[static_cast<std::int32_t>(c)]); it != by_text.end())
            before_of_code[c] = it->second;
    const auto acodes = after.codes(acol);
    const std::string afield = after.table_schema()[acol].name;
    for (std::size_t r = 0; r < acodes.size(); ++r) {
        const auto c = acodes[r];
        if (c == missing_code) continue;
        if (c < 0 || static_cast<std::size_t>(c) >= adict.size())
            throw input_error(detail::field_place(afield), "row " + std::to_string(r) + ": code " +
                                                               std::to_string(c) + " is not in the field's dictionary");
        out[r] = before_of_code[static_cast<std::size_t>(c)];
    }
    return out;
}

std::vector<rating> previous_ratings(std::span<const rating> before, std::span<const std::int64_t> previous_row) {
    std::vector<rating> out(previous_row.size());
    for (std::size_t i = 0; i < previous_row.size(); ++i) {
        const auto p = previous_row[i];
        if (p < -1 || p >= static_cast<std::int64_t>(before.size()))
            throw definition_error("previous_ratings: previous row " + std::to_string(p) + " at row " +
                                   std::to_string(i) + " (needs -1 or a row below " + std::to_string(before.size()) +
                                   ")");
        if (p >= 0) out[i] = before[static_cast<std::size_t>(p)];
    }
    return out;
}

namespace {

void check_span(const char* what, const char* which, std::size_t have, std::size_t want, bool required) {
    if (required && have != want)
        throw definition_error(std::string("crossings: the ") + which + " evaluation has " + std::to_string(have) + " " +
                               what + " for " + std::to_string(want) + " rows");
    if (!required && have != 0 && have != want)
        throw definition_error(std::string("crossings: the ") + which + " evaluation has " + std::to_string(have) + " " +
                               what + " for " + std::to_string(want) + " rows (give one per row, or none)");
}

void check_level(const rating& r, std::size_t row, const char* which) {
    if (static_cast<std::uint8_t>(r.level) > static_cast<std::uint8_t>(temperature::unknown))
        throw input_error(detail::field_place(std::string(which) + " temperature"),
                          "row " + std::to_string(row) + ": level code " +
                              std::to_string(static_cast<unsigned>(r.level)) + " is not a temperature");
}

/// A categorical role's text at a row, or empty.
struct text_column {
    std::span<const std::int32_t> codes;
    const dictionary* dict = nullptr;
    [[nodiscard]] std::string at(std::size_t r) const {
        if (dict == nullptr) return {};
        const auto c = codes[r];
        if (c < 0 || static_cast<std::size_t>(c) >= dict->size()) return {};
        return std::string((*dict)[c]);
    }
};

text_column role_column(const table_view& v, field_role role) {
    if (v.rows() == 0) return {};
    const auto col = v.table_schema().find(role);
    if (!col || v.table_schema()[*col].type != field_type::categorical) return {};
    return {v.codes(*col), &v.dict(*col)};
}

/// The thresholds ascending and finite, the spans one per row (or empty where allowed), previous rows in range.
/// Returns the number of rows of the earlier evaluation.
std::size_t check_evaluations(std::size_t n, const evaluation& before, const evaluation& after,
                              const crossing_rules& rules, std::span<const std::int64_t> previous_row) {
    const auto& th = rules.score_thresholds;
    for (std::size_t i = 0; i < th.size(); ++i) {
        if (!std::isfinite(th[i]))
            throw definition_error("crossings: score threshold " + detail::format_shortest(th[i]) +
                                   " is not a finite number");
        if (i > 0 && !(th[i - 1] < th[i]))
            throw definition_error("crossings: score thresholds " + detail::format_shortest(th[i - 1]) + " and " +
                                   detail::format_shortest(th[i]) + " are not strictly ascending");
    }
    const bool scores = !th.empty(), temps = rules.temperatures, stages = rules.stages;
    // The before evaluation covers as many rows as after (by row), or any number (through previous_row).
    std::size_t before_rows = n;
    if (!previous_row.empty() || n == 0) {
        if (previous_row.size() != n)
            throw definition_error("crossings: " + std::to_string(previous_row.size()) + " previous rows for " +
                                   std::to_string(n) + " rows");
        before_rows = std::max({before.scores.size(), before.temperatures.size(), before.stages.size()});
    }
    check_span("scores", "new", after.scores.size(), n, scores);
    check_span("temperatures", "new", after.temperatures.size(), n, temps);
    check_span("stages", "new", after.stages.size(), n, stages);
    check_span("scores", "earlier", before.scores.size(), before_rows, scores);
    check_span("temperatures", "earlier", before.temperatures.size(), before_rows, temps);
    check_span("stages", "earlier", before.stages.size(), before_rows, stages);
    for (std::size_t r = 0; r < previous_row.size(); ++r)
        if (previous_row[r] < -1 || previous_row[r] >= static_cast<std::int64_t>(before_rows))
            throw definition_error("crossings: previous row " + std::to_string(previous_row[r]) + " at row " +
                                   std::to_string(r) + " (needs -1 or a row of the earlier evaluation, below " +
                                   std::to_string(before_rows) + ")");
    return before_rows;
}

/// The crossings of one row at a time, for checked inputs.
struct crossing_finder {
    const evaluation& before;
    const evaluation& after;
    const crossing_rules& rules;
    std::span<const std::int64_t> previous_row;
    text_column ids, owners;

    /// Appends row r's crossings to out: score thresholds passed (in threshold order), then temperature, then stage.
    void add_row(std::size_t r, std::vector<crossing>& out) const {
        const std::int64_t prev = previous_row.empty() ? static_cast<std::int64_t>(r) : previous_row[r];
        const bool known = prev >= 0;
        crossing base = both_sides(r, known ? static_cast<std::size_t>(prev) : 0, known);
        bool filled = false; // ids and owners are looked up once a row has a crossing
        const auto add = [&](crossing_kind kind, double threshold) {
            if (!filled) {
                base.lead_id = ids.at(r);
                base.owner = owners.at(r);
                filled = true;
            }
            crossing c = base;
            c.kind = kind;
            c.threshold = threshold;
            out.push_back(std::move(c));
        };
        if (!rules.score_thresholds.empty()) {
            const double from = base.from_score, to = base.to_score;
            const bool from_none = !known || std::isnan(from);
            if (!std::isnan(to) && (!from_none || rules.new_leads)) {
                for (const double t : rules.score_thresholds) {
                    const bool up = from_none ? to >= t : from < t && t <= to;
                    const bool down = !from_none && to < t && t <= from;
                    if (up || down) add(crossing_kind::score, t);
                }
            }
        }
        if (rules.temperatures && is_defined(base.to_temperature) && base.to_temperature != base.from_temperature &&
            (is_defined(base.from_temperature) || rules.new_leads))
            add(crossing_kind::temperature, base.threshold);
        if (rules.stages && base.to_stage >= 0 && base.to_stage != base.from_stage &&
            (base.from_stage >= 0 || rules.new_leads))
            add(crossing_kind::stage, base.threshold);
    }

    /// Row r's values now and, when `known`, at the earlier row pr.
    [[nodiscard]] crossing both_sides(std::size_t r, std::size_t pr, bool known) const {
        crossing base;
        base.row = r;
        base.time = after.at;
        if (!after.scores.empty()) base.to_score = after.scores[r];
        if (known && !before.scores.empty()) base.from_score = before.scores[pr];
        if (!after.temperatures.empty()) {
            check_level(after.temperatures[r], r, "new");
            base.to_temperature = after.temperatures[r].level;
        }
        if (known && !before.temperatures.empty()) {
            check_level(before.temperatures[pr], pr, "earlier");
            base.from_temperature = before.temperatures[pr].level;
        }
        if (!after.stages.empty()) {
            base.to_stage = after.stages[r].stage;
            base.to_category = after.stages[r].category;
        }
        if (known && !before.stages.empty()) {
            base.from_stage = before.stages[pr].stage;
            base.from_category = before.stages[pr].category;
        }
        return base;
    }
};

} // namespace

std::vector<crossing> find_crossings(const table_view& rows, const evaluation& before, const evaluation& after,
                                     const crossing_rules& rules, std::span<const std::int64_t> previous_row,
                                     const batch_options& options) {
    const std::size_t n = rows.rows();
    check_evaluations(n, before, after, rules, previous_row);
    const crossing_finder finder{before, after, rules, previous_row, role_column(rows, field_role::id),
                                 role_column(rows, field_role::owner)};
    const std::size_t block = std::max<std::size_t>(options.block_rows, 1);
    std::vector<std::vector<crossing>> found((n + block - 1) / block);
    detail::for_each_block(n, options, [&](std::size_t begin, std::size_t end) {
        auto& out = found[begin / block];
        for (std::size_t r = begin; r < end; ++r) finder.add_row(r, out);
    });
    std::vector<crossing> all;
    std::size_t total = 0;
    for (const auto& f : found) total += f.size();
    all.reserve(total);
    for (auto& f : found) std::move(f.begin(), f.end(), std::back_inserter(all));
    return all;
}

} // namespace leadscore
