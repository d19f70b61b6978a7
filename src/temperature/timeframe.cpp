#include "leadscore/temperature/timeframe.hpp"

#include "../core/messages.hpp"
#include "common.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/condition.hpp"

#include <bit>
#include <cmath>
#include <cstring>

namespace leadscore {

namespace {

void check_level(const char* what, temperature t) {
    if (t != temperature::cold && t != temperature::unknown)
        throw definition_error(std::string("purchase timeframe: ") + what + " is " + std::string(to_string(t)) +
                               " (it may be cold or unknown: such a lead is never hotter than one that decides within "
                               "the horizon)");
}

} // namespace

purchase_timeframe_policy::purchase_timeframe_policy(timeframe_rule rule) : rule_(std::move(rule)) {
    if (rule_.horizon_days < 0 || rule_.horizon_days > 36500)
        throw definition_error("purchase timeframe: horizon of " + std::to_string(rule_.horizon_days) +
                               " days (needs 0..36500)");
    check_level("the temperature beyond the horizon", rule_.beyond);
    check_level("the temperature when no timeframe is stated", rule_.when_none);
    const auto h = std::to_string(rule_.horizon_days);
    reasons_ = {"needs it now", "decides within " + h + " days", "decides in more than " + h + " days",
                "no purchase timeframe stated"};
}

purchase_timeframe_policy::rater purchase_timeframe_policy::bind(const rating_input& in, const batch_options&) const {
    rater r;
    r.horizon_ = static_cast<double>(rule_.horizon_days);
    r.now_ = {temperature::hot, 0, needs_now};
    r.within_ = {temperature::warm, 0, within_horizon};
    r.beyond_ = {rule_.beyond, 0, beyond_horizon};
    r.none_ = {rule_.when_none, 0, none_stated};
    // An empty batch binds nothing: its view may have no schema at all (a default table_view).
    if (in.rows.rows() == 0) return r;
    const auto& s = in.rows.table_schema();
    std::optional<std::size_t> col = rule_.field.empty() ? s.find(field_role::purchase_timeframe) : s.find(rule_.field);
    if (!col)
        throw definition_error(rule_.field.empty()
                                   ? std::string("purchase timeframe: the table has no field with role "
                                                 "purchase_timeframe")
                                   : "purchase timeframe: the table has no field '" + rule_.field + "'");
    if (s[*col].type != field_type::numeric)
        throw definition_error("purchase timeframe: field '" + s[*col].name + "' is " +
                               std::string(to_string(s[*col].type)) + ", not numeric (days)");
    r.days_ = in.rows.numeric(*col).data();
    r.field_ = s[*col].name;
    return r;
}

void purchase_timeframe_policy::rater::bad_value(std::size_t row) const {
    throw input_error(detail::field_place(field_),
                      "row " + std::to_string(row) + ": purchase timeframe of " + detail::format_shortest(days_[row]) +
                          " days (a timeframe is 0 or more days; missing means none stated)");
}

rating purchase_timeframe_policy::rater::rate(std::size_t row, double) const {
    const double d = days_[row];
    if (d < 0) bad_value(row);
    if (d == 0) return now_;
    if (d <= horizon_) return within_;
    if (d > horizon_) return beyond_;
    return none_;
}

void purchase_timeframe_policy::rater::rate_batch(std::size_t first, std::span<const double>,
                                                  std::span<rating> out) const {
    // Plain selects between the four packed outcomes (timeframes are random per lead, so branches would mispredict),
    // nested so that the loop vectorizes. All comparisons are false for NaN: none stated. A negative value lands in
    // `within` here and is looked for afterwards, in a loop of its own.
    const auto now = std::bit_cast<std::uint32_t>(now_), within = std::bit_cast<std::uint32_t>(within_),
               beyond = std::bit_cast<std::uint32_t>(beyond_), none = std::bit_cast<std::uint32_t>(none_);
    const double* d = days_ + first;
    const double h = horizon_;
    const std::size_t n = out.size();
    rating* o = out.data();
    for (std::size_t i = 0; i < n; ++i) {
        const double x = d[i];
        detail::store_rating(o, i, x <= h ? (x == 0 ? now : within) : (x > h ? beyond : none));
    }
    bool bad = false;
    for (std::size_t i = 0; i < n; ++i) bad = bad | (d[i] < 0);
    if (bad)
        for (std::size_t i = 0; i < n; ++i)
            if (d[i] < 0) bad_value(first + i);
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(TemperaturePolicy<purchase_timeframe_policy>);
static_assert(BatchTemperatureRater<rater_t<purchase_timeframe_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const timeframe_rule&, const timeframe_rule&) = default;

} // namespace leadscore
