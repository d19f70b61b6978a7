// The synthetic CRM generator: the companies and the true model, then slices of rows generated apart on the batch
// runner's threads (slice.cpp) and joined in row order (join.cpp). The model it draws from is in model.hpp.

#include "leadscore/sim/generator.hpp"

#include "slice.hpp"

#include "leadscore/core/batch.hpp"
#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>

namespace leadscore {

namespace detail::sim {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

/// The companies, each from its own stream, so they are made in blocks of 512 on up to `threads` threads.
std::vector<company> make_companies(std::uint64_t seed, unsigned threads) {
    std::vector<company> out(company_count);
    for_each_block(company_count, 512, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t c = begin; c < end; ++c) {
            const auto prefix = company_prefixes[c % 16], noun = company_nouns[(c / 16) % 16];
            auto& k = out[c];
            k.name = std::string(prefix) + ' ' + std::string(noun) + ' ' + std::string(company_suffixes[c / 256]);
            k.domain = lower(prefix) + '-' + lower(noun) + ".example";
            rng r(seed, company_stream, c);
            k.industry = static_cast<std::uint8_t>(industry_choice.pick(r));
            k.country = static_cast<std::uint8_t>(country_choice.pick(r));
            const double x = employees_log10_mean + employees_log10_sigma * r.normal();
            k.employees = std::clamp(static_cast<double>(std::llround(std::pow(10.0, x))), 1.0, employees_max);
            k.employees_log10 = std::log10(k.employees);
            k.log_employees = std::log(k.employees);
            k.phone = std::string(countries[k.country].calling_code) + ' ' + std::to_string(100 + r.below(900)) + ' ' +
                      std::to_string(1000000 + r.below(9000000));
        }
    });
    return out;
}

} // namespace

crm_context::crm_context(const generator_options& o, generated_crm& out)
    : options(o), companies(make_companies(o.seed, o.threads)) {
    start = to_seconds(o.start);
    capture_seconds = static_cast<std::int64_t>(o.capture_days) * seconds_per_day;
    horizon = start + static_cast<std::int64_t>(o.capture_days + o.follow_up_days) * seconds_per_day;

    // Names come from the catalogues and the funnel, so a renamed entry fails here rather than drifting.
    const source_catalogue source_names;
    for (const auto& s : sources)
        source_name.push_back(source_names[source_names.at(s.name)].name);
    const event_catalogue event_names;
    for (const auto& e : event_types)
        event_name.push_back(event_names[event_names.at(e.name)].name);
    const funnel& f = funnel::standard();
    for (const char* s : {"suspect", "lead", "mql", "sql", "opportunity", "won", "lost", "rejected", "nurture"})
        stage_name.push_back(f[f.at(s)].name);

    for (const auto first : first_names)
        for (const auto last : last_names)
            full_name.push_back(std::string(first) + ' ' + std::string(last));
    for (const auto n : first_names)
        first_lower.push_back(lower(n));
    for (const auto n : last_names)
        last_lower.push_back(lower(n));

    const std::size_t n = o.leads;
    lead_table& t = out.leads;
    const auto& s = t.table_schema();
    const auto cat = [&](std::size_t col) -> categorical_column& {
        return std::get<categorical_column>(t.column(col));
    };
    const auto role = [&](field_role r) { return *s.find(r); };
    const std::array<std::size_t, coded_columns> coded_fields{
        role(field_role::phone),     role(field_role::party),  role(field_role::name),  role(field_role::company),
        role(field_role::job_title), role(field_role::source), role(field_role::stage), role(field_role::team),
        role(field_role::owner),     s.at("industry"),         s.at("country"),         role(field_role::outcome),
        s.at("lost_stage")};
    for (std::size_t c = 0; c < coded_columns; ++c) {
        columns[c] = &cat(coded_fields[c]);
        columns[c]->codes.resize(n);
        codes[c] = columns[c]->codes.data();
    }
    const auto num = [&](std::size_t col) {
        auto& v = std::get<numeric_column>(t.column(col)).values;
        v.resize(n);
        return v.data();
    };
    const auto ts = [&](std::size_t col) {
        auto& v = std::get<timestamp_column>(t.column(col)).values;
        v.resize(n);
        return v.data();
    };
    timeframe = num(role(field_role::purchase_timeframe));
    value = num(role(field_role::expected_value));
    employees = num(s.at("employees"));
    created = ts(role(field_role::created));
    last_contacted = ts(s.at("last_contacted"));
    auto& nl = std::get<boolean_column>(t.column(s.at("newsletter"))).values;
    nl.resize(n);
    newsletter = nl.data();
    t.event_offsets().resize(n + 1); // entry 0 stays 0
    event_ends = t.event_offsets().data() + 1;
    out.won_probability.resize(n);
    won_probability = out.won_probability.data();
}

