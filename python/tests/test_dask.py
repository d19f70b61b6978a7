"""leadscore.dask.funnel_stats: on partitions of unequal size, with and without the shuffle by lead, on the local
scheduler and on a distributed.LocalCluster of two worker processes on 127.0.0.1: results equal the single-process
ones exactly; errors in a partition arrive with the library's message; a straddling lead and a closed cluster are
named."""

import dask
import dask.dataframe as dd
import pandas as pd
import pytest

import leadscore
import leadscore.dask
from test_funnel import random_history

AS_OF = pd.Timestamp("2027-01-01")


def partitions(frames):
    """A Dask frame whose partitions are exactly these frames."""
    return dd.from_delayed([dask.delayed(f) for f in frames], meta=frames[0].iloc[:0], verify_meta=False)


def uneven(df, cuts=(0.02, 0.6, 0.63, 0.9)):
    at = [0] + [int(c * len(df)) for c in cuts] + [len(df)]
    return [df.iloc[a:b] for a, b in zip(at, at[1:])]


@pytest.fixture(scope="module")
def history():
    return random_history(leads=400, seed=11)


@pytest.fixture(scope="module")
def expected(history):
    return leadscore.funnel_stats(history, as_of=AS_OF, by="team")


def by_lead(df):
    """Whole leads in five parts of unequal size (lead order kept)."""
    ids = df.lead_id.unique()
    groups = [ids[:5], ids[5:200], ids[200:210], ids[210:390], ids[390:]]
    return [df[df.lead_id.isin(g)] for g in groups]


def test_shuffled_equals_single_process(history, expected):
    ddf = partitions(uneven(history))  # leads straddle these partitions: the shuffle brings them together
    assert ddf.npartitions == 5
    got = leadscore.dask.funnel_stats(ddf, as_of=AS_OF, by="team", split_every=2)
    assert got == expected
    assert got.conversion.table().equals(expected.conversion.table())
    assert got.timing.in_stage().equals(expected.timing.in_stage())
    # as_of defaults to the latest entry, as in one process
    assert leadscore.dask.funnel_stats(ddf) == leadscore.funnel_stats(history)


def test_partitioned_by_lead(history, expected):
    got = leadscore.dask.funnel_stats(partitions(by_lead(history)), as_of=AS_OF, by="team", partitioned_by_lead=True)
    assert got == expected
    parts = by_lead(history)
    lead = parts[3].lead_id.iloc[0]
    moved = parts[3][parts[3].lead_id == lead].iloc[:1]
    parts[1] = pd.concat([parts[1], moved])
    parts[3] = parts[3].drop(moved.index)
    with pytest.raises(leadscore.InputError, match=f"column 'lead_id': lead '{lead}' is in partitions 1 and 3"):
        leadscore.dask.funnel_stats(partitions(parts), as_of=AS_OF, partitioned_by_lead=True)


def test_bad_columns_named_before_running(history):
    ddf = partitions(uneven(history))
    with pytest.raises(leadscore.InputError, match="column 'when'"):
        leadscore.dask.funnel_stats(ddf, time="when")
    with pytest.raises(leadscore.InputError, match="expected a dask DataFrame"):
        leadscore.dask.funnel_stats(history)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=50) as c:
        with distributed.Client(c) as client:
            yield c, client


def test_cluster_equals_single_process(cluster, history, expected):
    _, client = cluster
    assert len(client.scheduler_info()["workers"]) == 2
    assert leadscore.dask.funnel_stats(partitions(uneven(history)), as_of=AS_OF, by="team", client=client) == expected
    got = leadscore.dask.funnel_stats(partitions(by_lead(history)), as_of=AS_OF, by="team",
                                      partitioned_by_lead=True, client=client)
    assert got == expected
    assert got.markov.outlook().equals(expected.markov.outlook())
    # the same build on every worker here: binary archives between them give the same result
    assert leadscore.dask.funnel_stats(partitions(by_lead(history)), as_of=AS_OF, by="team", archive="binary",
                                       partitioned_by_lead=True, client=client) == expected


def test_worker_error_has_the_library_message(cluster, history):
    _, client = cluster
    parts = by_lead(history)
    bad = parts[2].copy()
    bad.iloc[1, bad.columns.get_loc("stage")] = "demo"
    parts[2] = bad
    with pytest.raises(leadscore.InputError, match="column 'stage', row 1: stage 'demo' is not in the funnel"):
        leadscore.dask.funnel_stats(partitions(parts), as_of=AS_OF, partitioned_by_lead=True, client=client)


def test_closed_client_and_cluster(cluster, history):
    c, client = cluster
    distributed = pytest.importorskip("distributed")
    other = distributed.Client(c.scheduler_address)
    other.close()
    with pytest.raises(leadscore.Error, match="the client is closed, not running"):
        leadscore.dask.funnel_stats(partitions(uneven(history)), as_of=AS_OF, client=other)
    c.close()  # the last test of the module: the fixture's exit closes it again, harmlessly
    with pytest.raises(leadscore.Error, match="dask: the client is (connecting|closed|closing), not running"):
        leadscore.dask.funnel_stats(partitions(uneven(history)), as_of=AS_OF, client=client)
