# shellcheck shell=bash
# What the patroni engine's servers say of the cluster, over their HTTP
# APIs: Patroni's REST API (/leader, /patroni, /cluster, /history, /health)
# and etcd's /health; and what the lab makes of it: the leader, each node's
# role for `status`, the readiness check, the record of an experiment.
# Needs common.sh, lab-config.sh, lab-proc.sh and lab-patroni-conf.sh.

# lab_patroni_get NODE PATH: the body of Patroni's answer on NODE, whatever
# its status (/patroni answers 503 on a replica with a body all the same);
# fails when nothing answers within 3 s.
lab_patroni_get() {
    curl -sS --max-time 3 "http://$(lab_node_addr "$1"):$PATRONI_REST_PORT$2" 2>/dev/null
}

# lab_patroni_code NODE PATH: the HTTP status of Patroni's answer (000: none).
lab_patroni_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
        "http://$(lab_node_addr "$1"):$PATRONI_REST_PORT$2" 2>/dev/null || true
}

# lab_patroni_etcd_healthy NODE: the node's etcd member answers and its
# cluster has a leader.
lab_patroni_etcd_healthy() {
    curl -sS --max-time 3 "http://$(lab_node_addr "$1"):$PATRONI_ETCD_CLIENT_PORT/health" 2>/dev/null \
        | jq -e '.health == "true"' >/dev/null 2>&1
}

# lab_patroni_is_leader NODE: its Patroni holds the leader lock (as it sees it).
lab_patroni_is_leader() { [[ "$(lab_patroni_code "$1" /leader)" == 200 ]]; }

# lab_patroni_running NODE: its Patroni says PostgreSQL runs (/health).
lab_patroni_running() { [[ "$(lab_patroni_code "$1" /health)" == 200 ]]; }

# lab_patroni_cluster: the cluster as Patroni's /cluster tells it (members
# with role, state, timeline, lag), from the first node that answers with
# a leader in it, else from the first that answers at all.
lab_patroni_cluster() {
    local node json any=""
    for node in $(lab_node_names); do
        json="$(lab_patroni_get "$node" /cluster)" || continue
        jq -e '.members | type == "array"' >/dev/null 2>&1 <<<"$json" || continue
        if jq -e 'any(.members[]; .role == "leader")' >/dev/null 2>&1 <<<"$json"; then
            printf '%s\n' "$json"
            return 0
        fi
        [[ -n "$any" ]] || any="$json"
    done
    [[ -n "$any" ]] || return 1
    printf '%s\n' "$any"
}

# lab_patroni_leader: the node whose Patroni answers 200 on /leader. Right
# after a cut two may (the old leader until it demotes itself): then the
# one that /cluster names, the other said on stderr. None: status 1.
lab_patroni_leader() {
    local node claims=() named
    for node in $(lab_node_names); do
        ! lab_patroni_is_leader "$node" || claims+=("$node")
    done
    case "${#claims[@]}" in
        0) say "no leader is elected now: no node's Patroni answers 200 on /leader"; return 1 ;;
        1) printf '%s\n' "${claims[0]}"; return 0 ;;
    esac
    named="$(lab_patroni_cluster | jq -r '.members[] | select(.role == "leader") | .name' 2>/dev/null)" || named=""
    if [[ -n "$named" && " ${claims[*]} " == *" $named "* ]]; then
        say "${claims[*]} all answer as leader; the cluster (/cluster) names $named, the others have not demoted themselves yet"
        printf '%s\n' "$named"
        return 0
    fi
    say "${claims[*]} all answer as leader and /cluster names none of them"
    return 1
}

# lab_patroni_status NODE: the node as Patroni's /cluster has it: role,
# state, timeline, lag behind the leader (bytes).
lab_patroni_status() {
    local json
    json="$(lab_patroni_cluster)" || { printf 'patroni: no answer\n'; return; }
    jq -r --arg n "$1" '[.members[] | select(.name == $n)] | if length == 0 then "patroni: not a member"
        else .[0] | "patroni: \(.role) \(.state) timeline \(.timeline // "?")"
            + (if .role == "leader" then "" else " lag \(.lag // "?")" end) end' <<<"$json"
}

# lab_patroni_healthy: the first thing that keeps the cluster from being
# whole: a server down, an etcd member unhealthy, no leader or two, a
# PostgreSQL not running, a replica not streaming from the leader, on
# another timeline or behind it, a router that does not reach the leader.
lab_patroni_healthy() {
    local node comp leader lead me
    for node in $(lab_node_names); do
        for comp in $(lab_patroni_components); do
            lab_alive "$node" "$comp" || { printf '%s: %s is not running%s\n' "$node" "$comp" "$(lab_restarting_note "$node" "$comp")"; return 0; }
        done
        lab_patroni_etcd_healthy "$node" || { printf '%s: etcd is not healthy (no answer, or its cluster has no leader)\n' "$node"; return 0; }
    done
    leader="$(lab_patroni_leader 2>/dev/null)" || { printf 'no leader elected (no Patroni answers 200 on /leader)\n'; return 0; }
    lead="$(lab_patroni_get "$leader" /patroni)" || { printf '%s: the leader'"'"'s Patroni does not answer\n' "$leader"; return 0; }
    for node in $(lab_node_names); do
        [[ "$node" != "$leader" ]] || continue
        me="$(lab_patroni_get "$node" /patroni)" || { printf '%s: its Patroni does not answer\n' "$node"; return 0; }
        lab_patroni_replica_problem "$node" "$leader" "$lead" "$me" && return 0
    done
    for node in $(lab_node_names); do
        lab_patroni_router_reaches_leader "$node" \
            || { printf '%s: its router (port %s) does not reach the leader %s yet\n' "$node" "$PATRONI_ROUTER_PORT" "$leader"; return 0; }
    done
}

