#pragma once
// Policies made of policies: a weighted sum, a maximum, a fit × engagement grid (A1 … D4), and a raw score
// mapped to a probability through a calibration map. Parts are scoring_policy values, so a CRM can assemble
// composites from configuration at run time; each part runs its own batch form over a block, so a composite
// costs one virtual call per part per block, never per lead.

#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/calibration.hpp"
#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// A named, weighted part of a composite.
struct component {
    std::string name;      ///< names the part in explanations and errors; non-empty, unique within the composite
    scoring_policy policy; ///< the part's policy; not empty
    double weight = 1.0;   ///< multiplies the part's score; finite
};

namespace detail {
/// The parts of a composite, bound to one view.
struct bound_components {
    std::vector<scoring_policy::scorer> scorers;
    std::vector<double> weights;
    std::vector<std::string> names;
    bound_components(std::span<const component> parts, const table_view& rows, timestamp as_of);
};
} // namespace detail

/// bias + Σ weight·score. NaN in any part (a probability that is not computable) gives NaN.
/// The scale is probability when every part is a probability, no weight is negative, the weights sum to 1
/// and the bias is 0 (the result then stays in [0, 1]); otherwise points.
class weighted_sum_policy {
public:
    /// Throws definition_error for no parts, an empty or repeated name, an empty policy, a weight or bias that
    /// is not finite.
    explicit weighted_sum_policy(std::vector<component> parts, double bias = 0.0);

    /// Probability or points, as the class comment says.
    [[nodiscard]] score_scale scale() const noexcept { return scale_; }
    /// The parts, as given.
    [[nodiscard]] const std::vector<component>& parts() const noexcept { return parts_; }
    /// Added to the weighted sum.
    [[nodiscard]] double bias() const noexcept { return bias_; }
    /// The union of the parts' fields, parts in order; nullopt when a part does not say.
    [[nodiscard]] std::optional<policy_fields> fields_read() const;

    /// The parts bound to one view.
    class scorer {
    public:
        /// bias + Σ weight·score of `row`; the contract is in leadscore/scoring/policy.hpp.
        [[nodiscard]] double score(std::size_t row) const;
        /// Each part's batch form over the block, weighted and added.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// One factor per part (weight·score, named after the part) and the bias: additive, in points.
        [[nodiscard]] explanation explain(std::size_t row) const;

    private:
        friend class weighted_sum_policy;
        scorer(detail::bound_components p, double bias) : parts_(std::move(p)), bias_(bias) {}
        detail::bound_components parts_;
        double bias_;
    };
    /// Binds every part to the view as of the time. A part's scorer may refer to its policy, so keep this policy (or
    /// a copy) alive while the scorer is used.
    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const;

private:
    std::vector<component> parts_;
    double bias_;
    score_scale scale_;
};

/// The largest weight·score among the parts; parts whose score is NaN are skipped (NaN when all are).
/// The scale is probability when every part is a probability and every weight lies in [0, 1]; else points.
class max_policy {
public:
    /// Throws definition_error for no parts, an empty or repeated name, an empty policy, a weight that is not
    /// finite.
    explicit max_policy(std::vector<component> parts);

    /// Probability or points, as the class comment says.
    [[nodiscard]] score_scale scale() const noexcept { return scale_; }
    /// The parts, as given.
    [[nodiscard]] const std::vector<component>& parts() const noexcept { return parts_; }
    /// The union of the parts' fields, parts in order; nullopt when a part does not say.
    [[nodiscard]] std::optional<policy_fields> fields_read() const;

    /// The parts bound to one view.
    class scorer {
    public:
        /// The largest weighted score of `row` (the first part wins ties); the contract is in
        /// leadscore/scoring/policy.hpp.
        [[nodiscard]] double score(std::size_t row) const;
        /// Each part's batch form over the block, keeping the largest.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// One factor: the part that gave the maximum, with its weighted score.
        [[nodiscard]] explanation explain(std::size_t row) const;

    private:
        friend class max_policy;
        explicit scorer(detail::bound_components p) : parts_(std::move(p)) {}
        detail::bound_components parts_;
    };
    /// Binds every part to the view as of the time. A part's scorer may refer to its policy, so keep this policy (or
    /// a copy) alive while the scorer is used.
    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const;

private:
    std::vector<component> parts_;
    score_scale scale_;
};

