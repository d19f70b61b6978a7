#!/usr/bin/python3
"""XGBoost's side of the gradient-boosted trees comparison in bench/train_reference.cpp (Debian: python3-xgboost,
python3-pandas, python3-sklearn).

  xgboost_reference.py bank <bank-additional-full.csv> <split.txt> [repeats]
      The same rows as `train_reference bank` / `train_reference gbt` (split.txt: the test rows' indices, which
      `train_reference bank` writes), `duration` dropped, text columns as pandas category dtypes; XGBoost 1.7 with
      tree_method="hist", enable_categorical=True, 300 trees, max_depth 6, learning rate 0.05, nthread 2 (every
      other parameter at XGBoost's default). Timed from the data in memory (a pandas frame) to a fitted booster:
      building the DMatrix (its quantile sketch) and training. Prints the median fit time of `repeats` (3) runs and
      the test ROC AUC.
"""
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def bank(path, split_path, repeats):
    frame = pd.read_csv(path, sep=";")
    y = (frame.pop("y") == "yes").astype(int).to_numpy()
    frame = frame.drop(columns=["duration"])
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = frame[c].astype("category")
    test = np.zeros(len(y), dtype=bool)
    test[np.loadtxt(split_path, dtype=int)] = True
    train_x, train_y = frame[~test], y[~test]
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.05, "nthread": 2}
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        dtrain = xgb.DMatrix(train_x, label=train_y, enable_categorical=True, nthread=2)
        booster = xgb.train(params, dtrain, num_boost_round=300)
        times.append(time.perf_counter() - t)
    times.sort()
    p = booster.predict(xgb.DMatrix(frame[test], enable_categorical=True))
    print("xgboost %s test: rows %d, ROC AUC %.6f; fit (DMatrix + 300 trees) median of %d: %.3f s (%.3f to %.3f)"
          % (xgb.__version__, test.sum(), roc_auc_score(y[test], p), repeats, times[len(times) // 2], times[0],
             times[-1]))


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "bank":
        bank(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 3)
    else:
        sys.exit(__doc__)
