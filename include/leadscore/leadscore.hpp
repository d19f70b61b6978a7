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
