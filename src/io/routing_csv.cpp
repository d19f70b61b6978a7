#include "leadscore/io/routing_csv.hpp"

#include "csv_reader.hpp"
#include "csv_values.hpp"
#include "text_file.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/scoring/condition.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace leadscore {

namespace detail::csv {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

/// A file's columns by meaning: position in the header, or npos when absent.
constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// A reps or rules file: its header, checked as read_csv checks one, and its records, for the places of cells.
/// The rows are read by read_csv (fail fast, so that every record it accepts is a row, in order); the records
/// are walked along with them.
class routing_file {
public:
    routing_file(std::string_view text, std::string_view file)
        : text_(text), file_(file), records_(text, '\0', cell_limit(csv_limits{})) {
        if (!records_.next()) throw input_error({std::string(file), 0, 0, {}}, "empty input: no header line");
        check_limits(csv_limits{}, records_, file);
        names_ = checked_header(records_, file);
        header_line_ = records_.line();
    }

    [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }
    [[nodiscard]] std::size_t header_line() const noexcept { return header_line_; }

    /// Positions of the columns named `known` (compared after normalize_name; the last of equal names wins).
    template <std::size_t N>
    [[nodiscard]] std::array<std::size_t, N> find_columns(const std::array<std::string_view, N>& known) const {
        std::array<std::size_t, N> at;
        at.fill(npos);
        for (std::size_t c = 0; c < names_.size(); ++c) {
            const auto key = normalize_name(names_[c]);
            for (std::size_t k = 0; k < N; ++k)
                if (key == known[k]) at[k] = c;
        }
        return at;
    }

    /// The rows, as read_csv reads them with `fields` (throwing at the first malformed row).
    [[nodiscard]] lead_table rows(const schema& fields, bool ignore_extra_columns) const {
        csv_options o;
        o.delimiter = records_.delimiter();
        o.missing_tokens = {""};
        o.fields = fields;
        o.ignore_extra_columns = ignore_extra_columns;
        return read_csv(text_, o, file_).table;
    }

    /// Moves to the record of the next row.
    void next_record() { records_.next(); }
    /// The place of column c in the current record (the header before the first next_record()).
    [[nodiscard]] source_location place(std::size_t c) const {
        const auto at = records_.place(c);
        return {std::string(file_), at.line, at.column, names_[c]};
    }

private:
    std::string_view text_, file_;
    record_reader records_;
    std::vector<std::string> names_;
    std::size_t header_line_ = 0;
};

std::string categorical_at(const lead_table& t, std::size_t col, std::size_t row) {
    const auto code = t.codes(col)[row];
    return code == missing_code ? std::string() : std::string(t.dict(col)[code]);
}

// ---- reps -----------------------------------------------------------------------------------------------------

std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    std::string item;
    for (const char c : s) {
        if (c == '|' || c == ';' || c == ',' || c == ' ' || c == '\t') {
            if (!item.empty()) out.push_back(std::move(item));
            item.clear();
        } else {
            item += c;
        }
    }
    if (!item.empty()) out.push_back(std::move(item));
    return out;
}

enum { c_rep, c_team, c_capacity, c_available, c_languages, c_regions, rep_columns };
constexpr std::array<std::string_view, rep_columns> rep_names{"rep", "team", "capacity", "available", "languages",
                                                              "regions"};
constexpr std::array<field_type, rep_columns> rep_types{field_type::categorical, field_type::categorical,
                                                        field_type::numeric,     field_type::boolean,
                                                        field_type::categorical, field_type::categorical};

/// A capacity cell's value (NaN = none) as leads per month; throws input_error at `where` for a bad one.
std::optional<std::int64_t> capacity_of(double v, const source_location& where) {
    if (std::isnan(v)) return std::nullopt;
    if (v < 0)
        throw input_error(where, "a negative capacity (" + detail::format_shortest(v) +
                                     "): a capacity is a number of leads per month, 0 or more");
    if (v != std::floor(v))
        throw input_error(where, "a fractional capacity (" + detail::format_shortest(v) +
                                     "): a capacity is a whole number of leads per month");
    if (v > static_cast<double>(std::int64_t{1} << 62)) throw input_error(where, "a capacity above 2^62 leads per month");
    return static_cast<std::int64_t>(v);
}

