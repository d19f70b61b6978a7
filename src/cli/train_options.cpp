// The option groups of `leadscore train` (see train_options.hpp).

#include "train_options.hpp"
#include "commands.hpp"

#include <limits>

namespace leadscore::cli {

void add_gbt_options(CLI::App& app, train_options& opts) {
    auto& g = opts.gbt;
    const char* group = "Gradient-boosted trees (--model gbt)";
    const auto flag = [&](CLI::Option* o) {
        o->group(group);
        opts.gbt_flags.push_back(o);
        return o;
    };
    flag(app.add_option("--trees", g.options.trees, "Trees grown at most")->check(CLI::Range(1, 1000000)))
        ->capture_default_str();
    flag(app.add_option("--learning-rate", g.options.learning_rate, "Each tree's leaf values are scaled by it (0 to 1]")
             ->check(CLI::Range(0.0, 1.0)))
        ->capture_default_str();
    flag(app.add_option("--max-depth", g.options.max_depth, "Levels below a tree's root (1 to 64)")
             ->check(CLI::Range(1, 64)))
        ->capture_default_str();
    flag(app.add_option("--max-leaves", g.options.max_leaves,
                         "Leaves a tree may have, the split of largest gain first (0: no limit)")
             ->check(whole_number()))
        ->capture_default_str();
    flag(app.add_option("--min-child-hessian", g.options.min_child_hessian,
                         "The least Hessian sum of a child (XGBoost's min_child_weight)")
             ->check(CLI::NonNegativeNumber))
        ->capture_default_str();
    flag(app.add_option("--subsample", g.options.row_subsample, "Share of rows each tree learns from (0 to 1]")
             ->check(CLI::Range(0.0, 1.0)))
        ->capture_default_str();
    flag(app.add_option("--colsample", g.options.column_subsample, "Share of columns each tree may split on (0 to 1]")
             ->check(CLI::Range(0.0, 1.0)))
        ->capture_default_str();
    flag(app.add_option("--monotone", opts.monotone,
                         "FIELD=+1: the score never falls as FIELD grows; FIELD=-1: never rises (numeric and "
                         "true/false columns; repeat or comma-separate)")
             ->delimiter(',')
             ->allow_extra_args(false));
    flag(app.add_option("--early-stopping", g.options.early_stopping_rounds,
                         "Stop after this many trees without a better validation log loss, keeping the best (0: off)")
             ->check(whole_number()))
        ->capture_default_str();
    flag(app.add_option("--max-bins", g.inputs.max_bins, "Quantile bins per numeric column (2 to 255)")
             ->check(CLI::Range(2, 255)))
        ->capture_default_str();
    flag(app.add_option("--min-rows-per-leaf", g.options.min_rows_per_leaf, "The fewest training rows a child may have")
             ->check(CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max())))
        ->capture_default_str();
    flag(app.add_option("--min-split-gain", g.options.min_split_gain,
                        "The least loss reduction a split must bring (XGBoost's gamma)")
             ->check(CLI::NonNegativeNumber))
        ->capture_default_str();
}

namespace {
/// --event-counts, --event-window (logistic and gbt) and --event-log1p (logistic): features from the leads' events.
void add_event_feature_options(CLI::App& app, train_options& o) {
    const char* group = "Engagement events (with --events or --events-query)";
    const auto flag = [&](CLI::Option* opt, std::vector<CLI::Option*>& flags) {
        opt->group(group);
        flags.push_back(opt);
        return opt;
    };
    flag(app.add_option("--event-counts", o.event_counts,
                        "Event types whose per-lead counts are features, one each (comma-separated or repeated; "
                        "logistic and gbt)")
             ->type_name("TYPE,...")
             ->delimiter(',')
             ->allow_extra_args(false),
         o.shared_flags);
    flag(app.add_option("--event-window", o.event_window_days,
                        "Count only events at most this many days old (logistic and gbt)")
             ->type_name("DAYS")
             ->check(CLI::PositiveNumber),
         o.shared_flags)
        ->capture_default_str();
    flag(app.add_flag("--event-log1p", o.event_log1p, "Standardize log(1 + count) instead of the count (logistic)"),
         o.logistic_flags);
}
} // namespace

void add_fit_options(CLI::App& app, train_options& o) {
    const char* group = "Penalties, weights and encoding (--model logistic, gbt, auto)";
    const auto shared = [&](CLI::Option* opt) {
        opt->group(group);
        o.shared_flags.push_back(opt);
        return opt;
    };
    const auto logistic = [&](CLI::Option* opt) {
        opt->group(group);
        o.logistic_flags.push_back(opt);
        return opt;
    };
    shared(app.add_option("--l2", o.l2, "L2 penalty: on the weights (logistic, 1/C of scikit-learn), on leaf values (gbt)")
               ->check(CLI::NonNegativeNumber))
        ->capture_default_str();
    logistic(app.add_option("--l1", o.l1, "L1 penalty on the weights (logistic); with --l2, an elastic net")
                 ->check(CLI::NonNegativeNumber))
        ->capture_default_str();
    shared(app.add_option("--positive-weight", o.positive_weight, "Weight of a row labelled positive")
               ->check(CLI::PositiveNumber))
        ->capture_default_str();
    shared(app.add_option("--negative-weight", o.negative_weight, "Weight of a row labelled negative")
               ->check(CLI::PositiveNumber))
        ->capture_default_str();
    shared(app.add_flag("--balanced", o.balanced,
                        "Weigh each class half (n / (2 · rows of the class)), instead of the two weights"));
    shared(app.add_option("--min-category-count", o.min_category_count,
                          "Categories seen in fewer rows get no feature of their own (logistic, default 1) or are "
                          "pooled into one bin (gbt, default 10)")
               ->check(CLI::Range(1, 1000000000)));
    logistic(app.add_option("--numeric", o.numeric,
                            "How numeric columns become features (logistic): standardize (one linear feature), bins "
                            "(one-hot quantile bins) or both")
                 ->check(CLI::IsMember({"standardize", "bins", "both"})));
    o.bins_option = logistic(app.add_option("--bins", o.bins,
                                            "Quantile bins per numeric column (logistic; alone it sets --numeric bins)")
                                 ->check(CLI::Range(2, 1000)))
                        ->capture_default_str();
    add_event_feature_options(app, o);
}

csv_options train_csv_options(const train_options& o) {
    csv_options copts = to_csv_options(o.data);
    std::vector<field> no_fields;
    add_events_id_column(o.data.events, nullptr, no_fields, copts.text_columns);
    return copts;
}

} // namespace leadscore::cli
