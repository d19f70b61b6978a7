// Frequency tables kept up to date from won / lost / reopen events, each applied once per event id.

#include "frequency_detail.hpp"
#include "../core/messages.hpp"

#include <unordered_map>

namespace leadscore {

namespace {

/// The outcome of each closed row with a lead id, by outcome code (build has checked every closed row already).
detail::frequency_outcome outcome_of_row(const table_view& rows, std::size_t col,
                                         const std::vector<detail::frequency_outcome>& outcome_of_code, std::size_t row) {
    if (rows.table_schema()[col].type == field_type::boolean) return detail::outcome_at(rows, col, row);
    const std::int32_t code = rows.codes(col)[row];
    return code >= 0 && static_cast<std::size_t>(code) < outcome_of_code.size() ? outcome_of_code[code]
                                                                               : detail::outcome_at(rows, col, row);
}

} // namespace

frequency_learner::frequency_learner(frequency_definition definition)
    : ledger_(std::make_unique<detail::frequency_ledger>(detail::frequency_ledger{frequency_tables(std::move(definition)), {}, {}})) {}

frequency_learner::frequency_learner(const frequency_learner& other)
    : ledger_(std::make_unique<detail::frequency_ledger>(*other.ledger_)) {}
frequency_learner::frequency_learner(frequency_learner&&) noexcept = default;
frequency_learner& frequency_learner::operator=(const frequency_learner& other) {
    if (this != &other) ledger_ = std::make_unique<detail::frequency_ledger>(*other.ledger_);
    return *this;
}
frequency_learner& frequency_learner::operator=(frequency_learner&&) noexcept = default;
frequency_learner::~frequency_learner() = default;

const frequency_tables& frequency_learner::tables() const noexcept { return ledger_->tables; }

void frequency_learner::rebuild(const table_view& rows) {
    frequency_tables t = frequency_tables::build(ledger_->tables.definition(), rows);
    auto& store = detail::frequency_access::store(t);
    const detail::frequency_resolved r(store.definition, rows.table_schema(), detail::frequency_resolved::purpose::build,
                                       "frequency learner: ");
    decltype(ledger_->closes) closes;
    std::unordered_map<std::string_view, std::size_t> first_row;
    if (r.id) {
        std::vector<detail::frequency_outcome> outcome_of_code;
        if (rows.table_schema()[*r.outcome].type != field_type::boolean) {
            const auto& dict = rows.dict(*r.outcome);
            for (std::size_t c = 0; c < dict.size(); ++c)
                outcome_of_code.push_back(detail::outcome_of_text(dict[static_cast<std::int32_t>(c)]));
        }
        for (std::size_t row = 0; row < rows.rows(); ++row) {
            const auto o = outcome_of_row(rows, *r.outcome, outcome_of_code, row);
            if (o != detail::frequency_outcome::won && o != detail::frequency_outcome::lost) continue;
            const auto id = detail::text_at(rows, *r.id, row);
            if (!id) continue;
            const auto [it, fresh] = first_row.emplace(*id, row);
            if (!fresh)
                throw input_error(detail::field_place(rows.table_schema()[*r.id].name),
                                  detail::row_prefix(row) + "lead '" + std::string(*id) + "' is closed in rows " +
                                      std::to_string(it->second) + " and " + std::to_string(row));
            closes.emplace(std::string(*id), store.read_close(r, rows, row, o == detail::frequency_outcome::won));
        }
    }
    ledger_->tables = std::move(t);
    ledger_->closes = std::move(closes);
}

frequency_update frequency_learner::close(std::string_view event_id, const table_view& rows, std::size_t row, bool won) {
    auto& l = *ledger_;
    if (l.events.contains(event_id)) return frequency_update::repeated;
    if (row >= rows.rows())
        throw definition_error("frequency learner: row " + std::to_string(row) + " of a view of " +
                               std::to_string(rows.rows()) + " rows");
    auto& store = detail::frequency_access::store(l.tables);
    const detail::frequency_resolved r(store.definition, rows.table_schema(), detail::frequency_resolved::purpose::event,
                                       "frequency learner: ");
    if (!r.id) throw definition_error("frequency learner: no id field: name one in the definition or give a field the role id");
    const auto id = detail::text_at(rows, *r.id, row);
    if (!id)
        throw input_error(detail::field_place(rows.table_schema()[*r.id].name),
                          detail::row_prefix(row) + "the lead has no id");

    // A bad value throws before any count changes (at most a team or value text was interned, which holds no row).
    auto c = store.read_close(r, rows, row, won);

    if (const auto it = l.closes.find(*id); it != l.closes.end()) {
        store.apply(*it->second, true);
        l.closes.erase(it);
    }
    store.apply(*c, false);
    l.closes.emplace(std::string(*id), std::move(c));
    l.events.emplace(event_id);
    return frequency_update::applied;
}

frequency_update frequency_learner::won(std::string_view event_id, const table_view& rows, std::size_t row) {
    return close(event_id, rows, row, true);
}
frequency_update frequency_learner::lost(std::string_view event_id, const table_view& rows, std::size_t row) {
    return close(event_id, rows, row, false);
}
frequency_update frequency_learner::won(std::string_view event_id, const lead& l, const schema& fields) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    return close(event_id, table.view(), 0, true);
}
frequency_update frequency_learner::lost(std::string_view event_id, const lead& l, const schema& fields) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    return close(event_id, table.view(), 0, false);
}

frequency_update frequency_learner::reopened(std::string_view event_id, std::string_view lead_id) {
    auto& l = *ledger_;
    if (l.events.contains(event_id)) return frequency_update::repeated;
    l.events.emplace(event_id);
    const auto it = l.closes.find(lead_id);
    if (it == l.closes.end()) return frequency_update::not_closed;
    detail::frequency_access::store(l.tables).apply(*it->second, true);
    l.closes.erase(it);
    return frequency_update::applied;
}

void frequency_learner::merge_into_no_team(std::string_view team) {
    auto& l = *ledger_;
    const auto p = detail::frequency_access::store(l.tables).find_partition(team);
    l.tables.merge_into_no_team(team);
    if (!p || *p == 0) return;
    for (auto& [id, c] : l.closes) {
        if (c->partition != *p) continue;
        auto moved = std::make_shared<detail::frequency_close>(*c);
        moved->partition = 0;
        c = std::move(moved);
    }
}

bool frequency_learner::is_closed(std::string_view lead_id) const {
    return ledger_->closes.find(lead_id) != ledger_->closes.end();
}
bool frequency_learner::seen(std::string_view event_id) const { return ledger_->events.contains(event_id); }

} // namespace leadscore
