#!/usr/bin/env bash
# A nation on one machine (issue 19): a synthetic nation of PROVINCES provinces (default
# 63, merged in pairs on 1 July 2025 into 34) with CASES cases and CONTENT content items
# each (January 2023 to September 2026), loaded into one store (each province's exports
# under its code), then the nation's quarterly indicators and report, the comparison of
# provinces and the Parquet export. Prints each step's seconds and peak memory (MiB).
#
#   cargo build --release --locked && benches/nation.sh
#   PROVINCES=63 CASES=350 CONTENT=60000 KEEP=1 benches/nation.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN:-${CARGO_TARGET_DIR:-$here/../target}/release/baove}
provinces=${PROVINCES:-63}
cases=${CASES:-350}
content=${CONTENT:-60000}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
source "$here/common.sh"
export BAOVE_NOW="2026-11-29 12:00:00"

step() {
    local name=$1
    shift
    printf '%-44s %s\n' "$name" "$(measure "$@")"
}

cd "$work"
step "generate ($provinces provinces)" "$(generator "$bin")" --out nation --provinces "$provinces" --cases "$cases" --content "$content" --seed 63
rows_cases=$(cat nation/*/cases.csv | wc -l)
rows_content=$(cat nation/*/content_reports.csv | wc -l)
echo "rows: $((rows_cases - provinces)) cases, $((rows_content - provinces)) content items"
step "load reference files" "$bin" load --db nation.duckdb nation/
slowest=0
total=0
for folder in nation/*/; do
    code=$(basename "$folder")
    read -r seconds peak < <(measure "$bin" load --db nation.duckdb --province "$code" "$folder")
    total=$(awk -v a="$total" -v b="$seconds" 'BEGIN { print a + b }')
    slowest=$(awk -v a="$slowest" -v b="$seconds" 'BEGIN { print (b > a) ? b : a }')
    peaks="${peaks:-} $peak"
done
echo "load each province ($provinces loads)           total ${total}s, slowest ${slowest}s, peak $(printf '%s\n' $peaks | sort -n | tail -1) MiB"
step "indicators --nation 2026Q2" "$bin" indicators --db nation.duckdb --nation --period 2026Q2 --out n.csv
step "indicators --nation 2025 (year)" "$bin" indicators --db nation.duckdb --nation --period 2025 --out y.csv
step "indicators --province 01 2024Q1 (a merged one)" "$bin" indicators --db nation.duckdb --province 01 --period 2024Q1 --out p.csv
step "report quarterly --nation 2026Q2" "$bin" report --db nation.duckdb --nation --template quarterly --period 2026Q2 --out report
step "compare --nation --level province 2024Q1 (63)" "$bin" compare --db nation.duckdb --nation --level province --period 2024Q1 --out cmp63
step "compare --nation --level province 2026Q2 (34)" "$bin" compare --db nation.duckdb --nation --level province --period 2026Q2 --out cmp34
step "export (Parquet)" "$bin" export --db nation.duckdb --out dataset
step "indicators --parquet --nation 2026Q2" "$bin" indicators --parquet dataset --nation --period 2026Q2 --out pq.csv
cmp -s n.csv pq.csv && echo "the Parquet dataset gives the store's table: same bytes"
echo "store: $(du -m nation.duckdb | cut -f1) MiB; dataset: $(du -sm dataset | cut -f1) MiB; exports: $(du -sm nation | cut -f1) MiB"
