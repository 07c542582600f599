#!/usr/bin/env bash
# Do two builds of baove write the same bytes? (A check for refactors, not a test: it
# needs two binaries, e.g. one built from the commit before a change.)
#
#   benches/same-outputs.sh OLD_BAOVE NEW_BAOVE
#
# Both binaries load sample-data/ and a generated set (seed 3, 3000 cases), then write
# every kind of output with the clock pinned (BAOVE_NOW, SOURCE_DATE_EPOCH): the tidy
# table (CSV and Parquet, both audiences), the quarterly, half-year, annual,
# programme-830 and district-comparison workbooks with their charts (the quarterly in
# both languages), the dashboard, and compare (as coded and by district). Use release
# builds: a debug build takes most of an hour. Every file is compared byte for
# byte; the differing ones are listed, and the exit code is 1 if there is any.
#
# DATA=sample (or DATA=generated) compares one data set only (default: both).
# SAMPLE=DIR reads the sample data from DIR (e.g. an older commit's sample-data/, for a
# build that does not know today's codes).
# QUARTER, HALF and YEAR (default 2025Q3, 2025H2, 2025) are the periods written; DISTRICT
# (default 2025Q2) the one compared by district.
# GENERATE names the generator (default: baove-generate beside NEW_BAOVE).
# CASES and CONTENT size the generated set (default 3000 and 600: a debug build's run is
# shorter with fewer). KEEP=1 keeps the outputs (the folder is printed) to read a
# difference.
# IGNORE_COLUMN=audience (the default) drops that column of the tidy CSV files before
# comparing, for a comparison with a build from before it existed; IGNORE_COLUMN= keeps
# every byte.
set -euo pipefail
[ $# -eq 2 ] || { sed -n 2,25p "$0" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/baove-same.XXXXXX")
if [ -n "${KEEP:-}" ]; then echo "outputs kept in $work"; else trap 'rm -rf "$work"' EXIT; fi
export BAOVE_NOW="2026-11-29 12:00:00" SOURCE_DATE_EPOCH=1764400000
ignore="${IGNORE_COLUMN-audience}"
quarter="${QUARTER:-2025Q3}" half="${HALF:-2025H2}" year="${YEAR:-2025}" district="${DISTRICT:-2025Q2}"

# shellcheck source=benches/common.sh
source "$here/benches/common.sh"
[ "${DATA:-generated}" = sample ] ||
    "$(generator "$new")" --out "$work/generated" --seed 3 --cases "${CASES:-3000}" --content "${CONTENT:-600}" >/dev/null 2>&1

outputs() {
    local bin=$1 out=$2
    mkdir -p "$out"
    cd "$out"
    for data in ${DATA:-sample generated}; do
        local source="${SAMPLE:-$here/sample-data}"
        [ "$data" = generated ] && source="$work/generated"
        "$bin" load "$source" --db "$data.duckdb" >/dev/null 2>&1
        for audience in public internal; do
            "$bin" indicators --period "$quarter" --db "$data.duckdb" --audience "$audience" \
                --out "$data-indicators-$audience.csv" >/dev/null 2>&1
            "$bin" indicators --period "$year" --db "$data.duckdb" --audience "$audience" \
                --out "$data-indicators-$audience.parquet" >/dev/null 2>&1
        done
        for spec in "quarterly:$quarter" "half-year:$half" "annual:$year" "programme-830:$year" \
            "district-comparison:$district"; do
            langs="vi"
            [ "${spec%%:*}" = quarterly ] && langs="vi en"
            for lang in $langs; do
                "$bin" report --template "${spec%%:*}" --period "${spec#*:}" --db "$data.duckdb" \
                    --lang "$lang" --out "$data-${spec%%:*}-$lang" >/dev/null 2>&1
            done
        done
        "$bin" dashboard --period "$quarter" --db "$data.duckdb" --out "$data-dashboard.html" >/dev/null 2>&1
        "$bin" compare --period "$quarter" --db "$data.duckdb" --out "$data-compare" >/dev/null 2>&1
        "$bin" compare --period "$district" --db "$data.duckdb" --level district \
            --out "$data-compare-district" >/dev/null 2>&1
        rm -f "$data.duckdb" "$data.duckdb.wal"
    done
    cd - >/dev/null
}

# Drops one named column of a CSV file (the header names it) in place; every file is
# rewritten, so both builds' files are quoted alike.
drop_column() {
    python3 - "$1" "$2" <<'EOF'
import csv, sys
path, name = sys.argv[1], sys.argv[2]
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
if rows and name in rows[0]:
    i = rows[0].index(name)
    rows = [r[:i] + r[i + 1:] for r in rows]
with open(path, "w", newline="", encoding="utf-8") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
EOF
}

outputs "$old" "$work/old"
outputs "$new" "$work/new"
if [ -n "$ignore" ]; then
    find "$work/old" "$work/new" -name '*.csv' | while read -r f; do drop_column "$f" "$ignore"; done
fi

status=0
(cd "$work/old" && find . -type f | sort) >"$work/old.list"
(cd "$work/new" && find . -type f | sort) >"$work/new.list"
if ! diff -u "$work/old.list" "$work/new.list" >"$work/lists.diff"; then
    echo "files written by only one build:"
    grep -E '^[-+]\.' "$work/lists.diff" || true
    status=1
fi
count=0
while read -r f; do
    [ -f "$work/new/$f" ] || continue
    count=$((count + 1))
    if ! cmp -s "$work/old/$f" "$work/new/$f"; then
        echo "differs: $f"
        # A workbook's differing cells, read as a reader reads them.
        case "$f" in *.xlsx) python3 "$here/benches/xlsx-cells.py" "$work/old/$f" "$work/new/$f" | sed 's/^/    /' ;; esac
        status=1
    fi
done <"$work/old.list"
echo "$count files compared"
exit $status
