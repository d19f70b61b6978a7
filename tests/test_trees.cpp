// tree_ensemble_policy: hand-built ensembles with margins derived by hand (numeric splits, default directions,
// category sets, unknown texts, event counts), validate's and bind's refusals, random ensembles whose batch form
// equals the one-lead form and predict_margin bit for bit for any block size and thread count, and persistence:
// archives in every format, golden files, the archive size of a 300-tree model, model files and configuration.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/config.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/trees.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/engine.hpp"

#include "../src/scoring/tree_scorer.hpp" // the kernels, to check each whatever this processor picks
#include "tree_helpers.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace test_trees {

using namespace leadscore;
using leadscore_test::categorical_input;
using leadscore_test::random_ensemble;
using leadscore_test::random_trees;

static_assert(ScoringPolicy<tree_ensemble_policy>);
static_assert(sizeof(tree_node) == 28, "a 300-tree model of depth 6 in about 1 MB");

namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t start = 1767225600; // 2026-01-01T00:00:00Z

timestamp day(double n) { return from_seconds(start + static_cast<std::int64_t>(n * 86400)); }

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

double sigmoid(double m) { return 1 / (1 + std::exp(-m)); }

tree_input numeric(std::string field) {
    tree_input in;
    in.field = std::move(field);
    return in;
}

tree_node leaf(float value) {
    tree_node n;
    n.value = value;
    return n;
}

tree_node split(std::int32_t input, float threshold, std::uint32_t left, bool default_left) {
    tree_node n;
    n.input = input;
    n.value = threshold;
    n.left = left;
    n.default_left = default_left;
    return n;
}

tree_node category_split(std::int32_t input, std::uint32_t set, std::uint32_t left, bool default_left) {
    tree_node n = split(input, 0, left, default_left);
    n.categorical = true;
    n.categories = set;
    return n;
}

struct row_spec {
    std::optional<double> age{};
    std::optional<std::string> country{};
    std::optional<bool> newsletter{};
    std::vector<std::pair<double, std::string>> events{}; // (day, type)
};

lead_table make_table(const std::vector<row_spec>& rows) {
    const schema fields = schema::for_leads(std::vector<field>{{"age", field_type::numeric, field_role::none},
                                                               {"country", field_type::categorical, field_role::none},
                                                               {"newsletter", field_type::boolean, field_role::none}});
    std::vector<lead> leads;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        lead l;
        l.id = "L";
        l.id += std::to_string(i);
        if (rows[i].age) l.attributes["age"] = *rows[i].age;
        if (rows[i].country) l.attributes["country"] = *rows[i].country;
        if (rows[i].newsletter) l.attributes["newsletter"] = *rows[i].newsletter;
        for (const auto& [d, type] : rows[i].events) l.events.push_back({day(d), type, ""});
        leads.push_back(std::move(l));
    }
    return lead_table::from_leads(leads, fields);
}

/// The hand-built model of the golden files and of the first tests: base 0.125;
/// tree 1: age < 30 → 0.5, else −0.25, missing left;
/// tree 2: age < 50 → 0, else 1, missing right;
/// tree 3: country in {FR, IT} → −1, else 2 (DE, and anything past the set), missing right;
/// tree 4: a single leaf, 0.0625.
tree_ensemble hand_model() {
    tree_ensemble m;
    tree_input country;
    country.type = tree_input::kind::categorical;
    country.field = "country";
    country.categories = {"DE", "FR", "IT"};
    m.inputs = {numeric("age"), country};
    m.base_score = 0.125f;
    m.trees.push_back({{split(0, 30, 1, true), leaf(0.5f), leaf(-0.25f)}, {}});
    m.trees.push_back({{split(0, 50, 1, false), leaf(0), leaf(1)}, {}});
    m.trees.push_back({{category_split(1, 0, 1, false), leaf(2), leaf(-1)}, {1, 0b110u}});
    m.trees.push_back({{leaf(0.0625f)}, {}});
    return m;
}

/// The margins of hand_model for the rows of hand_rows(), by hand.
const std::vector<row_spec>& hand_rows() {
    static const std::vector<row_spec> rows{
        {.age = 20, .country = "DE"}, // 0.125 + 0.5 + 0 + 2 + 0.0625 = 2.6875
        {.age = 30, .country = "FR"}, // 30 is not < 30: right. 0.125 − 0.25 + 0 − 1 + 0.0625 = −1.0625
        {.age = 60, .country = "IT"}, // 0.125 − 0.25 + 1 − 1 + 0.0625 = −0.0625
        {.country = "ES"},            // age missing: left in tree 1, right in 2; ES unknown: missing, right in 3:
                                      // 0.125 + 0.5 + 1 − 1 + 0.0625 = 0.6875
        {.age = 49.5},                // country missing: right. 0.125 − 0.25 + 0 − 1 + 0.0625 = −1.0625
    };
    return rows;
}
const std::vector<double> hand_margins{2.6875, -1.0625, -0.0625, 0.6875, -1.0625};

