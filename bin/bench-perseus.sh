#!/usr/bin/env bash
# Benchmark of the load generator itself: is the client ever what limits the
# measurement? Runs perseus against three local MariaDB servers, once with the
# event log and once without, and prints successful iterations per second,
# perseus's own CPU time per successful iteration, and its memory over the run.
#
#   bin/bench-perseus.sh                 20 s per run
#   BENCH_SECS=600 bin/bench-perseus.sh  the 10-minute memory check
#   BENCH_CONNS=4 ...                    connections per node (default 2)
#
# Targets (2-core machine): <= 30 us CPU per iteration, logging adds < 15 %,
# memory flat over the run. CPU is split into user time (perseus's own work:
# protocol, bookkeeping, the log) and system time, which on loopback includes
# the kernel's TCP work for the servers' side of every packet; docs/benchmarks.md
# says how to read the two.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SECS="${BENCH_SECS:-20}"
CONNS="${BENCH_CONNS:-2}"
WORK="$(mktemp -d /tmp/perseus-bench.XXXXXX)"
export PERSEUS_CLUSTER="$WORK/cluster.json"
export LOCAL_SERVERS_DIR="$WORK/servers"

cleanup() {
    "$PERSEUS_ROOT/bin/local-servers.sh" down >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

need_cmd jq
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (Debian package: time)"
jq -n '{b1: {host: "127.0.0.1", db: {port: 4101}}, b2: {host: "127.0.0.1", db: {port: 4102}},
        b3: {host: "127.0.0.1", db: {port: 4103}}}' >"$PERSEUS_CLUSTER"
(cd "$PERSEUS_ROOT" && cargo build --release --quiet --bin perseus --example tcp-floor)
"$PERSEUS_ROOT/bin/local-servers.sh" up

# run LABEL ARGS...: one timed run; prints a result line and keeps the RSS samples.
run() {
    local label="$1"
    shift
    local pid rss_file="$WORK/rss-$label"
    /usr/bin/time -f '%U %S %M' -o "$WORK/time-$label" \
        "$PERSEUS_ROOT/target/release/perseus" --cluster "$PERSEUS_CLUSTER" --duration "$SECS" \
        --conns "$CONNS" "$@" >"$WORK/table-$label" 2>"$WORK/stderr-$label" &
    pid=$!
    : >"$rss_file"
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        # /usr/bin/time's child is perseus: sample its resident set size.
        local child
        child="$(pgrep -P "$pid" -x perseus || true)"
        if [[ -n "$child" ]]; then
            awk '/VmRSS/ {print $2}' "/proc/$child/status" >>"$rss_file" 2>/dev/null || true
        fi
    done
    wait "$pid" || die "perseus failed: $(cat "$WORK/stderr-$label")"
    local user sys maxrss iterations
    read -r user sys maxrss <"$WORK/time-$label"
    iterations="$(awk '!/^#/ {s += $2} END {print s + 0}' "$WORK/table-$label")"
    awk -v l="$label" -v u="$user" -v s="$sys" -v m="$maxrss" -v n="$iterations" -v secs="$SECS" \
        -v first="$(head -n1 "$rss_file")" -v last="$(tail -n1 "$rss_file")" 'BEGIN {
        printf "%-8s %10.0f %10.1f %10.1f %10.1f %10d %10s %10s\n", l, n / secs, (u + s) * 1e6 / n,
            u * 1e6 / n, s * 1e6 / n, m, first, last }'
    echo "$(awk '!/^#/ {s += $2} END {print s + 0}' "$WORK/table-$label") $user $sys" >"$WORK/sum-$label"
}

echo "perseus benchmark: 3 local MariaDB servers, $CONNS connection(s) per node, $SECS s per run"
printf '%-8s %10s %10s %10s %10s %10s %10s %10s\n' "log" "iter/s" "cpu_us/it" "user_us/it" "sys_us/it" \
    "maxrss_kB" "rss_first" "rss_last"
run on --log "$WORK/events.jsonl"
run off --no-log
read -r n_on u_on s_on <"$WORK/sum-on"
read -r n_off u_off s_off <"$WORK/sum-off"
awk -v a="$n_on" -v ua="$u_on" -v sa="$s_on" -v b="$n_off" -v ub="$u_off" -v sb="$s_off" 'BEGIN {
    on = (ua + sa) * 1e6 / a; off = (ub + sb) * 1e6 / b
    printf "logging cost: %+.1f us per iteration (%+.0f %% of the run without a log)\n", on - off, (on - off) * 100 / off }'
printf 'log size: %s bytes for %s events\n' "$(stat -c %s "$WORK/events.jsonl")" "$(wc -l <"$WORK/events.jsonl")"

# The floor: what one blocking loopback round trip costs any client in system
# time here (each iteration of perseus makes two).
floor="$PERSEUS_ROOT/target/release/examples/tcp-floor"
port=4199
"$floor" server "$port" &
server_pid=$!
sleep 0.3
/usr/bin/time -f '%U %S' -o "$WORK/time-floor" "$floor" client "$port" 200000
wait "$server_pid" || true
read -r fu fs <"$WORK/time-floor"
awk -v u="$fu" -v s="$fs" 'BEGIN {
    printf "floor: one loopback TCP round trip costs a client %.1f us system + %.1f us user (x2 per iteration)\n",
        s * 1e6 / 200000, u * 1e6 / 200000 }'
