// The library's exceptions as Python exceptions with the same messages.

#include "bindings.hpp"

#include <leadscore/core/error.hpp>
#include <leadscore/core/progress.hpp>

#include <exception>
#include <new>

namespace py = pybind11;

namespace leadscore::python {
namespace {

// A new exception class of the module with several bases (pybind11's py::exception takes one).
py::object new_exception(py::module_& m, const char* name, const char* doc, py::tuple bases) {
    const std::string qualified = std::string("leadscore.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (type == nullptr) throw py::error_already_set();
    auto cls = py::reinterpret_steal<py::object>(type);
    m.attr(name) = cls;
    return cls;
}

} // namespace

void bind_errors(py::module_& m) {
    // Held for the life of the interpreter: the translator below raises them.
    static py::object base = new_exception(m, "Error", "Base of every exception leadscore raises.",
                                           py::make_tuple(py::handle(PyExc_Exception)));
    static py::object input = new_exception(
        m, "InputError", "Malformed input (a cell, a column, an archive); the message starts with the place.",
        py::make_tuple(base, py::handle(PyExc_ValueError)));
    static py::object definition = new_exception(
        m, "DefinitionError", "A definition the library cannot accept (a funnel without a won stage, a bad schema).",
        py::make_tuple(base, py::handle(PyExc_ValueError)));

    static py::object cancelled = new_exception(
        m, "CancelledError", "Work stopped by its progress callback (which returned False).", py::make_tuple(base));

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const leadscore::cancelled_error& e) {
            PyErr_SetString(cancelled.ptr(), e.what());
        } catch (const leadscore::input_error& e) {
            PyErr_SetString(input.ptr(), e.what());
        } catch (const leadscore::definition_error& e) {
            PyErr_SetString(definition.ptr(), e.what());
        } catch (const leadscore::error& e) {
            PyErr_SetString(base.ptr(), e.what());
        }
    });
}

} // namespace leadscore::python
