#pragma once
// The data of the training benchmarks and of the scikit-learn comparison (bench/train_reference.cpp): generated
// leads (every lead closed: a two-year follow-up) as a table of 16 fields and a target, so both sides read the
// same columns. Fields: 8 categorical (party, job_title, source, team, owner, country, industry, newsletter as
// true / false), 3 numeric with missing values (purchase_timeframe, expected_value, employees) and 5 event counts
// (email_clicked, pricing_page_visited, form_submitted, webinar_attended, meeting_booked); target `won` (yes / no).
#include "leadscore/core/lead_table.hpp"
#include "leadscore/sim/generator.hpp"

#include <array>
#include <string>
#include <vector>

namespace leadscore::bench {

inline constexpr std::array<const char*, 5> counted_events{"email_clicked", "pricing_page_visited", "form_submitted",
                                                           "webinar_attended", "meeting_booked"};

inline lead_table training_table(std::size_t leads, std::uint64_t seed = 7) {
    const auto crm = generate_crm({.leads = leads, .seed = seed, .follow_up_days = 730, .history = false});
    const auto& t = crm.leads;
    const auto& s = t.table_schema();
    const std::array<const char*, 7> categorical{"party", "job_title", "source", "team", "owner", "country", "industry"};
    const std::array<const char*, 3> numeric{"purchase_timeframe", "expected_value", "employees"};
    schema out_schema;
    for (const auto* f : categorical) out_schema.add({f, field_type::categorical, field_role::none});
    out_schema.add({"newsletter", field_type::categorical, field_role::none});
    for (const auto* f : numeric) out_schema.add({f, field_type::numeric, field_role::none});
    for (const auto* e : counted_events) out_schema.add({std::string(e) + "_count", field_type::numeric, field_role::none});
    out_schema.add({"won", field_type::categorical, field_role::none});

    lead_table out(out_schema);
    std::size_t c = 0;
    for (const auto* f : categorical) {
        const auto from = s.at(f);
        out.column(c++) = categorical_column{std::vector<std::int32_t>(t.codes(from).begin(), t.codes(from).end()),
                                             t.dict(from)};
    }
    {
        categorical_column news;
        const auto yes = news.dict.intern("true"), no = news.dict.intern("false");
        for (const auto b : t.booleans(s.at("newsletter"))) news.codes.push_back(b == 1 ? yes : b == 0 ? no : missing_code);
        out.column(c++) = std::move(news);
    }
    for (const auto* f : numeric) {
        const auto v = t.numeric(s.at(f));
        out.column(c++) = numeric_column{std::vector<double>(v.begin(), v.end())};
    }
    for (const auto* e : counted_events) {
        const auto code = t.event_types().find(e);
        numeric_column col;
        col.values.reserve(t.rows());
        for (std::size_t r = 0; r < t.rows(); ++r) {
            double n = 0;
            for (const auto& ev : t.events_of(r)) n += code && ev.type == *code ? 1 : 0;
            col.values.push_back(n);
        }
        out.column(c++) = std::move(col);
    }
    {
        categorical_column won;
        const auto yes = won.dict.intern("yes"), no = won.dict.intern("no");
        const auto outcome = t.codes(s.at("outcome"));
        const auto& od = t.dict(s.at("outcome"));
        for (const auto o : outcome) {
            const auto text = o == missing_code ? std::string_view() : od[o];
            won.codes.push_back(text == "won" ? yes : text == "lost" ? no : missing_code);
        }
        out.column(c++) = std::move(won);
    }
    out.finish_rows();
    return out;
}

} // namespace leadscore::bench
