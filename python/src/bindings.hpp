#pragma once
// The parts of the extension module leadscore._leadscore; module.cpp calls each once.

#include <pybind11/pybind11.h>

namespace leadscore::python {

/// leadscore.Error, InputError (also a ValueError), DefinitionError (also a ValueError) and CancelledError, and the
/// translation of the library's exceptions to them: same message, never a crash.
void bind_errors(pybind11::module_& m);

/// leadscore._leadscore._Table: numpy arrays bound as a table view (table.cpp).
void bind_table(pybind11::module_& m);

/// leadscore._leadscore._Model and _fit: model files, scoring, explanations, temperatures and fits (models.cpp).
void bind_models(pybind11::module_& m);

/// leadscore._leadscore._Config: a configuration's scoring, temperature and qualification policies (policies.cpp).
void bind_policies(pybind11::module_& m);

/// Funnels, stage histories and the funnel accumulators (leadscore/funnel.py builds on them).
void bind_funnel(pybind11::module_& m);

/// The engine's side of leadscore.dask.fit_logistic: partition statistics and sums, the client's Newton driver.
void bind_dask_logistic(pybind11::module_& m);

} // namespace leadscore::python
