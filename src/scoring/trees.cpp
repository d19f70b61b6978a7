#include "leadscore/scoring/trees.hpp"

#include "../core/messages.hpp"
#include "leadscore/core/catalogue.hpp"
#include "leadscore/scoring/encoder.hpp"
#include "leadscore/scoring/logistic.hpp" // detail::logistic_sigmoid
#include "tree_scorer.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace leadscore {

using detail::field_place;

namespace {

std::string tree_number_text(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

bool same_bits(float a, float b) noexcept { return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }

[[noreturn]] void fail_input(std::size_t i, const tree_input& in, const std::string& why) {
    throw definition_error("tree_ensemble: input " + std::to_string(i + 1) + " ('" + in.name() + "'): " + why);
}

[[noreturn]] void fail_node(std::size_t t, std::size_t n, const std::string& why) {
    throw definition_error("tree_ensemble: tree " + std::to_string(t + 1) + ", node " + std::to_string(n) + ": " + why);
}

} // namespace

std::string_view to_string(tree_input::kind k) noexcept {
    switch (k) {
    case tree_input::kind::numeric: return "numeric";
    case tree_input::kind::boolean: return "boolean";
    case tree_input::kind::categorical: return "categorical";
    case tree_input::kind::event_count: return "event_count";
    }
    return "unknown";
}

std::string tree_input::name() const {
    if (type != kind::event_count) return field;
    std::string types;
    for (const auto& t : event_types) types += (types.empty() ? "" : "|") + t;
    if (types.empty()) types = "events";
    return window_days >= unlimited_window_days ? types : types + " in " + tree_number_text(window_days) + " days";
}

bool operator==(const tree_node& a, const tree_node& b) noexcept {
    return a.input == b.input && a.left == b.left && same_bits(a.value, b.value) && a.categories == b.categories &&
           same_bits(a.cover, b.cover) && same_bits(a.gain, b.gain) && a.default_left == b.default_left &&
           a.categorical == b.categorical;
}

bool operator==(const tree_ensemble& a, const tree_ensemble& b) noexcept {
    return a.inputs == b.inputs && a.trees == b.trees && same_bits(a.base_score, b.base_score);
}

void validate(const tree_ensemble& model) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < model.inputs.size(); ++i) {
        const auto& in = model.inputs[i];
        if (in.type == tree_input::kind::event_count) {
            if (!in.field.empty()) fail_input(i, in, "an event count names no field");
            if (!std::isfinite(in.window_days) || in.window_days <= 0)
                fail_input(i, in, "the window must be finite and more than 0 days");
            std::set<std::string> types;
            for (const auto& t : in.event_types) {
                if (t.empty()) fail_input(i, in, "an empty event type");
                if (!types.insert(normalize_name(t)).second) fail_input(i, in, "event type '" + t + "' repeats");
            }
        } else {
            if (in.field.empty()) fail_input(i, in, "no field name");
            if (in.type == tree_input::kind::categorical) {
                if (in.categories.empty()) fail_input(i, in, "a categorical input without categories");
                std::set<std::string_view> seen;
                for (const auto& c : in.categories) {
                    if (c.empty()) fail_input(i, in, "an empty category");
                    if (!seen.insert(c).second) fail_input(i, in, "category '" + c + "' repeats");
                }
            } else if (!in.categories.empty()) {
                fail_input(i, in, "a " + std::string(to_string(in.type)) + " input with categories");
            }
            if (!in.event_types.empty()) fail_input(i, in, "event types on a field input");
        }
        if (!names.insert(in.name()).second) fail_input(i, in, "two inputs of this name");
    }
    if (!std::isfinite(model.base_score)) throw definition_error("tree_ensemble: base_score is not finite");
    for (std::size_t t = 0; t < model.trees.size(); ++t) {
        const auto& tree = model.trees[t];
        const auto& nodes = tree.nodes;
        if (nodes.empty()) throw definition_error("tree_ensemble: tree " + std::to_string(t + 1) + " has no nodes");
        if (nodes.size() > std::numeric_limits<std::uint32_t>::max() / 2)
            throw definition_error("tree_ensemble: tree " + std::to_string(t + 1) + " has too many nodes");
        std::vector<std::uint32_t> depth(nodes.size(), 0);
        std::vector<std::uint8_t> parents(nodes.size(), 0);
        for (std::size_t n = 0; n < nodes.size(); ++n) {
            const auto& node = nodes[n];
            if (n > 0 && parents[n] != 1) fail_node(t, n, parents[n] == 0 ? "no split leads to it" : "two parents");
            if (!std::isfinite(node.cover) || node.cover < 0) fail_node(t, n, "the cover is negative or not finite");
            if (!std::isfinite(node.gain)) fail_node(t, n, "the gain is not finite");
            if (node.input == tree_node::leaf) {
                if (!std::isfinite(node.value)) fail_node(t, n, "the leaf value is not finite");
                if (node.categorical) fail_node(t, n, "a leaf marked categorical");
                continue;
            }
            if (node.input < 0 || static_cast<std::size_t>(node.input) >= model.inputs.size())
                fail_node(t, n, "the split reads input " + std::to_string(node.input) + " of " +
                                    std::to_string(model.inputs.size()));
            const auto& in = model.inputs[static_cast<std::size_t>(node.input)];
            if (node.left <= n || node.left >= nodes.size() - 1)
                fail_node(t, n, "children " + std::to_string(node.left) + " and " + std::to_string(node.left + 1ull) +
                                    " are not after the node within the tree's " + std::to_string(nodes.size()) +
                                    " nodes");
            if (depth[n] + 1 > max_tree_depth)
                fail_node(t, n, "deeper than " + std::to_string(max_tree_depth) + " levels");
            for (std::uint32_t c : {node.left, node.left + 1}) {
                if (parents[c] < 2) ++parents[c];
                depth[c] = depth[n] + 1;
            }
            if (node.categorical) {
                if (in.type != tree_input::kind::categorical)
                    fail_node(t, n, "a category split on " + std::string(to_string(in.type)) + " input '" + in.name() +
                                        "'");
                const auto& bits = tree.category_bits;
                if (node.categories >= bits.size() || bits[node.categories] > bits.size() - node.categories - 1)
                    fail_node(t, n, "the category set runs past the tree's category words");
            } else if (std::isnan(node.value)) {
                fail_node(t, n, "the threshold is NaN");
            }
        }
    }
}

