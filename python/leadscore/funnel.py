"""Funnel analytics over stage histories held in pandas DataFrames.

A history is one row per stage entry (lead id, stage, time, optionally a deal value, a source and per-lead attribute
columns), as the library's event log (include/leadscore/io/history_csv.hpp). The five accumulators below count
stage conversion, time in the funnel (with Kaplan–Meier estimates), KPIs, cohorts, the Markov chain and won and lost
over time (competing risks); each is mergeable (``merge``: parts of a history partitioned by lead add up to the whole, exactly) and picklable. Results
are DataFrames; every number comes from the C++ library (include/leadscore/funnel/*.hpp documents each statistic).
Durations are in seconds.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from . import _leadscore as _ls
from ._leadscore import Funnel, InputError

__all__ = [
    "Funnel",
    "History",
    "ConversionStats",
    "TimingStats",
    "KpiStats",
    "CohortStats",
    "MarkovStats",
    "CompetingRisksStats",
    "FunnelStats",
    "funnel_stats",
]

#: The archive format pickles use: Boost's portable text archive, because pickles travel between processes and
#: machines (Dask workers); ``to_bytes("binary")`` is faster but only for the same build on the same platform.
PICKLE_FORMAT = "text"

_DEFAULT = object()  # "the column of that name, when the frame has it"


# ---- columns ----------------------------------------------------------------------------------------------------


def _column(df: pd.DataFrame, name, what: str) -> pd.Series:
    if name not in df.columns:
        raise InputError(f"column '{name}' ({what}) is not in the frame; it has: {', '.join(map(str, df.columns))}")
    col = df[name]
    if isinstance(col, pd.DataFrame):
        raise InputError(f"column '{name}' ({what}) appears more than once in the frame")
    return col


def _text_codes(s: pd.Series, name, what: str) -> tuple[np.ndarray, list[str]]:
    """Per-row codes (-1 = missing) and the distinct values as texts, for an id, a stage, a source or an attribute."""
    dtype = s.dtype
    ok = (
        isinstance(dtype, pd.CategoricalDtype)
        or isinstance(dtype, pd.StringDtype)
        or dtype == object
        or (pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
    )
    if not ok:
        raise InputError(f"column '{name}' ({what}): dtype {dtype}; expected text, categorical or integer values")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.asarray(uniques)
    if values.dtype.kind in "iu":  # integer ids: converted to text in one numpy pass
        labels = values.astype(str).tolist()
    else:
        labels = [x if type(x) is str else str(x) for x in values.astype(object)]
    return codes.astype(np.int64, copy=False), labels


def _seconds(s: pd.Series, name) -> np.ndarray:
    """Whole seconds since the epoch (UTC) of a datetime column; naive times are taken as UTC."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        raise InputError(f"column '{name}' (time): dtype {s.dtype}; expected datetime64 (see pandas.to_datetime)")
    missing = s.isna().to_numpy()
    if missing.any():
        raise InputError(f"column '{name}', row {int(np.argmax(missing))}: a missing time")
    ns = s.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return np.floor_divide(ns, 1_000_000_000)


def _values(s: pd.Series, name) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        raise InputError(f"column '{name}' (value): dtype {s.dtype}; expected numbers")
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def to_seconds(t) -> int:
    """Whole seconds since the epoch of a time (a pandas Timestamp, datetime, numpy datetime64 or ISO text; naive =
    UTC)."""
    ts = pd.Timestamp(t)
    if ts is pd.NaT:
        raise InputError("as_of: a missing time")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.value // 1_000_000_000)


def _window_seconds(window) -> int | None:
    if window is None:
        return None
    if isinstance(window, (int, np.integer)) and not isinstance(window, bool):
        raise InputError("window: give a duration (a pandas Timedelta, a datetime.timedelta or text like '30D')")
    return int(pd.Timedelta(window).total_seconds())


# ---- histories --------------------------------------------------------------------------------------------------


