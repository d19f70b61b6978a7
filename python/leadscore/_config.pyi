"""Type stubs of leadscore._config."""

from os import PathLike

import numpy.typing as npt
import pandas as pd

from ._table import SchemaLike, Table, TimeLike

class Config:
    """A TOML configuration's scoring, temperature, qualification and routing policies."""
    def __init__(self, core: object | None = None) -> None: ...
    @classmethod
    def load(cls, path: str | PathLike[str]) -> Config: ...
    @classmethod
    def from_text(cls, text: str) -> Config: ...
    @property
    def has_scoring(self) -> bool: ...
    @property
    def has_routing(self) -> bool: ...
    def score(self, data: pd.DataFrame | Table, *, schema: SchemaLike | None = None, threads: int = 0,
              as_of: TimeLike | None = None) -> npt.NDArray: ...
    def temperature(self, data: pd.DataFrame | Table, scores: npt.ArrayLike | None = None, *,
                    schema: SchemaLike | None = None, scale: str | None = None, threads: int = 0,
                    as_of: TimeLike | None = None) -> pd.DataFrame: ...
    def qualify(self, data: pd.DataFrame | Table, scores: npt.ArrayLike | None = None,
                temperatures: npt.ArrayLike | None = None, *, schema: SchemaLike | None = None, threads: int = 0,
                as_of: TimeLike | None = None) -> pd.DataFrame: ...
    def route(self, data: pd.DataFrame | Table, reps: str | PathLike[str] | pd.DataFrame, *,
              schema: SchemaLike | None = None, priority: str | None = None, id_field: str | None = None,
              as_of: TimeLike | None = None) -> pd.DataFrame: ...
