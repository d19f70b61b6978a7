"""Funnel analytics from DataFrames: numbers derived by hand on a four-lead history, the same counts as the
`leadscore funnel` command on a CSV written from a random frame, pickling round trips, merges of parts equal to the
whole, and bad input naming the column."""

import copy
import json
import os
import pickle
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import leadscore
from leadscore import InputError

DAY = 86400
T0 = pd.Timestamp("2026-01-01")


def four_leads():
    # A: suspect d0, lead d2, mql d5, won d10 (1000); B: suspect d1, lead d3, lost d4; C: suspect d2, lead d6 (open);
    # D: suspect d3 (open), no source.
    rows = [
        ("A", "suspect", 0, np.nan, "web"), ("A", "lead", 2, np.nan, "web"), ("A", "mql", 5, np.nan, "web"),
        ("A", "won", 10, 1000.0, "web"), ("B", "suspect", 1, np.nan, "web"), ("B", "lead", 3, np.nan, "web"),
        ("B", "lost", 4, np.nan, "web"), ("C", "suspect", 2, np.nan, "event"), ("C", "lead", 6, np.nan, "event"),
        ("D", "suspect", 3, np.nan, None),
    ]
    df = pd.DataFrame(rows, columns=["lead_id", "stage", "day", "value", "source"])
    df["entered_at"] = T0 + pd.to_timedelta(df.pop("day"), unit="D")
    return df


AS_OF = T0 + pd.Timedelta(days=20)


@pytest.fixture(scope="module")
def stats():
    return leadscore.funnel_stats(four_leads(), as_of=AS_OF, by="source")


def test_conversion_by_hand(stats):
    t = stats.conversion.table()
    assert list(t.index[:5]) == ["suspect", "lead", "mql", "sql", "opportunity"]
    want = {  # entered, converted, dropped, stayed, won
        "suspect": (4, 3, 0, 1, 1), "lead": (3, 1, 1, 1, 1), "mql": (1, 1, 0, 0, 1), "sql": (0, 0, 0, 0, 0),
        "won": (1, 0, 0, 1, 1), "lost": (1, 0, 0, 1, 0),
    }
    for stage, counts in want.items():
        assert tuple(t.loc[stage, ["entered", "converted", "dropped", "stayed", "won"]]) == counts, stage
    assert t.loc["lead", "conversion_rate"] == pytest.approx(1 / 3)
    assert t.loc["mql", "reached"] == 0.25
    assert (stats.conversion.leads, stats.conversion.won_leads) == (4, 1)
    g = stats.conversion.groups()
    assert list(g.index) == ["(none)", "event", "web"]
    assert g.loc["web", "leads"] == 2 and g.loc["web", "won_leads"] == 1 and g.loc["event", "won_leads"] == 0
    assert stats.conversion.by_group().loc[("web", "lead"), "dropped"] == 1


def test_timing_by_hand(stats):
    s = stats.timing.in_stage()
    assert tuple(s.loc["suspect", ["closed", "censored"]]) == (3, 1)  # 2d, 2d, 4d closed; D open 17d
    assert s.loc["suspect", "mean"] == 8 * DAY / 3
    assert s.loc["suspect", "median"] == 2 * DAY
    assert s.loc["lead", "km_median"] == 3 * DAY  # closed 1d, 3d, censored 14d: S = 2/3 then 1/3
    c = stats.timing.cycle()
    assert tuple(c.loc["to_close", ["closed", "censored"]]) == (2, 2)  # 10d, 3d; C 18d and D 17d open
    assert c.loc["to_close", "km_median"] == 10 * DAY
    assert c.loc["to_won", "max"] == 10 * DAY
    km = stats.timing.survival("to_close")
    assert list(km["time"]) == [3 * DAY, 10 * DAY]
    assert list(km["at_risk"]) == [4, 3]
    assert list(km["survival"]) == [0.75, 0.5]


