#!/usr/bin/env bash
# Fault trials (a script, not a test: it takes minutes and, for the disk-full and
# read-only trials, mounts small tmpfs file systems, which needs root).
#
#   benches/faults.sh [SEED] [TRIALS]      defaults: 830, 20
#
# 1. kill -9 of `baove load` at TRIALS seeded random moments: the store's content
#    checksum (`baove status --checksum`) afterwards equals the one before, and a
#    rerun succeeds.
# 2. kill -9 of `baove report` at TRIALS seeded random moments: the workbook at the
#    output path is either absent or a whole, readable file, never a half-written one.
# 3. A store on a full disk, a store on a read-only file system, a store locked by
#    another process, a missing store and a corrupt store: each a clear error naming
#    the file, exit 2, and the store unchanged.
# Prints one line per trial and a summary; exits 1 if any trial lost something.
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-830}"
trials="${2:-20}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/baove/target}"
cargo build --locked --bin baove >&2
bin="$CARGO_TARGET_DIR/debug/baove"
work=$(mktemp -d "${TMPDIR:-/tmp}/baove-faults.XXXXXX")
mounts=()
cleanup() {
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export BAOVE_NOW="2026-11-29 12:00:00"
RANDOM=$seed
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# shellcheck source=benches/common.sh
source "$(dirname "$0")/common.sh"
"$(generator "$bin")" --out "$work/big" --seed "$seed" --cases 300000 --content 10 >/dev/null
store="$work/store.duckdb"
"$bin" load --db "$store" sample-data/ >/dev/null 2>&1
cp "$store" "$work/backup.duckdb"
before=$("$bin" status --db "$store" --checksum | awk '/^checksum:/ {print $2}')

echo "== kill -9 during load ($trials trials, seed $seed)"
killed=0
for trial in $(seq 1 "$trials"); do
    delay_ms=$((50 + RANDOM % 3000))
    # Every other trial reads the 60 MB file in parts of 4 MB, as a file over 512 MB
    # is read: each part is judged and written while the next is read.
    how="read whole"
    part_bytes=$((1 << 30))
    if [ $((trial % 2)) -eq 0 ]; then
        how="read in parts"
        part_bytes=4000000
    fi
    BAOVE_PART_BYTES=$part_bytes "$bin" load --db "$store" "$work/big/cases.csv" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid"
        wait "$pid" 2>/dev/null || true
        killed=$((killed + 1))
        after=$("$bin" status --db "$store" --checksum | awk '/^checksum:/ {print $2}')
        if [ "$after" = "$before" ]; then
            echo "trial $trial ($how): killed after $delay_ms ms, store unchanged"
        else
            fail "trial $trial ($how): killed after $delay_ms ms, store changed"
        fi
    else
        wait "$pid" || true
        echo "trial $trial ($how): the load finished within $delay_ms ms; store put back"
        cp "$work/backup.duckdb" "$store"
        rm -f "$store.wal"
    fi
done
if "$bin" load --db "$store" "$work/big/cases.csv" >/dev/null 2>&1; then
    echo "rerun after the trials: loaded"
else
    fail "rerun after the trials failed"
fi
cp "$work/backup.duckdb" "$store"
rm -f "$store.wal"

echo "== kill -9 during report ($trials trials)"
# Kill moments spread over the whole run, writing included: first time one run.
started=$(date +%s%N)
"$bin" report --template quarterly --period 2025Q1 --db "$store" --out "$work/report-timed" >/dev/null 2>&1
report_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "a whole report takes $report_ms ms"
whole=0
for trial in $(seq 1 "$trials"); do
    delay_ms=$(( (RANDOM * 32768 + RANDOM) % (report_ms + report_ms / 10 + 1) ))
    out="$work/report-$trial"
    "$bin" report --template quarterly --period 2025Q1 --db "$store" --out "$out" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    book="$out/quarterly_2025Q1.xlsx"
    if [ ! -e "$book" ]; then
        echo "trial $trial: killed after $delay_ms ms, no workbook at the output path"
    elif unzip -tq "$book" >/dev/null 2>&1; then
        whole=$((whole + 1))
        echo "trial $trial: after $delay_ms ms the workbook is there and whole"
    else
        fail "trial $trial: a half-written workbook at $book"
    fi
    for f in "$out"/indicators.csv "$out"/dashboard_2025Q1.html; do
        if [ -e "$f" ] && [ ! -s "$f" ]; then fail "trial $trial: empty $f"; fi
    done
done

echo "== a store on a full disk"
full="$work/full"
mkdir -p "$full"
if mount -t tmpfs -o size=12m tmpfs "$full" 2>/dev/null; then
    mounts+=("$full")
    cp "$store" "$full/store.duckdb"
    small_before=$("$bin" status --db "$full/store.duckdb" --checksum | awk '/^checksum:/ {print $2}')
    # Fill what is left, then try to load.
    dd if=/dev/zero of="$full/filler" bs=1M count=64 >/dev/null 2>&1 || true
    set +e
    message=$("$bin" load --db "$full/store.duckdb" "$work/big/cases.csv" 2>&1 >/dev/null)
    code=$?
    set -e
    rm -f "$full/filler"
    small_after=$("$bin" status --db "$full/store.duckdb" --checksum | awk '/^checksum:/ {print $2}')
    if [ "$code" = 2 ] && [ "$small_after" = "$small_before" ] && grep -q "store.duckdb" <<<"$message"; then
        echo "full disk: exit 2, store unchanged: $(grep -m1 '^error' <<<"$message")"
    else
        fail "full disk: exit $code, store unchanged: $([ "$small_after" = "$small_before" ] && echo yes || echo no): $message"
    fi
else
    echo "skipped: cannot mount a tmpfs (needs root)"
fi

echo "== a store on a read-only file system"
ro="$work/ro"
mkdir -p "$ro"
if mount -t tmpfs -o size=64m tmpfs "$ro" 2>/dev/null; then
    mounts+=("$ro")
    cp "$store" "$ro/store.duckdb"
    mount -o remount,ro "$ro"
    set +e
    message=$("$bin" load --db "$ro/store.duckdb" sample-data/police-vn/cases_2025Q1_police.csv \
        --profile sample-data/police-vn/profile.toml 2>&1 >/dev/null)
    code=$?
    set -e
    if [ "$code" = 2 ] && grep -q "store.duckdb" <<<"$message"; then
        echo "read-only: exit 2: $(head -1 <<<"$message")"
    else
        fail "read-only: exit $code: $message"
    fi
    if "$bin" status --db "$ro/store.duckdb" >/dev/null 2>&1; then
        echo "read-only: status still reads the store"
    else
        fail "read-only: status cannot read the store"
    fi
else
    echo "skipped: cannot mount a tmpfs (needs root)"
fi

echo "== a store locked by another process"
"$bin" load --db "$store" "$work/big/cases.csv" >/dev/null 2>&1 &
holder=$!
sleep 1
set +e
message=$("$bin" load --db "$store" sample-data/police-vn/cases_2025Q1_police.csv \
    --profile sample-data/police-vn/profile.toml 2>&1 >/dev/null)
code=$?
set -e
wait "$holder" || true
if [ "$code" = 2 ] && grep -q "store.duckdb" <<<"$message"; then
    echo "locked: exit 2: $(head -1 <<<"$message")"
else
    fail "locked: exit $code: $message"
fi

echo "== a missing store and a corrupt one"
set +e
message=$("$bin" status --db "$work/nowhere.duckdb" 2>&1 >/dev/null); code=$?
set -e
[ "$code" = 2 ] && grep -q "nowhere.duckdb" <<<"$message" && echo "missing: exit 2: $message" || fail "missing: exit $code"
printf 'not a database' >"$work/corrupt.duckdb"
set +e
message=$("$bin" load --db "$work/corrupt.duckdb" sample-data/areas.csv 2>&1 >/dev/null); code=$?
set -e
if [ "$code" = 2 ] && grep -q "corrupt.duckdb" <<<"$message" && [ "$(cat "$work/corrupt.duckdb")" = "not a database" ]; then
    echo "corrupt: exit 2, file untouched: $(head -1 <<<"$message")"
else
    fail "corrupt: exit $code: $message"
fi

echo "== summary: $killed loads killed, $whole reports finished before the kill, $failures failures"
[ "$failures" = 0 ]
