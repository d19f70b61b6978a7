#!/usr/bin/env bash
# Runs the leadscore program and checks exit codes and output.
# usage: cli_test.sh LEADSCORE CASE WORKDIR VERSION
# Expected values come from the inputs the test writes (row counts, types, ranges), not from earlier runs.
set -u

bin="$1"
case_name="$2"
work="$3"
version="$4"

rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run EXPECTED_EXIT ARGS...: runs the program with stdout in out.txt and stderr in err.txt.
run() {
  local expected="$1"
  shift
  "$bin" "$@" >out.txt 2>err.txt
  local rc=$?
  if [[ $rc -ne $expected ]]; then
    fail "leadscore $* exited $rc, expected $expected"
    echo "--- stdout" >&2
    head -40 out.txt >&2
    echo "--- stderr" >&2
    head -40 err.txt >&2
  fi
}

# has FILE EXTENDED_REGEX: a line of FILE matches.
has() {
  grep -Eq -- "$2" "$1" || {
    fail "no line of $1 matches /$2/"
    echo "--- $1" >&2
    head -60 "$1" >&2
  }
}
lacks() { ! grep -Eq -- "$2" "$1" || fail "a line of $1 matches /$2/"; }
equal() { [[ "$1" == "$2" ]] || fail "$3: got '$1', expected '$2'"; }
empty() { [[ ! -s "$1" ]] || { fail "$1 is not empty"; head -20 "$1" >&2; }; }

# Data lines of a CSV without embedded line breaks.
data_lines() { echo $(($(wc -l <"$1") - 1)); }

# pyjson FILE EXPRESSION: the Python expression's value, with d the JSON document of FILE.
pyjson() { /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }

# same_report A B WHAT: two funnel --format json documents are equal but for the name of their input.
same_report() {
  /usr/bin/python3 -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b): d["input"].pop("file")
sys.exit(a != b)' "$1" "$2" || fail "$3: the JSON reports differ"
}

# The inspect table row of a column: "<#> <name> <type> <missing> <summary>".
column_row() { grep -E "^ *[0-9]+ +$2 " "$1"; }

# The history part of db.postgres (its pg and tools): funnel --history-query on PostgreSQL gives the JSON reports of
# the CSV files holding the same rows, for a generated history (entered_at timestamptz, value double precision) and
# for the Odoo mapping of docs/databases.md on the Odoo-shaped database (timestamp without a zone, numeric), and
# --snapshot-query the one of a deal snapshot file (dates of type date); the mapping's leads view trains and scores as
# in SQLite.
postgres_history() {
  local odoo
  odoo="$(dirname "$0")/../../examples/odoo"
  run 0 generate --leads 300 --seed 9 --out history_leads.csv --history history.csv
  pg -c "$(python3 "$tools" pg_create history.csv history)" -c "\copy history FROM 'history.csv' CSV HEADER" ||
    fail "cannot load the history"
  run 0 funnel --history history.csv --by source,quarter --format json
  cp out.txt csv.json
  # Ordered as the file is (by lead, then time): a table's rows have no order of their own.
  run 0 funnel --db "$LEADSCORE_TEST_PG" --history-query "SELECT * FROM history ORDER BY lead_id, entered_at" \
    --by source,quarter --format json
  same_report csv.json out.txt "a generated history in PostgreSQL"
  pg -f "$(dirname "$0")/odoo_crm.sql" || fail "cannot build the Odoo tables"
  run 0 funnel --history "$(dirname "$0")/odoo_history.csv" --funnel "$odoo/funnel.csv" --by team --format json
  cp out.txt expected.json
  run 0 funnel --db "$LEADSCORE_TEST_PG" --history-query "$(cat "$odoo/history.sql")" --funnel "$odoo/funnel.csv" \
    --by team --format json
  same_report expected.json out.txt "the Odoo history query in PostgreSQL"
  # A deal snapshot with dates of type date and numeric values: the report of the file of the same rows.
  tiny_deals
  pg -c "CREATE TABLE deals (opportunity_id text, sales_agent text, product text, account text, deal_stage text,
    engage_date date, close_date date, close_value numeric)" -c "\copy deals FROM 'deals.csv' CSV HEADER" ||
    fail "cannot load the deals"
  run 0 funnel --snapshot deals.csv --format json
  cp out.txt deals.json
  run 0 funnel --db "$LEADSCORE_TEST_PG" --snapshot-query "SELECT * FROM deals ORDER BY opportunity_id" --format json
  same_report deals.json out.txt "a deal snapshot in PostgreSQL"
  pg -c "CREATE VIEW leadscore_leads AS $(cat "$odoo/leads.sql")" || fail "cannot create the leads view"
  run 0 train --db "$LEADSCORE_TEST_PG" \
    --query "SELECT id, priority, expected_revenue, source, team, outcome FROM leadscore_leads WHERE outcome <> 'open'" \
    --target outcome --positive won --exclude id --out odoo.model
  has out.txt "^rows: 4, positives: 2 "
  run 0 score --model odoo.model --db "$LEADSCORE_TEST_PG" \
    --query "SELECT * FROM leadscore_leads WHERE outcome = 'open'" --id id --write-table odoo_scores --since write_date
  equal "$(pg -c "SELECT lead_id FROM odoo_scores ORDER BY lead_id")" "3
4" "the open opportunities scored in PostgreSQL"
}

# tiny_deals: deals.csv, a deal snapshot as funnel.snapshot's (d4 still prospecting, d5 won without an engage date).
tiny_deals() {
  printf '%s\n' 'opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value' \
    'd1,Ann,GTX,Acme,Won,2017-01-02,2017-02-01,1000' 'd2,Ann,MG,,Lost,2017-01-05,2017-01-20,0' \
    'd3,Bob,GTX,Acme,Engaging,2017-01-10,,' 'd4,Bob,MG,,Prospecting,,,' 'd5,Bob,GTX,Beta,Won,,2017-03-01,500' >deals.csv
}

# tiny_event_data: t.csv, 30 leads (id, employees, outcome: every third won), and tev.csv, their engagement events
# (demo requests mostly on won leads, meetings on every fifth) and one of a lead t.csv lacks: a model trained on the
# counts ranks won leads up only with the events.
tiny_event_data() {
  local i
  {
    echo "id,employees,outcome"
    for i in $(seq 1 30); do echo "L$i,$((i * 7 % 50)),$([[ $((i % 3)) == 0 ]] && echo won || echo lost)"; done
  } >t.csv
  {
    echo "lead_id,time,type,detail"
    for i in $(seq 1 30); do
      [[ $((i % 3)) == 0 ]] && echo "L$i,2024-01-0$((i % 9 + 1)),demo_requested,"
      [[ $((i % 4)) == 0 ]] && echo "L$i,2024-02-01,demo_requested,x"
      [[ $((i % 5)) == 0 ]] && echo "L$i,2024-02-01T10:00:00Z,meeting_booked,"
    done
    echo "L99,2024-01-01,demo_requested,"
  } >tev.csv
}

# The events part of db.postgres (after postgres_history, whose Odoo tables it reads): --events-query on PostgreSQL
# (time timestamptz) scores as --events with the file of the same rows, to the byte; the Odoo events query trains.
postgres_events() {
  local odoo
  odoo="$(dirname "$0")/../../examples/odoo"
  tiny_event_data
  pg -c "$(python3 "$tools" pg_create t.csv ev_leads)" -c "\copy ev_leads FROM 't.csv' CSV HEADER" \
    -c "$(python3 "$tools" pg_create tev.csv ev)" -c "\copy ev FROM 'tev.csv' CSV HEADER" || fail "cannot load the events"
  run 0 train --data t.csv --target outcome --positive won --events tev.csv \
    --event-counts demo_requested,meeting_booked --out ev.model
  run 0 score --model ev.model --data t.csv --id id --events tev.csv --out ev_csv.csv
  run 0 score --model ev.model --db "$LEADSCORE_TEST_PG" --table ev_leads --id id --events-query "SELECT * FROM ev" \
    --out ev_db.csv
  cmp -s ev_csv.csv ev_db.csv || fail "scores with --events-query in PostgreSQL differ from --events"
  run 0 train --db "$LEADSCORE_TEST_PG" \
    --query "SELECT id, priority, expected_revenue, source, team, outcome FROM leadscore_leads WHERE outcome <> 'open'" \
    --target outcome --positive won --exclude id --events-query "$(cat "$odoo/events.sql")" --event-counts email,comment \
    --out odoo_ev.model
  has err.txt "^leadscore: note: events: 3 read from .*, 2 attached to 1 leads; 1 left out: .*\(the first, '3', on row 3\)$"
}

case "$case_name" in

help.main)
  run 0 --help
  for cmd in generate inspect demo; do has out.txt "^ +$cmd "; done
  ;;

help.generate)
  run 0 generate --help
  for opt in --leads --seed --out --history --events; do has out.txt "$opt"; done
  ;;

help.inspect)
  run 0 inspect --help
  for opt in --delimiter --missing --collect; do has out.txt "$opt"; done
  has out.txt "ADDED"
  ;;

help.demo)
  run 0 demo --help
  has out.txt "--leads"
  ;;

version)
  run 0 --version
  equal "$(cat out.txt)" "leadscore $version" "version line"
  ;;

usage_error)
  run 2
  run 2 no_such_command
  run 2 inspect
  has err.txt "file \(or --db\) is required"
  run 2 inspect --no-such-option x.csv
  run 2 inspect --delimiter x x.csv
  run 2 generate --leads 10
  run 2 generate --leads ten --out x.csv
  [[ ! -e x.csv ]] || fail "a usage error wrote x.csv"
  ;;

generate_inspect)
  n=37
  run 0 generate --leads $n --seed 7 --out leads.csv --history history.csv --events events.csv
  empty err.txt # no progress lines: stderr is not a terminal
  equal "$(data_lines leads.csv)" "$n" "data lines in leads.csv"
  equal "$(head -c 3 leads.csv)" "id," "leads.csv starts with the id field"
  equal "$(head -1 history.csv)" "lead_id,stage,entered_at,value,source" "history header"
  equal "$(head -1 events.csv)" "lead_id,time,type,detail" "events header"

  run 0 inspect leads.csv
  has out.txt "^rows: $n$"
  has out.txt "^rows read: $n, rejected: 0$"
  has out.txt "^ *1 +id +categorical +0 +$n distinct"

  # Every lead is in some stage and the history records every stage entry, so each lead id appears there,
  # and nothing else does.
  tail -n +2 leads.csv | cut -d, -f1 | sort -u >ids.txt
  tail -n +2 history.csv | cut -d, -f1 | sort -u >history_ids.txt
  cmp -s ids.txt history_ids.txt || fail "history lead ids differ from the leads' ids"
  tail -n +2 events.csv | cut -d, -f1 | sort -u >event_ids.txt
  [[ -z "$(comm -13 ids.txt event_ids.txt)" ]] || fail "events name leads that were not generated"

  run 0 inspect history.csv
  has out.txt "^rows: $(data_lines history.csv)$"
  has out.txt "^ *3 +entered_at +timestamp "
  run 0 inspect events.csv
  has out.txt "^rows: $(data_lines events.csv)$"
  has out.txt "^ *2 +time +timestamp +0 "
  ;;

generate_deterministic)
  run 0 generate --leads 25 --seed 11 --out a.csv --history ah.csv --events ae.csv
  run 0 generate -n 25 -s 11 -o b.csv --history bh.csv --events be.csv
  run 0 generate --leads 25 --seed 12 --out c.csv
  cmp -s a.csv b.csv || fail "same seed, different leads"
  cmp -s ah.csv bh.csv || fail "same seed, different history"
  cmp -s ae.csv be.csv || fail "same seed, different events"
  ! cmp -s a.csv c.csv || fail "different seeds, same leads"
  # Asking for fewer files does not change the leads.
  run 0 generate --leads 25 --seed 11 --out d.csv
  cmp -s a.csv d.csv || fail "leads change when --history/--events are left out"
  ;;

generate_bad_path)
  run 1 generate --leads 5 --out no_such_dir/leads.csv
  has err.txt "^leadscore: .*no_such_dir/leads\.csv"
  ;;

inspect.malformed)
  printf 'a,b\n1,2\n3,"x\n4,5\n' >bad.csv # the quote opened on line 3 never closes
  run 1 inspect bad.csv
  has err.txt '^leadscore: .*bad\.csv:3:[0-9]+'
  # Fail-fast stops at the first bad row even when it is not the last one.
  printf 'a,b\n1,2\n3,4,5\n6,7\n' >count.csv
  run 1 inspect count.csv
  has err.txt '^leadscore: .*count\.csv:3:[0-9]+'
  ;;

inspect.collect)
  printf 'name,score\nalice,1\nbob,2,extra\ncarol,3\n' >rows.csv
  run 0 inspect --collect --max-rejected 100% rows.csv
  has out.txt "^rows: 2$"
  has out.txt "^rows read: 3, rejected: 1$"
  has out.txt "^rejected rows: 1$"
  has out.txt '^  .*rows\.csv:3(:[0-9]+)?: '
  has out.txt "^ *2 +score +numeric +0 +min 1, max 3$"
  # 1 of 3 rows is above the default 1%: the same output, then the failure (exit status 3).
  run 3 inspect --collect rows.csv
  has out.txt '^  .*rows\.csv:3(:[0-9]+)?: '
  has err.txt "^leadscore: too many rejected rows: 1 of 3 rows read \(33\.3%\), more than --max-rejected 1%$"
  run 3 inspect --collect --max-rejected 33% rows.csv
  run 0 inspect --collect --max-rejected 33.4% rows.csv
  # The share is a percentage; the old meaning of the option (rows to list) is --show-rejected.
  run 2 inspect --collect --max-rejected 0 rows.csv
  has err.txt "--show-rejected"
  run 2 inspect --collect --max-rejected 101% rows.csv
  ;;

inspect.collect_share)
  # 5,001 lines: the header and 5,000 rows; the quote opened on line 10 never closes. It costs that row only.
  { echo 'id,note,amount'; for i in $(seq 1 5000); do
      if [[ $i -eq 9 ]]; then echo "L$i,\"open,$i"; else echo "L$i,ok,$i"; fi; done; } >history.csv
  run 1 inspect history.csv
  has err.txt "^leadscore: .*history\.csv:10:4 \(field 'note'\): unterminated quoted cell"
  run 0 inspect --collect history.csv
  has out.txt "^rows: 4999$"
  has out.txt "^rows read: 5000, rejected: 1$"
  has out.txt "^  .*history\.csv:10:4 \(field 'note'\): unterminated quoted cell"
  has out.txt "^ *3 +amount +numeric +0 +min 1, max 5000$"
  # 60 bad rows of 5,000 (1.2%): listed (the first 20, then a count), and the command fails.
  awk -F, 'NR > 1 && NR % 80 == 0 { print $0 ",extra"; next } { print }' history.csv >bad.csv
  bad=$(awk 'NR > 1 && NR % 80 == 0' history.csv | wc -l)
  equal "$bad" "62" "rows made bad"
  run 3 inspect --collect bad.csv
  has out.txt "^rows read: 5000, rejected: 63$"
  has out.txt "^  \.\.\. and 43 more \(--show-rejected 0 shows all\)$"
  has err.txt "^leadscore: too many rejected rows: 63 of 5000 rows read \(1\.3%\), more than --max-rejected 1%$"
  run 0 inspect --collect --max-rejected 1.5% --show-rejected 0 bad.csv
  equal "$(grep -c '^  .*bad\.csv:' out.txt)" "63" "rejected rows listed"
  ;;

inspect.limits)
  # A file without line breaks stops the reader after the default limit of a line (16 MiB), naming the line.
  run 1 inspect /dev/zero
  has err.txt "^leadscore: /dev/zero:1:16777217: a line longer than 16777216 bytes \(the limit csv_limits::max_line_bytes"
  # A header of more columns than the default limit.
  seq -f 'c%.0f' -s, 1 100001 >wide.csv
  echo >>wide.csv
  run 1 inspect wide.csv
  has err.txt "^leadscore: .*wide\.csv:1: more than 100000 fields \(the limit csv_limits::max_columns"
  # Raised on the command line, the same file reads.
  run 0 inspect wide.csv --max-columns 100001
  has out.txt "^columns: 100001$"
  # Lowered, each limit stops a small file at its line; every command that reads a data file takes them.
  printf '%s\n' 'id,a,b' '1,22,333' '2,4444,55' >small.csv
  run 1 inspect small.csv --max-columns 2
  has err.txt "small\.csv:1: more than 2 fields"
  run 1 inspect small.csv --max-line-bytes 8
  has err.txt "small\.csv:3:9: a line longer than 8 bytes"
  run 1 inspect small.csv --max-cell-bytes 3
  has err.txt "small\.csv:3:3: a cell longer than 3 bytes"
  run 0 inspect small.csv --max-line-bytes 9 --max-cell-bytes 4
  has out.txt "^rows: 2$"
  printf '%s\n' 'rep' 'ann' >reps.csv
  run 1 route --leads small.csv --reps reps.csv --out routed.csv --max-columns 2
  has err.txt "small\.csv:1: more than 2 fields"
  [[ ! -e routed.csv ]] || fail "a refused route wrote its output"
  run 1 funnel --history small.csv --max-line-bytes 5
  has err.txt "small\.csv:1:6: a line longer than 5 bytes"
  run 1 train --data small.csv --target a --positive 22 --out m.model --max-cell-bytes 2
  has err.txt "small\.csv:2:6: a cell longer than 2 bytes"
  ;;

inspect.semicolon)
  # Quoted header and categoricals, ';' between fields, like the UCI bank-marketing export.
  printf '"age";"job";"y"\n30;"admin.";"no"\n41;"blue-collar";"yes"\n25;"admin.";"no"\n' >bank.csv
  for args in "--delimiter ;" "-d ;" ""; do
    # shellcheck disable=SC2086
    run 0 inspect $args bank.csv
    has out.txt "^rows: 3$"
    has out.txt "^columns: 3$"
    has out.txt "^ *1 +age +numeric +0 +min 25, max 41$"
    has out.txt "^ *2 +job +categorical +0 +2 distinct: admin\. \(2\), blue-collar \(1\)$"
  done
  tr ';' '\t' <bank.csv >bank.tsv
  for d in tab '\t'; do
    run 0 inspect --delimiter "$d" bank.tsv
    has out.txt "^ *1 +age +numeric +0 +min 25, max 41$"
  done
  # With ',' the header's first quoted cell is followed by ';' at line 1, column 6: a fatal error.
  run 1 inspect --delimiter , bank.csv
  has err.txt '^leadscore: .*bank\.csv:1:6'
  ;;

inspect.missing)
  printf 'id,amount,city\n1,10,Oslo\n2,?,NA\n3,,Bergen\n4,7.5,?\n' >m.csv
  run 0 inspect m.csv
  has out.txt "^ *2 +amount +categorical +1 "
  has out.txt "^ *3 +city +categorical +1 "
  # --missing adds to the defaults: empty and NA stay missing.
  run 0 inspect --missing '?' m.csv
  has out.txt "^ *2 +amount +numeric +2 +min 7\.5, max 10$"
  has out.txt "^ *3 +city +categorical +2 +2 distinct"
  run 0 inspect --missing 'n/a,?' --missing other m.csv
  has out.txt "^ *2 +amount +numeric +2 "
  ;;

inspect.no_file)
  run 1 inspect does_not_exist.csv
  has err.txt "^leadscore: .*does_not_exist\.csv"
  empty out.txt
  ;;

