#include "leadscore/io/xgboost.hpp"

#include "leadscore/core/error.hpp"
#include "text_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace leadscore {

namespace {

using xgb_json = nlohmann::json;

/// The line and column (1-based) of byte `offset` of `text`.
source_location xgb_place_of(std::string_view file, std::string_view text, std::size_t offset) {
    source_location where;
    where.file = std::string(file);
    offset = std::min(offset, text.size());
    where.line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    const auto line_start = text.rfind('\n', offset == 0 ? std::string_view::npos : offset - 1);
    where.column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    return where;
}

/// XGBoost writes a NaN float (the unused threshold of a categorical split) as the bare word NaN, which JSON lacks:
/// each NaN outside strings becomes null, one byte longer; `grown` lists where, to map error positions back.
struct xgb_text {
    std::string text;
    std::vector<std::size_t> grown; ///< positions in `text` of the nulls that replaced a NaN, ascending
    [[nodiscard]] std::size_t original_offset(std::size_t offset) const {
        const auto before = std::lower_bound(grown.begin(), grown.end(), offset) - grown.begin();
        return offset - static_cast<std::size_t>(before);
    }
};

xgb_text xgb_replace_nan(std::string_view in) {
    xgb_text out;
    out.text.reserve(in.size() + 64);
    bool in_string = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (in_string) {
            if (c == '\\' && i + 1 < in.size()) {
                out.text += c;
                out.text += in[++i];
                continue;
            }
            if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == 'N' && in.substr(i, 3) == "NaN") {
            out.grown.push_back(out.text.size());
            out.text += "null";
            i += 2;
            continue;
        }
        out.text += c;
    }
    return out;
}

/// nlohmann's DOM builder, but a number with a fraction or exponent is read as the float nearest its text (XGBoost
/// writes float32 values and reads them back so; going through the nearest double could round differently).
class xgb_float_dom : public nlohmann::detail::json_sax_dom_parser<xgb_json> {
public:
    using nlohmann::detail::json_sax_dom_parser<xgb_json>::json_sax_dom_parser;
    bool number_float(double value, const std::string& text) {
        float f = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), f);
        if (r.ec == std::errc() && r.ptr == text.data() + text.size()) value = f;
        else value = static_cast<double>(static_cast<float>(value)); // out of float's range: ±inf or 0, as XGBoost
        return nlohmann::detail::json_sax_dom_parser<xgb_json>::number_float(value, text);
    }
};

/// Parses JSON text, naming `name` with the line, column and byte of a syntax error.
xgb_json xgb_parse(std::string_view text, std::string_view name, bool floats) {
    xgb_json doc;
    const xgb_text fixed = floats ? xgb_replace_nan(text) : xgb_text{std::string(text), {}};
    try {
        if (floats) {
            xgb_float_dom sax(doc, true);
            xgb_json::sax_parse(fixed.text.begin(), fixed.text.end(), &sax);
        } else {
            doc = xgb_json::parse(fixed.text.begin(), fixed.text.end());
        }
    } catch (const xgb_json::parse_error& e) {
        // nlohmann's byte is 1-based: the byte it stopped at.
        const std::size_t at = fixed.original_offset(e.byte == 0 ? 0 : e.byte - 1);
        // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: <why>": keep <why>, the
        // line and column being nlohmann's count in the text after NaN was replaced.
        std::string why = e.what();
        if (const auto c = why.find("column "); c != std::string::npos)
            if (const auto q = why.find(": ", c); q != std::string::npos) why = why.substr(q + 2);
        throw input_error(xgb_place_of(name, text, at),
                          "not valid JSON (at byte " + std::to_string(at) + "): " + why);
    } catch (const xgb_json::exception& e) {
        throw input_error({std::string(name), 0, 0, {}}, std::string("not valid JSON: ") + e.what());
    }
    return doc;
}

std::string xgb_kind(const xgb_json& j) {
    return j.is_object() ? "an object" : j.is_array() ? "an array" : j.is_string() ? "a string"
         : j.is_boolean() ? "a boolean" : j.is_null() ? "null" : "a number";
}

