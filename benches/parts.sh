#!/usr/bin/env bash
# The cost of a case in parts (issue 30): a province of CASES cases (default 1,000,000)
# loaded as whole records, and the same cases as the three agencies send them
# (`generate --parts`: the child-protection agency's parts, the police's in Vietnamese
# through a profile with a later export, the other agencies' receipts, the links), then
# a quarterly report of each store. Prints each step's seconds and peak memory (MiB),
# and whether the two stores give the same indicators.
#
#   cargo build --release --locked && benches/parts.sh
#   CASES=200000 KEEP=1 benches/parts.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN:-${CARGO_TARGET_DIR:-$here/../target}/release/baove}
cases=${CASES:-1000000}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
source "$here/common.sh"
export BAOVE_NOW="2026-11-29 12:00:00"

step() {
    local name=$1
    shift
    printf '%-60s %s\n' "$name" "$(measure "$@")"
}

cd "$work"
step "generate ($cases cases, with parts)" "$(generator "$bin")" --out gen --cases "$cases" --content 1000 --seed 30 --parts
mkdir -p ref
cp gen/areas.csv gen/holidays.csv gen/population.csv gen/crosswalk.csv gen/content_reports.csv ref/
wc -l gen/cases.csv gen/parts/*.csv gen/parts/*/*.csv | sed 's/^/rows: /'
profile=gen/parts/police/profile.toml

for round in $(seq "$rounds"); do
    rm -f whole.duckdb parts.duckdb
    step "whole: load reference files" "$bin" load --db whole.duckdb ref/
    step "whole: load the cases (round $round)" "$bin" load --db whole.duckdb gen/cases.csv
    step "parts: load reference files" "$bin" load --db parts.duckdb ref/
    step "parts: child-protection agency (round $round)" "$bin" load --db parts.duckdb gen/parts/cases_child-protection.csv
    step "parts: police, two exports (round $round)" "$bin" load --db parts.duckdb --profile "$profile" gen/parts/police/ gen/parts/police-late/
    step "parts: receipts and links (round $round)" "$bin" load --db parts.duckdb gen/parts/cases_receipts.csv gen/parts/case_links.csv gen/parts/links-later/
    for db in whole parts; do
        step "$db: report quarterly 2025Q3 (round $round)" "$bin" report --db "$db.duckdb" --template quarterly --period 2025Q3 --out "report_$db" --force --timestamp "2026-11-29 12:00:00"
        step "$db: indicators 2025 (round $round)" "$bin" indicators --db "$db.duckdb" --period 2025 --audience internal --out "$db.csv" --force
    done
    cmp -s whole.csv parts.csv && echo "round $round: the parts give the whole records' indicators, byte for byte"
done
echo "whole store: $(du -m whole.duckdb | cut -f1) MiB; parts store: $(du -m parts.duckdb | cut -f1) MiB"