/// Row `row` of a reps table as a rep; `at` gives the file column, `col` the table column of each known column.
rep_record rep_of(const lead_table& t, std::size_t row, const std::array<std::size_t, rep_columns>& col,
                  const auto& place) {
    rep_record rep;
    rep.name = std::string(trim_blanks(categorical_at(t, col[c_rep], row)));
    if (rep.name.empty()) throw input_error(place(c_rep), "a rep without a name");
    if (col[c_team] != npos) rep.team = std::string(trim_blanks(categorical_at(t, col[c_team], row)));
    if (col[c_capacity] != npos) rep.capacity = capacity_of(t.numeric(col[c_capacity])[row], place(c_capacity));
    if (col[c_available] != npos) rep.available = t.booleans(col[c_available])[row] != 0; // missing (-1) = available
    if (col[c_languages] != npos) rep.languages = split_list(categorical_at(t, col[c_languages], row));
    if (col[c_regions] != npos) rep.regions = split_list(categorical_at(t, col[c_regions], row));
    return rep;
}


// ---- rules ----------------------------------------------------------------------------------------------------

struct test_word {
    std::string_view word;
    condition_test test;
    bool negate;
    int bound; // range tests: 1 = at_least, 2 = above, 3 = at_most, 4 = below, 5 = between; 0 = not a range
};

constexpr test_word test_words[] = {
    {"equals", condition_test::equals, false, 0},      {"=", condition_test::equals, false, 0},
    {"==", condition_test::equals, false, 0},          {"not_equals", condition_test::equals, true, 0},
    {"!=", condition_test::equals, true, 0},           {"one_of", condition_test::one_of, false, 0},
    {"in", condition_test::one_of, false, 0},          {"not_one_of", condition_test::one_of, true, 0},
    {"not_in", condition_test::one_of, true, 0},       {"contains", condition_test::contains, false, 0},
    {"not_contains", condition_test::contains, true, 0}, {"is_missing", condition_test::is_missing, false, 0},
    {"is_present", condition_test::is_missing, true, 0}, {"at_least", condition_test::range, false, 1},
    {">=", condition_test::range, false, 1},           {"above", condition_test::range, false, 2},
    {">", condition_test::range, false, 2},            {"at_most", condition_test::range, false, 3},
    {"<=", condition_test::range, false, 3},           {"below", condition_test::range, false, 4},
    {"<", condition_test::range, false, 4},            {"between", condition_test::range, false, 5},
};

constexpr std::string_view test_list =
    "equals (=, ==), not_equals (!=), one_of (in), not_one_of (not_in), contains, not_contains, is_missing, is_present, "
    "at_least (>=), above (>), at_most (<=), below (<), between";

const test_word* find_test(std::string_view text) {
    const auto key = lower(trim_blanks(text));
    for (const auto& t : test_words)
        if (t.word == key) return &t;
    return nullptr;
}

/// One literal for a field of type t; nullopt when the text does not fit.
std::optional<attribute_value> parse_literal(std::string_view text, field_type t) {
    const auto s = trim_blanks(text);
    switch (t) {
    case field_type::numeric: {
        double v = 0;
        if (!parse_finite(s, v)) return std::nullopt;
        return v;
    }
    case field_type::categorical:
        if (s.empty()) return std::nullopt;
        return std::string(s);
    case field_type::boolean: {
        const auto w = lower(s);
        if (w == "true" || w == "yes" || w == "1") return true;
        if (w == "false" || w == "no" || w == "0") return false;
        return std::nullopt;
    }
    case field_type::timestamp:
        if (const auto ts = parse_timestamp(s)) return *ts;
        return std::nullopt;
    }
    return std::nullopt;
}

std::string expected_literal(field_type t) {
    switch (t) {
    case field_type::numeric: return "a number";
    case field_type::categorical: return "a non-empty text";
    case field_type::boolean: return "true or false";
    case field_type::timestamp: return "a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)";
    }
    return "a value";
}

std::vector<std::string_view> split_values(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t b = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == '|') {
            out.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    return out;
}

std::string field_list(const schema& s, std::size_t max = 12) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < max; ++i) out += (i ? ", " : "") + s[i].name;
    if (s.size() > max) out += ", ...";
    return out.empty() ? "none" : out;
}

