#pragma once
// The funnel as an absorbing Markov chain: transition counts and stays estimated from journeys by a mergeable
// accumulator, the transition matrix, the fundamental matrix N = (I − Q)⁻¹, the probability of ending in each
// absorbing stage (won, lost, …), and the expected steps and time to close from each open stage.

#include "leadscore/funnel/history.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// A dense matrix of doubles in row-major order: element (r, c) is values()[r × cols() + c]. The chain's matrices
/// are of this plain type, so this header needs no linear-algebra library.
class dense_matrix {
public:
    dense_matrix() = default;
    /// rows × cols elements, each `fill`.
    dense_matrix(std::size_t rows, std::size_t cols, double fill = 0)
        : rows_(rows), cols_(cols), values_(rows * cols, fill) {}
    /// rows × cols elements taken from `values`, row after row. Throws definition_error unless values has
    /// rows × cols elements.
    dense_matrix(std::size_t rows, std::size_t cols, std::vector<double> values);

    /// Number of rows (0 for an empty matrix).
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    /// Number of columns (0 for an empty matrix).
    [[nodiscard]] std::size_t cols() const noexcept { return cols_; }
    /// Element (r, c), for r < rows() and c < cols() (not checked, as a vector's operator[]).
    [[nodiscard]] double& operator()(std::size_t r, std::size_t c) noexcept { return values_[r * cols_ + c]; }
    /// Element (r, c) of a const matrix, under the same precondition.
    [[nodiscard]] double operator()(std::size_t r, std::size_t c) const noexcept { return values_[r * cols_ + c]; }
    /// Row r's elements (r < rows()).
    [[nodiscard]] std::span<const double> row(std::size_t r) const noexcept {
        return {values_.data() + r * cols_, cols_};
    }
    /// Every element, row after row.
    [[nodiscard]] const std::vector<double>& values() const noexcept { return values_; }

    /// Same shape and elements (compared with ==, so a matrix holding NaN is not equal to itself).
    friend bool operator==(const dense_matrix&, const dense_matrix&);

private:
    std::size_t rows_ = 0, cols_ = 0;
    std::vector<double> values_;
};

/// Whether the chain's results for an open stage can be trusted. Not ok is a value to test, never UB: the
/// stage's results are NaN.
enum class markov_status : std::uint8_t {
    ok,             ///< the stage's results are computed
    no_data,        ///< the stage, or an open stage it can reach, has no observed exit (its row is empty)
    never_absorbed, ///< from the stage a set of open stages can be reached that never leads to a closed one:
                    ///< I − Q is singular there
    ill_conditioned ///< I − Q is invertible in theory but its reciprocal condition number is below 1e-12
};
/// "ok", "no_data", "never_absorbed", "ill_conditioned".
[[nodiscard]] std::string_view to_string(markov_status s) noexcept;

/// What markov_accumulator keeps, and how many threads it uses.
struct markov_options {
    /// Keep every observed stay (needed by the forecast's empirical dwell model). Without them the accumulator
    /// keeps only the per-stage sums and counts, which the exponential model and expected times need.
    bool keep_stays = true;
    /// Threads for add(); 0 = every hardware thread. Results do not depend on it.
    unsigned threads = 0;
    /// When set, a lead still open whose age at `as_of` (as_of − its first dated entry) is more than this counts as
    /// lost: one transition from its last stage to the funnel's first stage of kind lost, with no stay (the moment
    /// it was lost is not known), counted in imputed_losses instead of open_at_end. Without it, open leads add no
    /// exit, so on a history that records no losses every stage's P(win) reads 100 % (see markov_accumulator).
    std::optional<std::chrono::seconds> open_as_lost_after;
    /// The observation time ages are measured at; required with open_as_lost_after.
    std::optional<timestamp> as_of;
};

