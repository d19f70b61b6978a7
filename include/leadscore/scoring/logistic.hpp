#pragma once
// logistic_policy: a fitted logistic-regression model over a feature encoder.
//
//   p = 1 / (1 + exp(−z)),   z = intercept + Σ weights[j] · x[j]   (x = the encoder's features of the lead)
//
// Fitting is the training layer's job; here the model is a ready value (encoder, weights, intercept).
//
// Semantics a user must know:
// - scale() is probability. The explanation is in log-odds: one factor per feature with a non-zero contribution
//   (weight × feature, named after the feature) plus "intercept"; additive, total = z.
// - Binding folds standardization into the weights and turns each categorical field into one contribution per
//   dictionary code (and one for missing), so the batch form reads each column once and adds; the one-lead form
//   does the same arithmetic row by row, in the same order, so the two agree exactly.
// - The sigmoid is computed by a vectorizable exp (Cody–Waite reduction and a degree-13 Taylor polynomial) whose
//   result is within 1e-15 relative of the exact 1 / (1 + e^−z) for z >= −708 (a test holds it there); below
//   −708 (p < 3.4e−308) the score is 0. An infinite log-odds gives 0 or 1; ∞ − ∞ (two infinite inputs) gives NaN.
// - On x86-64 the two hot loops also exist as AVX2 copies, chosen once at load time; none uses FMA, so every
//   machine computes the same roundings and the same scores.
// - Errors while scoring (a category outside the vocabulary under unknown_category::error, a code, flag or event
//   type outside the view's dictionaries) throw input_error naming the row and the field.

#include "leadscore/scoring/encoder.hpp"
#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace leadscore {

/// A fitted model: an encoder, one weight per feature and an intercept (log-odds).
struct logistic_model {
    feature_encoder encoder;     ///< turns a lead into the features x
    std::vector<double> weights; ///< encoder.width() entries, in the encoder's feature order
    double intercept = 0;        ///< the log-odds of a lead whose features are all 0

    /// Same encoder, weights and intercept.
    friend bool operator==(const logistic_model& a, const logistic_model& b) noexcept;
};

namespace detail {

/// One model term as the scorer evaluates it: its contribution to the log-odds of a row.
struct logistic_term {
    enum class kind : std::uint8_t {
        numeric,      ///< missing ? missing : a·(x − c)
        missing_only, ///< missing ? missing : 0 (a numeric whose own weight is 0, so ∞ · 0 cannot arise)
        codes,        ///< table[code + 1]
        codes_checked,///< table[code + 1], where some codes are errors (unknown_category::error)
        flags,        ///< table[flag + 1]
        binned,       ///< missing ? table[bins] : table[bin]
        recency,      ///< none ? missing : a·(min(days, cap) − c)
        frequency,    ///< a·(v − c), v = count or log1p(count)
    };
    kind type = kind::numeric;
    std::uint32_t spec = 0;            ///< index into the bound encoder's resolved specifications
    const double* numbers = nullptr;
    const std::int32_t* codes = nullptr;
    const std::int8_t* flags = nullptr;
    double a = 0, c = 0, missing = 0;
    double cap_or_window = 0;          ///< recency: the cap in days; frequency: the window in days
    bool log1p = false;                ///< frequency
    std::size_t table = 0;             ///< first entry in the scorer's tables
    std::uint32_t table_size = 0;
    std::span<const double> cuts;      ///< binned
};

/// Consecutive terms of one kind that the batch form adds in one pass.
struct logistic_group {
    logistic_term::kind type;
    std::uint32_t begin, count;
};

/// p = 1 / (1 + e^−z) in place, vectorized; the one-lead form calls it with one element.
void logistic_sigmoid(std::span<double> z) noexcept;

} // namespace detail

/// The logistic-regression scoring policy. A value: copies share the immutable model.
class logistic_policy {
public:
    /// Throws definition_error when the weights are not one per feature, or a weight or the intercept is not
    /// finite (naming the feature).
    explicit logistic_policy(logistic_model model);

    /// Probability: p of the header comment.
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::probability; }
    /// The validated model.
    [[nodiscard]] const logistic_model& model() const noexcept { return *model_; }
    /// The model's encoder.
    [[nodiscard]] const feature_encoder& encoder() const noexcept { return model_->encoder; }
    /// The model's weights, one per feature.
    [[nodiscard]] const std::vector<double>& weights() const noexcept { return model_->weights; }
    /// The model's intercept, in log-odds.
    [[nodiscard]] double intercept() const noexcept { return model_->intercept; }
    /// What the encoder reads (see feature_encoder::fields_read).
    [[nodiscard]] policy_fields fields_read() const { return model_->encoder.fields_read(); }

    /// The model bound to a view as of a time. Holds the model (no reference to the policy) and borrows the view's
    /// columns, so the view's table must outlive it.
    class scorer {
    public:
        /// The probability of row `row`. Throws definition_error for a row past the end.
        [[nodiscard]] double score(std::size_t row) const;
        /// The log-odds z of row `row`, as score() computes it.
        [[nodiscard]] double log_odds(std::size_t row) const;
        /// Rows [first, first + out.size()) into out.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// One factor per feature with a non-zero contribution, plus the intercept; additive, in log-odds.
        [[nodiscard]] explanation explain(std::size_t row) const;
        /// The encoder bound to the same view.
        [[nodiscard]] const bound_encoder& encoding() const noexcept { return encoding_; }

    private:
        friend class logistic_policy;
        scorer(std::shared_ptr<const logistic_model> m, bound_encoder e);
        [[nodiscard]] double term_value(const detail::logistic_term& t, std::size_t row) const;
        void add_group(const detail::logistic_group& g, std::size_t first, std::span<double> z) const;
        [[nodiscard]] bool add_fused(const detail::logistic_group& g, std::size_t first,
                                     std::span<double> z) const noexcept;
        [[noreturn]] void bad_code(const detail::logistic_term& t, std::size_t row) const;

        std::shared_ptr<const logistic_model> model_;
        bound_encoder encoding_;
        double bias_ = 0;
        std::vector<detail::logistic_term> terms_;
        std::vector<detail::logistic_group> groups_;
        std::vector<double> tables_;
        std::vector<std::uint8_t> table_error_; // parallel to tables_: 1 where the entry is an unknown category
    };

    /// Resolves the encoder (see feature_encoder::bind) and folds the weights into per-column terms.
    [[nodiscard]] scorer bind(const table_view& view, timestamp as_of) const;

    /// Equal when the models are equal.
    friend bool operator==(const logistic_policy& a, const logistic_policy& b) noexcept;

private:
    std::shared_ptr<const logistic_model> model_;
};

} // namespace leadscore
