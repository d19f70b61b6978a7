#include "leadscore/train/frequency.hpp"

#include "leadscore/core/error.hpp"

#include <string>
#include <vector>

namespace leadscore {

fit_result<frequency_policy> frequency_trainer::fit(const training_set& data) const {
    check_training_set(data);
    const table_view& v = data.view;
    const auto& fields = v.table_schema();

    // The view's columns (no copy) plus a boolean outcome column holding the labels of the training rows: true = won,
    // false = lost, missing (every other row) = open, so frequency_tables::build counts exactly the training rows.
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
    std::size_t positives = 0;
    for (const auto r : data.rows) {
        outcome[r] = data.labels[r];
        positives += data.labels[r] == 1 ? 1 : 0;
    }
    view.set_boolean(fields.size(), outcome);

    frequency_definition counting = definition;
    counting.outcome_field = label_field;
    const auto counted = frequency_tables::build(std::move(counting), view);
    const auto rows = counted.rows();
    frequency_tables tables(definition, rows);

    fit_report report;
    report.converged = true;
    report.rows = data.rows.size();
    report.positives = positives;
    report.parameters = rows.size();
    report.message = "counted " + std::to_string(data.rows.size()) + " closed leads (" + std::to_string(positives) +
                     " won) into " + std::to_string(rows.size()) + " table rows";
    detail::report_progress(data.progress, 1, 1, "frequency fit"); // counting is one step
    return {frequency_policy(std::move(tables), options), std::move(report)};
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(Trainer<frequency_trainer>);
} // namespace leadscore
