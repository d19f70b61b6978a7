// Gradient-boosted trees (see include/leadscore/train/gbt.hpp).
//
// The data: every input's value for every training row, read through the policy's own binding (so the model reads
// exactly what it was trained on), cut into at most 255 bins plus one for missing values and stored as one byte per
// row and input, row by row (a row's bytes together: the histogram loop reads them all at once). A tree is grown on
// histograms of gradient and Hessian sums per bin (see booster): the smaller child's histogram is built from its
// rows, the larger one's is its parent's minus the smaller's. A split is kept as the set of bins that go left. The
// margins of training and validation rows move by each new tree's leaf value, added in float in tree order (the sum
// the policy computes): by each leaf's rows, or by walking the tree over bins, which sends every row where the
// thresholds and category sets send its value.
#include "leadscore/train/gbt.hpp"

#include "gbt_bins.hpp"
#include "gbt_booster.hpp"

#include "leadscore/core/batch.hpp"
#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

namespace gbt_fitting {

void check_options(const gbt_inputs& in, const gbt_options& o) {
    const auto non_negative = [](double x, const char* name) {
        if (!(x >= 0) || !std::isfinite(x)) fail(std::string(name) + " must be finite and at least 0 (got " + number(x) + ")");
    };
    const auto positive = [](double x, const char* name) {
        if (!(x > 0) || !std::isfinite(x)) fail(std::string(name) + " must be finite and above 0 (got " + number(x) + ")");
    };
    const auto share = [](double x, const char* name) {
        if (!(x > 0 && x <= 1)) fail(std::string(name) + " must be above 0 and at most 1 (got " + number(x) + ")");
    };
    if (o.trees == 0) fail("trees must be at least 1");
    share(o.learning_rate, "learning_rate");
    if (o.max_depth < 1 || o.max_depth > max_tree_depth)
        fail("max_depth must be 1 to " + std::to_string(max_tree_depth) + " (got " + std::to_string(o.max_depth) + ")");
    if (o.max_leaves == 1) fail("max_leaves must be 0 (no limit) or at least 2 (got 1)");
    non_negative(o.min_child_hessian, "min_child_hessian");
    if (o.min_rows_per_leaf == 0) fail("min_rows_per_leaf must be at least 1");
    non_negative(o.l2, "l2");
    non_negative(o.min_split_gain, "min_split_gain");
    share(o.row_subsample, "row_subsample");
    share(o.column_subsample, "column_subsample");
    positive(o.positive_weight, "positive_weight");
    positive(o.negative_weight, "negative_weight");
    if (!(o.validation_share > 0 && o.validation_share < 1))
        fail("validation_share must be above 0 and below 1 (got " + number(o.validation_share) + ")");
    for (const auto& [name, c] : o.monotone)
        if (c < -1 || c > 1)
            fail("monotone: the constraint on '" + name + "' must be +1, -1 or 0 (got " + std::to_string(c) + ")");
    if (in.min_category_count == 0) fail("min_category_count must be at least 1");
    if (in.max_bins < 2 || in.max_bins > 255)
        fail("max_bins must be 2 to 255 (got " + std::to_string(in.max_bins) + ")");
    if (!(in.event_window_days > 0) || !std::isfinite(in.event_window_days))
        fail("event_window_days must be finite and above 0");
    std::set<std::string> types;
    for (const auto& t : in.event_counts) {
        if (t.empty()) fail("event_counts: an empty event type");
        if (!types.insert(normalize_name(t)).second) fail("event_counts: event type '" + t + "' is listed twice");
    }
}

/// Adds a tree's leaf values to the margins of rows binned row-major (rows × inputs) — the leaf each row reaches
/// by the masks, which is the leaf its value reaches by the tree's thresholds and category sets — then calls
/// then(i) for the row, in the same pass.
template <class Then>
void add_tree(const decision_tree& tree, const std::vector<bin_mask>& masks, const std::uint8_t* bins, std::size_t inputs,
              std::size_t rows, std::vector<float>& margin, unsigned threads, const Then& then) {
    detail::for_each_block(rows, 8192, threads_for(rows, threads), [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            std::size_t n = 0;
            for (;;) {
                const auto& node = tree.nodes[n];
                if (node.input == tree_node::leaf) break;
                n = has(masks[n], bins[i * inputs + static_cast<std::size_t>(node.input)]) ? node.left : node.left + 1;
            }
            margin[i] += tree.nodes[n].value;
            then(i);
        }
    });
}

/// softplus(z) − y·z without overflow.
inline double log_loss(double z, double y) noexcept { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))) - y * z; }

