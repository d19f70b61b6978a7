"""Type stubs of leadscore._table."""

from os import PathLike
from typing import Any, Literal, Mapping, Sequence, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

FieldType = Literal["numeric", "categorical", "boolean", "timestamp"]
Field = tuple[str, FieldType, str]
SchemaLike = Union[Mapping[str, Union[FieldType, tuple[FieldType, str]]], Sequence[tuple[str, ...]]]
TimeLike = Union[int, str, np.datetime64, pd.Timestamp, Any]

EVENT_DTYPE: np.dtype

class Table:
    """Leads column by column, as the engine reads them (zero-copy where the layout allows)."""
    @classmethod
    def from_pandas(cls, df: pd.DataFrame, schema: SchemaLike | None = None,
                    events: pd.DataFrame | None = None, *, threads: int = 0) -> Table: ...
    @classmethod
    def from_arrays(cls, columns: Mapping[str, npt.ArrayLike], schema: SchemaLike | None = None,
                    categories: Mapping[str, Sequence[str]] | None = None,
                    events: pd.DataFrame | None = None) -> Table: ...
    @property
    def rows(self) -> int: ...
    def __len__(self) -> int: ...
    @property
    def fields(self) -> list[Field]: ...
    @property
    def columns(self) -> list[str]: ...
    def column(self, name: str) -> np.ndarray: ...
    def categories(self, name: str) -> list[str]: ...
    def events(self) -> tuple[np.ndarray, npt.NDArray[np.uint64]] | None: ...