demo)
  n=20000
  run 0 demo
  empty err.txt
  has out.txt "$n leads"
  for s in "Data set" "Leads by source" "Leads by stage" "Outcomes" "Win rate by source family"; do
    has out.txt "^== $s ==$"
  done
  # The stage table lists the standard funnel in order, and its counts add up to every lead.
  awk '/^== Leads by stage ==$/ {on = 1; next} /^== / {on = 0} on && NF >= 4 && $3 ~ /^[0-9]+$/ {print $1}' \
    out.txt | head -9 | tr '\n' ' ' >stages.txt
  equal "$(cat stages.txt)" "suspect lead mql sql opportunity won lost rejected nurture " "stage order"
  sum_section() { # title, column holding the count
    awk -v t="== $1 ==" -v c="$2" '$0 == t {on = 1; next} /^== / {on = 0} on && $c ~ /^[0-9]+$/ {s += $c} END {print s}' out.txt
  }
  equal "$(sum_section "Leads by stage" 3)" "$n" "leads by stage add up"
  equal "$(sum_section "Outcomes" 2)" "$n" "outcomes add up"
  equal "$(sum_section "Win rate by source family" 2)" "$n" "leads by family add up"
  # Sources: the last two fields are count and share; labels may hold spaces.
  equal "$(awk '$0 == "== Leads by source ==" {on = 1; next} /^== / {on = 0}
                on && NF >= 2 && $(NF-1) ~ /^[0-9]+$/ {s += $(NF-1)} END {print s}' out.txt)" "$n" "leads by source add up"
  has out.txt "^  Trade show +event +[0-9]+ "
  # Scores: the points bands and the grid cells hold every lead; the frequency-table quintiles every test lead.
  for s in "Points scores" "Logistic model" "Fit x engagement grid" "Predictive scores \\(frequency tables\\)" "Stage conversion" \
           "Markov chain: P\\(win\\) and expected time to close" "KPIs by month"; do
    has out.txt "^== $s ==$"
  done
  equal "$(awk '$0 == "== Points scores ==" {on = 1; next} /^== / {on = 0}
                on && ($NF ~ /%$/ || $NF == "-") && $(NF-3) ~ /^[0-9]+$/ {s += $(NF-3)} END {print s}' out.txt)" "$n" \
    "points bands add up"
  equal "$(awk '$0 == "== Logistic model ==" {on = 1; next} /^== / {on = 0}
                on && ($NF ~ /%$/ || $NF == "-") && $(NF-3) ~ /^[0-9]+$/ {s += $(NF-3)} END {print s}' out.txt)" "$n" \
    "logistic bands add up"
  equal "$(awk '$0 == "== Fit x engagement grid ==" {on = 1; next} /^== / {on = 0}
                on {for (i = 2; i <= NF; i++) if ($i == "/") s += $(i-1)} END {print s}' out.txt)" "$n" "grid cells add up"
  tested=$(sed -n 's/.*tested on the \([0-9]*\) leads.*/\1/p' out.txt)
  equal "$(awk '$0 == "== Predictive scores (frequency tables) ==" {on = 1; next} /^== / {on = 0}
                on && NF == 5 && $1 ~ /^[1-5]$/ {s += $2} END {print s}' out.txt)" "$tested" "quintiles add up"
  # The best quintile wins more often than the worst.
  rates=$(awk '$0 == "== Predictive scores (frequency tables) ==" {on = 1; next} /^== / {on = 0}
               on && NF == 5 && $1 ~ /^[15]$/ {sub("%", "", $5); print $1, $5}' out.txt | sort | awk '{print $2}' | tr '\n' ' ')
  awk -v r="$rates" 'BEGIN {split(r, a, " "); exit !(a[2] > a[1])}' || fail "quintile 5 does not beat quintile 1: $rates"
  # Temperatures and lifecycle classes hold every lead; the trained model is tested on 30 % of the closed leads.
  for s in "Trained model" "Temperature and lifecycle" "A week later: crossings"; do has out.txt "^== $s ==$"; done
  equal "$(awk '$0 == "== Temperature and lifecycle ==" {on = 1; next} /^== / {on = 0}
                on && $1 ~ /^(hot|warm|cold|unknown)$/ && NF == 5 {s += $2} END {print s}' out.txt)" "$n" "temperatures add up"
  equal "$(awk '$0 == "== Temperature and lifecycle ==" {on = 1; next} /^== / {on = 0}
                on && $1 ~ /^(suspect|lead|mql|sql|rejected|nurture|beyond)$/ && NF == 3 {s += $2} END {print s}' out.txt)" \
    "$n" "lifecycle classes add up"
  has out.txt "^  ROC AUC +0\.[0-9]{4} +0\.[0-9]{4}$"
  has out.txt "^  turned hot +[0-9]+ +notify the owner$"
  # Routing: the leads per rep add up to those assigned, and no rep exceeds its daily quota.
  has out.txt "^== Routing hot and warm leads ==$"
  assigned=$(sed -n 's/.* \([0-9]*\) assigned.*/\1/p' out.txt)
  equal "$(awk '$0 == "== Routing hot and warm leads ==" {on = 1; next} /^== / {on = 0}
                on && NF >= 5 && $NF ~ /^[0-9]+$/ && $(NF-2) ~ /^[0-9]+$/ {s += $(NF-2); if ($(NF-2) > $(NF-1)) over = 1}
                END {print s (over ? " over quota" : "")}' out.txt)" "$assigned" "leads per rep add up to those assigned"
  # Fewer leads on request.
  run 0 demo --leads 300 --seed 3
  equal "$(sum_section "Leads by stage" 3)" "300" "leads by stage add up (300)"
  ;;

progress.tty)
  # Progress lines appear only when stderr is a terminal: script(1) gives the program one.
  command -v script >/dev/null || exit 77
  script -qec "'$bin' generate --leads 10 --out tty.csv" /dev/null >tty.txt 2>&1
  has tty.txt "generating 10 leads\.\.\. done in [0-9]"
  has tty.txt "writing tty\.csv\.\.\. 10 rows, done in [0-9]"
  ;;

help.funnel)
  run 0 funnel --help
  for opt in --history --snapshot --funnel --by --as-of --period --window --collect --on-backwards --open-as-lost; do has out.txt "$opt"; done
  run 0 --help
  has out.txt "^ +funnel "
  ;;

funnel.history)
  run 0 generate --leads 300 --seed 5 --out leads.csv --history history.csv
  run 0 funnel --history history.csv --window 30
  empty err.txt
  leads=$(tail -n +2 history.csv | cut -d, -f1 | sort -u | wc -l)
  won=$(tail -n +2 history.csv | cut -d, -f2 | grep -c '^won$')
  has out.txt "^rows read: $(data_lines history.csv), rejected: 0$"
  has out.txt "^leads: $leads, stage entries: $(data_lines history.csv), as of "
  for s in "Stage conversion" "By source" "Sales cycle and time in stage" "KPIs by month" \
    "Markov chain: P\(win\) and expected time to close" \
    "Cohorts: conversion by entry month and age"; do
    has out.txt "^== $s ==$"
  done
  # Every generated lead starts at suspect; the won row counts the history's won entries.
  has out.txt "^  suspect +open +$leads +100\.0% "
  has out.txt "^  won +won +$won +"
  has out.txt "^  leads: $leads, won: $won "
  has out.txt "in 30 d"
  # The source breakdown covers every lead (all rows shown with --max-rows 0).
  run 0 funnel --history history.csv --max-rows 0 --period quarter --as-of 2027-06-30
  equal "$(awk '$0 == "== By source ==" {on = 1; next} /^== / {on = 0}
                on && $2 ~ /^[0-9]+$/ {s += $2} END {print s}' out.txt)" "$leads" "leads by source add up"
  has out.txt "^== KPIs by quarter ==$"
  has out.txt "as of 2027-06-30"
  ;;

funnel.snapshot)
  # Deals as in a CRM pipeline export: d4 is still prospecting (no dates), d5 won without an engage date.
  printf '%s\n' 'opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value' \
    'd1,Ann,GTX,Acme,Won,2017-01-02,2017-02-01,1000' 'd2,Ann,MG,,Lost,2017-01-05,2017-01-20,0' \
    'd3,Bob,GTX,Acme,Engaging,2017-01-10,,' 'd4,Bob,MG,,Prospecting,,,' 'd5,Bob,GTX,Beta,Won,,2017-03-01,500' >deals.csv
  run 0 funnel --snapshot deals.csv --as-of 2017-04-01
  empty err.txt
  has out.txt "^rows read: 5, rejected: 0$"
  # Five deals enter prospecting, four reach engaging (d4 stays), two of those win and one is lost.
  has out.txt "^  prospecting +open +5 +100\.0% +4 +80\.0% +0 +0\.0% +1 +40\.0%$"
  has out.txt "^  engaging +open +4 +80\.0% +2 +50\.0% +1 +25\.0% +1 +50\.0%$"
  has out.txt "^entries without a date: 6 \(prospecting 5, engaging 1\)"
  has out.txt "^== By sales_agent ==$"
  has out.txt "^== By product ==$"
  # Ann: 2 deals, 1 won, 1 lost; Bob: 3 deals, 1 won, d3 open.
  has out.txt "^  Bob +3 +1 +0 +1 +100\.0% +33\.3% +500\.00 +500\.00$"
  has out.txt "^  Ann +2 +1 +1 +0 +50\.0% +50\.0% +1000\.00 +1000\.00$"
  # Acme won once (d1); Beta once (d5): no repeat customer.
  has out.txt "customer retention .*: 0 of 2 .*customers by account"
  ;;

funnel.errors)
  printf 'lead_id,stage,entered_at\na,suspect,2026-01-02\na,demo,2026-01-03\na,lead,2026-01-01\nb,suspect,2026-01-01\n' >bad.csv
  run 1 funnel --history bad.csv
  has err.txt "^leadscore: .*bad\.csv:3:3 \(field 'stage'\): stage 'demo' is not in the funnel"
  run 3 funnel --history bad.csv --collect
  has out.txt "^rows read: 4, rejected: 2$"
  has out.txt "^  .*bad\.csv:3:3 \(field 'stage'\): "
  has err.txt "^leadscore: too many rejected rows: 2 of 4 rows read \(50\.0%\), more than --max-rejected 1%$"
  lacks out.txt "^leads: " # no report from what is left
  run 0 funnel --history bad.csv --collect --max-rejected 50%
  has out.txt "^rows read: 4, rejected: 2$"
  has out.txt "^  .*bad\.csv:3:3 \(field 'stage'\): "
  has out.txt "^  .*bad\.csv:4:8 \(field 'entered_at'\): time runs backwards"
  has out.txt "^leads: 2, stage entries: 2, "
  printf 'stage,kind\nnew,open\ndone,finished\n' >f.csv
  run 1 funnel --history bad.csv --funnel f.csv
  has err.txt "^leadscore: .*f\.csv:3:6 \(field 'kind'\): unknown stage kind 'finished'"
  run 1 funnel --history no_such_file.csv
  has err.txt "^leadscore: .*no_such_file\.csv"
  run 1 funnel --history bad.csv --collect --max-rejected 100% --by team
  has err.txt "no key 'team'"
  run 2 funnel
  run 2 funnel --history bad.csv --snapshot bad.csv
  run 2 funnel --history bad.csv --period week
  ;;

funnel.custom_funnel)
  printf 'stage,kind\nNew,open\nQualified,open\nWon,won\nLost,lost\n' >f.csv
  printf '%s\n' 'lead_id,stage,entered_at,team' 'a,new,2026-01-01,north' 'a,qualified,2026-01-05,north' \
    'a,won,2026-01-20,north' 'b,new,2026-01-02,south' 'b,lost,2026-01-03,south' 'c,new,2026-01-03,south' >h.csv
  run 0 funnel --history h.csv --funnel f.csv --by team
  # New: a, b, c entered; a converted, b dropped, c stays. Qualified: a entered and won.
  has out.txt "^  New +open +3 +100\.0% +1 +33\.3% +1 +33\.3% +1 +33\.3%$"
  has out.txt "^  Qualified +open +1 +33\.3% +1 +100\.0% +0 +0\.0% +0 +100\.0%$"
  has out.txt "^  north +1 +1 +0 +0 +100\.0% +100\.0% "
  has out.txt "^  south +2 +0 +1 +1 +0\.0% +0\.0% "
  ;;

funnel.competing_risks)
  # Four leads first touched on day 0 (2026-01-01) or, c, on day 0 before as_of = day 100 (2026-04-11):
  # a won on day 20, b lost on day 40, d won on day 70, c still open (censored at 100 days).
  # Aalen-Johansen: t=20 n=4: P(won) = 1/4, open 3/4; t=40 n=3: P(lost) = 3/4 * 1/3 = 1/4, open 1/2;
  # t=70 n=2: P(won) = 1/4 + 1/2 * 1/2 = 1/2, open 1/4. Censoring losses (1 - KM of won): 1 - 3/4 * 1/2 = 62.5%.
  printf 'stage,kind\nNew,open\nWon,won\nLost,lost\n' >f.csv
  printf '%s\n' 'lead_id,stage,entered_at,team' 'a,new,2026-01-01,north' 'a,won,2026-01-21,north' \
    'b,new,2026-01-01,north' 'b,lost,2026-02-10,north' 'c,new,2026-01-01,south' 'd,new,2026-01-01,south' \
    'd,won,2026-03-12,south' >h.csv
  run 0 funnel --history h.csv --funnel f.csv --by team --as-of 2026-04-11
  empty err.txt
  has out.txt "^== Won and lost over time \(competing risks\) ==$"
  has out.txt "^  30 +25\.0% +[0-9.]+% - [0-9.]+% +0\.0% +0\.0% - 0\.0% +75\.0% +25\.0%$"
  has out.txt "^  60 +25\.0% +[0-9.]+% - [0-9.]+% +25\.0% +[0-9.]+% - [0-9.]+% +50\.0% +25\.0%$"
  has out.txt "^  90 +50\.0% +[0-9.]+% - [0-9.]+% +25\.0% +[0-9.]+% - [0-9.]+% +25\.0% +62\.5%$"
  # Nothing is observed beyond 100 days while a lead is open: "-".
  has out.txt "^  180 +- +- +- +- +- +-$"
  has out.txt "^  leads: won 2, lost 1, open 1$"
  # By team: north closed both (won day 20, lost day 40), so its curves are known for ever; south: d won on day
  # 70 (P(won) 1/2 at 90 days), c is open and observed only up to 100 days.
  has out.txt "^  north +2 +50\.0% +50\.0% +50\.0% +50\.0% +0\.0%$"
  has out.txt "^  south +2 +50\.0% +0\.0% +- +- +-$"
  # The Markov chain: New's exits are 2 won, 1 lost; c is open.
  has out.txt "^  New +3 +66\.7% "
  has out.txt "^  still open \(add no exit\): 1 of 4 leads \(25\.0%\)"
  lacks out.txt "no loss is recorded"
  ;;

funnel.open_leads)
  # Ten leads enter New on days 0, 10, ..., 90; the first wins on day 5; no loss is recorded; as_of day 100.
  printf 'stage,kind\nNew,open\nWon,won\nLost,lost\n' >f.csv
  {
    echo 'lead_id,stage,entered_at'
    for i in 0 1 2 3 4 5 6 7 8 9; do echo "l$i,new,$(date -u -d "2026-01-01 + $((10 * i)) days" +%F)"; done
    echo 'l0,won,2026-01-06'
  } >h.csv
  run 0 funnel --history h.csv --funnel f.csv --as-of 2026-04-11
  has out.txt "^  New +1 +100\.0% "
  has out.txt "^  still open \(add no exit\): 9 of 10 leads \(90\.0%\)"
  has out.txt "^  no loss is recorded"
  # Leads older than 45 days (l1 ... l5, ages 90 ... 50) count as lost: P(win) = 1 / (1 + 5).
  run 0 funnel --history h.csv --funnel f.csv --as-of 2026-04-11 --open-as-lost 45
  has out.txt "^  New +6 +16\.7% "
  has out.txt "^  open longer than 45 d at as_of, counted as lost: 5 \(50\.0% of leads\)$"
  has out.txt "^  still open \(add no exit\): 4 of 10 leads \(40\.0%\)"
  lacks out.txt "no loss is recorded"
  run 2 funnel --history h.csv --funnel f.csv --open-as-lost -3
  run 2 funnel --history h.csv --funnel f.csv --open-as-lost soon
  printf 'stage,kind\nNew,open\nWon,won\n' >nolost.csv
  run 1 funnel --history h.csv --funnel nolost.csv --open-as-lost 45
  has err.txt "^leadscore: .*lost"
  empty out.txt
  ;;

funnel.on_backwards)
  # d2 was won three days before its recorded first contact.
  printf '%s\n' 'opportunity_id,deal_stage,engage_date,close_date,close_value' 'd1,Won,2017-01-02,2017-02-01,10' \
    'd2,Won,2017-01-10,2017-01-07,20' 'd3,Lost,2017-01-05,2017-01-20,0' >deals.csv
  run 1 funnel --snapshot deals.csv
  has err.txt "deals\.csv:3:.*closes at 2017-01-07.*before it starts at 2017-01-10"
  empty out.txt
  run 0 funnel --snapshot deals.csv --on-backwards clamp
  has out.txt "^rows read: 3, rejected: 0$"
  has out.txt "^times clamped \(--on-backwards clamp\): 1 entries ran backwards and were taken at the earlier time, by up to 3\.0 d$"
  run 0 funnel --snapshot deals.csv --on-backwards reject --collect --max-rejected 50%
  has out.txt "^rows read: 3, rejected: 1$"
  lacks out.txt "times clamped"
  # An event log: a row earlier than the lead's last one.
  printf '%s\n' 'lead_id,stage,entered_at' 'a,suspect,2026-01-05' 'a,lead,2026-01-04' 'a,won,2026-01-09' >h.csv
  run 1 funnel --history h.csv
  has err.txt "h\.csv:3:.*time runs backwards"
  run 0 funnel --history h.csv --on-backwards clamp
  has out.txt "^times clamped .*: 1 entries .* by up to 1\.0 d$"
  has out.txt "^leads: 1, stage entries: 3, "
  run 2 funnel --history h.csv --on-backwards sideways
  ;;

funnel.data_safety)
  # A negative deal value, and a lead won and lost at one instant: refused with file:line:column, nothing on stdout.
  printf '%s\n' 'lead_id,stage,entered_at,value' 'a,suspect,2026-01-01,' 'a,won,2026-01-05,-250' >neg.csv
  run 1 funnel --history neg.csv
  has err.txt "neg\.csv:3:18 \(field 'value'\): a negative deal value: '-250'"
  empty out.txt
  printf '%s\n' 'lead_id,stage,entered_at' 'b,suspect,2026-01-01' 'b,won,2026-01-05' 'b,lost,2026-01-05' >both.csv
  run 1 funnel --history both.csv
  has err.txt "both\.csv:4:3 \(field 'stage'\): lead 'b' is both won and lost at 2026-01-05"
  empty out.txt
  # The window's seconds must fit in 64 bits: (2^63 - 1) / 86400 = 106751991167300 days at most.
  printf '%s\n' 'lead_id,stage,entered_at' 'c,suspect,2026-01-01' 'c,lead,2026-01-03' >ok.csv
  run 0 funnel --history ok.csv --window 106751991167300
  has out.txt " in 106751991167300 d "
  run 1 funnel --history ok.csv --window 106751991167301
  has err.txt "--window 106751991167301: a window is 0 to 106751991167300 days"
  empty out.txt
  # A report that fails late (an unknown breakdown key comes after the stage conversion) prints nothing either.
  run 1 funnel --history ok.csv --by team
  has err.txt "no key 'team'"
  empty out.txt
  ;;

help.route)
  run 0 route --help
  for opt in --leads --reps --out --rules --policy --state; do has out.txt "$opt"; done
  has out.txt "first matching rule wins"
  # The footer's "Tests: ..." sentence names every test word of the rules file format, and each word it names reads
  # as a rule test (the value suits the test: text for equality and text tests, a number for ranges).
  listed=$(tr '\n' ' ' <out.txt | grep -o 'Tests: [^.]*\.' | sed 's/^Tests: //; s/\.$//; s/[(),]/ /g' |
    tr -s ' ' '\n' | grep -v '^$' | sort | tr '\n' ' ')
  expected=$(printf '%s\n' equals = == not_equals '!=' one_of in not_one_of not_in contains not_contains \
    is_missing is_present at_least '>=' above '>' at_most '<=' below '<' between | sort | tr '\n' ' ')
  equal "$listed" "$expected" "rule tests named in the route help"
  run 0 generate --leads 10 --seed 4 --out leads.csv
  printf '%s\n' 'rep' 'ann' >reps.csv
  for word in $listed; do
    case "$word" in
      one_of | in | not_one_of | not_in) cell="country,$word,DE|AT" ;;
      is_missing | is_present) cell="country,$word," ;;
      at_least | '>=' | above | '>' | at_most | '<=' | below | '<') cell="employees,$word,10" ;;
      between) cell="employees,$word,10|100" ;;
      *) cell="country,$word,DE" ;;
    esac
    printf '%s\n' 'field,test,value,target' "$cell,rep:ann" >rules.csv
    run 0 route --leads leads.csv --reps reps.csv --rules rules.csv --out routed.csv
  done
  ;;

route.round_robin)
  run 0 generate --leads 30 --seed 3 --out leads.csv
  printf '%s\n' 'rep,team,capacity,available' 'ann,sales,,true' 'bob,sales,,false' 'cid,sales,,' >reps.csv
  run 0 route --leads leads.csv --reps reps.csv --out routed.csv
  equal "$(head -1 routed.csv)" "id,rep,team,reason" "output header"
  equal "$(data_lines routed.csv)" "30" "one output row per lead"
  # Input order: the ids of the output are the ids of the leads, line by line.
  tail -n +2 leads.csv | cut -d, -f1 >ids.txt
  tail -n +2 routed.csv | cut -d, -f1 >routed_ids.txt
  cmp -s ids.txt routed_ids.txt || fail "output ids differ from the leads' ids or their order"
  # Strict rotation over the two available reps (bob is skipped): ann, cid, ann, cid, ... = 15 each.
  equal "$(sed -n 2p routed.csv | cut -d, -f2)" "ann" "first lead"
  equal "$(sed -n 3p routed.csv | cut -d, -f2)" "cid" "second lead"
  equal "$(cut -d, -f2 routed.csv | grep -c '^ann$')" "15" "ann's leads"
  equal "$(cut -d, -f2 routed.csv | grep -c '^cid$')" "15" "cid's leads"
  equal "$(cut -d, -f2 routed.csv | grep -c '^bob$')" "0" "bob's leads"
  has routed.csv "^L[0-9]+,ann,sales,round robin over all reps$"
  has out.txt "^routed 30 leads: 30 assigned, 0 queued, 0 unassigned$"
  has out.txt "^  bob +sales +0 +0 +- +no$"
  ;;

