// The scoring contract and the batch engine: blocks, threads, dispatch, explanations, errors.

#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/engine.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

namespace test_scoring_engine {

using namespace leadscore;

namespace {

struct counters {
    std::atomic<int> binds{0}, rows{0}, blocks{0};
};

// score = 3·x + 1, with a row form only.
struct affine_policy {
    std::string field = "x";
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        std::span<const double> x;
        double score(std::size_t r) const { return 3 * x[r] + 1; }
    };
    scorer bind(const table_view& v, timestamp) const { return {v.numeric(v.table_schema().at(field))}; }
};

// score = x, with a batch form, counting how the engine calls it.
struct counting_policy {
    std::shared_ptr<counters> c = std::make_shared<counters>();
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        std::span<const double> x;
        counters* c;
        double score(std::size_t r) const {
            ++c->rows;
            return x[r];
        }
        void score_batch(std::size_t first, std::span<double> out) const {
            ++c->blocks;
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = x[first + i];
        }
        explanation explain(std::size_t r) const {
            explanation e;
            e.score = x[r];
            e.unit = "points";
            e.additive = true;
            e.total = x[r];
            e.factors = {{"half", x[r] / 2}, {"other half", x[r] / 2}};
            return e;
        }
    };
    scorer bind(const table_view& v, timestamp) const {
        ++c->binds;
        return {v.numeric(0), c.get()};
    }
};

// Throws on rows whose value is negative.
struct picky_policy {
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        std::span<const double> x;
        double score(std::size_t r) const {
            if (x[r] < 0) throw std::runtime_error("negative at row " + std::to_string(r));
            return x[r];
        }
    };
    scorer bind(const table_view& v, timestamp) const { return {v.numeric(0)}; }
};

// Scores the age of the lead's creation in days as of the batch time: shows as_of reaches the scorer.
struct age_policy {
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        std::span<const std::int64_t> created;
        std::int64_t as_of;
        double score(std::size_t r) const { return static_cast<double>(as_of - created[r]) / 86400.0; }
    };
    scorer bind(const table_view& v, timestamp as_of) const {
        return {v.timestamps(*v.table_schema().find(field_role::created)), to_seconds(as_of)};
    }
};

static_assert(ScoringPolicy<affine_policy> && !BatchScorer<scorer_t<affine_policy>>);
static_assert(ScoringPolicy<counting_policy> && BatchScorer<scorer_t<counting_policy>> &&
              ExplainingScorer<scorer_t<counting_policy>>);

struct fixture {
    schema s{std::vector<field>{{"x", field_type::numeric}}};
    std::vector<double> xs;
    table_view view;
    explicit fixture(std::size_t n) : xs(n) {
        std::iota(xs.begin(), xs.end(), 0.0);
        view = table_view(s, n);
        view.set_numeric(0, xs);
    }
};

batch_options opts(unsigned threads, std::size_t block) {
    batch_options o;
    o.threads = threads;
    o.block_rows = block;
    return o;
}

} // namespace

TEST_CASE("scoring engine: the row form covers every row exactly once, for any block size and thread count") {
    for (std::size_t n : {0u, 1u, 7u, 1000u, 4097u}) {
        fixture f(n);
        for (unsigned threads : {1u, 2u, 3u}) {
            for (std::size_t block : {1u, 3u, 64u, 4096u}) {
                const auto out = score_batch(affine_policy{}, f.view, opts(threads, block));
                REQUIRE(out.size() == n);
                for (std::size_t r = 0; r < n; ++r) CHECK(out[r] == 3.0 * static_cast<double>(r) + 1.0);
            }
        }
    }
}

TEST_CASE("scoring engine: a batch form is found by itself and called once per block") {
    fixture f(1000);
    counting_policy p;
    const auto out = score_batch(p, f.view, opts(2, 100));
    CHECK(p.c->binds == 1);
    CHECK(p.c->blocks == 10); // 1000 rows in blocks of 100
    CHECK(p.c->rows == 0);    // the row form is never used when a batch form exists
    CHECK(out == f.xs);
}

