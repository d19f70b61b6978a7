"""leadscore.Table: pandas and numpy columns as the engine's table, without a copy where the layout allows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._leadscore import InputError, _Table

#: The dtype of the engine's event records (leadscore::event_record: time in seconds, type code, detail code).
EVENT_DTYPE = np.dtype([("time", "<i8"), ("type", "<i4"), ("detail", "<i4")])

_TYPES = ("numeric", "categorical", "boolean", "timestamp")
_MISSING_TIME = np.iinfo(np.int64).min  # NaT's int64 value too


def _error(name, reason):
    return InputError(f"field '{name}': {reason}")


def _exact(values, dtype):
    """`values` as a contiguous, aligned array of `dtype`: the same memory when it already is one."""
    return np.require(values, dtype=dtype, requirements=["C", "A"])


def _codes(codes):
    """Category codes for the engine: int32 as they are; int8 / int16 as they are too (the engine's table widens them
    to int32 in one parallel pass, without the GIL); other integers converted to int32 here."""
    if codes.dtype in (np.int8, np.int16, np.int32):
        return np.require(codes, requirements=["C", "A"])
    return _exact(codes, np.int32)


def _infer_type(name, values):
    dt = values.dtype
    if isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dt) or dt == object:
        return "categorical"
    if pd.api.types.is_bool_dtype(dt):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dt):
        return "timestamp"
    if pd.api.types.is_numeric_dtype(dt):
        return "numeric"
    raise _error(name, f"no field type reads dtype {dt}")


def _numeric(name, values):
    dt = values.dtype
    if isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dt) or not pd.api.types.is_numeric_dtype(dt):
        raise _error(name, f"expected a numeric column, got dtype {dt}")
    if isinstance(values, pd.Series) and isinstance(dt, pd.api.extensions.ExtensionDtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)  # Int64, Float64: NaN for <NA>
    return _exact(np.asarray(values), np.float64)  # float64 as it is; other widths converted


def _categorical(name, values, categories=None):
    dt = values.dtype
    if isinstance(dt, pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values
        texts = [str(c) for c in cat.categories]
        return _codes(cat.codes), texts
    if categories is not None:
        if not pd.api.types.is_integer_dtype(dt):
            raise _error(name, f"expected integer codes into the categories, got dtype {dt}")
        return _codes(np.asarray(values)), [str(c) for c in categories]
    if not (pd.api.types.is_string_dtype(dt) or dt == object):
        raise _error(name, f"expected a categorical, string or object column, got dtype {dt}")
    codes, uniques = pd.factorize(values, sort=False)
    for u in uniques:
        if not isinstance(u, str):
            raise _error(name, f"expected texts, found {u!r} of type {type(u).__name__}")
    return codes.astype(np.int32), list(uniques)


def _boolean(name, values):
    dt = values.dtype
    if not pd.api.types.is_bool_dtype(dt) or isinstance(dt, pd.CategoricalDtype):
        raise _error(name, f"expected a boolean column, got dtype {dt}")
    if dt == np.bool_:
        return _exact(np.asarray(values), np.bool_).view(np.int8)  # 0 / 1 bytes: read as they are
    arr = values.array if isinstance(values, pd.Series) else pd.array(values)
    flags = arr.to_numpy(dtype=np.int8, na_value=-1)  # nullable boolean: <NA> as missing (-1)
    return _exact(flags, np.int8)


def _timestamp(name, values):
    dt = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dt):
        if isinstance(values, pd.Series):
            if getattr(dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            ns = values.to_numpy(dtype="datetime64[ns]").view(np.int64)
        else:
            ns = np.asarray(values).astype("datetime64[ns]").view(np.int64)
        seconds = np.floor_divide(ns, 10**9)
        seconds[ns == _MISSING_TIME] = _MISSING_TIME
        return seconds
    if pd.api.types.is_integer_dtype(dt) and not isinstance(dt, pd.api.extensions.ExtensionDtype):
        return _exact(np.asarray(values), np.int64)  # seconds since the epoch, as they are
    raise _error(name, f"expected a datetime64 column or int64 seconds, got dtype {dt}")


def _column(name, values, ftype, role=None, categories=None):
    """(name, type, role, array, categories) for the engine; the array is `values`' own memory where it can be."""
    if ftype not in _TYPES:
        raise _error(name, f"unknown field type {ftype!r} (one of {', '.join(_TYPES)})")
    if ftype == "categorical":
        codes, texts = _categorical(name, values, categories)
        return (name, ftype, role, codes, texts)
    convert = {"numeric": _numeric, "boolean": _boolean, "timestamp": _timestamp}[ftype]
    return (name, ftype, role, convert(name, values), None)


