import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from leadscore import Model, Table, fit_model
from leadscore.sklearn import FrequencyClassifier, GBTClassifier, LogisticClassifier
from leads_data import leads

ESTIMATORS = [LogisticClassifier(), FrequencyClassifier(), GBTClassifier(trees=15, max_depth=3, min_category_count=1)]
IDS = ["logistic", "frequency", "gbt"]

@pytest.fixture(scope="module")
def data():
    df = leads()
    return df.drop(columns="won"), np.where(df["won"], "yes", "no")


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
def test_fit_returns_self_and_predict_proba_has_a_column_per_class(est, data):
    X, y = data
    est = clone(est)
    assert est.fit(X, y) is est
    assert list(est.classes_) == ["no", "yes"]
    p = est.predict_proba(X)
    assert p.shape == (len(X), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert set(est.predict(X)) <= {"no", "yes"}
    assert list(est.feature_names_in_) == list(X.columns)
    assert isinstance(est.model_, Model)


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
def test_the_estimators_model_is_the_trainers(est, data):
    X, y = data
    est = clone(est).fit(X, y)
    kind = IDS[[type(e) for e in ESTIMATORS].index(type(est))]
    params = {k: v for k, v in est.get_params().items() if v is not None}
    direct = fit_model(kind, Table.from_pandas(X.assign(target=(y == "yes"))), "target", params=params)
    np.testing.assert_array_equal(est.predict_proba(X)[:, 1], direct.score(X))


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
def test_params_round_trip_and_clone(est):
    params = est.get_params()
    twin = clone(est)
    assert twin.get_params() == params and twin is not est
    assert type(est)(**params).get_params() == params
    changed = clone(est).set_params(**{next(iter(params)): params[next(iter(params))]})
    assert changed.get_params() == params


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
def test_refitting_gives_the_same_model_and_pickles(est, data):
    X, y = data
    a = clone(est).fit(X, y)
    b = clone(est).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    a.fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X), a.predict_proba(X))


def test_cross_val_score_and_grid_search(data):
    X, y = data
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    auc = cross_val_score(LogisticClassifier(), X, y, cv=folds, scoring="roc_auc")
    assert auc.shape == (3,) and np.all(auc > 0.6)  # the rule behind the data is learnable
    grid = GridSearchCV(LogisticClassifier(), {"l2": [0.1, 10.0], "numeric": ["standardize", "bins"]}, cv=folds,
                        scoring="neg_log_loss").fit(X, y)
    assert grid.best_params_["l2"] in (0.1, 10.0)
    assert grid.best_estimator_.predict_proba(X).shape == (len(X), 2)


def test_pipelines_with_a_preprocessing_step(data):
    X, y = data
    numeric = X[["visits", "budget"]].fillna(0).to_numpy()
    pipe = make_pipeline(StandardScaler(), LogisticClassifier())
    assert pipe.fit(numeric, y).predict_proba(numeric).shape == (len(X), 2)
    # A step that adds a column to the DataFrame, then the classifier reads every column by name.
    add = FunctionTransformer(lambda df: df.assign(big=df["budget"] > 60))
    frame = Pipeline([("features", add), ("model", LogisticClassifier())]).fit(X, y)
    assert "big" in {f[0] for f in frame[-1].model_.fields}
    mixed = ColumnTransformer([("scale", StandardScaler(), ["budget"])], remainder="drop")
    assert make_pipeline(mixed, GBTClassifier(trees=5)).fit(X, y).predict(X).shape == (len(X),)


def test_one_class_or_mismatched_lengths_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="binary"):
        LogisticClassifier().fit(X, np.full(len(X), "yes"))
    with pytest.raises(ValueError, match="rows"):
        LogisticClassifier().fit(X, y[:-1])


def failing_checks(est):
    failed = {}
    for estimator, check in check_estimator(est, generate_only=True):
        name = getattr(check, "func", check).__name__
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check(estimator)
        except Exception as e:  # noqa: BLE001  (collected and compared below)
            failed[name] = f"{type(e).__name__}: {e}"[:200]
    return failed


@pytest.mark.parametrize("est", [LogisticClassifier(), GBTClassifier(trees=5, max_depth=2)], ids=["logistic", "gbt"])
def test_sklearn_estimator_checks_pass(est):
    assert failing_checks(est) == {}


def test_frequency_tables_fail_the_checks_only_for_want_of_a_categorical_column():
    # The checks give numeric arrays only, and frequency tables count categorical and boolean values.
    failed = failing_checks(FrequencyClassifier())
    assert failed
    assert all("need a categorical or boolean field" in why for why in failed.values()), failed
