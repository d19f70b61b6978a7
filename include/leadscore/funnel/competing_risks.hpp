#pragma once
// Competing risks in the funnel: a lead ends won or lost, and "P(won within t)" must count a loss as an end, not as
// censoring. The Aalen–Johansen cumulative incidence of won and of lost over the time since first touch, with the
// Kaplan–Meier of the time to close (either cause) and the variance cmprsk's cuminc reports, by a per-lead key.

#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/timing.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// One step of the cumulative incidence curves, at an event time (seconds since first touch).
///
/// With nᵢ leads at risk at tᵢ (closed or censored at or after tᵢ: a lead censored at tᵢ is at risk), wᵢ of them
/// closing won and lᵢ lost there, and S the Kaplan–Meier of the time to close (either cause):
///   S(tᵢ) = S(tᵢ₋₁) (1 − (wᵢ + lᵢ) / nᵢ),   F_won(tᵢ) = F_won(tᵢ₋₁) + S(tᵢ₋₁) wᵢ / nᵢ   (and F_lost alike),
/// so F_won(t) + F_lost(t) + S(t) = 1 at every t. F_won(t) estimates P(closed won by t) with open leads censored;
/// a loss is a competing end, so F_won(∞) ≤ 1 − F_lost(∞), unlike 1 − Kaplan–Meier with losses censored.
///
/// The variances are those of cmprsk's cuminc (Gray 1988, an Aalen-type estimator with a correction for ties),
/// for cause k with the other cause o, at time t:
///   V_k(t) = Σ_{i: tᵢ ≤ t, kᵢ > 0} S(tᵢ₋₁)² cᵢ(kᵢ) kᵢ / nᵢ² (1 + (F_k(tᵢ) − F_k(t)) / S(tᵢ))²
///          + Σ_{i: tᵢ ≤ t, oᵢ > 0, S(tᵢ) > 0} S(tᵢ₋₁)² cᵢ(oᵢ) oᵢ / nᵢ² ((F_k(tᵢ) − F_k(t)) / S(tᵢ))²,
/// with cᵢ(d) = 1 − (d − 1) / (nᵢ − 1) for d > 1, else 1; in the first sum the ratio is left out (taken as 0) when
/// S(tᵢ) = 0. V_k changes only where F_k does, up to rounding (the sums are kept expanded, so a step costs O(1)).
struct incidence_step {
    std::int64_t time = 0;      ///< the event time, seconds since first touch
    std::uint64_t at_risk = 0;  ///< leads at risk at `time`
    std::uint64_t won = 0;      ///< leads that closed won at `time`
    std::uint64_t lost = 0;     ///< leads that closed otherwise (lost, rejected, nurture) at `time`
    double survival = 1;        ///< S(time): P(still open after time), the Kaplan–Meier of the time to close
    double won_incidence = 0;   ///< F_won(time): P(closed won by time)
    double lost_incidence = 0;  ///< F_lost(time): P(closed lost by time)
    double won_variance = 0;    ///< V_won(time), as cmprsk's cuminc
    double lost_variance = 0;   ///< V_lost(time), as cmprsk's cuminc
    /// Equal when every field is equal.
    friend bool operator==(const incidence_step&, const incidence_step&) = default;
};

/// The curves at one time: the values of the last step at or before it (S = 1, F = V = 0 before the first). Beyond
/// incidence_curve::follow_up the values are those of the last step, not estimates: check the time first.
struct incidence_point {
    double survival = 1;       ///< S(t)
    double won_incidence = 0;  ///< F_won(t)
    double lost_incidence = 0; ///< F_lost(t)
    double won_variance = 0;   ///< V_won(t)
    double lost_variance = 0;  ///< V_lost(t)
};

/// A pointwise confidence interval of a cumulative incidence.
struct incidence_interval {
    double low = 0;  ///< lower bound
    double high = 0; ///< upper bound
};

/// The Aalen–Johansen estimate of the cumulative incidence of won and of lost (see incidence_step).
struct incidence_curve {
    std::vector<incidence_step> steps; ///< one per distinct event time (won or lost), ascending
    std::uint64_t won = 0;             ///< leads closed won
    std::uint64_t lost = 0;            ///< leads closed otherwise
    std::uint64_t censored = 0;        ///< leads still open
    /// The largest time observed, of a close or of a lead still open (0 when there is none): the curves are
    /// estimates up to it and flat after it only because nothing was observed there.
    std::int64_t follow_up = 0;

    /// The curves at time t (seconds since first touch).
    [[nodiscard]] incidence_point at(std::int64_t t) const noexcept;
    /// True when the curves at t are estimates: t ≤ follow_up, or every lead closed (S = 0 at the last step).
    [[nodiscard]] bool observed_at(std::int64_t t) const noexcept;
    /// The Kaplan–Meier of the time to close (either cause) as a survival_curve: the same S at the same steps.
    [[nodiscard]] survival_curve time_to_close() const;
};

