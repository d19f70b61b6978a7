#include "leadscore/scoring/composite.hpp"
#include "../core/numbers.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace leadscore {

namespace {

using detail::nan;

void check_parts(std::string_view what, const std::vector<component>& parts) {
    if (parts.empty()) throw definition_error(std::string(what) + ": needs at least one part");
    std::set<std::string, std::less<>> names;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& p = parts[i];
        const std::string at = std::string(what) + ": part " + std::to_string(i) +
                               (p.name.empty() ? std::string() : " ('" + p.name + "')");
        if (p.name.empty()) throw definition_error(at + " has no name");
        if (!names.insert(p.name).second) throw definition_error(at + ": the name is repeated");
        if (!p.policy) throw definition_error(at + " has no policy");
        if (!std::isfinite(p.weight)) throw definition_error(at + ": the weight is not finite");
    }
}

bool all_probability(const std::vector<component>& parts) {
    return std::all_of(parts.begin(), parts.end(),
                       [](const component& c) { return c.policy.scale() == score_scale::probability; });
}

std::string format_number(double x) {
    std::string s = std::to_string(x);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

} // namespace

namespace detail {
bound_components::bound_components(std::span<const component> parts, const table_view& rows, timestamp as_of) {
    scorers.reserve(parts.size());
    for (const auto& p : parts) {
        scorers.push_back(p.policy.bind(rows, as_of));
        weights.push_back(p.weight);
        names.push_back(p.name);
    }
}
} // namespace detail

// ---- weighted sum ------------------------------------------------------------------------------------

weighted_sum_policy::weighted_sum_policy(std::vector<component> parts, double bias)
    : parts_(std::move(parts)), bias_(bias), scale_(score_scale::points) {
    check_parts("weighted_sum_policy", parts_);
    if (!std::isfinite(bias_)) throw definition_error("weighted_sum_policy: the bias is not finite");
    double sum = 0;
    bool non_negative = true;
    for (const auto& p : parts_) {
        sum += p.weight;
        non_negative = non_negative && p.weight >= 0;
    }
    if (all_probability(parts_) && non_negative && bias_ == 0 && std::abs(sum - 1.0) <= 1e-12)
        scale_ = score_scale::probability;
}

namespace {

/// The union of the parts' fields, parts in order; nullopt when a part does not say.
std::optional<policy_fields> fields_of(std::span<const component> parts) {
    policy_fields all;
    for (const auto& p : parts) {
        const auto f = fields_read(p.policy);
        if (!f) return std::nullopt;
        all.merge(*f);
    }
    return all;
}

} // namespace

std::optional<policy_fields> weighted_sum_policy::fields_read() const { return fields_of(parts_); }
std::optional<policy_fields> max_policy::fields_read() const { return fields_of(parts_); }

std::optional<policy_fields> grid_policy::fields_read() const {
    auto fit = leadscore::fields_read(fit_.policy);
    const auto engagement = leadscore::fields_read(engagement_.policy);
    if (!fit || !engagement) return std::nullopt;
    fit->merge(*engagement);
    return fit;
}

weighted_sum_policy::scorer weighted_sum_policy::bind(const table_view& rows, timestamp as_of) const {
    return scorer(detail::bound_components(parts_, rows, as_of), bias_);
}

double weighted_sum_policy::scorer::score(std::size_t row) const {
    double s = bias_;
    for (std::size_t i = 0; i < parts_.scorers.size(); ++i) s += parts_.weights[i] * parts_.scorers[i].score(row);
    return s;
}

void weighted_sum_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    std::fill(out.begin(), out.end(), bias_);
    std::vector<double> part(out.size());
    for (std::size_t i = 0; i < parts_.scorers.size(); ++i) {
        parts_.scorers[i].score_batch(first, part);
        const double w = parts_.weights[i];
        for (std::size_t r = 0; r < out.size(); ++r) out[r] += w * part[r];
    }
}

explanation weighted_sum_policy::scorer::explain(std::size_t row) const {
    explanation e;
    e.unit = "points";
    e.additive = true;
    e.score = score(row);
    e.total = e.score;
    if (bias_ != 0) e.factors.push_back({"bias", bias_});
    for (std::size_t i = 0; i < parts_.scorers.size(); ++i)
        e.factors.push_back({parts_.names[i], parts_.weights[i] * parts_.scorers[i].score(row)});
    order_factors(e.factors);
    return e;
}

