#!/usr/bin/env bash
# Fuzzes baove's input handling with cargo-fuzz (libFuzzer; needs the nightly toolchain
# and `cargo install cargo-fuzz`).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]    default: 300 s per target, every target
#
# Targets: csv_ingest (any bytes as a CSV export of any kind), xlsx_ingest (any bytes as
# an XLSX export), datetime (any text in the date columns of a cases export),
# profile_and_template (any text as a mapping profile and as a report template). Each
# checks that nothing panics and that no finding carries an identity-shaped value.
#
# Two targets run at a time (one per core). The corpora grow under
# $HOME/.cache/baove/fuzz/corpus (seeded from sample-data/ and tests/corpus/), crashes
# land in $HOME/.cache/baove/fuzz/artifacts/TARGET/; the script prints, per target, the
# seconds run, the executions and the crashes found, and exits 1 if there was any.
# Built without a sanitizer: the targets reach safe Rust only, and a panic, an abort, a
# time-out or running out of memory is what they look for. Built as the release binary
# is (-O: no overflow checks): with them, libFuzzer stops on an integer overflow inside
# calamine (a cell reference of many letters) again and again, which baove itself turns
# into a refusal (see RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv_ingest xlsx_ingest datetime profile_and_template)
cache="$HOME/.cache/baove/fuzz"
fuzz=(cargo +nightly fuzz run -O --fuzz-dir tests/fuzz -s none --target-dir "$HOME/.cache/baove/target-fuzz")

cargo +nightly fuzz build -O --fuzz-dir tests/fuzz -s none --target-dir "$HOME/.cache/baove/target-fuzz" >&2

# Seeds: the exports of sample-data/ and the broken corpus, each behind the byte that
# picks its kind (the order of Kind::ALL), the templates and the profile.
kind_byte() {
    case "$(basename "$1")" in
        areas*) printf '\000' ;; crosswalk*) printf '\001' ;; holidays*) printf '\002' ;;
        population*) printf '\003' ;; content_reports*) printf '\005' ;; *) printf '\004' ;;
    esac
}
for t in csv_ingest xlsx_ingest datetime profile_and_template; do
    mkdir -p "$cache/corpus/$t" "$cache/artifacts/$t"
done
for f in sample-data/*.csv sample-data/police-vn/*.csv tests/corpus/broken/*.csv; do
    [ -f "$f" ] || continue
    seed="$(basename "$f")"
    { kind_byte "$f"; cat "$f"; } >"$cache/corpus/csv_ingest/seed-$seed" 2>/dev/null || true
    cut -d, -f3 "$f" >"$cache/corpus/datetime/seed-$seed" 2>/dev/null || true
done
# A workbook of 20 synthetic cases (sample-data/ saved as XLSX by LibreOffice).
{ printf '\004'; cat tests/fuzz/seeds/cases_seed.xlsx; } >"$cache/corpus/xlsx_ingest/seed-cases.xlsx"
for f in report-templates/*.toml sample-data/police-vn/*.toml; do
    cp "$f" "$cache/corpus/profile_and_template/seed-$(basename "$f")"
done

run_one() {
    local t="$1"
    local log="$cache/$t.log"
    local started=$SECONDS
    "${fuzz[@]}" "$t" "$cache/corpus/$t" -- -max_total_time="$seconds" -max_len=65536 \
        -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$cache/artifacts/$t/" >"$log" 2>&1 || true
    local execs crashes ran=$((SECONDS - started))
    execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
    crashes=$(find "$cache/artifacts/$t" -type f | wc -l)
    # libFuzzer stops at the first crash: the seconds are those it ran.
    printf '%-22s %6s s %10s executions %3s crashes (artifacts: %s)\n' \
        "$t" "$ran" "${execs:-?}" "$crashes" "$cache/artifacts/$t"
}

status=0
i=0
while [ $i -lt ${#targets[@]} ]; do
    run_one "${targets[$i]}" &
    [ $((i + 1)) -lt ${#targets[@]} ] && run_one "${targets[$((i + 1))]}" &
    wait
    i=$((i + 2))
done
for t in "${targets[@]}"; do
    [ -z "$(find "$cache/artifacts/$t" -type f)" ] || status=1
done
exit $status
