#pragma once
// Seeded random tree ensembles for the tests of tree_ensemble_policy: random shapes (complete or ragged, depths up to
// a limit), numeric and category splits (category sets sometimes shorter than the category list), either default
// direction. Models only: the expected values of the tests come from hand derivations or predict_margin.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/scoring/trees.hpp"

#include <cstdint>
#include <deque>
#include <random>
#include <utility>
#include <vector>

namespace leadscore_test {

struct random_trees {
    std::size_t trees = 20;
    std::size_t max_depth = 6;
    bool complete = false;   ///< every leaf at max_depth; otherwise each tree's depth is random in [0, max_depth]
    double early_leaf = 0.2; ///< the chance that a node above a ragged tree's depth is a leaf
    std::uint64_t seed = 1;
};

/// A valid ensemble over `inputs` (at least one unless every tree is a single leaf).
inline leadscore::tree_ensemble random_ensemble(std::vector<leadscore::tree_input> inputs, const random_trees& o) {
    using namespace leadscore;
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<float> g(0.0f, 0.3f);
    tree_ensemble m;
    m.inputs = std::move(inputs);
    m.base_score = g(rng);
    for (std::size_t t = 0; t < o.trees; ++t) {
        decision_tree tree;
        const std::size_t depth = o.complete ? o.max_depth : static_cast<std::size_t>(u(rng) * (o.max_depth + 1));
        std::deque<std::pair<std::uint32_t, std::size_t>> open{{0u, 0}}; // (node, level), breadth first
        tree.nodes.emplace_back();
        while (!open.empty()) {
            const auto [n, level] = open.front();
            open.pop_front();
            tree_node node;
            node.cover = static_cast<float>(1 + 100 * u(rng));
            const bool leaf = m.inputs.empty() || level >= depth || (!o.complete && level > 0 && u(rng) < o.early_leaf);
            if (leaf) {
                node.value = g(rng);
                tree.nodes[n] = node;
                continue;
            }
            const auto i = static_cast<std::size_t>(u(rng) * static_cast<double>(m.inputs.size()));
            const auto& in = m.inputs[i];
            node.input = static_cast<std::int32_t>(i);
            node.default_left = u(rng) < 0.5;
            node.gain = static_cast<float>(10 * u(rng));
            if (in.type == tree_input::kind::categorical && u(rng) < 0.7) {
                node.categorical = true;
                node.categories = static_cast<std::uint32_t>(tree.category_bits.size());
                const std::size_t full = (in.categories.size() + 31) / 32;
                const std::size_t words = u(rng) < 0.2 ? 1 + static_cast<std::size_t>(u(rng) * full) : full;
                tree.category_bits.push_back(static_cast<std::uint32_t>(words));
                for (std::size_t w = 0; w < words; ++w) tree.category_bits.push_back(static_cast<std::uint32_t>(rng()));
            } else {
                switch (in.type) {
                case tree_input::kind::numeric: node.value = static_cast<float>(100 * u(rng) - 10); break;
                case tree_input::kind::boolean: node.value = 0.5f; break;
                case tree_input::kind::categorical:
                    node.value = static_cast<float>(u(rng) * static_cast<double>(in.categories.size()));
                    break;
                case tree_input::kind::event_count: node.value = static_cast<float>(0.5 + static_cast<int>(u(rng) * 4)); break;
                }
            }
            node.left = static_cast<std::uint32_t>(tree.nodes.size());
            tree.nodes.resize(tree.nodes.size() + 2);
            tree.nodes[n] = node;
            open.emplace_back(node.left, level + 1);
            open.emplace_back(node.left + 1, level + 1);
        }
        m.trees.push_back(std::move(tree));
    }
    return m;
}

/// A categorical input of `n` categories named prefix0, prefix1, ….
inline leadscore::tree_input categorical_input(std::string field, std::size_t n, const std::string& prefix) {
    leadscore::tree_input in;
    in.type = leadscore::tree_input::kind::categorical;
    in.field = std::move(field);
    for (std::size_t k = 0; k < n; ++k) in.categories.push_back(prefix + std::to_string(k));
    return in;
}

/// A random policy over the generated CRM's fields (leadscore/sim/generator.hpp): employees, industry and country
/// (their dictionaries' texts in reverse order, plus one the data lacks), newsletter, and clicked emails in 30 days.
inline leadscore::tree_ensemble_policy crm_trees(const leadscore::table_view& view, std::uint64_t seed) {
    using namespace leadscore;
    const auto texts = [&](const char* field) {
        tree_input in;
        in.type = tree_input::kind::categorical;
        in.field = field;
        const auto& d = view.dict(view.table_schema().at(field));
        for (auto k = static_cast<std::int32_t>(d.size()); k-- > 0;) in.categories.emplace_back(d[k]);
        in.categories.emplace_back("(not in the data)");
        return in;
    };
    tree_input employees;
    employees.field = "employees";
    tree_input newsletter;
    newsletter.type = tree_input::kind::boolean;
    newsletter.field = "newsletter";
    tree_input clicked;
    clicked.type = tree_input::kind::event_count;
    clicked.event_types = {"email_clicked"};
    clicked.window_days = 30;
    tree_ensemble m = random_ensemble({employees, texts("industry"), texts("country"), newsletter, clicked},
                                      {.trees = 30, .max_depth = 6, .seed = seed});
    // Employee thresholds where the generated counts lie (tens to thousands).
    for (auto& t : m.trees)
        for (auto& n : t.nodes)
            if (n.input == 0) n.value = n.value * n.value;
    return tree_ensemble_policy(std::move(m));
}

} // namespace leadscore_test