def test_markov_by_hand(stats):
    tr = stats.markov.transitions()
    assert tr.loc["suspect", "lead"] == 3 and tr.loc["lead", "mql"] == 1 and tr.loc["lead", "lost"] == 1
    assert tr.to_numpy().sum() == 6
    st = stats.markov.stages()
    assert st.loc["suspect", "starts"] == 4 and st.loc["lead", "open_at_end"] == 1
    o = stats.markov.outlook()
    assert o.loc["suspect", "win_probability"] == pytest.approx(0.5)
    assert o.loc["mql", "win_probability"] == 1.0
    assert o.loc["sql", "status"] == "no_data"
    # visits: suspect 1, lead 1, mql 1/2; mean stays 8/3 d, 2 d, 5 d
    assert o.loc["suspect", "expected_days"] == pytest.approx(8 / 3 + 2 + 2.5)
    assert stats.markov.probabilities().loc["lead", "lost"] == 0.5
    # Open leads older than 15 days at as_of count as lost: C (from lead, 18 days) and D (from suspect, 17 days).
    m = leadscore.funnel_stats(four_leads(), as_of=AS_OF, open_as_lost_after="15D").markov
    assert m.stages().loc["lead", "imputed_losses"] == 1 and m.stages().loc["suspect", "imputed_losses"] == 1
    assert m.outlook().loc["suspect", "win_probability"] == pytest.approx(3 / 4 * 1 / 3)
    assert pickle.loads(pickle.dumps(m)) == m


def test_kpi_and_cohorts_by_hand(stats):
    p = stats.kpi.by_period()
    assert list(p.index) == ["2026-01"]
    jan = p.loc["2026-01"]
    assert (jan.new_leads, jan.won, jan.lost, jan.revenue_cents, jan.open_opportunities) == (4, 1, 1, 100000, 2)
    assert jan.cycle_seconds == 10 * DAY and jan.win_rate == 0.5
    assert jan.velocity == pytest.approx(2 * 1000 * 0.5 / 10)
    assert stats.kpi.by_label().loc["web", "won"] == 1
    r = stats.kpi.retention()
    assert (r["customers"], r["repeat"]) == (1, 0)
    c = stats.cohorts.table()
    assert c.loc["2026-01", "leads"] == 4 and c.loc["2026-01", 0] == 0.25
    assert stats.cohorts.won_at_age().loc[("2026-01", 0), "won"] == 1


def test_dtypes_and_defaults():
    df = four_leads()
    cat = df.assign(lead_id=df.lead_id.astype("category"), stage=df.stage.astype("string"),
                    entered_at=df.entered_at.dt.tz_localize("Europe/Paris"), value=df.value.astype("Float64"))
    ref = leadscore.funnel_stats(df, as_of=AS_OF, by="source")
    got = leadscore.funnel_stats(cat, as_of=AS_OF, by="source")
    # Paris is UTC+1 in January: every time moves by one hour, durations do not
    assert got.conversion == ref.conversion and got.markov == ref.markov
    assert got.timing.in_stage().equals(ref.timing.in_stage())
    ints = df.assign(lead_id=df.lead_id.map({"A": 1, "B": 2, "C": 3, "D": 4}))
    by_text = leadscore.ConversionStats().add(leadscore.History.from_pandas(df))
    assert leadscore.funnel_stats(ints, as_of=AS_OF).conversion == by_text  # ids compared as text
    h = leadscore.History.from_pandas(df.assign(team=["x"] * 4 + ["y"] * 3 + ["x", "x", "z"]))
    assert (h.leads, h.entries, h.attribute_names) == (4, 10, ["team"])
    assert h.latest_entry == pd.Timestamp("2026-01-11", tz="UTC")
    assert leadscore.ConversionStats().add(h, by="team").groups().loc["x", "leads"] == 2


def test_ties_keep_frame_order():
    # Same time, two stages: the frame's order decides the path (suspect then lead, or lead then suspect).
    a = pd.DataFrame({"lead_id": ["a", "a"], "stage": ["suspect", "lead"], "entered_at": [T0, T0]})
    b = a.iloc[::-1]
    ma = leadscore.MarkovStats().add(leadscore.History.from_pandas(a)).transitions()
    mb = leadscore.MarkovStats().add(leadscore.History.from_pandas(b)).transitions()
    assert ma.loc["suspect", "lead"] == 1 and mb.loc["lead", "suspect"] == 1


