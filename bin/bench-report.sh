#!/usr/bin/env bash
# bench-report.sh [EVENTS]: how fast perseus-report replays a log.
#
# Generates a synthetic EVENTS-event log (default 1,000,000; examples/gen-log.rs),
# then prints in one run: the time of `perseus-report --table`, the time of a
# jq one-liner tallying the same successful writes per second and node, their
# ratio, events per second for --table, the full summary and the
# leaderboard, what `--html` adds to the full summary, and the peak memory
# of each. Timings are
# the best of 3 runs (the machine is shared).
# Targets: >= 20x jq, >= 3M events/s (--table), >= 1M events/s (summary),
# --html adds <= 25 % to the full summary, --leaderboard as fast per event
# as the full summary and flat in memory over runs, peak memory < 64 MB.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

events="${1:-1000000}"
[[ "$events" =~ ^[0-9]+$ ]] || die "EVENTS must be a number, not '$events'"
need_cmd jq
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (Debian package: time)"

cd "$PERSEUS_ROOT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/bench.jsonl"

say "building (release)"
cargo build --release --quiet --bin perseus-report --example gen-log
report="$PERSEUS_ROOT/target/release/perseus-report"
say "generating a log of $events events"
"$PERSEUS_ROOT/target/release/examples/gen-log" "$events" >"$log"
lines="$(wc -l <"$log")"
bytes="$(wc -c <"$log")"

# measure OUT CMD...: runs CMD with stdout to OUT; prints
# "WALL_SECONDS MAX_RSS_KB CPU_SECONDS" (CPU = user + system).
measure() {
    local out="$1"
    shift
    /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$out"
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$work/time"
}

# best3 OUT CMD...: the fastest wall time of 3 runs, the largest peak
# memory, and the smallest CPU time.
best3() {
    local best="" rss=0 cpu="" t m c
    for _ in 1 2 3; do
        read -r t m c < <(measure "$@")
        if [[ -z "$best" ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best="$t"
        fi
        if [[ -z "$cpu" ]] || awk -v a="$c" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then
            cpu="$c"
        fi
        ((m > rss)) && rss="$m"
    done
    printf '%s %s %s\n' "$best" "$rss" "$cpu"
}

# shellcheck disable=SC2016 # a jq program: $e is jq's, not the shell's
tally='reduce (inputs | select(.ev == "op" and .ok and (.op == "insert" or .op == "update")))
    as $e ({}; .[($e.t_us / 1000000 | floor) + 1 | tostring][$e.node] += 1)'

say "timing perseus-report --table"
read -r table_s table_kb table_cpu < <(best3 "$work/table.out" "$report" --table "$log")
say "timing perseus-report (table and full summary)"
read -r full_s full_kb full_cpu < <(best3 "$work/full.out" "$report" "$log")
say "timing perseus-report --html (table, full summary and the page)"
read -r html_s html_kb html_cpu < <(best3 "$work/html.out" "$report" --text --html "$work/report.html" "$log")
cmp -s "$work/full.out" "$work/html.out" || die "--html changed what goes to stdout"
say "timing perseus-report --leaderboard (the log as one run, then as three)"
read -r board_s board_kb board_cpu < <(best3 "$work/board.out" "$report" --leaderboard "$log")
read -r board3_s board3_kb board3_cpu < <(measure "$work/board3.out" "$report" --leaderboard "$log" "$log" "$log")
say "timing the jq one-liner (once)"
read -r jq_s jq_kb jq_cpu < <(measure "$work/jq.out" jq -n "$tally" "$log")

# The two tallies must agree on the total of successful writes (full seconds
# and the partial last one included on jq's side, so compare the table's
# rows with jq's counts for the same seconds).
report_total="$(awk '!/^#/ { s += $2 } END { print s + 0 }' "$work/table.out")"
rows="$(awk '!/^#/' "$work/table.out" | wc -l)"
jq_total="$(jq --argjson rows "$rows" '[to_entries[] | select((.key | tonumber) <= $rows) | .value[]] | add // 0' "$work/jq.out")"
[[ "$report_total" == "$jq_total" ]] || die "tallies differ: perseus-report $report_total, jq $jq_total"

rate() { awk -v n="$lines" -v s="$1" 'BEGIN { if (s <= 0) s = 0.01; printf "%.2fM", n / s / 1e6 }'; }
ratio="$(awk -v a="$jq_s" -v b="$table_s" 'BEGIN { if (b <= 0) b = 0.01; printf "%.1f", a / b }')"

printf 'log: %s events, %s MB (%s successful writes in %s full seconds; both tallies agree)\n' \
    "$lines" "$((bytes / 1000000))" "$report_total" "$rows"
printf '%-30s %7s s wall %10s events/s  %6s s CPU  peak %4s MB\n' \
    "perseus-report --table" "$table_s" "$(rate "$table_s")" "$table_cpu" "$((table_kb / 1024))" \
    "perseus-report (full summary)" "$full_s" "$(rate "$full_s")" "$full_cpu" "$((full_kb / 1024))" \
    "perseus-report --html (+ page)" "$html_s" "$(rate "$html_s")" "$html_cpu" "$((html_kb / 1024))" \
    "perseus-report --leaderboard" "$board_s" "$(rate "$board_s")" "$board_cpu" "$((board_kb / 1024))" \
    "jq one-liner" "$jq_s" "$(rate "$jq_s")" "$jq_cpu" "$((jq_kb / 1024))"
cpu_ratio="$(awk -v a="$jq_cpu" -v b="$table_cpu" 'BEGIN { if (b <= 0) b = 0.01; printf "%.1f", a / b }')"
printf 'perseus-report --table is %sx the jq one-liner in wall time, %sx in CPU time (target >= 20x)\n' "$ratio" "$cpu_ratio"
overhead() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%+.0f", (a / b - 1) * 100 }'; }
printf -- '--html adds %s %% to the full summary in wall time, %s %% in CPU time (target <= 25 %%); the page: %s kB\n' \
    "$(overhead "$html_s" "$full_s")" "$(overhead "$html_cpu" "$full_cpu")" "$(($(wc -c <"$work/report.html") / 1000))"
printf -- '--leaderboard over the log 3 times: %s s wall, %s s CPU, peak %s MB (one time: %s MB; target: as fast per event as the full summary, memory flat in the number of runs)\n' \
    "$board3_s" "$board3_cpu" "$((board3_kb / 1024))" "$((board_kb / 1024))"
printf 'targets: --table >= 3M events/s, summary >= 1M events/s, peak < 64 MB\n'
printf 'cpus: %s; load average: %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
