#include "leadscore/routing/duplicates.hpp"

#include "leadscore/core/error.hpp"

#include "state_index.hpp"

#include <string>
#include <unordered_map>

namespace leadscore::detail {

duplicate_index::duplicate_index(const duplicate_options& o, const table_view& leads, const routing_state& state)
    : rows_(leads.rows()) {
    const state_index index(state);
    std::vector<std::int32_t> rep_of_owner(state.owners.size());
    for (std::size_t i = 0; i < state.owners.size(); ++i) {
        const auto& rec = state.owners[i];
        const auto rep = index.rep(rec.rep);
        if (!rep)
            throw definition_error("duplicates: the owner of " + std::string(to_string(rec.key)) + " '" + rec.value +
                                   "' is rep '" + rec.rep + "', who is not defined in the routing state (reps: " +
                                   state_index::list_reps(state) + ")");
        rep_of_owner[i] = static_cast<std::int32_t>(*rep);
    }
    if (o.by_email) bind_key(email_, owner_key::email, o.email_field, field_role::email, leads, state, rep_of_owner);
    if (o.by_company)
        bind_key(company_, owner_key::company, o.company_field, field_role::company, leads, state, rep_of_owner);
}

void duplicate_index::bind_key(key_column& k, owner_key kind, const std::string& field_name, field_role role,
                               const table_view& leads, const routing_state& state,
                               const std::vector<std::int32_t>& rep_of_owner) {
    const std::string what(to_string(kind));
    const auto& fields = leads.table_schema();
    const auto col = field_name.empty() ? fields.find(role) : fields.find(field_name);
    if (!col)
        throw definition_error("duplicates by " + what + ": " +
                               (field_name.empty() ? "the table has no field with the " + what + " role"
                                                   : "field '" + field_name + "' is not in the table"));
    if (fields[*col].type != field_type::categorical)
        throw definition_error("duplicates by " + what + ": field '" + fields[*col].name + "' is " +
                               std::string(to_string(fields[*col].type)) + ", not categorical");
    const auto codes = leads.codes(*col);
    const auto& dict = leads.dict(*col);
    const auto size = static_cast<std::int64_t>(dict.size());
    for (std::size_t r = 0; r < codes.size(); ++r)
        if (codes[r] < -1 || codes[r] >= size)
            throw definition_error("duplicates by " + what + ": field '" + fields[*col].name + "': row " +
                                   std::to_string(r) + " holds code " + std::to_string(codes[r]) +
                                   ", outside its dictionary of " + std::to_string(dict.size()) + " entries");
    k.kind = kind;
    k.codes = codes.data();

    // Key ids: the state's owners of this kind first (a later record of a value replaces an earlier one), then the
    // values of the view's dictionary that no owner has.
    std::unordered_map<std::string, std::int32_t> id_of;
    for (std::size_t i = 0; i < state.owners.size(); ++i) {
        const auto& rec = state.owners[i];
        if (rec.key != kind) continue;
        const auto [it, added] = id_of.emplace(normalize_owner_value(rec.value), static_cast<std::int32_t>(k.owner.size()));
        if (added) {
            k.owner.push_back(rep_of_owner[i]);
            k.text.push_back(it->first);
        } else {
            k.owner[static_cast<std::size_t>(it->second)] = rep_of_owner[i];
        }
    }
    k.key_of.assign(dict.size() + 1, -1); // index code + 1; a missing value (-1) has no key
    for (std::size_t c = 0; c < dict.size(); ++c) {
        auto value = normalize_owner_value(dict[static_cast<std::int32_t>(c)]);
        if (value.empty()) continue;
        const auto [it, added] = id_of.emplace(std::move(value), static_cast<std::int32_t>(k.owner.size()));
        if (added) {
            k.owner.push_back(assignment::no_rep);
            k.text.push_back(it->first);
        }
        k.key_of[c + 1] = it->second;
    }
}

duplicate_index::owner duplicate_index::owner_of(std::size_t row) const {
    if (row >= rows_)
        throw definition_error("duplicates: row " + std::to_string(row) + " of a view of " + std::to_string(rows_) +
                               " rows");
    if (const auto e = key_at(email_, row); e >= 0 && email_.owner[static_cast<std::size_t>(e)] != assignment::no_rep)
        return {email_.owner[static_cast<std::size_t>(e)], false};
    if (const auto c = key_at(company_, row); c >= 0 && company_.owner[static_cast<std::size_t>(c)] != assignment::no_rep)
        return {company_.owner[static_cast<std::size_t>(c)], true};
    return {};
}

void duplicate_index::remember(std::size_t row, std::int32_t rep) {
    for (auto* k : {&email_, &company_}) {
        const auto id = key_at(*k, row);
        if (id < 0 || k->owner[static_cast<std::size_t>(id)] != assignment::no_rep) continue;
        k->owner[static_cast<std::size_t>(id)] = rep;
        k->fresh.push_back(id);
    }
}

void duplicate_index::finish(routing_state& state) {
    for (auto* k : {&email_, &company_}) {
        for (const auto id : k->fresh) {
            const auto i = static_cast<std::size_t>(id);
            state.owners.push_back({k->kind, k->text[i], state.reps[static_cast<std::size_t>(k->owner[i])].name});
        }
        k->fresh.clear();
    }
}

} // namespace leadscore::detail

// Member-wise comparisons, compiled here rather than in every file that includes the header.
namespace leadscore {

bool operator==(const duplicate_options&, const duplicate_options&) = default;

} // namespace leadscore
