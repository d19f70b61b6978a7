"""leadscore over Dask: funnel statistics of histories spread over many partitions and machines; scores,
explanations and frequency-table fits of leads spread likewise.

``funnel_stats`` builds one :class:`leadscore.FunnelStats` per partition on the workers and merges them in a tree
(``merge`` adds counts and durations exactly), so the result equals the single-process one exactly. Leads must not
straddle partitions: by default the history is shuffled by lead id first; ``partitioned_by_lead=True`` skips the
shuffle for a history already partitioned by lead, and checks that it is. Works with any Dask scheduler: the local
one, or a ``distributed.Client`` of a real cluster (docs/python_funnel.md).

``score`` and ``explain`` run :meth:`leadscore.Model.score` / ``explain`` on each partition (the model travels to
the workers pickled, as its portable text archive); ``fit_frequency`` counts each partition and merges the counts
in a tree (docs/python.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _leadscore as _ls
from .funnel import (CohortStats, ConversionStats, FunnelStats, History, InputError, KpiStats, MarkovStats,
                     TimingStats, to_seconds)

__all__ = ["funnel_stats", "score", "explain", "fit_frequency"]

_PART, _POS = "__leadscore_partition", "__leadscore_position"


class _Straddle(Exception):
    """Raised inside the reduction when two parts hold one lead (by its hash); the client names the lead."""

    def __init__(self, digest, left, right):
        super().__init__(digest, left, right)
        self.digest, self.left, self.right = digest, left, right


from .funnel import CompetingRisksStats  # noqa: E402

_CLASSES = dict(conversion=ConversionStats, timing=TimingStats, kpi=KpiStats, cohorts=CohortStats, markov=MarkovStats,
                competing=CompetingRisksStats)


class _Part:
    """A part of the reduction as it travels between processes: the stats in archives of the format asked for."""

    __slots__ = ("stats", "digests", "span", "archive")

    def __init__(self, stats, digests, span, archive):
        self.stats, self.digests, self.span, self.archive = stats, digests, span, archive

    def __reduce__(self):
        blobs = {n: getattr(self.stats, n).to_bytes(self.archive) for n in _CLASSES}
        return (_rebuild_part, (blobs, self.stats.by, self.stats.customer, self.digests, self.span, self.archive))


def _rebuild_part(blobs, by, customer, digests, span, archive):
    stats = FunnelStats.__new__(FunnelStats)
    stats.by, stats.customer = by, customer
    for name, cls in _CLASSES.items():
        setattr(stats, name, cls.from_bytes(blobs[name], archive))
    return _Part(stats, digests, span, archive)


def _lead_digests(df: pd.DataFrame, lead: str) -> np.ndarray:
    ids = df[lead].dropna().astype(str)
    return np.unique(pd.util.hash_array(ids.to_numpy(dtype=object)))


def _part_stats(df: pd.DataFrame, number: int, config: dict, check: bool):
    """A partition's stats; with `check`, the sorted hashes of its lead ids and the partitions it covers."""
    if _PART in df.columns:  # restore the frame's order after the shuffle: ties of a lead keep it
        df = df.sort_values([_PART, _POS], kind="stable").drop(columns=[_PART, _POS])
    h = History.from_pandas(df, config["funnel"], **config["columns"])
    stats = FunnelStats(config["as_of"], config["funnel"], **config["options"]).add(h)
    digests = _lead_digests(df, config["columns"]["lead"]) if check else None
    return _Part(stats, digests, (number, number + 1), config["archive"])


def _merge_parts(parts):
    stats, digests, span = parts[0].stats, parts[0].digests, parts[0].span
    for part in parts[1:]:
        other_stats, other_digests, other_span = part.stats, part.digests, part.span
        if digests is not None:
            both = np.intersect1d(digests, other_digests, assume_unique=True)
            if len(both):
                raise _Straddle(int(both[0]), span, other_span)
            digests = np.union1d(digests, other_digests)
        stats = stats.merge(other_stats)
        span = (span[0], other_span[1])
    return _Part(stats, digests, span, parts[0].archive)


