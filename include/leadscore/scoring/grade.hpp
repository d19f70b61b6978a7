#pragma once
// Fit grade, Pardot style: a profile of criteria, each a condition and an adjustment in thirds of a letter
// (+1 = D to D+, +3 = D to C, -2 = B to B-), applied in criteria order to a starting grade and clamped to F .. A+
// after every step (so a criterion that would push past A+ is lost, and the next one starts from A+).
//
// The score is the grade's numeric equivalent on the 4.0 grade-point scale extended to A+ = 4.3, so that the order of
// scores is the order of grades: F 0.0, D- 0.7, D 1.0, D+ 1.3, C- 1.7, C 2.0, C+ 2.3, B- 2.7, B 3.0, B+ 3.3,
// A- 3.7, A 4.0, A+ 4.3.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// A letter grade, worst to best; each step is a third of a letter.
enum class letter_grade : std::uint8_t { f, d_minus, d, d_plus, c_minus, c, c_plus, b_minus, b, b_plus, a_minus, a, a_plus };
/// "F", "D-", "D", "D+", …, "A+".
[[nodiscard]] std::string_view to_string(letter_grade g) noexcept;
/// The letter form, upper or lower case ("b+" and "B+" both give b_plus); nullopt for anything else.
[[nodiscard]] std::optional<letter_grade> parse_letter_grade(std::string_view s) noexcept;
/// The numeric equivalent (see the top of this header): F 0.0 … A 4.0, A+ 4.3.
[[nodiscard]] double grade_points(letter_grade g) noexcept;

/// One criterion: when the condition holds, the grade moves by `thirds` thirds of a letter (negative = down).
struct grade_criterion {
    std::string name; ///< shown in explanations; empty = the condition's text
    condition when;   ///< the test that moves the grade
    int thirds = 0;   ///< -12 … 12
    /// Equal when every field is equal.
    friend bool operator==(const grade_criterion&, const grade_criterion&);
};

/// A grading profile. Pardot starts new prospects at D.
struct grade_profile {
    std::string name;                      ///< names the profile in error messages; may be empty
    letter_grade start = letter_grade::d;  ///< the grade before any criterion
    std::vector<grade_criterion> criteria; ///< at least one, applied in this order
    /// Equal when every field is equal.
    friend bool operator==(const grade_profile&, const grade_profile&);
};

/// Fit grading. scale() is points: the score is the grade's numeric equivalent.
class grade_policy {
public:
    /// Validates the profile; throws definition_error naming the criterion or value that is wrong: no criteria, an
    /// adjustment outside -12 … 12, a start grade that is no grade, an invalid condition.
    explicit grade_policy(grade_profile profile);

    /// The validated profile.
    [[nodiscard]] const grade_profile& profile() const noexcept { return *profile_; }
    /// Points: the grade's numeric equivalent, higher is better.
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::points; }
    /// The fields of the criteria's conditions, in criteria order; no events.
    [[nodiscard]] policy_fields fields_read() const;

    /// A profile bound to a view. Borrows the view's columns and shares the profile.
    class scorer {
    public:
        /// The letter grade of one row of the bound view.
        [[nodiscard]] letter_grade grade(std::size_t row) const;
        /// Grades of rows [first, first + out.size()).
        void grade_batch(std::size_t first, std::span<letter_grade> out) const;
        /// grade_points(grade(row)).
        [[nodiscard]] double score(std::size_t row) const;
        /// Scores of rows [first, first + out.size()), criterion by criterion over the block.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// The start grade's points, then the effect of each criterion that held (its name says the step, e.g.
        /// "industry = 'software' (+2/3): D → C-"), zero when clamping swallowed it; the factors add up to the score.
        [[nodiscard]] explanation explain(std::size_t row) const;

    private:
        friend class grade_policy;
        scorer() = default; // only bind makes one
        std::shared_ptr<const grade_profile> profile_;
        std::size_t rows_ = 0;
        std::vector<bound_condition> criteria_;
    };

    /// Resolves the criteria's fields; throws definition_error naming the criterion and field for an unknown field or
    /// a test that does not fit the field's type. Grades do not depend on the time.
    [[nodiscard]] scorer bind(const table_view& view, timestamp as_of) const;

    /// Equal when the profiles are equal.
    friend bool operator==(const grade_policy& a, const grade_policy& b);

private:
    std::shared_ptr<const grade_profile> profile_;
};

/// The letter grade of every row of a view, in parallel blocks (deterministic for any thread count).
[[nodiscard]] std::vector<letter_grade> grade_batch(const grade_policy& policy, const table_view& rows,
                                                    const batch_options& options = {});

} // namespace leadscore
