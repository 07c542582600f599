#!/usr/bin/env bash
# The cost of keeping history (issue 21): a province of CASES cases (default 1,000,000),
# 10% of them corrected twice by two later exports, against a store loaded once with
# the final rows (no history). Prints each step's seconds and peak memory (MiB), the
# `indicators` time on both stores, and their sizes.
#
#   cargo build --release --locked && benches/revisions.sh
#   CASES=200000 KEEP=1 benches/revisions.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN:-${CARGO_TARGET_DIR:-$here/../target}/release/baove}
cases=${CASES:-1000000}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
source "$here/common.sh"
export BAOVE_NOW="2026-11-29 12:00:00"

step() {
    local name=$1
    shift
    printf '%-52s %s\n' "$name" "$(measure "$@")"
}

cd "$work"
step "generate ($cases cases)" "$(generator "$bin")" --out gen --cases "$cases" --content 1000 --seed 21
mkdir -p ref first second third final
cp gen/areas.csv gen/holidays.csv gen/population.csv gen/crosswalk.csv gen/content_reports.csv ref/
cp gen/cases.csv first/cases.csv
# A correction that moves no record between cells: the victim's age, on every tenth
# case, twice (first 10, then 11).
correct() {
    awk -F, -v OFS=, -v age="$1" 'NR == 1 { print; next } NR % 10 == 0 { $8 = age; print }' gen/cases.csv
}
correct 10 > second/cases.csv
correct 11 > third/cases.csv
awk -F, -v OFS=, 'NR > 1 && NR % 10 == 0 { $8 = 11 } { print }' gen/cases.csv > final/cases.csv

step "history: load reference files" "$bin" load --db history.duckdb ref/
step "history: load the cases" "$bin" load --db history.duckdb first/
step "history: load 10% corrected" "$bin" load --db history.duckdb second/
step "history: load the same 10% corrected again" "$bin" load --db history.duckdb third/
step "flat: load reference files" "$bin" load --db flat.duckdb ref/
step "flat: load the final cases once" "$bin" load --db flat.duckdb final/

for period in 2025Q1 2025; do
    for round in 1 2 3; do
        step "flat: indicators $period (run $round)" "$bin" indicators --db flat.duckdb --period "$period" --audience internal --out "flat_$period.csv" --force
        step "history: indicators $period (run $round)" "$bin" indicators --db history.duckdb --period "$period" --audience internal --out "history_$period.csv" --force
    done
    cmp -s "flat_$period.csv" "history_$period.csv" && echo "$period: the two stores give the same table, byte for byte"
done
step "history: indicators 2025 --as-known-at 2" "$bin" indicators --db history.duckdb --period 2025 --as-known-at 2 --audience internal --out then.csv
step "history: revisions 2025 --since 2" "$bin" revisions --db history.duckdb --period 2025 --since 2 --audience internal --out rev
echo "flat store: $(du -m flat.duckdb | cut -f1) MiB; history store: $(du -m history.duckdb | cut -f1) MiB"
