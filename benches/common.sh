# Shared by the bench scripts (sourced, not run): each sets $work, a scratch folder.

# Runs a command; prints "seconds peak_MiB".
measure() {
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
        cat "$work/err" >&2
        exit 1
    }
    awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' "$work/time"
}

# The middle value of its arguments.
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# The synthetic data generator beside a baove binary (`baove-generate`, a binary of its
# own since issue 34), or GENERATE. Usage: "$(generator "$bin")" --out ...
generator() {
    if [ -n "${GENERATE:-}" ]; then
        echo "$GENERATE"
    else
        echo "$(dirname "$1")/baove-generate"
    fi
}
