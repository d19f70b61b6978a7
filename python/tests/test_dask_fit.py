"""leadscore.dask.fit_logistic on four partitions of unequal size: the fit equals the single-machine fit
(leadscore.fit_model) — the same encoder (cut points and vocabularies exactly) and every coefficient to 1e-9 — with
standardized and binned numbers, L2 and L1, class weights; errors arrive as raised. On the LocalCluster of two worker
processes: test_dask.py (it shares its cluster)."""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import leadscore
import leadscore.dask
from leadscore import _leadscore as _ls
from leads_data import leads


def partitions(frames):
    """A Dask frame whose partitions are exactly these frames."""
    return dd.from_delayed([dask.delayed(f) for f in frames], meta=frames[0].iloc[:0], verify_meta=False)


def four_parts(df):
    at = [0, 7, 260, 268, len(df)]  # unequal: 7, 253, 8 and the rest
    return [df.iloc[a:b] for a, b in zip(at, at[1:])]


def frame_data():
    return leads(n=600, seed=5)


@pytest.fixture(scope="module")
def frame():
    return frame_data()


def parts_of(model):
    return _ls._logistic_parts(model.to_bytes())


def assert_same_fit(got, expected):
    names, w, b, specs = parts_of(got)
    names_e, w_e, b_e, specs_e = parts_of(expected)
    assert names == names_e
    assert len(specs) == len(specs_e)
    for s, e in zip(specs, specs_e):
        if s[0] == "numeric":  # center, scale and impute: sums merged across partitions, up to rounding
            assert s[1] == e[1] and s[5] == e[5]
            assert s[2:5] == pytest.approx(e[2:5], rel=1e-14, abs=1e-14)
        else:  # cut points, vocabularies, shares of true and indicators: exact
            assert s == e
    np.testing.assert_allclose(w, w_e, rtol=0, atol=1e-9)
    assert abs(b - b_e) <= 1e-9
    assert got.report["converged"] and expected.report["converged"]
    assert got.report["rows"] == expected.report["rows"]
    assert got.report["positives"] == expected.report["positives"]
    assert got.report["notes"] == expected.report["notes"]
    assert got.fields == expected.fields
    assert got.vocabulary == expected.vocabulary
    assert got.bands == expected.bands


SETTINGS = [
    dict(l2=1.0),
    dict(numeric="bins", bins=6, l2=0.5),
    dict(numeric="standardize_and_bins", bins=4, l1=0.8, l2=0.1),
    dict(balanced=True, l2=0.3, min_category_count=40),
    dict(positive_weight=2.5, negative_weight=0.5, missing_indicators=False),
]


@pytest.mark.parametrize("params", SETTINGS, ids=lambda p: ",".join(p))
def test_fit_equals_single_machine(frame, params):
    expected = leadscore.fit_model("logistic", leadscore.Table.from_pandas(frame), "won", (), params)
    got = leadscore.dask.fit_logistic(partitions(four_parts(frame)), "won", **params)
    assert_same_fit(got, expected)
    if "bins" in params:  # the cut points really are quantiles of the present values
        cuts = [s for s in parts_of(got)[3] if s[0] == "bins" and s[1] == "budget"][0][2]
        values = np.sort(frame.budget.to_numpy())
        n, k = len(values), params["bins"]
        assert cuts == sorted({values[(j * n) // k] for j in range(1, k)} - {values[0]})


def test_categorical_target_and_scores(frame):
    df = frame.drop(columns="won").assign(outcome=pd.Categorical(np.where(frame.won, "won", "lost")))
    expected = leadscore.fit_model("logistic", leadscore.Table.from_pandas(df), "outcome", ["won"], {"l2": 2.0})
    got = leadscore.dask.fit_logistic(partitions(four_parts(df)), "outcome", ["won"], l2=2.0, persist=False)
    assert_same_fit(got, expected)
    np.testing.assert_allclose(got.score(df), expected.score(df), rtol=0, atol=1e-12)


def test_bad_input_named_before_running(frame):
    ddf = partitions(four_parts(frame))
    with pytest.raises(leadscore.DefinitionError, match="event_counts are not supported"):
        leadscore.dask.fit_logistic(ddf, "won", event_counts=["email_opened"])
    with pytest.raises(leadscore.DefinitionError, match="unknown parameter 'c'"):
        leadscore.dask.fit_logistic(ddf, "won", c=1.0)
    with pytest.raises(leadscore.DefinitionError, match="field 'colour' is not in the table"):
        leadscore.dask.fit_logistic(ddf, "won", fields=["colour"])
    with pytest.raises(leadscore.InputError, match="column 'lost'"):
        leadscore.dask.fit_logistic(ddf, "lost")
    with pytest.raises(leadscore.InputError, match="expected a dask DataFrame"):
        leadscore.dask.fit_logistic(frame, "won")
    only_won = partitions(four_parts(frame[frame.won]))
    with pytest.raises(leadscore.DefinitionError, match="no negative label"):
        leadscore.dask.fit_logistic(only_won, "won")


def test_error_in_a_newton_pass_passes_through_the_driver(frame, monkeypatch):
    """An exception raised while the C++ driver waits for the partitions' sums (the callback holds the GIL, the
    driver does not) arrives as it was raised."""
    import leadscore._dask_logistic as impl

    calls = []

    def failing(df, config, encoder, theta, weights, full):
        calls.append(full)
        raise leadscore.InputError("field 'budget', row 2: raised in a partition's sums")

    monkeypatch.setattr(impl, "_part_sums", failing)
    # in this process, whatever the default scheduler
    with dask.config.set(scheduler="sync"):
        with pytest.raises(leadscore.InputError, match="row 2: raised in a partition's sums"):
            leadscore.dask.fit_logistic(partitions(four_parts(frame)), "won", persist=False)
    assert calls and calls[0] is True  # the first call asks for the gradient and Hessian