/// Σ c_i · loss(z_i, y_i), in fixed blocks summed in block order.
double weighted_loss(const std::vector<float>& z, const std::vector<std::uint8_t>& y, double c_pos, double c_neg,
                     unsigned threads) {
    constexpr std::size_t block = 8192;
    std::vector<double> part((z.size() + block - 1) / block, 0.0);
    detail::for_each_block(z.size(), block, threads_for(z.size(), threads), [&](std::size_t b, std::size_t e) {
        double s = 0;
        for (std::size_t i = b; i < e; ++i) s += (y[i] ? c_pos : c_neg) * log_loss(z[i], y[i]);
        part[b / block] = s;
    });
    double s = 0;
    for (const double p : part) s += p;
    return s;
}

/// The rows' labels (1 or 0).
std::vector<std::uint8_t> labels_of(const training_set& data, std::span<const std::size_t> rows) {
    std::vector<std::uint8_t> y(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) y[i] = data.labels[rows[i]] == 1 ? 1 : 0;
    return y;
}

/// The rows learned from and the rows watched for early stopping.
struct row_split {
    std::vector<std::size_t> train, valid;
};

/// The validation rows given (checked), or with early stopping a stratified share of the training rows drawn with
/// the seed (both parts keep the rows' order), or none.
row_split rows_to_use(const gbt_trainer& trainer, const training_set& data, std::vector<std::string>& notes) {
    const auto& options = trainer.options;
    row_split out;
    if (!trainer.validation_rows.empty()) {
        std::vector<std::uint8_t> seen(data.view.rows(), 0);
        for (const auto r : data.rows) seen[r] = 1;
        for (const auto r : trainer.validation_rows) {
            if (r >= data.view.rows())
                fail("validation row " + std::to_string(r) + " is past the end of a view of " +
                     std::to_string(data.view.rows()) + " rows");
            if (seen[r] == 1) fail("validation row " + std::to_string(r) + " is also a training row");
            if (seen[r] == 2) fail("validation row " + std::to_string(r) + " is listed twice");
            if (data.labels[r] != 0 && data.labels[r] != 1) fail("validation row " + std::to_string(r) + " is unlabelled");
            seen[r] = 2;
        }
        out.train.assign(data.rows.begin(), data.rows.end());
        out.valid = trainer.validation_rows;
        return out;
    }
    if (options.early_stopping_rounds == 0) {
        out.train.assign(data.rows.begin(), data.rows.end());
        return out;
    }
    std::vector<std::size_t> by_class[2];
    for (std::size_t i = 0; i < data.rows.size(); ++i) by_class[data.labels[data.rows[i]] == 1 ? 1 : 0].push_back(i);
    std::vector<std::uint8_t> held(data.rows.size(), 0);
    auto rng = stream(options.seed, 1);
    for (int c = 0; c < 2; ++c) {
        auto& v = by_class[c];
        if (v.size() < 2)
            fail("early stopping needs at least 2 " + std::string(c ? "positive" : "negative") +
                 " training rows to hold some back for validation (there " + (v.size() == 1 ? "is 1" : "are 0") +
                 "; or give validation rows)");
        const auto take = std::clamp<std::size_t>(
            static_cast<std::size_t>(std::llround(options.validation_share * static_cast<double>(v.size()))), 1,
            v.size() - 1);
        for (std::size_t k = 0; k < take; ++k) {
            const std::size_t pick = k + static_cast<std::size_t>(rng.below(v.size() - k));
            std::swap(v[k], v[pick]);
            held[v[k]] = 1;
        }
    }
    for (std::size_t i = 0; i < data.rows.size(); ++i) (held[i] ? out.valid : out.train).push_back(data.rows[i]);
    notes.push_back("validation: " + std::to_string(out.valid.size()) + " of the " + std::to_string(data.rows.size()) +
                    " training rows held back (a stratified share of " + number(options.validation_share) +
                    ", seed " + std::to_string(options.seed) + ")");
    return out;
}

/// Each monotone constraint names an input the trees read (or one left out for want of values), never a categorical.
void check_monotone(const gbt_options& options, const read_inputs& read) {
    for (const auto& constraint : options.monotone) {
        const std::string& name = constraint.first; // a named variable: Clang 14 lambdas cannot capture a binding
        const int c = constraint.second;
        const auto it = std::find_if(read.inputs.begin(), read.inputs.end(),
                                     [&](const tree_input& in) { return in.name() == name; });
        const bool noted = std::any_of(read.notes.begin(), read.notes.end(), [&](const std::string& s) {
            return s.rfind("field '" + name + "' left out", 0) == 0;
        });
        if (it == read.inputs.end() && !noted)
            fail("monotone: no input '" + name + "' (a field the trees read, or an event count's name)");
        if (it != read.inputs.end() && it->type == tree_input::kind::categorical && c != 0)
            fail("monotone: input '" + name + "' is categorical: its categories have no order to keep");
    }
}