enum { c_rule, c_field, c_test, c_value, c_target, rule_columns };
constexpr std::array<std::string_view, rule_columns> rule_names{"rule", "field", "test", "value", "target"};

/// Reads a rules file line by line into rules, a default and the queues it names.
class rules_reader {
public:
    rules_reader(std::string_view text, const schema& leads, routing_state& state, std::string_view file)
        : in_(text, file), at_(in_.find_columns(rule_names)), leads_(leads), empty_leads_(leads), state_(state),
          table_(in_.rows(columns(file), false)) {}

    routing_rules run() && {
        for (std::size_t row = 0; row < table_.rows(); ++row) {
            in_.next_record();
            read_line(row);
        }
        for (auto& q : queues_) state_.add_team(std::move(q));
        return std::move(out_);
    }

private:
    /// The table columns (all categorical), after checking that every column is known and that field, test, value
    /// and target are there.
    schema columns(std::string_view file) {
        const auto& names = in_.names();
        for (std::size_t c = 0; c < names.size(); ++c)
            if (std::find(at_.begin(), at_.end(), c) == at_.end())
                throw input_error(in_.place(c), "unknown column '" + names[c] + "' (a rules file has columns field, "
                                                "test, value, target and optionally rule)");
        for (const int k : {c_field, c_test, c_value, c_target})
            if (at_[static_cast<std::size_t>(k)] == npos)
                throw input_error({std::string(file), in_.header_line(), 0, {}},
                                  "no '" + std::string(rule_names[static_cast<std::size_t>(k)]) +
                                      "' column (a rules file has columns field, test, value, target and optionally "
                                      "rule)");
        schema cols;
        col_.fill(npos);
        for (std::size_t k = 0; k < rule_names.size(); ++k)
            if (at_[k] != npos) col_[k] = cols.add({in_.names()[at_[k]], field_type::categorical, field_role::none});
        return cols;
    }

    [[nodiscard]] source_location place(int k) const { return in_.place(at_[static_cast<std::size_t>(k)]); }
    [[nodiscard]] std::string cell(std::size_t row, int k) const {
        const auto c = col_[static_cast<std::size_t>(k)];
        return c == npos ? std::string() : categorical_at(table_, c, row);
    }

    void read_line(std::size_t row) {
        const std::string rule_name(trim_blanks(cell(row, c_rule)));
        const std::string field_name(trim_blanks(cell(row, c_field)));
        const std::string test_text = cell(row, c_test);
        const std::string value_text = cell(row, c_value);
        const std::optional<route_target> target = target_of(trim_blanks(cell(row, c_target)));
        if (field_name == "*") return take_default(test_text, value_text, target);
        condition c = condition_of(field_name, test_text, value_text);

        // A new rule, or one more condition of the rule on the line before.
        const bool continues = !rule_name.empty() && rule_name == previous_name_ && !out_.rules.empty();
        if (continues) {
            auto& rule = out_.rules.back();
            if (target && *target != rule.target)
                throw input_error(place(c_target), "rule '" + rule_name + "' goes to " + to_string(rule.target) +
                                                       " on its first line; its other lines leave the target empty "
                                                       "or repeat it");
            rule.when.push_back(std::move(c));
        } else {
            if (!target) throw input_error(place(c_target), "a rule without a target");
            out_.rules.push_back({rule_name, {std::move(c)}, *target});
        }
        previous_name_ = rule_name;
    }

    /// The target cell (trimmed) as a route target; nullopt when empty.
    std::optional<route_target> target_of(std::string_view text) {
        if (text.empty()) return std::nullopt;
        const auto colon = text.find(':');
        const std::string kind = colon == std::string_view::npos ? std::string() : lower(trim_blanks(text.substr(0, colon)));
        const std::string name(trim_blanks(colon == std::string_view::npos ? text : text.substr(colon + 1)));
        const bool prefixed = kind == "team" || kind == "rep" || kind == "queue";
        const std::string bare = prefixed ? name : std::string(text);
        if (bare.empty()) throw input_error(place(c_target), "a target without a name");
        const auto rep = state_.find_rep(bare);
        const bool team = state_.find_team(bare).has_value() ||
                          std::find(queues_.begin(), queues_.end(), bare) != queues_.end();
        if (!prefixed) {
            if (rep && team)
                throw input_error(place(c_target), "'" + bare + "' is both a rep and a team: write rep:" + bare +
                                                       " or team:" + bare);
            if (!rep && !team)
                throw input_error(place(c_target), "no rep or team '" + bare + "' in the reps (write queue:" + bare +
                                                       " for a queue without reps)");
            return rep ? route_target::rep(bare) : route_target::team(bare);
        }
        if (kind == "rep") {
            if (!rep) throw input_error(place(c_target), "rep '" + bare + "' is not defined in the reps");
            return route_target::rep(bare);
        }
        if (kind == "team") {
            if (!team) throw input_error(place(c_target), "team '" + bare + "' is not defined in the reps");
            return route_target::team(bare);
        }
        if (!team) queues_.push_back(bare); // a queue may have no reps
        return route_target::queue(bare);
    }