route.rules)
  run 0 generate --leads 200 --seed 5 --out leads.csv
  printf '%s\n' 'rep,team,capacity' 'ann,dach,' 'bob,dach,' 'cid,world,' >reps.csv
  printf '%s\n' 'rule,field,test,value,target' 'dach,country,one_of,DE|AT,team:dach' 'rest,*,,,queue:inbox' >rules.csv
  run 0 route --leads leads.csv --reps reps.csv --rules rules.csv --out routed.csv --as-of 2026-06-01
  equal "$(data_lines routed.csv)" "200" "one output row per lead"
  # Leads from DE or AT (a bare cell of the country column) go to team dach, the others to the inbox queue.
  dach=$(grep -cE ',(DE|AT),' leads.csv)
  [[ $dach -gt 0 ]] || fail "the generated leads have no DE or AT lead"
  equal "$(grep -c ',dach,"rule #1' routed.csv)" "$dach" "leads routed to team dach"
  equal "$(grep -c ",,inbox,\"no rule matched, default: queue 'inbox'\"$" routed.csv)" "$((200 - dach))" "queued leads"
  has routed.csv "^L[0-9]+,(ann|bob),dach,\"rule #1 'dach' \(country in \{'DE', 'AT'\}\): round robin in team 'dach'\"$"
  lacks routed.csv ",cid,"
  ;;

route.quota_state)
  run 0 generate --leads 5 --seed 1 --out leads.csv
  printf '%s\n' 'rep,capacity' 'ann,30' 'bob,60' >reps.csv
  # Daily quotas: ann round(30/30) = 1, bob round(60/30) = 2: three leads assigned, two unassigned.
  run 0 route --leads leads.csv --reps reps.csv --out a.csv --state state.xml --as-of 2026-06-01T08:00:00
  equal "$(cut -d, -f2 a.csv | tail -n +2 | tr '\n' ' ')" "ann bob bob   " "first run"
  has a.csv "unassigned: no eligible rep over all reps \(daily quota reached\)"
  has out.txt "^routed 5 leads: 3 assigned, 0 queued, 2 unassigned$"
  [[ -s state.xml ]] || fail "no state written"
  # 12 hours later the loads still count: nothing is assigned. 24 hours after the first run, quotas are back and
  # the rotation goes on after bob, the rep who had the last turn: ann, bob, bob.
  run 0 route --leads leads.csv --reps reps.csv --out b.csv --state state.xml --as-of 2026-06-01T20:00:00
  has out.txt "^routed 5 leads: 0 assigned, 0 queued, 5 unassigned$"
  run 0 route --leads leads.csv --reps reps.csv --out c.csv --state state.xml --as-of 2026-06-02T08:00:00
  equal "$(cut -d, -f2 c.csv | tail -n +2 | tr '\n' ' ')" "ann bob bob   " "third run"
  ;;

route.ids)
  # Ids that read as numbers (the first two are the same double, the third loses its zeros), a missing token, an
  # empty cell and a quoted id holding the delimiter: the output's ids are the input's, byte for byte.
  run 0 generate --leads 8 --seed 3 --out generated.csv
  sed -e '2s/^L[0-9]*,/1234567890123456701,/' -e '3s/^L[0-9]*,/1234567890123456702,/' -e '4s/^L[0-9]*,/0012,/' \
    -e '5s/^L[0-9]*,/NA,/' -e '6s/^L[0-9]*,/,/' -e '7s/^L[0-9]*,/"00,7",/' generated.csv >leads.csv
  printf '%s\n' 'rep,team' 'ann,sales' >reps.csv
  run 0 route --leads leads.csv --reps reps.csv --out routed.csv
  equal "$(data_lines routed.csv)" "8" "one output row per lead"
  equal "$(sed -n '2,6p' routed.csv | cut -d, -f1 | tr '\n' ' ')" "1234567890123456701 1234567890123456702 0012 NA  " \
    "ids"
  equal "$(sed -n 7p routed.csv | cut -d, -f1-3)" '"00,7",ann' "a quoted id"
  cmp -s <(tail -n +8 leads.csv | cut -d, -f1) <(tail -n +8 routed.csv | cut -d, -f1) || fail "the other ids differ"
  # Only numbers: 198 of 200 ids changed when they were read as numbers.
  { echo 'id,country'; for i in $(seq 1 200); do printf '%s,DE\n' "$((1234567890123456700 + i))"; done; } >numeric.csv
  run 0 route --leads numeric.csv --reps reps.csv --out routed.csv
  cmp -s <(cut -d, -f1 numeric.csv) <(cut -d, -f1 routed.csv) || fail "numeric ids changed"
  ;;

route.errors)
  run 0 generate --leads 10 --seed 2 --out leads.csv
  printf '%s\n' 'rep,team,capacity' 'ann,dach,30' 'bob,dach,-4' >bad_reps.csv
  run 1 route --leads leads.csv --reps bad_reps.csv --out x.csv
  has err.txt "bad_reps\.csv:3:10 \(field 'capacity'\): a negative capacity"
  printf '%s\n' 'name,team' 'ann,dach' >no_rep.csv
  run 1 route --leads leads.csv --reps no_rep.csv --out x.csv
  has err.txt "no_rep\.csv.*no 'rep' column"
  printf '%s\n' 'rep,team' 'ann,dach' 'ann,world' >twice.csv
  run 1 route --leads leads.csv --reps twice.csv --out x.csv
  has err.txt "twice\.csv:3:1 .*rep 'ann' is defined twice"
  printf '%s\n' 'rep,team' 'ann,dach' >reps.csv
  printf '%s\n' 'field,test,value,target' 'colour,=,red,team:dach' >rules.csv
  run 1 route --leads leads.csv --reps reps.csv --rules rules.csv --out x.csv
  has err.txt "rules\.csv:2:1 \(field 'field'\): no field 'colour' in the leads"
  printf '%s\n' 'field,test,value,target' 'country,=,DE,rep:zed' >rules.csv
  run 1 route --leads leads.csv --reps reps.csv --rules rules.csv --out x.csv
  has err.txt "rules\.csv:2:14 .*rep 'zed' is not defined"
  run 1 route --leads no_such.csv --reps reps.csv --out x.csv
  has err.txt "no_such\.csv"
  [[ ! -e x.csv ]] || fail "a failed run wrote x.csv"
  run 2 route --leads leads.csv --reps reps.csv
  run 2 route --leads leads.csv --reps reps.csv --out x.csv --policy random
  ;;

route.data_safety)
  run 0 generate --leads 4 --seed 3 --out leads.csv
  # A reps file without reps: every lead would go unassigned. An error naming the file; nothing written.
  printf '%s\n' 'rep,team,capacity' >none.csv
  run 1 route --leads leads.csv --reps none.csv --out x.csv
  has err.txt "none\.csv:1: no reps"
  [[ ! -e x.csv ]] || fail "a failed run wrote x.csv"
  # Daily quotas of 1: ann and bob take one lead each, two go unassigned.
  printf '%s\n' 'rep,capacity' 'ann,30' 'bob,30' >reps.csv
  run 0 route --leads leads.csv --reps reps.csv --out a.csv --state state.xml --as-of 2026-06-02T08:00:00
  has out.txt "^routed 4 leads: 2 assigned, 0 queued, 2 unassigned$"
  cp state.xml saved.xml
  # A day before the saved state's run: refused, the state and the output left alone.
  run 1 route --leads leads.csv --reps reps.csv --out b.csv --state state.xml --as-of 2026-06-01T08:00:00
  has err.txt "--as-of 2026-06-01T08:00:00Z is before the last run of the routing state 'state\.xml' \(2026-06-02T08:00:00Z\).*--reset-quotas"
  cmp -s state.xml saved.xml || fail "a refused run changed the state"
  [[ ! -e b.csv ]] || fail "a refused run wrote b.csv"
  # --reset-quotas: the saved loads are dropped, so both reps take a lead again; the rotation goes on after bob.
  run 0 route --leads leads.csv --reps reps.csv --out b.csv --state state.xml --as-of 2026-06-01T08:00:00 --reset-quotas
  equal "$(cut -d, -f2 b.csv | tail -n +2 | tr '\n' ' ')" "ann bob   " "run after --reset-quotas"
  # The same time as the last run is not earlier: accepted, and the quotas of that time are used up.
  run 0 route --leads leads.csv --reps reps.csv --out c.csv --state state.xml --as-of 2026-06-01T08:00:00
  has out.txt "^routed 4 leads: 0 assigned, 0 queued, 4 unassigned$"
  ;;

model.ids)
  # score --id copies its column byte for byte, as route does (see route.ids): read as text, also when the model
  # reads the column itself.
  run 0 generate --leads 300 --seed 5 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out leads.model
  sed -e '2s/^L[0-9]*,/1234567890123456701,/' -e '3s/^L[0-9]*,/1234567890123456702,/' -e '4s/^L[0-9]*,/0012,/' \
    -e '5s/^L[0-9]*,/NA,/' -e '6s/^L[0-9]*,/,/' -e '7s/^L[0-9]*,/"00,7",/' leads.csv >ids.csv
  for id in id country; do
    run 0 score --model leads.model --data ids.csv --out scores.csv --id $id
    equal "$(data_lines scores.csv)" "300" "one score per row (--id $id)"
  done
  # country is a field the model reads (categorical): its texts as in the input.
  cmp -s <(tail -n +2 ids.csv | awk -F, '{ print $(NF - 6) }') <(tail -n +2 scores.csv | cut -d, -f1) ||
    fail "score --id country changed a country"
  run 0 score --model leads.model --data ids.csv --out scores.csv --id id
  equal "$(sed -n '2,6p' scores.csv | cut -d, -f1 | tr '\n' ' ')" "1234567890123456701 1234567890123456702 0012 NA  " \
    "ids"
  equal "$(sed -n 7p scores.csv | cut -d, -f1-3)" '"00,7",6' "a quoted id"
  cmp -s <(tail -n +8 ids.csv | cut -d, -f1) <(tail -n +8 scores.csv | cut -d, -f1) || fail "the other ids differ"
  ;;

help.models)
  run 0 --help
  for cmd in train score evaluate show import-xgboost; do has out.txt "^ +$cmd "; done
  run 0 train --help
  for opt in --data --target --positive --negative --exclude --missing --delimiter --model --out; do has out.txt "$opt"; done
  run 0 score --help
  for opt in --model --data --out --id; do has out.txt "$opt"; done
  run 0 evaluate --help
  for opt in --model --data --target --positive --negative; do has out.txt "$opt"; done
  ;;

model.round_trip)
  n=600
  run 0 generate --leads $n --seed 5 --out leads.csv
  # Won leads end with ",won," (no lost stage): the positives the fit must report.
  won=$(grep -c ',won,$' leads.csv)
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out leads.model
  empty err.txt # no progress lines: stderr is not a terminal
  has out.txt "^model: logistic, target outcome = won$"
  has out.txt "^rows: $n, positives: $won "
  has out.txt "^converged: yes, iterations: [0-9]+, parameters: [0-9]+$"
  has out.txt "field 'id' left out: every value is different"
  has out.txt "field 'email' left out"
  has out.txt "^temperature bands: warm >= 0\.[0-9]+, hot >= 0\.[0-9]+ "
  [[ -s leads.model ]] || fail "no model file"
  run 0 score --model leads.model --data leads.csv --out scores.csv --id id
  empty err.txt
  has out.txt "^scored $n rows with a logistic model: hot [0-9]+, warm [0-9]+, cold [0-9]+$"
  equal "$(head -1 scores.csv)" "id,row,score,probability,temperature" "score header with --id"
  equal "$(data_lines scores.csv)" "$n" "one score per input row"
  # In input order: the ids are the input's ids, the rows count 1..n.
  cmp -s <(tail -n +2 leads.csv | cut -d, -f1) <(tail -n +2 scores.csv | cut -d, -f1) || fail "ids out of order"
  equal "$(tail -n +2 scores.csv | cut -d, -f2 | tr '\n' ' ')" "$(seq 1 $n | tr '\n' ' ')" "row numbers"
  # score = round(100 p), p in [0, 1], temperature by the bands the model file holds.
  bad=$(tail -n +2 scores.csv | awk -F, '{ d = $3 - 100 * $4; if (d < -0.5 || d > 0.5 || $4 < 0 || $4 > 1 ||
        $5 !~ /^(cold|warm|hot)$/) print }' | wc -l)
  equal "$bad" "0" "rows whose score, probability or temperature is off"
  bands=$(sed -n 's/^temperature bands: warm >= \([0-9.]*\), hot >= \([0-9.]*\) .*/\1 \2/p' out.txt)
  # Without --id the row number comes first.
  run 0 score --model leads.model --data leads.csv --out plain.csv
  equal "$(head -1 plain.csv)" "row,score,probability,temperature" "score header"
  cmp -s <(cut -d, -f2- scores.csv | tail -n +2) <(tail -n +2 plain.csv) || fail "--id changed the scores"
  run 0 evaluate --model leads.model --data leads.csv --target outcome --positive won
  empty err.txt
  has out.txt "^rows: $n, labelled: $n, positives: $won "
  has out.txt "^ROC AUC: 0\.[5-9][0-9]{3}$"
  for m in "log loss" "Brier score" "top-decile lift" "average precision"; do has out.txt "^$m: [0-9]"; done
  has out.txt "^== Calibration \(reliability\) ==$"
  equal "$(awk '/^== Calibration/ {on = 1; next} /^expected/ {on = 0} on && $3 ~ /^[0-9]+$/ {s += $3} END {print s}' \
    out.txt)" "$n" "reliability bins hold every labelled row"
  equal "$(awk '/^== Temperature/ {on = 1; next} on && $2 ~ /^[0-9]+$/ {s += $2} END {print s}' out.txt)" "$n" \
    "temperature bands hold every row"
  # The model's own target and positive value are the defaults.
  cp out.txt first.txt
  run 0 evaluate --model leads.model --data leads.csv --target outcome
  cmp -s out.txt first.txt || fail "evaluate without --positive differs"
  # --negative: only lost leads are failures, so the open ones are left out of the fit; evaluate takes the model's
  # negatives for its own target.
  lost=$(grep -c ',lost,[a-z]*$' leads.csv)
  run 0 train --data leads.csv --target outcome --positive won --negative lost \
    --exclude name,phone,company,stage,lost_stage --out closed.model
  has out.txt "^model: logistic, target outcome = won against lost$"
  has out.txt "^rows: $((won + lost)), positives: $won "
  run 0 evaluate --model closed.model --data leads.csv --target outcome
  has out.txt "^rows: $n, labelled: $((won + lost)), positives: $won "
  # Naming the model's own positive value keeps the model's negatives.
  run 0 evaluate --model closed.model --data leads.csv --target outcome --positive won
  has out.txt "^rows: $n, labelled: $((won + lost)), positives: $won "
  run 0 evaluate --model leads.model --data leads.csv --target outcome --negative lost
  has out.txt "^rows: $n, labelled: $((won + lost)), positives: $won "
  # Naive Bayes (frequency tables) through the same commands.
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --model naive-bayes --out nb.model
  has out.txt "^model: naive-bayes, target outcome = won$"
  has out.txt "numeric fields left out .*employees"
  run 0 score --model nb.model --data leads.csv --out nb.csv
  equal "$(data_lines nb.csv)" "$n" "naive-bayes: one score per row"
  run 0 evaluate --model nb.model --data leads.csv --target outcome
  has out.txt "^ROC AUC: 0\.[5-9][0-9]{3}$"
  ;;

model.columns)
  # 120 rows: y is yes mostly when x is large or the color is red (a noisy rule, so the fit converges).
  {
    echo "id,x,color,y,note"
    for i in $(seq 1 120); do
      x=$((i % 10)); c=(red green blue); color=${c[$((i % 3))]}
      if (( (x + (i % 3 == 0 ? 3 : 0) > 6) != (i % 7 == 0) )); then y=yes; else y=no; fi
      echo "r$i,$x,$color,$y,n$((i % 4))"
    done
  } >train.csv
  run 0 train --data train.csv --target y --exclude note --out m.model
  has out.txt "^model: logistic, target y = yes$" # a two-valued target with a yes needs no --positive
  has out.txt "^rows: 120, "
  # Columns matched by name: reordered, an extra column, no target, an unseen color.
  printf 'extra,color,x\n1,red,9\n2,purple,0\n3,green,\n' >new.csv
  run 0 score --model m.model --data new.csv --out new_scores.csv
  equal "$(data_lines new_scores.csv)" "3" "scored rows"
  p1=$(sed -n 2p new_scores.csv | cut -d, -f3); p2=$(sed -n 3p new_scores.csv | cut -d, -f3)
  awk -v a="$p1" -v b="$p2" 'BEGIN {exit !(a > b)}' || fail "red 9 ($p1) should beat purple 0 ($p2)"
  # A column the model reads is missing: the error names it.
  printf 'color\nred\n' >nox.csv
  run 1 score --model m.model --data nox.csv --out x.csv
  has err.txt "^leadscore: .*nox\.csv.*'x' is missing from the header"
  # evaluate needs the target; a target the model was not trained on needs --positive.
  run 1 evaluate --model m.model --data new.csv --target y
  has err.txt "'y' is missing from the header"
  run 1 evaluate --model m.model --data train.csv --target note
  has err.txt "give --positive"
  ;;

model.errors)
  printf 'x,y\n1,yes\n2,no\n3,yes\n4,no\n' >d.csv
  run 2 train --data d.csv --target y --model forest --out m.model
  [[ ! -e m.model ]] || fail "a usage error wrote a model"
  run 2 train --data d.csv --target y
  run 2 score --model m.model --data d.csv
  run 1 train --data d.csv --target z --out m.model
  has err.txt "^leadscore: .*'z' is not in the header"
  run 1 train --data d.csv --target y --positive maybe --out m.model
  has err.txt "no row has the positive value 'maybe'"
  run 1 train --data d.csv --target y --negative maybe --out m.model
  has err.txt "no row has the negative value 'maybe'"
  run 1 train --data d.csv --target y --positive yes --negative no,yes --out m.model
  has err.txt "'yes' is both the positive value and a negative one"
  run 1 train --data d.csv --target y --exclude w --out m.model
  has err.txt "--exclude: the column 'w'"
  printf 'x,y\n1,a\n2,b\n3,c\n' >three.csv
  run 1 train --data three.csv --target y --out m.model
  has err.txt "give --positive: the target 'y' has 3 values"
  run 0 train --data d.csv --target y --out m.model
  # A corrupted model file, a missing one, and something else entirely: each named.
  cp m.model bad.model
  printf '\x01\x02garbage' | dd of=bad.model bs=1 seek=300 conv=notrunc 2>/dev/null
  run 1 score --model bad.model --data d.csv --out s.csv
  has err.txt "^leadscore: archive 'bad\.model': "
  [[ ! -e s.csv ]] || fail "a bad model wrote scores"
  head -c 200 m.model >cut.model
  run 1 evaluate --model cut.model --data d.csv --target y
  has err.txt "^leadscore: archive 'cut\.model': "
  run 1 score --model no_such.model --data d.csv --out s.csv
  has err.txt "^leadscore: archive 'no_such\.model': cannot open"
  run 1 score --model d.csv --data d.csv --out s.csv
  has err.txt "^leadscore: archive 'd\.csv': "
  ;;

