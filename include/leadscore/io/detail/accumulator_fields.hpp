#pragma once
// Internal: how the funnel accumulators are archived (their descriptions; see leadscore/io/serialize_funnel.hpp for
// the format and leadscore/io/detail/archive_fields.hpp for the form). Included by serialize_funnel.hpp only.

#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/detail/archive_fields.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace leadscore::detail::archive {

// ---- accumulators -------------------------------------------------------------------------------------------------

/// Refuses a list whose size is not `want` ("type: what: 3 values for a funnel of 9 stages").
inline void expect_stages(const char* type, const char* what, std::size_t got, std::size_t want) {
    if (got != want)
        fail(std::string(type) + ": " + what + ": " + std::to_string(got) + " values for a funnel of " +
             std::to_string(want) + " stages");
}

template <>
struct description<duration_sample> {
    static constexpr const char* name = "duration_sample";
    static void fields(auto& v, auto& d) {
        v("closed", d.closed);
        v("censored", d.censored);
        v("unknown", d.unknown);
    }
    static void check(const duration_sample& d) {
        for (const auto* list : {&d.closed, &d.censored})
            for (const auto x : *list)
                if (x < 0) fail("duration_sample: a negative duration (" + std::to_string(x) + ")");
    }
};

template <>
struct description<conversion_accumulator> {
    static constexpr const char* name = "conversion_accumulator";
    static auto parts(const conversion_accumulator& a) {
        std::optional<std::int64_t> window;
        if (a.options_.window) window = a.options_.window->count();
        std::vector<std::string> labels;
        std::vector<conversion_group> groups;
        for (const auto& [label, g] : a.groups_) {
            labels.push_back(label);
            groups.push_back(g);
        }
        return part_list(a.funnel_, std::move(window), std::move(labels), std::move(groups));
    }
    static void fields(auto& v, auto& f, auto& window, auto& labels, auto& groups) {
        v("funnel", f);
        v("window_seconds", window);
        v("label", labels);
        v("group", groups);
    }
    static conversion_accumulator make(funnel f, std::optional<std::int64_t> window, std::vector<std::string> labels,
                                       std::vector<conversion_group> groups) {
        conversion_options options;
        if (window) options.window = std::chrono::seconds(*window);
        conversion_accumulator a(f, options);
        if (labels.size() != groups.size()) fail("conversion_accumulator: labels and groups of different counts");
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (!a.groups_.empty() && !(a.groups_.rbegin()->first < labels[i]))
                fail("conversion_accumulator: label '" + labels[i] + "' out of order or repeated");
            expect_stages(name, "group stages", groups[i].stages.size(), f.size());
            a.groups_.emplace_hint(a.groups_.end(), std::move(labels[i]), std::move(groups[i]));
        }
        return a;
    }
};

template <>
struct description<timing_accumulator> {
    static constexpr const char* name = "timing_accumulator";
    static auto parts(const timing_accumulator& a) {
        return part_list(a.funnel_, a.as_of_, a.in_stage_, a.to_close_, a.to_won_);
    }
    static void fields(auto& v, auto& f, auto& as_of, auto& in_stage, auto& to_close, auto& to_won) {
        v("funnel", f);
        v("as_of", as_of);
        v("in_stage", in_stage);
        v("to_close", to_close);
        v("to_won", to_won);
    }
    static timing_accumulator make(funnel f, timestamp as_of, std::vector<duration_sample> in_stage,
                                   duration_sample to_close, duration_sample to_won) {
        timing_accumulator a(f, as_of);
        expect_stages(name, "in_stage", in_stage.size(), f.size());
        a.in_stage_ = std::move(in_stage);
        a.to_close_ = std::move(to_close);
        a.to_won_ = std::move(to_won);
        return a;
    }
};

/// One cell of a kpi_accumulator, one customer's wins, one cohort: the records those accumulators are saved as.
struct kpi_cell {
    std::int32_t period = 0;
    std::string label;
    kpi_counts counts;
};
struct customer_wins {
    std::string customer;
    std::uint64_t wins = 0;
};
struct cohort_record {
    std::int32_t period = 0;
    cohort_counts counts;
};

