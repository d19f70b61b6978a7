#include "leadscore/routing/any_policy.hpp"
#include "leadscore/routing/policy.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace leadscore {

namespace {

constexpr std::string_view reason_names[] = {
    "round_robin",     "weighted",        "rule_rep",       "default_rep",       "duplicate_email",
    "duplicate_company", "queued",        "no_rule_matched", "no_eligible_rep", "rep_unavailable",
    "rep_over_quota",  "owner_unavailable", "owner_over_quota"};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string rep_name(const routing_state& s, std::int32_t rep) {
    if (rep >= 0 && static_cast<std::size_t>(rep) < s.reps.size()) return quoted(s.reps[rep].name);
    return "#" + std::to_string(rep);
}

std::string team_name(const routing_state& s, std::int32_t team) {
    if (team >= 0 && static_cast<std::size_t>(team) < s.teams.size()) return quoted(s.teams[team].name);
    return "#" + std::to_string(team);
}

std::string in_team(const routing_state& s, std::int32_t team) {
    return team == assignment::no_team ? "over all reps" : "in team " + team_name(s, team);
}

std::string causes(std::uint8_t why) {
    std::string s;
    const auto add = [&](std::uint8_t flag, const char* text) {
        if (why & flag) s += (s.empty() ? "" : ", ") + std::string(text);
    };
    add(route_rep_unavailable, "unavailable");
    add(route_rep_over_quota, "daily quota reached");
    add(route_rep_language, "not serving the lead's language");
    add(route_rep_region, "not serving the lead's region");
    return s;
}

} // namespace

std::string_view to_string(route_reason r) noexcept {
    const auto i = static_cast<std::size_t>(r);
    return i < std::size(reason_names) ? reason_names[i] : "?";
}

namespace detail {

void check_route_output(std::size_t rows, std::size_t out) {
    if (rows != out)
        throw definition_error("route_batch: the output has " + std::to_string(out) + " elements for " +
                               std::to_string(rows) + " rows");
}

std::vector<std::uint32_t> priority_order(const table_view& leads, std::string_view field) {
    if (field.empty()) return {};
    const auto& fields = leads.table_schema();
    const auto col = fields.find(field);
    if (!col) throw definition_error("routing: priority field '" + std::string(field) + "' is not in the table");
    if (fields[*col].type != field_type::numeric)
        throw definition_error("routing: priority field '" + std::string(field) + "' is " +
                               std::string(to_string(fields[*col].type)) + ", not numeric");
    const std::size_t n = leads.rows();
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw definition_error("routing: a view of " + std::to_string(n) + " rows (at most 2^32 - 2)");
    const auto values = leads.numeric(*col);
    // One sort of 64-bit keys: the value mapped to an unsigned integer that orders like the double, inverted so the
    // largest comes first, with NaN after everything; the row in the low bits keeps ties in row order. The key
    // needs 64 bits for the value alone, so sort (key, row) pairs.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(n);
    for (std::size_t r = 0; r < n; ++r) {
        const double v = values[r];
        std::uint64_t k;
        if (std::isnan(v)) {
            k = std::numeric_limits<std::uint64_t>::max();
        } else {
            const auto bits = std::bit_cast<std::uint64_t>(v == 0 ? 0.0 : v); // -0 sorts with +0
            const std::uint64_t ordered = (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63); // ascending
            k = ~ordered; // descending; never all ones (that would be the smallest -NaN pattern, excluded above)
        }
        keyed[r] = {k, static_cast<std::uint32_t>(r)};
    }
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::uint32_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = keyed[i].second;
    return order;
}

std::string reason_text(const assignment& a, const routing_state& s, std::string_view rule_label) {
    const std::string rule = rule_label.empty() ? std::string() : std::string(rule_label) + ": ";
    const std::string by = a.why & route_duplicate_by_company ? "company" : "email";
    switch (a.reason) {
    case route_reason::round_robin:
        return rule + "round robin " + in_team(s, a.why & route_all_reps ? assignment::no_team : a.team);
    case route_reason::weighted:
        return rule + "weighted by remaining quota " + in_team(s, a.why & route_all_reps ? assignment::no_team : a.team);
    case route_reason::rule_rep: return rule + "rep " + rep_name(s, a.rep);
    case route_reason::default_rep: return (rule.empty() ? "default rep " : rule + "rep ") + rep_name(s, a.rep);
    case route_reason::duplicate_email: return "duplicate: a lead with the same email belongs to " + rep_name(s, a.rep);
    case route_reason::duplicate_company: return "duplicate: a lead of the same company belongs to " + rep_name(s, a.rep);
    case route_reason::queued: return rule + "queue " + team_name(s, a.team);
    case route_reason::no_rule_matched: return "unassigned: no rule matched and there is no default";
    case route_reason::no_eligible_rep:
        if (a.why & route_team_empty)
            return rule + "unassigned: " + (a.team == assignment::no_team ? "there are no reps" : "team " + team_name(s, a.team) + " has no reps");
        return rule + "unassigned: no eligible rep " + in_team(s, a.team) + " (" + causes(a.why) + ")";
    case route_reason::rep_unavailable: return rule + "unassigned: rep " + rep_name(s, a.refused) + " is unavailable";
    case route_reason::rep_over_quota:
        return rule + "unassigned: rep " + rep_name(s, a.refused) + " has reached the daily quota";
    case route_reason::owner_unavailable:
        return "unassigned: duplicate (same " + by + ") of a lead of " + rep_name(s, a.refused) + ", who is unavailable";
    case route_reason::owner_over_quota:
        return "unassigned: duplicate (same " + by + ") of a lead of " + rep_name(s, a.refused) +
               ", who has reached the daily quota";
    }
    return rule + "?";
}

std::pair<std::size_t, bool> find_id_column(const table_view& leads, std::string_view id_field) {
    const auto& fields = leads.table_schema();
    if (!id_field.empty()) {
        const auto col = fields.find(id_field);
        if (!col) throw definition_error("routing: id field '" + std::string(id_field) + "' is not in the table");
        return {*col, true};
    }
    if (const auto col = fields.find(field_role::id)) return {*col, true};
    return {0, false};
}

std::string lead_id_text(const table_view& leads, std::size_t col, bool has_id, std::size_t row) {
    if (!has_id) return std::to_string(row + 1);
    switch (leads.table_schema()[col].type) {
    case field_type::categorical: {
        const auto code = leads.codes(col)[row];
        const auto& d = leads.dict(col);
        if (code < 0 || static_cast<std::size_t>(code) >= d.size()) return {};
        return std::string(d[code]);
    }
    case field_type::numeric: {
        const double v = leads.numeric(col)[row];
        if (std::isnan(v)) return {};
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, r.ptr);
    }
    case field_type::boolean: {
        const auto f = leads.booleans(col)[row];
        return f < 0 ? std::string() : f ? "true" : "false";
    }
    case field_type::timestamp: {
        const auto t = leads.timestamps(col)[row];
        return t == missing_time ? std::string() : format_timestamp(from_seconds(t));
    }
    }
    return {};
}

} // namespace detail

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(RoutingPolicy<routing_policy>);
static_assert(TeamRouter<router_t<routing_policy>>);
static_assert(std::is_nothrow_copy_constructible_v<routing_policy>);
} // namespace leadscore
