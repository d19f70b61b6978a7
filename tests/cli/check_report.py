#!/usr/bin/env python3
"""Checks a `leadscore report` page: well-formed, self-contained, and carrying the numbers it shows.

usage: check_report.py REPORT.html EVALUATE.txt FUNNEL.txt ROWS

EVALUATE.txt and FUNNEL.txt are the outputs of `leadscore evaluate` and `leadscore funnel` on the same files: the
report's metrics and stage counts must equal theirs. ROWS is the number of data rows scored.
"""
import re
import sys
import xml.etree.ElementTree as ET

NS = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def table(root, table_id):
    t = root.find(f".//h:table[@id='{table_id}']", NS)
    check(t is not None, f"no table '{table_id}'")
    if t is None:
        return [], []
    head = ["".join(th.itertext()) for th in t.findall("h:thead/h:tr/h:th", NS)]
    rows = [["".join(td.itertext()) for td in tr.findall("h:td", NS)] for tr in t.findall("h:tbody/h:tr", NS)]
    return head, rows


def figure_after(root, table_id):
    """The bar-chart texts of the figures in the same section as the table (between its h2 and the next)."""
    body = root.find("h:body", NS)
    section, titles = [], []
    for el in body:
        if el.tag == f"{{{NS['h']}}}h2":
            section = []
        section.append(el)
        if el.tag == f"{{{NS['h']}}}table" and el.get("id") == table_id:
            for fig in section:
                for rect in fig.iterfind(".//s:rect/s:title", NS):
                    titles.append(rect.text)
            return titles
    return titles


def main():
    report, evaluate_txt, funnel_txt, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    text = open(report, encoding="utf-8").read()
    root = ET.fromstring(text)  # raises on a page that is not well-formed
    check(root.tag == f"{{{NS['h']}}}html", "the root is not an XHTML html element")

    # Self-contained: no script, no external resource (namespace declarations aside).
    check(root.find(".//h:script", NS) is None, "the page has a script")
    for el in root.iter():
        for attr in ("src", "href"):
            v = el.get(attr)
            check(v is None or v.startswith("#"), f"external reference {attr}={v!r}")
    check(not re.search(r"url\(|@import", text), "the style sheet loads something")

    # Metrics equal those of `leadscore evaluate`.
    _, metrics = table(root, "metrics")
    m = {r[0]: r[1] for r in metrics}
    ev = open(evaluate_txt, encoding="utf-8").read()
    for name, pattern in [("ROC AUC", r"ROC AUC: (\S+)"), ("log loss", r"log loss: (\S+)"),
                          ("Brier score", r"Brier score: (\S+)"), ("top-decile lift", r"top-decile lift: (\S+)")]:
        want = re.search(pattern, ev)
        check(want is not None and m.get(name) == want.group(1), f"{name}: report {m.get(name)}, evaluate {want and want.group(1)}")

    # Funnel counts equal the stage conversion table of `leadscore funnel`.
    _, funnel = table(root, "funnel")
    check(len(funnel) > 0, "empty funnel table")
    fu = open(funnel_txt, encoding="utf-8").read()
    for stage, kind, entered, *_ in funnel:
        line = re.search(rf"^\s+{re.escape(stage)}\s+{re.escape(kind)}\s+(\d+)\s", fu, re.M)
        check(line is not None and line.group(1) == entered, f"stage {stage}: report {entered}, funnel {line and line.group(1)}")
    bars = figure_after(root, "funnel")
    check([b.split(":")[0] for b in bars] == [r[0] for r in funnel], "funnel bars do not match the table's stages")
    check(all(b.split(": ")[1].startswith(r[2] + " ") for b, r in zip(bars, funnel)), "funnel bar labels differ from the table")

    # Sources: won <= leads, conversion = won / leads.
    _, sources = table(root, "sources")
    check(len(sources) > 0, "empty sources table")
    for name, leads, won, conv in sources:
        check(int(won) <= int(leads), f"source {name}: more won than leads")
        check(abs(float(conv.rstrip("%")) - 100 * int(won) / int(leads)) <= 0.05 + 1e-9, f"source {name}: conversion {conv}")

    # Gains: ten deciles adding up to every row, cumulative gain ends at 100 %.
    _, gains = table(root, "gains")
    check(len(gains) == 10, f"{len(gains)} gain rows, expected 10")
    evaluated = int(m.get("rows evaluated", "-1"))
    check(sum(int(r[1]) for r in gains) == evaluated, "gain rows do not add up to the rows evaluated")
    check(gains and gains[-1][5] == "100.0%", "the cumulative gain does not end at 100%")
    check(gains and gains[0][4] == m.get("top-decile lift"), "the first decile's lift is not the top-decile lift")

    # Calibration: bins add up to the rows evaluated.
    _, cal = table(root, "calibration")
    check(sum(int(r[1]) for r in cal) == evaluated, "calibration bins do not add up to the rows evaluated")

    # Temperature: every scored row in one band; shares add up.
    _, temp = table(root, "temperature")
    check([r[0] for r in temp] == ["hot", "warm", "cold"], "temperature bands")
    check(sum(int(r[1]) for r in temp) == rows, f"temperature leads add up to {sum(int(r[1]) for r in temp)}, expected {rows}")
    tbars = figure_after(root, "temperature")
    check(all(b.split(": ")[1].startswith(r[1] + " ") for b, r in zip(tbars, temp)) and len(tbars) == 3,
          "temperature bars differ from the table")

    # Every chart is inline SVG.
    check(len(root.findall(".//s:svg", NS)) >= 6, "fewer than six charts")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