model.gbt)
  # 300 rows: y is yes mostly when x is large or the color is red (a noisy rule); note is noise.
  {
    echo "id,x,color,y,note"
    for i in $(seq 1 300); do
      x=$((i % 10)); c=(red green blue); color=${c[$((i % 3))]}
      if (( (x + (i % 3 == 0 ? 3 : 0) > 6) != (i % 7 == 0) )); then y=yes; else y=no; fi
      echo "r$i,$x,$color,$y,n$((i % 4))"
    done
  } >train.csv
  # The trees' options apply to --model gbt only; bad values are named.
  run 1 train --data train.csv --target y --trees 5 --out m.model
  has err.txt "^leadscore: --trees applies to --model gbt and auto only \(this is --model logistic\)$"
  run 1 train --data train.csv --target y --model gbt --monotone x=2 --out m.model
  has err.txt "^leadscore: --monotone: 'x=2': give FIELD=\+1 "
  run 1 train --data train.csv --target y --model gbt --monotone color=+1 --out m.model
  has err.txt "^leadscore: gbt fit: monotone: input 'color' is categorical"
  run 1 train --data train.csv --target y --model gbt --monotone size=-1 --out m.model
  has err.txt "^leadscore: gbt fit: monotone: no input 'size'"
  run 1 train --data train.csv --target y --model gbt --learning-rate 0 --out m.model
  has err.txt "^leadscore: gbt fit: learning_rate must be above 0 and at most 1 \(got 0\)$"
  run 2 train --data train.csv --target y --model gbt --max-bins 300 --out m.model
  has err.txt "--max-bins"
  [[ ! -e m.model ]] || fail "an error wrote a model"
  # A fit with early stopping on a fifth of the rows and x constrained to raise the score.
  run 0 train --data train.csv --target y --exclude note --model gbt --trees 60 --max-depth 3 --learning-rate 0.3 \
    --monotone x=+1 --early-stopping 5 --validation-share 0.2 --min-category-count 5 --seed 3 --out m.model
  has out.txt "^model: gbt, target y = yes$"
  has out.txt "^rows: 240, " # 60 of the 300 held back to watch
  has out.txt "^fit: (grew 60 trees|stopped early at tree [0-9]+) \(best validation log loss 0\.[0-9]+ at tree [0-9]+\)$"
  has out.txt "^  held back: 60 of the 300 labelled rows \(a stratified share of 0\.2, seed 3\), not learned from and measured after the fit; early stopping watched them too"
  has out.txt "^held back: 60 rows, [0-9]+ positives: ROC AUC 0\.[0-9]{4}, log loss 0\.[0-9]{4}, Brier score 0\.[0-9]{4}$"
  # The score never falls as x grows, for each color.
  {
    echo "x,color"
    for color in red green blue; do for x in $(seq 0 9); do echo "$x,$color"; done; done
  } >grid.csv
  run 0 score --model m.model --data grid.csv --out grid_scores.csv
  awk -F, 'NR > 1 { if ((NR - 2) % 10 > 0 && $3 + 0 < last) bad = 1; last = $3 + 0 } END { exit bad }' grid_scores.csv ||
    fail "a score fell as x grew"
  run 0 evaluate --model m.model --data train.csv --target y
  has out.txt "^ROC AUC: 0\.[7-9][0-9]{3}$"
  ;;

model.train_report)
  # 60 rows. age: numbers but 'unknown' in rows 7 and 19 and 'n/a' in row 33; income: numbers, NaN in every tenth
  # row (missing, so still numeric); created: timestamps; y: yes/no, missing in rows 5, 25, 45, 'maybe' in rows
  # 15, 35, 55.
  {
    echo "id,age,created,income,color,y"
    for i in $(seq 1 60); do
      age=$((20 + i % 30))
      if (( i == 7 || i == 19 )); then age=unknown; elif (( i == 33 )); then age=n/a; fi
      income=$((1000 + (i * 37) % 500)); (( i % 10 == 0 )) && income=NaN
      c=(red green blue); color=${c[$((i % 3))]}
      if (( (i % 3 == 0) != (i % 7 == 0) )); then y=yes; else y=no; fi
      (( i % 20 == 5 )) && y=
      (( i % 20 == 15 )) && y=maybe
      echo "r$i,$age,2024-01-$(printf %02d $((i % 28 + 1))),$income,$color,$y"
    done
  } >d.csv
  run 0 train --data d.csv --target y --positive yes --negative no --out m.model
  has out.txt "^  field 'age' read as categorical, not numeric: 3 of 60 present cells are not numbers: 'unknown' \(2 cells, first in row 7\), 'n/a' \(row 33\) "
  lacks out.txt "field 'income' read as categorical"
  has out.txt "^  timestamp fields left out .*: created$"
  has out.txt "^  rows left out: 6 \(3 with the target missing, 3 with a value neither 'yes' nor 'no'\)$"
  has out.txt "^rows: 54, "
  # Without --negative, 'maybe' is a negative value: only the rows without a target are left out.
  run 0 train --data d.csv --target y --positive yes --out all.model
  has out.txt "^  rows left out: 3 \(3 with the target missing\)$"
  has out.txt "^rows: 57, "
  # income was read as numeric despite its NaN cells: a text in it is an error at score time.
  printf 'age,income,color\n30,oops,red\n' >oops.csv
  run 1 score --model m.model --data oops.csv --out s.csv
  has err.txt "^leadscore: oops\.csv:2:4 \(field 'income'\): 'oops' is not a number"
  # Nothing left to learn from: an error, and no model file.
  run 1 train --data d.csv --target y --positive yes --exclude age,income,color --out none.model
  has err.txt "^leadscore: logistic fit: no feature to learn from"
  [[ ! -e none.model ]] || fail "a model without features was written"
  ;;

model.evaluate_one_class)
  printf 'x,y\n1,yes\n2,no\n3,yes\n4,no\n5,no\n6,yes\n7,no\n8,yes\n' >d.csv
  run 0 train --data d.csv --target y --positive yes --negative no --out m.model
  # No positive: no metric means anything, so it is an error naming the value sought and the values found.
  printf 'x,y\n1,no\n2,no\n3,maybe\n4,no\n' >nopos.csv
  run 1 evaluate --model m.model --data nopos.csv --target y
  has err.txt "^leadscore: nopos\.csv \(field 'y'\): no row is positive \(--positive 'yes', negative: 'no'; values in the file: 'no' 3, 'maybe' 1\)"
  printf 'x,y\n1,yes\n2,yes\n3,\n' >noneg.csv
  run 1 evaluate --model m.model --data noneg.csv --target y
  has err.txt "^leadscore: noneg\.csv \(field 'y'\): no row is negative \(--positive 'yes', negative: 'no'; values in the file: 'yes' 2\)"
  run 1 evaluate --model m.model --data noneg.csv --target y --positive maybe
  has err.txt "no row is positive \(--positive 'maybe', negative: any other value; values in the file: 'yes' 2\)"
  ;;

model.auto)
  # --model auto: logistic or gbt by 5-fold cross-validated ROC AUC, the choice and both figures in a note; --cv K
  # reports the figure for one kind.
  run 0 generate --leads 600 --seed 5 --out leads.csv
  ex=name,phone,company,stage,lost_stage
  run 0 train --data leads.csv --target outcome --positive won --negative lost --exclude $ex --model auto \
    --trees 40 --early-stopping 10 --out auto.model
  empty err.txt
  note=$(grep -E "^  --model auto chose (gbt|logistic): 5-fold cross-validated ROC AUC 0\.[0-9]{4} ± 0\.[0-9]{4} for gbt \
against 0\.[0-9]{4} ± 0\.[0-9]{4} for logistic \(" out.txt)
  [[ -n "$note" ]] || fail "no note of the choice"
  chosen=$(sed -E 's/^  --model auto chose ([a-z]+):.*/\1/' <<<"$note")
  better=$(sed -E 's/.*ROC AUC (0\.[0-9]+) ± [0-9.]+ for gbt against (0\.[0-9]+) ± .*/\1 \2/' <<<"$note" |
           awk '{print ($1 > $2) ? "gbt" : ($1 < $2) ? "logistic" : "tie"}')
  # Equal to the 4 decimals shown, either kind may have the higher AUC.
  [[ $better == tie ]] || equal "$chosen" "$better" "the kind of the higher cross-validated AUC"
  has out.txt "^model: $chosen, target outcome = won against lost$"
  if [[ $chosen == logistic ]]; then
    has out.txt "^  the tree options \(--trees, --early-stopping\) shaped the cross-validated gbt model only$"
  fi
  run 0 show auto.model
  has out.txt "^model: $chosen "
  run 0 train --data leads.csv --target outcome --positive won --negative lost --exclude $ex --cv 3 --out cv.model
  has out.txt "^  3-fold cross-validated ROC AUC 0\.[0-9]{4} ± 0\.[0-9]{4} \(mean ± standard deviation over the folds\)$"
  has out.txt "^model: logistic, "
  run 1 train --data leads.csv --target outcome --positive won --model naive-bayes --cv 3 --out nb.model
  has err.txt "--cv applies to --model logistic, gbt and auto \(not naive-bayes\)"
  [[ ! -e nb.model ]] || fail "a model file written despite the error"
  run 2 train --data leads.csv --target outcome --positive won --cv 1 --out one.model
  ;;
model.show)
  # show: a model file's contract, fit and largest effects. A logistic model first: the fields read are the
  # generator's columns less the excluded ones, identifiers (id, email), timestamps and the target.
  run 0 generate --leads 600 --seed 5 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --negative lost \
    --exclude name,phone,company,stage,lost_stage --out leads.model
  run 0 show leads.model --top 5
  empty err.txt
  has out.txt "^model: logistic \(policy leadscore.logistic\), scores probability$"
  has out.txt '^target: outcome = "won" against "lost"$'
  won=$(grep -c ',won,$' leads.csv)
  lost=$(grep -c ',lost,[a-z]*$' leads.csv)
  has out.txt "^trained on: $((won + lost)) rows, $won positive "
  has out.txt "^fields read: 11$"
  # Values seen in training: the distinct teams of the labelled (won or lost) rows.
  teams=$(awk -F, 'NR > 1 && ($20 == "won" || $20 == "lost") {print $11}' leads.csv | sort -u | wc -l)
  has out.txt "^  team +categorical +$teams$"
  has out.txt "^  newsletter +boolean *$"
  has out.txt "^logistic regression: [0-9]+ features, intercept -?[0-9.e-]+ \(log-odds\)$"
  equal "$(awk '/^largest weights/ {on = 1; next} on && /^  [a-z]/ && !/^  feature/ {n++} /^notes/ {on = 0} END {print n}' \
    out.txt)" "5" "weights listed with --top 5"
  run 0 show leads.model --data leads.csv
  has err.txt "^leadscore: note: --data adds the mean \|SHAP\| of a tree model's inputs; this logistic model has none"
  # A tree model imported from XGBoost: its inputs by gain; with --data, each input's mean |SHAP| over the rows
  # equals the mean of XGBoost's own pred_contribs (expected.csv) to the 4 decimals shown.
  fx="$(dirname "$0")/../data/xgboost/categorical"
  run 0 import-xgboost "$fx/model.json" --categories "$fx/categories.json" --out x.model
  run 0 show x.model
  has out.txt "^model: xgboost \(policy leadscore.trees\), scores probability$"
  # Parameters as a trained model counts them: every leaf (the "leaf" entries of XGBoost's dump) and the base score.
  leaves=$(grep -o '"left_children":\[[^]]*\]' "$fx/model.json" | grep -o -- '-1' | wc -l)
  has out.txt "^fit: imported from XGBoost model .*; $((leaves + 1)) parameters$"
  trees=$(grep -o '"num_trees":"[0-9]*"' "$fx/model.json" | grep -o '[0-9]\+')
  has out.txt "^gradient-boosted trees: $trees trees, [0-9]+ leaves, deepest [0-9]+ levels, 5 inputs, "
  lacks out.txt "mean \|SHAP\|  "
  share=$(awk '/^inputs by importance/ {on = 1; next} on && $4 ~ /%$/ {sub("%", "", $4); s += $4} END {printf "%.0f", s}' \
    out.txt)
  equal "$share" "100" "gain shares"
  run 0 show x.model --data "$fx/data.csv"
  for field in industry visits source size score; do
    want=$(awk -F, -v f="contribution_$field" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == f) c = i; next}
           {v = $c < 0 ? -$c : $c; s += v; n++} END {printf "%.4f", s / n}' "$fx/../categorical/expected.csv")
    got=$(awk -v f="$field" '/^inputs by importance/ {on = 1; next} on && $1 == f {print $NF}' out.txt)
    equal "$got" "$want" "mean |SHAP| of $field"
  done
  # Frequency tables (naive-bayes): their size and the values farthest from their variable's win rate, with the counts
  # as the tables hold them: each value's won leads in the file plus Odoo's smoothing of 0.1 lead.
  run 0 train --data leads.csv --target outcome --positive won --negative lost --model naive-bayes \
    --exclude name,phone,company,stage,lost_stage --out nb.model
  run 0 show nb.model --top 3
  has out.txt "^frequency tables: [0-9]+ rows, [0-9]+ of them values of [0-9]+ \(team, variable\) pairs$"
  equal "$(awk '/^largest effects/ {on = 1; next} on && /^  -  / {n++} /^notes/ {on = 0} END {print n}' out.txt)" "3" \
    "effects listed with --top 3"
  first=$(awk '/^largest effects/ {on = 1; next} on && /^  -  / {print; exit}' out.txt)
  variable=$(awk -F'  +' '{print $3}' <<<"$first")
  value=$(awk -F'  +' '{print $4}' <<<"$first")
  shown_won=$(awk -F'  +' '{print $5}' <<<"$first")
  want=$(awk -F, -v v="$variable" -v x="$value" 'NR == 1 {for (i = 1; i <= NF; i++) h[$i] = i; next}
    $h[v] == x && $h["outcome"] == "won" {n++} END {print n + 0.1}' leads.csv)
  equal "$shown_won" "$want" "won count of $variable = $value"
  run 0 show nb.model --top 3 --format json
  equal "$(pyjson out.txt 'd["frequency"]["largest_effects"][0]["value"], d["frequency"]["largest_effects"][0]["won"], len(d["frequency"]["largest_effects"]), d["logistic"], d["trees"]')" \
    "$value $want 3 None None" "show --format json: frequency tables"
  ;;
model.xgboost)
  # An XGBoost model (tests/data/xgboost, written by make_fixtures.py with XGBoost 1.7) imported, then scored: the
  # probabilities equal XGBoost's predict() on the same rows.
  fx="$(dirname "$0")/../data/xgboost"
  # Errors name what is wrong; no model file is written.
  run 1 import-xgboost "$fx/categorical/model.json" --out bad.model
  has err.txt "model.json: feature 'industry' \(field 'industry'\) is categorical, and no category list is given"
  [[ ! -e bad.model ]] || fail "a model file written despite the error"
  run 1 import-xgboost "$fx/numeric/model.json" --feature f0 --out bad.model
  has err.txt "--feature 'f0': expected NAME=FIELD"
  printf '{"learner": {"objective": {"name": "multi:softprob"}}' >trunc.json
  run 1 import-xgboost trunc.json --out bad.model
  has err.txt "^leadscore: trunc.json:1:[0-9]+: not valid JSON \(at byte [0-9]+\)"
  [[ ! -e bad.model ]] || fail "a model file written despite the error"
  run 0 import-xgboost "$fx/categorical/model.json" --categories "$fx/categorical/categories.json" --out x.model
  empty err.txt
  has out.txt "^model: xgboost, 5 trees over 5 fields \(2 numeric, 3 categorical\), from "
  has out.txt "^target: converted \(true/false\)$"
  has out.txt "^wrote x.model$"
  run 0 score --model x.model --data "$fx/categorical/data.csv" --out scores.csv --id id
  has out.txt "^scored 40 rows with a xgboost model"
  # The fixture's one text outside a category list, read as missing like XGBoost reads it.
  has out.txt "^unseen categories: field 'industry': 1 of 40 cells .*'mining' 1"
  equal "$(head -1 scores.csv)" "id,row,score,probability,temperature" "score header"
  cmp -s <(tail -n +2 "$fx/categorical/data.csv" | cut -d, -f1) <(tail -n +2 scores.csv | cut -d, -f1) ||
    fail "ids out of order"
  # probability (column 4) against XGBoost's (expected.csv, column 2), row by row.
  far=$(paste -d, <(tail -n +2 scores.csv | cut -d, -f4) <(tail -n +2 "$fx/categorical/expected.csv" | cut -d, -f2) |
        awk -F, '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-6 || $1 == "") n++ } END { print n + 0 }')
  equal "$far" "0" "probabilities more than 1e-6 from XGBoost's"
  # Features renamed: XGBoost's f0, f1, f2 (a model trained without names) read the file's columns.
  run 0 import-xgboost "$fx/numeric/model.json" --feature f0=visits --feature f1=spend --feature f2=fit \
    --base-rate 0.3 --target won --positive yes --out n.model
  has out.txt "^model: xgboost, 6 trees over 3 fields \(3 numeric, 0 categorical\)"
  has out.txt "^target: won = yes$"
  run 0 score --model n.model --data "$fx/numeric/data.csv" --out n.csv
  far=$(paste -d, <(tail -n +2 n.csv | cut -d, -f3) <(tail -n +2 "$fx/numeric/expected.csv" | cut -d, -f2) |
        awk -F, '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-6 || $1 == "") n++ } END { print n + 0 }')
  equal "$far" "0" "numeric: probabilities more than 1e-6 from XGBoost's"
  # The model reads its own columns: a file without them is an error naming one.
  run 1 score --model n.model --data "$fx/categorical/data.csv" --out bad.csv
  has err.txt "visits|spend|fit"
  ;;

model.contract)
  # 80 rows where 'unknown' marks a missing value, in a text column (job) and a number column (balance).
  {
    echo "job,balance,y"
    for i in $(seq 1 80); do
      jobs=(admin tech services unknown); job=${jobs[$((i % 4))]}
      balance=$(((i * 53) % 1000)); (( i % 9 == 0 )) && balance=unknown
      b=$(((i * 53) % 1000))
      if (( (i % 4 == 1 || b > 600) != (i % 5 == 0) )); then y=yes; else y=no; fi
      echo "$job,$balance,$y"
    done
  } >train.csv
  run 0 train --data train.csv --target y --missing unknown --out m.model
  # The model keeps its missing tokens: score reads 'unknown' as missing without being told, exactly as with
  # --missing unknown (and as training did), and finds no category it did not see in training.
  run 0 score --model m.model --data train.csv --out plain.csv
  empty err.txt
  lacks out.txt "^missing values"
  lacks out.txt "unseen"
  run 0 score --model m.model --data train.csv --out told.csv --missing unknown
  lacks out.txt "^missing values"
  cmp -s plain.csv told.csv || fail "scores differ with --missing unknown"
  run 0 evaluate --model m.model --data train.csv --target y
  lacks out.txt "^missing values"
  # A token given at score time adds to the model's, and the output says so.
  sed 's/^admin,\([0-9]*\),/admin,?,/' train.csv >question.csv
  run 0 score --model m.model --data question.csv --out q.csv --missing '?'
  has out.txt "^missing values: the model's '', 'NA', 'unknown', and from --missing '\?'$"
  run 0 evaluate --model m.model --data question.csv --target y --missing '?'
  has out.txt "^missing values: the model's '', 'NA', 'unknown', and from --missing '\?'$"
  # NaN is a missing number, like an empty cell; inf is an error naming the line and the field.
  printf 'job,balance\ntech,\ntech,NaN\ntech,nan\n' >nan.csv
  run 0 score --model m.model --data nan.csv --out nan_scores.csv
  equal "$(tail -n +2 nan_scores.csv | cut -d, -f3 | sort -u | wc -l)" "1" "NaN and an empty cell score alike"
  for text in inf -inf Infinity 1e309; do
    printf 'job,balance\ntech,10\ntech,%s\n' "$text" >inf.csv
    run 1 score --model m.model --data inf.csv --out inf_scores.csv
    has err.txt "^leadscore: inf\.csv:3:6 \(field 'balance'\): '$text' is not a number"
  done
  # Categories never seen in training: counted per column; a warning above 5% of its cells.
  head -41 train.csv | awk -F, 'NR > 1 && NR <= 2 {$1 = "pilot"} {print}' OFS=, >one_new.csv
  run 0 score --model m.model --data one_new.csv --out s1.csv
  has out.txt "^unseen categories: field 'job': 1 of 40 cells \(2\.5%\) hold texts not seen in training: 'pilot' 1$"
  empty err.txt
  head -41 train.csv | awk -F, 'NR > 1 && NR <= 3 {$1 = "pilot"} NR == 4 {$1 = "chef"} {print}' OFS=, >three_new.csv
  run 0 score --model m.model --data three_new.csv --out s3.csv
  has out.txt "^unseen categories: field 'job': 3 of 40 cells \(7\.5%\) hold texts not seen in training: 'pilot' 2, 'chef' 1$"
  has err.txt "^leadscore: warning: field 'job': 3 of 40 cells \(7\.5%\) .*more than 5\.0%"
  # The delimiter given in training is the default: this header has more commas than semicolons, so detection
  # would split it at the commas.
  {
    echo "x;a,b,c;y"
    for i in $(seq 1 30); do
      if (( (i % 3 == 0) != (i % 7 == 0) )); then y=yes; else y=no; fi
      echo "$((i % 10));$((i % 4));$y"
    done
  } >semi.csv
  run 0 train --data semi.csv --delimiter ';' --target y --out semi.model
  run 0 score --model semi.model --data semi.csv --out semi_scores.csv
  equal "$(data_lines semi_scores.csv)" "30" "rows scored with the model's delimiter"
  run 1 score --model semi.model --data semi.csv --delimiter , --out x.csv
  has err.txt "header: 2 schema fields are missing from the header: 'x', 'a,b,c'$"
  ;;

help.report)
  run 0 report --help
  for o in --model --data --history --snapshot --out --target --positive --negative --by --top; do
    has out.txt "^ +(-[a-z], *)?$o "
  done
  ;;