/// Reads the model's JSON with errors that name the file and the place in the model.
class xgb_reader {
public:
    explicit xgb_reader(std::string_view file) : file_(file) {}

    /// Words the model's category sets may still take. A set holds as many words as its largest code needs, so a
    /// few bytes of JSON ("[999999]") could ask for 125 KB; the budget keeps every import within a small multiple
    /// of its input's size.
    mutable std::size_t category_words_left = 0;

    [[noreturn]] void fail(const std::string& where, const std::string& why, const std::string& field = {}) const {
        throw input_error({file_, 0, 0, field}, where.empty() ? why : where + ": " + why);
    }

    const xgb_json& member(const xgb_json& object, std::string_view key, const std::string& where) const {
        if (!object.is_object()) fail(where, "expected an object, found " + xgb_kind(object));
        const auto it = object.find(key);
        if (it == object.end()) fail(where, "no member \"" + std::string(key) + "\"");
        return *it;
    }
    const xgb_json* optional_member(const xgb_json& object, std::string_view key, const std::string& where) const {
        if (!object.is_object()) fail(where, "expected an object, found " + xgb_kind(object));
        const auto it = object.find(key);
        return it == object.end() ? nullptr : &*it;
    }
    const xgb_json& array(const xgb_json& object, std::string_view key, const std::string& where) const {
        const xgb_json& a = member(object, key, where);
        if (!a.is_array()) fail(where, "\"" + std::string(key) + "\" is " + xgb_kind(a) + ", not an array");
        return a;
    }
    std::string text(const xgb_json& j, const std::string& what) const {
        if (!j.is_string()) fail(what, "expected a string, found " + xgb_kind(j));
        return j.get<std::string>();
    }
    /// An integer written as a JSON number or, as XGBoost writes its parameters, as a string.
    std::int64_t integer(const xgb_json& j, const std::string& what) const {
        if (j.is_number_integer()) return j.get<std::int64_t>();
        if (j.is_number_unsigned()) {
            const auto u = j.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) fail(what, "out of range");
            return static_cast<std::int64_t>(u);
        }
        if (j.is_string()) {
            const auto& s = j.get_ref<const std::string&>();
            std::int64_t v = 0;
            const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
            if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
            fail(what, "\"" + s + "\" is not an integer");
        }
        fail(what, "expected an integer, found " + xgb_kind(j));
    }
    /// A float: a JSON number (null is XGBoost's NaN) or a string such as "5E-1".
    float number(const xgb_json& j, const std::string& what) const {
        if (j.is_null()) return std::numeric_limits<float>::quiet_NaN();
        if (j.is_number()) return j.get<float>();
        if (j.is_string()) {
            const auto& s = j.get_ref<const std::string&>();
            float v = 0;
            const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
            if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
            fail(what, "\"" + s + "\" is not a number");
        }
        fail(what, "expected a number, found " + xgb_kind(j));
    }

    const std::string& file() const noexcept { return file_; }

private:
    std::string file_;
};

std::vector<std::int64_t> xgb_integers(const xgb_reader& r, const xgb_json& a, const std::string& where, const char* key) {
    std::vector<std::int64_t> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        out.push_back(r.integer(a[i], where + ", " + key + "[" + std::to_string(i) + "]"));
    return out;
}

std::vector<float> xgb_floats(const xgb_reader& r, const xgb_json& a, const std::string& where, const char* key) {
    std::vector<float> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(r.number(a[i], where + ", " + key + "[" + std::to_string(i) + "]"));
    return out;
}

struct xgb_feature {
    std::string name;
    bool categorical = false;
};