/// Transition counts and stays of many leads' journeys.
///
/// * A *transition* is a pair of consecutive entries of one lead's journey: from the stage of one entry to the
///   stage of the next. Staying counts only when the data shows it: two consecutive entries in the same stage (a
///   recorded re-entry) are a self-transition; time spent in a stage is not cut into steps.
/// * Open stages are the chain's transient states; every other stage (won, lost, rejected, nurture) is
///   absorbing. Transitions out of an absorbing stage (a reactivated lead) are counted but not used by the chain;
///   the lead's later transitions between open stages are.
/// * A lead whose last entry is in an open stage is still open: it ends transient, counted in open_at_end, and
///   adds no exit (its next stage is unknown). The chain's probabilities are then those of the leads' observed
///   moves: P(win) conditions on the lead closing the way closed leads did. Where open leads are mostly silent
///   losses (a CRM that records wins but not losses), that overstates P(win) — up to 100 % when no loss is
///   recorded; markov_options::open_as_lost_after counts old open leads as lost instead.
/// * The *stay* of a transition out of an open stage is the time between its two entries, in whole seconds, when
///   both are dated; otherwise the exit counts in undated_exits. Stays are kept per (from, to) pair.
class markov_accumulator {
public:
    /// Counts for this funnel (a copy is kept, so accumulators of partitions can be checked for a match). Throws
    /// definition_error when open_as_lost_after is set without as_of, is negative, or the funnel has no lost stage.
    explicit markov_accumulator(const funnel& f, markov_options options = {});

    /// Adds every lead of j (its funnel must equal this one's, else definition_error).
    void add(const journeys& j);
    /// Adds leads [begin, end) of j only.
    void add(const journeys& j, std::size_t begin, std::size_t end);
    /// Adds another accumulator's counts and stays (same funnel, keep_stays, open_as_lost_after and as_of, else
    /// definition_error).
    void merge(const markov_accumulator& other);

    /// Transitions observed from stage `from` to stage `to` (funnel indices).
    [[nodiscard]] std::uint64_t transitions(std::size_t from, std::size_t to) const;
    /// Transitions out of a stage (the row sum).
    [[nodiscard]] std::uint64_t exits(std::size_t from) const;
    /// Leads whose journey starts in the stage.
    [[nodiscard]] std::uint64_t starts(std::size_t s) const { return starts_.at(s); }
    /// Leads whose journey ends in the stage while it is open (still open leads).
    [[nodiscard]] std::uint64_t open_at_end(std::size_t s) const { return open_at_end_.at(s); }
    /// Open leads whose journey ends in the stage and that count as lost (markov_options::open_as_lost_after); their
    /// transitions to the lost stage are in transitions() and exits().
    [[nodiscard]] std::uint64_t imputed_losses(std::size_t s) const { return imputed_.at(s); }
    /// Exits of an open stage whose stay is unknown (an end is undated).
    [[nodiscard]] std::uint64_t undated_exits(std::size_t from) const { return undated_.at(from); }
    /// Sum of the known stays in an open stage (all destinations), in seconds.
    [[nodiscard]] std::int64_t stay_seconds(std::size_t from) const { return stay_sum_.at(from); }
    /// Number of the known stays in an open stage (all destinations).
    [[nodiscard]] std::uint64_t stay_count(std::size_t from) const { return stay_count_.at(from); }
    /// stay_seconds / stay_count (NaN when no stay is known).
    [[nodiscard]] double mean_stay(std::size_t from) const;
    /// The known stays of transitions from → to, in the order added (empty without keep_stays).
    [[nodiscard]] std::span<const std::int64_t> stays(std::size_t from, std::size_t to) const;
    /// Leads added.
    [[nodiscard]] std::uint64_t leads() const noexcept { return leads_; }

    /// The funnel counted (the accumulator's copy).
    [[nodiscard]] const leadscore::funnel& stages() const noexcept { return funnel_; }
    /// The options given at construction.
    [[nodiscard]] const markov_options& options() const noexcept { return options_; }

    /// Same funnel, keep_stays, open_as_lost_after, as_of and counts, and the same stays as multisets (threads
    /// ignored).
    friend bool operator==(const markov_accumulator& a, const markov_accumulator& b);

private:
    friend struct detail::archive::description<markov_accumulator>; // archives (io/serialize_funnel.hpp)
    [[nodiscard]] std::size_t cell(std::size_t from, std::size_t to) const;

