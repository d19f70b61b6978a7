"""leadscore.dask.funnel_stats, score, explain and fit_frequency: on partitions of unequal size (for funnel_stats with
and without the shuffle by lead), on the local scheduler and on a distributed.LocalCluster of two worker processes on
127.0.0.1: results equal the single-process ones exactly (scores bit for bit, models byte for byte); errors in a
partition arrive with the library's message; a straddling lead, a missing column and a closed cluster are named."""

import re

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import leadscore
import leadscore.dask
from leads_data import leads
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


# ---- score, explain and fit_frequency ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lead_frame():
    df = leads(n=300, seed=5)
    df.index = pd.Index([f"L{i:04d}" for i in range(len(df))], name="lead")  # labels the results must keep
    df["outcome"] = np.where(df.pop("won"), "won", "lost")
    df.loc[df.index[::9], "outcome"] = None  # open leads: not counted
    return df


@pytest.fixture(scope="module")
def lead_models(lead_frame):
    table = leadscore.Table.from_pandas(lead_frame)
    return (leadscore.fit_model("logistic", table, "outcome", ["won"]),
            leadscore.fit_model("frequency", table, "outcome", ["won"]))


def lead_parts(df, cuts=(0.01, 0.5, 0.52, 0.8)):
    """Five partitions of unequal size (one of three rows)."""
    return partitions(uneven(df, cuts))


