# shellcheck shell=bash
# The lab's TiDB engine: PD, TiKV and TiDB in every namespace, run by the
# TiDB scripts (bin/run-pd.sh, bin/run-kv.sh, bin/run-db.sh NODE) with the
# binaries of bin/get-tidb.sh. Thin on purpose: network, processes, waits,
# schema and cluster file are the lab's shared steps. Implements the engine
# interface of bin/lib/lab-engine.sh. bin/lib/tidb.sh (the TiDB scripts'
# own) says where the binaries are.

TIDB_WAIT=120

lab_tidb_prepare() {
    local script bin
    lab_need mariadb mariadb-client # schema and readiness, over SQL
    for script in run-pd run-kv run-db; do
        [[ -x "$PERSEUS_ROOT/bin/$script.sh" ]] \
            || die "bin/$script.sh is missing: the tidb engine needs the TiDB scripts (bin/get-tidb.sh, bin/run-*.sh)"
    done
    # bin/lib/tidb.sh: dies with a pointer to bin/get-tidb.sh when one is missing.
    for bin in pd-server tikv-server tidb-server; do
        tidb_binary "$bin" >/dev/null
    done
}

lab_tidb_components() { printf 'pd\nkv\ndb\n'; }

lab_tidb_entry() {
    jq -nc --arg n "$1" '{
        db: {port: 4000, statusPort: 10080},
        kv: {name: ("kv-" + $n), port: 20160, statusPort: 20180},
        pd: {name: ("pd-" + $n), clientPort: 2379, peerPort: 2380}}'
}

lab_tidb_config_dir() { printf '%s/tidb\n' "$LAB_DIR"; }

# lab_tidb_write_configs: TiDB's settings for one per node on a 2-core
# machine; TiKV's are etc/tikv-one-machine.toml, shared with bin/run-kv.sh.
lab_tidb_write_configs() {
    local dir
    dir="$(lab_tidb_config_dir)"
    mkdir -p "$dir"
    cat >"$dir/tidb.toml" <<'TOML'
# One TiDB per node on a 2-core machine.
[performance]
max-procs = 2
TOML
}

# The TiDB engine takes no settings yet (its configuration is etc/'s).
lab_tidb_settings() { :; }
lab_tidb_check_settings() { :; }

# lab_tidb_launch NODE COMPONENT: bin/run-COMPONENT.sh NODE in the foreground,
# inside NODE's namespace, with the environment the TiDB scripts read,
# supervised as TiUP's systemd units run each server (Restart=always,
# RestartSec=15s, LimitNOFILE=1000000).
lab_tidb_launch() {
    local node="$1" comp="$2" dir
    dir="$(lab_tidb_config_dir)"
    mkdir -p "$(lab_node_dir "$node")"
    lab_supervise "$node" "$comp" always 15s --nofile 1000000 -- env \
        PERSEUS_CLUSTER="$(lab_cluster)" TIDB_BIN_DIR="$(tidb_bin_dir)" \
        PERSEUS_DATA_DIR="$LAB_DIR/data" \
        TIKV_CONFIG="$PERSEUS_ROOT/etc/tikv-one-machine.toml" TIDB_CONFIG="$dir/tidb.toml" \
        "$PERSEUS_ROOT/bin/run-$comp.sh" "$node"
}

lab_tidb_sql() {
    local node="$1"
    shift
    timeout 30 mariadb --no-defaults -h "$(lab_node_addr "$node")" -P "$(lab_tidb_port "$node" db)" \
        -uroot --connect-timeout=5 -N -B "$@"
}

# lab_tidb_port NODE COMPONENT: the port the host waits on.
lab_tidb_port() {
    case "$2" in
        pd) cluster_field "$(lab_cluster)" "$1" .pd.clientPort ;;
        kv) cluster_field "$(lab_cluster)" "$1" .kv.port ;;
        db) cluster_field "$(lab_cluster)" "$1" .db.port ;;
    esac
}

# lab_tidb_comp_ready NODE COMPONENT: PD and TiKV listen; TiDB answers SQL.
lab_tidb_comp_ready() {
    if [[ "$2" == db ]]; then
        lab_tidb_sql "$1" -e 'SELECT 1' >/dev/null
    else
        lab_reachable "$(lab_node_addr "$1")" "$(lab_tidb_port "$1" "$2")"
    fi
}

lab_tidb_ready() { lab_tidb_comp_ready "$1" db; }

# lab_tidb_up: all PDs together (they form their cluster from the initial
# member list), then all TiKVs, then all TiDBs.
lab_tidb_up() {
    local comp node
    lab_tidb_write_configs
    for comp in pd kv db; do
        for node in $(lab_node_names); do
            lab_tidb_launch "$node" "$comp"
        done
        for node in $(lab_node_names); do
            lab_wait "$node" "$comp" "$TIDB_WAIT" ready lab_tidb_comp_ready "$node" "$comp"
        done
        say "all $comp servers ready"
    done
}

# lab_tidb_restart NODE WAIT: whatever of PD, TiKV, TiDB is down, in that
# order (with "no-wait" all launched at once: TiKV and TiDB retry their PD).
lab_tidb_restart() {
    local node="$1" wait="$2" comp
    for comp in pd kv db; do
        lab_supervised "$node" "$comp" && continue
        lab_tidb_launch "$node" "$comp"
        lab_await "$wait" "$node" "$comp" "$TIDB_WAIT" ready lab_tidb_comp_ready "$node" "$comp"
    done
    [[ "$wait" == no-wait ]] || say "node $node: PD, TiKV and TiDB running"
}

# lab_tidb_healthy: the first thing that keeps the cluster from being whole:
# a server down, PD's view (tidb_cluster_problem: not initialized, Regions
# missing a peer), a TiDB that does not answer SQL.
lab_tidb_healthy() {
    local node comp problem
    for node in $(lab_node_names); do
        for comp in $(lab_tidb_components); do
            lab_alive "$node" "$comp" || { printf '%s: %s is not running%s\n' "$node" "$comp" "$(lab_restarting_note "$node" "$comp")"; return 0; }
        done
    done
    problem="$(tidb_cluster_problem "$(lab_cluster)")" || problem="cannot read $(lab_cluster)"
    [[ -z "$problem" ]] || { printf '%s\n' "$problem"; return 0; }
    for node in $(lab_node_names); do
        lab_tidb_ready "$node" 2>/dev/null || { printf '%s: TiDB does not answer SQL\n' "$node"; return 0; }
    done
}

lab_tidb_status() {
    if lab_tidb_ready "$1" 2>/dev/null; then printf 'sql: answers\n'; else printf 'sql: no answer\n'; fi
}

lab_tidb_pausable() { printf 'pd\nkv\ndb\n'; }
lab_tidb_schema() { lab_mysql_schema lab_tidb_sql; }
lab_tidb_password_var() { lab_mysql_password_var; }

# lab_tidb_leader: the node of the Region leader of lily.storage, else of
# the PD leader (lab_tidb_find_leader, bin/lib/lab-leader.sh).
lab_tidb_leader() {
    local tmp node=""
    tmp="$(mktemp -d)"
    node="$(lab_tidb_find_leader "$tmp")" || true
    rm -rf "$tmp"
    [[ -n "$node" ]] || { say "found neither the Region leader of lily.storage nor the PD leader"; return 1; }
    printf '%s\n' "$node"
}

lab_tidb_fault_window() { printf '20 20\n'; }
lab_tidb_record() { :; }
