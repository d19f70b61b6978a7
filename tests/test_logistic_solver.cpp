// Learning and fitting in parts, as a distributed fit does: encoder_statistics merged over unequal parts of the rows
// (and over tables with their own dictionaries) against learn_encoder on every row and against the definition of
// the quantile cuts; solve_logistic with an oracle adding the parts' sums against logistic_trainer::fit.
#include "leadscore/train/encoder.hpp"
#include "leadscore/train/fit.hpp"
#include "leadscore/train/logistic.hpp"
#include "leadscore/train/logistic_solver.hpp"
#include "leadscore/core/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace test_logistic_solver {

using namespace leadscore;

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

struct rows_data {
    std::vector<double> x, big;
    std::vector<std::optional<std::string>> c, y;
    std::vector<std::int8_t> b;
};

/// n rows: x with repeats, −0, and missing values; big with a large offset; c with rare texts and missing values; b;
/// a label y depending on all of them.
rows_data make_rows(std::size_t n) {
    rows_data d;
    std::uint64_t state = 2024;
    const auto uniform = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(state >> 11) * 0x1.0p-53;
    };
    for (std::size_t i = 0; i < n; ++i) {
        const double u = uniform();
        d.x.push_back(i % 17 == 0 ? nan_value : i % 5 == 0 ? -0.0 : std::floor(u * 40) / 4 - 3);
        d.big.push_back(1e9 + uniform());
        const char* texts[] = {"north", "south", "east", "west", "rare1", "rare2"};
        const std::size_t k = i % 23 == 0 ? 4 + i % 2 : static_cast<std::size_t>(uniform() * 4);
        if (i % 13 == 0) d.c.emplace_back();
        else d.c.emplace_back(texts[k]);
        d.b.push_back(i % 11 == 0 ? std::int8_t{-1} : static_cast<std::int8_t>(uniform() < 0.4));
        const double eta = -0.5 + 0.3 * (std::isnan(d.x[i]) ? 0 : d.x[i]) + (k == 1 ? 0.8 : 0) + (d.b[i] == 1 ? 0.5 : 0);
        d.y.emplace_back(uniform() < 1 / (1 + std::exp(-eta)) ? "won" : "lost");
    }
    return d;
}

/// Rows [begin, end) of the data as a table; `reverse` interns the texts in reverse order (another dictionary).
lead_table table_of(const rows_data& d, std::size_t begin, std::size_t end, bool reverse = false) {
    schema s;
    s.add({"x", field_type::numeric, field_role::none});
    s.add({"big", field_type::numeric, field_role::none});
    s.add({"c", field_type::categorical, field_role::none});
    s.add({"b", field_type::boolean, field_role::none});
    s.add({"y", field_type::categorical, field_role::none});
    lead_table t(s);
    t.column(0) = numeric_column{std::vector<double>(d.x.begin() + begin, d.x.begin() + end)};
    t.column(1) = numeric_column{std::vector<double>(d.big.begin() + begin, d.big.begin() + end)};
    const auto texts = [&](const std::vector<std::optional<std::string>>& v) {
        categorical_column c;
        if (reverse)
            for (std::size_t i = end; i-- > begin;)
                if (v[i]) c.dict.intern(*v[i]);
        for (std::size_t i = begin; i < end; ++i) c.codes.push_back(v[i] ? c.dict.intern(*v[i]) : missing_code);
        return c;
    };
    t.column(2) = texts(d.c);
    t.column(3) = boolean_column{std::vector<std::int8_t>(d.b.begin() + begin, d.b.begin() + end)};
    t.column(4) = texts(d.y);
    t.finish_rows();
    return t;
}

std::vector<std::size_t> all_rows(std::size_t n) {
    std::vector<std::size_t> r(n);
    for (std::size_t i = 0; i < n; ++i) r[i] = i;
    return r;
}

const binary_target won{.field = "y", .positive = {"won"}};
constexpr std::size_t n_rows = 3000;
const std::vector<std::size_t> cuts_at{0, 40, 1700, 1730, n_rows}; // four parts of unequal size