/// The input of each feature: its field (options.fields) and, for a categorical one, its categories.
std::vector<tree_input> xgb_inputs(const xgb_reader& r, const std::vector<xgb_feature>& features,
                                   const xgboost_import_options& options) {
    const std::string& file = r.file();
    std::set<std::string_view> known;
    for (const auto& f : features) known.insert(f.name);
    for (const auto& [feature, field] : options.fields) {
        if (!known.count(feature))
            throw definition_error(file + ": a field is given for feature '" + feature + "', which the model lacks");
        if (field.empty()) throw definition_error(file + ": feature '" + feature + "' is given an empty field name");
    }
    for (const auto& [feature, list] : options.categories)
        if (!known.count(feature))
            throw definition_error(file + ": categories are given for feature '" + feature + "', which the model lacks");
    std::vector<tree_input> inputs;
    std::map<std::string, std::string, std::less<>> field_of; // field → the feature reading it
    for (const auto& f : features) {
        tree_input in;
        const auto mapped = options.fields.find(f.name);
        in.field = mapped == options.fields.end() ? f.name : mapped->second;
        if (const auto [it, fresh] = field_of.emplace(in.field, f.name); !fresh)
            throw definition_error(file + ": features '" + it->second + "' and '" + f.name + "' both read field '" +
                                   in.field + "'");
        const auto cats = options.categories.find(f.name);
        if (f.categorical) {
            if (cats == options.categories.end())
                throw definition_error(file + ": feature '" + f.name + "' (field '" + in.field +
                                       "') is categorical, and no category list is given for it");
            in.type = tree_input::kind::categorical;
            in.categories = cats->second;
        } else if (cats != options.categories.end()) {
            throw definition_error(file + ": categories are given for feature '" + f.name +
                                   "', which the model reads as a number");
        }
        inputs.push_back(std::move(in));
    }
    return inputs;
}

/// The features: names (or f0, f1, …) and types.
std::vector<xgb_feature> xgb_features(const xgb_reader& r, const xgb_json& learner, std::int64_t declared) {
    const xgb_json* names = r.optional_member(learner, "feature_names", "learner");
    const xgb_json* types = r.optional_member(learner, "feature_types", "learner");
    if (names && !names->is_array()) r.fail("learner", "\"feature_names\" is " + xgb_kind(*names) + ", not an array");
    if (types && !types->is_array()) r.fail("learner", "\"feature_types\" is " + xgb_kind(*types) + ", not an array");
    if (names && names->empty()) names = nullptr;
    if (types && types->empty()) types = nullptr;
    // Without names the declared count makes the features: bounded, since no array backs it.
    constexpr std::int64_t max_unnamed = 100'000;
    if (declared < 0 || (!names && declared > max_unnamed))
        r.fail("learner_model_param", "num_feature " + std::to_string(declared) +
                                          (declared < 0 ? " is negative"
                                                        : " without feature names (more than " +
                                                              std::to_string(max_unnamed) + ")"));
    const std::size_t count = names ? names->size() : static_cast<std::size_t>(declared);
    if (names && static_cast<std::int64_t>(count) != declared)
        r.fail("learner", std::to_string(count) + " feature names for num_feature " + std::to_string(declared));
    if (types && types->size() != count)
        r.fail("learner", std::to_string(types->size()) + " feature types for " + std::to_string(count) + " features");
    std::vector<xgb_feature> out(count);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < count; ++i) {
        out[i].name = names ? r.text((*names)[i], "learner, feature_names[" + std::to_string(i) + "]")
                            : "f" + std::to_string(i);
        if (out[i].name.empty()) r.fail("learner", "feature " + std::to_string(i) + " has an empty name");
        if (!seen.insert(out[i].name).second) r.fail("learner", "feature name '" + out[i].name + "' repeats");
        if (types) {
            const std::string t = r.text((*types)[i], "learner, feature_types[" + std::to_string(i) + "]");
            if (t == "c") out[i].categorical = true;
            else if (t != "float" && t != "int" && t != "q" && t != "i")
                r.fail("learner", "feature '" + out[i].name + "' has type '" + t +
                                      "' (supported: c, float, int, q, i)", out[i].name);
        }
    }
    return out;
}

