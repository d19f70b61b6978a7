#!/usr/bin/env python3
"""Checks the source of a `leadscore report` page: well-formed, self-contained, valid ids, accessible names, and the
numbers `evaluate` and `funnel` print (report_checks.py; check_report_browser.py checks the page as rendered).

usage: check_report.py REPORT.html [--evaluate EVALUATE.txt] [--funnel FUNNEL.txt] [--made TEXT] [--hide DIR]

--evaluate / --funnel: the outputs of `leadscore evaluate` and `leadscore funnel` on the report's files (a report
with a model / a funnel); --made: the date line's time ("2023-11-14 22:13 UTC"); --hide: a directory that must not
appear on the page (the report names files, not where they were on the writer's disk).
"""
import argparse
import collections
import re
import sys
import xml.etree.ElementTree as ET

import report_checks as rc

NS = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
H = "{" + NS["h"] + "}"
S = "{" + NS["s"] + "}"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def text(el):
    return "".join(el.itertext()).strip()


def page_of(root):
    """The page as report_checks sees it: summary facts, tables and bar titles by chart id."""
    facts = {div.get("data-fact"): text(div.find("h:dd/h:span[@class='value']", NS))
             for div in root.iterfind(".//h:dl[@class='summary']/h:div", NS)}
    tables = {}
    for t in root.iterfind(".//h:table", NS):
        header = [text(th) for th in t.findall("h:thead/h:tr/h:th", NS)]
        rows = [[text(c) for c in tr] for tr in t.findall("h:tbody/h:tr", NS)]
        tables[t.get("id")] = {"header": header, "rows": rows}
    bars = {fig.get("id"): [r.text for r in fig.iterfind(".//s:rect/s:title", NS)]
            for fig in root.iterfind(".//h:figure", NS)}
    return {"facts": facts, "tables": tables, "bars": bars}


def check_structure(root, source, hide):
    check(root.tag == H + "html" and root.get("lang") == "en", "the root is not an XHTML html element with a language")
    # Self-contained: no script, no external resource (namespace declarations aside).
    check(root.find(".//h:script", NS) is None, "the page has a script")
    for el in root.iter():
        for attr in ("src", "href"):
            v = el.get(attr)
            check(v is None or v.startswith("#"), f"external reference {attr}={v!r}")
    check(not re.search(r"url\(|@import", source), "the style sheet loads something")
    # Ids: unique, and every link within the page finds its target.
    ids = collections.Counter(el.get("id") for el in root.iter() if el.get("id") is not None)
    check(all(n == 1 for n in ids.values()), f"duplicate ids: {[i for i, n in ids.items() if n > 1]}")
    for a in root.iterfind(".//h:a", NS):
        check(a.get("href", "#")[1:] in ids, f"link {a.get('href')} has no target")
    # Accessible names: every chart an image with a label and an SVG title; every table a caption.
    svgs = root.findall(".//s:svg", NS)
    check(len(svgs) > 0, "no chart")
    for svg in svgs:
        title = svg.find("s:title", NS)
        check(svg.get("role") == "img" and (svg.get("aria-label") or "").strip() != "", "a chart without a label")
        check(title is not None and list(svg)[0] is title and text(title) == svg.get("aria-label"),
              f"chart '{svg.get('aria-label')}' has no <title> first")
    for fig in root.iterfind(".//h:figure", NS):
        check(fig.find("h:figcaption", NS) is not None and fig.get("id"), "a figure without a caption or id")
    for t in root.iterfind(".//h:table", NS):
        cap = t.find("h:caption", NS)
        check(cap is not None and text(cap) != "" and list(t)[0] is cap, f"table {t.get('id')} has no caption first")
    # Files by name only.
    if hide:
        check(hide not in source, f"the page names the directory {hide}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--evaluate")
    ap.add_argument("--funnel")
    ap.add_argument("--made")
    ap.add_argument("--hide")
    a = ap.parse_args()
    source = open(a.report, encoding="utf-8").read()
    root = ET.fromstring(source)  # raises on a page that is not well-formed
    check_structure(root, source, a.hide)
    made = root.find(".//h:header/h:p[@class='made']", NS)
    made_text = text(made) if made is not None else ""
    check(re.fullmatch(r"Made \d{4}-\d\d-\d\d \d\d:\d\d UTC by leadscore \S+ from .+\.", made_text) is not None,
          f"date line '{made_text}'")
    if a.made:
        check(made_text.startswith(f"Made {a.made} by"), f"date line '{made_text}', expected {a.made}")
    page = page_of(root)
    ev = rc.evaluate_numbers(a.evaluate) if a.evaluate else None
    fu = rc.funnel_numbers(a.funnel) if a.funnel else None
    rc.check_page(page, ev, fu, check)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