class History:
    """A stage history grouped into per-lead journeys over a funnel (include/leadscore/funnel/history.hpp).

    Make one with :meth:`from_pandas`. Rows may come in any order: each lead's entries are ordered by time, and
    entries of one lead at the same time keep the frame's order.
    """

    __slots__ = ("_h",)

    def __init__(self, handle):
        """Wraps the engine's history; make one with :meth:`from_pandas`."""
        self._h = handle

    @classmethod
    def from_pandas(
        cls,
        df: pd.DataFrame,
        funnel: Funnel | None = None,
        *,
        lead: str = "lead_id",
        stage: str = "stage",
        time: str = "entered_at",
        value=_DEFAULT,
        source=_DEFAULT,
        attributes=None,
    ) -> "History":
        """The history of a frame with one row per stage entry.

        ``lead``: ids (text, categorical or integers; compared as text). ``stage``: stage names of ``funnel``
        (default :meth:`Funnel.standard`), compared as the library does (case and spacing normalized). ``time``:
        datetime64 (naive = UTC, whole seconds: fractions are floored). ``value`` (default: the column "value"
        when present): the deal value, numbers, NaN = none. ``source`` (default: "source" when present): text.
        ``attributes``: per-lead columns for breakdowns (``by=``); default every other column. Raises InputError
        naming the column (and the row, by position) for a wrong dtype, a missing id, stage or time, a stage the
        funnel lacks, a negative or infinite value, an attribute that differs between a lead's rows, the same lead,
        stage and time twice, or a lead won and lost at the same time.
        """
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"history: expected a pandas DataFrame, got {type(df).__name__}")
        funnel = Funnel.standard() if funnel is None else funnel
        lead_codes, lead_labels = _text_codes(_column(df, lead, "lead id"), lead, "lead id")
        stage_codes, stage_labels = _text_codes(_column(df, stage, "stage"), stage, "stage")
        seconds = _seconds(_column(df, time, "time"), time)
        value_name = "value" if value is _DEFAULT else value
        values = None
        if value_name is not None and (value is not _DEFAULT or value_name in df.columns):
            values = _values(_column(df, value_name, "value"), value_name)
        source_name = "source" if source is _DEFAULT else source
        source_codes, source_labels = None, []
        if source_name is not None and (source is not _DEFAULT or source_name in df.columns):
            source_codes, source_labels = _text_codes(_column(df, source_name, "source"), source_name, "source")
        taken = {lead, stage, time}
        if values is not None:
            taken.add(value_name)
        if source_codes is not None:
            taken.add(source_name)
        if attributes is None:
            attributes = [c for c in df.columns if c not in taken]
        attrs = []
        for a in attributes:
            codes, labels = _text_codes(_column(df, a, "attribute"), a, "attribute")
            attrs.append((str(a), codes, labels))
        names = [str(lead), str(stage), str(time), str(value_name), str(source_name)]
        return cls(
            _ls._History._from_columns(
                funnel, names, lead_codes, lead_labels, stage_codes, stage_labels, seconds, values, source_codes,
                source_labels, attrs,
            )
        )

    @property
    def leads(self) -> int:
        """Distinct leads."""
        return self._h.leads

    @property
    def entries(self) -> int:
        """Stage entries (rows)."""
        return self._h.entries

    @property
    def funnel(self) -> Funnel:
        """The funnel the stages resolve to."""
        return self._h.funnel

    @property
    def attribute_names(self) -> list[str]:
        """The per-lead attribute columns (keys for ``by=`` besides source, last_source and cohort periods)."""
        return self._h.attribute_names

    @property
    def latest_entry(self) -> pd.Timestamp | None:
        """The latest entry (UTC), the natural ``as_of``; None for an empty history."""
        s = self._h.latest_entry
        return None if s is None else pd.Timestamp(s, unit="s", tz="UTC")

    def __repr__(self) -> str:
        return f"<leadscore.History: {self.leads} leads, {self.entries} stage entries>"