std::size_t leaf_index(const decision_tree& tree, std::span<const float> values) noexcept {
    std::size_t n = 0;
    for (;;) {
        const auto& node = tree.nodes[n];
        if (node.input == tree_node::leaf) return n;
        n = goes_left(tree, node, values[static_cast<std::size_t>(node.input)]) ? node.left : node.left + 1;
    }
}

float predict_margin(const tree_ensemble& model, std::span<const float> values) {
    if (values.size() != model.inputs.size())
        throw definition_error("predict_margin: " + std::to_string(values.size()) + " values for a model of " +
                               std::to_string(model.inputs.size()) + " inputs");
    float m = model.base_score;
    for (const auto& tree : model.trees) m += tree.nodes[leaf_index(tree, values)].value;
    return m;
}

// ---- the policy --------------------------------------------------------------------------------------------------

tree_ensemble_policy::tree_ensemble_policy(tree_ensemble model) {
    validate(model);
    model_ = std::make_shared<const tree_ensemble>(std::move(model));
}

policy_fields tree_ensemble_policy::fields_read() const {
    policy_fields f;
    for (const auto& in : model_->inputs) {
        if (in.type == tree_input::kind::event_count)
            f.events = true;
        else
            f.add(in.field);
    }
    return f;
}

bool operator==(const tree_ensemble_policy& a, const tree_ensemble_policy& b) noexcept {
    return a.model_ == b.model_ || *a.model_ == *b.model_;
}