/// One axis of a grid: a policy, ascending thresholds, and a label per band (lowest band first).
/// A score s falls in band k = the number of thresholds t with s ≥ t.
struct grid_axis {
    std::string name;               ///< shown in explanations and errors; may be empty
    scoring_policy policy;          ///< scores the axis; not empty
    std::vector<double> thresholds; ///< band boundaries, finite and strictly ascending; may be empty (one band)
    std::vector<std::string> labels; ///< thresholds.size() + 1 labels, lowest band first
};

/// A fit × engagement grid in the Marketo style: the fit band gives a letter, the engagement band a digit,
/// and each cell has a value — by default ranked so that the best cell ("A1") scores highest:
/// value = fit_band · engagement_bands + engagement_band. Scale: points.
class grid_policy {
public:
    /// Fit labels D, C, B, A and engagement labels 4, 3, 2, 1 (lowest band first) for three thresholds each.
    [[nodiscard]] static std::vector<std::string> default_fit_labels();
    /// Engagement labels 4, 3, 2, 1 (see default_fit_labels).
    [[nodiscard]] static std::vector<std::string> default_engagement_labels();

    /// values, when given, holds fit bands × engagement bands values, row-major, lowest fit band first.
    /// Throws definition_error for an empty policy, thresholds not strictly ascending or not finite, a label
    /// count that is not thresholds + 1, a repeated label, or a wrong number of values.
    grid_policy(grid_axis fit, grid_axis engagement, std::vector<double> values = {});

    /// Points: the cell values.
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::points; }
    /// The fit axis (letters).
    [[nodiscard]] const grid_axis& fit() const noexcept { return fit_; }
    /// The engagement axis (digits).
    [[nodiscard]] const grid_axis& engagement() const noexcept { return engagement_; }
    /// One value per cell, row-major, lowest fit band first (the default ranking when none were given).
    [[nodiscard]] const std::vector<double>& values() const noexcept { return values_; }
    /// The fit policy's fields, then the engagement policy's; nullopt when either does not say.
    [[nodiscard]] std::optional<policy_fields> fields_read() const;

    /// Both axes bound to one view; refers to the policy (see bind).
    class scorer {
    public:
        /// The value of `row`'s cell; NaN when an axis's score is NaN. The contract is in
        /// leadscore/scoring/policy.hpp.
        [[nodiscard]] double score(std::size_t row) const;
        /// Both axes' batch forms over the block, then the cells' values.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// The cell's label, such as "A1"; empty when a part's score is NaN.
        [[nodiscard]] std::string cell(std::size_t row) const;
        /// Two factors, the fit and engagement scores with their bands; not additive (total = cell value).
        [[nodiscard]] explanation explain(std::size_t row) const;

    private:
        friend class grid_policy;
        scorer(const grid_policy& g, scoring_policy::scorer fit, scoring_policy::scorer engagement)
            : grid_(&g), fit_(std::move(fit)), engagement_(std::move(engagement)) {}
        [[nodiscard]] double value(double fit, double engagement) const noexcept;
        const grid_policy* grid_;
        scoring_policy::scorer fit_, engagement_;
    };
    /// The scorer refers to this policy, which must outlive it.
    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const;

private:
    grid_axis fit_, engagement_;
    std::vector<double> values_;
};

/// A raw score (points, or an uncalibrated probability) turned into a probability by a calibration map.
class calibrated_policy {
public:
    /// Throws definition_error for an empty policy.
    calibrated_policy(scoring_policy raw, calibration_map map);

    /// Probability: the map's output.
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::probability; }
    /// The policy whose score is mapped.
    [[nodiscard]] const scoring_policy& raw() const noexcept { return raw_; }
    /// The map from raw score to probability.
    [[nodiscard]] const calibration_map& map() const noexcept { return map_; }
    /// The raw policy's fields.
    [[nodiscard]] std::optional<policy_fields> fields_read() const { return raw_.fields_read(); }

    /// The raw policy bound to one view; refers to the policy (see bind).
    class scorer {
    public:
        /// The mapped raw score of `row` (NaN stays NaN); the contract is in leadscore/scoring/policy.hpp.
        [[nodiscard]] double score(std::size_t row) const { return (*map_)(raw_.score(row)); }
        /// The raw batch form over the block, then the map.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// The raw score's explanation (its factors and total, in its unit), with score = the probability.
        [[nodiscard]] explanation explain(std::size_t row) const;

    private:
        friend class calibrated_policy;
        scorer(scoring_policy::scorer raw, const calibration_map& m) : raw_(std::move(raw)), map_(&m) {}
        scoring_policy::scorer raw_;
        const calibration_map* map_;
    };
    /// The scorer refers to this policy, which must outlive it.
    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const;

private:
    scoring_policy raw_;
    calibration_map map_;
};

} // namespace leadscore