def _history(data, funnel, columns) -> History:
    if isinstance(data, History):
        return data
    return History.from_pandas(data, funnel, **columns)


# ---- accumulators -----------------------------------------------------------------------------------------------


class _Accumulator:
    """What every accumulator shares: merge, equality, archives and pickling."""

    __slots__ = ("_acc",)
    _native = None  # the C++ class

    def merge(self, other):
        """Adds another accumulator's counts (made with the same funnel and options, over other leads); returns
        self. Raises DefinitionError when they differ."""
        if type(other) is not type(self):
            raise TypeError(f"cannot merge {type(other).__name__} into {type(self).__name__}")
        self._acc.merge(other._acc)
        return self

    def to_bytes(self, format: str = PICKLE_FORMAT) -> bytes:
        """A Boost archive of the accumulator: "text" (portable), "xml" or "binary" (same build only)."""
        return self._acc.to_bytes(format)

    @classmethod
    def from_bytes(cls, data: bytes, format: str = PICKLE_FORMAT):
        """The accumulator of an archive made by :meth:`to_bytes`; raises leadscore.Error for a damaged one."""
        out = cls.__new__(cls)
        out._acc = cls._native._from_bytes(data, format)
        return out

    def __reduce__(self):
        return (type(self).from_bytes, (self.to_bytes(PICKLE_FORMAT), PICKLE_FORMAT))

    def __eq__(self, other):
        return type(other) is type(self) and self._acc == other._acc

    __hash__ = None


def _frame(columns: dict, index: str) -> pd.DataFrame:
    return pd.DataFrame(columns).set_index(index)


class ConversionStats(_Accumulator):
    """Stage conversion (include/leadscore/funnel/conversion.hpp): per stage, leads that entered, converted,
    dropped, stayed and won, overall and per label of a breakdown key."""

    __slots__ = ()
    _native = _ls._Conversion

    def __init__(self, funnel: Funnel | None = None, window=None):
        """``window``: a conversion window (a Timedelta or text such as "30D") for ``converted_in_window``."""
        self._acc = _ls._Conversion(Funnel.standard() if funnel is None else funnel, _window_seconds(window))

    def add(self, history: History, by: str | None = None) -> "ConversionStats":
        """Counts every lead of the history, grouped by the key ``by`` ("source", "last_source", "cohort", "month",
        "quarter", "year" or an attribute name; None = one group). Returns self."""
        self._acc.add(history._h, by)
        return self

    def table(self) -> pd.DataFrame:
        """The stage table of all leads: one row per stage (counts, then the rates the library computes)."""
        return _frame(self._acc.total()[2], "stage")

    @property
    def leads(self) -> int:
        """Leads with at least one entry."""
        return self._acc.total()[0]

    @property
    def won_leads(self) -> int:
        """Leads with a won entry."""
        return self._acc.total()[1]

    def groups(self) -> pd.DataFrame:
        """One row per label of the key: leads, won leads and overall conversion (labels ascending)."""
        rows = [(label, n, w, c) for label, n, w, c, _ in self._acc.groups()]
        return pd.DataFrame(rows, columns=["label", "leads", "won_leads", "conversion"]).set_index("label")

    def by_group(self) -> pd.DataFrame:
        """The stage table of each label, indexed by (label, stage)."""
        parts = []
        for label, _, _, _, cols in self._acc.groups():
            f = pd.DataFrame(cols)
            f.insert(0, "label", label)
            parts.append(f)
        if not parts:
            return pd.DataFrame(columns=["label", "stage"]).set_index(["label", "stage"])
        return pd.concat(parts, ignore_index=True).set_index(["label", "stage"])


