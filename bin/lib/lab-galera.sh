# shellcheck shell=bash
# The lab's MariaDB Galera engine: one mariadbd per namespace (settings and
# why: docs/lab.md). Implements the engine interface of bin/lib/lab-engine.sh.
# Needs common.sh, lab-config.sh, lab-proc.sh.

GALERA_PROVIDER=/usr/lib/galera/libgalera_smm.so
# A joiner's state transfer takes several seconds; on a busy 2-core machine
# much longer. Generous, but never endless.
GALERA_WAIT=180

lab_galera_prepare() {
    lab_need mariadbd mariadb-server
    lab_need mariadb mariadb-client
    lab_need mariadb-install-db mariadb-server
    lab_need "$GALERA_PROVIDER" galera-4
    lab_need rsync rsync
    id mysql >/dev/null 2>&1 || die "no user 'mysql' (the mariadb-server package makes it)"
}

# lab_galera_settings: Galera's write-set cache, at Galera's own defaults
# (a rejoining node gets the write sets it missed from it by IST; past it,
# a full state transfer, SST: docs/lab.md).
lab_galera_settings() {
    printf 'gcache.size\t128M\tthe write-set cache (wsrep_provider_options gcache.size)\n'
    printf 'gcache.page_size\t128M\tthe size of each overflow page of the cache (gcache.page_size)\n'
}

lab_galera_check_settings() {
    local key
    for key in "${!WANT_SETTINGS[@]}"; do
        [[ "${WANT_SETTINGS[$key]}" =~ ^[1-9][0-9]{0,5}[KMG]?$ ]] \
            || die "--set $key=${WANT_SETTINGS[$key]}: a size such as 128M, 512K or 1G"
    done
}

lab_galera_components() { printf 'mariadbd\n'; }

# What a node's output says of its state transfers and readiness, as
# perseus-supervise --event takes it (WHAT:TRANSFER:SIDE:TEXT; docs/lab.md,
# "Server events"): the joiner's IST and SST, the donor's, an abort. The
# joiner runs its state-transfer script before the donor has chosen
# between IST and SST (the script then says "rsync SST started" either
# way), so that start names no kind; the script's "rsync SST completed",
# or the IST that follows a bypassed script, decides it. The donor knows
# from the start ("rsync IST started on donor" when it only bypasses).
GALERA_EVENTS=(
    "transfer_started::joiner:--role 'joiner'"
    "transfer_finished:sst:joiner:rsync SST completed on joiner"
    "transfer_failed::joiner:SST failed for position"
    "transfer_started:ist:joiner:Receiving IST: "
    "transfer_finished:ist:joiner:IST received: "
    "transfer_failed::joiner:Will never receive state"
    "transfer_started:ist:donor:async IST sender starting to serve"
    "transfer_finished:ist:donor:async IST sender served"
    "transfer_failed:ist:donor:async IST sender failed to serve"
    "transfer_started:sst:donor:rsync SST started on donor"
    "transfer_finished:sst:donor:rsync SST completed on donor"
    "ready:::Synchronized with group, ready for connections"
)

# lab_galera_entry NODE: the node's fields in the cluster file besides host.
lab_galera_entry() { jq -nc '{db: {port: 3306}}'; }

lab_galera_cnf() { printf '%s/my.cnf\n' "$(lab_node_dir "$1")"; }
lab_galera_socket() { printf '%s/mariadbd.sock\n' "$(lab_node_dir "$1")"; }