def _schema_entries(schema):
    """[(name, type, role)] from a mapping name -> type or (type, role), or a list of (name, type[, role])."""
    if isinstance(schema, dict):
        items = [(k, *(v if isinstance(v, (tuple, list)) else (v,))) for k, v in schema.items()]
    else:
        items = [tuple(s) for s in schema]
    out = []
    for item in items:
        name, ftype = item[0], item[1]
        role = item[2] if len(item) > 2 and item[2] not in (None, "none") else None
        out.append((name, ftype, role))
    return out


def _as_seconds(t):
    if t is None:
        return None
    if isinstance(t, (int, np.integer)):
        return int(t)
    ts = pd.Timestamp(t)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(np.floor_divide(ts.value, 10**9))


def _events(events, rows_of_leads, rows):
    """The events frame (columns lead, time, type and optionally detail) as the engine's records, sorted per lead."""
    for col in ("lead", "time", "type"):
        if col not in events.columns:
            raise _error(col, "the events frame has no such column")
    lead_rows = np.asarray(rows_of_leads(events["lead"]), dtype=np.int64)
    if len(lead_rows) and lead_rows.min() < 0:
        bad = events["lead"].to_numpy()[np.argmin(lead_rows)]
        raise InputError(f"field 'lead': the event's lead {bad!r} is not a row of the table")
    times = _timestamp("time", events["time"])
    if np.any(times == _MISSING_TIME):
        raise _error("time", "an event has no time")
    types, type_names = _categorical("type", events["type"])
    if np.any(types < 0):
        raise _error("type", "an event has no type")
    if "detail" in events.columns:
        details, detail_names = _categorical("detail", events["detail"])
    else:
        details, detail_names = np.full(len(events), -1, dtype=np.int32), []
    order = np.lexsort((times, lead_rows))
    records = np.empty(len(events), dtype=EVENT_DTYPE)
    records["time"], records["type"], records["detail"] = times[order], types[order], details[order]
    offsets = np.zeros(rows + 1, dtype=np.uint64)
    np.cumsum(np.bincount(lead_rows, minlength=rows), out=offsets[1:])
    return (records, offsets, type_names, detail_names)