class TimingStats(_Accumulator):
    """Time in each stage and the sales cycle (include/leadscore/funnel/timing.hpp), in seconds: statistics of the
    closed durations beside the Kaplan–Meier estimate with open leads censored at ``as_of``."""

    __slots__ = ()
    _native = _ls._Timing

    def __init__(self, as_of, funnel: Funnel | None = None):
        """Empty; open leads are censored at ``as_of`` (a time; naive = UTC). ``funnel``: default the standard."""
        self._acc = _ls._Timing(Funnel.standard() if funnel is None else funnel, to_seconds(as_of))

    def add(self, history: History) -> "TimingStats":
        """Adds every lead of the history (no entry may be after as_of). Returns self."""
        self._acc.add(history._h)
        return self

    @property
    def as_of(self) -> pd.Timestamp:
        """The observation time (UTC)."""
        return pd.Timestamp(self._acc.as_of_seconds, unit="s", tz="UTC")

    def in_stage(self) -> pd.DataFrame:
        """Per stage: closed, censored and unknown durations, their mean, min, percentiles and max, and the
        Kaplan–Meier median and 75th percentile (None when the curve does not get that low)."""
        rows = []
        for name, _ in self._acc.funnel.stages:
            r = self._acc.summary("in_stage", name)
            r["stage"] = name
            rows.append(r)
        return _frame(rows, "stage")

    def cycle(self) -> pd.DataFrame:
        """The sales cycle: rows "to_close" (first touch → close, open leads censored) and "to_won"."""
        rows = []
        for which in ("to_close", "to_won"):
            r = self._acc.summary(which)
            r["cycle"] = which
            rows.append(r)
        return _frame(rows, "cycle")

    def survival(self, which: str = "to_close", stage: str | None = None) -> pd.DataFrame:
        """The Kaplan–Meier curve of "to_close", "to_won" or "in_stage" (with ``stage``): time (seconds),
        at_risk, events, survival."""
        return pd.DataFrame(self._acc.survival(which, stage))


def _kpi_frame(rows, index) -> pd.DataFrame:
    cols = ["new_leads", "new_leads_won", "won", "lost", "revenue_cents", "won_with_value", "cycle_seconds",
            "cycle_count", "open_opportunities", "revenue", "average_deal", "win_rate", "lead_conversion",
            "cycle_days", "velocity"]
    if not rows:
        return pd.DataFrame(columns=[index] + cols).set_index(index)
    return pd.DataFrame([{index: k, **r} for k, r in rows], columns=[index] + cols).set_index(index)


class KpiStats(_Accumulator):
    """Sales KPIs by period and label (include/leadscore/funnel/kpi.hpp): new leads, won and lost deals, revenue,
    average deal, win rate, cycle, open opportunities, velocity, and customer retention."""

    __slots__ = ()
    _native = _ls._Kpi

    def __init__(self, as_of, funnel: Funnel | None = None, period: str = "month",
                 opportunity_stage: str | None = None):
        """Empty; counts by ``period`` ("month", "quarter" or "year") up to ``as_of``. ``opportunity_stage``: open
        deals count as opportunities only at or past this open stage (default: every open stage)."""
        self._acc = _ls._Kpi(Funnel.standard() if funnel is None else funnel, to_seconds(as_of), period,
                             opportunity_stage or "")

    def add(self, history: History, by: str | None = None, customer: str | None = None) -> "KpiStats":
        """Adds every lead, labelled by the key ``by`` and grouped into customers by the key ``customer`` (None:
        each lead is its own customer). Returns self."""
        self._acc.add(history._h, by, customer)
        return self

    def by_period(self) -> pd.DataFrame:
        """One row per period ("2026-03", "(undated)"), ascending."""
        return _kpi_frame(self._acc.by_period(), "period")

    def by_label(self) -> pd.DataFrame:
        """One row per label of the key, ascending."""
        return _kpi_frame(self._acc.by_label(), "label")

    def cells(self) -> pd.DataFrame:
        """One row per (period, label)."""
        rows = [((p, label), r) for p, label, r in self._acc.cells()]
        f = _kpi_frame(rows, "cell")
        f.index = pd.MultiIndex.from_tuples(f.index, names=["period", "label"]) if len(f) else f.index
        return f

    def total(self) -> pd.Series:
        """Everything together."""
        return pd.Series(self._acc.total())

    def retention(self) -> pd.Series:
        """Repeat-purchase retention: customers with a win, those with two or more, and the rate."""
        customers, repeat, rate = self._acc.retention()
        return pd.Series({"customers": customers, "repeat": repeat, "rate": rate})


