"""What a `leadscore report` page must show, checked the same way on its source (check_report.py) and as a browser
renders it (check_report_browser.py): the numbers `leadscore evaluate` and `leadscore funnel` print, by name, and
the comparison of a page's figures and tables with them.

evaluate_numbers and funnel_numbers read the commands' text output. When the commands write JSON (`--format json`), only these two
functions change (json.load and a mapping of keys) and the test scripts pass --format json; the checks that use
them stay as they are, because every number is compared with `shown_equals` (within half a unit of the last digit
the page shows), which holds for a rounded text figure and for a full-precision JSON one alike.
"""
import json
import re


def _number(text):
    """A figure as printed: "0.7002", "23.2%" (a share: 0.232), "-" or "n/a" (None)."""
    text = text.strip()
    if text in ("-", "n/a", "nan"):
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def _json(text):
    """The document when `text` is `--format json` output, else None."""
    return json.loads(text) if text.lstrip().startswith("{") else None


def evaluate_numbers(path):
    """{"roc_auc", "log_loss", "brier_score", "top_decile_lift", "average_precision": float,
        "rows", "labelled", "positives", "unscored": int} from `leadscore evaluate` output (JSON or text)."""
    text = open(path, encoding="utf-8").read()
    doc = _json(text)
    if doc is not None:
        assert doc["schema"] == "leadscore.evaluate/1", doc["schema"]
        out = {k: doc[k] for k in ("roc_auc", "log_loss", "brier_score", "top_decile_lift", "average_precision")}
        out.update(rows=doc["rows"], labelled=doc["labelled"], positives=doc["positives"],
                   unscored=doc["not_computable"])
        return out
    out = {}
    for key, label in [("roc_auc", "ROC AUC"), ("log_loss", "log loss"), ("brier_score", "Brier score"),
                       ("top_decile_lift", "top-decile lift"), ("average_precision", "average precision")]:
        m = re.search(rf"^{re.escape(label)}: (\S+)$", text, re.M)
        out[key] = _number(m.group(1)) if m else None
    m = re.search(r"^rows: (\d+), labelled: (\d+), positives: (\d+) .*not computable: (\d+)$", text, re.M)
    if m:
        out.update(rows=int(m.group(1)), labelled=int(m.group(2)), positives=int(m.group(3)),
                   unscored=int(m.group(4)))
    return out


def _section(text, title):
    """The lines of a `== title ==` section."""
    m = re.search(rf"^== {re.escape(title)} ==$\n(.*?)(?=^== |\Z)", text, re.M | re.S)
    return m.group(1).splitlines() if m else []


def funnel_numbers(path):
    """From `leadscore funnel` output:
    {"leads", "won": int,
     "stages": {name: {"kind": str, "entered": int, "converted": int or None, "rate": float or None}} in order,
     "closed": {"won", "lost": int, "win_rate": float} (the KPI total),
     "breakdowns": {key: {label: {"leads", "won": int, "conversion": float}}}}"""
    text = open(path, encoding="utf-8").read()
    doc = _json(text)
    if doc is not None:
        return _funnel_json(doc)
    out = {"stages": {}, "breakdowns": {}}
    m = re.search(r"^  leads: (\d+), won: (\d+) ", text, re.M)
    if m:
        out.update(leads=int(m.group(1)), won=int(m.group(2)))
    for line in _section(text, "Stage conversion"):
        cells = line.split()
        # stage kind entered reached converted rate [in N d] dropped drop-off stayed P(win)
        if len(cells) >= 10 and cells[2].isdigit():
            converted = None if cells[4] == "-" else int(cells[4])
            out["stages"][cells[0]] = {"kind": cells[1], "entered": int(cells[2]), "converted": converted,
                                       "rate": _number(cells[5])}
    for title in re.findall(r"^== By (.+) ==$", text, re.M):
        groups = {}
        for line in _section(text, "By " + title):
            cells = line.split()
            # label (may hold spaces) leads won lost open win-rate conversion revenue avg-deal
            if len(cells) >= 9 and cells[-8].isdigit() and not line.startswith("  ---"):
                groups[" ".join(cells[:-8])] = {"leads": int(cells[-8]), "won": int(cells[-7]),
                                                "conversion": _number(cells[-3])}
        out["breakdowns"][title] = groups
    for line in _section(text, "KPIs by month") + _section(text, "KPIs by quarter") + _section(text, "KPIs by year"):
        cells = line.split()
        if cells[:1] == ["total"]:
            out["closed"] = {"won": int(cells[2]), "lost": int(cells[3]), "win_rate": _number(cells[4])}
    return out


