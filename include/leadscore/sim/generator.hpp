#pragma once
// A synthetic CRM: leads from every built-in source, engagement events, stage histories and outcomes, drawn from a
// documented model so fitted models can be compared with the truth. Deterministic for a seed.

#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_table.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace leadscore {

/// What generate_crm makes: how many leads, over which period, and which parts.
struct generator_options {
    std::size_t leads = 1000;                   ///< leads (rows) to generate, at most 2^31 - 1
    std::uint64_t seed = 1;                     ///< seeds every random draw; any value is valid
    timestamp start = from_seconds(1767225600); ///< 2026-01-01T00:00:00Z: first capture time
    std::int32_t capture_days = 365;            ///< leads are captured uniformly over this many days (1..36500)
    std::int32_t follow_up_days = 0;            ///< the horizon is this many days after the capture window (0..36500)
    bool events = true;                         ///< generate engagement events (without them every event count is 0)
    bool history = true;                        ///< keep stage histories (the stages are drawn either way)
    unsigned threads = 0;                       ///< threads (0 = all); the output is the same for any number
};

/// The true conversion model: P(won | closed) = logistic(intercept + Σ coefficient × feature), with the features
/// named as in the generated table (see "The generating model" in docs/data.md for the exact list). Features not in
/// the map have coefficient 0; reference levels ("source=advertising", "industry=manufacturing") are listed with 0.
struct generator_truth {
    double intercept = 0; ///< the log-odds when every feature is 0 (each category at its reference level)
    std::map<std::string, double> coefficients; ///< "source=webinar", "employees_log10", "email_clicked_count", …
};

/// The generated data set, with the truth it was drawn from.
struct generated_crm {
    lead_table leads;                 ///< schema::for_leads plus the generated attributes, "outcome" (won / lost /
                                      ///< open) and "lost_stage" (a lost lead's last open stage, else missing)
    stage_history history;            ///< every stage entry of every lead, by lead then time
    generator_truth truth;            ///< the model the outcomes were drawn from (the same for every seed)
    timestamp horizon{};              ///< the observation time: start + capture_days + follow_up_days
    std::vector<double> won_probability; ///< per row: the true P(won | closed) of the lead
};

/// Generates the data set. Same options, same output, on every machine and for any number of threads.
/// Throws definition_error for options out of range (capture_days, follow_up_days, more than 2^31 - 1 leads, or
/// leads whose ids pass 4 GiB of text: about 440 M); error when the emails pass 4 GiB (about 120 M leads).
[[nodiscard]] generated_crm generate_crm(const generator_options& options);

} // namespace leadscore
