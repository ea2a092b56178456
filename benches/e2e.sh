#!/usr/bin/env bash
# End-to-end speed of `examples/resolve.rs` against the naive floor
# (`examples/floor.rs`), both in release, on the same JSON Lines events file:
# reading, parsing, normalizing, resolving and writing profiles (to
# /dev/null), as one process each, timed from outside. The file is read once
# first so that both runs find it in the page cache; the runs alternate
# (floor, resolve, floor, ...) so that a change in machine load hits both.
#
# Prints per program the best wall time, events/s at that time, peak RSS and
# CPU time, then the ratio of the best wall times, resolve/floor. The target:
# resolve at least 500,000 events/s and at most 1.5 times the floor's time.
#
#   bash benches/e2e.sh [FILE]
#
# Without FILE, events of E2E_PEOPLE people (default 200000, about 1M events)
# are generated with seed 7 into target/e2e/events-<people>.jsonl, once.
# E2E_RUNS sets the runs per program (default 3).

set -euo pipefail
export LC_ALL=C # a `.` in $EPOCHREALTIME and in printf's numbers

people=${E2E_PEOPLE:-200000}
runs=${E2E_RUNS:-3}

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
    echo "usage: bash benches/e2e.sh [FILE]   (env: E2E_PEOPLE, E2E_RUNS)" >&2
    exit 2
fi
if [[ ! $people =~ ^[1-9][0-9]*$ || ! $runs =~ ^[1-9][0-9]*$ ]]; then
    echo "e2e: E2E_PEOPLE and E2E_RUNS must be positive integers" >&2
    exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "e2e: needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
    exit 2
fi

# A relative FILE is relative to where the script was started, not the repo.
file=
if [[ $# -eq 1 ]]; then
    file=$(realpath -e -- "$1" 2>/dev/null) || {
        echo "e2e: cannot read $1" >&2
        exit 2
    }
fi
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
target=${CARGO_TARGET_DIR:-target}

cargo build --release --example resolve --example floor
resolve_bin=$target/release/examples/resolve
floor_bin=$target/release/examples/floor

if [[ -z $file ]]; then
    # The people count is in the name, so a different E2E_PEOPLE never
    # silently reuses an older file.
    file=$target/e2e/events-$people.jsonl
    if [[ ! -s $file ]]; then
        mkdir -p -- "$target/e2e"
        echo "e2e: generating $file ($people people, seed 7)" >&2
        cargo run --release --example generate -- --people "$people" --seed 7 >"$file.tmp"
        mv -- "$file.tmp" "$file"
    fi
fi

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

cat -- "$file" >/dev/null # into the page cache

# measure NAME COMMAND...: runs COMMAND once with stdout to /dev/null; sets
# wall (s), rss (KiB), cpu (user + sys, s) and events (from its summary line).
measure() {
    local name=$1 t0 t1 user sys
    shift
    t0=$EPOCHREALTIME
    if ! /usr/bin/time -f '%M %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/$name.err"; then
        echo "e2e: $name failed:" >&2
        cat -- "$work/$name.err" "$work/time" >&2
        exit 1
    fi
    t1=$EPOCHREALTIME
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    read -r rss user sys <"$work/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    events=$(sed -nE "s/^$name: ([0-9]+) events.*/\\1/p" "$work/$name.err" | tail -n 1)
    if [[ -z $events ]]; then
        echo "e2e: no summary line from $name:" >&2
        cat -- "$work/$name.err" >&2
        exit 1
    fi
}

declare -A best_wall best_cpu best_events peak_rss
names=(floor resolve)
read -r load_before _ </proc/loadavg || load_before=?
lines=$(wc -l <"$file")
size_mb=$(($(stat -c %s -- "$file") / 1000000))
echo "e2e: $file: $lines lines, $size_mb MB; $runs runs each on $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

for ((run = 1; run <= runs; run++)); do
    report="run $run:"
    for name in "${names[@]}"; do
        case $name in
        floor) measure floor "$floor_bin" "$file" ;;
        resolve) measure resolve "$resolve_bin" --region NL --rejects /dev/null "$file" ;;
        esac
        report+="  $name ${wall}s"
        if [[ -z ${best_wall[$name]:-} ]] || awk -v a="$wall" -v b="${best_wall[$name]}" 'BEGIN { exit !(a < b) }'; then
            best_wall[$name]=$wall
            best_cpu[$name]=$cpu
            best_events[$name]=$events
        fi
        if ((rss > ${peak_rss[$name]:-0})); then
            peak_rss[$name]=$rss
        fi
    done
    echo "$report"
done

echo
for name in "${names[@]}"; do
    grep -E "^$name: [0-9]+ events" "$work/$name.err" | tail -n 1
done
echo
printf '%-8s %12s %12s %10s %14s\n' program "best wall" events/s "peak RSS" "CPU (best run)"
for name in "${names[@]}"; do
    awk -v n="$name" -v w="${best_wall[$name]}" -v e="${best_events[$name]}" \
        -v r="${peak_rss[$name]}" -v c="${best_cpu[$name]}" \
        'BEGIN { printf "%-8s %10.3f s %12.0f %7.0f MB %12.2f s\n", n, w, e / w, r / 1024, c }'
done
echo
awk -v f="${best_wall[floor]}" -v r="${best_wall[resolve]}" -v e="${best_events[resolve]}" 'BEGIN {
    ratio = r / f; rate = e / r
    printf "ratio resolve/floor: %.2f (target <= 1.50: %s)\n", ratio, (ratio <= 1.5 ? "met" : "MISSED")
    printf "resolve events/s:    %.0f (target >= 500000: %s)\n", rate, (rate >= 500000 ? "met" : "MISSED")
}'
if [[ ${best_events[floor]} != "${best_events[resolve]}" ]]; then
    echo "note: floor read ${best_events[floor]} events, resolve ${best_events[resolve]}"
fi
echo "load average before: $load_before, after: $(cut -d' ' -f1 /proc/loadavg) (1 min)"
