#!/usr/bin/env bash
# Benchmark of the load generator itself: is the client ever what limits the
# measurement? Runs perseus against three local MariaDB servers and then
# three local PostgreSQL servers (which it starts as user postgres on ports
# 4111-4113, and ends), each protocol once with the event log and once
# without, and prints successful iterations per second, perseus's own CPU time
# per successful iteration, and its memory over the run; then the PostgreSQL
# path's CPU per iteration against the MySQL path's.
#
#   bin/bench-perseus.sh                 20 s per run
#   BENCH_SECS=600 bin/bench-perseus.sh  the 10-minute memory check
#   BENCH_CONNS=4 ...                    connections per node (default 2)
#
# Targets (2-core machine): <= 30 us CPU per iteration, logging adds < 15 %,
# memory flat over the run; the PostgreSQL path within 20 % of the MySQL
# path's CPU per iteration, with its log. CPU is split into user time (perseus's own work:
# protocol, bookkeeping, the log) and system time, which on loopback includes
# the kernel's TCP work for the servers' side of every packet; docs/benchmarks.md
# says how to read the two.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"
# shellcheck source=lib/local-postgres.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-postgres.sh"

SECS="${BENCH_SECS:-20}"
CONNS="${BENCH_CONNS:-2}"
PG_PORTS=(4111 4112 4113)
WORK="$(mktemp -d /tmp/perseus-bench.XXXXXX)"
# User postgres must reach its data directories: a directory of their own.
PG_STATE="$(mktemp -d /tmp/perseus-bench-pg.XXXXXX)"
chmod 755 "$PG_STATE"
export PERSEUS_CLUSTER="$WORK/cluster.json"
export LOCAL_SERVERS_DIR="$WORK/servers"

cleanup() {
    local dir
    "$PERSEUS_ROOT/bin/local-servers.sh" down >/dev/null 2>&1 || true
    for dir in "$PG_STATE"/*/; do
        [[ -d "$dir" ]] && local_pg_down "${dir%/}"
    done
    rm -rf "$WORK" "$PG_STATE"
}
trap cleanup EXIT

need_cmd jq
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (Debian package: time)"
ensure_packages postgresql
need_cmd setpriv util-linux
need_cmd pg_isready postgresql-client
jq -n '{b1: {host: "127.0.0.1", db: {port: 4101}}, b2: {host: "127.0.0.1", db: {port: 4102}},
        b3: {host: "127.0.0.1", db: {port: 4103}}}' >"$PERSEUS_CLUSTER"
jq -n --argjson p "$(printf '%s\n' "${PG_PORTS[@]}" | jq -s .)" \
    '{p1: {host: "127.0.0.1", db: {port: $p[0], protocol: "postgres"}},
      p2: {host: "127.0.0.1", db: {port: $p[1], protocol: "postgres"}},
      p3: {host: "127.0.0.1", db: {port: $p[2], protocol: "postgres"}}}' >"$WORK/pg-cluster.json"
(cd "$PERSEUS_ROOT" && cargo build --release --quiet --bin perseus --example tcp-floor)
"$PERSEUS_ROOT/bin/local-servers.sh" up
for i in 1 2 3; do
    local_pg_up "$PG_STATE/p$i" "${PG_PORTS[i - 1]}"
    PERSEUS_CLUSTER="$WORK/pg-cluster.json" PERSEUS_USER=postgres "$PERSEUS_ROOT/bin/init-lily.sh" "p$i"
done

# run LABEL CLUSTER ARGS...: one timed run; prints a result line and keeps the RSS samples.
run() {
    local label="$1" cluster="$2"
    shift 2
    local pid rss_file="$WORK/rss-$label"
    /usr/bin/time -f '%U %S %M' -o "$WORK/time-$label" \
        "$PERSEUS_ROOT/target/release/perseus" --cluster "$cluster" --duration "$SECS" \
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
        printf "%-12s %10.0f %10.1f %10.1f %10.1f %10d %10s %10s\n", l, n / secs, (u + s) * 1e6 / n,
            u * 1e6 / n, s * 1e6 / n, m, first, last }'
    echo "$(awk '!/^#/ {s += $2} END {print s + 0}' "$WORK/table-$label") $user $sys" >"$WORK/sum-$label"
}

# cpu_per_it LABEL: CPU microseconds per successful iteration of a run.
cpu_per_it() {
    local n u s
    read -r n u s <"$WORK/sum-$1"
    awk -v n="$n" -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }'
}

# logging_cost PROTOCOL: what the log adds to a protocol's runs.
logging_cost() {
    awk -v p="$1" -v on="$(cpu_per_it "$1-on")" -v off="$(cpu_per_it "$1-off")" 'BEGIN {
        printf "%s logging cost: %+.1f us per iteration (%+.0f %% of the run without a log)\n",
            p, on - off, (on - off) * 100 / off }'
}

echo "perseus benchmark: 3 local MariaDB servers and 3 local PostgreSQL servers, in turn;" \
    "$CONNS connection(s) per node, $SECS s per run"
printf '%-12s %10s %10s %10s %10s %10s %10s %10s\n' "run" "iter/s" "cpu_us/it" "user_us/it" "sys_us/it" \
    "maxrss_kB" "rss_first" "rss_last"
# The protocols take turns, so that a load that drifts (other work on the
# machine) falls on both alike.
run mysql-on "$PERSEUS_CLUSTER" --log "$WORK/mysql.jsonl"
run postgres-on "$WORK/pg-cluster.json" --user postgres --log "$WORK/postgres.jsonl"
run mysql-off "$PERSEUS_CLUSTER" --no-log
run postgres-off "$WORK/pg-cluster.json" --user postgres --no-log
for protocol in mysql postgres; do
    logging_cost "$protocol"
    printf '%s log size: %s bytes for %s events\n' "$protocol" "$(stat -c %s "$WORK/$protocol.jsonl")" \
        "$(wc -l <"$WORK/$protocol.jsonl")"
done
awk -v pg="$(cpu_per_it postgres-on)" -v my="$(cpu_per_it mysql-on)" 'BEGIN {
    printf "postgres against mysql, with the log: %.1f against %.1f us per iteration (%+.0f %%; target <= +20 %%)\n",
        pg, my, (pg - my) * 100 / my }'

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
