# shellcheck shell=bash
# The lab's per-node commands: status, kill, start, isolate, rejoin. Needs
# common.sh, isolation.sh (the chain isolate.sh owns) and the other
# bin/lib/lab-*.sh.

# lab_node_isolated NODE: bin/isolate.sh's chain exists in NODE's namespace.
lab_node_isolated() {
    ip netns exec "$(lab_ns "$1")" iptables -w 10 -S "$ISOLATE_CHAIN" >/dev/null 2>&1
}

lab_status() {
    local node ns addr port comp procs pid reach isolated extra
    [[ -f "$LAB_STATE" ]] || { say "no lab is up"; return 0; }
    need_root
    printf '%s lab, %s nodes, bridge %s (host %s), cluster file %s\n' \
        "$LAB_ENGINE" "$LAB_NODES" "$LAB_BRIDGE" "$(lab_host_addr)" "$(lab_cluster)"
    for node in $(lab_node_names); do
        ns="$(lab_ns "$node")"
        addr="$(lab_node_addr "$node")"
        port="$(cluster_field "$(lab_cluster)" "$node" .db.port 2>/dev/null || echo '?')"
        procs=""
        for comp in $(lab_engine_call components); do
            if pid="$(lab_pid "$node" "$comp")"; then
                procs+="$comp up ($pid) "
            else
                procs+="$comp DOWN "
            fi
        done
        if lab_reachable "$addr" "$port"; then reach="reachable"; else reach="UNREACHABLE"; fi
        isolated="joined"
        if ! lab_netns_exists "$ns"; then
            isolated="NO NAMESPACE"
        elif lab_node_isolated "$node"; then
            isolated="ISOLATED"
        fi
        extra="$(lab_engine_call status "$node")"
        printf '%-4s %s:%s  %s %s  %s  %s\n' "$node" "$addr" "$port" "$procs" "$reach" "$isolated" "$extra"
    done
}

lab_kill_node() {
    local node="$1" comp
    lab_need_node "$node"
    lab_lock
    for comp in $(lab_engine_call components); do
        lab_kill "$node" "$comp"
    done
    lab_unlock
    say "node $node: killed (SIGKILL)"
}

# lab_start_node NODE [WAIT]: starts NODE's servers that are down; WAIT is
# "wait" (the default: until they serve) or "no-wait" (once launched).
lab_start_node() {
    local node="$1" wait="${2:-wait}"
    lab_need_node "$node"
    lab_lock
    lab_engine_call restart "$node" "$wait"
    lab_unlock
}

# lab_fault ACTION [--log FILE] NODE: bin/ACTION.sh inside NODE's namespace,
# with the lab's own cluster file.
lab_fault() {
    local action="$1" node="" log=()
    shift
    while (($#)); do
        case "$1" in
            --log) [[ $# -ge 2 ]] || die "--log needs a file"; log=(--log "$2"); shift 2 ;;
            -*) die "$action: unknown option $1" ;;
            *) node="$1"; shift ;;
        esac
    done
    [[ -n "$node" ]] || die "$action: which node?"
    need_root
    lab_need_node "$node"
    ip netns exec "$(lab_ns "$node")" "$PERSEUS_ROOT/bin/$action.sh" --cluster "$(lab_cluster)" "${log[@]}" "$node"
}
