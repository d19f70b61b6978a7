"""leadscore.Router: routing state kept across calls (turns, quotas, weighted draws, lead numbering) so that calls on
parts equal one call on the whole; pickling; a refused call leaves the state as it was."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

import leadscore
from leadscore import Config, Router

DAY = 86400
AS_OF = 1_780_000_000  # seconds since the epoch

# capacity 90 a month = a daily quota of 3, 60 = 2; paul has no quota; maya is in another team
REPS = pd.DataFrame({"rep": ["maya", "noah", "olga", "paul"], "team": ["enterprise", "dach", "dach", "dach"],
                     "capacity": pd.array([30, 90, 60, None], dtype="Int64")})
# Weighted routing weighs reps by their remaining daily quotas: every rep needs a capacity.
WEIGHTED_REPS = REPS.assign(capacity=pd.array([30, 90, 60, 150], dtype="Int64"))
SCHEMA = {"x": "numeric"}


def leads(n, first=0):
    return pd.DataFrame({"x": np.arange(first, first + n, dtype=np.float64)})


CONFIGS = {
    "round_robin": '[routing]\nkind = "round_robin"\nteam = "dach"\n',
    "weighted": '[routing]\nkind = "weighted"\nteam = "dach"\nseed = 11\n',
}
REPS_OF = {"round_robin": REPS, "weighted": WEIGHTED_REPS}


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_calls_on_parts_equal_one_call_on_the_whole(kind):
    cfg, reps = Config.from_text(CONFIGS[kind]), REPS_OF[kind]
    whole = cfg.route(leads(12), reps, schema=SCHEMA, as_of=AS_OF)
    router = cfg.router(reps)
    parts = [router.route(leads(n, first), schema=SCHEMA, as_of=AS_OF) for first, n in ((0, 5), (5, 1), (6, 6))]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    assert router.rows == 12
    # Without an id field, leads are numbered on across calls: 1 … 12, as in the one call.
    assert list(whole["lead"]) == [str(i) for i in range(1, 13)]
    # The state mattered: quotas (3 + 2 a day, paul without) fill over the calls; a fresh state per part differs.
    fresh = pd.concat([cfg.route(leads(n, first), reps, schema=SCHEMA, as_of=AS_OF)
                       for first, n in ((0, 5), (5, 1), (6, 6))], ignore_index=True)
    assert not fresh["rep"].equals(whole["rep"])


def test_round_robin_turns_and_quotas_by_hand():
    router = Config.from_text(CONFIGS["round_robin"]).router(REPS)
    first = router.route(leads(2), schema=SCHEMA, as_of=AS_OF)
    second = router.route(leads(8, 2), schema=SCHEMA, as_of=AS_OF)
    reps = list(first["rep"]) + list(second["rep"])
    # Turns go noah, olga, paul in rotation order; olga's quota (2) ends after her second lead, noah's (3) after his
    # third; then paul (no quota) takes every lead.
    assert reps == ["noah", "olga", "paul", "noah", "olga", "paul", "noah", "paul", "paul", "paul"]
    loads = router.loads(AS_OF)
    assert loads.loc["noah", "last_24h"] == 3 and loads.loc["noah", "remaining"] == 0
    assert loads.loc["olga", "daily_quota"] == 2 and loads.loc["paul", "assigned"] == 5
    assert pd.isna(loads.loc["paul", "daily_quota"])
    # A day later the quotas are free again; the turn goes on from paul.
    later = router.route(leads(2, 10), schema=SCHEMA, as_of=AS_OF + DAY)
    assert list(later["rep"]) == ["noah", "olga"]
    assert router.last_run == pd.Timestamp(AS_OF + DAY, unit="s", tz="UTC")


def test_pickled_router_goes_on_where_it_stopped():
    cfg = Config.from_text(CONFIGS["weighted"])
    a = cfg.router(WEIGHTED_REPS)
    a.route(leads(4), schema=SCHEMA, as_of=AS_OF)
    b = pickle.loads(pickle.dumps(a))
    assert b == a and b is not a and copy.deepcopy(a) == a
    pd.testing.assert_frame_equal(b.route(leads(5, 4), schema=SCHEMA, as_of=AS_OF),
                                  a.route(leads(5, 4), schema=SCHEMA, as_of=AS_OF))
    assert b == a and b.rows == 9
    policy, state, rows = a.__reduce__()[1]
    with pytest.raises(leadscore.Error, match="pickled routing state"):
        Router._from_parts(policy, state[: len(state) // 2], rows)


def test_ids_a_refused_call_and_bad_input():
    cfg = Config.from_text(CONFIGS["round_robin"])
    router = cfg.router(REPS)
    df = pd.DataFrame({"id": ["L1", "L2"], "x": [1.0, 2.0]})
    out = router.route(df, schema={"id": ("categorical", "id"), "x": "numeric"}, as_of=AS_OF)
    assert list(out["lead"]) == ["L1", "L2"]
    before = copy.copy(router)
    with pytest.raises(leadscore.DefinitionError):  # time must run forward
        router.route(leads(3), schema=SCHEMA, as_of=AS_OF - DAY)
    with pytest.raises(leadscore.DefinitionError, match="id field 'nope'"):
        router.route(leads(3), schema=SCHEMA, id_field="nope", as_of=AS_OF)
    assert router == before
    router.reset_quotas()  # now an earlier run is accepted; turns go on
    assert list(router.route(leads(1), schema=SCHEMA, as_of=AS_OF - DAY)["rep"]) == ["paul"]
    with pytest.raises(leadscore.DefinitionError, match="no \\[routing\\] section"):
        Router(Config(), REPS)
    with pytest.raises(leadscore.InputError, match="reps"):
        cfg.router(pd.DataFrame({"team": ["dach"]}))
