#include "leadscore/routing/rules.hpp"

#include "leadscore/core/error.hpp"

#include "state_index.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <string>
#include <utility>

namespace leadscore {

namespace {

std::string label_of(const routing_rules& r, std::size_t k) {
    return r.rules[k].name.empty() ? "rule #" + std::to_string(k + 1)
                                   : "rule #" + std::to_string(k + 1) + " '" + r.rules[k].name + "'";
}

void check_target(const route_target& t, const std::string& label) {
    if (static_cast<std::size_t>(t.to) > static_cast<std::size_t>(route_target::kind::queue))
        throw definition_error("routing rules: " + label + " has an unknown target kind");
    if (t.name.empty()) throw definition_error("routing rules: " + label + " sends leads to a target without a name");
}

} // namespace

std::string to_string(const route_target& t) {
    switch (t.to) {
    case route_target::kind::team: return "team '" + t.name + "'";
    case route_target::kind::rep: return "rep '" + t.name + "'";
    case route_target::kind::queue: return "queue '" + t.name + "'";
    }
    return "? '" + t.name + "'";
}

condition temperature_at_least(std::string field, std::string_view level) {
    static constexpr std::array<std::string_view, 3> levels{"cold", "warm", "hot"};
    std::string lower(level);
    for (auto& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const auto it = std::find(levels.begin(), levels.end(), lower);
    if (it == levels.end())
        throw definition_error("temperature threshold on field '" + field + "': '" + std::string(level) +
                               "' is not a temperature (cold, warm, hot)");
    std::vector<attribute_value> values;
    for (auto i = it; i != levels.end(); ++i) values.emplace_back(std::string(*i));
    return condition::one_of(std::move(field), std::move(values));
}

void validate(const routing_rules& r) {
    for (std::size_t k = 0; k < r.rules.size(); ++k) {
        const auto label = label_of(r, k);
        for (const auto& c : r.rules[k].when) {
            try {
                validate(c);
            } catch (const definition_error& e) {
                throw definition_error("routing rules: " + label + ": " + e.what());
            }
        }
        check_target(r.rules[k].target, label);
    }
    if (r.fallback) check_target(*r.fallback, "the default");
    if (r.rules.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw definition_error("routing rules: more than 2^31 - 2 rules");
}

namespace detail {

std::shared_ptr<const routing_rules> shared_validated(routing_rules&& rules) {
    validate(rules);
    return std::make_shared<const routing_rules>(std::move(rules));
}

bound_rules::~bound_rules() = default;
bound_rules::bound_rules(bound_rules&&) noexcept = default;
bound_rules& bound_rules::operator=(bound_rules&&) noexcept = default;

bound_rules::bound_rules(const routing_rules& r, const table_view& leads, const routing_state& state)
    : rows_(leads.rows()) {
    const state_index index(state);
    const auto resolve = [&](const route_target& t, const std::string& label) {
        resolved_target out;
        out.to = t.to;
        if (t.to == route_target::kind::rep) {
            const auto rep = index.rep(t.name);
            if (!rep)
                throw definition_error("routing rules: " + label + " sends leads to rep '" + t.name +
                                       "', who is not defined in the routing state (reps: " +
                                       state_index::list_reps(state) + ")");
            out.index = static_cast<std::int32_t>(*rep);
        } else {
            const auto team = index.team(t.name);
            if (!team)
                throw definition_error("routing rules: " + label + " sends leads to " + to_string(t) +
                                       ", which is not defined in the routing state (teams: " +
                                       state_index::list_teams(state) + ")");
            out.index = static_cast<std::int32_t>(*team);
        }
        return out;
    };
    begin_.push_back(0);
    for (std::size_t k = 0; k < r.rules.size(); ++k) {
        const auto label = label_of(r, k);
        for (const auto& c : r.rules[k].when) {
            try {
                conditions_.emplace_back(c, leads);
            } catch (const definition_error& e) {
                throw definition_error("routing rules: " + label + ": " + e.what());
            }
        }
        begin_.push_back(static_cast<std::uint32_t>(conditions_.size()));
        targets_.push_back(resolve(r.rules[k].target, label));
    }
    if (r.fallback) {
        fallback_ = resolve(*r.fallback, "the default");
        has_fallback_ = true;
    }
}

std::int32_t bound_rules::first_match(std::size_t row) const {
    if (row >= rows_)
        throw definition_error("routing rules: row " + std::to_string(row) + " of a view of " + std::to_string(rows_) +
                               " rows");
    for (std::size_t k = 0; k + 1 < begin_.size(); ++k) {
        bool all = true;
        for (std::uint32_t c = begin_[k]; c < begin_[k + 1] && all; ++c) all = conditions_[c].matches(row);
        if (all) return static_cast<std::int32_t>(k);
    }
    return assignment::no_rule;
}

void bound_rules::first_matches(std::span<std::int32_t> out) const {
    if (out.size() != rows_)
        throw definition_error("routing rules: " + std::to_string(out.size()) + " outputs for " +
                               std::to_string(rows_) + " rows");
    // Column-wise over blocks: each condition is tested over the block in one branch-free loop (match_block), the
    // results ANDed per rule, and a row takes the first rule whose mask holds. Rules stop once every row of the block
    // has its winner.
    constexpr std::size_t block = 2048;
    std::array<std::uint8_t, block> mask, hit;
    const std::size_t rules = begin_.size() - 1;
    for (std::size_t b = 0; b < rows_; b += block) {
        const std::size_t n = std::min(block, rows_ - b);
        std::int32_t* w = out.data() + b;
        std::fill(w, w + n, assignment::no_rule);
        std::size_t open = n;
        for (std::size_t k = 0; k < rules && open > 0; ++k) {
            std::fill(mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(n), std::uint8_t{1});
            for (std::uint32_t c = begin_[k]; c < begin_[k + 1]; ++c) {
                conditions_[c].match_block(b, std::span(hit.data(), n));
                for (std::size_t i = 0; i < n; ++i) mask[i] &= hit[i];
            }
            const auto rule = static_cast<std::int32_t>(k);
            std::size_t taken = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const bool take = (w[i] == assignment::no_rule) & (mask[i] != 0);
                w[i] = take ? rule : w[i];
                taken += take;
            }
            open -= taken;
        }
    }
}

std::string rule_label(const routing_rules& r, std::int32_t rule) {
    if (rule == assignment::default_rule) return "no rule matched, default";
    if (rule < 0 || static_cast<std::size_t>(rule) >= r.rules.size()) return {};
    const auto& rr = r.rules[static_cast<std::size_t>(rule)];
    std::string s = label_of(r, static_cast<std::size_t>(rule));
    if (rr.when.empty()) return s + " (every lead)";
    s += " (";
    for (std::size_t c = 0; c < rr.when.size(); ++c) s += (c ? " and " : "") + to_string(rr.when[c]);
    return s + ")";
}

} // namespace detail

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(RoutingPolicy<rule_policy<>>);
static_assert(AssigningRouter<router_t<rule_policy<>>>);
static_assert(BatchRouter<router_t<rule_policy<>>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const route_target&, const route_target&) = default;
bool operator==(const routing_rule&, const routing_rule&) = default;
bool operator==(const routing_rules&, const routing_rules&) = default;

} // namespace leadscore
