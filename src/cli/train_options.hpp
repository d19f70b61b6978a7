#pragma once
// The options of `leadscore train`: what the command line gives, and the option groups of the trainers' settings.

#include "database.hpp"
#include "json.hpp"
#include "model_data.hpp"

#include "leadscore/train/gbt.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace leadscore::cli {

/// What `leadscore train` was given.
struct train_options {
    data_options data;
    std::string target;
    std::string positive;
    std::vector<std::string> negative;
    std::vector<std::string> exclude;
    std::string kind = "logistic";
    std::size_t cv = 0;                  ///< --cv: folds of the cross-validation reported before the fit (0: none)
    std::string out;
    gbt_trainer gbt;                     ///< --model gbt: its options, as given
    std::vector<std::string> monotone;   ///< FIELD=+1 or FIELD=-1
    std::vector<CLI::Option*> gbt_flags; ///< the options that apply to gbt alone
    // The options logistic and gbt share (each kind's own default unless given), and logistic's own.
    double l2 = 1.0;
    double l1 = 0.0;
    double positive_weight = 1.0;
    double negative_weight = 1.0;
    bool balanced = false;
    std::size_t min_category_count = 0;  ///< 0: each kind's default (logistic 1, gbt 10)
    std::string numeric;                 ///< --numeric (logistic): standardize, bins, both; empty: standardize
    std::size_t bins = 10;               ///< --bins (logistic): quantile bins per numeric column
    std::vector<std::string> event_counts; ///< --event-counts: event types counted per lead, one feature each
    double event_window_days = 36500;      ///< --event-window: the age in days of the oldest event counted
    bool event_log1p = false;              ///< --event-log1p (logistic): log(1 + count) instead of the count
    double validation_share = 0;         ///< --validation-share: rows held back and measured (0: none)
    std::uint64_t seed = 0;              ///< --seed: gbt's subsampling and the held-back rows
    std::vector<CLI::Option*> logistic_flags; ///< the options that apply to logistic alone
    std::vector<CLI::Option*> shared_flags;   ///< the options of logistic and gbt (not naive-bayes)
    CLI::Option* bins_option = nullptr;
    CLI::Option* validation_flag = nullptr;
    db_options db;                       ///< --db with --table or --query instead of --data
    output_format format = output_format::text; ///< --format: the fit report as text or one JSON document
};

/// Adds the options of gbt_trainer (leadscore/train/gbt.hpp) with their defaults, in a group of their own; each is
/// remembered in opts.gbt_flags, so that giving it with a kind that does not grow trees is an error.
void add_gbt_options(CLI::App& app, train_options& opts);

/// Adds the options logistic and gbt share (penalty, class weights, minimum category count, event counts and their
/// window) and logistic's own (L1, numeric encoding, bins, log of event counts), remembered in o.shared_flags and
/// o.logistic_flags.
void add_fit_options(CLI::App& app, train_options& o);

/// The CSV options of --data (to_csv_options), with the --events-id column read as exact text.
[[nodiscard]] csv_options train_csv_options(const train_options& o);

} // namespace leadscore::cli