# lab_patroni_replica_problem NODE LEADER LEADER_JSON NODE_JSON: prints
# what keeps NODE from being a streaming replica of LEADER, caught up, on
# its timeline (from both /patroni answers, the leader's first). A replica
# ahead of the leader has WAL the leader never wrote: a moment's (a
# checkpoint between the two reads) passes at the next poll; one that
# stays means two histories. Fails when nothing keeps it.
lab_patroni_replica_problem() {
    local node="$1" leader="$2" problem
    problem="$(jq -nr --arg n "$node" --arg l "$leader" --argjson lead "$3" --argjson me "$4" '
        ([$lead.replication[]? | select(.application_name == $n)][0].state // "absent") as $stream
        | ($lead.xlog.location // 0) as $at | ($me.xlog.replayed_location // 0) as $done
        | if $me.state != "running" then "PostgreSQL is \($me.state) (Patroni), not running"
          elif $me.role != "replica" then "its role is \($me.role), not replica"
          elif $stream != "streaming" then "not streaming from the leader \($l) (its replication: \($stream))"
          elif $me.timeline != $lead.timeline then "on timeline \($me.timeline), the leader \($l) on \($lead.timeline)"
          elif $at > $done then "\($at - $done) bytes behind the leader \($l)"
          elif $done > $at then "\($done - $at) bytes ahead of the leader \($l): their histories have diverged (a former leader took the lock back?), and it will not catch up by itself (patronictl reinit, or down and up)"
          else empty end')" || problem="cannot read its Patroni's answer"
    [[ -n "$problem" ]] || return 1
    printf '%s: %s%s%s\n' "$node" "$problem" "$(lab_patroni_rewind_note "$node")" "$(lab_patroni_wal_note "$node")"
}

# lab_patroni_wal_note NODE: when the node's PostgreSQL last said why the
# leader's WAL does not follow its own (two histories), that line.
lab_patroni_wal_note() {
    local last
    last="$(tail -n 200 "$(lab_logfile "$1" patroni)" 2>/dev/null \
        | grep -E 'incorrect prev-link|is not a child of|requested starting point .* is ahead|not in this server.s history' | tail -n 1)" || true
    [[ -z "$last" ]] || printf '; its PostgreSQL says: %s' "${last#*LOG:  }"
}

# lab_patroni_rewind_note NODE: when the node's last pg_rewind failed, says
# so: it will not come back by itself (Patroni leaves its data alone).
lab_patroni_rewind_note() {
    local last
    last="$(grep -E 'pg_rewind exit code=|Failed to rewind from' "$(lab_logfile "$1" patroni)" 2>/dev/null | tail -n 1)" || true
    [[ -z "$last" || "$last" == *"exit code=0"* ]] \
        || printf '; its pg_rewind failed (%s): it will not come back by itself, see %s' \
            "${last##*INFO: }" "$(lab_logfile "$1" patroni)"
}

# lab_patroni_router_reaches_leader NODE: a client of NODE's router (as
# perseus, the lab's user) lands on a PostgreSQL that takes writes.
lab_patroni_router_reaches_leader() {
    local got
    got="$(PGPASSWORD="$(<"$(lab_password_file)")" PGCONNECT_TIMEOUT=3 timeout 10 \
        "$PATRONI_PG_BIN/psql" -X -A -t -h "$(lab_node_addr "$1")" -p "$PATRONI_ROUTER_PORT" \
        -U perseus -d lily -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" || return 1
    [[ "$got" == t ]]
}

# lab_patroni_record DIR WHEN: the cluster as /cluster has it, before or
# after the run (each node's role, state, timeline and lag), and after it
# the leaders' history (/history: timeline, LSN, reason, time, leader).
lab_patroni_record() {
    local dir="$1" when="$2" node
    lab_patroni_cluster >"$dir/patroni-cluster-$when.json" 2>/dev/null \
        || printf '{"error": "no Patroni answered /cluster"}\n' >"$dir/patroni-cluster-$when.json"
    [[ "$when" == after ]] || return 0
    for node in $(lab_node_names); do
        lab_patroni_get "$node" /history >"$dir/patroni-history.json" && return 0
    done
    printf '{"error": "no Patroni answered /history"}\n' >"$dir/patroni-history.json"
}