def _funnel_json(doc):
    """funnel_numbers' dictionary from `leadscore funnel --format json`."""
    assert doc["schema"] == "leadscore.funnel/1", doc["schema"]
    out = {"leads": doc["leads"], "won": doc["won_leads"], "stages": {}, "breakdowns": {}, "every_group": True}
    for st in doc["stages"]:
        out["stages"][st["stage"]] = {"kind": st["kind"], "entered": st["entered"], "converted": st["converted"],
                                      "rate": st["conversion_rate"]}
    for b in doc["breakdowns"]:
        out["breakdowns"][b["by"]] = {g["label"]: {"leads": g["leads"], "won": g["won"], "conversion": g["conversion"]}
                                      for g in b["groups"]}
    kpis = doc.get("kpis")
    if kpis and kpis.get("total"):
        t = kpis["total"]
        out["closed"] = {"won": t["won"], "lost": t["lost"], "win_rate": t["win_rate"]}
    return out


def shown_equals(shown, value):
    """Whether the text a page shows ("0.7002", "23.2%", "2.29×", "136") is `value` rounded to its digits."""
    if value is None:
        return shown.strip() in ("-", "n/a")
    text = shown.strip().rstrip("\u00d7")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 100.0
    try:
        number = float(text)
    except ValueError:
        return False
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(number - scale * value) <= 0.5 * 10 ** -decimals + 1e-9


# A page as both checks see it: {"facts": {key: value text}, "tables": {id: {"header": [...], "rows": [[...]]}},
# "bars": {chart id: [bar title, ...]}}; cells as displayed text.

COUNT_COLUMNS = {"rows", "leads", "entered", "converted", "won", "positives", "labelled", "splits", "rows evaluated"}


def check_counts(page, check):
    """Counts show as whole numbers (the data the tests use has no tied scores, so no shared positives)."""
    for table_id, t in page["tables"].items():
        for c, name in enumerate(t["header"]):
            if name in COUNT_COLUMNS:
                for row in t["rows"]:
                    check(re.fullmatch(r"\d+|-", row[c]) is not None, f"{table_id}: {name} '{row[c]}' is not a count")
    metrics = page["tables"].get("metrics-table")
    if metrics:
        for name, value in metrics["rows"]:
            if name in ("rows evaluated", "positives"):
                check(value.isdigit(), f"metric {name} '{value}' is not a count")


def check_model(page, ev, check):
    """The model's figures and tables equal `evaluate`'s."""
    metrics = {r[0]: r[1] for r in page["tables"].get("metrics-table", {"rows": []})["rows"]}
    for name, key in [("ROC AUC", "roc_auc"), ("log loss", "log_loss"), ("Brier score", "brier_score"),
                      ("top-decile lift", "top_decile_lift"), ("average precision", "average_precision"),
                      ("rows evaluated", "labelled"), ("positives", "positives")]:
        want = ev.get(key) if key != "labelled" else ev.get("labelled", 0) - ev.get("unscored", 0)
        check(name in metrics and shown_equals(metrics[name], want),
              f"{name}: page {metrics.get(name)}, evaluate {want}")
    facts = page["facts"]
    check(shown_equals(facts.get("auc", ""), ev.get("roc_auc")), f"summary AUC {facts.get('auc')}, evaluate {ev.get('roc_auc')}")
    check(shown_equals(facts.get("top-tenth", ""), ev.get("top_decile_lift")),
          f"summary top tenth {facts.get('top-tenth')}, evaluate {ev.get('top_decile_lift')}")
    gains = page["tables"].get("gains-table", {"rows": []})["rows"]
    check(len(gains) == 10, f"{len(gains)} gain rows, expected 10")
    evaluated = ev.get("labelled", 0) - ev.get("unscored", 0)
    check(sum(int(r[1]) for r in gains) == evaluated, "gain rows do not add up to the rows evaluated")
    check(sum(float(r[2]) for r in gains) == ev.get("positives"), "gain positives do not add up to the positives")
    check(bool(gains) and gains[-1][5] == "100.0%", "the cumulative gain does not end at 100%")
    check(bool(gains) and shown_equals(gains[0][4], ev.get("top_decile_lift")), "the first decile's lift is not the top-decile lift")
    cal = page["tables"].get("calibration-table", {"rows": []})["rows"]
    check(sum(int(r[1]) for r in cal) == evaluated, "calibration bins do not add up to the rows evaluated")
    temp = page["tables"].get("temperature-table", {"rows": []})["rows"]
    check([r[0] for r in temp] == ["hot", "warm", "cold"], "temperature bands")
    check(sum(int(r[1]) for r in temp) == ev.get("rows"), f"temperature leads add up to {sum(int(r[1]) for r in temp)}")
    bars = page["bars"].get("temperature-chart", [])
    check(len(bars) == 3 and all(b.split(": ")[1].startswith(r[1] + " ") for b, r in zip(bars, temp)),
          "temperature bars differ from the table")
    check(len(page["tables"].get("effects-table", {"rows": []})["rows"]) > 0, "no effects listed")