def _check_client(client):
    if client is None:
        return
    status = getattr(client, "status", "running")
    if status != "running":
        raise _ls.Error(f"dask: the client is {status}, not running: its cluster is closed or unreachable "
                        "(start the cluster, then a new Client)")
    try:
        workers = client.scheduler_info().get("workers", {})
    except Exception as e:  # a scheduler that went away: CommClosedError, OSError, timeouts
        raise _ls.Error(f"dask: the scheduler does not answer ({type(e).__name__}: {e})") from e
    if not workers:
        raise _ls.Error("dask: the cluster has no workers")


def _name_straddle(ddf, lead: str, s: _Straddle):
    """The lead behind a hash and the first two partitions holding it, as an InputError."""
    def holding(span):
        for i in range(*span):
            ids = ddf.partitions[i][lead].dropna().astype(str).compute()
            hit = ids[pd.util.hash_array(ids.to_numpy(dtype=object)) == np.uint64(s.digest)]
            if len(hit):
                return i, hit.iloc[0]
        return None, None

    (a, name), (b, _) = holding(s.left), holding(s.right)
    return InputError(
        f"column '{lead}': lead '{name}' is in partitions {a} and {b}; with partitioned_by_lead=True each lead's "
        "entries must all be in one partition (leave partitioned_by_lead False to shuffle by lead)"
    )


