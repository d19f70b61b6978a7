#include "leadscore/routing/csv.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/scoring/condition.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace leadscore {

namespace {

// ---- places ---------------------------------------------------------------------------------------------------

std::string_view trim(std::string_view s) noexcept {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

constexpr std::string_view bom = "\xEF\xBB\xBF";

/// The place of field `field` of record `record` (0 = the header), reading as read_csv does: a byte order mark at
/// the start, blank lines skipped, quoted cells spanning lines. A field past the record's end is placed at its end.
source_location cell_place(std::string_view text, char delimiter, std::size_t record, std::size_t field,
                           std::string_view file, std::string_view field_name) {
    const std::size_t n = text.size();
    std::size_t p = text.starts_with(bom) ? bom.size() : 0;
    std::size_t line = 1, line_start = p;
    const auto line_end = [&](std::size_t i) {
        return text[i] == '\n' || (text[i] == '\r' && (i + 1 == n || text[i + 1] == '\n'));
    };
    std::size_t rec = 0;
    while (p < n) {
        if (text[p] == '\n') {
            ++line, ++p, line_start = p;
            continue;
        }
        if (text[p] == '\r' && (p + 1 == n || text[p + 1] == '\n')) {
            p += p + 1 == n ? 1 : 2;
            ++line, line_start = p;
            continue;
        }
        for (std::size_t f = 0;; ++f) {
            if (rec == record && f == field)
                return {std::string(file), line, p - line_start + 1, std::string(field_name)};
            if (p < n && text[p] == '"') {
                for (++p; p < n; ++p) {
                    if (text[p] == '"') {
                        if (p + 1 < n && text[p + 1] == '"') {
                            ++p;
                            continue;
                        }
                        ++p;
                        break;
                    }
                    if (text[p] == '\n') ++line, line_start = p + 1;
                }
            }
            while (p < n && text[p] != delimiter && !line_end(p)) ++p;
            if (p < n && text[p] == delimiter) {
                ++p;
                continue;
            }
            if (rec == record) return {std::string(file), line, p - line_start + 1, std::string(field_name)};
            break;
        }
        ++rec;
        if (p < n && text[p] == '\r') ++p;
        if (p < n && text[p] == '\n') ++p, ++line, line_start = p;
    }
    return {std::string(file), line, 0, std::string(field_name)};
}

// ---- the header -----------------------------------------------------------------------------------------------

struct header {
    char delimiter = ',';
    std::vector<std::string> names; // in file order
};

/// The header's names, read by read_csv from the first non-blank line, and its delimiter (the most frequent of
/// , ; TAB outside quotes, ',' on a tie, as read_csv detects it).
header read_header(std::string_view text, std::string_view file) {
    std::size_t p = text.starts_with(bom) ? bom.size() : 0;
    while (p < text.size() && (text[p] == '\n' || text[p] == '\r')) ++p;
    std::size_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    std::size_t end = p;
    for (; end < text.size(); ++end) {
        const char c = text[end];
        if (c == '"') quoted = !quoted;
        else if (quoted) continue;
        else if (c == '\n') break;
        else if (c == ',') ++comma;
        else if (c == ';') ++semicolon;
        else if (c == '\t') ++tab;
    }
    header h;
    h.delimiter = semicolon > comma && semicolon >= tab ? ';' : tab > comma && tab > semicolon ? '\t' : ',';
    csv_options o;
    o.delimiter = h.delimiter;
    o.missing_tokens = {};
    const auto r = read_csv(text.substr(0, end), o, file);
    for (const auto& f : r.table.table_schema().fields()) h.names.push_back(f.name);
    return h;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error({path.string(), 0, 0, {}}, "cannot open the file");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw input_error({path.string(), 0, 0, {}}, "cannot read the file");
    return std::move(buffer).str();
}

/// A file's columns by meaning: position in the header, or npos when absent.
constexpr std::size_t npos = static_cast<std::size_t>(-1);

template <std::size_t N>
std::array<std::size_t, N> find_columns(const header& h, const std::array<std::string_view, N>& known) {
    std::array<std::size_t, N> at;
    at.fill(npos);
    for (std::size_t c = 0; c < h.names.size(); ++c) {
        const auto key = normalize_name(h.names[c]);
        for (std::size_t k = 0; k < N; ++k)
            if (key == known[k]) at[k] = c;
    }
    return at;
}

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
    "equals (=), not_equals (!=), one_of (in), not_one_of (not_in), contains, not_contains, is_missing, is_present, "
    "at_least (>=), above (>), at_most (<=), below (<), between";

const test_word* find_test(std::string_view text) {
    const auto key = lower(trim(text));
    for (const auto& t : test_words)
        if (t.word == key) return &t;
    return nullptr;
}

bool parse_number(std::string_view s, double& out) {
    s = trim(s);
    if (s.empty() || s.front() == '+') return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

/// One literal for a field of type t; nullopt when the text does not fit.
std::optional<attribute_value> parse_literal(std::string_view text, field_type t) {
    const auto s = trim(text);
    switch (t) {
    case field_type::numeric: {
        double v = 0;
        if (!parse_number(s, v)) return std::nullopt;
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

} // namespace

routing_state read_reps_csv(std::string_view text, std::string_view file) {
    const header h = read_header(text, file);
    enum { c_rep, c_team, c_capacity, c_available, c_languages, c_regions };
    static constexpr std::array<std::string_view, 6> known{"rep", "team", "capacity", "available", "languages",
                                                           "regions"};
    static constexpr std::array<field_type, 6> types{field_type::categorical, field_type::categorical,
                                                     field_type::numeric,     field_type::boolean,
                                                     field_type::categorical, field_type::categorical};
    const auto at = find_columns(h, known);
    if (at[c_rep] == npos)
        throw input_error({std::string(file), cell_place(text, h.delimiter, 0, 0, file, {}).line, 0, {}},
                          "no 'rep' column (a reps file has columns rep, team, capacity, available, languages, "
                          "regions)");
    schema fields;
    std::array<std::size_t, 6> col;
    col.fill(npos);
    for (std::size_t k = 0; k < known.size(); ++k)
        if (at[k] != npos) col[k] = fields.add({h.names[at[k]], types[k], field_role::none});
    csv_options o;
    o.delimiter = h.delimiter;
    o.missing_tokens = {""};
    o.fields = fields;
    o.ignore_extra_columns = true;
    const auto result = read_csv(text, o, file);
    const lead_table& t = result.table;

    routing_state state;
    std::vector<std::size_t> first_record; // per rep: its record, for "defined twice" messages
    const auto place = [&](std::size_t row, int k) {
        return cell_place(text, h.delimiter, row + 1, at[static_cast<std::size_t>(k)], file, h.names[at[static_cast<std::size_t>(k)]]);
    };
    for (std::size_t row = 0; row < t.rows(); ++row) {
        rep_record rep;
        rep.name = std::string(trim(categorical_at(t, col[c_rep], row)));
        if (rep.name.empty()) throw input_error(place(row, c_rep), "a rep without a name");
        if (const auto earlier = state.find_rep(rep.name))
            throw input_error(place(row, c_rep), "rep '" + rep.name + "' is defined twice (first on line " +
                                                     std::to_string(place(first_record[*earlier], c_rep).line) + ")");
        if (col[c_team] != npos) rep.team = std::string(trim(categorical_at(t, col[c_team], row)));
        if (col[c_capacity] != npos) {
            const double v = t.numeric(col[c_capacity])[row];
            if (!std::isnan(v)) {
                if (v < 0)
                    throw input_error(place(row, c_capacity),
                                      "a negative capacity (" + detail::format_shortest(v) +
                                          "): a capacity is a number of leads per month, 0 or more");
                if (v != std::floor(v))
                    throw input_error(place(row, c_capacity), "a fractional capacity (" + detail::format_shortest(v) +
                                                                  "): a capacity is a whole number of leads per month");
                if (v > static_cast<double>(std::int64_t{1} << 62))
                    throw input_error(place(row, c_capacity), "a capacity above 2^62 leads per month");
                rep.capacity = static_cast<std::int64_t>(v);
            }
        }
        if (col[c_available] != npos) {
            const auto f = t.booleans(col[c_available])[row];
            rep.available = f != 0; // missing (-1) = available
        }
        if (col[c_languages] != npos) rep.languages = split_list(categorical_at(t, col[c_languages], row));
        if (col[c_regions] != npos) rep.regions = split_list(categorical_at(t, col[c_regions], row));
        state.add_rep(std::move(rep));
        first_record.push_back(row);
    }
    return state;
}

routing_state read_reps_csv_file(const std::filesystem::path& path) {
    const auto data = read_file(path);
    return read_reps_csv(data, path.string());
}

routing_rules read_routing_rules_csv(std::string_view text, const schema& leads, routing_state& state,
                                     std::string_view file) {
    const header h = read_header(text, file);
    enum { c_rule, c_field, c_test, c_value, c_target };
    static constexpr std::array<std::string_view, 5> known{"rule", "field", "test", "value", "target"};
    const auto at = find_columns(h, known);
    for (std::size_t c = 0; c < h.names.size(); ++c) {
        bool ok = false;
        for (const auto a : at) ok = ok || a == c;
        if (!ok)
            throw input_error(cell_place(text, h.delimiter, 0, c, file, h.names[c]),
                              "unknown column '" + h.names[c] + "' (a rules file has columns field, test, value, "
                              "target and optionally rule)");
    }
    for (const int k : {c_field, c_test, c_value, c_target})
        if (at[static_cast<std::size_t>(k)] == npos)
            throw input_error({std::string(file), cell_place(text, h.delimiter, 0, 0, file, {}).line, 0, {}},
                              "no '" + std::string(known[static_cast<std::size_t>(k)]) +
                                  "' column (a rules file has columns field, test, value, target and optionally rule)");
    csv_options o;
    o.delimiter = h.delimiter;
    o.missing_tokens = {""};
    schema cols;
    std::array<std::size_t, 5> col;
    col.fill(npos);
    for (std::size_t k = 0; k < known.size(); ++k)
        if (at[k] != npos) col[k] = cols.add({h.names[at[k]], field_type::categorical, field_role::none});
    o.fields = cols;
    const auto result = read_csv(text, o, file);
    const lead_table& t = result.table;

    // An empty table of the leads' schema: binding a condition to it checks the test against the field's type.
    const lead_table empty_leads(leads);
    const table_view empty_view = empty_leads.view();

    routing_rules out;
    std::vector<std::string> queues; // queues that name no team yet: added to the state once the file is read
    const auto is_queue = [&](const std::string& n) { return std::find(queues.begin(), queues.end(), n) != queues.end(); };
    std::size_t default_line = 0;
    std::string previous_name; // the name of the rule the last line belonged to ("" = unnamed or none)
    const auto place = [&](std::size_t row, int k) {
        const auto c = at[static_cast<std::size_t>(k)];
        return cell_place(text, h.delimiter, row + 1, c, file, h.names[c]);
    };
    const auto cell = [&](std::size_t row, int k) {
        const auto c = col[static_cast<std::size_t>(k)];
        return c == npos ? std::string() : categorical_at(t, c, row);
    };

    for (std::size_t row = 0; row < t.rows(); ++row) {
        const std::string rule_name(trim(cell(row, c_rule)));
        const std::string field_name(trim(cell(row, c_field)));
        const std::string test_text = cell(row, c_test);
        const std::string value_text = cell(row, c_value);
        const std::string target_text(trim(cell(row, c_target)));

        // The target, when given.
        std::optional<route_target> target;
        if (!target_text.empty()) {
            const auto colon = target_text.find(':');
            const std::string kind = colon == std::string::npos ? std::string() : lower(trim(target_text.substr(0, colon)));
            const std::string name(trim(colon == std::string::npos ? std::string_view(target_text)
                                                                    : std::string_view(target_text).substr(colon + 1)));
            const bool prefixed = kind == "team" || kind == "rep" || kind == "queue";
            const std::string bare = prefixed ? name : target_text;
            if (bare.empty()) throw input_error(place(row, c_target), "a target without a name");
            const auto rep = state.find_rep(bare);
            const bool team = state.find_team(bare).has_value() || is_queue(bare);
            if (!prefixed) {
                if (rep && team)
                    throw input_error(place(row, c_target), "'" + bare + "' is both a rep and a team: write rep:" +
                                                                bare + " or team:" + bare);
                if (!rep && !team)
                    throw input_error(place(row, c_target), "no rep or team '" + bare +
                                                                "' in the reps (write queue:" + bare +
                                                                " for a queue without reps)");
                target = rep ? route_target::rep(bare) : route_target::team(bare);
            } else if (kind == "rep") {
                if (!rep) throw input_error(place(row, c_target), "rep '" + bare + "' is not defined in the reps");
                target = route_target::rep(bare);
            } else if (kind == "team") {
                if (!team) throw input_error(place(row, c_target), "team '" + bare + "' is not defined in the reps");
                target = route_target::team(bare);
            } else {
                if (!team) queues.push_back(bare); // a queue may have no reps
                target = route_target::queue(bare);
            }
        }

        // The default line.
        if (field_name == "*") {
            if (!trim(test_text).empty())
                throw input_error(place(row, c_test), "the default line ('*') takes no test");
            if (!trim(value_text).empty())
                throw input_error(place(row, c_value), "the default line ('*') takes no value");
            if (!target) throw input_error(place(row, c_target), "the default line ('*') needs a target");
            if (out.fallback)
                throw input_error(place(row, c_field),
                                  "a second default (the first is on line " + std::to_string(default_line) + ")");
            out.fallback = target;
            default_line = place(row, c_field).line;
            previous_name.clear();
            continue;
        }

        // The condition.
        if (field_name.empty()) throw input_error(place(row, c_field), "a rule line without a field ('*' for the default)");
        const auto f = leads.find(field_name);
        if (!f)
            throw input_error(place(row, c_field),
                              "no field '" + field_name + "' in the leads (fields: " + field_list(leads) + ")");
        const field_type type = leads[*f].type;
        const test_word* test = find_test(test_text);
        if (!test)
            throw input_error(place(row, c_test), "unknown test '" + std::string(trim(test_text)) + "' (tests: " +
                                                      std::string(test_list) + ")");
        condition c;
        c.field = field_name;
        c.test = test->test;
        c.negate = test->negate;
        const auto values = split_values(value_text);
        const auto literal = [&](std::string_view v) {
            auto lit = parse_literal(v, type);
            if (!lit)
                throw input_error(place(row, c_value), "'" + std::string(trim(v)) + "' is not " + expected_literal(type) +
                                                           " (field '" + field_name + "' is " +
                                                           std::string(to_string(type)) + ")");
            return *lit;
        };
        if (test->test == condition_test::is_missing) {
            if (!trim(value_text).empty())
                throw input_error(place(row, c_value), std::string(test->word) + " takes no value");
        } else if (test->bound != 0 && type == field_type::categorical) {
            // A temperature threshold: cold < warm < hot.
            static constexpr std::array<std::string_view, 3> levels{"cold", "warm", "hot"};
            const auto level = lower(trim(value_text));
            std::size_t i = 0;
            while (i < levels.size() && levels[i] != level) ++i;
            if (i == levels.size() || test->bound == 5)
                throw input_error(place(row, c_test),
                                  std::string(test->word) + " does not apply to the categorical field '" + field_name +
                                      "' (on a categorical field, at_least, above, at_most and below take cold, warm "
                                      "or hot)");
            std::size_t lo = 0, hi = levels.size(); // levels [lo, hi) match
            if (test->bound == 1) lo = i;
            if (test->bound == 2) lo = i + 1;
            if (test->bound == 3) hi = i + 1;
            if (test->bound == 4) hi = i;
            if (lo >= hi)
                throw input_error(place(row, c_value), "no temperature is " + std::string(test->word) + " " + level);
            c.test = condition_test::one_of;
            for (std::size_t k = lo; k < hi; ++k) c.values.emplace_back(std::string(levels[k]));
        } else if (test->bound != 0) {
            if (test->bound == 5) {
                if (values.size() != 2)
                    throw input_error(place(row, c_value), "between takes two values, low|high");
                c.low = literal(values[0]);
                c.high = literal(values[1]);
            } else {
                const auto v = literal(value_text);
                if (test->bound <= 2) c.low = v;
                else c.high = v;
                c.low_inclusive = test->bound != 2;
                c.high_inclusive = test->bound != 4;
            }
        } else if (test->test == condition_test::one_of) {
            for (const auto v : values) c.values.push_back(literal(v));
        } else {
            c.values.push_back(literal(value_text));
        }
        try {
            validate(c);
        } catch (const definition_error& e) {
            throw input_error(place(row, c_value), e.what());
        }
        try {
            const bound_condition check(c, empty_view);
        } catch (const definition_error& e) {
            throw input_error(place(row, c_test), e.what());
        }

        // A new rule, or one more condition of the rule on the line before.
        const bool continues = !rule_name.empty() && rule_name == previous_name && !out.rules.empty();
        if (continues) {
            auto& rule = out.rules.back();
            if (target && *target != rule.target)
                throw input_error(place(row, c_target), "rule '" + rule_name + "' goes to " + to_string(rule.target) +
                                                            " on its first line; its other lines leave the target "
                                                            "empty or repeat it");
            rule.when.push_back(std::move(c));
        } else {
            if (!target) throw input_error(place(row, c_target), "a rule without a target");
            out.rules.push_back({rule_name, {std::move(c)}, *target});
        }
        previous_name = rule_name;
    }
    for (auto& q : queues) state.add_team(std::move(q));
    return out;
}

routing_rules read_routing_rules_csv_file(const std::filesystem::path& path, const schema& leads,
                                          routing_state& state) {
    const auto data = read_file(path);
    return read_routing_rules_csv(data, leads, state, path.string());
}

} // namespace leadscore