/// The model's inputs resolved against a view.
struct tree_ensemble_policy::scorer::bound {
    struct column {
        tree_input::kind type{};
        std::string name;                     // the input's name, for errors
        const double* numbers = nullptr;      // numeric
        const std::int8_t* flags = nullptr;   // boolean
        const std::int32_t* codes = nullptr;  // categorical
        std::vector<float> position;          // categorical: per dictionary code, the category's position or NaN
        std::size_t event_spec = 0;           // event_count: the resolved spec in `events`
        double window_days = 0;               // event_count
    };
    std::vector<column> columns;
    std::optional<bound_encoder> events; // the event counts, through the encoder's counting
    // The model laid out for score_batch (tree_scorer.hpp): made by the first batch, so that binding for the
    // one-lead form costs nothing more (laying out 300 trees takes about a millisecond).
    mutable std::once_flag laid_out;
    mutable detail::flat_forest flat;
    const detail::flat_forest& layout(const tree_ensemble& model) const {
        std::call_once(laid_out, [&] { flat = detail::flatten(model); });
        return flat;
    }
};

tree_ensemble_policy::scorer::scorer(std::shared_ptr<const tree_ensemble> m, std::shared_ptr<const bound> b,
                                     std::size_t rows)
    : model_(std::move(m)), bound_(std::move(b)), rows_(rows) {}

tree_ensemble_policy::scorer tree_ensemble_policy::bind(const table_view& view, timestamp as_of) const {
    auto b = std::make_shared<scorer::bound>();
    const auto& fields = view.table_schema();
    std::vector<feature_spec> event_specs;
    for (std::size_t i = 0; i < model_->inputs.size(); ++i) {
        const auto& in = model_->inputs[i];
        scorer::bound::column c;
        c.type = in.type;
        c.name = in.name();
        if (in.type == tree_input::kind::event_count) {
            if (!view.has_events())
                fail_input(i, in, "the table carries no engagement events");
            c.event_spec = event_specs.size();
            c.window_days = in.window_days;
            event_specs.emplace_back(frequency_feature{in.event_types, in.window_days, false, 0, 1});
            b->columns.push_back(std::move(c));
            continue;
        }
        static constexpr field_type wanted[] = {field_type::numeric, field_type::boolean, field_type::categorical};
        const auto w = wanted[static_cast<int>(in.type)];
        const auto col = fields.find(in.field);
        if (!col) fail_input(i, in, "no field '" + in.field + "' in the table");
        if (fields[*col].type != w)
            fail_input(i, in, "field '" + in.field + "' is " + std::string(to_string(fields[*col].type)) + ", the model reads it as " +
                                  std::string(to_string(w)));
        switch (in.type) {
        case tree_input::kind::numeric: c.numbers = view.numeric(*col).data(); break;
        case tree_input::kind::boolean: c.flags = view.booleans(*col).data(); break;
        default: {
            c.codes = view.codes(*col).data();
            const auto& dict = view.dict(*col);
            c.position.assign(dict.size(), std::numeric_limits<float>::quiet_NaN());
            for (std::size_t k = 0; k < in.categories.size(); ++k)
                if (const auto code = dict.find(in.categories[k]))
                    c.position[static_cast<std::size_t>(*code)] = static_cast<float>(k);
        }
        }
        b->columns.push_back(std::move(c));
    }
    if (!event_specs.empty()) b->events = feature_encoder(std::move(event_specs)).bind(view, as_of);
    return scorer(model_, std::move(b), view.rows());
}