    /// The default line: field '*', no test or value, a target.
    void take_default(std::string_view test_text, std::string_view value_text, const std::optional<route_target>& target) {
        if (!trim_blanks(test_text).empty()) throw input_error(place(c_test), "the default line ('*') takes no test");
        if (!trim_blanks(value_text).empty()) throw input_error(place(c_value), "the default line ('*') takes no value");
        if (!target) throw input_error(place(c_target), "the default line ('*') needs a target");
        if (out_.fallback)
            throw input_error(place(c_field), "a second default (the first is on line " + std::to_string(default_line_) + ")");
        out_.fallback = target;
        default_line_ = place(c_field).line;
        previous_name_.clear();
    }

    /// A rule line's condition, checked against the leads' schema.
    condition condition_of(const std::string& field_name, std::string_view test_text, std::string_view value_text) {
        if (field_name.empty()) throw input_error(place(c_field), "a rule line without a field ('*' for the default)");
        const auto f = leads_.find(field_name);
        if (!f)
            throw input_error(place(c_field),
                              "no field '" + field_name + "' in the leads (fields: " + field_list(leads_) + ")");
        const field_type type = leads_[*f].type;
        const test_word* test = find_test(test_text);
        if (!test)
            throw input_error(place(c_test), "unknown test '" + std::string(trim_blanks(test_text)) + "' (tests: " +
                                                 std::string(test_list) + ")");
        condition c;
        c.field = field_name;
        c.test = test->test;
        c.negate = test->negate;
        if (test->test == condition_test::is_missing) {
            if (!trim_blanks(value_text).empty())
                throw input_error(place(c_value), std::string(test->word) + " takes no value");
        } else if (test->bound != 0 && type == field_type::categorical) {
            temperature_threshold(c, *test, field_name, value_text);
        } else {
            literals(c, *test, field_name, type, value_text);
        }
        try {
            validate(c);
        } catch (const definition_error& e) {
            throw input_error(place(c_value), e.what());
        }
        try {
            const bound_condition check(c, empty_leads_.view()); // checks the test against the field's type
        } catch (const definition_error& e) {
            throw input_error(place(c_test), e.what());
        }
        return c;
    }

    /// A range test on a categorical field compares temperatures, cold < warm < hot: a one_of over the levels.
    void temperature_threshold(condition& c, const test_word& test, const std::string& field_name,
                               std::string_view value_text) const {
        static constexpr std::array<std::string_view, 3> levels{"cold", "warm", "hot"};
        const auto level = lower(trim_blanks(value_text));
        std::size_t i = 0;
        while (i < levels.size() && levels[i] != level) ++i;
        if (i == levels.size() || test.bound == 5)
            throw input_error(place(c_test), std::string(test.word) + " does not apply to the categorical field '" +
                                                 field_name +
                                                 "' (on a categorical field, at_least, above, at_most and below take "
                                                 "cold, warm or hot)");
        std::size_t lo = 0, hi = levels.size(); // levels [lo, hi) match
        if (test.bound == 1) lo = i;
        if (test.bound == 2) lo = i + 1;
        if (test.bound == 3) hi = i + 1;
        if (test.bound == 4) hi = i;
        if (lo >= hi) throw input_error(place(c_value), "no temperature is " + std::string(test.word) + " " + level);
        c.test = condition_test::one_of;
        for (std::size_t k = lo; k < hi; ++k) c.values.emplace_back(std::string(levels[k]));
    }