/// One tree's arrays, checked to be of one length, and its category sets.
struct xgb_tree_arrays {
    std::size_t n = 0;
    std::vector<std::int64_t> left, right, split_index, split_type, default_left;
    std::vector<float> condition, hessian, gain;
    std::int64_t deleted = 0; ///< tree_param's num_deleted
    std::vector<std::int64_t> codes;                        ///< "categories"
    std::vector<std::pair<std::size_t, std::size_t>> sets;  ///< per node: (first, count) in codes
    std::vector<bool> has_set;                              ///< per node: whether categories_nodes lists it
};

/// categories_nodes, _segments and _sizes into a.sets: node → (first, count) in "categories".
void xgb_read_category_sets(const xgb_reader& r, const xgb_json& t, const std::string& where, xgb_tree_arrays& a) {
    a.sets.assign(a.n, {0, 0});
    a.has_set.assign(a.n, false);
    const xgb_json* nodes_json = r.optional_member(t, "categories_nodes", where);
    if (!nodes_json) return; // a model saved before categorical splits existed
    const auto nodes = xgb_integers(r, *nodes_json, where, "categories_nodes");
    const auto segments = xgb_integers(r, r.array(t, "categories_segments", where), where, "categories_segments");
    const auto sizes = xgb_integers(r, r.array(t, "categories_sizes", where), where, "categories_sizes");
    a.codes = xgb_integers(r, r.array(t, "categories", where), where, "categories");
    if (segments.size() != nodes.size() || sizes.size() != nodes.size())
        r.fail(where, "categories_nodes, categories_segments and categories_sizes have " + std::to_string(nodes.size()) +
                          ", " + std::to_string(segments.size()) + " and " + std::to_string(sizes.size()) + " entries");
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        const auto node = nodes[k];
        if (node < 0 || node >= static_cast<std::int64_t>(a.n))
            r.fail(where, "categories_nodes[" + std::to_string(k) + "] is node " + std::to_string(node) + " of " +
                              std::to_string(a.n));
        const auto u = static_cast<std::size_t>(node);
        if (a.has_set[u]) r.fail(where + ", node " + std::to_string(node), "two category sets");
        if (segments[k] < 0 || sizes[k] < 0 || static_cast<std::uint64_t>(segments[k]) > a.codes.size() ||
            static_cast<std::uint64_t>(sizes[k]) > a.codes.size() - static_cast<std::size_t>(segments[k]))
            r.fail(where + ", node " + std::to_string(node),
                   "the category set (from " + std::to_string(segments[k]) + ", " + std::to_string(sizes[k]) +
                       " codes) runs past the " + std::to_string(a.codes.size()) + " codes of \"categories\"");
        a.has_set[u] = true;
        a.sets[u] = {static_cast<std::size_t>(segments[k]), static_cast<std::size_t>(sizes[k])};
    }
}

xgb_tree_arrays xgb_read_tree(const xgb_reader& r, const xgb_json& t, const std::string& where) {
    xgb_tree_arrays a;
    const xgb_json& left = r.array(t, "left_children", where);
    a.n = left.size();
    if (a.n == 0) r.fail(where, "no nodes");
    auto same_length = [&](const char* key) -> const xgb_json& {
        const xgb_json& arr = r.array(t, key, where);
        if (arr.size() != a.n)
            r.fail(where, "\"" + std::string(key) + "\" has " + std::to_string(arr.size()) +
                              " entries, \"left_children\" " + std::to_string(a.n));
        return arr;
    };
    a.left = xgb_integers(r, left, where, "left_children");
    a.right = xgb_integers(r, same_length("right_children"), where, "right_children");
    a.split_index = xgb_integers(r, same_length("split_indices"), where, "split_indices");
    a.default_left = xgb_integers(r, same_length("default_left"), where, "default_left");
    a.condition = xgb_floats(r, same_length("split_conditions"), where, "split_conditions");
    a.hessian = xgb_floats(r, same_length("sum_hessian"), where, "sum_hessian");
    a.gain = xgb_floats(r, same_length("loss_changes"), where, "loss_changes");
    // Models saved before categorical splits have no split_type (every split numeric) and no category arrays.
    if (r.optional_member(t, "split_type", where)) a.split_type = xgb_integers(r, same_length("split_type"), where, "split_type");
    else a.split_type.assign(a.n, 0);
    if (const xgb_json* param = r.optional_member(t, "tree_param", where)) {
        if (const xgb_json* nodes = r.optional_member(*param, "num_nodes", where + ", tree_param")) {
            const auto declared = r.integer(*nodes, where + ", tree_param, num_nodes");
            if (declared != static_cast<std::int64_t>(a.n))
                r.fail(where, "tree_param declares " + std::to_string(declared) + " nodes, the arrays hold " +
                                  std::to_string(a.n));
        }
        if (const xgb_json* d = r.optional_member(*param, "num_deleted", where + ", tree_param"))
            a.deleted = r.integer(*d, where + ", tree_param, num_deleted");
    }
    xgb_read_category_sets(r, t, where, a);
    return a;
}