report)
  # A model trained on generated leads, a report on the same leads and their history: the page is well-formed,
  # self-contained, valid and accessible, and its numbers equal those `evaluate` and `funnel` print (check_report.py).
  # The files are given by absolute paths: the page names them without their directories.
  run 0 generate --leads 3000 --seed 11 --out leads.csv --history history.csv
  run 0 train --data leads.csv --target outcome --positive won \
    --exclude stage,lost_stage,name,email,phone,company,job_title --out m.model
  run 0 evaluate --model m.model --data leads.csv --target outcome
  cp out.txt evaluate.txt
  run 0 funnel --history history.csv
  cp out.txt funnel.txt
  here="$(pwd -P)"
  # 1700000000 s after 1970-01-01 is 2023-11-14 22:13:20 UTC.
  SOURCE_DATE_EPOCH=1700000000 run 0 report --model "$here/m.model" --data "$here/leads.csv" \
    --history "$here/history.csv" --out report.html
  has out.txt "report\.html$"
  check=(python3 "$(dirname "$0")/check_report.py")
  "${check[@]}" report.html --evaluate evaluate.txt --funnel funnel.txt --made "2023-11-14 22:13 UTC" --hide "$here" ||
    fail "check_report.py"
  has report.html "from m\.model, leads\.csv and history\.csv\.<"
  # The same inputs and SOURCE_DATE_EPOCH give the same bytes; without it the page carries today's date.
  SOURCE_DATE_EPOCH=1700000000 run 0 report --model m.model --data leads.csv --history history.csv --out again.html
  cmp -s report.html again.html || fail "two reports with one SOURCE_DATE_EPOCH differ"
  run 0 report --model m.model --data leads.csv --history history.csv --out today.html
  has today.html "Made $(date -u +%Y-%m-%d) "
  # With --negative lost the open leads are left out of the metrics, in the report as in evaluate.
  run 0 evaluate --model m.model --data leads.csv --target outcome --negative lost
  cp out.txt evaluate_closed.txt
  run 0 report --model m.model --data leads.csv --history history.csv --out closed.html --negative lost
  "${check[@]}" closed.html --evaluate evaluate_closed.txt --funnel funnel.txt || fail "check_report.py with --negative"
  cmp -s evaluate.txt evaluate_closed.txt && fail "--negative lost changed nothing"
  # The history alone: the funnel, no model section.
  run 0 report --history history.csv --out history.html
  "${check[@]}" history.html --funnel funnel.txt || fail "check_report.py on the history alone"
  # Bad input names the file; a bad SOURCE_DATE_EPOCH is refused before any work.
  run 1 report --model m.model --data leads.csv --history missing.csv --out r.html
  has err.txt "missing\.csv"
  run 1 report --model leads.csv --data leads.csv --history history.csv --out r.html
  has err.txt "^leadscore: archive 'leads\.csv': "
  for bad in yesterday -1 1e9 99999999999999999999; do
    SOURCE_DATE_EPOCH=$bad run 1 report --history history.csv --out r.html
    has err.txt "^leadscore: report: SOURCE_DATE_EPOCH '$bad' is not a number of seconds since 1970-01-01"
  done
  [[ ! -e r.html ]] || fail "a failed report wrote r.html"
  # Usage errors: nothing to report, a model without data, data without a model, two funnels, model options alone.
  run 2 report --out r.html
  run 2 report --model m.model --out r.html
  has err.txt "--model requires --data"
  run 2 report --data leads.csv --history history.csv --out r.html
  has err.txt "--data requires --model"
  run 2 report --history history.csv --snapshot history.csv --out r.html
  run 2 report --history history.csv --target outcome --out r.html
  has err.txt "--target requires --model"
  run 2 report --history history.csv --id-column id --out r.html
  has err.txt "--id-column requires --snapshot"
  ;;

report.model)
  # A model alone, measured on held-back leads with --target: metrics, gains, calibration, bands and effects, and a
  # summary without funnel figures. Its numbers equal evaluate's.
  run 0 generate --leads 2000 --seed 5 --out leads.csv
  head -1 leads.csv >train.csv; head -1 leads.csv >test.csv
  awk 'NR > 1 && NR % 4 != 0' leads.csv >>train.csv
  awk 'NR > 1 && NR % 4 == 0' leads.csv >>test.csv
  run 0 train --data train.csv --target outcome --positive won \
    --exclude stage,lost_stage,name,email,phone,company,job_title --out m.model
  run 0 evaluate --model m.model --data test.csv --target outcome
  cp out.txt evaluate.txt
  run 0 report --model m.model --data test.csv --target outcome --out model.html
  empty err.txt
  python3 "$(dirname "$0")/check_report.py" model.html --evaluate evaluate.txt || fail "check_report.py"
  has model.html "<title>leadscore report: logistic model, outcome = won</title>"
  # Weights of the logistic model, largest first: --top 3 lists three.
  run 0 report --model m.model --data test.csv --out top.html --top 3
  equal "$(sed -n '/id="effects-table"/,/<\/table>/p' top.html | grep -c '<tr><th scope="row">')" "3" "effects listed"
  # Another target: won against lost only, named as the model's target is not.
  run 0 report --model m.model --data test.csv --target outcome --positive won --negative lost --out closed.html
  run 1 report --model m.model --data test.csv --target no_such_column --out r.html
  has err.txt "no_such_column"
  ;;

report.snapshot)
  # A deal snapshot as funnel reads it (d4 still prospecting, d5 won without an engage date): the funnel, and
  # conversion by sales_agent and product; the numbers equal funnel's.
  printf '%s\n' 'opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value' \
    'd1,Ann,GTX,Acme,Won,2017-01-02,2017-02-01,1000' 'd2,Ann,MG,,Lost,2017-01-05,2017-01-20,0' \
    'd3,Bob,GTX,Acme,Engaging,2017-01-10,,' 'd4,Bob,MG,,Prospecting,,,' 'd5,Bob,GTX,Beta,Won,,2017-03-01,500' >deals.csv
  run 0 funnel --snapshot deals.csv
  cp out.txt funnel.txt
  run 0 report --snapshot deals.csv --out deals.html
  python3 "$(dirname "$0")/check_report.py" deals.html --funnel funnel.txt || fail "check_report.py"
  # Five deals, two won; closed: d1 and d5 won, d2 lost (2 of 3); engaging is the weakest step (2 of 4 go on).
  has deals.html '<div data-fact="leads"><dt>Leads</dt><dd><span class="value">5</span>'
  has deals.html '<div data-fact="win-rate"><dt>Win rate</dt><dd><span class="value">66\.7%</span>'
  has deals.html '<div data-fact="weakest-step"><dt>Weakest funnel step</dt><dd><span class="value">engaging</span> <span class="note">50\.0% of 4 went on</span>'
  has deals.html '<h2 id="by-sales_agent">Conversion by sales_agent</h2>'
  has deals.html "no date for \(prospecting 5, engaging 1\)"
  # Renamed columns, --by, and a refused row naming its place.
  sed '1s/opportunity_id/deal/' deals.csv >renamed.csv
  run 0 report --snapshot renamed.csv --id-column deal --by account --out renamed.html
  has renamed.html '<table id="by-account-table">'
  printf '%s\n' 'opportunity_id,deal_stage,engage_date,close_date,close_value' 'd1,Won,2017-02-01,2017-01-01,5' >bad.csv
  run 1 report --snapshot bad.csv --out r.html
  has err.txt "^leadscore: .*bad\.csv:2:"
  ;;

report.browser)
  # The report of generated leads as Debian's chromium renders it (check_report_browser.py): every chart drawn, no
  # console error, no sideways scrolling, the numbers shown equal evaluate's and funnel's; a screenshot of the whole
  # page is left in this case's directory. Without a browser it skips outside CI (exit 77) and fails in CI.
  run 0 generate --leads 3000 --seed 11 --out leads.csv --history history.csv
  run 0 train --data leads.csv --target outcome --positive won \
    --exclude stage,lost_stage,name,email,phone,company,job_title --out m.model
  run 0 evaluate --model m.model --data leads.csv --target outcome --format json
  cp out.txt evaluate.txt
  run 0 funnel --history history.csv --format json
  cp out.txt funnel.txt
  SOURCE_DATE_EPOCH=1700000000 run 0 report --model m.model --data leads.csv --history history.csv --out report.html
  python3 "$(dirname "$0")/check_report_browser.py" report.html report.png --evaluate evaluate.txt --funnel funnel.txt
  status=$?
  [[ $status -eq 77 && $failures -eq 0 ]] && exit 77
  [[ $status -eq 0 ]] || fail "check_report_browser.py"
  [[ $status -ne 0 || -s report.png ]] || fail "no screenshot"
  ;;

files.write_failure)
  # A write that fails keeps the previous file byte for byte: past the file size limit (ulimit -f, in 1 KiB blocks;
  # it binds root too) and into a read-only directory. No half-written file is left next to it.
  run 0 generate --leads 300 --seed 8 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out m.model
  run 0 score --model m.model --data leads.csv --out scores.csv
  cp leads.csv leads.bak; cp m.model m.bak; cp scores.csv scores.bak
  run_limited() { # BLOCKS EXPECTED ARGS...
    local blocks="$1" expected="$2"
    shift 2
    (ulimit -f "$blocks"; "$bin" "$@") >out.txt 2>err.txt
    local rc=$?
    [[ $rc -eq $expected ]] || { fail "leadscore $* under ulimit -f $blocks exited $rc, expected $expected"; head -5 err.txt >&2; }
  }
  [[ $(wc -c <m.model) -gt 1024 && $(wc -c <scores.csv) -gt 1024 ]] || fail "the files are too small for the limit"
  run_limited 1 1 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out m.model
  has err.txt "^leadscore: m\.model: cannot write: File too large$"
  run_limited 1 1 score --model m.model --data leads.csv --out scores.csv
  has err.txt "^leadscore: scores\.csv: cannot write: File too large$"
  run_limited 1 1 generate --leads 300 --seed 9 --out leads.csv
  has err.txt "^leadscore: leads\.csv: cannot write: File too large$"
  cmp -s leads.csv leads.bak || fail "a failed generate changed leads.csv"
  cmp -s m.model m.bak || fail "a failed train changed m.model"
  cmp -s scores.csv scores.bak || fail "a failed score changed scores.csv"
  equal "$(ls -A | grep -c '\.tmp-')" "0" "temporary files left behind"
  # A read-only directory. Root writes into one anyway: then the run goes as user nobody (setpriv), or, where that
  # is not possible, this sub-check is skipped with the reason.
  mkdir ro && cp m.bak ro/m.model && chmod a+r ro/m.model leads.csv && chmod 555 ro
  as_user=()
  if touch ro/.probe 2>/dev/null; then
    rm -f ro/.probe
    if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -r leads.csv 2>/dev/null; then
      as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    else
      as_user=(skip)
      echo "cli.files.write_failure: read-only directory sub-check skipped: running as root, and user nobody cannot run here"
    fi
  fi
  if [[ "${as_user[0]:-}" != skip ]]; then
    "${as_user[@]}" "$bin" train --data leads.csv --target outcome --positive won \
      --exclude name,phone,company,stage,lost_stage --out ro/m.model >out.txt 2>err.txt
    equal "$?" "1" "train into a read-only directory: exit status"
    has err.txt "^leadscore: ro/m\.model: cannot write: Permission denied$"
    cmp -s ro/m.model m.bak || fail "a failed train changed ro/m.model"
  fi
  chmod 755 ro
  ;;

files.replace)
  # A file is replaced whole: its permissions stay, and a symbolic link is followed and kept.
  run 0 generate --leads 50 --seed 3 --out leads.csv
  chmod 640 leads.csv
  run 0 generate --leads 60 --seed 3 --out leads.csv
  equal "$(stat -c %a leads.csv)" "640" "permissions after replacing"
  equal "$(data_lines leads.csv)" "60" "rows after replacing"
  mkdir real && ln -s real/leads.csv link.csv
  run 0 generate --leads 70 --seed 3 --out link.csv
  [[ -L link.csv ]] || fail "the link was replaced by a file"
  equal "$(data_lines real/leads.csv)" "70" "rows written through the link"
  ;;

files.same_file)
  # An output that names an input (or another output) is refused before any work; the input stays as it was.
  run 0 generate --leads 40 --seed 2 --out leads.csv --history history.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out m.model
  cp leads.csv leads.bak; cp m.model m.bak; cp history.csv history.bak
  ln -s leads.csv alias.csv
  run 1 score --model m.model --data leads.csv --out leads.csv
  has err.txt "^leadscore: --out 'leads\.csv' is the same file as --data 'leads\.csv'"
  run 1 score --model m.model --data leads.csv --out ./m.model
  has err.txt "^leadscore: --out '\./m\.model' is the same file as --model 'm\.model'"
  run 1 train --data leads.csv --target outcome --positive won --out alias.csv
  has err.txt "^leadscore: --out 'alias\.csv' is the same file as --data 'leads\.csv'"
  run 1 report --model m.model --data leads.csv --history history.csv --out history.csv
  has err.txt "^leadscore: --out 'history\.csv' is the same file as --history"
  printf '%s\n' 'rep' 'ann' >reps.csv
  run 1 route --leads leads.csv --reps reps.csv --out reps.csv
  has err.txt "^leadscore: --out 'reps\.csv' is the same file as --reps"
  run 1 route --leads leads.csv --reps reps.csv --out routed.csv --state leads.csv
  has err.txt "^leadscore: --state 'leads\.csv' is the same file as --leads"
  run 1 route --leads leads.csv --reps reps.csv --out st.xml --state st.xml
  has err.txt "^leadscore: --out 'st\.xml' is the same file as --state 'st\.xml'"
  run 1 generate --leads 5 --out new.csv --events ./new.csv
  has err.txt "^leadscore: --out 'new\.csv' is the same file as --events"
  cmp -s leads.csv leads.bak || fail "leads.csv changed"
  cmp -s m.model m.bak || fail "m.model changed"
  cmp -s history.csv history.bak || fail "history.csv changed"
  [[ ! -e routed.csv && ! -e st.xml && ! -e new.csv ]] || fail "a refused run wrote a file"
  ;;

files.state_unwritable)
  # A routing state that cannot be written fails the run before the assignments are written.
  run 0 generate --leads 10 --seed 1 --out leads.csv
  printf '%s\n' 'rep' 'ann' >reps.csv
  printf 'previous\n' >routed.csv
  run 1 route --leads leads.csv --reps reps.csv --out routed.csv --state no_dir/state.xml
  has err.txt "^leadscore: no_dir/state\.xml: cannot write: No such file or directory$"
  equal "$(cat routed.csv)" "previous" "routed.csv after the failed run"
  run 0 route --leads leads.csv --reps reps.csv --out routed.csv --state state.xml
  equal "$(data_lines routed.csv)" "10" "routed rows"
  has state.xml "^<!-- leadscore checksum v1 crc32c [0-9a-f]{8} -->$"
  ;;

files.checksum)
  # Model and state files carry a checksum: a flipped bit is refused as damage; files written before checksums
  # (the golden archives) still load, with a note on stderr.
  run 0 generate --leads 200 --seed 6 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out m.model
  has m.model "^<!-- leadscore checksum v1 crc32c [0-9a-f]{8} -->$"
  size=$(wc -c <m.model)
  cp m.model flipped.model
  # Flip bit 0 of the byte in the middle (the value read, XOR 1, written back).
  at=$((size / 2))
  byte=$(od -An -tu1 -j "$at" -N1 m.model | tr -d ' ')
  printf "\\$(printf '%03o' $((byte ^ 1)))" | dd of=flipped.model bs=1 seek="$at" conv=notrunc 2>/dev/null
  cmp -s m.model flipped.model && fail "the bit was not flipped"
  run 1 score --model flipped.model --data leads.csv --out s.csv
  has err.txt "^leadscore: archive 'flipped\.model': checksum mismatch: the file is damaged$"
  head -c $((size / 2)) m.model >cut.model
  run 1 evaluate --model cut.model --data leads.csv --target outcome
  has err.txt "^leadscore: archive 'cut\.model': truncated"
  mkdir dir.model
  run 1 score --model dir.model --data leads.csv --out s.csv
  has err.txt "^leadscore: archive 'dir\.model': cannot open the file: it is a directory$"
  run 0 score --model m.model --data leads.csv --out s.csv
  empty err.txt
  # The golden model of version 1 reads employees, industry and newsletter.
  printf 'employees,industry,newsletter\n100,software,true\n5,finance,false\n' >golden.csv
  run 0 score --model "$(dirname "$0")/../data/archive/model.v1.xml" --data golden.csv --out g.csv
  has err.txt "^leadscore: note: '.*model\.v1\.xml' carries no checksum"
  equal "$(data_lines g.csv)" "2" "rows scored with the golden model"
  ;;

db.sqlite)
  # score --db reads a table or a query of SQLite and upserts the scores by lead id: the same scores as the CSV path,
  # bit for bit (tests/cli/db_tools.py builds the database and compares, with Python's own sqlite3).
  tools="$(dirname "$0")/db_tools.py"
  run 0 generate --leads 400 --seed 5 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out leads.model
  python3 "$tools" load leads.csv crm.db leads || fail "cannot build crm.db"
  run 0 score --model leads.model --data leads.csv --id id --out scores.csv
  run 0 score --model leads.model --db sqlite:crm.db --table leads --id id --write-table lead_scores
  has out.txt "^scored 400 rows with a logistic model: "
  has out.txt "^wrote 400 scores to table lead_scores of sqlite:crm\.db$"
  python3 "$tools" compare crm.db lead_scores scores.csv || fail "the table's scores differ from the CSV path's"
  # The table takes the scores alone: JSON Lines and factors are lines, a usage error with --write-table.
  run 2 score --model leads.model --db sqlite:crm.db --table leads --id id --write-table lead_scores --format json
  has err.txt "^--write-table: the table takes the scores alone; --format json and --explain write lines"
  run 2 score --model leads.model --db sqlite:crm.db --table leads --id id --write-table lead_scores --explain 2
  has err.txt "^--write-table: the table takes the scores alone"
  # --db with --format json: the lines of the CSV path.
  run 0 score --model leads.model --db sqlite:crm.db --table leads --id id --format json
  equal "$(/usr/bin/python3 -c 'import json, sys; print(" ".join("%s:%s" % (d["id"], d["score"]) for d in map(json.loads, open("out.txt"))))')" \
    "$(tail -n +2 scores.csv | cut -d, -f1,3 | tr ',\n' ': ' | sed 's/ $//')" "score --db --format json"
  # inspect: types by declared affinity (REAL numeric, TEXT categorical, the true/false column INTEGER 0/1).
  run 0 inspect --db sqlite:crm.db --table leads
  has out.txt "^database: sqlite:crm\.db, table \"leads\"$"
  has out.txt "^rows: 400$"
  column_row out.txt id | grep -Eq "categorical +0 +400 distinct \(all different\)" || fail "inspect --db: id"
  column_row out.txt employees | grep -Eq " numeric " || fail "inspect --db: employees"
  column_row out.txt newsletter | grep -Eq " numeric +[0-9]+ +min 0, max 1" || fail "inspect --db: newsletter"
  run 2 inspect leads.csv --db sqlite:crm.db --table leads
  has err.txt "^leadscore: give either a file or --db$"
  # A query, and an upsert: rescoring some leads rewrites their rows and leaves the others as they were.
  python3 "$tools" sql crm.db "UPDATE lead_scores SET model_id = 'old'" >/dev/null
  run 0 score --model leads.model --db sqlite:crm.db --query "SELECT * FROM leads WHERE country = 'US'" --id id \
    --write-table lead_scores
  us=$(python3 "$tools" sql crm.db "SELECT count(*) FROM leads WHERE country = 'US'")
  equal "$(python3 "$tools" sql crm.db "SELECT count(*) FROM lead_scores WHERE model_id = 'leads.model'")" "$us" \
    "rows rescored"
  equal "$(python3 "$tools" sql crm.db "SELECT count(*) FROM lead_scores")" "400" "rows in the scores table"
  python3 "$tools" compare crm.db lead_scores scores.csv || fail "the upsert changed a score"
  # Bad input: each a clear error naming the object, nothing written.
  run 1 score --model leads.model --db sqlite:crm.db --table 'leads"; DROP TABLE leads; --' --id id \
    --write-table lead_scores
  has err.txt "^leadscore: sqlite:crm\.db, table \"leads\"; DROP TABLE leads; --\": no such table"
  run 1 score --model leads.model --db sqlite:crm.db --query "SELECT id FROM leads" --id id --write-table s2
  has err.txt "^leadscore: sqlite:crm\.db, query \"SELECT id FROM leads\" \(field '[a-z_]+'\): no such column"
  run 2 score --model leads.model --db sqlite:crm.db --table leads --write-table s2
  has err.txt "^leadscore: --write-table needs --id"
  run 2 score --model leads.model --db sqlite:crm.db --id id --out s.csv
  has err.txt "^leadscore: --db needs either --table or --query$"
  run 2 score --model leads.model --data leads.csv --db sqlite:crm.db --table leads --id id --out s.csv
  has err.txt "^leadscore: give either --data or --db$"
  run 1 score --model leads.model --db sqlite:absent.db --table leads --id id --out s.csv
  has err.txt "^leadscore: sqlite:absent\.db: cannot open the database"
  equal "$(python3 "$tools" sql crm.db "SELECT count(*) FROM sqlite_master WHERE name = 's2'")" "0" "a table s2"
  # A password in a connection string is never printed.
  run 1 score --model leads.model --db "postgresql://crm:hunter2@/crm?host=$PWD/no-server" --table leads --id id \
    --out s.csv
  has err.txt "^leadscore: postgresql://crm:\*\*\*@/crm.*: cannot connect"
  lacks err.txt "hunter2"
  ;;

