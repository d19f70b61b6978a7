"""leadscore's trainers as scikit-learn classifiers: logistic regression, frequency tables (Odoo's naive Bayes)
and gradient-boosted trees.

Each is a binary classifier that takes a DataFrame (numeric, Categorical, string, bool and nullable columns, read
as leadscore.Table.from_pandas reads them) or a 2-D numeric array (columns named x0, x1, …), so it works in
Pipeline, cross_val_score and GridSearchCV. The fitted model is ``model_``, a leadscore.Model: save it, score with
it, explain it. Parameters are the C++ trainers' options under their C++ names (leadscore/train/*.hpp), and
``progress``: a callable ``progress(done, total)`` told how far ``fit`` is (see leadscore.fit_model); returning False
stops the fit with leadscore.CancelledError, an exception it raises propagates unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._leadscore import _fit
from ._model import Model
from ._table import _pandas_columns, _Table

__all__ = ["LogisticClassifier", "FrequencyClassifier", "GBTClassifier"]


def _frame(X, names=None):
    """X as a DataFrame: a DataFrame as it is (labels that are not texts made texts, without copying the data), a
    2-D array as numeric columns x0, x1, … (or `names`)."""
    if isinstance(X, pd.DataFrame):
        if all(isinstance(c, str) for c in X.columns):
            return X
        return X.set_axis([str(c) for c in X.columns], axis=1, copy=False)
    X = check_array(X, dtype=np.float64, force_all_finite="allow-nan", ensure_min_samples=1)
    if names is None or len(names) != X.shape[1]:
        names = [f"x{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=list(names), copy=False)


class _Classifier(ClassifierMixin, BaseEstimator):
    _kind = ""

    def _params(self):
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params(deep=False).items()
                if v is not None and k != "progress"}

    def fit(self, X, y):
        """Fits on every row of X with its label in y (two classes; the second of the sorted classes is positive).
        Returns self."""
        self._check_feature_names(X, reset=True)
        df = _frame(X)
        self._check_n_features(df, reset=True)
        y = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(y)
        if len(y) != len(df):
            raise ValueError(f"X has {len(df)} rows and y {len(y)} labels")
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"leadscore classifiers are binary: y has {len(self.classes_)} classes")
        names = [str(c) for c in df.columns]
        target = "target"
        while target in names:
            target += "_"
        self._columns = names
        columns = _pandas_columns(df, None)
        labels = (y == self.classes_[1]).view(np.int8)
        columns.append((target, "boolean", None, labels, None))
        table = _Table(len(df), columns, None)
        self.model_ = Model(_fit(self._kind, table, target, [], self._params(), None, self.progress))
        self.fields_ = self.model_.fields
        return self

    def predict_proba(self, X):
        """The probability of each class per row: columns in the order of classes_."""
        check_is_fitted(self, "model_")
        self._check_feature_names(X, reset=False)
        df = _frame(X, self._columns)
        self._check_n_features(df, reset=False)
        p = self.model_.score(df)
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """The more probable class per row (the first class on a tie)."""
        p = self.predict_proba(X)
        return self.classes_[np.argmax(p, axis=1)]

    def _more_tags(self):
        # X_types stays 2darray: the checks' "categorical" and "string" inputs are arrays, while these estimators
        # take categorical and text columns in a DataFrame.
        return {"binary_only": True, "allow_nan": True}


class LogisticClassifier(_Classifier):
    """Logistic regression on learned features (leadscore/train/logistic.hpp): numeric fields standardized (or
    binned), categorical fields one-hot over texts seen at least min_category_count times, missing-value
    indicators; Newton's method on the L2 (``l2`` = 1/C of scikit-learn) / L1 penalized log loss."""

    _kind = "logistic"

    def __init__(self, l2=1.0, l1=0.0, balanced=False, max_iterations=100, tolerance=1e-8, min_category_count=1,
                 numeric="standardize", bins=10, missing_indicators=True, fields=None, exclude=None, threads=0,
                 progress=None):
        self.l2 = l2
        self.l1 = l1
        self.balanced = balanced
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.min_category_count = min_category_count
        self.numeric = numeric
        self.bins = bins
        self.missing_indicators = missing_indicators
        self.fields = fields
        self.exclude = exclude
        self.threads = threads
        self.progress = progress


class FrequencyClassifier(_Classifier):
    """Frequency-table naive Bayes, the predictive lead scoring of Odoo CRM (leadscore/scoring/frequency.hpp): won
    and lost counts per value of each categorical or boolean field (numeric fields are not read), each count
    created at ``smoothing``."""

    _kind = "frequency"

    def __init__(self, smoothing=0.1, fields=None, progress=None):
        self.smoothing = smoothing
        self.fields = fields
        self.progress = progress


class GBTClassifier(_Classifier):
    """Gradient-boosted decision trees (leadscore/train/gbt.hpp), XGBoost's objective and split rules on binned
    inputs; categorical fields split by category sets."""

    _kind = "gbt"

    def __init__(self, trees=300, learning_rate=0.05, max_depth=6, max_leaves=0, min_child_hessian=1.0,
                 min_rows_per_leaf=1, l2=1.0, min_split_gain=0.0, row_subsample=1.0, column_subsample=1.0, seed=0,
                 balanced=False, min_category_count=10, max_bins=255, early_stopping_rounds=0, validation_share=0.1,
                 fields=None, exclude=None, threads=0, progress=None):
        self.trees = trees
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.min_child_hessian = min_child_hessian
        self.min_rows_per_leaf = min_rows_per_leaf
        self.l2 = l2
        self.min_split_gain = min_split_gain
        self.row_subsample = row_subsample
        self.column_subsample = column_subsample
        self.seed = seed
        self.balanced = balanced
        self.min_category_count = min_category_count
        self.max_bins = max_bins
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_share = validation_share
        self.fields = fields
        self.exclude = exclude
        self.threads = threads
        self.progress = progress
