#!/usr/bin/env bash
# Every QuantLab Script example in dsl/examples/ checked and run as a user
# would, on the bundled sample data (TAP on stdout):
#   - `check` exits 0 and prints nothing on stderr but its "ok" line (no
#     error, no warning);
#   - an indicator runs (`run`: one row per bar), a strategy or events
#     script backtests (`backtest --script`) and closes at least one trade,
#     with no order refused ("not sent" on stderr) under the options its
#     opening comment gives (--allow-short for the ones that sell short);
#   - pairs_trade.qls runs on two symbols: A=demo-daily.csv (the main one)
#     and B=demo-daily-b.csv, which its symbol("B") reads;
#   - a script with test blocks passes `test`;
#   - sma_cross.qls gives byte-identical trades and equity CSVs to
#     `backtest --builtin sma_cross`;
#   - truncation: the output of a run on the first N bars equals the first N
#     rows of the run on all bars (`run` rows; for strategies and events also
#     the equity curve), which fails if a script reads a bar before it
#     closes (for pairs_trade.qls both files are cut to their first N bars;
#     multi_timeframe_trend.qls's weekly bars are cut with the daily ones).
# Usage: test-examples.sh QUANTLAB_CLI PROJECT_ROOT
set -u
cli=${1:?usage: test-examples.sh QUANTLAB_CLI PROJECT_ROOT}
root=${2:?usage: test-examples.sh QUANTLAB_CLI PROJECT_ROOT}
daily="$root/data/samples/demo-daily.csv"
daily_b="$root/data/samples/demo-daily-b.csv"
examples="$root/dsl/examples"
# Bars of the truncated file: past every example's warm-up (the longest is
# rsi_mean_reversion's 200-bar trend filter), short of the 780 bars.
nbars=300

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ql-test-examples.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  for line in "$@"; do printf '#   %s\n' "$line"; done
  return 0
}
# Indents a file's first lines as TAP diagnostics.
diag_file () { sed -n '1,20p' "$1" | sed 's/^/#     /'; }

# The sample files cut to their first $nbars bars (comment and header kept).
header_lines=$(grep -c -m 2 -E '^(#|[A-Za-z])' "$daily")
head -n $((header_lines + nbars)) "$daily" > "$tmp/head.csv"
total_bars=$(( $(wc -l < "$daily") - header_lines ))
header_lines_b=$(grep -c -m 2 -E '^(#|[A-Za-z])' "$daily_b")
head -n $((header_lines_b + nbars)) "$daily_b" > "$tmp/head-b.csv"

