#pragma once
// Everything leadscore offers, in one include.

#include "leadscore/version.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/core/time.hpp"

#include "leadscore/io/csv.hpp"

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
#include "leadscore/scoring/policy.hpp"

#include "leadscore/funnel/attribution.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/forecast.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"