def funnel_stats(ddf, funnel=None, *, as_of=None, by=None, period="month", window=None, opportunity_stage=None,
                 customer=None, keep_stays=True, open_as_lost_after=None, partitioned_by_lead=False, split_every=8, client=None, archive="text",
                 lead="lead_id", stage="stage", time="entered_at", value=None, source=None, attributes=None):
    """Funnel statistics of a Dask DataFrame history (one row per stage entry), equal to
    ``leadscore.funnel_stats(ddf.compute(), ...)`` exactly.

    Column options as :meth:`leadscore.History.from_pandas` (``value`` and ``source`` default to the columns of
    those names when present; ``attributes`` to every other column). ``as_of`` defaults to the latest entry (one
    more pass over the time column; give it to save the pass). ``partitioned_by_lead``: the caller promises that
    no lead straddles partitions; the promise is checked (hashes of the partitions' lead ids merged in the tree) and
    a broken one raises InputError naming a straddling lead. Otherwise the history is shuffled by lead, keeping each
    lead's rows in their order. ``split_every``: parts merged per task. ``client``: a ``distributed.Client`` to run
    on (default: Dask's current scheduler); a closed client or a cluster without workers raises leadscore.Error.
    ``archive``: the archive format of the partial results moving between processes: "text" (portable, the
    default) or "binary" (faster; only when every worker runs the same leadscore build on the same platform).
    Errors in a partition arrive as the library's exceptions with its messages.
    """
    import dask
    import dask.dataframe as dd

    if not isinstance(ddf, dd.DataFrame):
        raise InputError(f"dask.funnel_stats: expected a dask DataFrame, got {type(ddf).__name__}")
    if split_every < 2:
        raise _ls.DefinitionError("dask.funnel_stats: split_every must be at least 2")
    if archive not in ("text", "binary"):
        raise _ls.DefinitionError(f"dask.funnel_stats: archive '{archive}': expected text or binary")
    _check_client(client)
    columns = {"lead": lead, "stage": stage, "time": time, "attributes": attributes}
    if value is not None:
        columns["value"] = value
    if source is not None:
        columns["source"] = source
    for what, name in (("lead id", lead), ("stage", stage), ("time", time), ("value", value), ("source", source)):
        if name is not None and name not in ddf.columns:
            raise InputError(f"column '{name}' ({what}) is not in the frame; it has: {', '.join(map(str, ddf.columns))}")
    compute = client.compute if client is not None else None

    def run(x):
        if compute is None:
            return dask.compute(x)[0]
        return compute(x).result()

    if as_of is None:
        latest = run(ddf[time].max())
        if pd.isna(latest):
            raise InputError("dask.funnel_stats: the history is empty; give as_of")
        as_of = latest
    to_seconds(as_of)  # refuse a bad as_of here rather than in every task
    config = {
        "funnel": _ls.Funnel.standard() if funnel is None else funnel,
        "as_of": as_of,
        "archive": archive,
        "columns": columns,
        "options": {"by": by, "period": period, "window": window, "opportunity_stage": opportunity_stage,
                    "customer": customer, "keep_stays": keep_stays, "open_as_lost_after": open_as_lost_after},
    }
    if not partitioned_by_lead:
        def number(df, partition_info=None):
            n = partition_info["number"] if partition_info else 0
            return df.assign(**{_PART: np.int64(n), _POS: np.arange(len(df), dtype=np.int64)})

        ddf = ddf.map_partitions(number, meta=number(ddf._meta)).shuffle(on=lead)
    parts = [dask.delayed(_part_stats)(p, i, config, partitioned_by_lead) for i, p in enumerate(ddf.to_delayed())]
    while len(parts) > 1:
        parts = [dask.delayed(_merge_parts)(parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
    try:
        stats = run(parts[0]).stats
    except _Straddle as s:
        raise _name_straddle(ddf, lead, s) from None
    return stats


# ---- scores and explanations of leads, per partition -----------------------------------------------------------

def _lead_frame_checks(who, ddf, model):
    """The frame is a Dask DataFrame holding the model's fields with dtypes their types read (checked on the
    frame's meta, so before any work is sent); the model is a leadscore.Model."""
    import dask.dataframe as dd

    from ._model import Model

    if not isinstance(ddf, dd.DataFrame):
        raise InputError(f"dask.{who}: expected a dask DataFrame, got {type(ddf).__name__}")
    if not isinstance(model, Model):
        raise InputError(f"dask.{who}: expected a leadscore.Model, got {type(model).__name__}")
    for name, _type, _role in model.fields:
        if name not in ddf.columns:
            raise InputError(f"column '{name}' (a field of the model) is not in the frame; it has: "
                             f"{', '.join(map(str, ddf.columns))}")
    model.score(ddf._meta)  # wrong dtypes: InputError naming the column


def _fixed_as_of(as_of):
    """One as_of for every partition: "now" is taken once, on the client."""
    from ._table import _as_seconds

    return int(pd.Timestamp.now("UTC").timestamp()) if as_of is None else _as_seconds(as_of)


def _score_part(df, model, name, threads, as_of):
    return pd.Series(model.score(df, threads=threads, as_of=as_of), index=df.index, name=name, dtype=np.float64)


def score(ddf, model, *, name="score", threads=1, as_of=None, client=None):
    """The score of every row of a Dask DataFrame, as a Dask Series of float64 named ``name`` with the frame's index
    and divisions: per partition ``model.score(df)``, so equal to ``model.score(ddf.compute())`` bit for bit.

    The model travels to the workers once, as its portable text archive. ``threads``: the engine's threads in each
    task (default 1: Dask runs tasks side by side; 0 = every hardware thread). ``as_of`` (default: now, taken once
    on the client) as Model.score's. Missing fields and wrong dtypes raise InputError naming the column before any
    work is sent; a partition's error arrives as the library's exception with its message (rows numbered within
    the partition). ``client``: checked as funnel_stats checks it (a closed one raises leadscore.Error); the
    result is lazy and runs on Dask's current scheduler when computed.
    """
    import dask

    _lead_frame_checks("score", ddf, model)
    _check_client(client)
    as_of = _fixed_as_of(as_of)
    meta = pd.Series([], dtype=np.float64, name=name, index=ddf._meta.index)
    return ddf.map_partitions(_score_part, dask.delayed(model), name, threads, as_of, meta=meta,
                              align_dataframes=False)


def _explain_part(df, model, top, as_of):
    e = model.explain(df, top, as_of=as_of)
    return e.set_axis(df.index[e["row"].to_numpy()], axis=0)


def _explain_shift(df, lengths, partition_info=None):
    """Rows numbered within their partition → positions in the whole frame."""
    number = partition_info["number"] if partition_info else 0
    offset = int(sum(lengths[:number]))
    if offset:
        df = df.assign(row=df["row"].to_numpy() + np.int64(offset))
    return df


def explain(ddf, model, top=3, *, as_of=None, client=None):
    """The ``top`` factors behind each row's score, as a Dask DataFrame with the columns of
    :meth:`leadscore.Model.explain` (row, rank, factor, contribution, score; same dtypes) and, as index, the label of
    the row in ``ddf`` (so the factors join back on it). ``row`` is the position in the whole frame:
    ``explain(ddf, m).compute().reset_index(drop=True)`` equals ``m.explain(ddf.compute())`` bit for bit. The
    positions need every partition's length, so the partitions' explanations are held until all are counted.
    ``as_of``, errors and ``client`` as in :func:`score`.
    """
    import dask

    if top < 0:
        raise ValueError("top must be 0 or more")
    _lead_frame_checks("explain", ddf, model)
    _check_client(client)
    as_of = _fixed_as_of(as_of)
    meta = model.explain(ddf._meta, top, as_of=as_of)
    meta = meta.set_axis(ddf._meta.index[:0], axis=0)
    model_d = dask.delayed(model)
    parts = ddf.map_partitions(_explain_part, model_d, top, as_of, meta=meta, align_dataframes=False)
    lengths = dask.delayed(list)([dask.delayed(len)(p) for p in ddf.to_delayed(optimize_graph=False)])
    return parts.map_partitions(_explain_shift, lengths, meta=meta, align_dataframes=False)


# ---- frequency tables fitted from per-partition counts ---------------------------------------------------------

def _frequency_part(df, schema, target, positive, params):
    from ._table import Table

    return _ls._frequency_count(Table.from_pandas(df, schema=schema)._core, target, positive, params)


def _frequency_merge(parts):
    counts = parts[0]
    for other in parts[1:]:
        counts = counts.merge(other)
    return counts


def fit_frequency(ddf, target, positive=(), *, fields=None, smoothing=0.1, split_every=8, client=None):
    """Frequency tables (Odoo CRM's naive Bayes, leadscore/train/frequency.hpp) fitted on a Dask DataFrame: each
    partition's closed leads counted on the workers, the counts merged in a tree (``split_every`` parts per task),
    the model made on the client. Counts are sums, so the model equals
    ``leadscore.fit_model("frequency", Table.from_pandas(ddf.compute()), target, positive, params)`` exactly (its
    archive byte for byte): tables, report, vocabularies and bands.

    ``target``: a boolean column, or a categorical one whose ``positive`` texts are won (other present texts lost;
    missing ones open, not counted). ``fields``: the categorical and boolean columns counted (default: every one but
    the target); ``smoothing``: the count each table row starts at. Only the counts and the texts of each partition
    travel, never the rows. ``client`` as in :func:`funnel_stats`. Errors as Model.score's.
    """
    import dask
    import dask.dataframe as dd

    from ._model import Model
    from ._table import Table

    if not isinstance(ddf, dd.DataFrame):
        raise InputError(f"dask.fit_frequency: expected a dask DataFrame, got {type(ddf).__name__}")
    if split_every < 2:
        raise _ls.DefinitionError("dask.fit_frequency: split_every must be at least 2")
    _check_client(client)
    params = {"smoothing": smoothing}
    if fields is not None:
        params["fields"] = list(fields)
    positive = list(positive)
    meta = Table.from_pandas(ddf._meta)  # the schema every partition is read with; bad dtypes named here
    schema = meta.fields
    _ls._frequency_count(meta._core, target, positive, params)  # a bad target or field fails before any work
    parts = [dask.delayed(_frequency_part)(p, schema, target, positive, params) for p in ddf.to_delayed()]
    while len(parts) > 1:
        parts = [dask.delayed(_frequency_merge)(parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
    counts = client.compute(parts[0]).result() if client is not None else dask.compute(parts[0])[0]
    return Model(_ls._frequency_model(meta._core, target, positive, params, counts))


# ---- logistic regression: leadscore/_dask_logistic.py ----
from ._dask_logistic import fit_logistic  # noqa: E402

__all__ += ["fit_logistic"]