/// What boosting works on: the binned inputs, the rows' bins and labels, the class weights.
struct fit_data {
    binned_set binned;
    std::vector<std::uint8_t> bins, valid_bins, y, yv;
    std::size_t positives = 0;
    double c_pos = 1, c_neg = 1;
};

/// Labels and class weights of the rows learned from; their inputs, read through the policy's binding and binned.
fit_data prepare(const gbt_trainer& trainer, const training_set& data, const row_split& rows,
                 std::vector<std::string>& notes) {
    const auto& options = trainer.options;
    const unsigned threads = options.threads;
    fit_data d;
    const std::size_t n = rows.train.size();
    if (n > std::numeric_limits<std::uint32_t>::max()) fail("more than 2^32 - 1 training rows");
    d.y = labels_of(data, rows.train);
    d.positives = static_cast<std::size_t>(std::count(d.y.begin(), d.y.end(), std::uint8_t{1}));
    const std::size_t negatives = n - d.positives;
    if (d.positives == 0 || negatives == 0)
        fail("the " + std::to_string(n) + " training rows hold no " + (d.positives == 0 ? "positive" : "negative") +
             " label; a model needs both classes");
    d.c_pos = options.positive_weight;
    d.c_neg = options.negative_weight;
    if (options.balanced) {
        d.c_pos = static_cast<double>(n) / (2.0 * static_cast<double>(d.positives));
        d.c_neg = static_cast<double>(n) / (2.0 * static_cast<double>(negatives));
    }
    auto read = inputs_to_read(data, trainer.inputs);
    notes.insert(notes.end(), read.notes.begin(), read.notes.end());
    check_monotone(options, read);
    const std::size_t k = read.inputs.size();
    if (k == 0) fail("no input to learn from (no numeric, categorical or boolean field, and no event count)");
    const tree_ensemble_policy reader(tree_ensemble{read.inputs, {}, 0});
    const auto scorer = reader.bind(data.view, data.as_of);
    const auto values = read_values(scorer, rows.train, k, threads);
    d.binned = bin_inputs(read, values, n, trainer, notes);
    d.bins = bin_rows(d.binned.inputs, d.binned.column, values, n, k, threads);
    if (!rows.valid.empty()) {
        const auto vv = read_values(scorer, rows.valid, k, threads);
        d.valid_bins = bin_rows(d.binned.inputs, d.binned.column, vv, rows.valid.size(), k, threads);
        d.yv = labels_of(data, rows.valid);
    }
    return d;
}

/// Tree t's rows: each with probability row_subsample (all of them at 1), ascending.
std::vector<std::uint32_t> draw_rows(const gbt_options& options, std::size_t t, std::size_t n) {
    std::vector<std::uint32_t> sample;
    if (options.row_subsample >= 1) {
        sample.resize(n);
        std::iota(sample.begin(), sample.end(), std::uint32_t{0});
        return sample;
    }
    auto rng = stream(options.seed, 2, t);
    sample.reserve(static_cast<std::size_t>(static_cast<double>(n) * options.row_subsample) + 16);
    for (std::size_t i = 0; i < n; ++i)
        if (rng.uniform() < options.row_subsample) sample.push_back(static_cast<std::uint32_t>(i));
    return sample;
}

/// Tree t's inputs: ⌊column_subsample · kb⌋ of them (at least 1), ascending.
std::vector<std::size_t> draw_columns(const gbt_options& options, std::size_t t, std::size_t kb) {
    std::vector<std::size_t> columns(kb);
    std::iota(columns.begin(), columns.end(), std::size_t{0});
    const std::size_t take = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::floor(options.column_subsample * static_cast<double>(kb) + 1e-9)));
    if (take >= kb) return columns;
    auto rng = stream(options.seed, 3, t);
    for (std::size_t c = 0; c < take; ++c) std::swap(columns[c], columns[c + static_cast<std::size_t>(rng.below(kb - c))]);
    columns.resize(take);
    std::sort(columns.begin(), columns.end());
    return columns;
}