    leadscore::funnel funnel_;
    markov_options options_;
    std::size_t n_;                              // stages
    std::vector<std::uint64_t> counts_;          // n × n, row = from
    std::vector<std::uint64_t> starts_, open_at_end_, imputed_, undated_, stay_count_;
    std::size_t lost_stage_ = 0; // where open_as_lost_after sends old open leads
    std::vector<std::int64_t> stay_sum_;
    std::vector<std::vector<std::int64_t>> stays_; // n × n
    std::uint64_t leads_ = 0;
};

/// a merged with b.
[[nodiscard]] markov_accumulator merge(markov_accumulator a, const markov_accumulator& b);

/// Convenience: the transition counts of a whole history.
[[nodiscard]] markov_accumulator compute_markov(const journeys& j, markov_options options = {});

/// The chain's results. Transient states are the funnel's open stages in funnel order, absorbing states the other
/// stages in funnel order; matrices are indexed by those positions (see transient_index / absorbing_index).
/// Rows of stages whose status is not ok are NaN.
struct markov_analysis {
    std::vector<std::size_t> transient;   ///< funnel indices of the open stages
    std::vector<std::size_t> absorbing;   ///< funnel indices of the other stages
    std::vector<markov_status> status;    ///< per transient stage
    dense_matrix fundamental;             ///< N = (I − Q)⁻¹: expected visits to stage j starting in stage i
    dense_matrix absorption;              ///< B = N R: P(absorbed in absorbing stage a | start in stage i)
    std::vector<double> expected_steps;   ///< t = N 1: expected transitions until absorption
    /// N d, with d the mean stay of each open stage: expected seconds until absorption, counted from the entry
    /// into stage i. NaN also when a reachable stage has no known stay (or the chain has no stays).
    std::vector<double> expected_seconds;

    /// Every open stage ok.
    [[nodiscard]] bool ok() const noexcept;
    /// Position of a funnel stage among the transient states (a row of fundamental and absorption), or nullopt
    /// when the stage is not open.
    [[nodiscard]] std::optional<std::size_t> transient_index(std::size_t stage) const noexcept;
    /// Position of a funnel stage among the absorbing states (a column of absorption), or nullopt when the stage
    /// is open.
    [[nodiscard]] std::optional<std::size_t> absorbing_index(std::size_t stage) const noexcept;
    /// Status of a funnel stage (absorbing stages are always ok). Throws std::out_of_range for a bad index.
    [[nodiscard]] markov_status status_of(std::size_t stage) const;
    /// P(ending in absorbing stage `to` | now entering stage `from`), funnel indices. For an absorbing `from`:
    /// 1 when from == to, else 0. Throws std::out_of_range when `to` is not absorbing.
    [[nodiscard]] double absorption_probability(std::size_t from, std::size_t to) const;
    /// P(ending in a won stage | entering `stage`): the sum over absorbing stages of kind won (1 or 0 for an
    /// absorbing stage itself). Needs the funnel for the kinds.
    [[nodiscard]] double win_probability(const funnel& f, std::size_t stage) const;
    /// Expected transitions until absorption from a stage (0 for an absorbing stage).
    [[nodiscard]] double steps_from(std::size_t stage) const;
    /// Expected seconds until absorption from the entry into a stage (0 for an absorbing stage).
    [[nodiscard]] double seconds_from(std::size_t stage) const;
};

/// How markov_chain takes a given transition matrix.
struct markov_matrix_options {
    /// A row of an open stage whose sum s is off 1 by more than 1e-9 but at most this much is divided by s (and
    /// listed in markov_chain::normalized_rows), as for a matrix published with rounded figures: 0.02 admits rows
    /// of three figures rounded to two decimals. 0 = refuse every row off by more than 1e-9. Must be in [0, 0.5).
    double row_sum_tolerance = 0;
};

/// A row that markov_chain divided by its sum (see markov_matrix_options::row_sum_tolerance).
struct normalized_row {
    std::size_t stage = 0; ///< funnel index of the row's stage
    double sum = 0;        ///< the row's sum as given
    /// Equal when both fields are equal.
    friend bool operator==(const normalized_row&, const normalized_row&) = default;
};

