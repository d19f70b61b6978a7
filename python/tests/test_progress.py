"""Progress callbacks with cancel on fits (fit_model, the scikit-learn estimators) and on Model.score: told how far
the work is with the GIL held, False cancels with CancelledError, an exception propagates unchanged."""

import threading

import numpy as np
import pytest

import leadscore
from leadscore import Table, fit_model
from leadscore.sklearn import GBTClassifier, LogisticClassifier
from leads_data import leads


class Stop(Exception):
    pass


def recorder(stop_at=None, answer=False):
    """A callback recording (done, total) and, from call `stop_at` on, answering `answer` (or raising it)."""
    calls = []

    def progress(done, total):
        calls.append((done, total, threading.get_ident()))
        if stop_at is not None and len(calls) >= stop_at:
            if isinstance(answer, Exception):
                raise answer
            return answer
        return None

    return progress, calls


@pytest.fixture(scope="module")
def data():
    return leads()


def test_fit_reports_each_step_and_finishes_at_the_total(data):
    progress, calls = recorder()
    model = fit_model("gbt", Table.from_pandas(data), "won", params={"trees": 6, "max_depth": 2}, as_of=0,
                      progress=progress)
    assert model.report["rows"] == len(data)
    shares = [d / t for d, t, _ in calls]
    assert len(calls) >= 6 and shares == sorted(shares) and calls[-1][0] == calls[-1][1] == 6
    assert {ident for *_, ident in calls} == {threading.get_ident()}  # on the calling thread


def test_false_cancels_and_an_exception_propagates_unchanged(data):
    table = Table.from_pandas(data)
    progress, calls = recorder(stop_at=2, answer=False)
    with pytest.raises(leadscore.CancelledError, match="gbt fit: cancelled"):
        fit_model("gbt", table, "won", params={"trees": 50, "max_depth": 2}, as_of=0, progress=progress)
    assert len(calls) == 2  # stopped at the step that answered False
    error = Stop("enough")
    progress, calls = recorder(stop_at=1, answer=error)
    with pytest.raises(Stop) as raised:
        fit_model("logistic", table, "won", as_of=0, progress=progress)
    assert raised.value is error and len(calls) == 1
    assert isinstance(leadscore.CancelledError("x"), leadscore.Error)
    with pytest.raises(leadscore.DefinitionError, match="progress"):
        fit_model("logistic", table, "won", as_of=0, progress=3)


def test_estimators_take_progress_as_a_parameter(data):
    X, y = data.drop(columns="won"), data["won"].to_numpy()
    progress, calls = recorder()
    est = LogisticClassifier(progress=progress).fit(X, y)
    assert calls and calls[-1][0] == calls[-1][1]
    assert est.get_params()["progress"] is progress
    plain = LogisticClassifier().fit(X, y)
    np.testing.assert_array_equal(est.predict_proba(X), plain.predict_proba(X))  # progress changes no number
    with pytest.raises(Stop):
        GBTClassifier(trees=5, progress=recorder(stop_at=1, answer=Stop())[0]).fit(X, y)
    with pytest.raises(leadscore.CancelledError):
        GBTClassifier(trees=5, progress=lambda done, total: False).fit(X, y)


def test_score_reports_blocks_and_cancels():
    df = leads(20000, seed=3)
    model = fit_model("logistic", Table.from_pandas(df), "won", as_of=0)
    progress, calls = recorder()
    scores = model.score(df, threads=1, progress=progress)
    np.testing.assert_array_equal(scores, model.score(df, threads=1))
    assert len(calls) >= 2 and calls[-1][:2] == (20000, 20000)  # after blocks (16 Ki rows from a frame), then the end
    assert [d for d, *_ in calls] == sorted(d for d, *_ in calls)
    with pytest.raises(leadscore.CancelledError, match="cancelled"):
        model.score(df, threads=2, progress=recorder(stop_at=1, answer=False)[0])
    error = Stop()
    with pytest.raises(Stop) as raised:
        model.score(df, progress=recorder(stop_at=1, answer=error)[0])
    assert raised.value is error