db.model_commands)
  # train, evaluate and report read --db as score does: the same model file, figures and page as the CSV path.
  # (SQLite has no true/false or time type: newsletter is INTEGER 0/1 and the times TEXT, so the CSV path's types
  # for them differ; they are left out here.)
  tools="$(dirname "$0")/db_tools.py"
  q() { python3 "$tools" sql crm.db "$1"; }
  run 0 generate --leads 300 --seed 5 --out leads.csv
  python3 "$tools" load leads.csv crm.db leads || fail "cannot build crm.db"
  x=name,phone,company,stage,lost_stage,newsletter,created,last_contacted
  run 0 train --data leads.csv --target outcome --positive won --exclude "$x" --out csv.model
  run 0 train --db sqlite:crm.db --table leads --target outcome --positive won --exclude "$x" --out db.model
  cmp -s csv.model db.model || fail "train --db wrote another model file than train --data"
  # A 0/1 target is an INTEGER column: read again as text, as the CSV path reads a 0/1 column.
  q "ALTER TABLE leads ADD COLUMN converted INTEGER" >/dev/null
  q "UPDATE leads SET converted = (outcome = 'won')" >/dev/null
  run 0 train --db sqlite:crm.db --query "SELECT * FROM leads WHERE rowid <= 200" --target converted \
    --exclude "$x,outcome" --out conv.model
  has out.txt "^model: logistic, target converted = 1$"
  has out.txt "^rows: 200, "
  run 0 evaluate --model csv.model --data leads.csv --target outcome
  mv out.txt eval_csv.txt
  run 0 evaluate --model csv.model --db sqlite:crm.db --table leads --target outcome
  has out.txt "^database: sqlite:crm\.db, table \"leads\"$"
  equal "$(tail -n +2 out.txt)" "$(tail -n +2 eval_csv.txt)" "evaluate --db against --data"
  run 0 evaluate --model csv.model --db sqlite:crm.db --table leads --target outcome --format json
  equal "$(pyjson out.txt 'd["file"], "rows: %d," % d["rows"]')" \
    "sqlite:crm.db, table \"leads\" $(grep -o '^rows: [0-9]*,' eval_csv.txt)" "evaluate --db --format json"
  SOURCE_DATE_EPOCH=0 run 0 report --model csv.model --data leads.csv --out csv.html
  SOURCE_DATE_EPOCH=0 run 0 report --model csv.model --db sqlite:crm.db --query "SELECT * FROM leads" --out db.html
  has db.html "scored on sqlite:crm\.db, query &quot;SELECT \* FROM leads&quot;: 300 rows"
  sed 's/sqlite:crm\.db, query &quot;SELECT \* FROM leads&quot;/leads.csv/' db.html >db_named.html
  cmp -s csv.html db_named.html || fail "report --db differs from report --data beyond the source's name"
  # Errors name the object: a missing table, a missing column; nothing written.
  run 1 train --db sqlite:crm.db --table no_leads --target outcome --out t.model
  has err.txt "^leadscore: sqlite:crm\.db, table \"no_leads\": no such table: no_leads$"
  run 1 train --db sqlite:crm.db --table leads --target no_outcome --out t.model
  has err.txt "^leadscore: sqlite:crm\.db, table \"leads\" \(field 'no_outcome'\): the target column 'no_outcome' is not"
  [[ ! -e t.model ]] || fail "a failed train wrote t.model"
  run 1 evaluate --model csv.model --db sqlite:crm.db --table no_leads --target outcome
  has err.txt "^leadscore: sqlite:crm\.db, table \"no_leads\": no such table: no_leads$"
  run 1 evaluate --model csv.model --db sqlite:crm.db --query "SELECT id, outcome FROM leads" --target outcome
  has err.txt "^leadscore: sqlite:crm\.db, query \"SELECT id, outcome FROM leads\" \(field '[a-z_]+'\): no such column"
  run 1 evaluate --model csv.model --db sqlite:crm.db --table leads --target no_outcome --positive won
  has err.txt "\(field 'no_outcome'\): no such column in the result$"
  run 1 report --model csv.model --db sqlite:crm.db --table no_leads --out r.html
  has err.txt "^leadscore: sqlite:crm\.db, table \"no_leads\": no such table: no_leads$"
  [[ ! -e r.html ]] || fail "a failed report wrote r.html"
  run 2 evaluate --model csv.model --data leads.csv --db sqlite:crm.db --table leads --target outcome
  has err.txt "^leadscore: give either --data or --db$"
  run 2 report --db sqlite:crm.db --table leads --history leads.csv --out r.html
  has err.txt "^--table requires --model"
  run 2 report --db sqlite:crm.db --history leads.csv --out r.html
  has err.txt "^--db requires --model, --history-query or --snapshot-query"
  ;;

db.route)
  # route --db reads the leads from a table or a query (the same assignments as --leads) and --write-table upserts
  # them by lead id in one transaction.
  tools="$(dirname "$0")/db_tools.py"
  q() { python3 "$tools" sql crm.db "$1"; }
  run 0 generate --leads 300 --seed 5 --out leads.csv
  python3 "$tools" load leads.csv crm.db leads || fail "cannot build crm.db"
  printf '%s\n' 'rep,team,capacity' 'ann,dach,' 'bob,dach,' 'cid,world,' >reps.csv
  printf '%s\n' 'rule,field,test,value,target' 'dach,country,one_of,DE|AT,team:dach' \
    'big,employees,at_least,500,team:world' 'rest,*,,,queue:inbox' >rules.csv
  common=(--reps reps.csv --rules rules.csv --as-of 2026-06-01 --priority expected_value)
  run 0 route --leads leads.csv "${common[@]}" --out csv.csv
  mv out.txt route_csv.txt
  run 0 route --db sqlite:crm.db --table leads "${common[@]}" --out db.csv
  cmp -s csv.csv db.csv || fail "route --db gave other assignments than route --leads"
  equal "$(cat out.txt)" "$(cat route_csv.txt)" "route --db's loads against --leads'"
  run 0 route --db sqlite:crm.db --table leads "${common[@]}" --write-table assignments
  has out.txt "^wrote 300 assignments to table assignments of sqlite:crm\.db$"
  python3 "$tools" compare_routes crm.db assignments csv.csv || fail "the table's assignments differ from the CSV's"
  equal "$(q "SELECT group_concat(DISTINCT routed_at), sum(rep IS NULL) FROM assignments")" \
    "2026-06-01T00:00:00Z|$(grep -c '^L[0-9]*,,' csv.csv)" "routed_at, and the NULL reps"
  # An upsert: routing some leads again rewrites their rows and leaves the others as they were.
  q "UPDATE assignments SET reason = 'old'" >/dev/null
  run 0 route --db sqlite:crm.db --query "SELECT * FROM leads WHERE country = 'US'" "${common[@]::4}" \
    --as-of 2026-06-02 --write-table assignments
  us=$(grep -c ',US,' leads.csv)
  [[ $us -gt 0 ]] || fail "the generated leads have no US lead"
  equal "$(q "SELECT sum(routed_at = '2026-06-02T00:00:00Z' AND reason <> 'old'), sum(reason = 'old'), count(*)
              FROM assignments")" "$us|$((300 - us))|300" "rows routed again, rows left as they were, all rows"
  # Bad input: each a clear error naming the object, nothing written.
  # --format json names the table and leaves standard output to the document.
  run 0 route --db sqlite:crm.db --table leads "${common[@]}" --write-table a3 --format json
  equal "$(pyjson out.txt 'd["out"], d["write_table"], d["routed"]')" "None a3 300" "route --write-table --format json"
  run 1 route --db sqlite:crm.db --table no_leads "${common[@]}" --write-table a2
  has err.txt "^leadscore: sqlite:crm\.db, table \"no_leads\": no such table: no_leads$"
  run 1 route --db sqlite:crm.db --table leads "${common[@]::4}" --priority no_value --write-table a2
  has err.txt "priority field 'no_value' is not in the table"
  run 1 route --db sqlite:crm.db --query "SELECT country, employees, expected_value FROM leads" "${common[@]}" --write-table a2
  has err.txt "^leadscore: --write-table needs an 'id' column among the leads"
  run 1 route --db sqlite:crm.db --table leads "${common[@]}" --write-table leads
  has err.txt "^leadscore: sqlite:crm\.db, table \"leads\": the assignments table has no column 'lead_id' \(an assignments table has lead_id, rep, team, reason, routed_at\)$"
  run 2 route --db sqlite:crm.db --table leads "${common[@]}" --write-table a2 --out x.csv
  has err.txt "^leadscore: give either --out or --write-table, not both$"
  run 2 route --leads leads.csv "${common[@]}" --write-table a2
  has err.txt "^leadscore: --table, --query and --write-table need --db$"
  run 2 route --leads leads.csv --db sqlite:crm.db --table leads "${common[@]}" --out x.csv
  has err.txt "^leadscore: give either --leads or --db$"
  run 2 route --db sqlite:crm.db --table leads "${common[@]}"
  has err.txt "--out is required"
  equal "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'a2'")" "0" "a table a2"
  [[ ! -e x.csv ]] || fail "a failed route wrote x.csv"
  ;;

db.postgres)
  # As db.sqlite, on the PostgreSQL server of tests/sql/with_postgres.sh (LEADSCORE_TEST_PG); loaded and checked
  # with psql.
  [[ -n "${LEADSCORE_TEST_PG:-}" ]] || { echo "cli.$case_name: LEADSCORE_TEST_PG is not set" >&2; exit 1; }
  tools="$(dirname "$0")/db_tools.py"
  pg() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$LEADSCORE_TEST_PG" "$@"; }
  pg -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" 2>/dev/null || fail "cannot reset the test database"
  run 0 generate --leads 400 --seed 5 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out leads.model
  pg -c "$(python3 "$tools" pg_create leads.csv leads)" -c "\copy leads FROM 'leads.csv' CSV HEADER" ||
    fail "cannot load the leads"
  run 0 score --model leads.model --data leads.csv --id id --out scores.csv
  run 0 score --model leads.model --db "$LEADSCORE_TEST_PG" --table leads --id id --write-table lead_scores
  has out.txt "^wrote 400 scores to table lead_scores of host="
  pg -c "SET extra_float_digits = 3" -c "SELECT lead_id, score, probability, temperature FROM lead_scores" >dump.txt
  python3 "$tools" compare_dump dump.txt scores.csv || fail "the table's scores differ from the CSV path's"
  run 0 score --model leads.model --db "$LEADSCORE_TEST_PG" --query "SELECT * FROM leads WHERE country = 'US'" \
    --id id --out us.csv
  equal "$(data_lines us.csv)" "$(pg -c "SELECT count(*) FROM leads WHERE country = 'US'")" "rows of the query"
  run 1 score --model leads.model --db "$LEADSCORE_TEST_PG" --table 'leads"; DROP TABLE leads; --' --id id \
    --write-table lead_scores
  has err.txt "table \"leads\"; DROP TABLE leads; --\": relation \"leads\"; DROP TABLE leads; --\" does not exist$"
  equal "$(pg -c "SELECT count(*) FROM leads")" "400" "leads after an injection attempt"
  # An incremental job killed (SIGKILL, by the test hook) once its COPY into the temporary table has begun leaves
  # the previous scores and the watermark; the next run completes the work. Row L…i changed at minute i - 1.
  pg -c "ALTER TABLE leads ADD COLUMN write_date timestamptz" \
     -c "UPDATE leads SET write_date = '2024-01-01 00:00:00+00'::timestamptz + (substr(id, 2)::int - 1) * interval '1 minute'"
  job=(score --model leads.model --db "$LEADSCORE_TEST_PG" --table leads --id id --write-table inc_scores
       --since write_date --overlap 30m)
  mark() { pg -c "SELECT to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM leadscore_state"; }
  run 0 "${job[@]}"
  equal "$(mark)" "2024-01-01T06:39:00" "the first watermark"
  pg -c "UPDATE inc_scores SET model_id = 'old'" \
     -c "UPDATE leads SET write_date = '2024-01-02 08:00:00+00', country = 'DE' WHERE id IN ('L00000011', 'L00000051', 'L00000101', 'L00000201')"
  LEADSCORE_TEST_KILL_IN_COPY=1 run 137 "${job[@]}"
  equal "$(mark)" "2024-01-01T06:39:00" "the watermark after a killed run"
  equal "$(pg -c "SELECT count(*) FROM inc_scores WHERE model_id = 'old'")" "400" "scores kept after a killed run"
  run 0 "${job[@]}"
  equal "$(mark)" "2024-01-02T08:00:00" "the watermark after the next run"
  equal "$(pg -c "SELECT count(*) FROM inc_scores WHERE model_id = 'leads.model'")" "35" \
    "rows rescored: the 4 touched and the 31 of the overlap window"
  postgres_history
  postgres_events
  ;;

db.events)
  # --events-query gives the same events as the file of the same rows: scores equal to the byte; train from the
  # database equals train from the files; the Odoo events query on the tiny Odoo-shaped database.
  tools="$(dirname "$0")/db_tools.py"
  odoo="$(dirname "$0")/../../examples/odoo"
  tiny_event_data
  python3 "$tools" load t.csv crm.db leads && python3 "$tools" load tev.csv crm.db events || fail "cannot build crm.db"
  run 0 train --data t.csv --target outcome --positive won --events tev.csv \
    --event-counts demo_requested,meeting_booked --out m.model
  run 0 score --model m.model --data t.csv --id id --events tev.csv --out csv.csv
  run 0 score --model m.model --db sqlite:crm.db --table leads --id id --events-query "SELECT * FROM events" \
    --out db.csv
  cmp -s csv.csv db.csv || fail "scores with --events-query differ from --events"
  has err.txt "^leadscore: note: events: 24 read from sqlite:crm\.db, query \"SELECT \* FROM events\", 23 attached to 18 leads; 1 left out: .*\(the first, 'L99', on row 24\)$"
  run 0 train --db sqlite:crm.db --table leads --target outcome --positive won \
    --events-query "SELECT * FROM events ORDER BY time DESC" --event-counts demo_requested,meeting_booked --out db.model
  run 0 score --model db.model --data t.csv --id id --events tev.csv --out db2.csv
  cmp -s csv.csv db2.csv || fail "a model trained on --events-query scores differently"
  python3 "$tools" sql crm.db "UPDATE events SET type = NULL WHERE rowid = 4" >/dev/null
  run 1 score --model m.model --db sqlite:crm.db --table leads --events-query "SELECT * FROM events" --out db.csv
  has err.txt "^leadscore: sqlite:crm\.db, query \"SELECT \* FROM events\" \(field 'type'\): row 4: no event type"
  # Odoo: emails and notes on opportunities 1 (two) and 3 (one); training on the closed ones takes 1's.
  python3 -c 'import sqlite3, sys; sqlite3.connect("odoo.db").executescript(open(sys.argv[1]).read())' \
    "$(dirname "$0")/odoo_crm.sql" || fail "cannot build odoo.db"
  python3 "$tools" sql odoo.db "CREATE VIEW leadscore_leads AS $(cat "$odoo/leads.sql")" >/dev/null
  run 0 train --db sqlite:odoo.db \
    --query "SELECT id, priority, expected_revenue, source, team, outcome FROM leadscore_leads WHERE outcome <> 'open'" \
    --target outcome --positive won --exclude id --events-query "$(cat "$odoo/events.sql")" --event-counts email,comment \
    --out odoo.model
  has err.txt "^leadscore: note: events: 3 read from sqlite:odoo\.db, query .*, 2 attached to 1 leads; 1 left out: .*\(the first, '3', on row 3\)$"
  ;;

db.funnel)
  # funnel --db --history-query: the history of a query equals the CSV file of the same rows, to the byte of the
  # JSON report (its input's name aside); the Odoo mapping of docs/databases.md (the queries of examples/odoo/, which
  # the page shows verbatim) on a tiny Odoo-shaped database gives the history written out by hand in odoo_history.csv.
  tools="$(dirname "$0")/db_tools.py"
  odoo="$(dirname "$0")/../../examples/odoo"
  run 0 generate --leads 300 --seed 9 --out leads.csv --history history.csv
  python3 "$tools" load history.csv crm.db history || fail "cannot build crm.db"
  run 0 funnel --history history.csv --by source,quarter --format json
  cp out.txt csv.json
  run 0 funnel --db sqlite:crm.db --history-query "SELECT * FROM history" --by source,quarter --format json
  same_report csv.json out.txt "a generated history"
  has out.txt '"file": "sqlite:crm\.db, query \\"SELECT \* FROM history\\""'
  run 0 funnel --db sqlite:crm.db --history-query "SELECT * FROM history"
  has out.txt '^history: sqlite:crm\.db, query "SELECT \* FROM history"$'
  # Refused rows are named by the query, the column and the row, as a file's by line (--collect, --max-rejected).
  python3 "$tools" sql crm.db "UPDATE history SET stage = 'closed' WHERE rowid = 3" >/dev/null
  run 0 funnel --db sqlite:crm.db --history-query "SELECT * FROM history" --collect --max-rejected 5%
  has out.txt "^  sqlite:crm\.db, query \"SELECT \* FROM history\" \(field 'stage'\): row 3: stage 'closed' is not in the funnel"
  run 1 funnel --db sqlite:crm.db --history-query "SELECT * FROM history"
  has err.txt "^leadscore: sqlite:crm\.db, query \"SELECT \* FROM history\" \(field 'stage'\): row 3: stage 'closed'"
  run 1 funnel --db sqlite:crm.db --history-query "SELECT lead_id, entered_at FROM history"
  has err.txt "^leadscore: sqlite:crm\.db, query \"SELECT lead_id, entered_at FROM history\" \(field 'stage'\): no such column in the result$"
  run 2 funnel --db sqlite:crm.db --history history.csv
  run 2 funnel --history-query "SELECT * FROM history"
  # --snapshot-query: the deals of a query give the JSON report of the snapshot file of the same rows (its input's
  # name aside); it excludes the other inputs as they exclude each other, and report reads it as funnel does.
  tiny_deals
  python3 "$tools" load deals.csv crm.db deals || fail "cannot load the deals"
  run 0 funnel --snapshot deals.csv --format json
  cp out.txt deals.json
  run 0 funnel --db sqlite:crm.db --snapshot-query "SELECT * FROM deals ORDER BY rowid" --format json
  same_report deals.json out.txt "a deal snapshot"
  has out.txt '"kind": "snapshot"'
  run 0 funnel --db sqlite:crm.db --snapshot-query "SELECT * FROM deals"
  has out.txt '^deal snapshot: sqlite:crm\.db, query "SELECT \* FROM deals"$'
  run 2 funnel --db sqlite:crm.db --snapshot-query "SELECT * FROM deals" --history-query "SELECT * FROM history"
  run 2 funnel --db sqlite:crm.db --snapshot-query "SELECT * FROM deals" --snapshot deals.csv
  run 2 funnel --snapshot-query "SELECT * FROM deals"
  run 2 report --db sqlite:crm.db --snapshot-query "SELECT * FROM deals" --history history.csv --out r.html
  run 2 report --history history.csv --id-column deal --out r.html
  has err.txt "--id-column requires --snapshot or --snapshot-query"
  run 0 report --db sqlite:crm.db --snapshot-query "SELECT * FROM deals" --by account --out deals.html
  has deals.html '<table id="by-account-table">'
  has deals.html "no date for \(prospecting 5, engaging 1\)"
  # The Odoo mapping, and report's funnel side from the same query.
  python3 -c 'import sqlite3, sys; sqlite3.connect("odoo.db").executescript(open(sys.argv[1]).read())' \
    "$(dirname "$0")/odoo_crm.sql" || fail "cannot build odoo.db"
  run 0 funnel --history "$(dirname "$0")/odoo_history.csv" --funnel "$odoo/funnel.csv" --by team --format json
  cp out.txt expected.json
  equal "$(pyjson out.txt 'd["leads"], d["stage_entries"], [s["entered"] for s in d["stages"]]')" \
    "6 14 [5, 3, 2, 2, 2]" "the hand-written Odoo history: leads, entries, entered per stage"
  run 0 funnel --db sqlite:odoo.db --history-query "$(cat "$odoo/history.sql")" --funnel "$odoo/funnel.csv" --by team \
    --format json
  same_report expected.json out.txt "the Odoo history query"
  SOURCE_DATE_EPOCH=0 run 0 report --db sqlite:odoo.db --history-query "$(cat "$odoo/history.sql")" \
    --funnel "$odoo/funnel.csv" --out odoo.html
  has odoo.html "Made 1970-01-01 00:00 UTC by leadscore .* from sqlite:odoo\.db, query &quot;-- Stage entries"
  # The leads view: train on the closed opportunities, score the open ones into lead_scores.
  python3 "$tools" sql odoo.db "CREATE VIEW leadscore_leads AS $(cat "$odoo/leads.sql")" >/dev/null
  run 0 train --db sqlite:odoo.db \
    --query "SELECT id, priority, expected_revenue, source, team, outcome FROM leadscore_leads WHERE outcome <> 'open'" \
    --target outcome --positive won --exclude id --out odoo.model
  has out.txt "^rows: 4, positives: 2 "
  run 0 score --model odoo.model --db sqlite:odoo.db --query "SELECT * FROM leadscore_leads WHERE outcome = 'open'" \
    --id id --write-table lead_scores --since write_date
  equal "$(python3 "$tools" sql odoo.db "SELECT lead_id FROM lead_scores ORDER BY lead_id")" "3
