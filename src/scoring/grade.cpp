#include "leadscore/scoring/grade.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace leadscore {

namespace {

constexpr std::array<std::string_view, 13> grade_names{"F",  "D-", "D", "D+", "C-", "C", "C+",
                                                       "B-", "B",  "B+", "A-", "A", "A+"};
constexpr std::array<double, 13> points_of{0.0, 0.7, 1.0, 1.3, 1.7, 2.0, 2.3, 2.7, 3.0, 3.3, 3.7, 4.0, 4.3};
constexpr int top = 12; // A+

std::string criterion_label(const grade_profile& p, std::size_t k) {
    return p.criteria[k].name.empty() ? "criterion #" + std::to_string(k + 1)
                                      : "criterion '" + p.criteria[k].name + "'";
}

std::string thirds_text(int thirds) {
    const int a = thirds < 0 ? -thirds : thirds;
    std::string s = thirds < 0 ? "-" : "+";
    if (a % 3 == 0) return s + std::to_string(a / 3) + (a == 3 ? " letter" : " letters");
    return s + (a / 3 ? std::to_string(a / 3) + " " : std::string()) + std::to_string(a % 3) + "/3";
}

int step(int level, int thirds) noexcept { return std::clamp(level + thirds, 0, top); }

} // namespace

std::string_view to_string(letter_grade g) noexcept {
    const auto i = static_cast<std::size_t>(g);
    return i < grade_names.size() ? grade_names[i] : "?";
}

std::optional<letter_grade> parse_letter_grade(std::string_view s) noexcept {
    if (s.empty() || s.size() > 2) return std::nullopt;
    const char upper = s[0] >= 'a' && s[0] <= 'z' ? static_cast<char>(s[0] - 'a' + 'A') : s[0];
    for (std::size_t i = 0; i < grade_names.size(); ++i)
        if (grade_names[i][0] == upper && grade_names[i].substr(1) == s.substr(1)) return static_cast<letter_grade>(i);
    return std::nullopt;
}

double grade_points(letter_grade g) noexcept {
    const auto i = static_cast<std::size_t>(g);
    return i < points_of.size() ? points_of[i] : 0.0;
}

grade_policy::grade_policy(grade_profile p) {
    const std::string where = p.name.empty() ? "grade profile" : "grade profile '" + p.name + "'";
    if (static_cast<std::size_t>(p.start) >= grade_names.size())
        throw definition_error(where + ": the start grade " + std::to_string(static_cast<int>(p.start)) +
                               " is not a grade");
    if (p.criteria.empty()) throw definition_error(where + " has no criteria");
    for (std::size_t k = 0; k < p.criteria.size(); ++k) {
        const auto& c = p.criteria[k];
        if (c.thirds < -top || c.thirds > top)
            throw definition_error(where + ": " + criterion_label(p, k) + " moves the grade by " +
                                   std::to_string(c.thirds) + " thirds (at most 12 either way: F to A+)");
        try {
            validate(c.when);
        } catch (const definition_error& e) {
            throw definition_error(where + ": " + criterion_label(p, k) + ": " + e.what());
        }
    }
    profile_ = std::make_shared<const grade_profile>(std::move(p));
}

policy_fields grade_policy::fields_read() const {
    policy_fields f;
    for (const auto& c : profile_->criteria) f.add(c.when.field);
    return f;
}

grade_policy::scorer grade_policy::bind(const table_view& view, timestamp) const {
    const auto& p = *profile_;
    scorer s;
    s.profile_ = profile_;
    s.rows_ = view.rows();
    for (std::size_t k = 0; k < p.criteria.size(); ++k) {
        try {
            s.criteria_.emplace_back(p.criteria[k].when, view);
        } catch (const definition_error& e) {
            throw definition_error((p.name.empty() ? "grade profile" : "grade profile '" + p.name + "'") + ": " +
                                   criterion_label(p, k) + ": " + e.what());
        }
    }
    return s;
}

