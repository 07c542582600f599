#!/usr/bin/env bash
# Benchmarks of baove against bare DuckDB on generated data (a benchmark, not a test).
#
#   benches/run.sh [SIZES...]      default: 1000000 (e.g. 100000 1000000 10000000)
#   CONTENT_PER_CASE=10 benches/run.sh ...   content items per case (default 0.1; the
#                                            scale issue asks for 10, a 10M run then
#                                            needs ~15 GB of disk)
#   REPEAT=5 benches/run.sh ...              load pairs per size (default 3): the
#                                            machine's timings vary by ±20 % from run to
#                                            run, so the load figures are medians of
#                                            alternating reference / baove runs
#
# For each size N it generates N cases (and N x CONTENT_PER_CASE content items), then times,
# with wall time and peak memory from /usr/bin/time:
#   - DuckDB's own read_csv of cases.csv into a table (the reference);
#   - `baove load` of the same file into a store that already holds the reference data;
#   - the same pair for content_reports.csv (one run each);
#   - `baove indicators` for a quarter and a year, every breakdown, internal audience, and
#     the quarter again for the public audience (disclosure control on);
#   - `baove report --template quarterly` (workbook, charts, tidy file);
#   - the core counts of the quarter by bare SQL (the reference for the indicators).
# It prints each figure, the load ratio and the time per million rows.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/baove/target}"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000000)

cargo build --locked --release --bin baove --bin baove-generate --example duckdb_reference >&2
bin="$CARGO_TARGET_DIR/release/baove"
reference="$CARGO_TARGET_DIR/release/examples/duckdb_reference"
work=$(mktemp -d "${TMPDIR:-/tmp}/baove-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export BAOVE_NOW="2026-11-29 12:00:00"

# shellcheck source=benches/common.sh
source benches/common.sh

printf '%-10s %-34s %9s %9s\n' "cases" "step" "seconds" "peak MiB"
for n in "${sizes[@]}"; do
    data="$work/data-$n"
    content=$(awk -v n="$n" -v r="${CONTENT_PER_CASE:-0.1}" 'BEGIN { printf "%d", n * r }')
    "$(generator "$bin")" --out "$data" --seed 1 --cases "$n" --content "$content" >/dev/null
    db="$work/store-$n.duckdb"
    "$bin" load --db "$work/base.duckdb" "$data/areas.csv" "$data/holidays.csv" "$data/population.csv" >/dev/null 2>&1

    ref_runs=() load_runs=() ref_m=0 load_m=0
    for _ in $(seq "${REPEAT:-3}"); do
        rm -f "$work/ref-$n.duckdb" "$db"
        cp "$work/base.duckdb" "$db"
        read -r s m < <(measure "$reference" load "$work/ref-$n.duckdb" "$data/cases.csv")
        ref_runs+=("$s") && ref_m=$((m > ref_m ? m : ref_m))
        read -r s m < <(measure "$bin" load --db "$db" "$data/cases.csv")
        load_runs+=("$s") && load_m=$((m > load_m ? m : load_m))
    done
    ref_s=$(median "${ref_runs[@]}")
    load_s=$(median "${load_runs[@]}")
    read -r content_ref_s content_ref_m < <(measure "$reference" load "$work/ref-$n.duckdb" "$data/content_reports.csv" content_reports)
    read -r content_s content_m < <(measure "$bin" load --db "$db" "$data/content_reports.csv")
    read -r q_s q_m < <(measure "$bin" indicators --db "$db" --period 2025Q1 --audience internal --out "$work/q-$n.csv")
    read -r y_s y_m < <(measure "$bin" indicators --db "$db" --period 2025 --audience internal --out "$work/y-$n.csv")
    read -r qp_s qp_m < <(measure "$bin" indicators --db "$db" --period 2025Q1 --audience public --out "$work/qp-$n.csv")
    read -r report_s report_m < <(measure "$bin" report --template quarterly --period 2025Q1 --db "$db" --out "$work/report-$n")
    read -r agg_s agg_m < <(measure "$reference" aggregate "$work/ref-$n.duckdb" "2024-12-15 00:00:00" "2025-03-15 00:00:00")

    printf '%-10s %-34s %9s %9s   (runs: %s)\n' "$n" "duckdb read_csv (reference)" "$ref_s" "$ref_m" "${ref_runs[*]}"
    printf '%-10s %-34s %9s %9s   (runs: %s)\n' "$n" "baove load cases" "$load_s" "$load_m" "${load_runs[*]}"
    printf '%-10s %-34s %9s %9s\n' "$n" "duckdb read_csv content (ref.)" "$content_ref_s" "$content_ref_m"
    printf '%-10s %-34s %9s %9s\n' "$n" "baove load content ($content)" "$content_s" "$content_m"
    printf '%-10s %-34s %9s %9s\n' "$n" "baove indicators 2025Q1" "$q_s" "$q_m"
    printf '%-10s %-34s %9s %9s\n' "$n" "baove indicators 2025" "$y_s" "$y_m"
    printf '%-10s %-34s %9s %9s\n' "$n" "baove indicators 2025Q1 public" "$qp_s" "$qp_m"
    printf '%-10s %-34s %9s %9s\n' "$n" "baove report quarterly 2025Q1" "$report_s" "$report_m"
    printf '%-10s %-34s %9s %9s\n' "$n" "duckdb core counts 2025Q1 (ref.)" "$agg_s" "$agg_m"
    awk -v a="$load_s" -v b="$ref_s" -v n="$n" -v q="$q_s" -v y="$y_s" -v r="$report_s" \
        -v ca="$content_s" -v cb="$content_ref_s" 'BEGIN {
        m = n / 1e6
        printf "%-10s load ratio baove/duckdb (medians) = %.2f\n", n, a / b
        printf "%-10s content load ratio baove/duckdb (one run) = %.2f\n", n, ca / cb
        printf "%-10s per million cases: load %.2f s, quarter %.2f s, year %.2f s, report %.2f s\n", n, a / m, q / m, y / m, r / m }'
done
# Cost growth: the per-million figures above must not grow faster than log n from one
# size to the next (n log n overall); compare the rows of successive sizes.
