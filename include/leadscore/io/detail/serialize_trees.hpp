#pragma once
// Archive descriptions of gradient-boosted tree models and their policy (scoring/trees.hpp). Internal: users include
// leadscore/io/serialize_scoring.hpp.
//
// A tree's nodes are archived as columns (one chunked array per node member, the two flags in one byte, the category
// words last), not one record per node: a 300-tree model of depth 6 takes about 1 MB in a binary archive (25 bytes
// a node, plus the category words), and a huge
// declared node count fails at the end of the data without a huge allocation. Floats are held exactly: as their
// 32-bit patterns in text and binary archives, as shortest round-trip decimals (of the float widened to double) in
// XML, so people can read thresholds and leaf values. A loaded tree_ensemble is validated (validate), a loaded
// tree_ensemble_policy rebuilt through its constructor.

#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/scoring/trees.hpp"

#include <boost/serialization/version.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

BOOST_CLASS_VERSION(leadscore::tree_input, 1)
BOOST_CLASS_VERSION(leadscore::decision_tree, 1)
BOOST_CLASS_VERSION(leadscore::tree_ensemble, 1)
BOOST_CLASS_VERSION(leadscore::tree_ensemble_policy, 1)

namespace leadscore::detail::archive {

template <>
struct enum_range<tree_input::kind> {
    static constexpr auto last = tree_input::kind::event_count;
};

/// A float read from a double of an XML archive: exact for what float_column wrote; another decimal rounds to the
/// nearest float, and one beyond the float range becomes an infinity (which validate then refuses where it must).
inline float narrow_to_float(double d) noexcept {
    if (std::isnan(d)) return std::numeric_limits<float>::quiet_NaN();
    if (d > static_cast<double>(std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
    if (d < -static_cast<double>(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(d);
}

/// Floats as one chunked array: bit patterns (uint32) in text and binary archives, doubles in XML.
template <class L> // std::vector<float>, const when saving
struct float_column {
    L& values;
    template <class V>
    void visit(V& v, const char* name) {
        if (format_of(v.archive()) == archive_format::xml) {
            std::vector<double> d;
            if constexpr (V::loading) {
                load_array(v.archive(), name, d);
                values.resize(d.size());
                for (std::size_t i = 0; i < d.size(); ++i) values[i] = narrow_to_float(d[i]);
            } else {
                d.assign(values.begin(), values.end());
                save_array(v.archive(), name, d);
            }
        } else {
            std::vector<std::uint32_t> bits;
            if constexpr (V::loading) {
                load_array(v.archive(), name, bits);
                values.resize(bits.size());
                for (std::size_t i = 0; i < bits.size(); ++i) values[i] = std::bit_cast<float>(bits[i]);
            } else {
                bits.resize(values.size());
                for (std::size_t i = 0; i < values.size(); ++i) bits[i] = std::bit_cast<std::uint32_t>(values[i]);
                save_array(v.archive(), name, bits);
            }
        }
    }
};

template <class L>
float_column(L&) -> float_column<L>;

/// One float, exact in every format (a double holds every float).
template <class F> // float, const when saving
struct float_field {
    F& value;
    template <class V>
    void visit(V& v, const char* name) {
        double d = value;
        v.number(name, d);
        if constexpr (V::loading) value = narrow_to_float(d);
    }
};
template <class F>
float_field(F&) -> float_field<F>;

template <>
struct description<tree_input> {
    static constexpr const char* name = "tree_input";
    static void fields(auto& v, auto& in) {
        v("kind", in.type);
        v("field", in.field);
        v("category", in.categories);
        v("event_type", in.event_types);
        v("window_days", in.window_days);
    }
};

/// Nodes as columns (see the top of this file); every column must have one entry per node.
template <>
struct description<decision_tree> {
    static constexpr const char* name = "decision_tree";
    static void fields(auto& v, auto& t) {
        std::vector<std::int32_t> input;
        std::vector<std::uint32_t> left;
        std::vector<float> value;
        std::vector<std::uint32_t> categories;
        std::vector<float> cover;
        std::vector<float> gain;
        std::vector<std::uint8_t> flags; // 1: default_left, 2: categorical
        using V = std::remove_cvref_t<decltype(v)>;
        if constexpr (!V::loading) {
            const auto n = t.nodes.size();
            input.reserve(n), left.reserve(n), value.reserve(n), categories.reserve(n), cover.reserve(n),
                gain.reserve(n), flags.reserve(n);
            for (const auto& node : t.nodes) {
                input.push_back(node.input);
                left.push_back(node.left);
                value.push_back(node.value);
                categories.push_back(node.categories);
                cover.push_back(node.cover);
                gain.push_back(node.gain);
                flags.push_back(static_cast<std::uint8_t>((node.default_left ? 1 : 0) | (node.categorical ? 2 : 0)));
            }
        }
        v("input", input);
        v("left", left);
        v("value", float_column{value});
        v("categories", categories);
        v("cover", float_column{cover});
        v("gain", float_column{gain});
        v("flags", flags);
        v("category_bits", t.category_bits);
        if constexpr (V::loading) {
            const auto n = input.size();
            for (const auto s : {left.size(), value.size(), categories.size(), cover.size(), gain.size(),
                                 flags.size()})
                if (s != n)
                    fail("decision_tree: node columns of different lengths (" + std::to_string(n) + " and " +
                         std::to_string(s) + ")");
            t.nodes.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                if (flags[i] > 3)
                    fail("decision_tree: node " + std::to_string(i) + ": flags " + std::to_string(flags[i]) +
                         " (1: missing values go left, 2: a category split)");
                auto& node = t.nodes[i];
                node.input = input[i];
                node.left = left[i];
                node.value = value[i];
                node.categories = categories[i];
                node.cover = cover[i];
                node.gain = gain[i];
                node.default_left = (flags[i] & 1) != 0;
                node.categorical = (flags[i] & 2) != 0;
            }
        }
    }
};

/// Checked by validate (its messages name the tree and node).
template <>
struct description<tree_ensemble> {
    static constexpr const char* name = "tree_ensemble";
    static constexpr bool refusals_named = true;
    static void fields(auto& v, auto& m) {
        v("input", m.inputs);
        v("tree", m.trees);
        v("base_score", float_field{m.base_score});
    }
    static void check(const tree_ensemble& m) { validate(m); }
};

template <>
struct description<tree_ensemble_policy> {
    static constexpr const char* name = "tree_ensemble_policy";
    static auto parts(const tree_ensemble_policy& p) { return part_list(p.model()); }
    static void fields(auto& v, auto& model) { v("model", model); }
    static tree_ensemble_policy make(tree_ensemble model) { return tree_ensemble_policy(std::move(model)); }
};

} // namespace leadscore::detail::archive
