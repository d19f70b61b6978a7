#pragma once
// The generator's two steps, shared by its sources: slices of rows are generated apart (slice.cpp), then joined in
// row order (join.cpp); generator.cpp runs both. Internal.

#include "model.hpp"

#include "leadscore/core/batch.hpp"
#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/sim/generator.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace leadscore::detail::sim {

constexpr const char* text_limit = "generator: more text than a column can hold (4 GiB); generate fewer leads";

struct company {
    std::string name, domain, phone;
    std::uint8_t industry = 0, country = 0;
    double employees = 1, employees_log10 = 0, log_employees = 0;
};

/// The categorical columns filled through codes (all but ids and emails, whose codes are the row numbers).
enum coded : std::size_t {
    phone_column,
    party_column,
    name_column,
    company_column,
    job_column,
    source_column,
    stage_column,
    team_column,
    owner_column,
    industry_column,
    country_column,
    outcome_column,
    lost_stage_column,
    coded_columns
};

/// What a slice of rows makes besides its per-row values, which go straight into the table: the dictionaries of the
/// coded columns and of event types and details, the events, the stage entries and the email texts. The first
/// slice's parts become the output's; every other slice's are appended to them in row order with their codes
/// translated, which gives what one pass over every row gives. Aligned to a cache line: slices sit side by side in a
/// vector, and each grows its arrays on its own thread.
struct alignas(64) slice_parts {
    std::array<dictionary, coded_columns> dicts;
    dictionary event_types, event_details;
    std::vector<event_record> events;
    stage_history history;
    std::string email_text;
    std::vector<std::uint32_t> email_offsets{0}; // the slice's email k is email_text[offsets[k], offsets[k + 1])
};

/// What every slice reads: the options, the companies, the texts of the fixed lists, and where the per-row values
/// go (the output's columns, sized for every row before any slice starts).
struct crm_context {
    /// Makes the companies, and sizes the output's per-row columns for options.leads rows.
    crm_context(const generator_options& o, generated_crm& out);

    const generator_options& options;
    std::vector<company> companies;
    std::int64_t start = 0, capture_seconds = 0, horizon = 0;
    std::vector<std::string> source_name, event_name, stage_name, full_name, first_lower, last_lower;

    std::array<categorical_column*, coded_columns> columns{};
    std::array<std::int32_t*, coded_columns> codes{};
    double *timeframe = nullptr, *value = nullptr, *employees = nullptr, *won_probability = nullptr;
    std::int64_t *created = nullptr, *last_contacted = nullptr;
    std::int8_t* newsletter = nullptr;
    std::uint64_t* event_ends = nullptr; // row i's events end here: counted from its slice's first event until merged
};

/// Generates rows [begin, end) into the context's per-row arrays and into `parts`. `planned` is how many rows the
/// containers of these parts will hold in the end (the first slice's take every other slice's), so they are reserved
/// once.
void generate_slice(const crm_context& crm, slice_parts& parts, std::size_t begin, std::size_t end,
                    std::size_t planned);

/// Appends every slice's parts to the first slice's in row order, translating codes, then moves them into the
/// output; builds the id and email dictionaries (into id_dict and email_dict) meanwhile. `slices` are the slices'
/// rows, in order.
void join_slices(crm_context& crm, generated_crm& out, std::vector<slice_parts>& parts, const row_parts& slices,
                 unsigned threads, dictionary& id_dict, dictionary& email_dict);

/// Total length of the ids of n leads: "L" and the row number from 1, zero-padded to at least 8 digits.
[[nodiscard]] std::size_t id_text_bytes(std::size_t n) noexcept;

/// The ids of n leads, which are distinct by construction, as a dictionary built in one step: lead i gets code i.
[[nodiscard]] dictionary id_dictionary(std::size_t n);

} // namespace leadscore::detail::sim