TEST_CASE("scoring engine: the type-erased policy binds once per batch and runs the concrete batch form") {
    fixture f(1000);
    counting_policy p;
    scoring_policy erased = p; // shares the counters
    CHECK(erased.scale() == score_scale::points);
    CHECK(erased.target_type() == typeid(counting_policy));
    CHECK(erased.target<counting_policy>() != nullptr);
    CHECK(erased.target<affine_policy>() == nullptr);
    const auto out = score_batch(erased, f.view, opts(3, 128));
    CHECK(p.c->binds == 1);
    CHECK(p.c->blocks == 8); // ceil(1000 / 128)
    CHECK(p.c->rows == 0);
    CHECK(out == f.xs);

    SUBCASE("copies are deep and equal in behaviour") {
        scoring_policy copy = erased;
        CHECK(score_batch(copy, f.view, opts(1, 4096)) == out);
        scoring_policy moved = std::move(copy);
        CHECK(score_batch(moved, f.view, opts(2, 7)) == out);
    }
    SUBCASE("its scorer gives the one-lead form and explanations") {
        const auto s = erased.bind(f.view, timestamp{});
        CHECK(s.score(42) == 42.0);
        CHECK(s.explain(42).sum() == doctest::Approx(42.0));
    }
}

TEST_CASE("scoring engine: an empty scoring_policy is an error, not a crash") {
    fixture f(3);
    scoring_policy empty;
    CHECK_FALSE(empty);
    CHECK(empty.target_type() == typeid(void));
    CHECK_THROWS_AS((void)score_batch(empty, f.view), definition_error);
    CHECK_THROWS_AS((void)empty.scale(), definition_error);
}

TEST_CASE("scoring engine: the output span must match the rows") {
    fixture f(10);
    std::vector<double> out(9);
    CHECK_THROWS_WITH_AS(score_batch(affine_policy{}, f.view, out), doctest::Contains("9 elements for 10 rows"),
                         definition_error);
}

TEST_CASE("scoring engine: an exception in a block reaches the caller, the lowest block's first") {
    fixture f(1000);
    f.xs[250] = -1; // block 2 with blocks of 100
    f.xs[910] = -1; // block 9
    for (unsigned threads : {1u, 2u}) {
        CHECK_THROWS_WITH_AS((void)score_batch(picky_policy{}, f.view, opts(threads, 100)), "negative at row 250",
                             std::runtime_error);
    }
}

TEST_CASE("scoring engine: binding errors name the field") {
    fixture f(3);
    affine_policy p;
    p.field = "revenue";
    CHECK_THROWS_WITH_AS((void)score_batch(p, f.view), doctest::Contains("revenue"), definition_error);
}

TEST_CASE("scoring engine: as_of reaches the scorer") {
    lead a;
    a.id = "a";
    a.created = from_seconds(0);
    const std::vector<lead> leads{a};
    const auto table = lead_table::from_leads(leads);
    batch_options o;
    o.as_of = from_seconds(3 * 86400);
    CHECK(score_batch(age_policy{}, table.view(), o)[0] == 3.0);
    o.as_of = from_seconds(10 * 86400);
    CHECK(score_batch(age_policy{}, table.view(), o)[0] == 10.0);
}

TEST_CASE("scoring engine: explain falls back to the score for policies without explanations") {
    fixture f(5);
    const auto e = explain(affine_policy{}, f.view, 2, timestamp{});
    CHECK(e.score == 7.0);
    CHECK(e.factors.empty());
    CHECK_THROWS_AS((void)explain(affine_policy{}, f.view, 5, timestamp{}), definition_error);
    const auto c = explain(counting_policy{}, f.view, 4, timestamp{});
    CHECK(c.sum() == doctest::Approx(c.total));
}

TEST_CASE("scoring engine: one lead object scores through the CRM's schema") {
    lead l;
    l.id = "solo";
    l.created = from_seconds(86400);
    const auto s = schema::for_leads();
    CHECK(score_lead(age_policy{}, l, s, from_seconds(5 * 86400)) == 4.0);
    CHECK(explain_lead(age_policy{}, l, s, from_seconds(2 * 86400)).score == 1.0);
}

TEST_CASE("scoring engine: order_factors puts positives first (largest first), then negatives (most negative first)") {
    std::vector<factor> f{{"a", -1}, {"b", 2}, {"c", 0}, {"d", 5}, {"e", -3}, {"f", 2}};
    order_factors(f);
    std::vector<std::string> names;
    for (const auto& x : f) names.push_back(x.name);
    CHECK(names == std::vector<std::string>{"d", "b", "f", "e", "a", "c"});
}

} // namespace test_scoring_engine