/// Split node `id` (on feature f) made categorical: its category codes as a set [word count, words…] appended to
/// out.category_bits.
void xgb_category_split(const xgb_reader& r, const std::string& at, const xgb_tree_arrays& a, std::size_t id,
                        const tree_input& input, const xgb_feature& feature, tree_node& node, decision_tree& out) {
    if (!feature.categorical)
        r.fail(at, "a categorical split on feature '" + feature.name + "', which is not of type \"c\"", feature.name);
    if (!a.has_set[id]) r.fail(at, "a categorical split without a category set");
    const auto [first, count] = a.sets[id];
    std::size_t top = 0;
    for (std::size_t i = first; i < first + count; ++i) {
        const auto code = a.codes[i];
        if (code < 0) r.fail(at, "category code " + std::to_string(code) + " is negative", feature.name);
        if (code >= static_cast<std::int64_t>(input.categories.size()))
            throw definition_error(r.file() + ": " + at + ": category code " + std::to_string(code) + " of feature '" +
                                   feature.name + "' (field '" + input.field + "') is past its category list of " +
                                   std::to_string(input.categories.size()));
        top = std::max(top, static_cast<std::size_t>(code) + 1);
    }
    // As few words as hold the set: codes past them go left, as in XGBoost 1.7 and goes_left.
    const std::size_t words = (top + 31) / 32;
    if (words + 1 > r.category_words_left)
        r.fail(at, "the category sets need more memory than a model of this size can (codes up to " +
                       std::to_string(top - 1) + ")", feature.name);
    r.category_words_left -= words + 1;
    node.categorical = true;
    node.categories = static_cast<std::uint32_t>(out.category_bits.size());
    out.category_bits.push_back(static_cast<std::uint32_t>(words));
    const std::size_t base = out.category_bits.size();
    out.category_bits.resize(base + words, 0);
    for (std::size_t i = first; i < first + count; ++i) {
        const auto code = static_cast<std::size_t>(a.codes[i]);
        out.category_bits[base + code / 32] |= 1u << (code % 32);
    }
}

