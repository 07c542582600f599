#!/usr/bin/env bash
# How fast are two builds of baove on the same data? (A benchmark, not a test: use
# release builds, e.g. one of the commit before a change.)
#
#   benches/two-builds.sh OLD_BAOVE NEW_BAOVE [CASES]     default 1000000 cases
#   REPEAT=5 benches/two-builds.sh ...                    runs per figure (default 3)
#
# Generates CASES cases (and a tenth as many content reports) with NEW, loads them into
# one store per build (each build writes its own store), then times `indicators` for a
# quarter and the quarterly report, internal and public audience, alternating OLD and NEW
# runs; prints the median wall time and peak memory of each and NEW's change against OLD.
# CASES `sample` uses sample-data/ instead of generated data.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,11p "$0" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
cases=${3:-1000000}
repeat=${REPEAT:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/baove-two.XXXXXX")
trap 'rm -rf "$work"' EXIT
export BAOVE_NOW="2026-11-29 12:00:00"

# shellcheck source=benches/common.sh
source "$(dirname "$0")/common.sh"

if [ "$cases" = sample ]; then
    cp -r "$(dirname "$0")/../sample-data" "$work/data"
else
    "$(generator "$new")" --out "$work/data" --seed 1 --cases "$cases" --content $((cases / 10)) >/dev/null 2>&1
fi
for build in old new; do
    bin=$old
    [ $build = new ] && bin=$new
    read -r seconds mib < <(measure "$bin" load "$work/data" --db "$work/$build.duckdb")
    printf '%-4s load of %s cases: %s s, %s MiB\n' "$build" "$cases" "$seconds" "$mib"
done

printf '%-40s %10s %10s %10s %10s %8s\n' "step" "old s" "new s" "old MiB" "new MiB" "change"
# One step of each build on its own store: `step NAME OUT ARGS...` (ARGS after the
# binary; OUT the name of its --out in the scratch folder).
step() {
    local name=$1 out=$2
    shift 2
    local old_s=() new_s=() old_m=() new_m=()
    for _ in $(seq "$repeat"); do
        for build in old new; do
            bin=$old
            [ $build = new ] && bin=$new
            rm -rf "${work:?}/$build-$out"
            read -r seconds mib < <(measure "$bin" "$@" --db "$work/$build.duckdb" --out "$work/$build-$out")
            if [ $build = old ]; then old_s+=("$seconds") old_m+=("$mib"); else new_s+=("$seconds") new_m+=("$mib"); fi
        done
    done
    o=$(median "${old_s[@]}") n=$(median "${new_s[@]}")
    printf '%-40s %10s %10s %10s %10s %7s%%\n' "$name" "$o" "$n" \
        "$(median "${old_m[@]}")" "$(median "${new_m[@]}")" "$(awk -v o="$o" -v n="$n" 'BEGIN { printf "%+.1f", (n - o) / o * 100 }')"
}
for audience in internal public; do
    step "indicators 2025Q1 --audience $audience" indicators.csv indicators --period 2025Q1 --audience "$audience"
done
for audience in internal public; do
    step "report quarterly 2025Q1 --audience $audience" report \
        report --template quarterly --period 2025Q1 --audience "$audience"
done