void tree_ensemble_policy::scorer::values(std::size_t first, std::size_t count, std::span<float> out) const {
    const std::size_t k = bound_->columns.size();
    if (first > rows_ || count > rows_ - first)
        throw definition_error("tree_ensemble_policy: rows " + std::to_string(first) + " to " +
                               std::to_string(first + count) + " of a view of " + std::to_string(rows_) + " rows");
    if (out.size() != count * k)
        throw definition_error("tree_ensemble_policy: an output of " + std::to_string(out.size()) + " values for " +
                               std::to_string(count) + " rows of " + std::to_string(k) + " inputs");
    constexpr float nan = std::numeric_limits<float>::quiet_NaN();
    for (std::size_t j = 0; j < k; ++j) {
        const auto& c = bound_->columns[j];
        float* o = out.data() + j;
        switch (c.type) {
        case tree_input::kind::numeric:
            for (std::size_t r = 0; r < count; ++r) o[r * k] = static_cast<float>(c.numbers[first + r]);
            break;
        case tree_input::kind::boolean:
            for (std::size_t r = 0; r < count; ++r) {
                const std::int8_t f = c.flags[first + r];
                if (f != 0 && f != 1 && f != missing_flag)
                    throw input_error(field_place(c.name), "row " + std::to_string(first + r) + ": boolean value " +
                                                               std::to_string(int{f}) + " is not 0, 1 or missing");
                o[r * k] = f == missing_flag ? nan : static_cast<float>(f);
            }
            break;
        case tree_input::kind::categorical:
            for (std::size_t r = 0; r < count; ++r) {
                const std::int32_t code = c.codes[first + r];
                if (code == missing_code) {
                    o[r * k] = nan;
                } else if (code < 0 || static_cast<std::size_t>(code) >= c.position.size()) {
                    throw input_error(field_place(c.name), "row " + std::to_string(first + r) + ": code " +
                                                               std::to_string(code) +
                                                               " is outside the field's dictionary of " +
                                                               std::to_string(c.position.size()) + " entries");
                } else {
                    o[r * k] = c.position[static_cast<std::size_t>(code)];
                }
            }
            break;
        case tree_input::kind::event_count: {
            const auto& spec = bound_->events->resolved()[c.event_spec];
            for (std::size_t r = 0; r < count; ++r)
                o[r * k] = static_cast<float>(bound_->events->count_within(spec, first + r, c.window_days));
            break;
        }
        }
    }
}

double tree_ensemble_policy::scorer::margin(std::size_t row) const {
    if (row >= rows_)
        throw definition_error("tree_ensemble_policy: row " + std::to_string(row) + " of a view of " +
                               std::to_string(rows_) + " rows");
    std::vector<float> x(model_->inputs.size());
    values(row, 1, x);
    return predict_margin(*model_, x);
}

double tree_ensemble_policy::scorer::score(std::size_t row) const {
    double p = margin(row);
    detail::logistic_sigmoid(std::span<double>(&p, 1));
    return p;
}

void tree_ensemble_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    // Blocks of rows read once into floats, then walked through the padded trees together (tree_scorer.hpp).
    const std::size_t k = model_->inputs.size();
    const std::size_t block = std::min(out.size(), detail::tree_score_rows);
    std::vector<float> x(block * k);
    const auto& flat = bound_->layout(*model_);
    const bool sliced = detail::sliced_kernel_available();
    std::vector<std::uint64_t> bits(sliced ? 0 : block * k);
    std::vector<float> m(block);
    detail::sliced_scratch scratch(sliced ? k : 0);
    for (std::size_t done = 0; done < out.size(); done += block) {
        const std::size_t n = std::min(block, out.size() - done);
        values(first + done, n, std::span<float>(x.data(), n * k));
        if (sliced)
            detail::block_margins_sliced(flat, *model_, x.data(), n, scratch, m.data());
        else
            detail::block_margins(flat, *model_, x.data(), n, bits.data(), m.data());
        for (std::size_t r = 0; r < n; ++r) out[done + r] = m[r];
    }
    detail::logistic_sigmoid(out);
}

explanation tree_ensemble_policy::scorer::explain(std::size_t row) const {
    std::vector<double> phi(model_->inputs.size() + 1);
    contributions(row, phi);
    explanation e;
    e.unit = "log-odds";
    e.additive = true;
    e.score = score(row);
    e.total = margin(row);
    double inputs_sum = 0;
    for (std::size_t j = 0; j < model_->inputs.size(); ++j) {
        inputs_sum += phi[j];
        if (phi[j] != 0) e.factors.push_back({model_->inputs[j].name(), phi[j]});
    }
    // The margin is summed in float, the contributions in double: the bias takes up that rounding (bounded in
    // predict_contributions) so that the factors add up to the total.
    e.factors.push_back({"bias", e.total - inputs_sum});
    order_factors(e.factors);
    return e;
}

} // namespace leadscore

namespace leadscore {

std::vector<input_importance> importance(const tree_ensemble& model) {
    std::vector<input_importance> out(model.inputs.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i].input = model.inputs[i].name();
    for (const auto& tree : model.trees)
        for (const auto& node : tree.nodes) {
            if (node.input == tree_node::leaf) continue;
            auto& e = out[static_cast<std::size_t>(node.input)];
            e.gain += node.gain;
            e.cover += node.cover;
            ++e.splits;
        }
    return out;
}

} // namespace leadscore
