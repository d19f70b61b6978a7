#include "leadscore/scoring/policy.hpp"

#include <algorithm>

namespace leadscore {

void policy_fields::add(std::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

void policy_fields::add(field_role role) {
    if (role != field_role::none && std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
}

void policy_fields::merge(const policy_fields& other) {
    for (const auto& n : other.names) add(n);
    for (const auto r : other.roles) add(r);
    events = events || other.events;
}

schema model_fields(const schema& table, const policy_fields& read) {
    std::vector<field> out;
    for (const auto& f : table.fields()) {
        const bool by_name = std::find(read.names.begin(), read.names.end(), f.name) != read.names.end();
        const bool by_role = std::find(read.roles.begin(), read.roles.end(), f.role) != read.roles.end();
        if (by_name || by_role) out.push_back(f);
    }
    return schema(std::move(out));
}

} // namespace leadscore