void check_hand_margins(const tree_ensemble_policy& p) {
    const auto t = make_table(hand_rows());
    const auto s = p.bind(t.view(), day(0));
    const auto batch = score_batch(p, t.view(), batch_options{.as_of = day(0), .threads = 1});
    for (std::size_t r = 0; r < hand_margins.size(); ++r) {
        CAPTURE(r);
        CHECK(s.margin(r) == hand_margins[r]); // exact: every sum is a short binary fraction
        CHECK(s.score(r) == doctest::Approx(sigmoid(hand_margins[r])).epsilon(1e-15));
        CHECK(same_bits(batch[r], s.score(r)));
    }
}

std::string validate_error(const tree_ensemble& m) {
    try {
        validate(m);
    } catch (const definition_error& e) {
        return e.what();
    }
    return "";
}

// ---- random tables and models ------------------------------------------------------------------------------------

/// Numeric x1..x4 (missing values, infinities), c1 (dictionary k3, zz, k0, k1, k5, k2, k4: codes unlike the model's
/// positions, "zz" unknown to it), c2 (70 texts), a boolean and events of four types.
lead_table random_table(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const schema s({{"x1", field_type::numeric, field_role::none},
                    {"x2", field_type::numeric, field_role::none},
                    {"x3", field_type::numeric, field_role::none},
                    {"x4", field_type::numeric, field_role::none},
                    {"c1", field_type::categorical, field_role::none},
                    {"c2", field_type::categorical, field_role::none},
                    {"flag", field_type::boolean, field_role::none}});
    lead_table t(s);
    auto& c1 = std::get<categorical_column>(t.column(4));
    auto& c2 = std::get<categorical_column>(t.column(5));
    auto& flag = std::get<boolean_column>(t.column(6)).values;
    for (const char* v : {"k3", "zz", "k0", "k1", "k5", "k2", "k4"}) c1.dict.intern(v);
    for (int k = 69; k >= 0; --k) c2.dict.intern("m" + std::to_string(k));
    for (const char* ty : {"email_opened", "page_visited", "form_submitted", "webinar_attended"})
        t.event_types().intern(ty);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < 4; ++j) {
            const double r = u(rng);
            std::get<numeric_column>(t.column(j)).values.push_back(
                r < 0.1 ? quiet_nan : r < 0.11 ? (u(rng) < 0.5 ? -1.0 : 1.0) / 0.0 : 100 * u(rng) - 10);
        }
        c1.codes.push_back(u(rng) < 0.1 ? missing_code : static_cast<std::int32_t>(u(rng) * 7));
        c2.codes.push_back(u(rng) < 0.1 ? missing_code : static_cast<std::int32_t>(u(rng) * 70));
        flag.push_back(static_cast<std::int8_t>(static_cast<int>(u(rng) * 3) - 1));
        const auto events = static_cast<int>(u(rng) * 6);
        std::int64_t time = start + static_cast<std::int64_t>(u(rng) * 60 * 86400);
        for (int k = 0; k < events; ++k) {
            time += static_cast<std::int64_t>(u(rng) * 20 * 86400);
            t.events().push_back({time, static_cast<std::int32_t>(u(rng) * 4), missing_code});
        }
        t.event_offsets().push_back(t.events().size());
    }
    t.finish_rows();
    return t;
}

/// With `large`, c2 (70 categories: more than the padded layout's 64-bit sets hold, so trees splitting on its
/// categories take the reference path).
std::vector<tree_input> random_inputs(bool large = true) {
    std::vector<tree_input> in{numeric("x1"), numeric("x2"), numeric("x3"), numeric("x4"),
                               categorical_input("c1", 8, "k")}; // k6, k7: not in the table's dictionary
    if (large) in.push_back(categorical_input("c2", 70, "m"));
    tree_input flag;
    flag.type = tree_input::kind::boolean;
    flag.field = "flag";
    in.push_back(flag);
    tree_input opened;
    opened.type = tree_input::kind::event_count;
    opened.event_types = {"email_opened"};
    opened.window_days = 30;
    in.push_back(opened);
    tree_input all;
    all.type = tree_input::kind::event_count;
    all.window_days = 14;
    in.push_back(all);
    return in;
}

