#include "leadscore/train/frequency.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace leadscore {

namespace {

/// A table row's place: team, variable, value (stage rows have no variable).
auto frequency_counter_key(const frequency_row& r) { return std::tie(r.team, r.variable, r.value); }

/// Whether a row is what counting makes: smoothing plus whole leads on both sides, summing to its lead count.
bool frequency_counter_row_ok(const frequency_row& r, std::int64_t smoothing) {
    const auto won = r.counts.won - smoothing, lost = r.counts.lost - smoothing;
    return won >= 0 && lost >= 0 && won % frequency_unit == 0 && lost % frequency_unit == 0 &&
           won / frequency_unit + lost / frequency_unit == r.leads;
}

/// The training rows' labels as a boolean outcome column beside the view's columns (no copy of them): true = won,
/// false = lost, missing (every other row) = open, so frequency_tables::build counts exactly the training rows.
/// The rows of the tables, as rows() lists them.
std::vector<frequency_row> frequency_count_training_rows(const frequency_definition& definition, const training_set& data) {
    const table_view& v = data.view;
    const auto& fields = v.table_schema();
    std::string label_field = "(training label)";
    for (int k = 2; fields.find(label_field); ++k) label_field = "(training label " + std::to_string(k) + ")";
    std::vector<field> all(fields.fields().begin(), fields.fields().end());
    all.push_back({label_field, field_type::boolean, field_role::none});
    const schema augmented(std::move(all));
    table_view view(augmented, v.rows());
    for (std::size_t c = 0; c < fields.size(); ++c) {
        try {
            switch (fields[c].type) {
            case field_type::numeric: view.set_numeric(c, v.numeric(c)); break;
            case field_type::categorical: view.set_categorical(c, v.codes(c), v.dict(c)); break;
            case field_type::boolean: view.set_boolean(c, v.booleans(c)); break;
            case field_type::timestamp: view.set_timestamp(c, v.timestamps(c)); break;
            }
        } catch (const definition_error&) {
            // A column the caller's view never bound stays unbound here: reading it fails as it would there.
        }
    }
    if (v.has_events()) view.set_events(v.all_events(), v.event_offsets(), v.event_types(), v.event_details());
    std::vector<std::int8_t> outcome(v.rows(), missing_flag);
    for (const auto r : data.rows) outcome[r] = data.labels[r];
    view.set_boolean(fields.size(), outcome);

    frequency_definition counting = definition;
    counting.outcome_field = label_field;
    return frequency_tables::build(std::move(counting), view).rows();
}

} // namespace

frequency_counter::frequency_counter(frequency_definition definition) : tables_(std::move(definition)) {}

frequency_counter::frequency_counter(frequency_tables counted, std::size_t rows, std::size_t positives)
    : tables_(std::move(counted)), rows_(rows), positives_(positives) {
    if (positives_ > rows_)
        throw definition_error("frequency counter: " + std::to_string(positives_) + " positives of " +
                               std::to_string(rows_) + " rows");
    const auto all = tables_.rows();
    for (const auto& r : all)
        if (!frequency_counter_row_ok(r, tables_.smoothing_units()))
            throw definition_error("frequency counter: a row of " + (r.team ? "team '" + *r.team + "'" : std::string("no team")) +
                                   " holds counts no counting makes (the smoothing plus whole leads, " +
                                   std::to_string(r.leads) + " in all)");
    tables_ = frequency_tables(tables_.definition(), all); // the canonical order
}

frequency_counter& frequency_counter::add(const training_set& data) {
    check_training_set(data);
    const auto counted = frequency_count_training_rows(tables_.definition(), data);
    std::size_t positives = 0;
    for (const auto r : data.rows) positives += data.labels[r] == 1 ? 1 : 0;
    if (tables_.size() == 0) { // the first part: its rows are the tables (what one fit over them holds)
        tables_ = frequency_tables(tables_.definition(), counted);
        rows_ += data.rows.size();
        positives_ += positives;
        return *this;
    }
    frequency_counter part(tables_.definition());
    part.tables_ = frequency_tables(tables_.definition(), counted);
    part.rows_ = data.rows.size();
    part.positives_ = positives;
    return merge(part);
}

frequency_counter& frequency_counter::merge(const frequency_counter& other) {
    if (!(tables_.definition() == other.tables_.definition()))
        throw definition_error("frequency counter: cannot merge counts of another definition");
    const std::int64_t s = tables_.smoothing_units();
    auto all = tables_.rows();
    const auto theirs = other.tables_.rows();
    all.insert(all.end(), theirs.begin(), theirs.end());
    std::stable_sort(all.begin(), all.end(),
                     [](const frequency_row& a, const frequency_row& b) { return frequency_counter_key(a) < frequency_counter_key(b); });
    std::vector<frequency_row> merged;
    merged.reserve(all.size());
    for (auto& r : all) {
        if (!merged.empty() && frequency_counter_key(merged.back()) == frequency_counter_key(r)) {
            // Both hold the row: each counted the smoothing once, the sum holds it once.
            auto& m = merged.back();
            m.counts.won += r.counts.won - s;
            m.counts.lost += r.counts.lost - s;
            m.leads += r.leads;
        } else {
            merged.push_back(std::move(r));
        }
    }
    tables_ = frequency_tables(tables_.definition(), merged);
    rows_ += other.rows_;
    positives_ += other.positives_;
    return *this;
}

bool operator==(const frequency_counter& a, const frequency_counter& b) {
    return a.rows_ == b.rows_ && a.positives_ == b.positives_ && a.tables_ == b.tables_;
}

fit_result<frequency_policy> frequency_trainer::fit(const training_set& data) const {
    frequency_counter counts(definition);
    counts.add(data);
    auto result = fit(counts);
    detail::report_progress(data.progress, 1, 1, "frequency fit"); // counting is one step
    return result;
}

fit_result<frequency_policy> frequency_trainer::fit(const frequency_counter& counts) const {
    if (!(counts.tables().definition() == definition))
        throw definition_error("frequency fit: the counter counts with another definition than the trainer's");
    fit_report report;
    report.converged = true;
    report.rows = counts.rows();
    report.positives = counts.positives();
    report.parameters = counts.tables().size();
    report.message = "counted " + std::to_string(counts.rows()) + " closed leads (" + std::to_string(counts.positives()) +
                     " won) into " + std::to_string(counts.tables().size()) + " table rows";
    return {frequency_policy(counts.tables(), options), std::move(report)};
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(Trainer<frequency_trainer>);
} // namespace leadscore