namespace {

generator_truth make_truth() {
    generator_truth t;
    t.intercept = intercept;
    for (const auto& s : sources)
        t.coefficients["source=" + std::string(s.name)] = s.coefficient;
    t.coefficients["party=organization"] = organization_coefficient;
    for (const auto& i : industries)
        t.coefficients["industry=" + std::string(i.name)] = i.coefficient;
    t.coefficients["employees_log10"] = employees_log10_coefficient;
    t.coefficients["purchase_timeframe_now"] = timeframe_now_coefficient;
    t.coefficients["purchase_timeframe_1_60"] = timeframe_1_60_coefficient;
    t.coefficients["purchase_timeframe_over_60"] = timeframe_over_60_coefficient;
    t.coefficients["newsletter"] = newsletter_coefficient;
    for (const auto& e : event_types)
        if (e.coefficient != 0) t.coefficients[std::string(e.name) + "_count"] = e.coefficient;
    return t;
}

/// Generates every row: slices of rows on up to options.threads threads, then merged in row order.
void build(const generator_options& o, generated_crm& out) {
    crm_context crm(o, out);
    const std::size_t n = o.leads;
    lead_table& t = out.leads;
    const auto& s = t.table_schema();
    auto& id = std::get<categorical_column>(t.column(*s.find(field_role::id)));
    auto& email = std::get<categorical_column>(t.column(*s.find(field_role::email)));
    // Ids and emails are distinct by construction (an email holds the row number), so lead i gets code i in both,
    // and their dictionaries are built in one step instead of a lookup per lead, while the slices are joined.
    for (auto* c : {&id, &email}) {
        c->codes.resize(n);
        std::iota(c->codes.begin(), c->codes.end(), 0);
    }

    // Lead i draws from its own streams, so slices of rows can be made apart and joined in order.
    const auto slices = detail::split_rows(0, n, o.threads);
    std::vector<slice_parts> parts(slices.count);
    detail::for_each_part(slices, [&](std::size_t k, std::size_t begin, std::size_t end) {
        generate_slice(crm, parts[k], begin, end, k == 0 ? n : end - begin);
    });
    join_slices(crm, out, parts, slices, o.threads, id.dict, email.dict);
    t.finish_rows();
    // Every lead has a first stage entry, so interning each lead's id there would rebuild the id dictionary.
    if (o.history)
        out.history.lead_ids = id.dict;
}

schema crm_schema() {
    // Attributes in name order (as lead_table::from_leads orders them), then the outcome and the stage a lost lead
    // was lost at (its last open stage; missing for open and won leads).
    const field attributes[] = {
        {"country", field_type::categorical, field_role::none},
        {"employees", field_type::numeric, field_role::none},
        {"industry", field_type::categorical, field_role::none},
        {"last_contacted", field_type::timestamp, field_role::none},
        {"newsletter", field_type::boolean, field_role::none},
    };
    schema s = schema::for_leads(attributes);
    s.add({"outcome", field_type::categorical, field_role::outcome});
    s.add({"lost_stage", field_type::categorical, field_role::none});
    return s;
}

} // namespace

} // namespace detail::sim

generated_crm generate_crm(const generator_options& options) {
    if (options.capture_days < 1 || options.capture_days > 36500)
        throw definition_error("generator: capture_days must be between 1 and 36500, not " +
                               std::to_string(options.capture_days));
    if (options.follow_up_days < 0 || options.follow_up_days > 36500)
        throw definition_error("generator: follow_up_days must be between 0 and 36500, not " +
                               std::to_string(options.follow_up_days));
    if (options.leads > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw definition_error("generator: at most 2147483647 leads (codes are 32-bit), not " +
                               std::to_string(options.leads));
    // The ids' text is known in advance (the emails' only once they are drawn): checked before any work.
    if (detail::sim::id_text_bytes(options.leads) > std::numeric_limits<std::uint32_t>::max())
        throw definition_error("generator: the ids of " + std::to_string(options.leads) +
                               " leads need more text than a column can hold (4 GiB); generate fewer leads");

    generated_crm out{lead_table(detail::sim::crm_schema()), {}, detail::sim::make_truth(), {}, {}};
    out.horizon = from_seconds(to_seconds(options.start) +
                               static_cast<std::int64_t>(options.capture_days + options.follow_up_days) *
                                   detail::sim::seconds_per_day);
    detail::sim::build(options, out);
    return out;
}

} // namespace leadscore