def test_competing_risks_by_hand(stats):
    # Times to close since first touch: A won at 10 d, B lost at 3 d; C open 18 d, D open 17 d (censored at as_of).
    # t = 3 d: 4 at risk, B lost: S = 3/4, F_lost = 1/4. t = 10 d: 3 at risk, A won: F_won = 3/4 · 1/3 = 1/4,
    # S = 3/4 · 2/3 = 1/2. Gray's variance of F_won at 10 d (the header's formula): its own close, S(3 d)² · 1/3² ·
    # (1 + 0)² = 1/16, plus the competing loss at 3 d, 1² · 1/4² · ((0 − 1/4) / (3/4))² = 1/144: 5/72.
    cr = stats.competing
    assert cr.counts().to_dict() == {"won": 1, "lost": 1, "censored": 2, "unknown": 0, "follow_up": 18 * DAY}
    c = cr.curve()
    assert list(c["time"]) == [3 * DAY, 10 * DAY] and list(c["at_risk"]) == [4, 3]
    assert list(c["survival"]) == [0.75, 0.5]
    assert list(c["won_incidence"]) == [0, 0.25] and list(c["lost_incidence"]) == [0.25, 0.25]
    assert c["won_variance"][1] == pytest.approx(5 / 72, rel=1e-12)
    assert c["won_low"][1] < 0.25 < c["won_high"][1]
    # The time to close is TimingStats' to_close: the same Kaplan–Meier steps.
    km = stats.timing.survival("to_close")
    assert list(km["time"]) == list(c["time"]) and list(km["survival"]) == list(c["survival"])
    at = cr.at(["5D", pd.Timedelta(days=10), "30D"])
    assert list(at.index) == [5 * DAY, 10 * DAY, 30 * DAY]
    assert list(at["observed"]) == [True, True, False]  # nothing observed after 18 days
    assert at.loc[5 * DAY, "lost_incidence"] == 0.25 and at.loc[5 * DAY, "won_incidence"] == 0
    assert at.loc[10 * DAY, "survival"] == 0.5 and np.isnan(at.loc[30 * DAY, "won_incidence"])
    g = cr.groups()
    assert list(g.index) == ["(none)", "event", "web"]
    assert tuple(g.loc["web", ["won", "lost", "censored"]]) == (1, 1, 0)
    assert g.loc["event", "censored"] == 1 and g.loc["event", "follow_up"] == 18 * DAY
    assert list(cr.curve("web")["won_incidence"]) == [0, 0.5]  # B lost first: F_won = 1/2 · 1/1
    with pytest.raises(leadscore.DefinitionError, match="no group labelled 'north'"):
        cr.curve("north")
    assert cr.as_of == AS_OF.tz_localize("UTC")


def test_pickle_round_trips(stats):
    for acc in (stats.conversion, stats.timing, stats.kpi, stats.cohorts, stats.markov, stats.competing):
        back = pickle.loads(pickle.dumps(acc))
        assert back == acc and back is not acc
        assert type(acc).from_bytes(acc.to_bytes("binary"), "binary") == acc
        assert type(acc).from_bytes(acc.to_bytes("xml"), "xml") == acc
        assert copy.deepcopy(acc) == acc
    whole = pickle.loads(pickle.dumps(stats))
    assert whole == stats
    assert whole.timing.in_stage().equals(stats.timing.in_stage())
    assert whole.markov.outlook().equals(stats.markov.outlook())