4" "the open opportunities scored"
  ;;

db.incremental)
  # score --since: an incremental job reads the rows changed since its watermark less --overlap, and keeps the
  # watermark in leadscore_state in the same transaction as the scores. Row i of the table changed at minute i.
  tools="$(dirname "$0")/db_tools.py"
  q() { python3 "$tools" sql crm.db "$1"; }
  run 0 generate --leads 400 --seed 5 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out leads.model
  python3 "$tools" load leads.csv crm.db leads || fail "cannot build crm.db"
  q "ALTER TABLE leads ADD COLUMN write_date TEXT" >/dev/null
  q "UPDATE leads SET write_date = strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', (rowid - 1) || ' minutes')" >/dev/null
  job=(score --model leads.model --db sqlite:crm.db --table leads --id id --write-table lead_scores --since write_date)
  rescored() { q "SELECT count(*) FROM lead_scores WHERE model_id = 'leads.model'"; }
  run 0 "${job[@]}" --overlap 30m
  has out.txt "^incremental: every row \(no watermark yet\), 400 read; watermark now 2024-01-01T06:39:00Z$"
  equal "$(q "SELECT job || ' ' || watermark FROM leadscore_state")" "lead_scores 2024-01-01T06:39:00Z" "state"
  # 1% of the rows (4) change: they and the rows of the last 30 minutes before the watermark (06:09 to 06:39, 31
  # rows) are rescored, nothing else.
  q "UPDATE lead_scores SET model_id = 'old'" >/dev/null
  q "UPDATE leads SET write_date = '2024-01-02T08:00:00Z', country = 'DE' WHERE rowid IN (11, 51, 101, 201)" >/dev/null
  run 0 "${job[@]}" --overlap 30m
  has out.txt "^incremental: rows changed since 2024-01-01T06:09:00Z \(the watermark 2024-01-01T06:39:00Z less the overlap 30m\), 35 read; watermark now 2024-01-02T08:00:00Z$"
  equal "$(rescored)" "35" "rows rescored after touching 4"
  equal "$(q "SELECT count(*) FROM lead_scores s JOIN leads l ON l.id = s.lead_id WHERE s.model_id = 'leads.model'
              AND (l.rowid IN (11, 51, 101, 201) OR l.rowid > 369)")" "35" "the rows rescored are the touched and the overlap"
  # Nothing changed: only the overlap window before the new watermark (the 4 rows at 08:00).
  q "UPDATE lead_scores SET model_id = 'old'" >/dev/null
  run 0 "${job[@]}" --overlap 30m
  equal "$(rescored)" "4" "rows rescored without changes"
  q "UPDATE lead_scores SET model_id = 'old'" >/dev/null
  run 0 "${job[@]}" --full
  has out.txt "^incremental: every row \(--full\), 400 read; watermark now 2024-01-02T08:00:00Z$"
  equal "$(rescored)" "400" "rows rescored by --full"
  equal "$(q "SELECT count(*) FROM lead_scores")" "400" "rows in the scores table"
  # Bad input.
  run 1 "${job[@]::11}" --since 'write_date"; DROP TABLE leads; --'
  has err.txt "no such column: write_date\"; DROP TABLE leads; --"
  equal "$(q "SELECT count(*) FROM leads")" "400" "leads after an injection attempt"
  run 1 "${job[@]}" --overlap 5y
  has err.txt "^leadscore: --overlap '5y': expected a duration"
  run 2 score --model leads.model --db sqlite:crm.db --table leads --id id --out s.csv --since write_date
  has err.txt "^leadscore: --since needs --write-table"
  run 1 "${job[@]::11}" --since country
  has err.txt "^leadscore: --since country is a categorical field of the model"
  ;;

db.since_kinds)
  # --since-type integer and text, --db-timezone, --qualification. Expected watermarks and row counts follow from the
  # values the test stores: row i has version 9007199254741001 + i (odd numbers above 2^53, which no double holds),
  # code 'c' and i in five digits.
  tools="$(dirname "$0")/db_tools.py"
  q() { python3 "$tools" sql crm.db "$1"; }
  run 0 generate --leads 200 --seed 7 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --exclude name,phone,company,stage,lost_stage \
    --out leads.model
  python3 "$tools" load leads.csv crm.db leads || fail "cannot build crm.db"
  q "ALTER TABLE leads ADD COLUMN version INTEGER" >/dev/null
  q "ALTER TABLE leads ADD COLUMN code TEXT" >/dev/null
  q "ALTER TABLE leads ADD COLUMN local_date TEXT" >/dev/null
  q "UPDATE leads SET version = 9007199254741001 + rowid, code = printf('c%05d', rowid),
     local_date = CASE rowid WHEN 1 THEN '2024-03-31 02:30:00' ELSE '2024-03-31 01:00:00' END" >/dev/null
  base=(score --model leads.model --db sqlite:crm.db --table leads --id id)
  int_job=("${base[@]}" --write-table by_version --since version --since-type integer)
  rescored() { q "SELECT count(*) FROM $1 WHERE model_id = 'leads.model'"; }
  run 1 "${int_job[@]}"
  has err.txt "^leadscore: --since-type integer needs --overlap N"
  run 1 "${int_job[@]}" --overlap 1h
  has err.txt "^leadscore: --overlap '1h': expected a count"
  run 0 "${int_job[@]}" --overlap 0
  has out.txt "^incremental: every row \(no watermark yet\), 200 read; watermark now 9007199254741201$"
  equal "$(q "SELECT typeof(watermark_integer) || ' ' || watermark_integer FROM leadscore_state WHERE job = 'by_version'")" \
    "integer 9007199254741201" "the integer watermark, exactly"
  # Three rows change; with --overlap 10 the rows from 9007199254741191 (rows 190 to 200, 11) are read again too.
  q "UPDATE by_version SET model_id = 'old'" >/dev/null
  q "UPDATE leads SET version = 9007199254741301 WHERE rowid IN (5, 50, 150)" >/dev/null
  run 0 "${int_job[@]}" --overlap 10
  has out.txt "^incremental: rows changed since 9007199254741191 \(the watermark 9007199254741201 less the overlap 10\), 14 read; watermark now 9007199254741301$"
  equal "$(rescored by_version)" "14" "rows rescored by the integer job"
  # A text watermark: compared byte by byte, no overlap.
  text_job=("${base[@]}" --write-table by_code --since code --since-type text)
  run 1 "${text_job[@]}" --overlap 5
  has err.txt "^leadscore: --overlap cannot be given with --since-type text"
  run 0 "${text_job[@]}"
  has out.txt "watermark now 'c00200'$"
  q "UPDATE by_code SET model_id = 'old'" >/dev/null
  q "UPDATE leads SET code = 'c99999' WHERE rowid = 7" >/dev/null
  run 0 "${text_job[@]}"
  has out.txt "^incremental: rows changed since 'c00200' \(the watermark 'c00200'\), 2 read; watermark now 'c99999'$"
  equal "$(rescored by_code)" "2" "rows rescored by the text job"
  # A job's watermark of another kind is refused, and --full starts it again.
  run 1 "${base[@]}" --write-table by_code --since version --since-type integer --overlap 0
  has err.txt "^leadscore: the watermark of job 'by_code' in table leadscore_state is a text \('c99999'\), not an integer: run once with --full"
  run 0 "${base[@]}" --write-table by_code --since version --since-type integer --overlap 0 --full
  has out.txt "watermark now 9007199254741301$"
  run 1 "${base[@]}" --write-table by_version --since 'version" >= 0 OR 1 = 1 --' --since-type integer --overlap 0
  has err.txt "no such column: version\" >= 0 OR 1 = 1 --"
  equal "$(q "SELECT count(*) FROM leads")" "200" "leads after an injection attempt"
  # --db-timezone: 02:30 on 2024-03-31 does not exist in Berlin (02:00 CET -> 03:00 CEST): the offset before the gap
  # (+1) makes it 01:30 UTC; without a zone the text is UTC.
  run 0 "${base[@]}" --write-table by_local --since local_date --db-timezone Europe/Berlin
  has out.txt "watermark now 2024-03-31T01:30:00Z$"
  run 0 "${base[@]}" --write-table by_utc --since local_date
  has out.txt "watermark now 2024-03-31T02:30:00Z$"
  run 1 "${base[@]}" --write-table by_utc --since local_date --db-timezone Nowhere/Land
  has err.txt "time zone 'Nowhere/Land': no such zone"
  run 1 funnel --db sqlite:crm.db --history-query "SELECT 1" --db-timezone Nowhere/Land
  has err.txt "time zone 'Nowhere/Land': no such zone"
  # --qualification: by the default policy (no stage column is read), hot leads are sales-qualified and warm ones
  # marketing-qualified; every lead gets a class.
  echo "# the default qualification policy" >q.toml
  run 0 "${base[@]}" --write-table classes --qualification q.toml
  equal "$(q "SELECT count(*) FROM classes WHERE qualification IS NULL OR (temperature = 'hot') != (qualification = 'sql')
              OR (temperature = 'warm') != (qualification = 'mql')")" "0" "classes by temperature"
  q "CREATE TABLE crm_scores (lead_id TEXT PRIMARY KEY, score REAL, probability REAL, temperature TEXT, model_id TEXT,
     scored_at TEXT)" >/dev/null
  run 1 "${base[@]}" --write-table crm_scores --qualification q.toml
  has err.txt "has no column 'qualification' for the qualification classes; add it \(ALTER TABLE \"crm_scores\" ADD COLUMN qualification TEXT\)"
  equal "$(q "SELECT count(*) FROM crm_scores")" "0" "nothing written without the column"
  run 2 score --model leads.model --data leads.csv --id id --out s.csv --qualification q.toml
  has err.txt "^leadscore: --qualification needs --write-table"
  ;;

json.score)
  # score --format json: JSON Lines, one object per lead, with the scores of the CSV path; --explain N adds the N
  # largest factors, and all of them add up to the lead's log-odds with the intercept (the library's explanation).
  run 0 generate --leads 400 --seed 5 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --negative lost \
    --exclude name,phone,company,stage,lost_stage --out m.model
  run 0 score --model m.model --data leads.csv --id id --out s.csv
  cp out.txt csv_summary.txt
  run 0 score --model m.model --data leads.csv --id id --out s.jsonl --format json
  empty err.txt
  equal "$(pyjson out.txt 'd["schema"], d["rows"], d["out"]')" "leadscore.score.summary/1 400 s.jsonl" "summary"
  equal "$(pyjson out.txt '", ".join(k + " " + str(v) for k, v in list(d["temperature"].items())[:3])')" \
    "$(sed -n 's/^scored 400 rows with a logistic model: //p' csv_summary.txt)" "counts by temperature"
  equal "$(wc -l <s.jsonl)" "400" "one line per lead"
  # The same ids, scores, probabilities (every digit) and temperatures as the CSV.
  /usr/bin/python3 -c 'import csv, json
rows = list(csv.DictReader(open("s.csv")))
lines = [json.loads(line) for line in open("s.jsonl")]
assert len(rows) == len(lines)
for r, d in zip(rows, lines):
    assert d["schema"] == "leadscore.score/1", d
    assert (d["id"], d["row"], d["score"]) == (r["id"], int(r["row"]), int(r["score"])), (r, d)
    assert d["probability"] == float(r["probability"]), (r, d)
    assert d["temperature"] == r["temperature"], (r, d)' || fail "the JSON lines differ from the CSV rows"
  # Without --out, the lines go to standard output; CSV needs --out (a usage error).
  run 0 score --model m.model --data leads.csv --id id --format json
  cmp -s out.txt s.jsonl || fail "JSON Lines on standard output differ from the file"
  run 2 score --model m.model --data leads.csv
  has err.txt "--out is required"
  # --explain: CSV columns and JSON arrays hold the same factors; with every factor, the effects and the intercept
  # (show's) add up to the log-odds of the probability.
  run 0 score --model m.model --data leads.csv --out e.csv --explain 2
  has out.txt "^factors: the 2 largest effects of each lead, in log-odds$"
  equal "$(head -1 e.csv)" "row,score,probability,temperature,factor_1,factor_1_effect,factor_2,factor_2_effect" \
    "--explain header"
  run 0 score --model m.model --data leads.csv --out e.jsonl --format json --explain 2
  /usr/bin/python3 -c 'import csv, json
rows = list(csv.DictReader(open("e.csv")))
for r, line in zip(rows, open("e.jsonl")):
    f = json.loads(line)["factors"]
    assert [x["name"] for x in f] == [r["factor_1"], r["factor_2"]], (r, f)
    assert [x["effect"] for x in f] == [float(r["factor_1_effect"]), float(r["factor_2_effect"])], (r, f)
    assert abs(f[0]["effect"]) >= abs(f[1]["effect"])' || fail "CSV and JSON factors differ"
  run 0 show m.model --format json --top 1000
  cp out.txt show.json
  run 0 score --model m.model --data leads.csv --out all.jsonl --format json --explain 1000
  /usr/bin/python3 -c 'import json, math
show = json.load(open("show.json"))["logistic"]
weights = {w["feature"]: w["weight"] for w in show["largest_weights"]}
for line in open("all.jsonl"):
    d = json.loads(line)
    p = d["probability"]
    total = show["intercept"] + sum(f["effect"] for f in d["factors"])
    assert abs(total - math.log(p / (1 - p))) < 1e-9, (d, total)
    for f in d["factors"]:
        if "=" in f["name"]: assert f["effect"] == weights[f["name"]], f  # a category: its weight times 1
    assert "intercept" not in [f["name"] for f in d["factors"]]' || fail "factors do not add up to the log-odds"
  ;;

json.explain_trees)
  # A tree model's factors are its TreeSHAP contributions: XGBoost's own pred_contribs (expected.csv).
  fx="$(dirname "$0")/../data/xgboost/categorical"
  run 0 import-xgboost "$fx/model.json" --categories "$fx/categories.json" --out x.model
  run 0 score --model x.model --data "$fx/data.csv" --id id --format json --explain 5
  /usr/bin/python3 -c 'import csv, json, sys
expected = list(csv.DictReader(open(sys.argv[1])))
lines = [json.loads(l) for l in open("out.txt")]
assert len(lines) == len(expected) == 40
for d, e in zip(lines, expected):
    for f in d["factors"]:
        want = float(e["contribution_" + f["name"]])
        assert abs(f["effect"] - want) < 1e-5, (d["id"], f, want)
    named = {f["name"] for f in d["factors"]}
    for field in ["industry", "visits", "source", "size", "score"]:
        if field not in named: assert float(e["contribution_" + field]) == 0, (d["id"], field)' "$fx/expected.csv" ||
    fail "tree factors differ from XGBoost's contributions"
  ;;

json.evaluate)
  # evaluate --format json: the numbers of the text output (to the 4 decimals shown), null where not computable.
  run 0 generate --leads 500 --seed 3 --out leads.csv
  run 0 train --data leads.csv --target outcome --positive won --negative lost \
    --exclude name,phone,company,stage,lost_stage --out m.model --format json
  cp out.txt train.json
  run 0 train --data leads.csv --target outcome --positive won --negative lost \
    --exclude name,phone,company,stage,lost_stage --out m2.model
  equal "$(pyjson train.json 'd["schema"], d["kind"], d["rows"], d["positives"]')" \
    "leadscore.train/1 logistic $(sed -n 's/^rows: \([0-9]*\), positives: \([0-9]*\) .*/\1 \2/p' out.txt)" "train rows"
  equal "$(pyjson train.json '"%.4f %.4f" % (d["bands"]["warm"], d["bands"]["hot"])')" \
    "$(sed -n 's/^temperature bands: warm >= \([0-9.]*\), hot >= \([0-9.]*\) .*/\1 \2/p' out.txt)" "train bands"
  equal "$(pyjson train.json 'd["fit"]["parameters"], len(d["fields_read"])')" \
    "$(sed -n 's/.*parameters: \([0-9]*\)$/\1/p' out.txt) $(sed -n 's/^fields read: //p' out.txt)" "train fit"
  run 0 evaluate --model m.model --data leads.csv --target outcome
  cp out.txt eval.txt
  run 0 evaluate --model m.model --data leads.csv --target outcome --format json
  empty err.txt
  equal "$(pyjson out.txt 'd["schema"]')" "leadscore.evaluate/1" "schema"
  for pair in "ROC AUC:roc_auc" "log loss:log_loss" "Brier score:brier_score" "average precision:average_precision"; do
    equal "$(pyjson out.txt "'%.4f' % d['${pair#*:}']")" "$(sed -n "s/^${pair%%:*}: //p" eval.txt)" "${pair%%:*}"
  done
  equal "$(pyjson out.txt "'%.2f' % d['top_decile_lift']")" "$(sed -n 's/^top-decile lift: //p' eval.txt)" "lift"
  equal "$(pyjson out.txt '"rows: %d, labelled: %d, positives: %d" % (d["rows"], d["labelled"], d["positives"])')" \
    "$(grep -o '^rows: [0-9]*, labelled: [0-9]*, positives: [0-9]*' eval.txt)" "counts"
  equal "$(pyjson out.txt '" ".join(str(b["rows"]) for b in d["reliability"]["bins"])')" \
    "$(awk '/^  \[/ {printf "%s%s", s, $3; s = " "}' eval.txt)" "rows per reliability bin"
  # An empty bin's mean score and observed rate cannot be computed: null (the text says n/a).
  empties=$(awk '/^  \[/ && $3 == 0 {n++} END {print n + 0}' eval.txt)
  equal "$(pyjson out.txt 'sum(1 for b in d["reliability"]["bins"] if b["rows"] == 0 and b["mean_score"] is None and b["observed"] is None)')" \
    "$empties" "null for empty bins"
  equal "$(pyjson out.txt '" ".join(t["band"] + ":" + str(t["positives"]) for t in d["temperature"])')" \
    "$(awk '/^  (hot|warm|cold) / {printf "%s%s:%s", s, $1, $4; s = " "}' eval.txt)" "positives per band"
  run 2 evaluate --model m.model --data leads.csv --target outcome --format xml
  has err.txt "^--format: xml not in \{text,json\}"
  empty out.txt
  ;;

json.show_inspect)
  # show and inspect --format json against their text.
  run 0 generate --leads 300 --seed 9 --out leads.csv
  run 0 inspect leads.csv
  cp out.txt inspect.txt
  run 0 inspect leads.csv --format json
  empty err.txt
  equal "$(pyjson out.txt 'd["schema"], d["rows"], len(d["columns"])')" "leadscore.inspect/1 300 21" "inspect"
  equal "$(pyjson out.txt '" ".join(c["name"] + ":" + c["type"] + ":" + str(c["missing"]) for c in d["columns"])')" \
    "$(awk 'NR > 7 {printf "%s%s:%s:%s", s, $2, $3, $4; s = " "}' inspect.txt)" "columns, types and missing counts"
  equal "$(pyjson out.txt '"min %g, max %g" % (d["columns"][15]["min"], d["columns"][15]["max"])')" \
    "$(column_row inspect.txt employees | sed 's/.*\(min .*\)$/\1/')" "employees range"
  # A numeric column without a present value: its range is null.
  printf 'a,b\n1,\n2,NA\n' >empty_b.csv
  run 0 inspect empty_b.csv --format json
  equal "$(pyjson out.txt 'd["columns"][0]["min"], d["columns"][0]["max"]')" "1 2" "range of a"
  equal "$(pyjson out.txt 'd["columns"][1]["missing"]')" "2" "missing cells of b"
  run 0 train --data leads.csv --target outcome --positive won --negative lost \
    --exclude name,phone,company,stage,lost_stage --out m.model
  run 0 show m.model --top 3
  cp out.txt show.txt
  run 0 show m.model --top 3 --format json
  equal "$(pyjson out.txt 'd["schema"], d["policy"], d["scale"], d["trees"]')" \
    "leadscore.show/1 leadscore.logistic probability None" "show"
  equal "$(pyjson out.txt '" ".join(w["feature"].replace(" ", "_") + ":%.4f" % w["weight"] for w in d["logistic"]["largest_weights"])')" \
    "$(awk '/^largest weights/ {on = 1; next} /^notes/ {on = 0} on && /^  [^ -]/ && !/^  feature/ {w = $NF; $NF = ""; sub(/^ +/, ""); sub(/ +$/, ""); gsub(/ /, "_"); printf "%s%s:%s", s, $0, w; s = " "}' show.txt)" \
    "largest weights"
  equal "$(pyjson out.txt '" ".join(f["name"] + ":" + str(f["values_seen"]) for f in d["contract"]["fields"] if f["name"] in ("team", "newsletter"))')" \
    "$(awk '$1 == "team" || $1 == "newsletter" {printf "%s%s:%s", s, $1, ($3 == "" ? "None" : $3); s = " "}' show.txt)" \
    "values seen (null for a true/false field)"
  ;;