/// The Aalen–Johansen estimate from times to close of leads that closed won, closed lost, and are still open
/// (censored), in any order. Throws definition_error for a negative time.
[[nodiscard]] incidence_curve aalen_johansen(std::span<const std::int64_t> won, std::span<const std::int64_t> lost,
                                             std::span<const std::int64_t> censored);

/// A pointwise interval for a cumulative incidence F with variance V, on the log(−log) scale (Choudhury 2002, as
/// Pintilie's "Competing risks" recommends): F^exp(±z √V / (F ln F)), z = 1.96 for 95 %. For F = 0 the interval is
/// [0, 0]; for F = 1 it is [1, 1]; NaN in, NaN out.
[[nodiscard]] incidence_interval incidence_confidence(double f, double variance, double z = 1.959963984540054);

/// Times to close of one group of leads, by how they closed, kept exactly (seconds) so merges are exact.
struct competing_sample {
    std::vector<std::int64_t> won;      ///< first touch → close, leads whose closing entry is a won stage
    std::vector<std::int64_t> lost;     ///< … whose closing entry is a lost, rejected or nurture stage
    std::vector<std::int64_t> censored; ///< still open: as_of − first touch
    std::uint64_t unknown = 0;          ///< closed, but an end is undated: the time to close is not known

    /// The Aalen–Johansen estimate of these times.
    [[nodiscard]] incidence_curve incidence() const { return aalen_johansen(won, lost, censored); }
    /// Appends another sample's times and adds its unknown count.
    void merge(const competing_sample& o);
    /// Same times as multisets (order does not matter) and the same unknown count.
    friend bool operator==(const competing_sample& a, const competing_sample& b);
};

/// How competing_risks_accumulator runs.
struct competing_risks_options {
    /// Threads for add(); 0 = every hardware thread. Results do not depend on it.
    unsigned threads = 0;
};

/// Times to close by cause of many leads, observed at `as_of`, by a per-lead key.
///
/// The time to close is that of timing_accumulator::to_close (first dated entry → the last entry when its stage is
/// not open; open leads censored at as_of − first touch; undated ends counted in unknown), so the Kaplan–Meier of
/// the total equals to_close().survival(). The cause is the kind of the closing (last) entry: won, or lost for a
/// lost, rejected or nurture stage. Fill it from partitions of a history (all entries of a lead in one part) and
/// merge: the result equals that of the whole.
class competing_risks_accumulator {
public:
    /// Throws definition_error when as_of is missing_time.
    competing_risks_accumulator(const funnel& f, timestamp as_of, competing_risks_options options = {});

    /// Adds every lead of j (same funnel), grouped by `key` (nullptr: one group, label ""). The key must have one
    /// code per lead of j. Throws definition_error for a mismatch, or naming an entry dated after as_of.
    void add(const journeys& j, const lead_key* key = nullptr);
    /// Adds leads [begin, end) of j only.
    void add(const journeys& j, const lead_key* key, std::size_t begin, std::size_t end);
    /// Adds another accumulator's times (same funnel and as_of, else definition_error).
    void merge(const competing_risks_accumulator& other);

    /// Times by label (leads with a missing key under no_label), labels ascending.
    [[nodiscard]] const std::map<std::string, competing_sample, std::less<>>& groups() const noexcept {
        return groups_;
    }
    /// Every group's times together.
    [[nodiscard]] competing_sample total() const;
    /// The observation time.
    [[nodiscard]] timestamp as_of() const noexcept { return as_of_; }
    /// The funnel counted (the accumulator's copy).
    [[nodiscard]] const leadscore::funnel& stages() const noexcept { return funnel_; }

    /// Same funnel, as_of and times as multisets (threads ignored).
    friend bool operator==(const competing_risks_accumulator& a, const competing_risks_accumulator& b);

private:
    friend struct detail::archive::description<competing_risks_accumulator>; // archives (io/serialize_funnel.hpp)
    leadscore::funnel funnel_;
    timestamp as_of_;
    competing_risks_options options_;
    std::map<std::string, competing_sample, std::less<>> groups_;
};

/// a merged with b.
[[nodiscard]] competing_risks_accumulator merge(competing_risks_accumulator a, const competing_risks_accumulator& b);

/// Convenience: the times to close by cause of a whole history, grouped by `key` (nullptr: one group).
[[nodiscard]] competing_risks_accumulator compute_competing_risks(const journeys& j, timestamp as_of,
                                                                  const lead_key* key = nullptr,
                                                                  competing_risks_options options = {});

} // namespace leadscore