/// Batch (through the engine, several block sizes and thread counts) == score() row by row == sigmoid of
/// predict_margin, bit for bit.
void check_agreement(const tree_ensemble_policy& p, const lead_table& t, timestamp as_of) {
    const auto view = t.view();
    const auto s = p.bind(view, as_of);
    std::vector<double> one(view.rows());
    std::vector<float> x(p.model().inputs.size());
    std::size_t differ = 0;
    for (std::size_t r = 0; r < view.rows(); ++r) {
        one[r] = s.score(r);
        s.values(r, 1, x);
        double m = predict_margin(p.model(), x);
        differ += same_bits(s.margin(r), m) ? 0 : 1;
        detail::logistic_sigmoid(std::span<double>(&m, 1));
        differ += same_bits(one[r], m) ? 0 : 1;
    }
    CHECK(differ == 0);
    std::size_t distinct = 0;
    for (double v : one) distinct += same_bits(v, one[0]) ? 0 : 1;
    CHECK(distinct > view.rows() / 2); // the model reads its inputs
    for (unsigned threads : {1U, 2U, 3U}) {
        for (std::size_t block : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{97}, std::size_t{4096}}) {
            CAPTURE(threads);
            CAPTURE(block);
            const auto b = score_batch(p, view, batch_options{.as_of = as_of, .threads = threads, .block_rows = block});
            differ = 0;
            for (std::size_t r = 0; r < b.size(); ++r) differ += same_bits(b[r], one[r]) ? 0 : 1;
            CHECK(differ == 0);
        }
    }
}

std::string saved(const auto& value, archive_format f) {
    std::ostringstream out(std::ios::binary);
    save_archive(out, value, f);
    return out.str();
}

template <class T>
void load_from(const std::string& bytes, T& into, archive_format f) {
    std::istringstream in(bytes, std::ios::binary);
    load_archive(in, into, f, "test.archive");
}

constexpr archive_format formats[] = {archive_format::text, archive_format::xml, archive_format::binary};

} // namespace

// ---- hand-derived margins ------------------------------------------------------------------------------------------

TEST_CASE("trees: a hand-built ensemble's margins, derived by hand") {
    // A single split, both default directions, a 3-category set, an unknown text and a single leaf.
    check_hand_margins(tree_ensemble_policy(hand_model()));
    const tree_ensemble_policy p(hand_model());
    CHECK(p.scale() == score_scale::probability);
    CHECK(p.fields_read().names == std::vector<std::string>{"age", "country"});
}

TEST_CASE("trees: a category past the set's words goes left; a threshold split on a categorical input") {
    // 40 categories c0..c39; the set has one word (c0..c31): c35 is past it and goes left, as goes_left says.
    tree_ensemble m;
    m.inputs = {categorical_input("country", 40, "c")};
    m.trees.push_back({{category_split(0, 0, 1, true), leaf(1), leaf(-1)}, {1, 1u << 3}}); // right: c3 only
    // A threshold split on the same input reads the position: c0..c9 (< 10) go left.
    m.trees.push_back({{split(0, 10, 1, false), leaf(0.25f), leaf(0.5f)}, {}});
    const tree_ensemble_policy p(m);
    const auto t = make_table({{.country = "c3"}, {.country = "c35"}, {.country = "c31"}, {.country = "c9"}, {}});
    const auto s = p.bind(t.view(), day(0));
    CHECK(s.margin(0) == -1 + 0.25);
    CHECK(s.margin(1) == 1 + 0.5);   // past the word: left
    CHECK(s.margin(2) == 1 + 0.5);   // bit 31 clear: left
    CHECK(s.margin(3) == 1 + 0.25);
    CHECK(s.margin(4) == 1 + 0.5);   // missing: default left in tree 1, right in tree 2
    const auto b = score_batch(p, t.view(), batch_options{.as_of = day(0), .threads = 1});
    for (std::size_t r = 0; r < 5; ++r) CHECK(same_bits(b[r], s.score(r)));
    // goes_left itself: a negative, fractional or huge position goes left.
    const auto& tree = m.trees[0];
    CHECK_FALSE(goes_left(tree, tree.nodes[0], 3.0f));
    CHECK(goes_left(tree, tree.nodes[0], 3.5f));
    CHECK(goes_left(tree, tree.nodes[0], -3.0f));
    CHECK(goes_left(tree, tree.nodes[0], 1e20f));
}