json.funnel_route)
  # funnel and route --format json against their text.
  run 0 generate --leads 400 --seed 4 --out leads.csv --history history.csv
  run 0 funnel --history history.csv
  cp out.txt funnel.txt
  run 0 funnel --history history.csv --format json
  empty err.txt
  equal "$(pyjson out.txt 'd["schema"], d["leads"], d["stage_entries"]')" \
    "leadscore.funnel/1 $(sed -n 's/^leads: \([0-9]*\), stage entries: \([0-9]*\),.*/\1 \2/p' funnel.txt)" "funnel counts"
  equal "$(pyjson out.txt '" ".join(s["stage"] + ":" + str(s["entered"]) + ":" + ("%.1f" % (100 * s["win_rate"]) if s["win_rate"] is not None else "-") for s in d["stages"])')" \
    "$(awk '/== Stage conversion/ {on = 1; next} on && /^  [a-z_]+ +[a-z]+ +[0-9]/ {p = $NF; sub("%", "", p); printf "%s%s:%s:%s", s, $1, $3, p; s = " "} on && /^$/ && n++ > 1 {on = 0}' funnel.txt)" \
    "entered and P(win) per stage"
  # No --window: the window conversion cannot be given, so it is null.
  equal "$(pyjson out.txt 'all(s["window_conversion_rate"] is None for s in d["stages"])')" "True" "null window rate"
  equal "$(pyjson out.txt 'd["input"]["rows_read"]')" "$(sed -n 's/^rows read: \([0-9]*\),.*/\1/p' funnel.txt)" "rows read"
  # Competing risks: P(won by t) and P(lost by t) at each horizon the text shows ("-" there: null).
  equal "$(pyjson out.txt '" ".join(str(a["days"]) + ":" + ("%.1f:%.1f" % (100 * a["won"], 100 * a["lost"]) if a["won"] is not None else "-:-") for a in d["competing_risks"]["at"])')" \
    "$(awk '/competing risks/ {on = 1; next} on && /^  (30|60|90|180|365) / {w = $2; l = $4; if (w != "-") {sub("%", "", w); sub("%", "", $6); l = $6}; printf "%s%s:%s:%s", s, $1, w, l; s = " "} on && /^  leads: won/ {on = 0}' funnel.txt)" \
    "competing risks"
  printf 'rep,team,capacity\nAna,east,60\nBo,,\n' >reps.csv
  run 0 route --leads leads.csv --reps reps.csv --out r.csv --as-of 2026-12-01
  cp out.txt route.txt
  run 0 route --leads leads.csv --reps reps.csv --out r2.csv --as-of 2026-12-01 --format json
  equal "$(pyjson out.txt '"routed %d leads: %d assigned, %d queued, %d unassigned" % (d["routed"], d["assigned"], d["queued"], d["unassigned"])')" \
    "$(head -1 route.txt)" "route counts"
  equal "$(pyjson out.txt '" ".join(r["rep"] + ":" + str(r["leads"]) + ":" + str(r["daily_quota"]) + ":" + str(r["team"]) for r in d["reps"])')" \
    "Ana:$(awk '$1 == "Ana" {print $3}' route.txt):2:east Bo:$(awk '$1 == "Bo" {print $2}' route.txt):None:None" \
    "per rep (null quota and team for Bo)"
  cmp -s r.csv r2.csv || fail "route --format json changed the decisions file"
  ;;

edges.unknown_command)
  run 2 frobnicate
  has err.txt "^leadscore: unknown command 'frobnicate' \(commands: generate, inspect, .*\)$"
  run 2 scroe --model m.model
  has err.txt "^leadscore: unknown command 'scroe'; did you mean 'score'\? \(commands: "
  run 2 Train
  has err.txt "did you mean 'train'\?"
  empty out.txt
  ;;

edges.suggestions)
  {
    echo "id,Industry,employees,outcome"
    for i in $(seq 1 40); do
      if (( i % 3 == 0 )); then o=won; elif (( i % 5 == 0 )); then o=open; else o=lost; fi
      echo "r$i,$([[ $((i % 2)) == 0 ]] && echo software || echo retail),$((i * 7)),$o"
    done
  } >leads.csv
  # A misspelt target, positive or negative value, or excluded column: the closest name the file holds.
  run 1 train --data leads.csv --target outcom --positive won --out m.model
  has err.txt "^leadscore: leads\.csv:1 \(field 'outcom'\): the target column 'outcom' is not in the header \(did you mean 'outcome'\?\)$"
  run 1 train --data leads.csv --target outcome --positive Won --out m.model
  has err.txt "no row has the positive value 'Won' in the target 'outcome' \(did you mean 'won'\?\)$"
  run 1 train --data leads.csv --target outcome --positive won --negative lots --out m.model
  has err.txt "no row has the negative value 'lots' in the target 'outcome' \(did you mean 'lost'\?\)$"
  run 1 train --data leads.csv --target outcome --positive won --exclude industy,employes,zzz --out m.model
  has err.txt "^leadscore: --exclude: the columns 'industy' \(did you mean 'Industry'\?\), 'employes' \(did you mean 'employees'\?\), 'zzz' are not in leads\.csv$"
  [[ ! -e m.model ]] || fail "an error wrote a model"
  # A header read as one column (the wrong delimiter) hints at the delimiter.
  tr , ';' <leads.csv >semi.csv
  run 1 train --data semi.csv --delimiter , --target outcome --positive won --out m.model
  has err.txt "the target column 'outcome' is not in the header; the header reads as one column, 'id;Industry;employees;outcome': is the delimiter ';'\? \(--delimiter ';'\)$"
  run 0 train --data leads.csv --target outcome --positive won --negative lost --exclude id --out m.model
  # Every column the model reads that the file lacks is named at once, with the file's closest names.
  printf 'industri,staff\nsoftware,3\n' >two_missing.csv
  run 1 score --model m.model --data two_missing.csv --out s.csv
  has err.txt "^leadscore: two_missing\.csv:1: header: 2 schema fields are missing from the header: 'Industry' \(the header has 'industri'\), 'employees'$"
  run 1 score --model m.model --data semi.csv --delimiter , --out s.csv
  has err.txt "the header reads as one column, 'id;Industry;employees;outcome': is the delimiter ';'\?$"
  run 1 evaluate --model m.model --data leads.csv --target outcome --positive wonn
  has err.txt "so no metric can be computed \(did you mean 'won'\?\)$"
  [[ ! -e s.csv ]] || fail "an error wrote scores"
  ;;

edges.progress)
  # 200 rows, x decides y half the time: a gbt fit grows its trees one by one.
  {
    echo "x,y"
    for i in $(seq 1 200); do echo "$((i % 10)),$( (( i % 10 > 4 || i % 7 == 0 )) && echo yes || echo no)"; done
  } >d.csv
  # Not a terminal: silent unless --progress, which writes a line per tenth of the work, for logs.
  run 0 train --data d.csv --target y --model gbt --trees 50 --out m.model
  empty err.txt
  run 0 train --data d.csv --target y --model gbt --trees 50 --progress --out m.model
  has err.txt "^leadscore: reading d\.csv\.\.\.$"
  has err.txt "^leadscore: reading d\.csv: 200 rows, done in [0-9.]+ m?s$"
  has err.txt "^leadscore: fitting a gbt model\.\.\.$"
  for p in 10 50 90; do has err.txt "^leadscore: fitting a gbt model: $p%(, about [0-9]+ (s|min) left)?$"; done
  has err.txt "^leadscore: fitting a gbt model: done in [0-9.]+ m?s$"
  # The percentages of a phase only go up.
  grep -o 'fitting a gbt model: [0-9]*%' err.txt | grep -o '[0-9]*' | sort -n -c || fail "percentages out of order"
  run 0 train --data d.csv --target y --model gbt --trees 50 --cv 3 --progress --out m.model
  has err.txt "^leadscore: 3-fold cross-validation of a gbt model: 50%"
  run 0 score --model m.model --data d.csv --progress --out s.csv
  has err.txt "^leadscore: scoring 200 leads: done in "
  run 0 evaluate --model m.model --data d.csv --target y --progress
  has err.txt "^leadscore: scoring 200 leads: done in "
  run 2 train --data d.csv --target y --progress --quiet --out m.model
  # On a terminal (script(1) gives one), --quiet silences the progress lines.
  command -v script >/dev/null || exit 77
  script -qec "'$bin' train --data d.csv --target y --model gbt --trees 50 --out m.model" /dev/null >tty.txt 2>&1
  has tty.txt "fitting a gbt model\.\.\..*done in [0-9]"
  script -qec "'$bin' train --data d.csv --target y --model gbt --trees 50 --quiet --out m.model" /dev/null >quiet.txt 2>&1
  lacks quiet.txt "fitting a gbt model"
  has quiet.txt "^wrote m\.model"
  ;;

model.train_options)
  # 300 rows: 90 yes (x above 6 mostly), 210 no.
  {
    echo "x,color,y"
    for i in $(seq 1 300); do
      x=$((i % 10)); c=(red green blue); color=${c[$((i % 3))]}
      if (( i <= 90 )); then y=yes; else y=no; fi
      echo "$x,$color,$y"
    done
  } >d.csv
  # Options that do not apply to the model kind are errors naming it.
  run 1 train --data d.csv --target y --model gbt --l1 1 --out m.model
  has err.txt "^leadscore: --l1 applies to --model logistic and auto only \(this is --model gbt\)$"
  run 1 train --data d.csv --target y --model gbt --numeric bins --out m.model
  has err.txt "^leadscore: --numeric applies to --model logistic and auto only"
  run 1 train --data d.csv --target y --model naive-bayes --balanced --out m.model
  has err.txt "^leadscore: --balanced applies to --model logistic, gbt and auto only \(this is --model naive-bayes\)$"
  run 1 train --data d.csv --target y --model logistic --max-bins 20 --out m.model
  has err.txt "^leadscore: --max-bins applies to --model gbt and auto only"
  run 2 train --data d.csv --target y --numeric cubic --out m.model
  run 1 train --data d.csv --target y --validation-share 0 --out m.model
  has err.txt "^leadscore: --validation-share must be above 0 and below 1 \(got 0\)$"
  [[ ! -e m.model ]] || fail "an error wrote a model"
  # An L2 penalty so strong that every weight is 0: each lead scores the (weighted) positive rate of the rows learned
  # from, the intercept log(Σc+ / Σc-). Unweighted 90/300 = 30%; balanced 50%; positives weighing 7/3: 210/420 = 50%.
  printf 'x,color\n1,red\n9,blue\n' >two.csv
  for args in "30|" "50|--balanced" "50|--positive-weight 7 --negative-weight 3"; do
    want=${args%%|*}
    run 0 train --data d.csv --target y --l2 1e12 ${args#*|} --out m.model
    run 0 score --model m.model --data two.csv --out s.csv
    equal "$(tail -n +2 s.csv | cut -d, -f2 | sort -u | tr '\n' ' ')" "$want " "scores with --l2 1e12 ${args#*|}"
  done
  # L1 (with L2, an elastic net) and numeric bins: x holds 10 values equally often, so --bins 5 cuts 5 bins of 2.
  run 0 train --data d.csv --target y --l1 0.5 --l2 0.5 --numeric bins --bins 5 --min-category-count 200 --out m.model
  run 0 show m.model
  has out.txt "^logistic regression: 5 features, "
  has out.txt "^  x in \[2, 4\) "
  has out.txt "^  field 'color' left out: every text is seen in fewer than 200 rows$" # 100 rows each
  run 0 train --data d.csv --target y --model gbt --trees 5 --min-category-count 1 --l2 2 --balanced --out m.model
  # --validation-share: a stratified fifth held back, ⌊0.2·n + ½⌋ per class: 18 of the 90 yes, 42 of the 210 no.
  run 0 train --data d.csv --target y --validation-share 0.2 --seed 5 --out m.model
  has out.txt "^rows: 240, positives: 72 \(30\.0%\)$"
  has out.txt "^held back: 60 rows, 18 positives: ROC AUC 0\.[0-9]{4}, log loss 0\.[0-9]{4}, Brier score 0\.[0-9]{4}$"
  has out.txt "^  held back: 60 of the 300 labelled rows \(a stratified share of 0\.2, seed 5\), not learned from and measured after the fit$"
  run 0 train --data d.csv --target y --model naive-bayes --validation-share 0.5 --out m.model
  has out.txt "^held back: 150 rows, 45 positives: ROC AUC "
  ;;

score.events)
  # A points rule per event: scores with and without --events, derived by hand; the note counts the event of a lead
  # the data lacks; a bad events file is named by line and column.
  printf 'id,industry\na,software\nb,retail\nc,software\n' >leads.csv
  {
    echo "lead_id,time,type,detail"
    echo "a,2024-01-02,webinar_attended,"
    echo "a,2024-01-01T10:00:00,webinar_attended,intro"
    echo "b,2024-01-03,email_opened,"
    echo "z,2024-01-03,webinar_attended,"
  } >events.csv
  cat >rules.toml <<'TOML'
[scoring]
kind = "points"

[[scoring.fit]]
name = "software company"
field = "industry"
equals = "software"
points = 20

[[scoring.engagement]]
name = "webinars"
event = "webinar_attended"
points = 15
cap = 45

[[scoring.engagement]]
name = "opens"
event = "email_opened"
points = 2
TOML
  # Without events: a 20, b 0, c 20. With them: a 20 + 2 webinars × 15 = 50, b one open = 2, c 20 (no decay).
  run 0 score --config rules.toml --data leads.csv --id id --out s.csv
  equal "$(cut -d, -f1,3 s.csv | tr '\n' ' ')" "id,score a,20 b,0 c,20 " "scores without events"
  has err.txt "^leadscore: note: the scoring reads engagement events and none were given \(--events or --events-query\)"
  run 0 score --config rules.toml --data leads.csv --id id --out s.csv --events events.csv
  equal "$(cut -d, -f1,3 s.csv | tr '\n' ' ')" "id,score a,50 b,2 c,20 " "scores with events"
  has err.txt "^leadscore: note: events: 4 read from events\.csv, 3 attached to 2 leads; 1 left out: their lead_id is not in the --events-id column 'id' \(the first, 'z', on line 5\)$"
  # Errors: a time that is not one, an --events-id the leads lack, --events-query without --db.
  printf 'lead_id,time,type\na,2024-01-01,x\nb,yesterday,x\n' >bad.csv
  run 1 score --config rules.toml --data leads.csv --out s.csv --events bad.csv
  has err.txt "^leadscore: bad\.csv:3:3 \(field 'time'\): not a time: 'yesterday'"
  run 1 score --config rules.toml --data leads.csv --out s.csv --events events.csv --events-id lead
  has err.txt "^leadscore: --events-id lead: the leads have no such column"
  run 2 score --config rules.toml --data leads.csv --out s.csv --events-query "SELECT * FROM events"
  has err.txt "^leadscore: --events-query needs --db"
  run 2 score --config rules.toml --data leads.csv --out s.csv --events events.csv --events-query "SELECT 1"
  # A logistic model on event counts: its scores move with the events; evaluate reads them too.
  tiny_event_data
  run 0 train --data t.csv --target outcome --positive won --events tev.csv \
    --event-counts demo_requested,meeting_booked --event-window 3650 --out m.model
  has err.txt "^leadscore: note: events: 24 read from tev\.csv, 23 attached to 18 leads; 1 left out: .*\(the first, 'L99', on line 25\)$"
  run 0 score --model m.model --data t.csv --id id --out without.csv
  has err.txt "^leadscore: note: the scoring reads engagement events and none were given"
  run 0 score --model m.model --data t.csv --id id --events tev.csv --out with.csv
  cmp -s without.csv with.csv && fail "the event counts do not change the scores"
  # L3 (won, one demo request) scores above L2 (lost, no event) only with the events; without them they differ by
  # employees alone.
  equal "$(awk -F, '$1 == "L3" || $1 == "L2" { print $4 }' with.csv | sort -g | tail -1 | cut -c1-4)" \
    "$(awk -F, '$1 == "L3" { print $4 }' with.csv | cut -c1-4)" "L3 ranks above L2 with the events"
  run 0 evaluate --model m.model --data t.csv --events tev.csv --target outcome
  has out.txt "ROC AUC"
  run 1 train --data t.csv --target outcome --positive won --event-counts demo_requested --out m2.model
  has err.txt "^leadscore: --event-counts needs the events: --events FILE or --events-query SQL$"
  run 1 train --data t.csv --target outcome --positive won --model naive-bayes --events tev.csv \
    --event-counts demo_requested --out m2.model
  has err.txt "^leadscore: --event-counts applies to --model logistic, gbt and auto only"
  run 1 train --data t.csv --target outcome --positive won --model gbt --events tev.csv --event-log1p --out m2.model
  has err.txt "^leadscore: --event-log1p applies to --model logistic and auto only"
  ;;

score.config)
  {
    echo "id,industry,employees"
    echo "a,software,100"
    echo "b,retail,100"
    echo "c,software,10"
    echo "d,,5000"
  } >leads.csv
  cat >rules.toml <<'TOML'
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
below = 1000
points = 15

[temperature]
kind = "score_bands"
warm = 20
hot = 35
TOML
  # Points: a 20 + 15 = 35 (hot), b 15 (cold), c 20 (warm), d 0 (cold).
  run 0 score --config rules.toml --data leads.csv --id id --out s.csv
  has out.txt "^scored 4 rows with the rules of rules\.toml: hot 1, warm 1, cold 2$"
  equal "$(cat s.csv | tr '\n' ' ')" "id,row,score,probability,temperature a,1,35,,hot b,2,15,,cold c,3,20,,warm d,4,0,,cold " "scores"
  # --format json: the same scores as lines (points: no probability), the summary names the rules file.
  run 0 score --config rules.toml --data leads.csv --id id --format json
  equal "$(/usr/bin/python3 -c 'import json; print(" ".join("%s:%s:%s:%s" % (d["id"], d["score"], d["probability"], d["temperature"]) for d in map(json.loads, open("out.txt"))))')" \
    "a:35:None:hot b:15:None:cold c:20:None:warm d:0:None:cold" "JSON lines of --config"
  run 0 score --config rules.toml --data leads.csv --id id --format json --out s.jsonl --explain 1
  equal "$(pyjson out.txt 'd["config"], d["model_kind"], d["temperature"]["hot"], d["temperature"]["cold"], d["rows"]')" \
    "rules.toml None 1 2 4" "summary of --config"
  equal "$(head -1 s.jsonl | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["factors"][0]["effect"])')" \
    "20" "a's largest factor: software, 20 points"
  # Without [temperature], no band.
  sed '/^\[temperature\]/,$d' rules.toml >no_bands.toml
  run 0 score --config no_bands.toml --data leads.csv --out s.csv
  has out.txt "^temperature: none \(no_bands\.toml has no \[temperature\] section\)$"
  equal "$(sed -n 2p s.csv)" "1,35,," "a row without a band"
  # Errors: a misspelt key (named with its line), no [scoring], --config with --model, neither.
  sed 's/^points = 15/point = 15/' rules.toml >typo.toml
  run 1 score --config typo.toml --data leads.csv --out s2.csv
  has err.txt "^leadscore: typo\.toml:10: scoring\.fit\[1\]\.points: missing"
  # A rule on a column the file lacks names it, with the file's closest column.
  sed 's/^field = "industry"/field = "industy"/' rules.toml >misspelt.toml
  run 1 score --config misspelt.toml --data leads.csv --out s2.csv
  has err.txt "condition on field 'industy' .*: no field 'industy' in the table \(did you mean 'industry'\?\)$"
  printf '[temperature]\nkind = "score_bands"\nwarm = 1\nhot = 2\n' >bands_only.toml
  run 1 score --config bands_only.toml --data leads.csv --out s2.csv
  has err.txt "^leadscore: bands_only\.toml: no \[scoring\] section"
  run 2 score --config rules.toml --model m.model --data leads.csv --out s2.csv
  run 1 score --data leads.csv --out s2.csv
  has err.txt "^leadscore: score needs --model \(a model file\) or --config \(a TOML file of rules\)$"
  [[ ! -e s2.csv ]] || fail "an error wrote scores"
  ;;

*)
  fail "unknown case '$case_name'"
  ;;
esac

if [[ $failures -ne 0 ]]; then
  echo "cli.$case_name: $failures check(s) failed" >&2
  exit 1
fi
echo "cli.$case_name: ok"
