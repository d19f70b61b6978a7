"""leadscore.dask.fit_logistic: logistic regression over the partitions of a Dask DataFrame, equal to the
single-machine fit (leadscore.fit_model("logistic", ...)).

Two kinds of pass run on the workers, each partition with the C++ engine and each result merged in a fixed tree:
first the encoder's statistics (counts, sums, texts and, for binned fields, the count of every distinct value, so the
quantile cuts are exact order statistics); then, per Newton iteration, the loss, gradient and Hessian sums at the
client's parameters (and the loss alone at each line-search trial). The client runs the C++ Newton driver
(leadscore/train/logistic_solver.hpp), which calls back here for the sums.
"""

from __future__ import annotations

import functools

from . import _leadscore as _ls
from ._model import Model
from ._table import _as_seconds, _infer_type, _pandas_columns

__all__ = ["fit_logistic"]


def _table(df, schema):
    return _ls._Table(len(df), _pandas_columns(df, schema), None, 1)


def _part_statistics(df, config):
    return _ls._logistic_part_statistics(_table(df, config["schema"]), config["target"], config["positive"],
                                         config["params"], config["as_of"])


def _merge_statistics(parts, config):
    state = _ls._logistic_merge_statistics(_table(config["meta"], config["schema"]), config["target"],
                                           config["params"], config["as_of"], [p[0] for p in parts])
    return state, sum(p[1] for p in parts), sum(p[2] for p in parts)


def _part_sums(df, config, encoder, theta, weights, full):
    return _ls._logistic_part_sums(_table(df, config["schema"]), config["target"], config["positive"], encoder, theta,
                                   weights[0], weights[1], full, config["as_of"])


def _add_sums(parts):
    loss, g, h = parts[0]
    for other in parts[1:]:  # in order: the same tree adds the same way on every run
        loss += other[0]
        if g is not None:
            g = g + other[1]
            h = h + other[2]
    return loss, g, h


def _tree(parts, merge, split_every):
    import dask

    while len(parts) > 1:
        parts = [dask.delayed(merge)(parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
    return parts[0]


def fit_logistic(ddf, target, positive=(), *, client=None, split_every=8, persist=True, as_of=None, **params):
    """Fits logistic regression on every labelled row of a Dask DataFrame: the model
    ``leadscore.fit_model("logistic", Table.from_pandas(ddf.compute()), target, positive, params)`` returns, with the
    same encoder (vocabularies, missing indicators and quantile cut points exactly; centers and scales up to
    rounding) and coefficients equal to 1e-9.

    ``target``: a boolean column, or a categorical one whose ``positive`` texts are 1. ``params``: the options of
    leadscore/train/logistic.hpp by their C++ names (l2, l1, balanced, numeric, bins, min_category_count, ...);
    ``event_counts`` is not supported (the events are not in the frame). ``persist``: keep the partitions in the
    workers' memory for the fit's passes (otherwise each pass reads them anew). ``split_every``: partial results
    merged per task. ``client``: a ``distributed.Client`` (default: Dask's current scheduler). Errors in a partition
    arrive as the library's exceptions with its messages; a closed client raises leadscore.Error.
    """
    import dask
    import dask.dataframe as dd

    from .dask import _check_client

    if not isinstance(ddf, dd.DataFrame):
        raise _ls.InputError(f"dask.fit_logistic: expected a dask DataFrame, got {type(ddf).__name__}")
    if split_every < 2:
        raise _ls.DefinitionError("dask.fit_logistic: split_every must be at least 2")
    if params.get("event_counts"):
        raise _ls.DefinitionError("dask.fit_logistic: event_counts are not supported (a Dask frame carries no "
                                  "engagement events); fit them with leadscore.fit_model on one machine")
    if target not in ddf.columns:
        raise _ls.InputError(f"column '{target}' (the target) is not in the frame; it has: "
                             f"{', '.join(map(str, ddf.columns))}")
    _check_client(client)
    meta = ddf._meta
    schema = [(str(c), _infer_type(str(c), meta[c])) for c in meta.columns]
    config = {"target": str(target), "positive": [str(p) for p in positive], "params": dict(params),
              "as_of": 0 if as_of is None else _as_seconds(as_of), "schema": schema, "meta": meta}
    # Bad options, fields and targets fail here, before any task runs.
    _ls._logistic_part_statistics(_table(meta, schema), config["target"], config["positive"], config["params"],
                                  config["as_of"])

    def run(x):
        return dask.compute(x)[0] if client is None else client.compute(x).result()

    if persist:
        ddf = ddf.persist() if client is None else client.persist(ddf)
    partitions = ddf.to_delayed()
    stats = [dask.delayed(_part_statistics)(p, config) for p in partitions]
    state, rows, positives = run(_tree(stats, functools.partial(_merge_statistics, config=config), split_every))
    encoder, _notes, _width, wp, wn = _ls._logistic_encoder(_table(meta, schema), config["target"], config["params"],
                                                           config["as_of"], state, rows, positives)

    def oracle(theta, full):
        sums = [dask.delayed(_part_sums)(p, config, encoder, theta, (wp, wn), full) for p in partitions]
        return run(_tree(sums, _add_sums, split_every))

    core = _ls._logistic_fit(_table(meta, schema), config["target"], config["positive"], config["params"],
                             config["as_of"], state, rows, positives, oracle)
    return Model.from_bytes(core)
