"""leadscore.Model: a trained model as a model file holds it, scoring pandas frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._leadscore import _Model, _Table, _fit
from ._table import Table, _as_seconds, _pandas_columns

_TEMPERATURES = ["cold", "warm", "hot"]


def _table_for(model, data, threads=0, defer=False):
    if isinstance(data, Table):
        return data
    if isinstance(data, pd.DataFrame):
        if defer:
            # A table for this one engine call: it widens pandas' int8 / int16 codes block by block as it scores,
            # on the call's threads, in the one parallel pass.
            return Table(_Table(len(data), _pandas_columns(data, model.fields), None, threads, True))
        # The conversion on as many threads as the scoring: a call asked to use one thread uses one throughout.
        return Table.from_pandas(data, schema=model.fields, threads=threads)
    raise TypeError(f"expected a pandas DataFrame or a leadscore.Table, got {type(data).__name__}")


class Model:
    """A trained scoring model: the policy, the fields it reads (names and types), its target, the temperature
    bands and what training reported. What ``leadscore train`` writes and the estimators of leadscore.sklearn fit.

    Models pickle as the portable Boost text archive of a model file, so they travel between machines.
    """

    def __init__(self, core):
        """Wraps the engine's model; get one from :meth:`load`, :func:`fit_model` or an estimator's ``model_``."""
        self._core = core

    @classmethod
    def load(cls, path):
        """Reads a model file (XML, text or binary; see leadscore/io/model.hpp). Raises leadscore.Error naming the
        file when it cannot be read."""
        return cls(_Model.load(str(path)))

    def save(self, path, format="xml"):
        """Writes a model file: ``xml`` (default, for files that travel), ``text`` or ``binary`` (same build only)."""
        self._core.save(str(path), format)

    def to_bytes(self):
        """The model as a Boost text archive (portable between machines and builds)."""
        return self._core.to_bytes()

    @classmethod
    def from_bytes(cls, data):
        """A model from :meth:`to_bytes`'s archive. Raises leadscore.Error for a damaged archive."""
        return cls(_Model.from_bytes(data))

    def __reduce__(self):
        return (Model.from_bytes, (self.to_bytes(),))

    @property
    def kind(self):
        """How the model was made: "logistic", "frequency", "gbt", "naive-bayes", "xgboost", …"""
        return self._core.kind

    @property
    def fields(self):
        """The fields scoring data must carry, as (name, type, role) tuples."""
        return [tuple(f) for f in self._core.fields]

    @property
    def target(self):
        """What the model predicts: a dict with field, positive and negative texts, and the field's type."""
        field, positive, negative, ftype = self._core.target
        return {"field": field, "positive": list(positive), "negative": list(negative), "type": ftype}

    @property
    def report(self):
        """What training reported: converged, iterations, rows, positives, parameters, message, notes, …"""
        return dict(self._core.report)

    @property
    def bands(self):
        """The temperature bands as (warm, hot): hot at or above hot, warm at or above warm, cold below."""
        return tuple(self._core.bands)

    @property
    def scale(self):
        """"probability" or "points"."""
        return self._core.scale

    @property
    def vocabulary(self):
        """Per categorical field, the texts its training rows held."""
        return dict(self._core.vocabulary())

    def score(self, data, out=None, *, threads=0, as_of=None, progress=None):
        """The score of every row of ``data`` (a DataFrame holding the model's fields, or a Table) as a float64
        array; written into ``out`` (a float64 array of one element per row) when given, and ``out`` returned.

        The engine runs without the GIL on ``threads`` threads (0 = every hardware thread); scores do not depend on
        the thread count. A DataFrame is read in place; its int8 / int16 category codes are widened block by block as
        they are scored, not copied whole. ``as_of`` (a time, default now) is when event features are computed.
        ``progress``: a callable ``progress(done, total)`` told the rows scored after each block (with the GIL held);
        returning False stops the scoring with CancelledError, and an exception it raises stops it and propagates
        unchanged (``out`` is then left partly written).
        """
        table = _table_for(self, data, threads, defer=True)
        return self._core.score(table._core, out, threads, _as_seconds(as_of), progress)

    def explain(self, data, top=3, *, as_of=None):
        """The ``top`` factors of largest magnitude behind each row's score, as a DataFrame with columns row
        (position in ``data``), rank (1 = largest), factor, contribution (in the model's unit, ``df.attrs["unit"]``:
        log-odds for logistic, frequency and tree models) and score."""
        if top < 0:
            raise ValueError("top must be 0 or more")
        table = _table_for(self, data)
        rows, ranks, factors, contributions, scores, unit = self._core.explain(table._core, top, _as_seconds(as_of))
        # dtypes given: the arrays of an empty result would otherwise be float64
        df = pd.DataFrame({"row": np.asarray(rows, dtype=np.int64), "rank": np.asarray(ranks, dtype=np.int64),
                           "factor": pd.array(factors, dtype=object),
                           "contribution": np.asarray(contributions, dtype=np.float64),
                           "score": np.asarray(scores, dtype=np.float64)})
        df.attrs["unit"] = unit
        return df

    def temperature(self, data=None, *, scores=None, as_of=None):
        """Cold, warm or hot per row, by the model's bands, as a pandas Categorical (missing for a NaN score).
        Give ``data`` to score it first, or ``scores`` already computed."""
        if scores is None:
            scores = self.score(data, as_of=as_of)
        codes = self._core.temperature(np.asarray(scores, dtype=np.float64))
        return pd.Categorical.from_codes(codes, categories=_TEMPERATURES)

    def __repr__(self):
        t = self.target
        return f"leadscore.Model({self.kind}, {len(self.fields)} fields, target {t['field']})"


def fit_model(kind, table, target, positive=(), params=None, as_of=None, *, progress=None):
    """Fits a model of ``kind`` ("logistic", "frequency" or "gbt") on every labelled row of a Table: ``target`` is a
    boolean field, or a categorical one whose ``positive`` texts are 1 (any other present text 0). ``params`` are
    the trainer's options by their C++ names (leadscore/train/*.hpp). Raises InputError / DefinitionError as the
    trainer does.

    ``progress``: a callable ``progress(done, total)`` told how far the fit is, once per solver step (a Newton
    iteration, a tree; leadscore/core/progress.hpp), with the GIL held. Returning False stops the fit with
    CancelledError; an exception it raises stops the fit and propagates unchanged."""
    return Model(_fit(kind, table._core, target, list(positive), dict(params or {}), _as_seconds(as_of), progress))