/// One XGBoost tree as a decision_tree: nodes renumbered breadth-first (order[k] is the XGBoost node that becomes
/// node k; children are numbered when first reached, so each comes after its parent and a node reached twice is
/// found there).
decision_tree xgb_tree(const xgb_reader& r, const xgb_json& t, std::size_t index, const std::vector<tree_input>& inputs,
                       const std::vector<xgb_feature>& features) {
    const std::string where = "tree " + std::to_string(index);
    const xgb_tree_arrays a = xgb_read_tree(r, t, where);
    const auto n = static_cast<std::int64_t>(a.n);
    decision_tree out;
    std::vector<std::int64_t> order{0};
    std::vector<std::uint8_t> reached(a.n, 0);
    reached[0] = 1;
    out.nodes.reserve(a.n);
    for (std::size_t k = 0; k < order.size(); ++k) {
        const auto id = static_cast<std::size_t>(order[k]);
        const std::string at = where + ", node " + std::to_string(id);
        tree_node node;
        node.cover = a.hessian[id];
        if (!std::isfinite(node.cover) || node.cover < 0) r.fail(at, "sum_hessian is negative or not finite");
        const auto lc = a.left[id], rc = a.right[id];
        if (lc == -1 && rc == -1) {
            node.value = a.condition[id];
            if (!std::isfinite(node.value)) r.fail(at, "the leaf value is not finite");
            if (a.has_set[id]) r.fail(at, "a leaf with a category set");
            out.nodes.push_back(node);
            continue;
        }
        for (const auto c : {lc, rc})
            if (c < 0 || c >= n) r.fail(at, "child index " + std::to_string(c) + " is outside the tree's " + std::to_string(n) + " nodes");
        for (const auto c : {lc, rc})
            if (reached[static_cast<std::size_t>(c)] || lc == rc)
                r.fail(at, "child " + std::to_string(c) + " is reached twice (a cycle or a shared node)");
        reached[static_cast<std::size_t>(lc)] = reached[static_cast<std::size_t>(rc)] = 1;
        const auto feature = a.split_index[id];
        if (feature < 0 || feature >= static_cast<std::int64_t>(inputs.size()))
            r.fail(at, "split on feature " + std::to_string(feature) + " of the model's " + std::to_string(inputs.size()));
        const auto f = static_cast<std::size_t>(feature);
        node.input = static_cast<std::int32_t>(f);
        node.default_left = a.default_left[id] != 0;
        node.gain = a.gain[id];
        if (!std::isfinite(node.gain)) r.fail(at, "loss_changes is not finite");
        node.left = static_cast<std::uint32_t>(order.size());
        order.push_back(lc);
        order.push_back(rc);
        if (a.split_type[id] == 1) {
            xgb_category_split(r, at, a, id, inputs[f], features[f], node, out);
        } else if (a.split_type[id] == 0) {
            if (a.has_set[id]) r.fail(at, "a numeric split with a category set");
            node.value = a.condition[id];
            if (std::isnan(node.value)) r.fail(at, "the threshold is NaN");
        } else {
            r.fail(at, "split_type " + std::to_string(a.split_type[id]) + " (0 numeric and 1 categorical are known)");
        }
        out.nodes.push_back(node);
    }
    // Nodes XGBoost deleted when pruning stay in the arrays, reached from no split.
    if (order.size() < a.n) {
        const auto unreached = static_cast<std::int64_t>(a.n - order.size());
        if (unreached > a.deleted) {
            const auto first = std::find(reached.begin(), reached.end(), 0) - reached.begin();
            r.fail(where + ", node " + std::to_string(first),
                   "no split leads to it (" + std::to_string(unreached) + " such nodes, " + std::to_string(a.deleted) +
                       " declared deleted)");
        }
    }
    return out;
}

} // namespace

xgboost_categories read_xgboost_categories(std::string_view text, std::string_view name) {
    const xgb_json doc = xgb_parse(text, name, false);
    const xgb_reader r(name);
    if (!doc.is_object()) r.fail("", "expected an object of category lists, found " + xgb_kind(doc));
    xgboost_categories out;
    for (const auto& [feature, list] : doc.items()) {
        const std::string where = "feature '" + feature + "'";
        if (!list.is_array()) r.fail(where, "expected an array of category texts, found " + xgb_kind(list), feature);
        if (list.empty()) r.fail(where, "an empty category list", feature);
        std::vector<std::string> texts;
        std::set<std::string_view> seen;
        texts.reserve(list.size());
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_string())
                r.fail(where, "category " + std::to_string(i) + " is " + xgb_kind(list[i]) + ", not a string", feature);
            texts.push_back(list[i].get<std::string>());
            if (texts.back().empty()) r.fail(where, "category " + std::to_string(i) + " is empty", feature);
        }
        for (const auto& t : texts)
            if (!seen.insert(t).second) r.fail(where, "category '" + t + "' repeats", feature);
        out.emplace(feature, std::move(texts));
    }
    return out;
}

xgboost_categories read_xgboost_categories_file(const file_path& path) {
    return read_xgboost_categories(detail::read_text_file(path), path.string());
}

