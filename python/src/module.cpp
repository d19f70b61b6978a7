// The extension module leadscore._leadscore. The package's __init__.py re-exports its names.

#include "bindings.hpp"

#include <leadscore/version.hpp>

PYBIND11_MODULE(_leadscore, m) {
    m.doc() = "leadscore's C++ engine (import the package `leadscore`, not this module)";
    m.attr("__version__") = leadscore::version_string;
    leadscore::python::bind_errors(m);
    leadscore::python::bind_table(m);
    leadscore::python::bind_models(m);
    leadscore::python::bind_policies(m);
    leadscore::python::bind_funnel(m);
    leadscore::python::bind_dask_logistic(m);
}
