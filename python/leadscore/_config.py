"""leadscore.Config: the policies of a TOML configuration — scoring, temperature, qualification, routing — over
tables; leadscore.Router: routing that keeps its state across calls."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._leadscore import _Config, _Router
from ._table import Table, _as_seconds

_LEVELS = ["cold", "warm", "hot"]


def _table(data, schema):
    if isinstance(data, Table):
        return data
    if isinstance(data, pd.DataFrame):
        return Table.from_pandas(data, schema=schema)
    raise TypeError(f"expected a pandas DataFrame or a leadscore.Table, got {type(data).__name__}")


def _levels(temperatures):
    """cold / warm / hot texts (a Categorical, a Series or a list; missing = unknown) as the engine's levels."""
    cat = pd.Categorical(temperatures, categories=_LEVELS)
    codes = np.asarray(cat.codes, dtype=np.int8)
    return np.where(codes < 0, np.int8(3), codes).astype(np.int8)


class Config:
    """The policies of a configuration file (docs/configuration.md): ``Config.load(path)``, ``Config.from_text(toml)``,
    or ``Config()`` for the defaults (no scoring policy; the purchase-timeframe temperature rule; the default
    qualification policy).

    The policies read fields by name and by role (a lead's stage, purchase timeframe, creation time, …): give a Table
    whose fields carry the roles, or a DataFrame with a ``schema`` naming them, e.g.
    ``{"stage": ("categorical", "stage"), "timeframe": ("numeric", "purchase_timeframe")}``.
    """

    def __init__(self, core=None):
        """The defaults (no scoring or routing policy); use :meth:`load` or :meth:`from_text` for a file's."""
        self._core = core if core is not None else _Config()

    @classmethod
    def load(cls, path):
        """Reads a TOML configuration; model files it names are loaded. Raises InputError naming file, line and key."""
        return cls(_Config.load(str(path)))

    @classmethod
    def from_text(cls, text):
        """A configuration from TOML text (parts of kind "model" need a file: use load)."""
        return cls(_Config.from_text(text))

    @property
    def has_scoring(self):
        """Whether the configuration has a [scoring] section."""
        return self._core.has_scoring

    def score(self, data, *, schema=None, threads=0, as_of=None):
        """The [scoring] policy's score of every row, as a float64 array."""
        return self._core.score(_table(data, schema)._core, threads, _as_seconds(as_of))

    def temperature(self, data, scores=None, *, schema=None, scale=None, threads=0, as_of=None):
        """The [temperature] policy's rating of every row: a DataFrame with columns temperature (cold / warm / hot,
        missing when unknown) and reason. ``scores`` (one per row) for policies that read them; ``scale``
        ("probability" or "points") when the policy checks it."""
        table = _table(data, schema)
        levels, reasons, texts = self._core.rate(table._core, _scores_or_nan(scores, table), scale, threads,
                                                 _as_seconds(as_of))
        levels = np.where(levels > 2, -1, levels).astype(np.int8)
        return pd.DataFrame({"temperature": pd.Categorical.from_codes(levels, categories=_LEVELS),
                             "reason": pd.Categorical.from_codes(reasons, categories=_unique(texts))})

    @property
    def has_routing(self):
        """Whether the configuration has a [routing] section."""
        return self._core.has_routing

    def route(self, data, reps, *, schema=None, priority=None, id_field=None, as_of=None):
        """The [routing] policy's assignment of every row, from a fresh state of the reps (a reps file's path, its
        text, or a DataFrame of its columns: rep, team, capacity, …; docs/routing.md). Rows are routed in descending
        order of the ``priority`` field when given. A DataFrame with columns lead (the ``id_field``'s value, or the
        row number from 1), rep, team (or queue) and reason, one row per lead in order. The state is not kept between
        calls: quotas count this call's leads only (use :meth:`router` to keep it)."""
        leads, reps_, teams, reasons = self._core.route(_table(data, schema)._core, _reps_text(reps), priority or "",
                                                        id_field or "", _as_seconds(as_of))
        return _routes(leads, reps_, teams, reasons)

    def router(self, reps):
        """A :class:`Router` of the [routing] policy over the reps (as :meth:`route` takes them), keeping its state
        across calls."""
        return Router(self, reps)

    def qualify(self, data, scores=None, temperatures=None, *, schema=None, threads=0, as_of=None):
        """The [qualification] policy's place of every row: a DataFrame with columns stage (a stage of the policy's
        funnel, missing for none), lifecycle (suspect, lead, mql, sql, rejected, nurture, beyond) and reason.
        ``temperatures`` (cold / warm / hot per row) default to the [temperature] policy's ratings."""
        table = _table(data, schema)
        when = _as_seconds(as_of)
        if temperatures is None:
            levels = np.asarray(self._core.rate(table._core, _scores_or_nan(scores, table), None, threads, when)[0],
                                dtype=np.int8)
        else:
            levels = _levels(temperatures)
        stages, classes, reasons, names, lifecycles, texts = self._core.qualify(table._core, scores, levels, threads,
                                                                                when)
        return pd.DataFrame({"stage": pd.Categorical.from_codes(stages, categories=_unique(names)),
                             "lifecycle": pd.Categorical.from_codes(classes, categories=lifecycles),
                             "reason": pd.Categorical.from_codes(reasons, categories=_unique(texts))})