/// Whether threads share the next tree's work. The model is the same either way; only the time differs, and which
/// way is faster depends on the machine's load: a thread that waits to be scheduled at every step of a tree makes
/// sharing slower than one thread, by ten times and more on a busy machine. So trees are timed, and each tree goes the
/// way of the lower mean time (weighted to the recent trees). The fit opens with five trees, shared and not in turn
/// (the first, which starts the threads, is not counted); after that, a tree tries the other way now and then — after 8 trees, then after twice as many each time the try loses (at most 256). Each shared opening or try
/// first times one empty parallel step: when that alone takes over 100 µs, or a sixteenth of a one-thread tree (a
/// tree holds a dozen steps or more), sharing cannot win, and the trees stay on one thread.
class thread_choice {
public:
    explicit thread_choice(unsigned threads) : threads_(threads) {}

    /// The threads for the next tree.
    [[nodiscard]] unsigned next() {
        if (threads_ == 1) return 1;
        if (trees_ == 0) {
            detail::for_each_block(2, 1, threads_, [](std::size_t, std::size_t) {}); // starts the threads
            opening_ = step_seconds() < 100e-6;
        }
        trying_ = trees_ >= opening_trees && trees_ - last_try_ >= interval_;
        shared_ = trees_ < opening_trees ? opening_ && (trees_ == 0 || trees_ % 2 == 1) // 0 (warm-up), 1, 3
                                         : (count_[1] > 0 && mean_[1] <= mean_[0]) != trying_;
        if (trying_ && shared_ && !(step_seconds() < mean_[0] / 16)) {
            lost_try();
            shared_ = trying_ = false;
        }
        return shared_ ? threads_ : 1;
    }
    /// The time the tree took.
    void record(double seconds) {
        const int way = shared_ ? 1 : 0;
        if (trees_ == 0 && opening_) {
            // the warm-up: not counted
        } else if (trying_) { // the try's time replaces the way's mean: a mean from long ago says little
            mean_[way] = seconds;
            ++count_[way];
            if (mean_[way] < mean_[1 - way]) {
                last_try_ = trees_;
                interval_ = 8;
            } else {
                lost_try();
            }
        } else {
            mean_[way] = count_[way]++ == 0 ? seconds : 0.75 * mean_[way] + 0.25 * seconds;
        }
        ++trees_;
    }

private:
    void lost_try() {
        last_try_ = trees_;
        interval_ = std::min<std::size_t>(2 * interval_, 256);
    }
    /// Seconds an empty parallel step takes.
    [[nodiscard]] double step_seconds() const {
        const auto start = std::chrono::steady_clock::now();
        detail::for_each_block(2, 1, threads_, [](std::size_t, std::size_t) {});
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    static constexpr std::size_t opening_trees = 5;
    unsigned threads_;
    bool opening_ = false, shared_ = false, trying_ = false;
    std::size_t trees_ = 0, last_try_ = 0, interval_ = 8;
    double mean_[2] = {0, 0};         // one thread, shared
    std::size_t count_[2] = {0, 0};   // trees timed each way
};

/// What boosting produced: the trees (cut back to the best with early stopping) and the training margins.
struct boosted {
    tree_ensemble model;
    std::vector<float> z;
    std::size_t grown = 0, best_trees = 0;
    double best_loss = std::numeric_limits<double>::infinity();
    bool stopped = false;
};

/// The boosting loop: one tree at a time on the gradients of the margins so far, the margins of training and
/// validation rows moved by it, early stopping on the validation loss.
boosted boost(const gbt_options& options, const fit_data& d, const progress_callback& progress) {
    const std::size_t n = d.y.size(), nv = d.yv.size(), kb = d.binned.inputs.size();
    unsigned threads = options.threads;
    boosted out;
    for (const auto& b : d.binned.inputs) out.model.inputs.push_back(b.input);
    const auto negatives = static_cast<double>(n - d.positives);
    out.model.base_score = static_cast<float>(std::log(d.c_pos * static_cast<double>(d.positives) / (d.c_neg * negatives)));
    out.z.assign(n, out.model.base_score);
    std::vector<float> zv(nv, out.model.base_score), z_best;
    std::vector<gpair> gp(n);
    std::vector<double> valid_loss(nv);
    double valid_weight = 0;
    for (const auto label : d.yv) valid_weight += label ? d.c_pos : d.c_neg;
    const auto gradient = [&](std::size_t i) { log_loss_gradients(out.z.data(), d.y.data(), d.c_pos, d.c_neg, gp.data(), i, i + 1); };
    const auto watch = [&](std::size_t i) { valid_loss[i] = (d.yv[i] ? d.c_pos : d.c_neg) * log_loss(zv[i], d.yv[i]); };
    const auto gradients = [&] {
        detail::for_each_block(n, 4096, threads_for(n, threads), [&](std::size_t b, std::size_t e) {
            log_loss_gradients(out.z.data(), d.y.data(), d.c_pos, d.c_neg, gp.data(), b, e);
        });
    };
    booster grower(d.binned.inputs, options, d.bins.data(), n);
    gradients();
    thread_choice choice(options.threads);
    for (std::size_t t = 0; t < options.trees; ++t) {
        detail::report_progress(progress, t, options.trees, "gbt fit");
        threads = choice.next();
        grower.use_threads(threads);
        const auto start = std::chrono::steady_clock::now();
        const auto columns = draw_columns(options, t, kb); // the grower reads them while it grows the tree
        out.model.trees.push_back(grower.grow(gp, draw_rows(options, t, n), columns));
        ++out.grown;
        const auto& tree = out.model.trees.back();
        if (options.row_subsample >= 1) { // each leaf's rows are known: no walk down the tree
            grower.add_to_margins(tree, out.z);
            gradients();
        } else {
            add_tree(tree, grower.masks(), d.bins.data(), kb, n, out.z, threads, gradient); // the next tree's
        }
        choice.record(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        if (nv == 0) continue;
        add_tree(tree, grower.masks(), d.valid_bins.data(), kb, nv, zv, threads, watch);
        double loss = 0;
        for (const double l : valid_loss) loss += l;
        loss /= valid_weight;
        if (loss < out.best_loss) {
            out.best_loss = loss;
            out.best_trees = t + 1;
            if (options.early_stopping_rounds > 0) z_best = out.z;
        }
        if (options.early_stopping_rounds > 0 && t + 1 - out.best_trees >= options.early_stopping_rounds) {
            out.stopped = true;
            out.model.trees.resize(out.best_trees);
            out.z = std::move(z_best);
            break;
        }
    }
    // The tree budget ran out within the patience after the best tree: early stopping keeps the best here too.
    if (options.early_stopping_rounds > 0 && !out.stopped && out.best_trees > 0 && out.best_trees < out.grown) {
        out.model.trees.resize(out.best_trees);
        out.z = std::move(z_best);
    }
    return out;
}

fit_result<tree_ensemble_policy> fit_trees(const gbt_trainer& trainer, const training_set& data) {
    const gbt_options& options = trainer.options;
    check_options(trainer.inputs, options);
    check_training_set(data);
    std::vector<std::string> notes;
    const row_split rows = rows_to_use(trainer, data, notes);
    const fit_data d = prepare(trainer, data, rows, notes);
    boosted b = boost(options, d, data.progress);
    detail::report_progress(data.progress, options.trees, options.trees, "gbt fit");

    fit_report report;
    report.converged = true;
    report.iterations = b.grown;
    report.rows = d.y.size();
    report.positives = d.positives;
    const std::string best = "best validation log loss " + number(b.best_loss) + " at tree " + std::to_string(b.best_trees);
    if (b.stopped) report.message = "stopped early at tree " + std::to_string(b.grown) + " (" + best + ")";
    else if (options.early_stopping_rounds > 0 && b.model.trees.size() < b.grown)
        report.message = "grew " + plural(b.grown, "tree", "trees") + ", kept the best " +
                         std::to_string(b.model.trees.size()) + " (" + best + ")";
    else report.message = "grew " + plural(b.grown, "tree", "trees") + (rows.valid.empty() ? "" : " (" + best + ")");
    double penalty = 0;
    std::size_t leaves = 0;
    for (const auto& tree : b.model.trees)
        for (const auto& node : tree.nodes)
            if (node.input == tree_node::leaf) {
                ++leaves;
                penalty += 0.5 * options.min_split_gain + 0.5 * options.l2 * static_cast<double>(node.value) * node.value;
            }
    report.parameters = leaves + 1;
    report.objective = weighted_loss(b.z, d.y, d.c_pos, d.c_neg, options.threads) + penalty;
    report.notes = std::move(notes);
    return {tree_ensemble_policy(std::move(b.model)), std::move(report)};
}

} // namespace gbt_fitting

fit_result<tree_ensemble_policy> gbt_trainer::fit(const training_set& data) const {
    return gbt_fitting::fit_trees(*this, data);
}

// The built-in trainer satisfies its concept: checked once here, not in every file that includes the header.
static_assert(Trainer<gbt_trainer>);

} // namespace leadscore