letter_grade grade_policy::scorer::grade(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("grade: row " + std::to_string(row) + " past the end");
    int level = static_cast<int>(profile_->start);
    for (std::size_t k = 0; k < criteria_.size(); ++k)
        if (criteria_[k].matches(row)) level = step(level, profile_->criteria[k].thirds);
    return static_cast<letter_grade>(level);
}

double grade_policy::scorer::score(std::size_t row) const { return grade_points(grade(row)); }

void grade_policy::scorer::grade_batch(std::size_t first, std::span<letter_grade> out) const {
    if (first > rows_ || out.size() > rows_ - first)
        throw std::out_of_range("grade: rows [" + std::to_string(first) + ", " + std::to_string(first + out.size()) +
                                ") outside " + std::to_string(rows_) + " rows");
    // Criterion by criterion over a chunk: match flags, then one clamped step per row — branch-free and vectorizable.
    constexpr std::size_t chunk = 1024;
    std::array<std::uint8_t, chunk> hit{};
    std::array<std::int32_t, chunk> level{};
    const int start = static_cast<int>(profile_->start);
    for (std::size_t b = 0; b < out.size(); b += chunk) {
        const std::size_t n = std::min(chunk, out.size() - b);
        std::fill_n(level.begin(), n, start);
        for (std::size_t k = 0; k < criteria_.size(); ++k) {
            criteria_[k].match_block(first + b, std::span<std::uint8_t>(hit.data(), n));
            const int t = profile_->criteria[k].thirds;
            for (std::size_t i = 0; i < n; ++i) level[i] = std::clamp(level[i] + (hit[i] ? t : 0), 0, top);
        }
        for (std::size_t i = 0; i < n; ++i) out[b + i] = static_cast<letter_grade>(level[i]);
    }
}

void grade_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    constexpr std::size_t chunk = 1024;
    std::array<letter_grade, chunk> grades{};
    for (std::size_t b = 0; b < out.size(); b += chunk) {
        const std::size_t n = std::min(chunk, out.size() - b);
        grade_batch(first + b, std::span<letter_grade>(grades.data(), n));
        for (std::size_t i = 0; i < n; ++i) out[b + i] = points_of[static_cast<std::size_t>(grades[i])];
    }
}

explanation grade_policy::scorer::explain(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("grade: row " + std::to_string(row) + " past the end");
    const auto& p = *profile_;
    explanation e;
    e.unit = "grade points";
    e.additive = true;
    int level = static_cast<int>(p.start);
    e.factors.push_back({"start grade " + std::string(to_string(p.start)), points_of[static_cast<std::size_t>(level)]});
    for (std::size_t k = 0; k < criteria_.size(); ++k) {
        if (!criteria_[k].matches(row)) continue;
        const auto& c = p.criteria[k];
        const int next = step(level, c.thirds);
        e.factors.push_back({(c.name.empty() ? to_string(c.when) : c.name) + " (" + thirds_text(c.thirds) + "): " +
                                 std::string(to_string(static_cast<letter_grade>(level))) + " → " +
                                 std::string(to_string(static_cast<letter_grade>(next))),
                             points_of[static_cast<std::size_t>(next)] - points_of[static_cast<std::size_t>(level)]});
        level = next;
    }
    e.score = points_of[static_cast<std::size_t>(level)];
    e.total = e.score;
    order_factors(e.factors);
    return e;
}

std::vector<letter_grade> grade_batch(const grade_policy& policy, const table_view& rows, const batch_options& options) {
    std::vector<letter_grade> out(rows.rows());
    const auto scorer = policy.bind(rows, options.as_of);
    std::span<letter_grade> all(out);
    detail::for_each_block(rows.rows(), options, [&](std::size_t begin, std::size_t end) {
        scorer.grade_batch(begin, all.subspan(begin, end - begin));
    });
    return out;
}

bool operator==(const grade_policy& a, const grade_policy& b) { return a.profile() == b.profile(); }

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(ScoringPolicy<grade_policy>);
static_assert(BatchScorer<scorer_t<grade_policy>>);
static_assert(ExplainingScorer<scorer_t<grade_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const grade_criterion&, const grade_criterion&) = default;
bool operator==(const grade_profile&, const grade_profile&) = default;

} // namespace leadscore