template <>
struct description<kpi_accumulator> {
    static constexpr const char* name = "kpi_accumulator";
    static auto parts(const kpi_accumulator& a) {
        std::vector<kpi_cell> cells;
        for (const auto& [key, counts] : a.cells_) cells.push_back({key.first, key.second, counts});
        std::vector<customer_wins> wins;
        for (const auto& [customer, n] : a.wins_) wins.push_back({customer, n});
        return part_list(a.funnel_, a.as_of_, a.options_.by, a.options_.opportunity_stage, std::move(cells),
                         std::move(wins), a.own_.customers, a.own_.repeat);
    }
    static void fields(auto& v, auto& f, auto& as_of, auto& by, auto& opportunity, auto& cells, auto& wins,
                       auto& own_customers, auto& own_repeat) {
        v("funnel", f);
        v("as_of", as_of);
        v("period", by);
        v("opportunity_stage", opportunity);
        v("cell", records(cells, [](auto& v, auto& c) {
              v("period", c.period);
              v("label", c.label);
              v("counts", c.counts);
          }));
        v("customer", records(wins, [](auto& v, auto& w) {
              v("name", w.customer);
              v("wins", w.wins);
          }));
        v("own_customers", own_customers);
        v("own_repeat", own_repeat);
    }
    static kpi_accumulator make(funnel f, timestamp as_of, period by, std::string opportunity,
                                std::vector<kpi_cell> cells, std::vector<customer_wins> wins,
                                std::uint64_t own_customers, std::uint64_t own_repeat) {
        kpi_accumulator a(f, as_of, kpi_options{by, std::move(opportunity), 0});
        for (auto& c : cells) {
            auto key = std::make_pair(c.period, std::move(c.label));
            if (!a.cells_.empty() && !(a.cells_.rbegin()->first < key))
                fail("kpi_accumulator: cell (" + std::to_string(key.first) + ", '" + key.second +
                     "') out of order or repeated");
            a.cells_.emplace_hint(a.cells_.end(), std::move(key), c.counts);
        }
        for (auto& w : wins) {
            if (!a.wins_.empty() && !(a.wins_.rbegin()->first < w.customer))
                fail("kpi_accumulator: customer '" + w.customer + "' out of order or repeated");
            a.wins_.emplace_hint(a.wins_.end(), std::move(w.customer), w.wins);
        }
        if (own_repeat > own_customers) fail("kpi_accumulator: own_repeat above own_customers");
        a.own_ = retention{own_customers, own_repeat};
        return a;
    }
};

template <>
struct description<cohort_accumulator> {
    static constexpr const char* name = "cohort_accumulator";
    static auto parts(const cohort_accumulator& a) {
        std::vector<cohort_record> cohorts;
        for (const auto& [p, counts] : a.cohorts_) cohorts.push_back({p, counts});
        return part_list(a.period_, a.as_of_, std::move(cohorts), a.undated_);
    }
    static void fields(auto& v, auto& by, auto& as_of, auto& cohorts, auto& undated) {
        v("period", by);
        v("as_of", as_of);
        v("cohort", records(cohorts, [](auto& v, auto& c) {
              v("period", c.period);
              v("leads", c.counts.leads);
              v("won_at_age", c.counts.won_at_age);
              v("won_undated", c.counts.won_undated);
          }));
        v("undated_leads", undated);
    }
    static cohort_accumulator make(period by, timestamp as_of, std::vector<cohort_record> cohorts,
                                   std::uint64_t undated) {
        cohort_accumulator a(by, as_of);
        for (auto& c : cohorts) {
            const std::string at = "cohort_accumulator: cohort " + std::to_string(c.period);
            if (!a.cohorts_.empty() && !(a.cohorts_.rbegin()->first < c.period))
                fail(at + " out of order or repeated");
            std::uint64_t won = c.counts.won_undated; // won_undated + the won_at_age, without overflow
            if (won > c.counts.leads) fail(at + ": more leads won than it has");
            for (const auto n : c.counts.won_at_age) {
                if (n > c.counts.leads - won) fail(at + ": more leads won than it has");
                won += n;
            }
            a.cohorts_.emplace_hint(a.cohorts_.end(), c.period, std::move(c.counts));
        }
        a.undated_ = undated;
        return a;
    }
};

/// The options of a markov_accumulator that its archive keeps (threads are not kept).
struct markov_settings {
    bool keep_stays = true;
    std::optional<std::int64_t> open_as_lost_after; // seconds
    std::optional<timestamp> as_of;
};