/// The encoders of `options` learned on every row and merged from the four parts (each its own table, every other one
/// with its dictionary reversed).
std::pair<learned_encoder, learned_encoder> both_ways(const rows_data& d, const encoder_options& options) {
    const auto whole = table_of(d, 0, n_rows);
    const auto one = learn_encoder(whole.view(), all_rows(n_rows), options, {}, "y");
    encoder_statistics merged(whole.table_schema(), options, {}, "y");
    for (std::size_t p = 0; p + 1 < cuts_at.size(); ++p) {
        const auto part = table_of(d, cuts_at[p], cuts_at[p + 1], p % 2 == 1);
        encoder_statistics s(part.table_schema(), options, {}, "y");
        s.add(part.view(), all_rows(part.rows()));
        if (p % 2 == 0) merged.merge(s);
        else merged.merge(std::span<const field_statistics>(s.fields())); // as if from another process
    }
    return {one, merged.finish()};
}

} // namespace

TEST_CASE("encoder_statistics: parts merged give learn_encoder's encoder on every row") {
    const auto d = make_rows(n_rows);
    encoder_options options{.min_category_count = 100, .numeric = numeric_encoding::standardize_and_bins, .bins = 7};
    const auto [one, merged] = both_ways(d, options);
    CHECK(one.notes == merged.notes);
    const auto& a = one.encoder.specs();
    const auto& b = merged.encoder.specs();
    REQUIRE(a.size() == b.size());
    REQUIRE(a.size() == 6); // x: standardized and binned; big: both; c; b
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (const auto* n = std::get_if<numeric_feature>(&a[i])) {
            const auto& m = std::get<numeric_feature>(b[i]);
            CHECK(m.center == doctest::Approx(n->center).epsilon(1e-15));
            // Chan's merge subtracts the parts' rounded means: with a mean 1e9 times the spread (big) the scale
            // keeps about 9 digits, otherwise about 15.
            CHECK(m.scale == doctest::Approx(n->scale).epsilon(n->field == "big" ? 1e-7 : 1e-13));
            CHECK(m.missing_indicator == n->missing_indicator);
        } else {
            CHECK(a[i] == b[i]); // bins, vocabulary, boolean share: exact
        }
    }
    // The cut points by their definition: the present values sorted, the value at ⌊k·n/bins⌋, repeats and the
    // minimum dropped.
    std::vector<double> present;
    for (const double x : d.x)
        if (!std::isnan(x)) present.push_back(x);
    std::sort(present.begin(), present.end());
    std::vector<double> expected;
    for (std::size_t k = 1; k < 7; ++k) {
        const double c = present[k * present.size() / 7];
        if (c > present.front() && (expected.empty() || c > expected.back())) expected.push_back(c);
    }
    REQUIRE(expected.size() >= 4);
    CHECK(std::get<binned_feature>(b[1]).cuts == expected);
    // The large offset costs no precision: the mean of big by a sum of its offsets.
    double offsets = 0;
    for (const double x : d.big) offsets += x - 1e9;
    CHECK(std::get<numeric_feature>(b[2]).center == doctest::Approx(1e9 + offsets / n_rows).epsilon(1e-15));
    // The vocabulary: texts seen in at least 100 rows, most frequent first; the rare ones pooled.
    const auto& c = std::get<categorical_feature>(b[4]);
    CHECK(c.vocabulary.size() == 4);
    CHECK(c.unknown == unknown_category::other);
    CHECK(c.missing_feature);
}

TEST_CASE("encoder_statistics: one part is learn_encoder bit for bit; bad merges are refused") {
    const auto d = make_rows(500);
    const auto t = table_of(d, 0, 500);
    const encoder_options options{.numeric = numeric_encoding::bins, .bins = 4};
    encoder_statistics s(t.table_schema(), options, {}, "y");
    s.add(t.view(), all_rows(500));
    CHECK(s.finish().encoder == learn_encoder(t.view(), all_rows(500), options, {}, "y").encoder);
    const std::size_t bad_row[] = {500};
    CHECK_THROWS_WITH_AS(s.add(t.view(), bad_row), doctest::Contains("row 500 is past the end"), definition_error);

    encoder_statistics other(t.table_schema(), {.fields = {"x", "c"}}, {}, "y");
    CHECK_THROWS_AS(s.merge(other), definition_error);
    CHECK_THROWS_WITH_AS(s.merge(std::span<const field_statistics>(other.fields())),
                         doctest::Contains("statistics of 2 fields into statistics of 4"), definition_error);
    auto broken = s.fields();
    std::swap(broken[0].values[0], broken[0].values[1]);
    CHECK_THROWS_WITH_AS(s.merge(std::span<const field_statistics>(broken)),
                         doctest::Contains("field 'x': values not ascending"), definition_error);
    broken = s.fields();
    broken[2].counts[0] += 1;
    CHECK_THROWS_WITH_AS(s.merge(std::span<const field_statistics>(broken)),
                         doctest::Contains("field 'c': counts do not add up"), definition_error);

    schema retyped;
    retyped.add({"x", field_type::categorical, field_role::none});
    lead_table r(retyped);
    r.finish_rows();
    CHECK_THROWS_WITH_AS(s.add(r.view(), {}), doctest::Contains("field 'x' is not a numeric field"), definition_error);
}