class Router:
    """A configuration's routing policy with the routing state it keeps across calls (leadscore/routing/state.hpp):
    round-robin turns, each rep's leads in the last 24 hours against the daily quota, leads ever assigned, known
    owners, weighted routing's random draws, and the last run's time.

    Routing leads in several calls gives what one call on the concatenated leads gives, when the calls are at the
    same ``as_of`` and rows are routed in row order (a ``priority`` field orders each call's leads only). Leads
    without an id are numbered on from the previous call. Runs must go forward in time (a call before the last
    run's ``as_of`` raises DefinitionError; :meth:`reset_quotas` allows it). A call that raises leaves the state
    as it was. Routers pickle (portable Boost text archives of the policy and the state), so the state can be kept
    between sessions.
    """

    __slots__ = ("_core",)

    def __init__(self, config, reps):
        """The routing policy of ``config`` (a :class:`Config` with a [routing] section) over a fresh state of the
        reps (a reps file's path, its text, or a DataFrame of its columns)."""
        self._core = _Router(config._core, _reps_text(reps))

    def route(self, data, *, schema=None, priority=None, id_field=None, as_of=None):
        """Routes every row (as :meth:`Config.route`) and records it in the state. Returns a DataFrame with columns
        lead, rep, team and reason, one row per lead in order."""
        leads, reps, teams, reasons = self._core.route(_table(data, schema)._core, priority or "", id_field or "",
                                                       _as_seconds(as_of))
        return _routes(leads, reps, teams, reasons)

    def loads(self, as_of=None):
        """Every rep's load at a time (default now): team, available, leads ever assigned, leads in the 24 hours
        before it, daily quota and what remains of it (None without a quota), indexed by rep."""
        return pd.DataFrame(self._core.loads(_as_seconds(as_of))).set_index("rep")

    def reset_quotas(self):
        """Starts the quotas afresh (drops the recent loads and the last run's time), so that a run at an earlier
        time is accepted; turns, assigned counts and owners stay."""
        self._core.reset_quotas()

    @property
    def rows(self):
        """Leads routed through this router so far."""
        return self._core.rows

    @property
    def last_run(self):
        """The time of the last run (UTC), None before the first."""
        t = self._core.last_run
        return None if t is None else pd.Timestamp(t, unit="s", tz="UTC")

    def __reduce__(self):
        return (Router._from_parts, self._core._to_parts())

    @classmethod
    def _from_parts(cls, policy, state, rows):
        out = cls.__new__(cls)
        out._core = _Router._from_parts(policy, state, rows)
        return out

    def __eq__(self, other):
        return isinstance(other, Router) and self._core == other._core

    __hash__ = None

    def __copy__(self):
        out = Router.__new__(Router)
        out._core = self._core.__copy__()
        return out

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __repr__(self):
        return f"<leadscore.Router: {self.rows} leads routed, last run {self.last_run}>"


def _routes(leads, reps, teams, reasons):
    return pd.DataFrame({"lead": leads, "rep": reps, "team": teams, "reason": reasons})


def _reps_text(reps):
    """A reps file's text from a path, a DataFrame (columns as in a reps file: rep, team, capacity, …) or the text."""
    if isinstance(reps, pd.DataFrame):
        return reps.to_csv(index=False)
    if isinstance(reps, str) and "\n" in reps:
        return reps
    with open(reps, encoding="utf-8") as f:
        return f.read()


def _scores_or_nan(scores, table):
    """The scores, or "not computable" for every row (temperature policies that read no score ignore them)."""
    return np.full(table.rows, np.nan) if scores is None else scores


def _unique(texts):
    """Categories must be unique: a repeated text gets a numbered suffix (reasons of different rules may read alike)."""
    seen, out = {}, []
    for t in texts:
        n = seen.get(t, 0)
        seen[t] = n + 1
        out.append(t if n == 0 else f"{t} ({n + 1})")
    return out
