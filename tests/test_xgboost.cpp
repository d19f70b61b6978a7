// Importing XGBoost models: margins and probabilities against XGBoost 1.7's own predictions (fixtures written by
// tests/data/xgboost/make_fixtures.py), a hand-made model whose structure and margins are derived by hand, and every
// kind of bad input.

#include "leadscore/io/csv.hpp"
#include "leadscore/io/xgboost.hpp"
#include "leadscore/scoring/trees.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace leadscore;

namespace {

std::filesystem::path xgb_fixture_dir(const std::string& name) {
    return std::filesystem::path(LEADSCORE_TEST_DATA) / "xgboost" / name;
}

/// A fixture: the imported model, the data read as the model reads it, XGBoost's expected values.
struct xgb_fixture {
    tree_ensemble model;
    lead_table data;
    lead_table expected; // margin, probability, contribution_<feature>..., contribution_bias
};

xgb_fixture load_xgb_fixture(const std::string& name, const std::map<std::string, std::string, std::less<>>& fields = {}) {
    const auto dir = xgb_fixture_dir(name);
    xgboost_import_options options;
    options.fields = fields;
    options.categories = read_xgboost_categories_file(dir / "categories.json");
    tree_ensemble model = import_xgboost_file(dir / "model.json", options);
    // The data as the model reads it: categorical inputs as categorical columns, the others numeric.
    std::vector<field> columns;
    for (const auto& in : model.inputs)
        columns.push_back({in.field, in.type == tree_input::kind::categorical ? field_type::categorical : field_type::numeric});
    csv_options read;
    read.fields = schema(columns);
    read.ignore_extra_columns = true;
    xgb_fixture f{std::move(model), read_csv_file(dir / "data.csv", read).table,
                  read_csv_file(dir / "expected.csv").table};
    REQUIRE(f.data.rows() == f.expected.rows());
    REQUIRE(f.data.rows() >= 30);
    return f;
}

double xgb_expected(const lead_table& t, const std::string& column, std::size_t row) {
    const auto c = t.table_schema().find(column);
    REQUIRE(c.has_value());
    return t.numeric(*c)[row];
}

/// Margins equal XGBoost's predict(output_margin=True) to 1e-6, probabilities its predict() (both float32 in
/// XGBoost); the batch form equals the one-lead form.
void check_xgb_margins(const xgb_fixture& f, std::size_t& exact) {
    const tree_ensemble_policy policy(f.model);
    const auto scorer = policy.bind(f.data.view(), from_seconds(0));
    std::vector<double> batch(f.data.rows());
    scorer.score_batch(0, batch);
    exact = 0;
    for (std::size_t r = 0; r < f.data.rows(); ++r) {
        CAPTURE(r);
        const double m = scorer.margin(r);
        const double want = xgb_expected(f.expected, "margin", r);
        CHECK(std::abs(m - want) <= 1e-6);
        exact += static_cast<float>(m) == static_cast<float>(want);
        const double p = scorer.score(r);
        CHECK(std::abs(p - 1 / (1 + std::exp(-m))) <= 1e-15);
        CHECK(std::abs(p - xgb_expected(f.expected, "probability", r)) <= 1e-6);
        CHECK(batch[r] == p);
    }
}

// ---- a hand-made model --------------------------------------------------------------------------------------------

// Tree (XGBoost's node ids, not breadth-first): 0: x < 1.5 (missing left) ? 4 : 2; 4: leaf 0.25;
// 2: c in {1, 3} (missing right) ? 3 : 1; 1: leaf -0.5; 3: leaf 0.75.
std::map<std::string, std::string> xgb_tree_parts() {
    return {{"left_children", "[4,-1,1,-1,-1]"},
            {"right_children", "[2,-1,3,-1,-1]"},
            {"split_indices", "[0,0,1,0,0]"},
            {"split_conditions", "[1.5E0,-5E-1,NaN,7.5E-1,2.5E-1]"},
            {"split_type", "[0,0,1,0,0]"},
            {"default_left", "[1,0,0,0,0]"},
            {"sum_hessian", "[1E1,3E0,6E0,3E0,4E0]"},
            {"loss_changes", "[2E0,0E0,1E0,0E0,0E0]"},
            {"categories_nodes", "[2]"},
            {"categories_segments", "[0]"},
            {"categories_sizes", "[2]"},
            {"categories", "[1,3]"},
            {"tree_param", R"({"num_deleted":"0","num_feature":"2","num_nodes":"5","size_leaf_vector":"0"})"}};
}

struct xgb_model_parts {
    std::map<std::string, std::string> tree = xgb_tree_parts();
    std::string trees_extra;             // appended after the tree (", {…}")
    std::string num_trees = "\"1\"";
    std::string tree_info = "[0]";
    std::string objective = "binary:logistic";
    std::string booster = "gbtree";
    std::string base_score = "\"2E-1\"";
    std::string num_class = "\"0\"";
    std::string num_feature = "\"2\"";
    std::string names = R"(["x","c"])";
    std::string types = R"(["float","c"])";
};

std::string xgb_model_text(const xgb_model_parts& p) {
    std::string tree = "{";
    for (const auto& [k, v] : p.tree) tree += (tree.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
    tree += ",\"id\":0}";
    std::string names = p.names.empty() ? "" : "\"feature_names\":" + p.names + ",";
    std::string types = p.types.empty() ? "" : "\"feature_types\":" + p.types + ",";
    return R"({"learner":{"attributes":{},)" + names + types +
           R"("gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":)" + p.num_trees +
           R"(,"size_leaf_vector":"0"},"tree_info":)" + p.tree_info + R"(,"trees":[)" + tree + p.trees_extra +
           R"(]},"name":")" + p.booster + R"("},"learner_model_param":{"base_score":)" + p.base_score +
           R"(,"boost_from_average":"1","num_class":)" + p.num_class + R"(,"num_feature":)" + p.num_feature +
           R"(,"num_target":"1"},"objective":{"name":")" + p.objective +
           R"(","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]})";
}

xgboost_import_options xgb_hand_options() {
    xgboost_import_options o;
    o.categories["c"] = {"p", "q", "r", "s"};
    return o;
}

tree_ensemble xgb_import(const xgb_model_parts& p, const xgboost_import_options& o = xgb_hand_options()) {
    return import_xgboost(xgb_model_text(p), o, "hand.json");
}

/// The message of the leadscore error importing `p` throws (fails the test when none is thrown).
template <class Error = error>
std::string xgb_error(const xgb_model_parts& p, const xgboost_import_options& o = xgb_hand_options()) {
    try {
        (void)xgb_import(p, o);
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no error");
    return {};
}

bool xgb_has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("xgboost: a hand-made model's structure and margins") {
    const tree_ensemble m = xgb_import({});
    REQUIRE(m.inputs.size() == 2);
    CHECK(m.inputs[0] == tree_input{tree_input::kind::numeric, "x"});
    CHECK(m.inputs[1].type == tree_input::kind::categorical);
    CHECK(m.inputs[1].categories == std::vector<std::string>{"p", "q", "r", "s"});
    // base_score 0.2: the margin starts at log(0.2 / 0.8) = -log 4, in float.
    CHECK(m.base_score == -std::log(4.0f));
    REQUIRE(m.trees.size() == 1);
    const auto& t = m.trees[0];
    // Breadth-first: 0 (XGBoost 0), 1 (4), 2 (2), 3 (1), 4 (3).
    REQUIRE(t.nodes.size() == 5);
    CHECK(t.nodes[0].input == 0);
    CHECK(t.nodes[0].left == 1);
    CHECK(t.nodes[0].value == 1.5f);
    CHECK(t.nodes[0].default_left);
    CHECK(t.nodes[0].cover == 10.0f);
    CHECK(t.nodes[0].gain == 2.0f);
    CHECK(t.nodes[1].input == tree_node::leaf);
    CHECK(t.nodes[1].value == 0.25f);
    CHECK(t.nodes[1].cover == 4.0f);
    CHECK(t.nodes[2].input == 1);
    CHECK(t.nodes[2].categorical);
    CHECK(t.nodes[2].left == 3);
    CHECK_FALSE(t.nodes[2].default_left);
    CHECK(t.nodes[3].value == -0.5f);
    CHECK(t.nodes[4].value == 0.75f);
    CHECK(t.category_bits == std::vector<std::uint32_t>{1, 0b1010});
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float b = -std::log(4.0f);
    CHECK(predict_margin(m, std::vector<float>{1, 0}) == b + 0.25f);
    CHECK(predict_margin(m, std::vector<float>{nan, 1}) == b + 0.25f); // x missing: left
    CHECK(predict_margin(m, std::vector<float>{2, 0}) == b - 0.5f);
    CHECK(predict_margin(m, std::vector<float>{2, 1}) == b + 0.75f);   // in the set: right
    CHECK(predict_margin(m, std::vector<float>{2, 2}) == b - 0.5f);
    CHECK(predict_margin(m, std::vector<float>{2, 3}) == b + 0.75f);
    CHECK(predict_margin(m, std::vector<float>{2, nan}) == b + 0.75f); // c missing: right (default_left 0)
}

TEST_CASE("xgboost: feature names, defaults and mapping") {
    SUBCASE("without names XGBoost's f0, f1; the mapping renames them") {
        xgb_model_parts p;
        p.names.clear();
        xgboost_import_options o;
        o.categories["f1"] = {"p", "q", "r", "s"};
        o.fields["f0"] = "visits";
        const auto m = xgb_import(p, o);
        CHECK(m.inputs[0].field == "visits");
        CHECK(m.inputs[1].field == "f1");
    }
    SUBCASE("without types every feature is numeric: a categorical split is then an error") {
        xgb_model_parts p;
        p.types.clear();
        const auto e = xgb_error<input_error>(p, {});
        CHECK(xgb_has(e, "hand.json"));
        CHECK(xgb_has(e, "tree 0, node 2"));
        CHECK(xgb_has(e, "not of type \"c\""));
    }
    SUBCASE("a mapping or categories for a feature the model lacks") {
        auto o = xgb_hand_options();
        o.fields["y"] = "why";
        CHECK(xgb_has(xgb_error<definition_error>({}, o), "feature 'y', which the model lacks"));
        o = xgb_hand_options();
        o.categories["x"] = {"a"};
        CHECK(xgb_has(xgb_error<definition_error>({}, o), "feature 'x', which the model reads as a number"));
        o = xgb_hand_options();
        o.categories["zz"] = {"a"};
        CHECK(xgb_has(xgb_error<definition_error>({}, o), "'zz', which the model lacks"));
    }
    SUBCASE("two features mapped to one field") {
        auto o = xgb_hand_options();
        o.fields["c"] = "x";
        CHECK(xgb_has(xgb_error<definition_error>({}, o), "both read field 'x'"));
    }
    SUBCASE("a categorical feature without its list, a code past the list") {
        const auto e = xgb_error<definition_error>({}, {});
        CHECK(xgb_has(e, "hand.json"));
        CHECK(xgb_has(e, "feature 'c'"));
        CHECK(xgb_has(e, "no category list"));
        xgboost_import_options o;
        o.categories["c"] = {"p", "q", "r"}; // code 3 is in a set
        const auto e2 = xgb_error<definition_error>({}, o);
        CHECK(xgb_has(e2, "tree 0, node 2"));
        CHECK(xgb_has(e2, "category code 3 of feature 'c'"));
        CHECK(xgb_has(e2, "past its category list of 3"));
    }
    SUBCASE("a field the data lacks: binding names it") {
        const tree_ensemble_policy policy(xgb_import({}));
        lead_table t(schema({{"x", field_type::numeric}}));
        CHECK_THROWS_WITH_AS((void)policy.bind(t.view(), from_seconds(0)), doctest::Contains("no field 'c'"),
                             definition_error);
    }
}

TEST_CASE("xgboost: bad models") {
    const std::string good = xgb_model_text({});
    SUBCASE("malformed and truncated JSON name the file and the byte") {
        for (const std::size_t cut : {std::size_t{0}, std::size_t{1}, good.size() / 3, good.size() / 2, good.size() - 1}) {
            CAPTURE(cut);
            try {
                (void)import_xgboost(good.substr(0, cut), {}, "cut.json");
                FAIL("no error");
            } catch (const input_error& e) {
                CHECK(xgb_has(e.what(), "cut.json:1:"));
                CHECK(xgb_has(e.what(), "at byte "));
            }
        }
        const std::string bad = R"({"learner": tru})";
        CHECK_THROWS_WITH_AS((void)import_xgboost(bad, {}, "bad.json"),
                             doctest::Contains("bad.json:1:16: not valid JSON (at byte 15): syntax error"), input_error);
        // Positions are the file's own, past a NaN XGBoost wrote (replaced by a longer null inside).
        const std::string after_nan = "{\"a\":[NaN,\n  x]}";
        CHECK_THROWS_WITH_AS((void)import_xgboost(after_nan, {}, "nan.json"),
                             doctest::Contains("nan.json:2:3: not valid JSON (at byte 13)"), input_error);
        CHECK_THROWS_AS((void)import_xgboost("[]", {}, "a.json"), input_error);
        CHECK_THROWS_AS((void)import_xgboost(R"({"learner": 3})", {}, "a.json"), input_error);
    }
    SUBCASE("unsupported objectives and boosters are named") {
        for (const char* objective : {"multi:softprob", "binary:logitraw", "reg:squarederror", "rank:pairwise"}) {
            xgb_model_parts p;
            p.objective = objective;
            const auto e = xgb_error<input_error>(p);
            CHECK(xgb_has(e, "hand.json"));
            CHECK(xgb_has(e, "objective '" + std::string(objective) + "' is not supported"));
        }
        for (const char* booster : {"dart", "gblinear"}) {
            xgb_model_parts p;
            p.booster = booster;
            CHECK(xgb_has(xgb_error<input_error>(p), "booster '" + std::string(booster) + "' is not supported"));
        }
        xgb_model_parts p;
        p.num_class = "\"3\"";
        CHECK(xgb_has(xgb_error<input_error>(p), "multi-class model (3 classes)"));
        p = {};
        p.tree_info = "[1]";
        CHECK(xgb_has(xgb_error<input_error>(p), "output group 1"));
        p = {};
        p.base_score = "\"1E0\"";
        CHECK(xgb_has(xgb_error<input_error>(p), "base_score"));
    }
    SUBCASE("NaN thresholds and leaves") {
        xgb_model_parts p;
        p.tree["split_conditions"] = "[NaN,-5E-1,NaN,7.5E-1,2.5E-1]";
        const auto e = xgb_error<input_error>(p);
        CHECK(xgb_has(e, "hand.json: tree 0, node 0: the threshold is NaN"));
        p.tree["split_conditions"] = "[1.5E0,-5E-1,NaN,NaN,2.5E-1]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 3: the leaf value is not finite"));
    }
    SUBCASE("cyclic, shared and dangling child indices; nodes reached from nowhere") {
        xgb_model_parts p;
        p.tree["left_children"] = "[4,-1,0,-1,-1]"; // node 2 leads back to the root
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: child 0 is reached twice"));
        p.tree["left_children"] = "[4,-1,4,-1,-1]"; // node 4 shared
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: child 4 is reached twice"));
        p.tree["left_children"] = "[2,-1,1,-1,-1]"; // the root's two children are one node
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 0: child 2 is reached twice"));
        p.tree["left_children"] = "[4,-1,7,-1,-1]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: child index 7 is outside the tree's 5 nodes"));
        p.tree["left_children"] = "[4,-1,-2,-1,-1]";
        CHECK(xgb_has(xgb_error<input_error>(p), "child index -2"));
        p.tree["left_children"] = "[4,-1,1,-1,-1]";
        p.tree["right_children"] = "[2,-1,-1,-1,-1]"; // one child only
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: child index -1"));
        // Node 2 a leaf: nodes 1 and 3 reached from no split.
        p = {};
        p.tree["left_children"] = "[4,-1,-1,-1,-1]";
        p.tree["right_children"] = "[2,-1,-1,-1,-1]";
        p.tree["split_type"] = "[0,0,0,0,0]";
        p.tree["split_conditions"] = "[1.5E0,-5E-1,1E-1,7.5E-1,2.5E-1]";
        p.tree["categories_nodes"] = p.tree["categories_segments"] = p.tree["categories_sizes"] =
            p.tree["categories"] = "[]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 1: no split leads to it (2 such nodes, 0 declared deleted)"));
        // ... unless XGBoost declares them deleted.
        p.tree["tree_param"] = R"({"num_deleted":"2","num_feature":"2","num_nodes":"5","size_leaf_vector":"0"})";
        CHECK(xgb_import(p).trees[0].nodes.size() == 3);
    }
    SUBCASE("arrays of different lengths, category sets past their array") {
        xgb_model_parts p;
        p.tree["right_children"] = "[2,-1,3,-1]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0: \"right_children\" has 4 entries, \"left_children\" 5"));
        p = {};
        p.tree["sum_hessian"] = "[1E1,3E0,6E0,3E0,4E0,1E0]";
        CHECK(xgb_has(xgb_error<input_error>(p), "\"sum_hessian\" has 6 entries"));
        p = {};
        p.tree["categories_sizes"] = "[3]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: the category set (from 0, 3 codes) runs past"));
        p = {};
        p.tree["categories_segments"] = "[0,0]";
        CHECK(xgb_has(xgb_error<input_error>(p), "categories_segments"));
        p = {};
        p.tree["split_type"] = "[1,0,1,0,0]"; // a categorical split without a set
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 0"));
        p = {};
        p.tree["split_indices"] = "[0,0,2,0,0]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: split on feature 2 of the model's 2"));
        p = {};
        p.tree["categories"] = "[1,-3]";
        CHECK(xgb_has(xgb_error<input_error>(p), "category code -3 is negative"));
    }
    SUBCASE("huge declared counts: an error, never a huge allocation") {
        xgb_model_parts p;
        p.num_trees = "\"1000000000\"";
        CHECK(xgb_has(xgb_error<input_error>(p), "declares 1000000000 trees, \"trees\" holds 1"));
        p = {};
        p.tree["tree_param"] = R"({"num_deleted":"0","num_feature":"2","num_nodes":"4000000000","size_leaf_vector":"0"})";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree_param declares 4000000000 nodes, the arrays hold 5"));
        p = {};
        p.names.clear();
        p.types.clear();
        p.num_feature = "\"1000000000\"";
        CHECK(xgb_has(xgb_error<input_error>(p, {}), "num_feature 1000000000 without feature names"));
        p = {};
        p.num_feature = "\"1000000000\"";
        CHECK(xgb_has(xgb_error<input_error>(p), "2 feature names for num_feature 1000000000"));
    }
    SUBCASE("wrong types of values") {
        xgb_model_parts p;
        p.tree["left_children"] = R"([4,-1,"x",-1,-1])";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, left_children[2]: \"x\" is not an integer"));
        p = {};
        p.tree["sum_hessian"] = "[1E1,3E0,-6E0,3E0,4E0]";
        CHECK(xgb_has(xgb_error<input_error>(p), "tree 0, node 2: sum_hessian is negative"));
        p = {};
        p.types = R"(["float","text"])";
        CHECK(xgb_has(xgb_error<input_error>(p), "feature 'c' has type 'text'"));
        p = {};
        p.names = R"(["x","x"])";
        CHECK(xgb_has(xgb_error<input_error>(p), "feature name 'x' repeats"));
    }
    SUBCASE("files that cannot be read are named") {
        CHECK_THROWS_WITH_AS((void)import_xgboost_file("no-such-model.json", {}), doctest::Contains("no-such-model.json"),
                             input_error);
        CHECK_THROWS_WITH_AS((void)read_xgboost_categories_file("no-such-categories.json"),
                             doctest::Contains("no-such-categories.json"), input_error);
    }
}

