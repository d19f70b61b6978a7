#pragma once
// The points rule set bound to a view, as the scorers' copies share it: resolved columns, per-type rule tables, decay
// constants. Internal: built by points_policy::bind (points.cpp), run by the scoring in points_program.cpp.

#include "leadscore/scoring/points.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace leadscore::detail {

// One formula for the scorers and for decay_rule::weight, so both give the same bits. neg_inv = -1 / seconds: a
// multiplication is cheaper than a division, and a half-life's weight needs no exact quotient.
inline double decay_weight(decay_kind kind, double seconds, double neg_inv, double base, double age) noexcept {
    switch (kind) {
    case decay_kind::none: return 1.0;
    // Clamped at 2^-1000 (about 1e-301): below that, exp2 takes a slow underflow path, and no score notices. The
    // upper clamp keeps the (unused) weight of an event after as_of finite.
    case decay_kind::half_life: return std::exp2(std::clamp(age * neg_inv, -1000.0, 0.0));
    case decay_kind::percent_per_period: // whole periods, exactly; never below 0 (for the unused later events)
        return std::pow(base, std::max(std::floor(age / seconds), 0.0));
    case decay_kind::window: return age <= seconds ? 1.0 : 0.0;
    }
    return 1.0;
}

/// A few slots on the stack, the heap beyond: one-lead scoring allocates nothing for ordinary rule sets.
template <class T, std::size_t N>
class scratch {
public:
    explicit scratch(std::size_t n) {
        if (n > N) heap_.resize(n);
        data_ = n > N ? heap_.data() : local_.data();
    }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;
    [[nodiscard]] T* data() noexcept { return data_; }

private:
    std::array<T, N> local_;
    std::vector<T> heap_;
    T* data_;
};


/// A rule set bound to a view, as the scorer's copies share it. Built by points_policy::bind, then read-only.
struct points_program {
    [[nodiscard]] double score(std::size_t row) const;
    void score_batch(std::size_t first, std::span<double> out) const;
    [[nodiscard]] explanation explain(std::size_t row) const;
    void group_scores(std::size_t row, std::span<double> out) const;
    void group_scores_batch(std::size_t first, std::size_t rows, std::span<double> out) const;

    struct group_state {
        decay_kind decay = decay_kind::none;
        double seconds = 0;  // half-life, period or window in seconds
        double neg_inv = 0;  // half-life: -1 / seconds
        double base = 1;     // percent_per_period: 1 - percent / 100
        double cap = 0, floor = 0; // ±infinity when unset
    };
    // One rule of one event type, flattened so that an event reads everything it needs from one place.
    struct type_rule {
        double points = 0;
        std::uint32_t rule = 0, group = 0;
        std::uint32_t detail_table = 0; // offset into detail_tables_ (the all-pass table when not filtered)
        bool active = false;            // false: the type has no rule (a slot that never counts)
        bool filtered = false, first_only = false;
        bool more = false;              // the type has further rules in extra_rules_
    };

    // Sums the row's counted events per rule into rule_sum (which must be all zero), marks hit, lists the rules
    // hit in `touched` (in the order of their first event) and returns how many there are.
    // `weights`, when given, holds the decay weight of events [weights_from, …) (see uniform_decay_).
    std::size_t engagement_row(std::size_t row, double* rule_sum, std::uint8_t* hit, std::uint32_t* touched,
                               const double* weights, std::uint64_t weights_from) const;
    // Fit and engagement points of a row into acc[group * stride]. Leaves rule_sum and hit zeroed unless `keep`.
    void accumulate(std::size_t row, double* acc, std::size_t stride, double* rule_sum, std::uint8_t* hit,
                    std::uint32_t* touched, bool keep, const double* weights = nullptr,
                    std::uint64_t weights_from = 0) const;
    [[nodiscard]] double age_of(const event_record& e) const noexcept {
        // In doubles, to stay branch-free: exact for times within ±2^53 s (285 million years), never negative for
        // an event at or before as_of, and merely inexact for absurd times. Later events get a negative age; they
        // do not count, and their weight is kept finite.
        return as_of_seconds_ - static_cast<double>(e.time);
    }
    [[nodiscard]] double capped(std::size_t rule, double sum) const noexcept {
        const double cap = rule_cap_[rule];
        return sum >= 0 ? (sum < cap ? sum : cap) : (sum > -cap ? sum : -cap);
    }
    void add_fit(std::size_t row, double* acc) const;
    [[nodiscard]] double finish(const double* acc, double* group_out) const noexcept;
    void run_block(std::size_t first, std::size_t rows, double* out, double* group_out) const;
    [[noreturn]] void bad_event(std::size_t row, const event_record& e, bool detail) const;

    std::shared_ptr<const points_rules> rules_;
    std::int64_t as_of_ = 0;
    double as_of_seconds_ = 0;
    std::size_t rows_ = 0;
    std::vector<bound_condition> fit_;
    std::vector<double> fit_points_;
    std::vector<std::uint32_t> fit_group_;
    std::vector<group_state> groups_;
    double total_cap_ = 0, total_floor_ = 0;
    std::vector<double> rule_cap_;           // per engagement rule, +infinity when unset
    std::vector<std::uint32_t> rule_group_;  // per engagement rule
    std::span<const event_record> events_;
    std::span<const std::uint64_t> offsets_;
    std::vector<type_rule> first_rule_;      // per event type: its first rule, or an inactive slot
    std::vector<std::uint32_t> extra_begin_; // further rules of type t: extra_rules_[extra_begin_[t], [t+1])
    std::vector<type_rule> extra_rules_;
    // Per detail table: detail code + 1 -> passes (index 0 = missing; the last index stands for a code outside
    // the dictionary). Table 0 passes everything.
    std::vector<std::uint8_t> detail_tables_;
    std::uint32_t detail_codes_ = 0; // entries a table indexes: the detail dictionary's size + 1
    // All engagement rules decay alike (the usual case): the batch form computes each event's weight once, in a
    // loop of its own, before the rules look at the events.
    bool uniform_decay_ = false;
    std::uint32_t uniform_group_ = 0;
};

} // namespace leadscore::detail
