"""leadscore: sales-lead scoring and sales-funnel modeling.

The C++ library is the engine and the single source of behaviour; this package binds it (pybind11). See docs/python.md.
"""

from ._leadscore import (  # noqa: F401  (re-exported)
    __version__,
    DefinitionError,
    Error,
    InputError,
)

__all__ = ["__version__", "Error", "InputError", "DefinitionError"]
