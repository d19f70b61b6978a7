#!/usr/bin/python3
"""XGBoost's side of the gradient-boosted trees comparison in bench/train_reference.cpp (Debian: python3-xgboost,
python3-pandas, python3-sklearn).

  xgboost_reference.py split <bank-additional-full.csv> <split.txt>
      Writes scikit-learn's train_test_split(test_size=0.3, random_state=42, stratify=y) test rows (their indices,
      one a line, ascending) for `train_reference gbt` and `bank` below.
  xgboost_reference.py bank <bank-additional-full.csv> <split.txt> [repeats] [nthread]
      The same rows as `train_reference gbt` (split.txt: the test rows' indices, as `split` above or
      `train_reference bank` writes them), `duration` dropped, text columns as pandas category dtypes; XGBoost 1.7
      with tree_method="hist", enable_categorical=True, 300 trees, max_depth 6, learning rate 0.05, nthread 2 (every
      other parameter at XGBoost's default). Timed from the data in memory (a pandas frame) to a fitted booster:
      building the DMatrix (its quantile sketch) and training. Prints the median fit time of `repeats` (3) runs and
      the test ROC AUC.
  xgboost_reference.py generated <leads.csv> [nthread]
      The CSV `train_reference gbt-generated` wrote; the same configuration on every row (target won = yes, the
      text columns as categories); prints the time of one fit and the training ROC AUC.
"""
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def split(path, split_path):
    from sklearn.model_selection import train_test_split
    y = (pd.read_csv(path, sep=";")["y"] == "yes").astype(int).to_numpy()
    _, test = train_test_split(np.arange(len(y)), test_size=0.3, random_state=42, stratify=y)
    np.savetxt(split_path, np.sort(test), fmt="%d")


def bank(path, split_path, repeats, nthread):
    frame = pd.read_csv(path, sep=";")
    y = (frame.pop("y") == "yes").astype(int).to_numpy()
    frame = frame.drop(columns=["duration"])
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = frame[c].astype("category")
    test = np.zeros(len(y), dtype=bool)
    test[np.loadtxt(split_path, dtype=int)] = True
    train_x, train_y = frame[~test], y[~test]
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.05, "nthread": nthread}
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        dtrain = xgb.DMatrix(train_x, label=train_y, enable_categorical=True, nthread=nthread)
        booster = xgb.train(params, dtrain, num_boost_round=300)
        times.append(time.perf_counter() - t)
    times.sort()
    p = booster.predict(xgb.DMatrix(frame[test], enable_categorical=True))
    print("xgboost %s test (nthread %d): rows %d, ROC AUC %.6f; fit (DMatrix + 300 trees) median of %d: %.3f s "
          "(%.3f to %.3f)" % (xgb.__version__, nthread, test.sum(), roc_auc_score(y[test], p), repeats,
                              times[len(times) // 2], times[0], times[-1]))


def generated(path, nthread):
    frame = pd.read_csv(path)
    y = (frame.pop("won") == "yes").astype(int).to_numpy()
    for c in frame.columns:
        if frame[c].dtype == object or frame[c].dtype == bool:
            frame[c] = frame[c].astype(str).astype("category") if frame[c].dtype == bool else frame[c].astype("category")
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.05, "nthread": nthread}
    t = time.perf_counter()
    dtrain = xgb.DMatrix(frame, label=y, enable_categorical=True, nthread=nthread)
    booster = xgb.train(params, dtrain, num_boost_round=300)
    t = time.perf_counter() - t
    p = booster.predict(dtrain)
    print("xgboost %s training (nthread %d): rows %d, ROC AUC %.6f; fit (DMatrix + 300 trees): %.3f s"
          % (xgb.__version__, nthread, len(y), roc_auc_score(y, p), t))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (4, 5, 6) and sys.argv[1] == "bank":
        bank(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) >= 5 else 3,
             int(sys.argv[5]) if len(sys.argv) == 6 else 2)
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "generated":
        generated(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 2)
    else:
        sys.exit(__doc__)