template <>
struct description<markov_accumulator> {
    static constexpr const char* name = "markov_accumulator";
    static auto parts(const markov_accumulator& a) {
        // The stays of every (from, to) cell in one array, with each cell's length.
        std::vector<std::uint64_t> lengths;
        std::vector<std::int64_t> stays;
        for (const auto& cell : a.stays_) {
            lengths.push_back(cell.size());
            stays.insert(stays.end(), cell.begin(), cell.end());
        }
        std::optional<std::int64_t> lost_after;
        if (a.options_.open_as_lost_after) lost_after = a.options_.open_as_lost_after->count();
        return part_list(a.funnel_, markov_settings{a.options_.keep_stays, lost_after, a.options_.as_of}, a.leads_,
                         a.counts_, a.starts_, a.open_at_end_, a.imputed_, a.undated_, a.stay_count_, a.stay_sum_,
                         std::move(lengths), std::move(stays));
    }
    static void fields(auto& v, auto& f, auto& settings, auto& leads, auto& counts, auto& starts, auto& open_at_end,
                       auto& imputed, auto& undated, auto& stay_count, auto& stay_sum, auto& lengths, auto& stays) {
        v("funnel", f);
        v("keep_stays", settings.keep_stays);
        v("open_as_lost_after_seconds", settings.open_as_lost_after);
        v("as_of", settings.as_of);
        v("leads", leads);
        v("transitions", counts);
        v("starts", starts);
        v("open_at_end", open_at_end);
        v("imputed_losses", imputed);
        v("undated_exits", undated);
        v("stay_count", stay_count);
        v("stay_seconds", stay_sum);
        v("stay_lengths", lengths);
        v("stays", stays);
    }
    static markov_accumulator make(funnel f, markov_settings settings, std::uint64_t leads,
                                   std::vector<std::uint64_t> counts, std::vector<std::uint64_t> starts,
                                   std::vector<std::uint64_t> open_at_end, std::vector<std::uint64_t> imputed,
                                   std::vector<std::uint64_t> undated, std::vector<std::uint64_t> stay_count,
                                   std::vector<std::int64_t> stay_sum, std::vector<std::uint64_t> lengths,
                                   std::vector<std::int64_t> stays) {
        markov_options options{settings.keep_stays, 0, std::nullopt, settings.as_of};
        if (settings.open_as_lost_after) options.open_as_lost_after = std::chrono::seconds(*settings.open_as_lost_after);
        markov_accumulator a(f, options); // checks the options
        const bool keep = settings.keep_stays;
        const std::size_t n = f.size();
        expect_stages(name, "transitions (stages squared)", counts.size(), n * n);
        expect_stages(name, "stay_lengths (stages squared)", lengths.size(), n * n);
        for (const auto* list : {&starts, &open_at_end, &imputed, &undated, &stay_count})
            expect_stages(name, "per-stage counts", list->size(), n);
        expect_stages(name, "stay_seconds", stay_sum.size(), n);
        std::size_t at = 0;
        for (std::size_t c = 0; c < n * n; ++c) {
            if (lengths[c] > stays.size() - at) fail("markov_accumulator: stay_lengths beyond the stays");
            if (!keep && lengths[c] != 0) fail("markov_accumulator: stays kept without keep_stays");
            if (lengths[c] > counts[c]) fail("markov_accumulator: more stays than transitions");
            const auto first = stays.begin() + static_cast<std::ptrdiff_t>(at);
            a.stays_[c].assign(first, first + static_cast<std::ptrdiff_t>(lengths[c]));
            at += lengths[c];
        }
        if (at != stays.size()) fail("markov_accumulator: stays beyond the stay_lengths");
        a.leads_ = leads;
        a.counts_ = std::move(counts);
        a.starts_ = std::move(starts);
        a.open_at_end_ = std::move(open_at_end);
        a.imputed_ = std::move(imputed);
        a.undated_ = std::move(undated);
        a.stay_count_ = std::move(stay_count);
        a.stay_sum_ = std::move(stay_sum);
        return a;
    }
};

template <>
struct description<competing_sample> {
    static constexpr const char* name = "competing_sample";
    static void fields(auto& v, auto& s) {
        v("won", s.won);
        v("lost", s.lost);
        v("censored", s.censored);
        v("unknown", s.unknown);
    }
    static void check(const competing_sample& s) {
        for (const auto* list : {&s.won, &s.lost, &s.censored})
            for (const auto x : *list)
                if (x < 0) fail("competing_sample: a negative duration (" + std::to_string(x) + ")");
    }
};

template <>
struct description<competing_risks_accumulator> {
    static constexpr const char* name = "competing_risks_accumulator";
    static auto parts(const competing_risks_accumulator& a) {
        std::vector<std::string> labels;
        std::vector<competing_sample> groups;
        for (const auto& [label, g] : a.groups_) {
            labels.push_back(label);
            groups.push_back(g);
        }
        return part_list(a.funnel_, a.as_of_, std::move(labels), std::move(groups));
    }
    static void fields(auto& v, auto& f, auto& as_of, auto& labels, auto& groups) {
        v("funnel", f);
        v("as_of", as_of);
        v("label", labels);
        v("group", groups);
    }
    static competing_risks_accumulator make(funnel f, timestamp as_of, std::vector<std::string> labels,
                                            std::vector<competing_sample> groups) {
        competing_risks_accumulator a(f, as_of); // checks as_of
        if (labels.size() != groups.size())
            fail("competing_risks_accumulator: labels and groups of different counts");
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (!a.groups_.empty() && !(a.groups_.rbegin()->first < labels[i]))
                fail("competing_risks_accumulator: label '" + labels[i] + "' out of order or repeated");
            a.groups_.emplace_hint(a.groups_.end(), std::move(labels[i]), std::move(groups[i]));
        }
        return a;
    }
};

} // namespace leadscore::detail::archive