TEST_CASE("trees: event counts and booleans as inputs") {
    // Tree 1: email_opened in the last 30 days < 1.5 → 0, else 1. Tree 2: newsletter < 0.5 → −0.5, else 0.5,
    // missing left.
    tree_ensemble m;
    tree_input opened;
    opened.type = tree_input::kind::event_count;
    opened.event_types = {"email_opened"};
    opened.window_days = 30;
    tree_input news;
    news.type = tree_input::kind::boolean;
    news.field = "newsletter";
    m.inputs = {opened, news};
    m.trees.push_back({{split(0, 1.5f, 1, true), leaf(0), leaf(1)}, {}});
    m.trees.push_back({{split(1, 0.5f, 1, true), leaf(-0.5f), leaf(0.5f)}, {}});
    const tree_ensemble_policy p(m);
    CHECK(p.fields_read().events);
    // As of day 40: lead 0 opened on days 15 and 35 (both within 30 days), lead 1 on days 5 (too old) and 35, lead 2
    // on day 39 twice but one of them is a page visit.
    const auto t = make_table({{.newsletter = true, .events = {{15, "email_opened"}, {35, "email_opened"}}},
                               {.newsletter = false, .events = {{5, "email_opened"}, {35, "email_opened"}}},
                               {.events = {{39, "email_opened"}, {39, "page_visited"}}}});
    const auto s = p.bind(t.view(), day(40));
    CHECK(s.margin(0) == 1.5);
    CHECK(s.margin(1) == -0.5);
    CHECK(s.margin(2) == -0.5);
    const auto b = score_batch(p, t.view(), batch_options{.as_of = day(40), .threads = 2, .block_rows = 1});
    for (std::size_t r = 0; r < 3; ++r) CHECK(same_bits(b[r], s.score(r)));
}

// ---- refusals ------------------------------------------------------------------------------------------------------

TEST_CASE("trees: validate names the tree, node or input and the rule broken") {
    const auto broken = [](auto change) {
        tree_ensemble m = hand_model();
        change(m);
        return validate_error(m);
    };
    CHECK(validate_error(hand_model()).empty());
    CHECK(broken([](tree_ensemble& m) { m.trees[0].nodes[0].left = 0; }) ==
          "tree_ensemble: tree 1, node 0: children 0 and 1 are not after the node within the tree's 3 nodes");
    CHECK(broken([](tree_ensemble& m) { m.trees[1].nodes[0].left = 2; }) ==
          "tree_ensemble: tree 2, node 0: children 2 and 3 are not after the node within the tree's 3 nodes");
    CHECK(broken([](tree_ensemble& m) {
              // node 1 splits to 2 and 3, but node 2 is already node 0's right child.
              m.trees[0].nodes = {split(0, 30, 1, true), split(0, 10, 2, true), leaf(0), leaf(1)};
          }).find("tree 1, node 2: two parents") != std::string::npos);
    CHECK(broken([](tree_ensemble& m) { m.trees[0].nodes.push_back(leaf(1)); }) ==
          "tree_ensemble: tree 1, node 3: no split leads to it");
    CHECK(broken([](tree_ensemble& m) { m.trees[1].nodes[0].value = std::nanf(""); }) ==
          "tree_ensemble: tree 2, node 0: the threshold is NaN");
    CHECK(broken([](tree_ensemble& m) { m.trees[0].nodes[2].value = std::numeric_limits<float>::infinity(); }) ==
          "tree_ensemble: tree 1, node 2: the leaf value is not finite");
    CHECK(broken([](tree_ensemble& m) { m.trees[3].nodes[0].cover = -1; }) ==
          "tree_ensemble: tree 4, node 0: the cover is negative or not finite");
    CHECK(broken([](tree_ensemble& m) { m.trees[2].category_bits[0] = 2; }) ==
          "tree_ensemble: tree 3, node 0: the category set runs past the tree's category words");
    CHECK(broken([](tree_ensemble& m) { m.trees[2].nodes[0].categories = 2; }) ==
          "tree_ensemble: tree 3, node 0: the category set runs past the tree's category words");
    CHECK(broken([](tree_ensemble& m) { m.trees[2].nodes[0].input = 0; }) ==
          "tree_ensemble: tree 3, node 0: a category split on numeric input 'age'");
    CHECK(broken([](tree_ensemble& m) { m.trees[0].nodes[0].input = 2; }) ==
          "tree_ensemble: tree 1, node 0: the split reads input 2 of 2");
    CHECK(broken([](tree_ensemble& m) { m.trees[0].nodes.clear(); }) == "tree_ensemble: tree 1 has no nodes");
    CHECK(broken([](tree_ensemble& m) { m.base_score = std::numeric_limits<float>::infinity(); }) ==
          "tree_ensemble: base_score is not finite");
    // Inputs.
    CHECK(broken([](tree_ensemble& m) { m.inputs[0].field.clear(); }) == "tree_ensemble: input 1 (''): no field name");
    CHECK(broken([](tree_ensemble& m) { m.inputs[1].categories.clear(); }) ==
          "tree_ensemble: input 2 ('country'): a categorical input without categories");
    CHECK(broken([](tree_ensemble& m) { m.inputs[1].categories.push_back("DE"); }) ==
          "tree_ensemble: input 2 ('country'): category 'DE' repeats");
    CHECK(broken([](tree_ensemble& m) { m.inputs[1].field = "age"; }) ==
          "tree_ensemble: input 2 ('age'): two inputs of this name");
    CHECK(broken([](tree_ensemble& m) { m.inputs[0].categories = {"x"}; }) ==
          "tree_ensemble: input 1 ('age'): a numeric input with categories");
    CHECK(broken([](tree_ensemble& m) {
              tree_input e;
              e.type = tree_input::kind::event_count;
              e.window_days = 0;
              m.inputs.push_back(e);
          }) == "tree_ensemble: input 3 ('events in 0 days'): the window must be finite and more than 0 days");
    // The policy's constructor validates.
    tree_ensemble bad = hand_model();
    bad.trees[0].nodes[1].value = std::nanf("");
    CHECK_THROWS_WITH_AS(tree_ensemble_policy{bad}, doctest::Contains("tree 1, node 1: the leaf value"),
                         definition_error);
}

