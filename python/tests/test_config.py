import numpy as np
import pandas as pd
import pytest

import leadscore
from leadscore import Config, Table

POINTS = """
[scoring]
kind = "points"

[[scoring.fit]]
name = "software company"
field = "industry"
equals = "software"
points = 20

[[scoring.fit]]
name = "mid-sized"
field = "employees"
at_least = 50
below = 5000
points = 15

[[scoring.engagement]]
name = "pricing page"
event = "page visited"
points = 4

[temperature]
kind = "score_bands"
scale = "points"
warm = 15
hot = 30
"""


def leads():
    df = pd.DataFrame({"industry": pd.Categorical(["software", "retail", "software", None]),
                       "employees": [100.0, 60.0, 10.0, 5000.0]}, index=["a", "b", "c", "d"])
    events = pd.DataFrame({"lead": ["c", "c", "d"], "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                           "type": ["page visited"] * 3})
    return Table.from_pandas(df, events=events)


def test_points_and_score_bands_from_a_configuration():
    cfg = Config.from_text(POINTS)
    assert cfg.has_scoring
    # a: 20 + 15; b: 15; c: 20 + 2 events × 4; d: 1 event × 4 (5000 employees is not below 5000)
    scores = cfg.score(leads(), as_of=pd.Timestamp("2024-02-01"))
    np.testing.assert_array_equal(scores, [35.0, 15.0, 28.0, 4.0])
    t = cfg.temperature(leads(), scores, scale="points")
    assert list(t["temperature"]) == ["hot", "warm", "warm", "cold"]


def test_default_temperature_and_qualification_follow_the_timeframe():
    df = pd.DataFrame({"timeframe": [0.0, 30.0, 60.0, 61.0, np.nan]})
    schema = {"timeframe": ("numeric", "purchase_timeframe")}
    cfg = Config()
    assert not cfg.has_scoring
    t = cfg.temperature(df, schema=schema)
    # hot now, warm within 60 days (60 included), cold beyond or without a timeframe (leadscore/temperature/timeframe.hpp)
    assert list(t["temperature"]) == ["hot", "warm", "warm", "cold", "cold"]
    q = cfg.qualify(df, schema=schema, as_of=0)
    # hot -> sql, warm -> mql; a timeframe beyond the horizon is interest -> lead; nothing stated -> suspect
    assert list(q["lifecycle"]) == ["sql", "mql", "mql", "lead", "suspect"]
    assert q["reason"][0].startswith("intends to buy now")
    given = cfg.qualify(df, temperatures=["cold"] * 5, schema=schema, as_of=0)
    assert list(given["lifecycle"])[:1] == ["lead"]


def test_configuration_errors_name_line_and_key():
    with pytest.raises(leadscore.InputError, match=r":3: .*kind"):
        Config.from_text("[scoring]\n\nkind = \"nothing\"\n")
    with pytest.raises(leadscore.DefinitionError, match="no \\[scoring\\] section"):
        Config().score(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(leadscore.InputError, match="field 'scores'"):
        Config.from_text(POINTS).temperature(leads(), np.zeros(2), scale="points")


def test_round_robin_routing_over_reps_alternates_within_the_team():
    cfg = Config.from_text('[routing]\nkind = "round_robin"\nteam = "dach"\n')
    assert cfg.has_routing and not cfg.has_scoring
    reps = pd.DataFrame({"rep": ["maya", "noah", "olga", "paul"], "team": ["enterprise", "dach", "dach", "dach"],
                         "available": [True, True, True, False]})
    df = pd.DataFrame({"id": ["L1", "L2", "L3", "L4"], "x": [1.0, 2.0, 3.0, 4.0]})
    out = cfg.route(df, reps, schema={"id": ("categorical", "id"), "x": "numeric"}, as_of=0)
    assert list(out["lead"]) == ["L1", "L2", "L3", "L4"]
    # paul is on leave and maya in another team: the two available dach reps take turns
    assert set(out["rep"]) == {"noah", "olga"} and set(out["team"]) == {"dach"}
    assert out["rep"][0] != out["rep"][1] and out["rep"][0] == out["rep"][2] and out["rep"][1] == out["rep"][3]
    with pytest.raises(leadscore.InputError, match="reps"):
        cfg.route(df, pd.DataFrame({"team": ["dach"]}), schema={"x": "numeric"})
