# shellcheck shell=bash
# The lab's per-node commands: status, kill, start (the other faults are in
# bin/lib/lab-faults.sh). Needs common.sh and the other bin/lib/lab-*.sh.

lab_status() {
    local node ns addr port comp procs pid reach faults extra
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
            elif lab_supervised "$node" "$comp"; then
                procs+="$comp RESTARTING "
            else
                procs+="$comp DOWN "
            fi
        done
        if lab_reachable "$addr" "$port"; then reach="reachable"; else reach="UNREACHABLE"; fi
        if lab_netns_exists "$ns"; then
            faults="faults: $(lab_node_faults "$node")"
        else
            faults="NO NAMESPACE"
        fi
        extra="$(lab_engine_call status "$node")"
        printf '%-4s %s:%s  %s %s  %s  %s\n' "$node" "$addr" "$port" "$procs" "$reach" "$extra" "$faults"
    done
}

lab_kill_node() {
    local node="$1" comp pids=()
    lab_need_node "$node"
    lab_lock
    # The machine loses power: every component's supervisor, server and
    # their descendants get SIGKILL at once, so that none goes on while
    # another is killed (a Patroni leader's PostgreSQL acknowledged a write
    # 0.9 s after its etcd was killed, and lost it); lab_kill then waits
    # for each and catches a server that was in its restart delay.
    for comp in $(lab_engine_call components); do
        mapfile -t -O "${#pids[@]}" pids < <(lab_kill_targets "$node" "$comp")
    done
    if ((${#pids[@]} > 0)); then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        faultlog_effect
    fi
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