shopt -s nullglob
files=("$examples"/*.qls)
if [ ${#files[@]} -lt 11 ]; then
  not_ok "dsl/examples holds at least 11 scripts" "found ${#files[@]}"
fi

for f in "${files[@]}"; do
  name=$(basename "$f")

  # check: exit 0, stderr holds only the ok line.
  "$cli" check "$f" > "$tmp/check.out" 2> "$tmp/check.err"
  rc=$?
  first=$(head -n 1 "$tmp/check.err")
  lines=$(wc -l < "$tmp/check.err")
  if [ $rc -eq 0 ] && [[ "$first" == "$f: ok, "* ]] && [ "$lines" -eq 1 ] && [ ! -s "$tmp/check.out" ]; then
    ok "$name: check, no error and no warning"
  else
    not_ok "$name: check, no error and no warning" "exit $rc, stderr:"
    diag_file "$tmp/check.err"
    continue
  fi
  mode=$(sed -E -n 's/^.*: ok, (indicator|strategy|events) .*$/\1/p' "$tmp/check.err")
  ntests=$(sed -E -n 's/^.*, ([0-9]+) tests?$/\1/p' "$tmp/check.err")

  # The data each example runs on (all bars, and the first $nbars), and the
  # backtest options its opening comment asks for.
  full=(--data "DEMO=$daily")
  part=(--data "DEMO=$tmp/head.csv")
  opts=()
  on="demo-daily.csv"
  case "$name" in
    pairs_trade.qls)
      full=(--data "A=$daily" --data "B=$daily_b")
      part=(--data "A=$tmp/head.csv" --data "B=$tmp/head-b.csv")
      opts=(--allow-short)
      on="demo-daily.csv and demo-daily-b.csv" ;;
    oco_breakout.qls)
      opts=(--allow-short) ;;
  esac
  with=${opts[*]+ ${opts[*]}}

  # run or backtest on the daily sample.
  if [ "$mode" = indicator ]; then
    "$cli" run "$f" "${full[@]}" --output "$tmp/run.csv" 2> "$tmp/run.err"
    rc=$?
    rows=$(( $(wc -l < "$tmp/run.csv") - 1 ))
    if [ $rc -eq 0 ] && [ "$rows" -eq "$total_bars" ]; then
      ok "$name: run on $on, one row per bar"
    else
      not_ok "$name: run on $on, one row per bar" \
        "exit $rc, $rows rows for $total_bars bars, stderr:"
      diag_file "$tmp/run.err"
    fi
  else
    rm -f "$tmp/trades.csv"
    "$cli" backtest -q --script "$f" "${full[@]}" ${opts[@]+"${opts[@]}"} --trades "$tmp/trades.csv" \
      > /dev/null 2> "$tmp/bt.err"
    rc=$?
    trades=$(( $(wc -l < "$tmp/trades.csv" 2> /dev/null || echo 1) - 1 ))
    if [ $rc -eq 0 ] && [ "$trades" -ge 1 ]; then
      ok "$name: backtest$with on $on, $trades trades"
    else
      not_ok "$name: backtest$with on $on, at least one trade" \
        "exit $rc, $trades trades, stderr:"
      diag_file "$tmp/bt.err"
    fi
    refused=$(grep -c 'not sent' "$tmp/bt.err")
    if [ "$refused" -eq 0 ]; then
      ok "$name: backtest$with, no order refused"
    else
      not_ok "$name: backtest$with, no order refused" "$refused refusals, the first ones:"
      grep 'not sent' "$tmp/bt.err" | sed -n '1,3p' | sed 's/^/#     /'
    fi
  fi

  # test blocks.
  if [ "${ntests:-0}" -gt 0 ]; then
    if "$cli" test "$f" > "$tmp/test.out" 2>&1; then
      ok "$name: $ntests test block(s) pass"
    else
      not_ok "$name: test blocks pass" "output:"
      diag_file "$tmp/test.out"
    fi
  fi

  # Truncation: plots (run) and, for scripts that trade, the equity curve.
  if [ "$mode" != events ]; then
    "$cli" run "$f" "${full[@]}" --output "$tmp/full.csv" 2> /dev/null
    rc1=$?
    "$cli" run "$f" "${part[@]}" --output "$tmp/part.csv" 2> /dev/null
    rc2=$?
    head -n $((nbars + 1)) "$tmp/full.csv" > "$tmp/full-head.csv"
    if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(wc -l < "$tmp/part.csv")" -eq $((nbars + 1)) ] \
       && cmp -s "$tmp/part.csv" "$tmp/full-head.csv"; then
      ok "$name: run on the first $nbars bars = the first $nbars rows on all bars"
    else
      not_ok "$name: run on the first $nbars bars = the first $nbars rows on all bars" \
        "exits $rc1 $rc2; first difference:" \
        "$(diff "$tmp/part.csv" "$tmp/full-head.csv" | sed -n '1,3p' | tr '\n' ' ')"
    fi
  fi
  if [ "$mode" != indicator ]; then
    "$cli" backtest -q --script "$f" "${full[@]}" ${opts[@]+"${opts[@]}"} --equity "$tmp/full-eq.csv" \
      > /dev/null 2>&1
    rc1=$?
    "$cli" backtest -q --script "$f" "${part[@]}" ${opts[@]+"${opts[@]}"} --equity "$tmp/part-eq.csv" \
      > /dev/null 2>&1
    rc2=$?
    head -n $((nbars + 1)) "$tmp/full-eq.csv" > "$tmp/full-eq-head.csv"
    if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(wc -l < "$tmp/part-eq.csv")" -eq $((nbars + 1)) ] \
       && cmp -s "$tmp/part-eq.csv" "$tmp/full-eq-head.csv"; then
      ok "$name: equity on the first $nbars bars = the first $nbars points on all bars"
    else
      not_ok "$name: equity on the first $nbars bars = the first $nbars points on all bars" \
        "exits $rc1 $rc2; first difference:" \
        "$(diff "$tmp/part-eq.csv" "$tmp/full-eq-head.csv" | sed -n '1,3p' | tr '\n' ' ')"
    fi
  fi
done

# sma_cross.qls against the C builtin, with the defaults and other lengths.
for params in "" "--param fast=5 --param slow=20 --param qty=2"; do
  label=${params:-defaults}
  # shellcheck disable=SC2086
  "$cli" backtest -q --builtin sma_cross $params --data "X=$daily" \
    --trades "$tmp/b-trades.csv" --equity "$tmp/b-equity.csv" > /dev/null 2>&1
  rc1=$?
  # shellcheck disable=SC2086
  "$cli" backtest -q --script "$examples/sma_cross.qls" $params --data "X=$daily" \
    --trades "$tmp/s-trades.csv" --equity "$tmp/s-equity.csv" > /dev/null 2>&1
  rc2=$?
  builtin_trades=$(( $(wc -l < "$tmp/b-trades.csv") - 1 ))
  if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$builtin_trades" -ge 1 ] \
     && cmp -s "$tmp/b-trades.csv" "$tmp/s-trades.csv" \
     && cmp -s "$tmp/b-equity.csv" "$tmp/s-equity.csv"; then
    ok "sma_cross.qls = --builtin sma_cross ($label): trades and equity byte-identical, $builtin_trades trades"
  else
    not_ok "sma_cross.qls = --builtin sma_cross ($label): trades and equity byte-identical" \
      "exits $rc1 $rc2; trades:" \
      "$(diff "$tmp/b-trades.csv" "$tmp/s-trades.csv" | sed -n '1,3p' | tr '\n' ' ')" \
      "equity:" "$(diff "$tmp/b-equity.csv" "$tmp/s-equity.csv" | sed -n '1,3p' | tr '\n' ' ')"
  fi
done

echo "1..$n"
[ $failed -eq 0 ]
