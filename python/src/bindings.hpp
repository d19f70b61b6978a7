#pragma once
// The parts of the extension module leadscore._leadscore; module.cpp calls each once.

#include <pybind11/pybind11.h>

namespace leadscore::python {

/// leadscore.Error, InputError (also a ValueError) and DefinitionError (also a ValueError), and the translation of the
/// library's exceptions to them: same message, never a crash.
void bind_errors(pybind11::module_& m);

} // namespace leadscore::python