# lab_galera_write_cnf NODE: the node's whole configuration; mariadbd reads only
# this file (--defaults-file), never Debian's /etc/mysql.
lab_galera_write_cnf() {
    local node="$1" dir members
    dir="$(lab_node_dir "$node")"
    members="$(for n in $(lab_node_names); do lab_node_addr "$n"; done | paste -sd, -)"
    cat >"$(lab_galera_cnf "$node")" <<CNF
[mariadbd]
user=mysql
datadir=$dir/data
socket=$(lab_galera_socket "$node")
pid-file=$dir/mariadbd.own.pid
# Its own: a server deletes every #sql* file in its tmpdir at start, which
# in a shared /tmp are the other nodes' temporary tables.
tmpdir=$dir/tmp
bind-address=$(lab_node_addr "$node")
port=3306
skip-name-resolve
# Light for three servers on a 2-core machine.
innodb_buffer_pool_size=64M
innodb_flush_log_at_trx_commit=0
performance_schema=OFF
max_connections=200
# Galera.
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$GALERA_PROVIDER
wsrep_provider_options="gcache.size=$(lab_setting gcache.size);gcache.page_size=$(lab_setting gcache.page_size)"
wsrep_cluster_name=$LAB_NAME-lab
wsrep_cluster_address=gcomm://$members
wsrep_node_address=$(lab_node_addr "$node")
wsrep_node_name=$node
wsrep_sst_method=rsync
CNF
}

# lab_galera_init: configuration and data directory of every node. The system
# tables are made once and copied: a joiner's state transfer replaces its
# copy anyway.
lab_galera_init() {
    local node first=""
    for node in $(lab_node_names); do
        mkdir -p "$(lab_node_dir "$node")/tmp"
        lab_galera_write_cnf "$node"
        if [[ -z "$first" ]]; then
            first="$node"
            mariadb-install-db --no-defaults --user=mysql --datadir="$(lab_node_dir "$node")/data" \
                --skip-test-db --auth-root-authentication-method=socket \
                >"$(lab_logfile "$node" install-db)" 2>&1 \
                || { lab_log_tail "$node" install-db; die "node $node: mariadb-install-db failed"; }
        else
            cp -a "$(lab_node_dir "$first")/data" "$(lab_node_dir "$node")/data"
        fi
        # mysql writes its socket and pid file next to the data.
        chown -R mysql:mysql "$(lab_node_dir "$node")"
    done
}

# lab_galera_sql NODE [mariadb ARGS]: root over the node's Unix socket (root is
# identified by the socket, no password); SQL from -e or stdin.
lab_galera_sql() {
    local node="$1"
    shift
    timeout 30 mariadb --no-defaults --protocol=socket --socket="$(lab_galera_socket "$node")" \
        -uroot --connect-timeout=5 -N -B "$@"
}

# lab_galera_vars NODE: wsrep status lines "name<TAB>value".
lab_galera_vars() {
    lab_galera_sql "$1" -e "SHOW GLOBAL STATUS WHERE Variable_name IN
        ('wsrep_ready','wsrep_local_state_comment','wsrep_cluster_status','wsrep_cluster_size')"
}

# lab_galera_ready NODE: synced with a primary component and ready for queries.
lab_galera_ready() {
    local vars
    vars="$(lab_galera_vars "$1")" || return 1
    grep -qx $'wsrep_ready\tON' <<<"$vars" \
        && grep -qx $'wsrep_local_state_comment\tSynced' <<<"$vars" \
        && grep -qx $'wsrep_cluster_status\tPrimary' <<<"$vars"
}

# lab_galera_healthy: the first node that keeps the cluster from being
# whole: its server down or silent, or not ready, not synced, outside the
# primary component, or seeing fewer members than the lab has.
lab_galera_healthy() {
    local node vars problem
    for node in $(lab_node_names); do
        lab_alive "$node" mariadbd || { printf '%s: mariadbd is not running%s\n' "$node" "$(lab_restarting_note "$node" mariadbd)"; return 0; }
        vars="$(lab_galera_vars "$node" 2>/dev/null)" || { printf '%s: mariadbd does not answer\n' "$node"; return 0; }
        problem="$(awk -F'\t' -v want="$LAB_NODES" '{v[$1] = $2} END {
            if (v["wsrep_ready"] != "ON") print "wsrep_ready is " v["wsrep_ready"] " (want ON)"
            else if (v["wsrep_local_state_comment"] != "Synced") print "wsrep_local_state_comment is " v["wsrep_local_state_comment"] " (want Synced)"
            else if (v["wsrep_cluster_status"] != "Primary") print "wsrep_cluster_status is " v["wsrep_cluster_status"] " (want Primary)"
            else if (v["wsrep_cluster_size"] != want) print "wsrep_cluster_size is " v["wsrep_cluster_size"] " (want " want ")"
        }' <<<"$vars")"
        [[ -z "$problem" ]] || { printf '%s: %s\n' "$node" "$problem"; return 0; }
    done
}