// ---- maximum ------------------------------------------------------------------------------------------

max_policy::max_policy(std::vector<component> parts) : parts_(std::move(parts)), scale_(score_scale::points) {
    check_parts("max_policy", parts_);
    const bool unit_weights = std::all_of(parts_.begin(), parts_.end(),
                                          [](const component& c) { return c.weight >= 0 && c.weight <= 1; });
    if (all_probability(parts_) && unit_weights) scale_ = score_scale::probability;
}

max_policy::scorer max_policy::bind(const table_view& rows, timestamp as_of) const {
    return scorer(detail::bound_components(parts_, rows, as_of));
}

double max_policy::scorer::score(std::size_t row) const {
    double best = nan;
    for (std::size_t i = 0; i < parts_.scorers.size(); ++i) {
        const double s = parts_.weights[i] * parts_.scorers[i].score(row);
        if (!std::isnan(s) && !(s <= best)) best = s; // the first part wins ties; NaN never wins
    }
    return best;
}

void max_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    std::fill(out.begin(), out.end(), nan);
    std::vector<double> part(out.size());
    for (std::size_t i = 0; i < parts_.scorers.size(); ++i) {
        parts_.scorers[i].score_batch(first, part);
        const double w = parts_.weights[i];
        for (std::size_t r = 0; r < out.size(); ++r) {
            const double s = w * part[r];
            if (!std::isnan(s) && !(s <= out[r])) out[r] = s;
        }
    }
}

explanation max_policy::scorer::explain(std::size_t row) const {
    explanation e;
    e.unit = "points";
    e.additive = true;
    e.score = nan;
    std::size_t winner = parts_.scorers.size();
    for (std::size_t i = 0; i < parts_.scorers.size(); ++i) {
        const double s = parts_.weights[i] * parts_.scorers[i].score(row);
        if (!std::isnan(s) && !(s <= e.score)) {
            e.score = s;
            winner = i;
        }
    }
    e.total = e.score;
    if (winner < parts_.scorers.size()) e.factors.push_back({parts_.names[winner], e.score});
    return e;
}

// ---- grid ---------------------------------------------------------------------------------------------

std::vector<std::string> grid_policy::default_fit_labels() { return {"D", "C", "B", "A"}; }
std::vector<std::string> grid_policy::default_engagement_labels() { return {"4", "3", "2", "1"}; }

namespace {
void check_axis(const grid_axis& a, std::string_view role) {
    const std::string at = "grid_policy: " + std::string(role) + " axis" + (a.name.empty() ? "" : " '" + a.name + "'");
    if (!a.policy) throw definition_error(at + " has no policy");
    for (std::size_t i = 0; i < a.thresholds.size(); ++i) {
        if (!std::isfinite(a.thresholds[i]))
            throw definition_error(at + ": threshold " + std::to_string(i) + " is not finite");
        if (i > 0 && !(a.thresholds[i] > a.thresholds[i - 1]))
            throw definition_error(at + ": thresholds are not strictly ascending at " + std::to_string(i));
    }
    if (a.labels.size() != a.thresholds.size() + 1)
        throw definition_error(at + ": " + std::to_string(a.thresholds.size()) + " thresholds need " +
                               std::to_string(a.thresholds.size() + 1) + " labels, not " +
                               std::to_string(a.labels.size()));
    std::set<std::string, std::less<>> seen;
    for (const auto& l : a.labels)
        if (!seen.insert(l).second) throw definition_error(at + ": the label '" + l + "' is repeated");
}

std::size_t band_of(const std::vector<double>& thresholds, double s) {
    return static_cast<std::size_t>(std::upper_bound(thresholds.begin(), thresholds.end(), s) - thresholds.begin());
}
} // namespace

