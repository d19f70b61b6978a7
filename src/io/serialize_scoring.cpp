// The export-key registry of scoring policies, with the built-ins registered on first use.

#include "leadscore/io/serialize_scoring.hpp"

#include <memory>
#include <mutex>
#include <typeindex>

namespace leadscore {
namespace detail {

namespace {

// Values a loaded policy replaces: the smallest valid value of each built-in.
logistic_policy blank_logistic() { return logistic_policy(logistic_model{}); }

points_policy blank_points() {
    points_rules r;
    r.fit.push_back({"", condition::is_missing("x"), 0, "fit"});
    return points_policy(std::move(r));
}

grade_policy blank_grade() {
    grade_profile p;
    p.criteria.push_back({"", condition::is_missing("x"), 0});
    return grade_policy(std::move(p));
}

frequency_policy blank_frequency() {
    frequency_definition d;
    d.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
    return frequency_policy(frequency_tables(std::move(d)));
}

std::vector<component> blank_parts() { return {component{"x", blank_logistic(), 1.0}}; }

grid_axis blank_axis() { return grid_axis{"x", blank_logistic(), {0.5}, {"low", "high"}}; }

class registry {
public:
    registry() {
        add(make_policy_codec<points_policy>("leadscore.points", blank_points));
        add(make_policy_codec<grade_policy>("leadscore.grade", blank_grade));
        add(make_policy_codec<logistic_policy>("leadscore.logistic", blank_logistic));
        add(make_policy_codec<frequency_policy>("leadscore.frequency", blank_frequency));
        add(make_policy_codec<weighted_sum_policy>("leadscore.weighted_sum",
                                                   [] { return weighted_sum_policy(blank_parts()); }));
        add(make_policy_codec<max_policy>("leadscore.max", [] { return max_policy(blank_parts()); }));
        add(make_policy_codec<grid_policy>("leadscore.grid", [] { return grid_policy(blank_axis(), blank_axis()); }));
        add(make_policy_codec<calibrated_policy>("leadscore.calibrated",
                                                 [] { return calibrated_policy(blank_logistic(), calibration_map()); }));
    }

    void add(policy_codec c) {
        if (c.key.empty()) throw definition_error("register_scoring_policy: an empty export key");
        if (c.type == nullptr) throw definition_error("register_scoring_policy: a codec without a type");
        const std::lock_guard lock(mutex_);
        for (const auto& have : codecs_) {
            const bool same_key = have->key == c.key, same_type = *have->type == *c.type;
            if (same_key && same_type) return;
            if (same_key)
                throw definition_error("register_scoring_policy: the export key '" + c.key +
                                       "' is taken by another type (" + have->type->name() + ")");
            if (same_type)
                throw definition_error("register_scoring_policy: the type is registered under the key '" + have->key +
                                       "', not '" + c.key + "'");
        }
        codecs_.push_back(std::make_unique<const policy_codec>(std::move(c)));
    }

    const policy_codec* find(const std::type_info& type) const {
        const std::lock_guard lock(mutex_);
        for (const auto& c : codecs_)
            if (*c->type == type) return c.get();
        return nullptr;
    }
    const policy_codec* find(std::string_view key) const {
        const std::lock_guard lock(mutex_);
        for (const auto& c : codecs_)
            if (c->key == key) return c.get();
        return nullptr;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<const policy_codec>> codecs_; // entries never move: find's pointers stay valid
};

registry& the_registry() {
    static registry r;
    return r;
}

} // namespace

void add_policy_codec(policy_codec codec) { the_registry().add(std::move(codec)); }
const policy_codec* find_policy_codec(const std::type_info& type) { return the_registry().find(type); }
const policy_codec* find_policy_codec(std::string_view key) { return the_registry().find(key); }

} // namespace detail

std::optional<std::string> export_key(const scoring_policy& policy) {
    if (!policy) return std::nullopt;
    const auto* c = detail::find_policy_codec(policy.target_type());
    if (c == nullptr) return std::nullopt;
    return c->key;
}

} // namespace leadscore
