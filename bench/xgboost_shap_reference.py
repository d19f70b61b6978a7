#!/usr/bin/python3
"""XGBoost's TreeSHAP speed on a model of the shape bench_tree_shap.cpp explains.

Trains 300 trees of depth 6 (tree_method='hist', learning rate 0.05, nthread=2) on 20000 generated leads with 16
fields: 8 numeric with 2 % missing and 8 categorical of 4 to 50 values with 3 % missing (pandas categories,
enable_categorical=True), then times predict(pred_contribs=True) on 2000 of them: the median of 3 runs, in rows/s.
It also prints the model's mean leaves a tree, since the C++ benchmark uses full trees (64 leaves) and the cost of
TreeSHAP grows with the leaves. Needs Debian's python3-xgboost (1.7), numpy and pandas.

    /usr/bin/python3 bench/xgboost_shap_reference.py
"""
import json
import time

import numpy as np
import pandas as pd
import xgboost as xgb

CARDINALITY = [4, 6, 8, 12, 16, 24, 32, 50]


def leads(n, rng):
    cols = {}
    for j in range(8):
        x = rng.random(n) * 100.0 * (j + 1)
        x[rng.random(n) < 0.02] = np.nan
        cols["n%d" % j] = x
    for j, card in enumerate(CARDINALITY):
        codes = rng.integers(0, card, n)
        values = pd.Categorical.from_codes(codes, categories=["v%d" % v for v in range(card)])
        values[rng.random(n) < 0.03] = np.nan
        cols["c%d" % j] = values
    frame = pd.DataFrame(cols)
    # A target that depends on most fields, so that the trees use them all.
    z = sum(np.nan_to_num(frame["n%d" % j].to_numpy()) / (100.0 * (j + 1)) - 0.5 for j in range(8))
    for j in range(8):
        z = z + (frame["c%d" % j].cat.codes.to_numpy() % 3 - 1) * 0.4
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(int)
    return frame, y


def main():
    rng = np.random.default_rng(42)
    frame, y = leads(20000, rng)
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.05, "nthread": 2,
              "max_cat_to_onehot": 1}
    booster = xgb.train(params, xgb.DMatrix(frame, label=y, enable_categorical=True), num_boost_round=300)
    rows = xgb.DMatrix(frame.iloc[:2000], enable_categorical=True)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        contribs = booster.predict(rows, pred_contribs=True)
        times.append(time.perf_counter() - t)
    times.sort()
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    leaves = np.mean([sum(1 for l in t["left_children"] if l == -1) for t in trees])
    margin = booster.predict(rows, output_margin=True)
    print("xgboost %s: %d trees, %.1f leaves a tree; pred_contribs on %d rows, nthread=2: median %.3f s "
          "(%.0f rows/s; runs %.3f %.3f %.3f); additivity max |sum - margin| = %.2g"
          % (xgb.__version__, len(trees), leaves, contribs.shape[0], times[1], contribs.shape[0] / times[1],
             times[0], times[1], times[2], np.max(np.abs(contribs.sum(axis=1) - margin))))


if __name__ == "__main__":
    main()
