#!/usr/bin/python3
"""scikit-learn's side of the comparison in bench/train_reference.cpp (Debian: apt-get install python3-sklearn).

  sklearn_reference.py bank <bank-additional-full.csv> <split.txt>
      The same rows as `train_reference bank` (split.txt: the test rows' indices), `duration` dropped,
      StandardScaler on numeric columns + OneHotEncoder on the others, LogisticRegression(C=1); prints test ROC AUC.
  sklearn_reference.py generated <leads.csv>
      The CSV `train_reference generated` wrote; numeric columns imputed at the mean with a missing indicator and
      standardized, categorical ones one-hot (missing is a category), LogisticRegression(C=1) on every row;
      prints the median pipeline fit time of 3 and the training ROC AUC.

Only numpy and scikit-learn are used (no pandas), so Debian's python3-sklearn suffices.
"""
import csv
import sys
import time

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def read(path, delimiter, target, positive, drop=()):
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    head, rows = rows[0], rows[1:]
    cols = {h: [r[i] for r in rows] for i, h in enumerate(head)}
    y = np.array([v == positive for v in cols.pop(target)], dtype=int)
    for d in drop:
        cols.pop(d)

    def is_numeric(values):
        try:
            [float(v) for v in values if v != ""]
            return True
        except ValueError:
            return False

    num = [h for h in cols if is_numeric(cols[h])]
    cat = [h for h in cols if h not in num]
    X = np.empty((len(y), len(num) + len(cat)), dtype=object)
    for j, h in enumerate(num):
        X[:, j] = np.array([float(v) if v != "" else np.nan for v in cols[h]])
    for j, h in enumerate(cat):
        X[:, len(num) + j] = cols[h]
    return X, y, len(num)


def pipeline(n_num, width, impute):
    num = list(range(n_num))
    cat = list(range(n_num, width))
    numeric = Pipeline([("impute", SimpleImputer(strategy="mean", add_indicator=True)),
                        ("scale", StandardScaler())]) if impute else StandardScaler()
    prep = ColumnTransformer([("num", numeric, num), ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    return Pipeline([("prep", prep), ("lr", LogisticRegression(C=1.0, max_iter=10000))])


def bank(path, split_path):
    X, y, n_num = read(path, ";", "y", "yes", drop=("duration",))
    test = np.zeros(len(y), dtype=bool)
    test[np.loadtxt(split_path, dtype=int)] = True
    model = pipeline(n_num, X.shape[1], impute=False)
    t = time.perf_counter()
    model.fit(X[~test], y[~test])
    t = time.perf_counter() - t
    p = model.predict_proba(X[test])[:, 1]
    print("scikit-learn test: rows %d, ROC AUC %.6f (fit %.3f s, %d lbfgs iterations)"
          % (test.sum(), roc_auc_score(y[test], p), t, model[-1].n_iter_[0]))


def generated(path):
    X, y, n_num = read(path, ",", "won", "yes")
    times = []
    for _ in range(3):
        model = pipeline(n_num, X.shape[1], impute=True)
        t = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - t)
    times.sort()
    p = model.predict_proba(X)[:, 1]
    print("scikit-learn training: rows %d, features %d, ROC AUC %.6f; pipeline fit median of 3: %.3f s "
          "(%.3f to %.3f), %d lbfgs iterations"
          % (len(y), model[-1].coef_.shape[1], roc_auc_score(y, p), times[1], times[0], times[2],
             model[-1].n_iter_[0]))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "bank":
        bank(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "generated":
        generated(sys.argv[2])
    else:
        sys.exit(__doc__)