def _pandas_columns(df, schema):
    """The engine's columns of a DataFrame (see Table.from_pandas)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"from_pandas expects a pandas DataFrame, got {type(df).__name__}")
    if schema is None:
        entries = [(c, _infer_type(str(c), df[c]), None) for c in df.columns]
    else:
        entries = _schema_entries(schema)
    columns = []
    for label, ftype, role in entries:
        name = str(label)
        if label not in df.columns:
            raise _error(name, "the frame has no such column")
        values = df[label]
        if isinstance(values, pd.DataFrame):
            raise _error(name, "the frame has several columns of this name")
        columns.append(_column(name, values, ftype, role))
    return columns


class Table:
    """Leads column by column, as the engine reads them.

    Build one with :meth:`from_pandas` or :meth:`from_arrays`. Columns are bound where they are (zero-copy)
    whenever their layout is the engine's: float64 numbers, int32 category codes, numpy bool flags and int64 seconds
    are read in place (the table keeps the arrays alive); other layouts are converted once (int8 / int16 category
    codes are widened, nullable dtypes get the engine's missing markers, datetime64 becomes seconds).
    :meth:`column` gives the array the engine reads, so ``np.shares_memory(table.column("x"), df["x"].to_numpy())``
    tells which.

    Field types: ``numeric`` (NaN = missing), ``categorical`` (code -1 = missing), ``boolean`` and ``timestamp``.
    """

    def __init__(self, core):
        """Wraps the engine's table; make one with :meth:`from_pandas` or :meth:`from_arrays`."""
        self._core = core

    @classmethod
    def from_pandas(cls, df, schema=None, events=None, *, threads=0):
        """A table of a DataFrame's columns.

        schema: None (every column, typed by its dtype: numbers numeric; Categorical, string and object
        categorical; bool and boolean boolean; datetime64 timestamp), a mapping name -> type or (type, role), or a
        list of (name, type[, role]) such as ``Model.fields``: those columns only, in that order.
        events: None or a DataFrame of engagement events with columns ``lead`` (a label of ``df.index``),
        ``time`` (datetime64 or int64 seconds), ``type`` and optionally ``detail`` (texts).

        threads: how many threads widen int8 / int16 category codes (0 = every hardware thread).

        Raises InputError naming the column for a column the frame lacks, a dtype the type cannot read, or a
        category that is not a text.
        """
        columns = _pandas_columns(df, schema)
        ev = None
        if events is not None:
            if not df.index.is_unique:
                raise InputError("events: the frame's index (the leads' keys) has repeated labels")
            ev = _events(events, lambda leads: df.index.get_indexer(leads), len(df))
        return cls(_Table(len(df), columns, ev, threads))

    @classmethod
    def from_arrays(cls, columns, schema=None, categories=None, events=None):
        """A table of arrays: ``columns`` maps names to numpy arrays (or anything ``np.asarray`` takes).

        A name in ``categories`` (a mapping name -> list of texts) is categorical, its array holding integer codes
        into that list (-1 = missing). schema: as in :meth:`from_pandas`; without one, types come from the dtypes.
        events: as in :meth:`from_pandas`, with ``lead`` the row number (0-based).
        """
        categories = categories or {}
        arrays = {k: (v if isinstance(v, (pd.Categorical, pd.api.extensions.ExtensionArray)) else np.asarray(v))
                  for k, v in columns.items()}
        lengths = {len(v) for v in arrays.values()}
        rows = len(next(iter(arrays.values()))) if arrays else 0
        if len(lengths) > 1:
            for k, v in arrays.items():
                if len(v) != rows:
                    raise _error(k, f"has {len(v)} values, the first column {rows}")
        if schema is None:
            entries = [(k, "categorical" if k in categories else _infer_type(k, v), None) for k, v in arrays.items()]
        else:
            entries = _schema_entries(schema)
        out = []
        for name, ftype, role in entries:
            if name not in arrays:
                raise _error(name, "no such array was given")
            out.append(_column(name, arrays[name], ftype, role, categories.get(name)))
        ev = None
        if events is not None:
            def rows_of(leads):
                r = np.asarray(leads, dtype=np.int64)
                return np.where((r >= 0) & (r < rows), r, -1)
            ev = _events(events, rows_of, rows)
        return cls(_Table(rows, out, ev))

    @property
    def rows(self):
        """The number of rows (leads)."""
        return self._core.rows

    def __len__(self):
        return self._core.rows

    @property
    def fields(self):
        """The fields as (name, type, role) tuples, in column order."""
        return [tuple(f) for f in self._core.fields]

    @property
    def columns(self):
        """The field names, in column order."""
        return [f[0] for f in self._core.fields]

    def column(self, name):
        """The array the engine reads for a field: float64 values, int32 codes, int8 flags or int64 seconds."""
        return self._core.array(name)

    def events(self):
        """(records, offsets) as the engine reads them — records of EVENT_DTYPE sorted by lead, then time; lead r's
        events are records[offsets[r]:offsets[r + 1]] — or None without events."""
        return self._core.events()

    def categories(self, name):
        """The texts a categorical field's codes index."""
        return self._core.categories(name)

    def __repr__(self):
        fields = ", ".join(f"{n}: {t}" for n, t, _ in self.fields)
        return f"leadscore.Table({self.rows} rows; {fields})"