grid_policy::grid_policy(grid_axis fit, grid_axis engagement, std::vector<double> values)
    : fit_(std::move(fit)), engagement_(std::move(engagement)), values_(std::move(values)) {
    check_axis(fit_, "fit");
    check_axis(engagement_, "engagement");
    const std::size_t nf = fit_.labels.size(), ne = engagement_.labels.size();
    if (values_.empty()) {
        values_.resize(nf * ne);
        for (std::size_t f = 0; f < nf; ++f)
            for (std::size_t g = 0; g < ne; ++g) values_[f * ne + g] = static_cast<double>(f * ne + g);
    } else if (values_.size() != nf * ne) {
        throw definition_error("grid_policy: " + std::to_string(nf) + " × " + std::to_string(ne) + " cells need " +
                               std::to_string(nf * ne) + " values, not " + std::to_string(values_.size()));
    }
    for (std::size_t i = 0; i < values_.size(); ++i)
        if (!std::isfinite(values_[i])) throw definition_error("grid_policy: cell value " + std::to_string(i) + " is not finite");
}

grid_policy::scorer grid_policy::bind(const table_view& rows, timestamp as_of) const {
    return scorer(*this, fit_.policy.bind(rows, as_of), engagement_.policy.bind(rows, as_of));
}

double grid_policy::scorer::value(double fit, double engagement) const noexcept {
    if (std::isnan(fit) || std::isnan(engagement)) return nan;
    const std::size_t f = band_of(grid_->fit_.thresholds, fit), g = band_of(grid_->engagement_.thresholds, engagement);
    return grid_->values_[f * grid_->engagement_.labels.size() + g];
}

double grid_policy::scorer::score(std::size_t row) const { return value(fit_.score(row), engagement_.score(row)); }

void grid_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    std::vector<double> engagement(out.size());
    fit_.score_batch(first, out);
    engagement_.score_batch(first, engagement);
    for (std::size_t r = 0; r < out.size(); ++r) out[r] = value(out[r], engagement[r]);
}

std::string grid_policy::scorer::cell(std::size_t row) const {
    const double f = fit_.score(row), g = engagement_.score(row);
    if (std::isnan(f) || std::isnan(g)) return {};
    return grid_->fit_.labels[band_of(grid_->fit_.thresholds, f)] +
           grid_->engagement_.labels[band_of(grid_->engagement_.thresholds, g)];
}

explanation grid_policy::scorer::explain(std::size_t row) const {
    const double f = fit_.score(row), g = engagement_.score(row);
    explanation e;
    e.unit = "component score";
    e.score = value(f, g);
    e.total = e.score;
    const auto describe = [](const grid_axis& a, std::string_view role, double s) {
        std::string label = std::isnan(s) ? std::string("none") : a.labels[band_of(a.thresholds, s)];
        return std::string(role) + (a.name.empty() ? "" : " '" + a.name + "'") + " → " + label + " (score " +
               format_number(s) + ")";
    };
    e.factors.push_back({describe(grid_->fit_, "fit", f), f});
    e.factors.push_back({describe(grid_->engagement_, "engagement", g), g});
    order_factors(e.factors);
    return e;
}

// ---- calibrated ---------------------------------------------------------------------------------------

calibrated_policy::calibrated_policy(scoring_policy raw, calibration_map map) : raw_(std::move(raw)), map_(std::move(map)) {
    if (!raw_) throw definition_error("calibrated_policy: no raw policy");
}

calibrated_policy::scorer calibrated_policy::bind(const table_view& rows, timestamp as_of) const {
    return scorer(raw_.bind(rows, as_of), map_);
}

void calibrated_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    raw_.score_batch(first, out);
    for (double& x : out) x = (*map_)(x);
}

explanation calibrated_policy::scorer::explain(std::size_t row) const {
    explanation e = raw_.explain(row);
    e.score = (*map_)(e.score);
    return e;
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(ScoringPolicy<weighted_sum_policy> && BatchScorer<scorer_t<weighted_sum_policy>> &&
              ExplainingScorer<scorer_t<weighted_sum_policy>>);
static_assert(ScoringPolicy<max_policy> && BatchScorer<scorer_t<max_policy>> &&
              ExplainingScorer<scorer_t<max_policy>>);
static_assert(ScoringPolicy<grid_policy> && BatchScorer<scorer_t<grid_policy>> &&
              ExplainingScorer<scorer_t<grid_policy>>);
static_assert(ScoringPolicy<calibrated_policy> && BatchScorer<scorer_t<calibrated_policy>> &&
              ExplainingScorer<scorer_t<calibrated_policy>>);
} // namespace leadscore