def test_damaged_archive_names_the_type(stats):
    data = stats.markov.to_bytes()
    with pytest.raises(leadscore.Error, match="markov_accumulator"):
        leadscore.MarkovStats.from_bytes(data[: len(data) // 2])
    with pytest.raises(leadscore.Error):
        leadscore.MarkovStats.from_bytes(stats.kpi.to_bytes())


def random_history(leads=300, seed=7):
    """Random journeys through the standard funnel, with ties, values, sources and a team per lead."""
    rng = np.random.default_rng(seed)
    opens = ["suspect", "lead", "mql", "sql", "opportunity"]
    rows = []
    for i in range(leads):
        t = T0 + pd.Timedelta(seconds=int(rng.integers(0, 200 * DAY)))
        src = ["web", "event", "referral", None][rng.integers(0, 4)]
        team = f"t{rng.integers(0, 3)}"
        k = int(rng.integers(0, 5))
        for s in opens[k: k + int(rng.integers(1, 5))]:
            rows.append((f"L{i}", s, t, np.nan, src, team))
            t += pd.Timedelta(seconds=int(rng.choice([0, rng.integers(1, 30 * DAY)])))
        end = rng.choice(["won", "lost", "rejected", "nurture", "open"], p=[0.3, 0.3, 0.1, 0.1, 0.2])
        if end != "open":
            rows.append((f"L{i}", end, t, float(rng.integers(0, 500000)) / 100 if end == "won" else np.nan, src, team))
    df = pd.DataFrame(rows, columns=["lead_id", "stage", "entered_at", "value", "source", "team"])
    return df.sample(frac=1, random_state=seed)  # rows in any order


def test_merge_of_parts_equals_whole():
    df = random_history()
    as_of = df.entered_at.max()
    whole = leadscore.funnel_stats(df, as_of=as_of, by="team", customer="team")
    ids = df.lead_id.unique()
    parts = [df[df.lead_id.isin(ids[:100])], df[df.lead_id.isin(ids[100:130])], df[df.lead_id.isin(ids[130:])]]
    stats = [leadscore.funnel_stats(p, as_of=as_of, by="team", customer="team") for p in parts]
    merged = stats[0].merge(pickle.loads(pickle.dumps(stats[1]))).merge(stats[2])
    assert merged == whole
    for f in ("table", "by_group"):
        assert getattr(merged.conversion, f)().equals(getattr(whole.conversion, f)())
    assert merged.timing.in_stage().equals(whole.timing.in_stage())
    assert merged.kpi.cells().equals(whole.kpi.cells())
    assert merged.cohorts.table().equals(whole.cohorts.table())
    assert merged.markov.outlook().equals(whole.markov.outlook())
    assert merged.competing.curve().equals(whole.competing.curve())
    assert merged.competing.groups().equals(whole.competing.groups())
    assert merged.competing.curve("t1").equals(whole.competing.curve("t1"))
    with pytest.raises(leadscore.DefinitionError):
        leadscore.TimingStats(as_of).merge(leadscore.TimingStats(as_of + pd.Timedelta(days=1)))
    with pytest.raises(leadscore.DefinitionError, match="different times"):
        leadscore.CompetingRisksStats(as_of).merge(leadscore.CompetingRisksStats(as_of + pd.Timedelta(days=1)))


def cli():
    path = os.environ.get("LEADSCORE_CLI") or shutil.which("leadscore")
    if not path:
        pytest.fail("set LEADSCORE_CLI to the leadscore program (ctest does)")
    return path


def table_rows(text, section, width):
    """The rows of the first table after a '== section' heading: name and integer cells by position."""
    lines = text.split("== " + section)[1].split("\n\n")[1].splitlines()
    body = lines[[line.lstrip().startswith("---") for line in lines].index(True) + 1:]
    return {cells[0]: cells[1:width] for cells in (line.split() for line in body)}


def test_same_counts_as_the_cli(tmp_path):
    df = random_history()
    as_of = pd.Timestamp("2027-01-01")
    path = tmp_path / "history.csv"
    out = df.sort_values(["lead_id", "entered_at"], kind="stable")  # the event log wants each lead in time order
    out.assign(entered_at=out.entered_at.dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(path, index=False)
    text = subprocess.run([cli(), "funnel", "--history", str(path), "--as-of", "2027-01-01", "--by", "team",
                           "--max-rows", "0"], check=True, capture_output=True, text=True).stdout
    stats = leadscore.funnel_stats(df, as_of=as_of, by="team")
    conv = stats.conversion.table()
    for stage, cells in table_rows(text, "Stage conversion", 10).items():
        entered, converted, dropped, stayed = cells[1], cells[3], cells[5], cells[7]
        want = conv.loc[stage]
        assert int(entered) == want.entered, stage
        if converted != "-":
            assert (int(converted), int(dropped)) == (want.converted, want.dropped), stage
        assert int(stayed) == want.stayed, stage
    leads = re.search(r"leads: (\d+), won: (\d+)", text)
    assert (int(leads[1]), int(leads[2])) == (stats.conversion.leads, stats.conversion.won_leads)
    by_team = table_rows(text, "By team", 5)
    groups = stats.conversion.groups()
    for team, cells in by_team.items():
        assert (int(cells[0]), int(cells[1])) == (groups.loc[team, "leads"], groups.loc[team, "won_leads"])
    outlook = stats.markov.outlook()
    for stage, cells in table_rows(text, "Markov chain", 3).items():
        assert int(cells[0]) == outlook.loc[stage, "exits"], stage
    kpi = stats.kpi.by_period()
    for month, cells in table_rows(text, "KPIs by month", 4).items():
        if month != "total":
            assert (int(cells[0]), int(cells[1]), int(cells[2])) == tuple(kpi.loc[month, ["new_leads", "won", "lost"]])
    cohorts = stats.cohorts.table()
    for cohort, cells in table_rows(text, "Cohorts", 2).items():
        assert int(cells[0]) == cohorts.loc[cohort, "leads"]
    timing = text.split("== Sales cycle")[1].split("== Markov")[0]
    closed_open = re.search(r"first touch to close\s+(\d+)\s+(\d+)", timing)
    assert tuple(map(int, closed_open.groups())) == tuple(stats.timing.cycle().loc["to_close", ["closed", "censored"]])
    in_stage = stats.timing.in_stage()
    for stage in ("suspect", "lead", "mql", "sql", "opportunity", "won"):
        row = re.search(rf"^  {stage} +(\d+) +(\d+) ", timing, re.M)
        assert tuple(map(int, row.groups())) == tuple(in_stage.loc[stage, ["closed", "censored"]]), stage


def test_competing_risks_equal_the_cli_json(tmp_path):
    df = random_history()
    path = tmp_path / "history.csv"
    out = df.sort_values(["lead_id", "entered_at"], kind="stable")
    out.assign(entered_at=out.entered_at.dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(path, index=False)
    as_of = df.entered_at.max().ceil("D")  # under a year after the first entry: 365 days are not observed
    text = subprocess.run([cli(), "funnel", "--history", str(path), "--as-of", as_of.strftime("%Y-%m-%d"), "--format",
                           "json"], check=True, capture_output=True, text=True).stdout
    theirs = json.loads(text)["competing_risks"]
    ours = leadscore.funnel_stats(df, as_of=as_of).competing
    counts = ours.counts()
    assert (theirs["won"], theirs["lost"], theirs["open"], theirs["unknown"]) == tuple(
        counts[["won", "lost", "censored", "unknown"]])
    at = ours.at([pd.Timedelta(days=d["days"]) for d in theirs["at"]])
    assert at["observed"].any() and not at["observed"].all()  # both kinds of horizon are compared
    columns = {"won": "won_incidence", "won_low": "won_low", "won_high": "won_high", "lost": "lost_incidence",
               "lost_low": "lost_low", "lost_high": "lost_high", "still_open": "survival"}
    for row, (_, mine) in zip(theirs["at"], at.iterrows()):
        for key, column in columns.items():
            if row[key] is None:
                assert np.isnan(mine[column]), (row["days"], key)
            else:  # JSON numbers are written to read back as the same double: exact
                assert row[key] == mine[column], (row["days"], key)


def test_bad_input_names_the_column():
    df = four_leads()
    cases = [
        (df.drop(columns="stage"), "column 'stage'"),
        (df.assign(entered_at=df.entered_at.astype(str)), "column 'entered_at' \\(time\\): dtype object"),
        (df.assign(lead_id=1.5), "column 'lead_id' \\(lead id\\): dtype float64"),
        (df.assign(stage=True), "column 'stage' \\(stage\\): dtype bool"),
        (df.assign(value="x"), "column 'value' \\(value\\): dtype object"),
        (df.assign(stage=df.stage.replace("mql", "demo")), "column 'stage', row 2: stage 'demo' is not in the funnel"),
        (df.assign(lead_id=df.lead_id.where(df.index != 3)), "column 'lead_id', row 3: a missing value"),
        (df.assign(entered_at=df.entered_at.where(df.index != 4)), "column 'entered_at', row 4: a missing time"),
        (df.assign(value=df.value.fillna(-1.0)), "column 'value', row 0: a value that is negative"),
        (df.assign(team=list("xxxyyyyzzz")), "column 'team', row 3: lead 'A' has 'y' here and 'x' on row 0"),
        (pd.concat([df, df.iloc[[1]]], ignore_index=True), "rows 1 and 10: lead 'A' enters stage 'lead' twice"),
    ]
    for frame, message in cases:
        with pytest.raises(InputError, match=message):
            leadscore.History.from_pandas(frame)
    won_lost = pd.concat([df, df.iloc[[3]].assign(stage="lost", value=np.nan)], ignore_index=True)
    with pytest.raises(InputError, match="won and lost|lost and won|same time"):
        leadscore.History.from_pandas(won_lost)
    with pytest.raises(InputError, match="column 'amount'"):
        leadscore.History.from_pandas(df, value="amount")
    with pytest.raises(leadscore.DefinitionError):
        leadscore.ConversionStats().add(leadscore.History.from_pandas(df), by="region")
    with pytest.raises(leadscore.DefinitionError):
        leadscore.Funnel([("a", "open"), ("b", "sold")])
    with pytest.raises(leadscore.DefinitionError):
        leadscore.TimingStats(AS_OF - pd.Timedelta(days=15)).add(leadscore.History.from_pandas(df))


def test_own_funnel():
    f = leadscore.Funnel([("new", "open"), ("demo", "open"), ("signed", "won"), ("gone", "lost")])
    assert pickle.loads(pickle.dumps(f)) == f and len(f) == 4
    df = pd.DataFrame({"lead_id": ["a", "a", "b"], "stage": ["New", "Signed", "new"],
                       "entered_at": [T0, T0 + pd.Timedelta(days=1), T0]})
    t = leadscore.funnel_stats(df, f).conversion.table()
    assert list(t.index) == ["new", "demo", "signed", "gone"]
    assert tuple(t.loc["new", ["entered", "converted", "stayed"]]) == (2, 1, 1)


def test_the_documented_example_runs(capsys):
    page = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "python_funnel.md")
    with open(page, encoding="utf-8") as f:
        first = f.read().split("```python\n")[1].split("```")[0]
    exec(compile(first, "docs/python_funnel.md", "exec"), {})
    assert "north" in capsys.readouterr().out


def test_the_documented_competing_risks_example_runs(capsys):
    page = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "python_funnel.md")
    with open(page, encoding="utf-8") as f:
        blocks = [b.split("```")[0] for b in f.read().split("```python\n")[1:]]
    block = next(b for b in blocks if "CompetingRisksStats" in b)
    scope = {}
    exec(compile(block, "docs/python_funnel.md", "exec"), scope)
    # b lost at 3 d of 3 leads at risk, then a won at 10 d of 2: the numbers the page's comment gives
    at = scope["risks"].at(["5D", "10D"])
    assert list(at["lost_incidence"]) == pytest.approx([1 / 3, 1 / 3])
    assert list(at["won_incidence"]) == pytest.approx([0, 1 / 3])
    assert list(at["survival"]) == pytest.approx([2 / 3, 1 / 3])
    assert "won_incidence" in capsys.readouterr().out
