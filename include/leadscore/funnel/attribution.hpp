#pragma once
// Multi-touch attribution: which channels (lead sources) earn the conversions and the revenue. First touch, last
// touch, linear, and Markov removal-effect attribution solved exactly on the absorbing chain of touches. Counted by
// a mergeable accumulator (integers only, so merges are exact).

#include "leadscore/core/dictionary.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace leadscore {

/// Touch paths of many leads, column by column: path i is the channels
/// channels[touch[offsets[i]]], …, channels[touch[offsets[i + 1] − 1]] in time order, then a conversion (with a
/// value in money, NaN = none) or not. A path without touches is allowed: it is counted, never attributed.
struct touch_paths {
    dictionary channels;                   ///< channel names; touch holds their codes
    std::vector<std::int32_t> touch;       ///< the touches of every path, path after path
    std::vector<std::uint64_t> offsets{0}; ///< size() + 1 offsets into touch, as in the comment above
    std::vector<std::uint8_t> converted;   ///< per path: 1 when it converted
    std::vector<double> value;             ///< per path: the conversion's value, money (NaN = none)

    /// Number of paths.
    [[nodiscard]] std::size_t size() const noexcept { return converted.size(); }
    /// Appends a path. Throws definition_error naming the path (its index) and touch for an empty channel name,
    /// and for a value that is negative or infinite. A value on a path that did not convert is ignored (NaN kept).
    void append(std::span<const std::string_view> path, bool converted,
                double value = std::numeric_limits<double>::quiet_NaN());
    /// Appends "A>B>A"-style text: channel names separated by `separator` (empty text = no touches).
    void append(std::string_view path, bool converted, double value = std::numeric_limits<double>::quiet_NaN(),
                char separator = '>');
    /// Channel codes of path i. Throws std::out_of_range past the end.
    [[nodiscard]] std::span<const std::int32_t> touches_of(std::size_t i) const;
};

/// The touch paths of a history, one per lead in lead-code order. A lead's touches are the sources of its entries
/// in journey order, up to and including its first won entry (later touches did not lead to that conversion);
/// entries without a source add none, and consecutive entries with the same source are one touch (a lead keeps its
/// source while it moves on). The lead converted when it has a won entry; the value is that entry's value.
[[nodiscard]] touch_paths touch_paths_of(const journeys& j);

/// What one channel earned. Conversions and revenue by four rules, each summing over channels to the total of the
/// paths with touches:
/// * first touch / last touch: the whole conversion and value to the path's first / last touch;
/// * linear: 1/k of the conversion and value to each of a converting path's k touches (a channel touched twice
///   gets 2/k);
/// * Markov: conversions × removal_effect / Σ removal effects (and the revenue likewise).
struct channel_credit {
    std::string channel;                  ///< the channel's name
    std::uint64_t touches = 0;            ///< touches on all paths
    std::uint64_t converting_touches = 0; ///< touches on converting paths
    double first_touch = 0;               ///< conversions credited by first touch
    double last_touch = 0;                ///< … by last touch
    double linear = 0;                    ///< … linearly
    double markov = 0;                    ///< … by removal effect (NaN when the chain is ill-conditioned)
    double first_touch_revenue = 0;       ///< revenue credited by first touch, money
    double last_touch_revenue = 0;        ///< … by last touch
    double linear_revenue = 0;            ///< … linearly
    double markov_revenue = 0;            ///< … by removal effect (NaN when the chain is ill-conditioned)
    /// 1 − P(conversion with the channel removed) / P(conversion): the share of conversions lost when every
    /// transition into the channel leads to no conversion instead.
    double removal_effect = 0;
};

/// An attribution table.
struct attribution_result {
    std::vector<channel_credit> channels; ///< ascending by channel name
    std::uint64_t paths = 0;              ///< paths with at least one touch
    std::uint64_t conversions = 0;        ///< … that converted (what the rules distribute)
    double revenue = 0;                   ///< … their values (what the revenue rules distribute)
    std::uint64_t conversions_without_value = 0; ///< conversions (with touches) without a value: no revenue credited
    std::uint64_t paths_without_touch = 0;       ///< paths without touches: counted, never attributed
    std::uint64_t conversions_without_touch = 0; ///< … that converted
    double revenue_without_touch = 0;            ///< … their values
    /// P(conversion) of the first-order chain from the start state: conversions / paths for a chain estimated from
    /// complete paths (a check on the solution). NaN without paths.
    double conversion_probability = std::numeric_limits<double>::quiet_NaN();
    /// ok; no_data when no path converted (removal effects are 0 and Markov credits 0); ill_conditioned when the
    /// chain's I − Q is numerically singular (Markov columns NaN).
    markov_status status = markov_status::ok;
};

/// First touch, last touch, linear and Markov attribution of many touch paths.
///
/// The Markov model is the first-order chain start → channel → … → channel → conversion or null, with
/// transition probabilities counted over the paths with touches (repeats of a channel are self-transitions,
/// which leave removal effects unchanged). The removal effect of channel c is computed exactly from the
/// fundamental matrix N = (I − Q)⁻¹: P(conversion without c) = P(conversion) − h_c·x_c, where h_c is the
/// probability of ever visiting c from the start ((sN)_c / N_cc) and x_c the probability of converting from c
/// (Nr)_c — the paths through c are exactly those the removal sends to null. No simulation.
class attribution_accumulator {
public:
    attribution_accumulator() = default;

    /// Adds every path (channels are matched by name, so paths with different dictionaries mix).
    void add(const touch_paths& p);
    /// Adds paths [begin, end) only.
    void add(const touch_paths& p, std::size_t begin, std::size_t end);
    /// Adds another accumulator's counts.
    void merge(const attribution_accumulator& other);

    /// The table. Solves the chain once (O(channels³)).
    [[nodiscard]] attribution_result result() const;
    /// Channel names, in first-seen order.
    [[nodiscard]] std::span<const std::string> channels() const noexcept { return {names_.data(), names_.size()}; }

    /// Same counts by channel name (first-seen order does not matter).
    friend bool operator==(const attribution_accumulator& a, const attribution_accumulator& b);

private:
    struct channel_counts {
        std::uint64_t touches = 0, converting_touches = 0, first = 0, last = 0;
        std::int64_t first_cents = 0, last_cents = 0;
        std::uint64_t start = 0, to_conversion = 0, to_null = 0; // chain transitions start → c, c → end
        friend bool operator==(const channel_counts&, const channel_counts&) = default;
    };
    /// Touches of one channel on converting paths of length k, and the cents of those paths summed per touch.
    struct linear_cell {
        std::uint64_t touches = 0;
        std::int64_t cents = 0;
        friend bool operator==(const linear_cell&, const linear_cell&) = default;
    };

    std::int32_t channel_index(std::string_view name);
    void grow(std::size_t channels);

    std::vector<std::string> names_;
    std::unordered_map<std::string, std::int32_t> index_;
    std::vector<channel_counts> counts_;
    std::vector<std::uint64_t> moves_; // channels × channels: transitions c → c'
    std::map<std::uint64_t, std::vector<linear_cell>> linear_; // path length k → per channel
    std::uint64_t paths_ = 0, conversions_ = 0, without_value_ = 0, empty_paths_ = 0, empty_conversions_ = 0;
    std::int64_t cents_ = 0, empty_cents_ = 0;
};

/// a merged with b.
[[nodiscard]] attribution_accumulator merge(attribution_accumulator a, const attribution_accumulator& b);

/// Convenience: the attribution of a set of paths.
[[nodiscard]] attribution_result attribute(const touch_paths& p);

} // namespace leadscore