    /// The value cell as the test's literals (a range's bounds, one_of's list, or one value).
    void literals(condition& c, const test_word& test, const std::string& field_name, field_type type,
                  std::string_view value_text) const {
        const auto literal = [&](std::string_view v) {
            auto lit = parse_literal(v, type);
            if (!lit)
                throw input_error(place(c_value), "'" + std::string(trim_blanks(v)) + "' is not " +
                                                      expected_literal(type) + " (field '" + field_name + "' is " +
                                                      std::string(to_string(type)) + ")");
            return *lit;
        };
        const auto values = split_values(value_text);
        if (test.bound == 5) {
            if (values.size() != 2) throw input_error(place(c_value), "between takes two values, low|high");
            c.low = literal(values[0]);
            c.high = literal(values[1]);
        } else if (test.bound != 0) {
            const auto v = literal(value_text);
            if (test.bound <= 2) c.low = v;
            else c.high = v;
            c.low_inclusive = test.bound != 2;
            c.high_inclusive = test.bound != 4;
        } else if (test.test == condition_test::one_of) {
            for (const auto v : values) c.values.push_back(literal(v));
        } else {
            c.values.push_back(literal(value_text));
        }
    }

    routing_file in_;
    std::array<std::size_t, rule_columns> at_;
    std::array<std::size_t, rule_columns> col_{};
    const schema& leads_;
    const lead_table empty_leads_; // no rows: binding a condition to it checks the test against the field's type
    routing_state& state_;
    lead_table table_;
    routing_rules out_;
    std::vector<std::string> queues_; // queues that name no team yet: added to the state once the file is read
    std::size_t default_line_ = 0;
    std::string previous_name_; // the name of the rule the last line belonged to ("" = unnamed or none)
};

} // namespace
} // namespace detail::csv

routing_state read_reps_csv(std::string_view text, std::string_view file) {
    using namespace detail::csv;
    routing_file in(text, file);
    const auto at = in.find_columns(rep_names);
    if (at[c_rep] == npos)
        throw input_error({std::string(file), in.header_line(), 0, {}},
                          "no 'rep' column (a reps file has columns rep, team, capacity, available, languages, "
                          "regions)");
    schema fields;
    std::array<std::size_t, rep_columns> col;
    col.fill(npos);
    for (std::size_t k = 0; k < rep_names.size(); ++k)
        if (at[k] != npos) col[k] = fields.add({in.names()[at[k]], rep_types[k], field_role::none});
    const lead_table t = in.rows(fields, true);

    routing_state state;
    std::vector<std::size_t> rep_line; // per rep: the line of its name, for "defined twice" messages
    const auto place = [&](int k) { return in.place(at[static_cast<std::size_t>(k)]); };
    for (std::size_t row = 0; row < t.rows(); ++row) {
        in.next_record();
        // The name is checked first, then whether it is new, then the other cells.
        const auto name = std::string(trim_blanks(categorical_at(t, col[c_rep], row)));
        if (const auto earlier = name.empty() ? std::nullopt : state.find_rep(name))
            throw input_error(place(c_rep), "rep '" + name + "' is defined twice (first on line " +
                                                std::to_string(rep_line[*earlier]) + ")");
        state.add_rep(rep_of(t, row, col, place));
        rep_line.push_back(place(c_rep).line);
    }
    // Nobody to route to: every lead would go unassigned, which a file cut short would otherwise hide.
    if (state.reps.empty())
        throw input_error({std::string(file), in.header_line(), 0, {}},
                          "no reps: the file has a header but no rep lines");
    return state;
}

routing_state read_reps_csv_file(const file_path& path) {
    const auto data = detail::read_text_file(path, csv_limits{}.max_line_bytes);
    return read_reps_csv(data, path.string());
}

routing_rules read_routing_rules_csv(std::string_view text, const schema& leads, routing_state& state,
                                     std::string_view file) {
    return detail::csv::rules_reader(text, leads, state, file).run();
}

routing_rules read_routing_rules_csv_file(const file_path& path, const schema& leads,
                                          routing_state& state) {
    const auto data = detail::read_text_file(path, csv_limits{}.max_line_bytes);
    return read_routing_rules_csv(data, leads, state, path.string());
}

} // namespace leadscore