TEST_CASE("xgboost: category sets are held to the model's size") {
    // A set takes as many words as its largest code needs (code 199,999: 6,250 words), whatever the JSON spends on
    // it. 200 trees of such a split ask for 1.25 M words, past the budget of one word per JSON byte plus 1 Mi words.
    xgboost_import_options o;
    auto& list = o.categories["c"];
    for (int i = 0; i < 200000; ++i) list.push_back("k" + std::to_string(i));
    auto parts_of = [](int trees) {
        xgb_model_parts p;
        p.tree["categories"] = "[1,199999]";
        std::string extra, info = "[0";
        for (int i = 1; i < trees; ++i) {
            std::string t = "{";
            for (const auto& [k, v] : p.tree) t += (t.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
            extra += "," + t + ",\"id\":" + std::to_string(i) + "}";
            info += ",0";
        }
        p.trees_extra = extra;
        p.tree_info = info + "]";
        p.num_trees = "\"" + std::to_string(trees) + "\"";
        return p;
    };
    // 100 trees (625,000 words) fit, and the sets hold what the JSON says.
    const tree_ensemble m = xgb_import(parts_of(100), o);
    REQUIRE(m.trees.size() == 100);
    const auto& bits = m.trees[99].category_bits;
    REQUIRE(bits.size() == 6251);
    CHECK(bits[0] == 6250);
    CHECK(bits[1] == 0b10);
    CHECK(bits[6250] == 1u << (199999 % 32));
    const std::string e = xgb_error<input_error>(parts_of(200), o);
    CHECK(xgb_has(e, "hand.json"));
    CHECK(xgb_has(e, "the category sets need more memory than a model of this size can (codes up to 199999)"));
}

TEST_CASE("xgboost: categories files") {
    const auto c = read_xgboost_categories(R"({"a": ["x", "y"], "b": ["1"]})", "c.json");
    CHECK(c.at("a") == std::vector<std::string>{"x", "y"});
    CHECK(c.at("b") == std::vector<std::string>{"1"});
    CHECK_THROWS_WITH_AS((void)read_xgboost_categories(R"({"a": ["x", "x"]})", "c.json"),
                         doctest::Contains("c.json (field 'a'): feature 'a': category 'x' repeats"), input_error);
    CHECK_THROWS_WITH_AS((void)read_xgboost_categories(R"({"a": "x"})", "c.json"), doctest::Contains("feature 'a'"),
                         input_error);
    CHECK_THROWS_WITH_AS((void)read_xgboost_categories(R"({"a": [1]})", "c.json"), doctest::Contains("not a string"),
                         input_error);
    CHECK_THROWS_WITH_AS((void)read_xgboost_categories(R"({"a": []})", "c.json"), doctest::Contains("empty"),
                         input_error);
    CHECK_THROWS_WITH_AS((void)read_xgboost_categories(R"(["a"])", "c.json"), doctest::Contains("an object"),
                         input_error);
    CHECK_THROWS_WITH_AS((void)read_xgboost_categories("{\"a\": [\"x\",\n", "c.json"),
                         doctest::Contains("c.json:2:1: not valid JSON"), input_error);
}

TEST_CASE("xgboost: margins and probabilities equal XGBoost's on numeric data with missing values") {
    const auto f = load_xgb_fixture("numeric", {{"f0", "visits"}, {"f1", "spend"}, {"f2", "fit"}});
    CHECK(f.model.inputs.size() == 3);
    CHECK(f.model.base_score == -std::log(1.0f / 0.35f - 1.0f));
    std::size_t exact = 0;
    check_xgb_margins(f, exact);
    MESSAGE(exact << " of " << f.data.rows() << " margins equal XGBoost's bit for bit (as float)");
    CHECK(exact == f.data.rows());
}

TEST_CASE("xgboost: margins and probabilities equal XGBoost's with categorical partition splits") {
    for (const std::string name : {"categorical", "reg_logistic"}) {
        CAPTURE(name);
        const auto f = load_xgb_fixture(name);
        // The fixture must exercise partition splits (sets of more than one category) on fields of more than
        // max_cat_to_onehot categories.
        std::size_t partitions = 0;
        for (const auto& t : f.model.trees)
            for (const auto& n : t.nodes)
                if (n.categorical) {
                    int bits = 0;
                    for (std::uint32_t w = 0; w < t.category_bits[n.categories]; ++w)
                        bits += std::popcount(t.category_bits[n.categories + 1 + w]);
                    partitions += bits > 1;
                }
        CHECK(partitions >= 5);
        std::size_t exact = 0;
        check_xgb_margins(f, exact);
        MESSAGE(exact << " of " << f.data.rows() << " margins equal XGBoost's bit for bit (as float)");
        CHECK(exact == f.data.rows());
    }
}

// TreeSHAP contributions against XGBoost's pred_contribs (XGBoost sums them in float: 1e-5).
TEST_CASE("xgboost: contributions") {
    for (const std::string n : {"numeric", "categorical", "reg_logistic"}) {
        CAPTURE(n);
        const auto f = n == "numeric" ? load_xgb_fixture(n, {{"f0", "visits"}, {"f1", "spend"}, {"f2", "fit"}})
                                      : load_xgb_fixture(n);
        const tree_ensemble_policy policy(f.model);
        const auto scorer = policy.bind(f.data.view(), from_seconds(0));
        const auto& s = f.expected.table_schema();
        std::vector<double> phi(f.model.inputs.size() + 1);
        for (std::size_t r = 0; r < f.data.rows(); ++r) {
            CAPTURE(r);
            scorer.contributions(r, phi);
            // expected.csv: margin, probability, then one column per feature and the bias, in XGBoost's order.
            REQUIRE(s.size() == 2 + phi.size());
            for (std::size_t j = 0; j < phi.size(); ++j) {
                CAPTURE(j);
                CHECK(std::abs(phi[j] - f.expected.numeric(2 + j)[r]) <= 1e-5);
            }
        }
    }
}