class CohortStats(_Accumulator):
    """Conversion cohorts (include/leadscore/funnel/kpi.hpp): leads by the period of their first dated entry, and
    the share won by each age (periods since entry)."""

    __slots__ = ()
    _native = _ls._Cohorts

    def __init__(self, as_of, period: str = "month"):
        """Empty; cohorts by ``period`` ("month", "quarter" or "year"), observed up to ``as_of``."""
        self._acc = _ls._Cohorts(period, to_seconds(as_of))

    def add(self, history: History) -> "CohortStats":
        """Adds every lead of the history. Returns self."""
        self._acc.add(history._h)
        return self

    @property
    def undated_leads(self) -> int:
        """Leads without a dated entry (in no cohort)."""
        return self._acc.undated_leads

    def table(self) -> pd.DataFrame:
        """One row per cohort: leads, leads won at an unknown time, the oldest observed age, then the cumulative
        share won by age 0, 1, … (NaN past the observed age)."""
        rows = self._acc.rows()
        ages = max((age for *_, age, _, _ in rows), default=-1)
        out = []
        for label, leads, won_undated, age, _, share in rows:
            r = {"cohort": label, "leads": leads, "won_undated": won_undated, "observed_age": age}
            for a in range(ages + 1):
                r[a] = share[a] if a < len(share) else np.nan
            out.append(r)
        if not out:
            return pd.DataFrame(columns=["cohort", "leads", "won_undated", "observed_age"]).set_index("cohort")
        return pd.DataFrame(out).set_index("cohort")

    def won_at_age(self) -> pd.DataFrame:
        """The counts behind :meth:`table`: leads of each cohort first won at each age."""
        rows = [(label, age, n) for label, _, _, _, won, _ in self._acc.rows() for age, n in enumerate(won)]
        return pd.DataFrame(rows, columns=["cohort", "age", "won"]).set_index(["cohort", "age"])


class MarkovStats(_Accumulator):
    """The funnel as an absorbing Markov chain (include/leadscore/funnel/markov.hpp): transition counts and stays,
    the estimated transition matrix, and each open stage's outlook (P(win), expected steps and days to close)."""

    __slots__ = ()
    _native = _ls._Markov

    def __init__(self, funnel: Funnel | None = None, keep_stays: bool = True, open_as_lost_after=None,
                 as_of=None):
        """``open_as_lost_after`` (a Timedelta or text such as "90D", with ``as_of``): open leads older than that
        at as_of count as lost (markov_options in the header) instead of adding no exit."""
        self._acc = _ls._Markov(Funnel.standard() if funnel is None else funnel, keep_stays,
                                _window_seconds(open_as_lost_after), None if as_of is None else to_seconds(as_of))

    def add(self, history: History) -> "MarkovStats":
        """Adds every lead's transitions. Returns self."""
        self._acc.add(history._h)
        return self

    @property
    def leads(self) -> int:
        """Leads added."""
        return self._acc.leads

    def _names(self):
        return [name for name, _ in self._acc.funnel.stages]

    def transitions(self) -> pd.DataFrame:
        """Observed transitions: rows are the stage left, columns the stage entered."""
        counts, _ = self._acc.counts()
        names = self._names()
        return pd.DataFrame(counts, index=pd.Index(names, name="from"), columns=pd.Index(names, name="to"))

    def stages(self) -> pd.DataFrame:
        """Per stage: journeys starting there, leads still open there, open leads counted as lost, exits without
        a known stay, and the count and sum (seconds) of the known stays."""
        _, per_stage = self._acc.counts()
        return pd.DataFrame(per_stage, index=pd.Index(self._names(), name="stage"))

    def probabilities(self) -> pd.DataFrame:
        """The estimated transition matrix (rows of closed stages are zero)."""
        rows, _ = self._acc.chain()
        names = self._names()
        return pd.DataFrame(rows, index=pd.Index(names, name="from"), columns=pd.Index(names, name="to"))

    def outlook(self) -> pd.DataFrame:
        """Per open stage: status, exits, P(win), expected steps and days to close, mean stay in days."""
        _, rows = self._acc.chain()
        cols = ["stage", "status", "exits", "win_probability", "expected_steps", "expected_days", "mean_stay_days"]
        return pd.DataFrame(rows, columns=cols).set_index("stage")


