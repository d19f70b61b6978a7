#!/usr/bin/env python3
"""Writes the XGBoost fixtures of tests/test_xgboost.cpp and tests/cli (run from anywhere; rewrites the files here).

Needs Debian's python3-xgboost (1.7), python3-numpy and python3-pandas. Deterministic: fixed seeds, one thread.

Each fixture is a folder with
  model.json       the booster, save_model("model.json")
  categories.json  {feature: [categories in code order]} as an export script writes it from pandas (may be {})
  data.csv         the rows to score: a few dozen, with missing cells and every category (numbers written exactly)
  expected.csv     per row of data.csv: XGBoost's margin (predict(output_margin=True)), probability (predict()) and
                   contributions (predict(pred_contribs=True): one column per feature, then the bias), as float64 reprs
"""

import json
import os

import numpy as np
import pandas as pd
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def write_fixture(name, booster, frame, categories, rows_frame, csv_frame, feature_names):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    booster.save_model(os.path.join(folder, "model.json"))
    with open(os.path.join(folder, "categories.json"), "w") as f:
        json.dump(categories, f, indent=1)
        f.write("\n")
    csv_frame.to_csv(os.path.join(folder, "data.csv"), index=False, na_rep="", float_format=repr)
    dm = xgb.DMatrix(rows_frame, enable_categorical=True)
    margins = booster.predict(dm, output_margin=True)
    probabilities = booster.predict(dm)
    contributions = booster.predict(dm, pred_contribs=True)
    with open(os.path.join(folder, "expected.csv"), "w") as f:
        f.write(",".join(["margin", "probability"] + ["contribution_" + n for n in feature_names] +
                         ["contribution_bias"]) + "\n")
        for i in range(len(margins)):
            values = [margins[i], probabilities[i]] + list(contributions[i])
            f.write(",".join(repr(float(v)) for v in values) + "\n")


def with_missing(rng, values, share):
    values = values.copy()
    values[rng.random(len(values)) < share] = np.nan
    return values


def numeric_fixture():
    """binary:logistic on a plain array (no feature names: XGBoost calls them f0, f1, f2), missing values,
    base_score 0.35 (the margin starts at its logit)."""
    rng = np.random.default_rng(19)
    n = 600
    X = np.round(rng.normal(size=(n, 3)) * [3.0, 50.0, 1.0] + [5.0, 100.0, 0.0], 3)
    logit = 0.6 * (X[:, 0] - 5) - 0.02 * (X[:, 1] - 100) + np.where(X[:, 2] > 0.5, 1.0, -0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    for j, share in enumerate([0.15, 0.1, 0.2]):
        X[:, j] = with_missing(rng, X[:, j], share)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "base_score": 0.35,
                         "tree_method": "hist", "nthread": 1, "seed": 1},
                        xgb.DMatrix(X, label=y), num_boost_round=6)
    rows = X[:40].copy()
    rows[0, :] = np.nan  # every value missing
    frame = pd.DataFrame(rows, columns=["visits", "spend", "fit"])
    write_fixture("numeric", booster, None, {}, rows, frame, ["f0", "f1", "f2"])


def categorical_fixture(name, objective, base_score):
    """Categorical fields with more categories than max_cat_to_onehot (partition splits) and one with 3 (one-hot
    splits), numeric fields, missing values in both; a row with a text the category list lacks (read as missing)."""
    rng = np.random.default_rng(7 if objective == "binary:logistic" else 8)
    n = 800
    industries = ["software", "retail", "banking", "health", "energy", "media", "travel", "education"]
    sources = ["web", "referral", "event", "partner", "email", "ads"]
    sizes = ["small", "mid", "large"]
    industry = rng.integers(0, len(industries), n)
    source = rng.integers(0, len(sources), n)
    size = rng.integers(0, len(sizes), n)
    visits = np.round(rng.exponential(4.0, n), 2)
    score = np.round(rng.normal(50, 15, n), 1)
    effect_i = np.array([1.2, -0.8, 0.9, -1.1, 0.3, -0.2, 1.0, -1.4])
    effect_s = np.array([0.5, 1.3, -0.9, 0.2, -1.2, 0.7])
    logit = effect_i[industry] + effect_s[source] + 0.4 * (size == 2) + 0.15 * (visits - 4) + 0.02 * (score - 50)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({
        "industry": pd.Categorical.from_codes(industry, categories=industries),
        "visits": with_missing(rng, visits, 0.1),
        "source": pd.Categorical.from_codes(source, categories=sources),
        "size": pd.Categorical.from_codes(size, categories=sizes),
        "score": with_missing(rng, score, 0.1),
    })
    for col in ["industry", "source", "size"]:
        frame.loc[rng.random(n) < 0.08, col] = np.nan
    params = {"objective": objective, "max_depth": 4, "eta": 0.4, "tree_method": "hist", "nthread": 1, "seed": 1,
              "max_cat_to_onehot": 4}
    if base_score is not None:
        params["base_score"] = base_score
    booster = xgb.train(params, xgb.DMatrix(frame, label=y, enable_categorical=True), num_boost_round=5)
    # The rows to score: every category of every field (cycled), missing cells, and a text no list holds.
    m = 40
    texts = {
        "industry": [industries[i % len(industries)] for i in range(m)],
        "source": [sources[(3 * i) % len(sources)] for i in range(m)],
        "size": [sizes[(i // 2) % len(sizes)] for i in range(m)],
    }
    csv = pd.DataFrame({
        "id": ["L%02d" % i for i in range(m)],
        "industry": texts["industry"],
        "visits": frame["visits"].to_numpy()[:m].copy(),
        "source": texts["source"],
        "size": texts["size"],
        "score": frame["score"].to_numpy()[:m].copy(),
    })
    for i in range(0, m, 7):
        csv.loc[i, "industry"] = None
    for i in range(3, m, 9):
        csv.loc[i, "source"] = None
    csv.loc[5, "size"] = None
    csv.loc[11, "industry"] = "mining"  # not in the list: XGBoost (pandas) and leadscore read it as missing
    csv.loc[12, "visits"] = np.nan
    rows = pd.DataFrame({
        "industry": pd.Categorical(csv["industry"], categories=industries),
        "visits": csv["visits"],
        "source": pd.Categorical(csv["source"], categories=sources),
        "size": pd.Categorical(csv["size"], categories=sizes),
        "score": csv["score"],
    })
    categories = {"industry": industries, "source": sources, "size": sizes}
    write_fixture(name, booster, frame, categories, rows, csv, list(rows.columns))


if __name__ == "__main__":
    assert xgb.__version__.startswith("1.7"), xgb.__version__
    numeric_fixture()
    categorical_fixture("categorical", "binary:logistic", 0.2)
    categorical_fixture("reg_logistic", "reg:logistic", None)