# lab_galera_start NODE WAIT [--wsrep-new-cluster]: starts mariadbd as
# Debian's mariadb.service does (Restart=on-abnormal, RestartSec=5s,
# LimitNOFILE=32768; ExecStart recovers the node's position with
# galera_recovery, then execs mariadbd), and, with WAIT "wait", waits until
# it is synced (lab_await). --wsrep-new-cluster holds for the first start
# only, as Debian's galera_new_cluster sets it: a restart joins the cluster.
lab_galera_start() {
    local node="$1" wait="$2" event args=()
    [[ "${3:-}" != --wsrep-new-cluster ]] || args+=(--first-env _WSREP_NEW_CLUSTER=--wsrep-new-cluster)
    for event in "${GALERA_EVENTS[@]}"; do
        args+=(--event "$event")
    done
    # shellcheck disable=SC2016 # expanded by the unit's shell, not here
    lab_supervise "$node" mariadbd on-abnormal 5s --nofile 32768 "${args[@]}" -- /bin/sh -c \
        'set -f; VAR=$(/usr/bin/galera_recovery --defaults-file="$1") || exit 1; exec /usr/sbin/mariadbd --defaults-file="$1" $_WSREP_NEW_CLUSTER $VAR' \
        sh "$(lab_galera_cnf "$node")"
    lab_await "$wait" "$node" mariadbd "$GALERA_WAIT" "synced with the cluster" lab_galera_ready "$node"
    [[ "$wait" == no-wait ]] || say "node $node: mariadbd synced"
}

# lab_galera_up: the first node founds the cluster, the others join one at a
# time (two state transfers at once would only slow each other down).
lab_galera_up() {
    local node
    lab_galera_init
    for node in $(lab_node_names); do
        if [[ "$node" == n1 ]]; then
            lab_galera_start "$node" wait --wsrep-new-cluster
        else
            lab_galera_start "$node" wait
        fi
    done
}

# lab_galera_restart NODE WAIT: back into the running cluster (never a new one).
lab_galera_restart() {
    local node="$1" wait="$2" other live=""
    for other in $(lab_node_names); do
        [[ "$other" == "$node" ]] || ! lab_alive "$other" mariadbd || live=1
    done
    [[ -n "$live" ]] || die "node $node: no other node runs, so there is no cluster to rejoin; rebuild the lab (down, then up)"
    lab_galera_start "$node" "$wait"
}

# lab_galera_status NODE: one field for `lab.sh status`.
lab_galera_status() {
    local vars
    vars="$(lab_galera_vars "$1" 2>/dev/null)" || { printf 'wsrep: no answer\n'; return; }
    awk -F'\t' '{v[$1] = $2} END {printf "wsrep: %s size %s %s\n",
        v["wsrep_cluster_status"], v["wsrep_cluster_size"], v["wsrep_local_state_comment"]}' <<<"$vars"
}

# Every process of mariadbd's unit: the server and its helpers (rsync).
lab_galera_pausable() { printf 'mariadbd\n'; }
lab_galera_schema() { lab_mysql_schema lab_galera_sql; }
lab_galera_password_var() { lab_mysql_password_var; }

# lab_galera_leader: Galera has none: every node takes writes (status 2).
lab_galera_leader() {
    say "galera has no leader: every node takes writes"
    return 2
}

# A Galera node is evicted within seconds; the lab's first experiments
# (20 s cut off, 20 s back) keep those numbers.
lab_galera_fault_window() { printf '20 20\n'; }
lab_galera_record() { :; }