def check_funnel(page, fu, check):
    """The funnel's figures and tables equal `funnel`'s."""
    stages = page["tables"].get("funnel-table", {"rows": []})["rows"]
    check(len(stages) == len(fu["stages"]) and len(stages) > 0, "the funnel table's stages differ from funnel's")
    for stage, kind, entered, _reached, converted, rate, _pwin in stages:
        want = fu["stages"].get(stage, {})
        check(want.get("kind") == kind and str(want.get("entered")) == entered and
              (converted == "-" if want.get("converted") is None else str(want.get("converted")) == converted) and
              shown_equals(rate, want.get("rate")), f"stage {stage}: page {entered} {converted} {rate}, funnel {want}")
    bars = page["bars"].get("funnel-chart", [])
    check([b.split(":")[0] for b in bars] == [r[0] for r in stages], "funnel bars do not match the table's stages")
    check(all(b.split(": ")[1].startswith(r[2] + " ") for b, r in zip(bars, stages)), "funnel bar labels differ from the table")
    facts = page["facts"]
    check(facts.get("leads") == str(fu.get("leads")), f"summary leads {facts.get('leads')}, funnel {fu.get('leads')}")
    closed = fu.get("closed")
    check(closed is not None and shown_equals(facts.get("win-rate", ""), closed["win_rate"]),
          f"summary win rate {facts.get('win-rate')}, funnel {closed}")
    # The weakest step: the open stage whose entrants least often went on, from funnel's counts.
    open_stages = [(v["converted"] / v["entered"], name) for name, v in fu["stages"].items()
                   if v["kind"] == "open" and v["entered"] > 0]
    check(not open_stages or facts.get("weakest-step") == min(open_stages)[1],
          f"summary weakest step {facts.get('weakest-step')}, funnel {min(open_stages) if open_stages else None}")
    for key, groups in fu["breakdowns"].items():
        rows = page["tables"].get(f"by-{key}-table", {"rows": []})["rows"]
        if fu.get("every_group"):
            # funnel's JSON lists every group, largest first; the page the 15 largest (report's default --max-rows),
            # ordered by conversion.
            check(sorted(r[0] for r in rows) == sorted(list(groups)[:15]),
                  f"by {key}: the page's rows {[r[0] for r in rows]} are not funnel's {min(15, len(groups))} largest")
        else:
            check(len(rows) == len(groups), f"by {key}: {len(rows)} rows on the page, {len(groups)} in funnel")
        for label, leads, won, conversion in rows:
            want = groups.get(label)
            check(want is not None and str(want["leads"]) == leads and str(want["won"]) == won and
                  shown_equals(conversion, want["conversion"]), f"by {key}, {label}: page {leads} {won} {conversion}, funnel {want}")


def check_page(page, ev, fu, check):
    """Every check of the numbers a page shows; ev / fu None for a report without a model / a funnel."""
    facts = page["facts"]
    expected_facts = {"leads", "win-rate"} | ({"auc", "top-tenth"} if ev else set()) | ({"weakest-step"} if fu else set())
    check(set(facts) == expected_facts, f"summary facts {sorted(facts)}, expected {sorted(expected_facts)}")
    model_tables = {"metrics-table", "gains-table", "calibration-table", "temperature-table", "effects-table"}
    check(bool(ev) == model_tables.issubset(page["tables"]), "model tables present without a model or missing with one")
    check(bool(fu) == ("funnel-table" in page["tables"]), "funnel table present without a funnel or missing with one")
    check_counts(page, check)
    if ev:
        check_model(page, ev, check)
        if not fu:
            check(facts.get("leads") == str(ev.get("rows")), f"summary leads {facts.get('leads')}, evaluate {ev.get('rows')}")
            labelled = ev.get("labelled", 0) - ev.get("unscored", 0)
            check(shown_equals(facts.get("win-rate", ""), ev.get("positives", 0) / max(1, labelled)),
                  f"summary win rate {facts.get('win-rate')}")
    if fu:
        check_funnel(page, fu, check)
