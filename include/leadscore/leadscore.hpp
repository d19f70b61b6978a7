#pragma once
// Everything leadscore offers, in one include.

#include "leadscore/version.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/extended_view.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead.hpp"
#include "leadscore/core/lead_attributes.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/names.hpp"
#include "leadscore/core/progress.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/core/time.hpp"

#include "leadscore/io/config.hpp"
#include "leadscore/io/config_section.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/io/policy_registry.hpp"
#include "leadscore/io/routing_csv.hpp"
#include "leadscore/io/xgboost.hpp"

#include "leadscore/sim/generator.hpp"

#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/calibration.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/encoder.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/scoring/trees.hpp"
#include "leadscore/scoring/policy.hpp"

#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/policy.hpp"
#include "leadscore/temperature/timeframe.hpp"
#include "leadscore/temperature/trend.hpp"

#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/qualification/crossings.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/qualification/stage_map.hpp"

#include "leadscore/train/calibration.hpp"
#include "leadscore/train/encoder.hpp"
#include "leadscore/train/fit.hpp"
#include "leadscore/train/frequency.hpp"
#include "leadscore/train/gbt.hpp"
#include "leadscore/train/logistic.hpp"

#include "leadscore/evaluate/cross_validation.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"

#include "leadscore/routing/any_policy.hpp"
#include "leadscore/routing/duplicates.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/rotation.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/state.hpp"
#include "leadscore/routing/weighted.hpp"

#include "leadscore/funnel/attribution.hpp"
#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/forecast.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"

/// Sales-lead scoring and sales-funnel modeling for CRM products: every public name of the library. The layers and
/// their headers are listed on the API reference's main page; the manual is the docs/ folder of the source tree.
namespace leadscore {}
