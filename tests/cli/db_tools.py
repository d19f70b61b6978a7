#!/usr/bin/env python3
"""Helpers of the command-line database tests, independent of leadscore (Python's own sqlite3 module; psql).

  db_tools.py load CSV DB TABLE         the CSV as a typed table: numbers as REAL, true/false as INTEGER 0/1,
                                        other texts as TEXT, empty cells as NULL
  db_tools.py compare DB TABLE CSV      the table's scores equal the CSV output of `leadscore score --id` (by id):
                                        the same ids, scores, probabilities (as doubles, exactly) and temperatures
  db_tools.py compare_routes DB TABLE CSV
                                        the table's assignments equal the CSV output of `leadscore route` (by id):
                                        the same ids, reps, teams and reasons (an empty cell is NULL)
  db_tools.py sql DB STATEMENT          runs a statement; prints each row's values joined by '|'
  db_tools.py pg_create CSV TABLE       prints a PostgreSQL CREATE TABLE for the CSV: double precision, boolean,
                                        timestamptz or text per column (as every present cell reads)
  db_tools.py compare_dump DUMP CSV     as compare, on psql's unaligned output (lead_id|score|probability|temperature)
"""
import re
import csv
import sqlite3
import sys


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def column_types(header, data, boolean, real, time, text):
    types = []
    for c in range(len(header)):
        cells = [r[c] for r in data if r[c] != ""]
        if cells and all(v in ("true", "false") for v in cells):
            types.append(boolean)
        elif cells and all(number(v) is not None for v in cells):
            types.append(real)
        elif time and cells and all(re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\dZ)?", v) for v in cells):
            types.append(time)
        else:
            types.append(text)
    return types


def pg_create(csv_path, table):
    rows = list(csv.reader(open(csv_path, newline="")))
    types = column_types(rows[0], rows[1:], "boolean", "double precision", "timestamptz", "text")
    columns = ", ".join(f'"{h}" {t}' for h, t in zip(rows[0], types))
    print(f'CREATE TABLE "{table}" ({columns});')


def compare_rows(stored, csv_path):
    rows = list(csv.DictReader(open(csv_path, newline="")))
    bad = 0
    for r in rows:
        s = stored.get(r["id"])
        expected = (number(r["score"]), number(r["probability"]), r["temperature"] or None)
        if s is None or tuple(s) != expected:
            bad += 1
            if bad <= 5:
                print(f"lead {r['id']}: table holds {s}, the CSV {expected}", file=sys.stderr)
    if len(stored) != len(rows):
        print(f"the table holds {len(stored)} rows, the CSV {len(rows)}", file=sys.stderr)
        bad += 1
    return 1 if bad else 0


def load(csv_path, db_path, table):
    rows = list(csv.reader(open(csv_path, newline="")))
    header, data = rows[0], rows[1:]
    types = column_types(header, data, "INTEGER", "REAL", None, "TEXT")

    def value(text, t):
        if text == "":
            return None
        if t == "INTEGER":
            return 1 if text == "true" else 0
        return float(text) if t == "REAL" else text

    con = sqlite3.connect(db_path)
    columns = ", ".join(f'"{h}" {t}' for h, t in zip(header, types))
    con.execute(f'CREATE TABLE "{table}" ({columns})')
    marks = ", ".join("?" * len(header))
    con.executemany(f'INSERT INTO "{table}" VALUES ({marks})',
                    [[value(v, t) for v, t in zip(r, types)] for r in data])
    con.commit()


def compare(db_path, table, csv_path):
    con = sqlite3.connect(db_path)
    stored = {r[0]: r[1:] for r in con.execute(
        f'SELECT lead_id, score, probability, temperature FROM "{table}"')}
    return compare_rows(stored, csv_path)


def compare_routes(db_path, table, csv_path):
    con = sqlite3.connect(db_path)
    stored = {r[0]: tuple(r[1:]) for r in con.execute(f'SELECT lead_id, rep, team, reason FROM "{table}"')}
    rows = list(csv.DictReader(open(csv_path, newline="")))
    bad = 0
    for r in rows:
        expected = tuple(r[k] or None for k in ("rep", "team", "reason"))
        if stored.get(r["id"]) != expected:
            bad += 1
            if bad <= 5:
                print(f"lead {r['id']}: table holds {stored.get(r['id'])}, the CSV {expected}", file=sys.stderr)
    if len(stored) != len(rows):
        print(f"the table holds {len(stored)} rows, the CSV {len(rows)}", file=sys.stderr)
        bad += 1
    return 1 if bad else 0


def compare_dump(dump_path, csv_path):
    stored = {}
    for line in open(dump_path):
        lead, score, probability, temperature = line.rstrip("\n").split("|")
        stored[lead] = (number(score), number(probability), temperature or None)
    return compare_rows(stored, csv_path)


def main():
    if sys.argv[1] == "load":
        load(*sys.argv[2:5])
        return 0
    if sys.argv[1] == "compare":
        return compare(*sys.argv[2:5])
    if sys.argv[1] == "compare_routes":
        return compare_routes(*sys.argv[2:5])
    if sys.argv[1] == "pg_create":
        pg_create(*sys.argv[2:4])
        return 0
    if sys.argv[1] == "compare_dump":
        return compare_dump(*sys.argv[2:4])
    con = sqlite3.connect(sys.argv[2])
    for row in con.execute(sys.argv[3]):
        print("|".join("NULL" if v is None else str(v) for v in row))
    con.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