TEST_CASE("trees: bind names the input: a field the view lacks, of another type, events a table lacks") {
    const auto t = make_table(hand_rows());
    const auto bind_error = [&](tree_ensemble m) {
        try {
            (void)tree_ensemble_policy(std::move(m)).bind(t.view(), day(0));
        } catch (const definition_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    tree_ensemble m = hand_model();
    m.inputs[0].field = "height";
    CHECK(bind_error(m) == "tree_ensemble: input 1 ('height'): no field 'height' in the table");
    m = hand_model();
    m.inputs[0].field = "country";
    m.inputs[1].field = "age";
    CHECK(bind_error(m) == "tree_ensemble: input 1 ('country'): field 'country' is categorical, the model reads it "
                           "as numeric");
    m = hand_model();
    tree_input e;
    e.type = tree_input::kind::event_count;
    m.inputs.push_back(e);
    const schema s({{"age", field_type::numeric, field_role::none}, {"country", field_type::categorical, field_role::none}});
    const std::vector<double> age{1.0};
    const std::vector<std::int32_t> codes{missing_code};
    dictionary dict;
    dict.intern("DE");
    table_view v(s, 1);
    v.set_numeric(0, age);
    v.set_categorical(1, codes, dict);
    CHECK_THROWS_WITH_AS((void)tree_ensemble_policy(m).bind(v, day(0)),
                         "tree_ensemble: input 3 ('events'): the table carries no engagement events",
                         definition_error);
}

// ---- random ensembles: batch == one lead == predict_margin ----------------------------------------------------------

TEST_CASE("trees: random ensembles score the same in every form, block size and thread count") {
    const auto t = random_table(600, 7);
    SUBCASE("ragged trees up to depth 10: padded and reference paths") {
        check_agreement(tree_ensemble_policy(random_ensemble(random_inputs(), {.trees = 40, .max_depth = 10, .seed = 3})),
                        t, day(120));
    }
    SUBCASE("ragged trees up to depth 8, all padded") {
        check_agreement(tree_ensemble_policy(random_ensemble(random_inputs(false), {.trees = 40, .max_depth = 8, .seed = 13})),
                        t, day(120));
    }
    SUBCASE("complete trees of depth 8, the deepest padded") {
        check_agreement(tree_ensemble_policy(random_ensemble(random_inputs(false),
                                                             {.trees = 12, .max_depth = 8, .complete = true, .seed = 4})),
                        t, day(120));
    }
    SUBCASE("numeric inputs only, shallow") {
        check_agreement(tree_ensemble_policy(random_ensemble({numeric("x1"), numeric("x2"), numeric("x3")},
                                                             {.trees = 30, .max_depth = 3, .seed = 5})),
                        t, day(120));
    }
    SUBCASE("no trees, and single leaves") {
        tree_ensemble m = random_ensemble(random_inputs(), {.trees = 0, .seed = 6});
        m.base_score = 0.75f;
        const tree_ensemble_policy p(m);
        const auto b = score_batch(p, t.view(), batch_options{.as_of = day(120), .threads = 2, .block_rows = 3});
        for (double v : b) CHECK(v == doctest::Approx(sigmoid(0.75)).epsilon(1e-15));
        m.trees.push_back({{leaf(0.25f)}, {}});
        const auto b1 = score_batch(tree_ensemble_policy(m), t.view(), batch_options{.as_of = day(120)});
        for (double v : b1) CHECK(v == doctest::Approx(sigmoid(1.0)).epsilon(1e-15));
    }
}

TEST_CASE("trees: each block kernel gives predict_margin's bits, for any number of rows") {
    const auto t = random_table(300, 17);
    for (const bool large : {false, true}) {
        const tree_ensemble m = random_ensemble(random_inputs(large), {.trees = 30, .max_depth = 9, .seed = 18});
        const auto s = tree_ensemble_policy(m).bind(t.view(), day(120));
        const std::size_t k = m.inputs.size();
        std::vector<float> x(t.rows() * k);
        s.values(0, t.rows(), x);
        std::vector<float> want(t.rows());
        for (std::size_t r = 0; r < t.rows(); ++r) want[r] = predict_margin(m, std::span<const float>(x).subspan(r * k, k));
        const auto flat = detail::flatten(m);
        std::size_t padded = 0;
        for (const auto& ft : flat.trees) padded += ft.padded ? 1 : 0;
        CHECK(padded > 0);
        CHECK(padded < flat.trees.size()); // deeper than 8 levels, or (large) splits on c2's 70 categories
        std::vector<std::uint64_t> bits(detail::tree_block_rows * k);
        detail::sliced_scratch scratch(k);
        for (const std::size_t rows : {std::size_t{1}, std::size_t{15}, std::size_t{63}, std::size_t{64},
                                       std::size_t{65}, std::size_t{200}, std::size_t{256}}) {
            CAPTURE(rows);
            for (std::size_t first = 0; first + rows <= t.rows(); first += rows) {
                std::vector<float> got(rows);
                detail::block_margins(flat, m, x.data() + first * k, rows, bits.data(), got.data());
                std::size_t differ = 0;
                for (std::size_t r = 0; r < rows; ++r) differ += std::bit_cast<std::uint32_t>(got[r]) == std::bit_cast<std::uint32_t>(want[first + r]) ? 0 : 1;
                if (detail::sliced_kernel_available()) {
                    detail::block_margins_sliced(flat, m, x.data() + first * k, rows, scratch, got.data());
                    for (std::size_t r = 0; r < rows; ++r) differ += std::bit_cast<std::uint32_t>(got[r]) == std::bit_cast<std::uint32_t>(want[first + r]) ? 0 : 1;
                }
                CHECK(differ == 0);
            }
        }
    }
    if (!detail::sliced_kernel_available()) MESSAGE("no AVX-512 VBMI here: the bit-sliced kernel was not checked");
}

TEST_CASE("trees: in composites, calibration, the type-erased policy and temperature bands") {
    const auto t = make_table(hand_rows());
    const tree_ensemble_policy p(hand_model());
    const batch_options o{.as_of = day(0), .threads = 2};
    const auto base = score_batch(p, t.view(), o);
    const scoring_policy erased(p);
    const auto e = score_batch(erased, t.view(), o);
    const weighted_sum_policy sum({{"trees", p, 2.0}, {"again", erased, 1.0}}, 0.5);
    const auto ws = score_batch(sum, t.view(), o);
    const max_policy most({{"trees", p, 1.0}});
    const auto mx = score_batch(most, t.view(), o);
    const calibrated_policy cal(p, calibration_map::piecewise_linear({0, 1}, {0, 0.5}));
    const auto c = score_batch(cal, t.view(), o);
    for (std::size_t r = 0; r < base.size(); ++r) {
        CHECK(same_bits(e[r], base[r]));
        CHECK(ws[r] == doctest::Approx(0.5 + 3 * sigmoid(hand_margins[r])).epsilon(1e-14));
        CHECK(same_bits(mx[r], base[r]));
        CHECK(c[r] == doctest::Approx(0.5 * sigmoid(hand_margins[r])).epsilon(1e-14));
    }
    // Bands over the probabilities: 0.6875 → 0.665 (warm), 2.6875 → 0.936 (hot), −1.0625 → 0.257 (cold).
    const score_band_policy bands(score_bands{score_scale::probability, 0.5, 0.9});
    const auto ratings =
        rate_batch(bands, rating_input{.rows = t.view(), .scores = base, .scale = p.scale()}, o);
    REQUIRE(ratings.size() == 5);
    CHECK(ratings[0].level == temperature::hot);
    CHECK(ratings[1].level == temperature::cold);
    CHECK(ratings[2].level == temperature::cold); // −0.0625 → 0.484
    CHECK(ratings[3].level == temperature::warm);
}

// ---- persistence ---------------------------------------------------------------------------------------------------

TEST_CASE("trees: archives in every format round-trip to an equal model that scores the same") {
    const auto t = random_table(300, 9);
    const tree_ensemble_policy p(random_ensemble(random_inputs(), {.trees = 25, .max_depth = 9, .seed = 10}));
    const auto expected = score_batch(p, t.view(), batch_options{.as_of = day(120), .threads = 1});
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        tree_ensemble_policy back(hand_model());
        load_from(saved(p, f), back, f);
        CHECK(back == p);
        const auto got = score_batch(back, t.view(), batch_options{.as_of = day(120), .threads = 1});
        std::size_t differ = 0;
        for (std::size_t r = 0; r < got.size(); ++r) differ += same_bits(got[r], expected[r]) ? 0 : 1;
        CHECK(differ == 0);
        // Through the type-erased policy and its export key.
        scoring_policy any;
        load_from(saved(scoring_policy(p), f), any, f);
        CHECK(export_key(any) == std::string("leadscore.trees"));
        REQUIRE(any.target<tree_ensemble_policy>() != nullptr);
        CHECK(*any.target<tree_ensemble_policy>() == p);
        // The ensemble alone.
        tree_ensemble m;
        load_from(saved(p.model(), f), m, f);
        CHECK(m == p.model());
    }
    // -0.0, a subnormal and the largest float keep their bits in XML too.
    tree_ensemble odd = hand_model();
    odd.trees[0].nodes[1].value = -0.0f;
    odd.trees[0].nodes[2].value = std::numeric_limits<float>::denorm_min();
    odd.trees[1].nodes[0].value = std::numeric_limits<float>::max();
    odd.trees[2].nodes[0].value = std::nanf(""); // unused by a category split; kept
    for (const auto f : formats) {
        tree_ensemble back;
        load_from(saved(odd, f), back, f);
        CHECK(back == odd);
    }
}

TEST_CASE("trees: damaged archives are refused naming the reason") {
    const auto error_of = [](const std::string& bytes, archive_format f) {
        try {
            tree_ensemble_policy into(hand_model());
            load_from(bytes, into, f);
        } catch (const archive_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const auto xml = saved(tree_ensemble_policy(hand_model()), archive_format::xml);
    // Replaces the first `from` after the first `anchor`.
    const auto edit = [&](const std::string& anchor, const std::string& from, const std::string& to) {
        auto s = xml;
        const auto at = s.find(from, s.find(anchor));
        REQUIRE(at != std::string::npos);
        s.replace(at, from.size(), to);
        return s;
    };
    // A NaN threshold: validate's refusal through the constructor, naming tree and node.
    CHECK(error_of(edit("<value>", "30 0.5 -0.25", "nan 0.5 -0.25"), archive_format::xml)
              .find("archive 'test.archive': tree_ensemble: tree 1, node 0: the threshold is NaN") == 0);
    // A child index past the tree.
    CHECK(error_of(edit("<left>", "<item>1</item>", "<item>7</item>"), archive_format::xml)
              .find("tree 1, node 0: children 7 and 8 are not after the node") != std::string::npos);
    // Flags other than the two bits.
    CHECK(error_of(edit("<flags>", "<item>1</item>", "<item>5</item>"), archive_format::xml)
              .find("decision_tree: node 0: flags 5") != std::string::npos);
    // Columns of different lengths.
    {
        auto s = xml;
        const auto at = s.find("<count>3</count>", s.find("</left>"));
        REQUIRE(at != std::string::npos);
        s.replace(at, 16, "<count>2</count>");
        const auto v = s.find("<value>30 0.5 -0.25</value>");
        REQUIRE(v != std::string::npos);
        s.replace(v, 27, "<value>30 0.5</value>");
        CHECK(error_of(s, archive_format::xml).find("node columns of different lengths (3 and 2)") != std::string::npos);
    }
    // A huge declared node count fails cleanly (at the end of the data), in a binary archive too.
    auto bin = saved(tree_ensemble_policy(hand_model()), archive_format::binary);
    for (std::size_t cut = 0; cut < bin.size(); cut += 7) CHECK(error_of(bin.substr(0, cut), archive_format::binary) != "");
    const std::uint64_t three = 3, huge = std::uint64_t{1} << 39;
    const auto at = bin.find(std::string(reinterpret_cast<const char*>(&three), 8));
    REQUIRE(at != std::string::npos);
    bin.replace(at, 8, std::string(reinterpret_cast<const char*>(&huge), 8));
    CHECK(error_of(bin, archive_format::binary) != "");
}

TEST_CASE("trees: golden archives of version 1 still load and give the hand-derived margins") {
    // Written once with LEADSCORE_WRITE_GOLDEN set (only files that do not exist yet), as in
    // test_serialize_scoring.cpp; text and XML, the formats that travel.
    const bool write = std::getenv("LEADSCORE_WRITE_GOLDEN") != nullptr;
    for (const auto f : {archive_format::text, archive_format::xml}) {
        const auto path = std::filesystem::path(LEADSCORE_TEST_DATA) / "archive" /
                          (std::string("tree_ensemble_policy.v1") + (f == archive_format::xml ? ".xml" : ".txt"));
        CAPTURE(path.string());
        if (write && !std::filesystem::exists(path)) save_archive_file(path, scoring_policy(tree_ensemble_policy(hand_model())), f);
        REQUIRE(std::filesystem::exists(path));
        scoring_policy any;
        load_archive_file(path, any, f);
        const auto* p = any.target<tree_ensemble_policy>();
        REQUIRE(p != nullptr);
        check_hand_margins(*p);
    }
}

TEST_CASE("trees: a 300-tree model of depth 6 takes about 1 MB in memory and in a binary archive") {
    std::vector<tree_input> in;
    for (int j = 0; j < 8; ++j) in.push_back(numeric("n" + std::to_string(j)));
    for (int j = 0; j < 8; ++j) in.push_back(categorical_input("c" + std::to_string(j), 20, "v"));
    const tree_ensemble m = random_ensemble(in, {.trees = 300, .max_depth = 6, .complete = true, .seed = 12});
    std::size_t bytes = 0, nodes = 0;
    for (const auto& t : m.trees) {
        nodes += t.nodes.size();
        bytes += t.nodes.size() * sizeof(tree_node) + t.category_bits.size() * 4;
    }
    CHECK(nodes == 300 * 127);
    CHECK(bytes < 1150000); // 28 bytes a node, and the category sets
    const auto archive = saved(m, archive_format::binary);
    CHECK(archive.size() < 1048576);
    CHECK(archive.size() > nodes * 25); // every node's 25 bytes are there
}

TEST_CASE("trees: a model file holding a tree policy, and configuration naming it") {
    model m;
    m.fields = schema({{"age", field_type::numeric, field_role::none},
                       {"country", field_type::categorical, field_role::none}});
    m.policy = tree_ensemble_policy(hand_model());
    m.kind = "gbt";
    m.target = binary_target{"outcome", {"won"}, {"lost"}};
    const auto dir = std::filesystem::temp_directory_path() / "leadscore_test_trees";
    std::filesystem::create_directories(dir);
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        const auto path = dir / ("m." + std::string(to_string(f)));
        save_model(path, m, f);
        const model back = load_model(path);
        CHECK(back.kind == "gbt");
        REQUIRE(back.policy.target<tree_ensemble_policy>() != nullptr);
        CHECK(*back.policy.target<tree_ensemble_policy>() == *m.policy.target<tree_ensemble_policy>());
    }
    // TOML configuration names the model file; the caller's loader reads it.
    config_options o;
    o.load_model = [](const model_reference& r) { return load_model(r.resolved).policy; };
    const auto c = load_config("[scoring]\nkind = \"model\"\nfile = \"m.xml\"\n", (dir / "scoring.toml").string(), o);
    REQUIRE(c.scoring.target<tree_ensemble_policy>() != nullptr);
    check_hand_margins(*c.scoring.target<tree_ensemble_policy>());
    std::filesystem::remove_all(dir);
}

} // namespace test_trees
