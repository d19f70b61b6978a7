"""Small generated lead frames for the tests: a known logistic rule, seeded, a few hundred rows."""

import numpy as np
import pandas as pd


def leads(n=400, seed=7):
    """Numeric, categorical (with missing values and unicode texts), boolean and nullable columns, and a boolean
    outcome drawn from a logistic rule over them."""
    rng = np.random.default_rng(seed)
    visits = rng.gamma(2.0, 3.0, n)
    visits[rng.random(n) < 0.05] = np.nan
    budget = rng.normal(50.0, 20.0, n)
    region = pd.Categorical(rng.choice(["Zürich", "東京", "São Paulo", "north"], n))
    region[rng.random(n) < 0.05] = np.nan
    source = pd.array(rng.choice(["web", "referral", "event"], n), dtype="string")
    newsletter = rng.random(n) < 0.4
    z = -1.0 + 0.15 * np.nan_to_num(visits, nan=6.0) + 0.02 * (budget - 50) + 0.8 * newsletter
    z = z + np.where(np.asarray(region) == "東京", 0.7, 0.0) + np.where(source == "referral", 0.9, 0.0)
    won = rng.random(n) < 1 / (1 + np.exp(-z))
    return pd.DataFrame({"visits": visits, "budget": budget, "region": region, "source": source,
                         "newsletter": newsletter, "won": won})
