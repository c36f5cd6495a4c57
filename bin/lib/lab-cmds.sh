# shellcheck shell=bash
# The lab's whole-cluster commands: up, down and env, with the lock that
# keeps two of up, down, kill and start apart. The per-node commands are in
# bin/lib/lab-node.sh, the experiment in bin/lib/lab-experiment.sh. Needs
# common.sh and the other bin/lib/lab-*.sh; bin/lab.sh dispatches to them.

# lab_lock / lab_unlock: one up, down, kill or start at a time. Released
# before a run, whose fault commands call this script again.
lab_lock() {
    exec 9>"/run/perseus-lab-$LAB_NAME.lock"
    flock -w 30 9 || die "another lab.sh up/down/kill/start has held the lab for 30 s; try again"
}
lab_unlock() { exec 9>&-; }

lab_tools() {
    need_root
    lab_need ip iproute2
    lab_need iptables iptables
    lab_need jq jq
    lab_need flock util-linux
}

# lab_whole: every server of every node is there: running, or waiting out
# its restart delay under its supervisor.
lab_whole() {
    local node comp
    for node in $(lab_node_names); do
        for comp in $(lab_engine_call components); do
            lab_supervised "$node" "$comp" || lab_alive "$node" "$comp" || return 1
        done
    done
}

lab_write_cluster() {
    local node
    for node in $(lab_node_names); do
        jq -nc --arg n "$node" --arg h "$(lab_node_addr "$node")" --argjson e "$(lab_engine_call entry "$node")" \
            '{($n): ({host: $h} + $e)}'
    done | jq -s 'add' >"$(lab_cluster)"
}

# lab_schema: database lily, table storage and the client's user perseus,
# as the engine makes them (its SQL, its client).
lab_schema() {
    lab_engine_call schema || die "creating the schema and user perseus failed"
}

lab_up() {
    local engine=galera nodes=3 key
    declare -gA WANT_SETTINGS=()
    while (($#)); do
        case "$1" in
            --engine) [[ $# -ge 2 ]] || die "--engine needs one of: $LAB_KNOWN_ENGINES"; engine="$2"; shift 2 ;;
            --nodes) [[ $# -ge 2 ]] || die "--nodes needs a number"; nodes="$2"; shift 2 ;;
            --set) [[ $# -ge 2 ]] || die "--set needs KEY=VALUE"; lab_parse_setting "$2"; shift 2 ;;
            *) die "up: unknown argument $1 (see --help)" ;;
        esac
    done
    [[ " $LAB_KNOWN_ENGINES " == *" $engine "* ]] || die "unknown engine '$engine' (one of: $LAB_KNOWN_ENGINES)"
    [[ "$nodes" =~ ^[1-9]$ ]] || die "--nodes '$nodes': 1 to 9"
    lab_check_settings "$engine"
    lab_tools
    lab_binaries
    lab_lock
    if [[ -f "$LAB_STATE" ]]; then
        [[ "$LAB_ENGINE" == "$engine" ]] \
            || die "a $LAB_ENGINE lab is up; take it down first ($(basename "$0") down)"
        [[ "$(lab_settings_words)" == "$(lab_want_settings_words)" ]] \
            || die "a $LAB_ENGINE lab is up with settings '$(lab_settings_words)', not '$(lab_want_settings_words)': take it down first ($(basename "$0") down)"
        lab_whole || die "a lab is there but not whole (built halfway, or a node is down): see $(basename "$0") status; $(basename "$0") down clears it"
        say "a $LAB_ENGINE lab with $LAB_NODES nodes is already up: nothing to do ($(basename "$0") status shows it)"
        return 0
    fi
    local foreign
    foreign="$(lab_net_foreign "$nodes")"
    [[ -z "$foreign" ]] || die "$LAB_DIR has no lab, but pieces with its names exist:
$foreign
another lab of that name (take it down with its PERSEUS_LAB_DIR), or leftovers of one whose state is gone (remove them with the commands shown); or choose another PERSEUS_LAB_NAME"
    # Only here, with no lab up: a lab that is up uses its subnet itself.
    lab_subnet_free
    LAB_ENGINE="$engine"
    lab_engine_call prepare
    for key in "${!WANT_SETTINGS[@]}"; do
        LAB_SETTINGS["$key"]="${WANT_SETTINGS[$key]}"
    done
    lab_write_state "$engine" "$nodes"
    [[ -s "$(lab_password_file)" ]] || (umask 077 && od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$(lab_password_file)")
    say "building a $engine lab: $nodes nodes on $LAB_BRIDGE, $LAB_NET.0/24, state in $LAB_DIR${LAB_SETTINGS[*]:+, settings $(lab_settings_words)}"
    lab_net_up
    lab_write_cluster
    lab_engine_call up
    lab_schema
    lab_unlock
    say "lab up: cluster file $(lab_cluster); user perseus, password in $(lab_password_file)"
    say "try: eval \"\$($(basename "$0") env)\"; perseus --cluster \"\$PERSEUS_CLUSTER\" --user perseus"
}

# lab_env: shell lines that point perseus at the lab: the cluster file and
# the password in the variable the engine's protocol reads (MYSQL_PWD,
# PGPASSWORD). For perseus's shell only: the lab's servers never see it.
lab_env() {
    lab_need_up
    printf 'export PERSEUS_CLUSTER=%q\nexport %s=%q\n' "$(lab_cluster)" \
        "$(lab_engine_call password_var)" "$(<"$(lab_password_file)")"
}

lab_down() {
    local pidfile node comp ns pid
    need_root
    lab_lock
    if [[ ! -f "$LAB_STATE" ]]; then
        # Without lab.env nothing is known to be ours: namespaces or a bridge
        # with the lab's names may be another lab's or someone's own.
        if [[ -d "$LAB_DIR" ]]; then
            rmdir "$LAB_DIR/nodes" "$LAB_DIR" 2>/dev/null || say "left $LAB_DIR alone: it is not a lab's state"
        fi
        ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1 \
            || say "bridge $LAB_BRIDGE exists but is not in $LAB_DIR's state: left alone (another PERSEUS_LAB_DIR's lab?)"
        lab_unlock
        say "no lab in $LAB_DIR: nothing to take down"
        return 0
    fi
    # Every recorded server and supervisor, whatever the engine and however
    # far up got (lab_kill ends a supervisor before its server).
    for pidfile in "$LAB_DIR"/nodes/*/*.pid; do
        [[ -e "$pidfile" ]] || continue
        node="$(basename "$(dirname "$pidfile")")"
        comp="$(basename "$pidfile" .pid)"
        lab_kill "$node" "${comp%.supervisor}"
    done
    # What our servers started in the lab's namespaces and left behind (a
    # state transfer's rsync, say): it inherited their mark. Anything else
    # there (a shell someone opened with ip netns exec) is not ours to end.
    for node in $(lab_node_names); do
        ns="$(lab_ns "$node")"
        lab_netns_exists "$ns" || continue
        for pid in $(ip netns pids "$ns"); do
            if lab_marked "$pid"; then
                say "ending PID $pid, left running in namespace $ns"
                kill -KILL "$pid" 2>/dev/null || true
            else
                say "left PID $pid alone: it is in namespace $ns but is not one of the lab's"
            fi
        done
    done
    lab_net_down
    rm -rf "$LAB_DIR"
    lab_unlock
    say "lab down: what up built for $LAB_NAME (servers, namespaces, bridge, rules, its route) is gone"
}
