#pragma once
// The trainers' options from a Python dict of parameters (models.cpp), for the fits outside models.cpp.

#include <leadscore/train/logistic.hpp>

#include <pybind11/pybind11.h>

namespace leadscore::python {

/// A logistic_trainer from parameters under the C++ option names (as leadscore.fit_model takes them). Throws
/// definition_error for an unknown parameter or value, input_error naming a parameter of the wrong type.
[[nodiscard]] logistic_trainer logistic_trainer_from(pybind11::dict params);

} // namespace leadscore::python