/// An absorbing Markov chain over a funnel's stages: a transition matrix, and the stays that go with it.
class markov_chain {
public:
    /// A chain from a transition matrix P (size × size of the funnel; P(s, t) = P(next stage t | in stage s)).
    /// Rows of open stages must be finite, non-negative and sum to 1 within 1e-9 (or within
    /// options.row_sum_tolerance, then divided by their sum), or be all zero (a stage without data); rows of other
    /// stages are ignored (they are absorbing) and stored as zero. mean_stay_seconds, when given, holds one mean
    /// stay per stage (NaN = unknown; used for open stages only). Throws definition_error naming the stage and the
    /// fault, or for a tolerance outside [0, 0.5).
    markov_chain(const funnel& f, const dense_matrix& transitions, std::vector<double> mean_stay_seconds = {},
                 const markov_matrix_options& options = {});
    /// The chain estimated from counts: P(s, t) = transitions(s, t) / exits(s), the mean stays, and the observed
    /// stays (sorted) when the accumulator kept them.
    explicit markov_chain(const markov_accumulator& counts);

    /// The funnel of the chain (the chain's copy).
    [[nodiscard]] const leadscore::funnel& stages() const noexcept { return funnel_; }
    /// The transition matrix (rows of absorbing stages are zero).
    [[nodiscard]] const dense_matrix& transitions() const noexcept { return p_; }
    /// Mean stay in a stage, seconds (NaN when unknown).
    [[nodiscard]] double mean_stay(std::size_t s) const { return mean_stay_.at(s); }
    /// True when the chain holds observed stays (estimated with keep_stays).
    [[nodiscard]] bool has_stays() const noexcept { return has_stays_; }
    /// Observed stays of transitions from → to, ascending (empty when none or !has_stays()).
    [[nodiscard]] std::span<const std::int64_t> stays(std::size_t from, std::size_t to) const;
    /// Observed exits of an open stage (0 for a chain from a matrix).
    [[nodiscard]] std::uint64_t exits(std::size_t s) const { return exits_.at(s); }
    /// The rows the constructor divided by their sum, in funnel order (empty for a chain from counts, from a matrix
    /// whose rows summed to 1, and for a chain loaded from an archive: it stores the normalized matrix).
    [[nodiscard]] const std::vector<normalized_row>& normalized_rows() const noexcept { return normalized_; }

    /// Solves the chain (see markov_analysis).
    [[nodiscard]] markov_analysis analyze() const;

    /// Same funnel, transitions, exits and stays, and the same mean stays (NaN equal to NaN); normalized_rows is a
    /// note on how the chain was made and is not compared.
    friend bool operator==(const markov_chain&, const markov_chain&);

private:
    leadscore::funnel funnel_;
    dense_matrix p_;
    std::vector<double> mean_stay_;
    std::vector<std::uint64_t> exits_;
    std::vector<std::vector<std::int64_t>> stays_; // n × n, sorted
    std::vector<normalized_row> normalized_;
    bool has_stays_ = false;
};

/// One row of a printable summary of the chain: an open stage's outlook.
struct stage_outlook {
    std::size_t stage = 0;      ///< funnel index
    std::string name;           ///< the stage's name
    markov_status status = markov_status::ok; ///< not ok: win probability, steps and days are NaN
    std::uint64_t exits = 0;    ///< observed exits (0 for a chain from a matrix)
    double win_probability = 0; ///< P(won eventually | entering the stage)
    double expected_steps = 0;  ///< transitions until closed
    double expected_days = 0;   ///< days until closed (NaN when stays are unknown)
    double mean_stay_days = 0;  ///< mean stay in the stage (NaN when unknown)
};

/// The outlook of every open stage, in funnel order.
[[nodiscard]] std::vector<stage_outlook> outlook(const markov_chain& chain);
/// The same from an analysis already computed.
[[nodiscard]] std::vector<stage_outlook> outlook(const markov_chain& chain, const markov_analysis& a);

} // namespace leadscore
