#include "leadscore/core/schema.hpp"
#include "messages.hpp"

#include "leadscore/core/error.hpp"

#include <array>

namespace leadscore {

namespace {
constexpr std::array<std::string_view, 4> type_names{"numeric", "categorical", "boolean", "timestamp"};
constexpr std::array<std::string_view, 16> role_names{
    "none",   "id",    "party",              "name", "email", "phone",   "company",        "job_title",
    "source", "stage", "purchase_timeframe", "team", "owner", "created", "expected_value", "outcome"};

using detail::parse_enum;
} // namespace

std::string_view to_string(field_type t) noexcept { return type_names.at(static_cast<std::size_t>(t)); }
std::optional<field_type> parse_field_type(std::string_view s) noexcept { return parse_enum<field_type>(type_names, s); }
std::string_view to_string(field_role r) noexcept { return role_names.at(static_cast<std::size_t>(r)); }
std::optional<field_role> parse_field_role(std::string_view s) noexcept { return parse_enum<field_role>(role_names, s); }

bool role_accepts(field_role r, field_type t) noexcept {
    switch (r) {
    case field_role::none: return true;
    case field_role::purchase_timeframe:
    case field_role::expected_value: return t == field_type::numeric;
    case field_role::created: return t == field_type::timestamp;
    case field_role::outcome: return t == field_type::categorical || t == field_type::boolean;
    default: return t == field_type::categorical;
    }
}

schema::schema(std::vector<field> fields) {
    for (auto& f : fields) add(std::move(f));
}

std::size_t schema::add(field f) {
    if (f.name.empty()) throw definition_error("schema: field " + std::to_string(fields_.size() + 1) + " has an empty name");
    if (by_name_.contains(f.name)) throw definition_error("schema: field name '" + f.name + "' appears twice");
    if (!role_accepts(f.role, f.type))
        throw definition_error("schema: field '" + f.name + "' is " + std::string(to_string(f.type)) +
                               " and cannot hold the role " + std::string(to_string(f.role)));
    if (f.role != field_role::none)
        if (auto holder = find(f.role))
            throw definition_error("schema: role " + std::string(to_string(f.role)) + " is held by both '" +
                                   fields_[*holder].name + "' and '" + f.name + "'");
    by_name_.emplace(f.name, fields_.size());
    fields_.push_back(std::move(f));
    return fields_.size() - 1;
}

schema schema::for_leads(std::span<const field> attributes) {
    using enum field_role;
    using t = field_type;
    schema s({{"id", t::categorical, id},
              {"party", t::categorical, party},
              {"name", t::categorical, name},
              {"email", t::categorical, email},
              {"phone", t::categorical, phone},
              {"company", t::categorical, company},
              {"job_title", t::categorical, job_title},
              {"source", t::categorical, source},
              {"stage", t::categorical, stage},
              {"purchase_timeframe", t::numeric, purchase_timeframe},
              {"team", t::categorical, team},
              {"owner", t::categorical, owner},
              {"created", t::timestamp, created},
              {"expected_value", t::numeric, expected_value}});
    for (const auto& f : attributes) s.add(f);
    return s;
}

std::optional<std::size_t> schema::find(std::string_view name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

std::optional<std::size_t> schema::find(field_role role) const noexcept {
    for (std::size_t i = 0; i < fields_.size(); ++i)
        if (fields_[i].role == role) return i;
    return std::nullopt;
}

std::size_t schema::at(std::string_view name) const {
    if (auto i = find(name)) return *i;
    throw definition_error("schema: no field named '" + std::string(name) + "'");
}

} // namespace leadscore
