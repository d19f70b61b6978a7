"""leadscore: sales-lead scoring and sales-funnel modeling.

The C++ library is the engine and the single source of behaviour; this package binds it (pybind11). See docs/python.md.

    Table      leads column by column, from pandas or numpy (zero-copy where the layout allows)
    Model      a trained model: load / save / pickle, score, explain, temperature
    fit_model  fits a logistic, frequency or gbt model on a Table
    Config     a TOML configuration's scoring, temperature, qualification and routing policies
    Router     routing that keeps its state (turns, quotas, owners) across calls
    leadscore.sklearn  the trainers as scikit-learn classifiers
    History, funnel_stats, ConversionStats, …  funnel statistics of stage histories (docs/python_funnel.md)
    leadscore.dask     funnel statistics, scores, explanations and frequency fits over a Dask cluster
"""

from ._leadscore import (  # noqa: F401  (re-exported)
    __version__,
    CancelledError,
    DefinitionError,
    Error,
    InputError,
)
from ._config import Config, Router  # noqa: F401
from ._model import Model, fit_model  # noqa: F401
from ._table import EVENT_DTYPE, Table  # noqa: F401

__all__ = ["__version__", "Error", "InputError", "DefinitionError", "CancelledError", "Table", "Model", "fit_model",
           "Config", "Router", "EVENT_DTYPE"]

from .funnel import (  # noqa: E402,F401  (re-exported)
    CohortStats, CompetingRisksStats, ConversionStats, Funnel, FunnelStats, History, KpiStats, MarkovStats, TimingStats,
    funnel_stats,
)

__all__ += ["Funnel", "History", "ConversionStats", "TimingStats", "KpiStats", "CohortStats", "MarkovStats",
            "CompetingRisksStats", "FunnelStats", "funnel_stats"]