TEST_CASE("solve_logistic: an oracle adding the sums of unequal parts gives logistic_trainer's fit") {
    const auto d = make_rows(n_rows);
    const auto t = table_of(d, 0, n_rows);
    const auto labels = target_labels(t.view(), won);
    const auto rows = labelled_rows(labels);
    for (const auto& [solver_, numeric] :
         {std::pair{logistic_options{.l2 = 1.0}, numeric_encoding::standardize},
          std::pair{logistic_options{.l2 = 0.5, .l1 = 2.0}, numeric_encoding::bins},
          std::pair{logistic_options{.l2 = 0.1, .balanced = true}, numeric_encoding::standardize_and_bins},
          std::pair{logistic_options{.l2 = 0.1, .positive_weight = 3.0}, numeric_encoding::standardize}}) {
        const logistic_options solver = solver_; // a copy: Clang 14 cannot capture a structured binding
        CAPTURE(solver.l1);
        logistic_trainer trainer{.encoding = {.numeric = numeric}, .solver = solver};
        const auto single = fit(trainer, t.view(), won, {});
        CHECK(single.report.converged);
        // The parts: rows of one table in four unequal spans, each its own logistic_rows.
        const auto& enc = single.policy.encoder();
        const auto bound = enc.bind(t.view(), {});
        std::size_t positives = 0;
        for (const auto r : rows) positives += labels[r] == 1 ? 1 : 0;
        const auto weights = logistic_class_weights::of(solver, rows.size(), positives);
        std::vector<logistic_rows> parts;
        for (std::size_t p = 0; p + 1 < cuts_at.size(); ++p)
            parts.emplace_back(bound, std::span(rows).subspan(cuts_at[p], cuts_at[p + 1] - cuts_at[p]), labels, weights, 1);
        std::size_t asked_loss = 0;
        const logistic_oracle oracle = [&](std::span<const double> theta, logistic_request what) {
            asked_loss += what == logistic_request::loss ? 1 : 0;
            logistic_sums total = parts[0].sums(theta, what);
            for (std::size_t p = 1; p < parts.size(); ++p) {
                const auto s = parts[p].sums(theta, what);
                total.loss += s.loss;
                for (std::size_t j = 0; j < s.gradient.size(); ++j) total.gradient[j] += s.gradient[j];
                for (std::size_t j = 0; j < s.hessian.size(); ++j) total.hessian[j] += s.hessian[j];
            }
            return total;
        };
        std::vector<double> theta;
        const auto report = solve_logistic(oracle, {.width = enc.width(), .rows = rows.size(), .positives = positives},
                                           solver, theta);
        CHECK(report.converged);
        CHECK(asked_loss >= report.iterations); // the line search asks for the loss alone
        REQUIRE(theta.size() == enc.width() + 1);
        for (std::size_t j = 0; j < enc.width(); ++j) CHECK(std::abs(theta[j] - single.policy.weights()[j]) <= 1e-9);
        CHECK(std::abs(theta.back() - single.policy.intercept()) <= 1e-9);
        CHECK(report.objective == doctest::Approx(single.report.objective).epsilon(1e-12));
    }
}

TEST_CASE("solve_logistic: a wrong oracle and a problem without both classes are refused") {
    const logistic_oracle short_one = [](std::span<const double>, logistic_request) { return logistic_sums{.loss = 1}; };
    std::vector<double> theta;
    CHECK_THROWS_WITH_AS((void)solve_logistic(short_one, {.width = 2, .rows = 10, .positives = 3}, {}, theta),
                         doctest::Contains("expected 3 and 9"), definition_error);
    CHECK_THROWS_WITH_AS((void)solve_logistic(short_one, {.width = 2, .rows = 10, .positives = 10}, {}, theta),
                         doctest::Contains("no negative label"), definition_error);
    const logistic_oracle failing = [](std::span<const double>, logistic_request) -> logistic_sums {
        throw input_error({}, "a partition failed");
    };
    CHECK_THROWS_WITH_AS((void)solve_logistic(failing, {.width = 2, .rows = 10, .positives = 3}, {}, theta),
                         doctest::Contains("a partition failed"), input_error);
}

} // namespace test_logistic_solver