tree_ensemble import_xgboost(std::string_view text, const xgboost_import_options& options, std::string_view name) {
    const xgb_json doc = xgb_parse(text, name, true);
    const xgb_reader r(name);
    r.category_words_left = text.size() + (std::size_t{1} << 20);
    const xgb_json& learner = r.member(doc, "learner", "");

    const xgb_json& objective = r.member(learner, "objective", "learner");
    const std::string objective_name = r.text(r.member(objective, "name", "learner, objective"), "learner, objective, name");
    if (objective_name != "binary:logistic" && objective_name != "reg:logistic")
        r.fail("learner", "objective '" + objective_name + "' is not supported (binary:logistic and reg:logistic are)");

    const xgb_json& booster = r.member(learner, "gradient_booster", "learner");
    const std::string booster_name = r.text(r.member(booster, "name", "learner, gradient_booster"),
                                            "learner, gradient_booster, name");
    if (booster_name != "gbtree") r.fail("learner", "booster '" + booster_name + "' is not supported (gbtree is)");

    const xgb_json& param = r.member(learner, "learner_model_param", "learner");
    const std::string where_param = "learner_model_param";
    if (const xgb_json* classes = r.optional_member(param, "num_class", where_param)) {
        const auto k = r.integer(*classes, where_param + ", num_class");
        if (k > 1) r.fail(where_param, "a multi-class model (" + std::to_string(k) + " classes) is not supported");
    }
    if (const xgb_json* targets = r.optional_member(param, "num_target", where_param)) {
        const auto k = r.integer(*targets, where_param + ", num_target");
        if (k > 1) r.fail(where_param, "a model of " + std::to_string(k) + " targets is not supported");
    }
    const float base = r.number(r.member(param, "base_score", where_param), where_param + ", base_score");
    if (!(base > 0.0f && base < 1.0f))
        r.fail(where_param, "base_score " + std::to_string(base) + " is not a probability in (0, 1)");
    const auto features =
        xgb_features(r, learner, r.integer(r.member(param, "num_feature", where_param), where_param + ", num_feature"));

    tree_ensemble model;
    model.inputs = xgb_inputs(r, features, options);
    // XGBoost's LogisticRegression::ProbToMargin, in float.
    model.base_score = -std::log(1.0f / base - 1.0f);

    const xgb_json& gb_model = r.member(booster, "model", "learner, gradient_booster");
    const xgb_json& trees = r.array(gb_model, "trees", "model");
    if (const xgb_json* gp = r.optional_member(gb_model, "gbtree_model_param", "model"))
        if (const xgb_json* declared = r.optional_member(*gp, "num_trees", "model, gbtree_model_param")) {
            const auto k = r.integer(*declared, "model, gbtree_model_param, num_trees");
            if (k != static_cast<std::int64_t>(trees.size()))
                r.fail("model", "gbtree_model_param declares " + std::to_string(k) + " trees, \"trees\" holds " +
                                    std::to_string(trees.size()));
        }
    if (const xgb_json* info = r.optional_member(gb_model, "tree_info", "model")) {
        if (!info->is_array() || info->size() != trees.size())
            r.fail("model", "\"tree_info\" does not hold one entry per tree");
        for (std::size_t i = 0; i < info->size(); ++i)
            if (r.integer((*info)[i], "model, tree_info[" + std::to_string(i) + "]") != 0)
                r.fail("model", "tree " + std::to_string(i) + " belongs to output group " +
                                    (*info)[i].dump() + " (one output is supported)");
    }
    model.trees.reserve(trees.size());
    for (std::size_t i = 0; i < trees.size(); ++i) model.trees.push_back(xgb_tree(r, trees[i], i, model.inputs, features));
    try {
        validate(model);
    } catch (const definition_error& e) {
        // What the checks above leave to validate: a tree deeper than max_tree_depth, a bad category list.
        throw definition_error(std::string(name) + ": " + e.what());
    }
    return model;
}

tree_ensemble import_xgboost_file(const file_path& path, const xgboost_import_options& options) {
    return import_xgboost(detail::read_text_file(path), options, path.string());
}

} // namespace leadscore