def _duration_list(times) -> list[int]:
    """Whole seconds of durations: Timedeltas, datetime.timedeltas or texts like "30D" (one or a list)."""
    if isinstance(times, (str, _dt.timedelta, pd.Timedelta, np.timedelta64)):
        times = [times]
    return [_window_seconds(t) for t in times]


class CompetingRisksStats(_Accumulator):
    """Won and lost over time as competing ends (include/leadscore/funnel/competing_risks.hpp): the Aalen–Johansen
    cumulative incidence of won and of lost since first touch, open leads censored at ``as_of``, with Gray's
    variance (as R's cmprsk) and 95 % log(−log) intervals, overall and per label of a breakdown key. Times are
    seconds since first touch; the time to close is TimingStats' "to_close"."""

    __slots__ = ()
    _native = _ls._CompetingRisks

    def __init__(self, as_of, funnel: Funnel | None = None):
        """Empty; open leads are censored at ``as_of`` (a time; naive = UTC). ``funnel``: default the standard."""
        self._acc = _ls._CompetingRisks(Funnel.standard() if funnel is None else funnel, to_seconds(as_of))

    def add(self, history: History, by: str | None = None) -> "CompetingRisksStats":
        """Adds every lead of the history (no entry may be after as_of), grouped by the key ``by`` (as
        :meth:`ConversionStats.add` takes it; None = one group). Returns self."""
        self._acc.add(history._h, by)
        return self

    @property
    def as_of(self) -> pd.Timestamp:
        """The observation time (UTC)."""
        return pd.Timestamp(self._acc.as_of_seconds, unit="s", tz="UTC")

    def counts(self, label: str | None = None) -> pd.Series:
        """Leads of a label (None: all) closed won, closed lost (lost, rejected or nurture), still open (censored)
        and closed without a date (unknown, left out of the curves), and the follow-up: the longest time observed
        (seconds)."""
        return pd.Series(self._acc.counts(label))

    def groups(self) -> pd.DataFrame:
        """:meth:`counts` of each label of the key, labels ascending."""
        cols = ["won", "lost", "censored", "unknown", "follow_up"]
        rows = [{"label": label, **self._acc.counts(label)} for label in self._acc.labels()]
        return pd.DataFrame(rows, columns=["label"] + cols).set_index("label")

    def curve(self, label: str | None = None) -> pd.DataFrame:
        """The curves of a label (None: all), one row per time a lead closed: time (seconds), at_risk, won, lost,
        survival (still open), won_incidence (P(won by time)) with its 95 % interval (won_low, won_high) and
        variance, and the same for lost. survival + won_incidence + lost_incidence = 1."""
        return pd.DataFrame(self._acc.curve(label))

    def at(self, times, label: str | None = None) -> pd.DataFrame:
        """The curves of a label (None: all) at the given durations since first touch (a Timedelta, a
        datetime.timedelta or text like "90D", or a list of them), indexed by time in seconds. ``observed`` is
        False beyond the longest time observed, where the values are NaN (no estimate)."""
        return pd.DataFrame(self._acc.at(_duration_list(times), label)).set_index("time")