def same_bits(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def check_scores_and_explanations(ddf, df, model, run):
    s = leadscore.dask.score(ddf, model, as_of=AS_OF)
    assert s.dtype == np.float64 and s.name == "score"
    got = run(s)
    assert got.index.equals(df.index)
    assert same_bits(got.to_numpy(), model.score(df, as_of=AS_OF))
    e = leadscore.dask.explain(ddf, model, top=2, as_of=AS_OF)
    expected = model.explain(df, top=2, as_of=AS_OF)
    assert e._meta.dtypes.equals(expected.dtypes)
    got = run(e)
    assert got.reset_index(drop=True).equals(expected)
    assert same_bits(got["contribution"], expected["contribution"])
    assert list(got.index) == list(df.index[expected["row"]])


def test_score_and_explain_equal_single_process(lead_frame, lead_models):
    ddf = lead_parts(lead_frame.drop(columns="outcome"))
    assert ddf.npartitions == 5
    for model in lead_models:
        check_scores_and_explanations(ddf, lead_frame, model, lambda x: x.compute(scheduler="threads"))
    with_empty = lead_parts(lead_frame, cuts=(0.3, 0.3, 0.31, 0.9))  # an empty partition, one of three rows
    check_scores_and_explanations(with_empty, lead_frame, lead_models[0], lambda x: x.compute(scheduler="sync"))
    expected = leadscore.fit_model("frequency", leadscore.Table.from_pandas(lead_frame), "outcome", ["won"])
    assert leadscore.dask.fit_frequency(with_empty, "outcome", ["won"]).to_bytes() == expected.to_bytes()


def test_score_names_the_column(lead_frame, lead_models):
    logistic, _ = lead_models
    with pytest.raises(leadscore.InputError, match="column 'region' \\(a field of the model\\) is not in the frame"):
        leadscore.dask.score(lead_parts(lead_frame.drop(columns="region")), logistic)
    with pytest.raises(leadscore.InputError, match="field 'budget'"):
        leadscore.dask.explain(lead_parts(lead_frame.assign(budget=lead_frame["budget"].astype(str))), logistic)
    with pytest.raises(leadscore.InputError, match="expected a dask DataFrame"):
        leadscore.dask.score(lead_frame, logistic)


def test_fit_frequency_equals_single_process(lead_frame):
    table = leadscore.Table.from_pandas(lead_frame)
    expected = leadscore.fit_model("frequency", table, "outcome", ["won"])
    got = leadscore.dask.fit_frequency(lead_parts(lead_frame), "outcome", ["won"], split_every=2)
    assert got.to_bytes() == expected.to_bytes()  # tables, report, vocabularies and bands
    assert got.report["rows"] == (lead_frame["outcome"].notna()).sum()
    assert same_bits(got.score(lead_frame), expected.score(lead_frame))
    flags = lead_frame.assign(closed=lead_frame["outcome"] == "won").drop(columns="outcome")
    options = {"fields": ["region", "newsletter"], "smoothing": 0.5}
    expected = leadscore.fit_model("frequency", leadscore.Table.from_pandas(flags), "closed", params=options)
    got = leadscore.dask.fit_frequency(lead_parts(flags), "closed", **options)
    assert got.to_bytes() == expected.to_bytes()
    with pytest.raises(leadscore.DefinitionError, match="the variable field 'colour' is not in the table"):
        leadscore.dask.fit_frequency(lead_parts(lead_frame), "outcome", ["won"], fields=["colour"])


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


def test_score_explain_and_fit_on_the_cluster(cluster, lead_frame, lead_models):
    _, client = cluster
    ddf = lead_parts(lead_frame)
    for model in lead_models:
        check_scores_and_explanations(ddf, lead_frame, model, lambda x: client.compute(x).result())
    expected = leadscore.fit_model("frequency", leadscore.Table.from_pandas(lead_frame), "outcome", ["won"])
    got = leadscore.dask.fit_frequency(ddf, "outcome", ["won"], split_every=2, client=client)
    assert got.to_bytes() == expected.to_bytes()


def test_score_worker_error_has_the_library_message(cluster, lead_frame, lead_models):
    _, client = cluster
    frames = uneven(lead_frame)
    bad = frames[2].copy()
    bad["newsletter"] = bad["newsletter"].map({True: "yes", False: "no"})  # texts in a boolean column
    frames[2] = bad
    with pytest.raises(leadscore.InputError) as single:
        lead_models[0].score(bad)
    assert "field 'newsletter'" in str(single.value)
    with pytest.raises(leadscore.InputError, match=re.escape(str(single.value))):
        client.compute(leadscore.dask.score(partitions(frames), lead_models[0])).result()
    with pytest.raises(leadscore.InputError, match=re.escape(str(single.value))):
        leadscore.dask.fit_frequency(partitions(frames), "outcome", ["won"], client=client)
    other = pytest.importorskip("distributed").Client(cluster[0].scheduler_address)
    other.close()
    with pytest.raises(leadscore.Error, match="the client is closed, not running"):
        leadscore.dask.score(partitions(frames), lead_models[0], client=other)
    with pytest.raises(leadscore.Error, match="the client is closed, not running"):
        leadscore.dask.fit_frequency(partitions(frames), "outcome", ["won"], client=other)


def test_fit_logistic_on_the_cluster(cluster):
    """leadscore.dask.fit_logistic on the two worker processes equals the single-machine fit (test_dask_fit.py
    checks it in more settings on the local scheduler); a partition's error arrives with the library's message."""
    import numpy as np
    from test_dask_fit import assert_same_fit, four_parts, frame_data

    _, client = cluster
    frame = frame_data()
    params = dict(numeric="standardize_and_bins", bins=5, l2=0.2, balanced=True)
    expected = leadscore.fit_model("logistic", leadscore.Table.from_pandas(frame), "won", (), params)
    got = leadscore.dask.fit_logistic(partitions(four_parts(frame)), "won", client=client, split_every=2, **params)
    assert_same_fit(got, expected)
    parts = four_parts(frame)
    bad = parts[2].copy()
    bad.iloc[3, bad.columns.get_loc("budget")] = np.inf
    parts[2] = bad
    with pytest.raises(leadscore.InputError, match="field 'budget'.*row 3: the value is infinite"):
        leadscore.dask.fit_logistic(partitions(parts), "won", client=client)


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