# ---- everything at once -----------------------------------------------------------------------------------------


class FunnelStats:
    """The six accumulators of one history, filled and merged together (what ``leadscore.dask.funnel_stats``
    reduces). Attributes: ``conversion``, ``timing``, ``kpi``, ``cohorts``, ``markov``, ``competing``; ``by`` and
    ``customer`` are the keys ``add`` groups by."""

    def __init__(self, as_of, funnel: Funnel | None = None, *, by: str | None = None, period: str = "month",
                 window=None, opportunity_stage: str | None = None, customer: str | None = None,
                 keep_stays: bool = True, open_as_lost_after=None):
        """Empty accumulators; the options are those of :func:`funnel_stats`."""
        funnel = Funnel.standard() if funnel is None else funnel
        self.by, self.customer = by, customer
        self.conversion = ConversionStats(funnel, window)
        self.timing = TimingStats(as_of, funnel)
        self.kpi = KpiStats(as_of, funnel, period, opportunity_stage)
        self.cohorts = CohortStats(as_of, period)
        self.markov = MarkovStats(funnel, keep_stays, open_as_lost_after, as_of if open_as_lost_after else None)
        self.competing = CompetingRisksStats(as_of, funnel)

    _parts = ("conversion", "timing", "kpi", "cohorts", "markov", "competing")

    def add(self, history: History) -> "FunnelStats":
        """Adds every lead of the history to each accumulator. Returns self."""
        self.conversion.add(history, self.by)
        self.timing.add(history)
        self.kpi.add(history, self.by, self.customer)
        self.cohorts.add(history)
        self.markov.add(history)
        self.competing.add(history, self.by)
        return self

    def merge(self, other: "FunnelStats") -> "FunnelStats":
        """Merges each accumulator (the same options, other leads). Returns self."""
        if (self.by, self.customer) != (other.by, other.customer):
            raise _ls.DefinitionError(
                f"funnel stats: merging stats keyed by ({self.by!r}, {self.customer!r}) with ({other.by!r}, "
                f"{other.customer!r})"
            )
        for name in self._parts:
            getattr(self, name).merge(getattr(other, name))
        return self

    def __eq__(self, other):
        return (
            isinstance(other, FunnelStats)
            and (self.by, self.customer) == (other.by, other.customer)
            and all(getattr(self, n) == getattr(other, n) for n in self._parts)
        )

    __hash__ = None

    def __repr__(self) -> str:
        return f"<leadscore.FunnelStats: {self.conversion.leads} leads, as of {self.timing.as_of}>"


def funnel_stats(data, funnel: Funnel | None = None, *, as_of=None, by: str | None = None, period: str = "month",
                 window=None, opportunity_stage: str | None = None, customer: str | None = None,
                 keep_stays: bool = True, open_as_lost_after=None, **columns) -> FunnelStats:
    """Every funnel statistic of a history: a DataFrame (``columns`` as :meth:`History.from_pandas` takes them) or
    a :class:`History`. ``as_of`` defaults to the latest entry. ``by``: the breakdown key of conversion, KPIs and
    competing risks; ``period``: of KPIs and cohorts; ``window``: the conversion window; ``opportunity_stage`` and
    ``customer``: of KPIs; ``keep_stays`` and ``open_as_lost_after``: of the Markov chain (see each class)."""
    h = _history(data, funnel, columns)
    if as_of is None:
        as_of = h.latest_entry
        if as_of is None:
            raise InputError("funnel stats: the history is empty; give as_of")
    stats = FunnelStats(as_of, h.funnel, by=by, period=period, window=window, opportunity_stage=opportunity_stage,
                        customer=customer, keep_stays=keep_stays, open_as_lost_after=open_as_lost_after)
    return stats.add(h)
