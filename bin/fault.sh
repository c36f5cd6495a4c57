#!/usr/bin/env bash
# One fault of the vocabulary (docs/lab.md, "Faults") on the node it runs
# on: a real host of the cluster, or a lab node's namespace. Finds the
# node's peers (and, for pause, resume and kill, its database processes)
# from the cluster file. Each action is idempotent and removes exactly what
# it added; see bin/lib/netfault.sh for the chains and the qdisc it owns.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=bin/lib/deps.sh
source "$PERSEUS_ROOT/bin/lib/deps.sh"
# shellcheck source=bin/lib/faultlog.sh
source "$PERSEUS_ROOT/bin/lib/faultlog.sh"
# shellcheck source=bin/lib/grammar.sh
source "$PERSEUS_ROOT/bin/lib/grammar.sh"
# shellcheck source=bin/lib/isolation.sh
source "$PERSEUS_ROOT/bin/lib/isolation.sh"
# shellcheck source=bin/lib/netfault.sh
source "$PERSEUS_ROOT/bin/lib/netfault.sh"

usage() {
    cat <<USAGE
usage: $(basename "$0") [--cluster FILE] [--log FILE] [--state DIR] [--self NODE] [--dry-run]
                ACTION[:ARG] [ARG] NODE          (as root, on NODE itself)

  isolate | isolate-in | isolate-out   drop all traffic between NODE and its peers /
                                     only what comes from them / only what goes to them
  rejoin                             undo every isolation
  partition GROUPS|halves|bridge     this host's share of a partition (GROUPS like
                                     n1,n2|n3,n4,n5): drop traffic to and from every
                                     node that shares no group with this one. Run it on
                                     every member host; --self names this host's node
                                     (default NODE, the partition's target)
  heal-partition                     remove this host's share of a partition
  loss PCT                           drop PCT % of the packets to and from the peers
  bandwidth RATE                     limit the traffic to the peers (tc rate: 1mbit)
  delay MS[/JITTER]                  delay the traffic to the peers (tc netem); with
                                     --dry-run (also for bandwidth): print the tc commands
  heal                               remove every network fault of this host
  pause | resume                     SIGSTOP / SIGCONT the database processes
  kill                               SIGKILL them
  start                              not done here: starting is the host's own business
  status                             the faults in force here

  --cluster FILE  the cluster file (default: \$PERSEUS_CLUSTER or etc/tidb-cluster.json)
  --log FILE      append the fault event to this running perseus log
  --state DIR     where the qdiscs this added are recorded (default $FAULT_STATE_DEFAULT)
USAGE
}

FAULT_STATE_DEFAULT=/run/perseus-fault
# What takes an argument (ACTION:ARG, or the next word).
FAULT_WITH_ARG=" partition loss bandwidth delay "
FAULT_ACTIONS=" isolate isolate-in isolate-out rejoin partition heal-partition loss bandwidth delay heal pause resume kill start status "

fault_args() {
    CLUSTER="$(cluster_file)"
    LOG=""
    STATE="$FAULT_STATE_DEFAULT"
    SELF=""
    DRY=""
    local words=()
    while (($#)); do
        case "$1" in
            -h | --help) usage; exit 0 ;;
            --cluster | --log | --state | --self)
                [[ $# -ge 2 ]] || die "$1 needs a value"
                case "$1" in
                    --cluster) CLUSTER="$2" ;;
                    --log) LOG="$2" ;;
                    --state) STATE="$2" ;;
                    --self) SELF="$2" ;;
                esac
                shift 2
                ;;
            --dry-run) DRY=1; shift ;;
            -*) die "unknown option $1 (see --help)" ;;
            *) words+=("$1"); shift ;;
        esac
    done
    ((${#words[@]} >= 2)) || { usage >&2; exit 2; }
    ACTION="${words[0]}"
    ARG=""
    if [[ "$ACTION" == *:* ]]; then
        ARG="${ACTION#*:}"
        ACTION="${ACTION%%:*}"
    fi
    [[ "$FAULT_ACTIONS" == *" $ACTION "* ]] || die "unknown action '$ACTION' (see --help)"
    local want=2
    if [[ "$FAULT_WITH_ARG" == *" $ACTION "* ]]; then
        [[ "${words[0]}" == *:* ]] || { want=3; ARG="${words[1]:-}"; }
        ((${#words[@]} == want)) || die "$ACTION needs an argument and one node: $ACTION ARG NODE or $ACTION:ARG NODE"
        [[ -n "$ARG" ]] || die "$ACTION: the argument is empty"
    else
        [[ -z "$ARG" ]] || die "$ACTION takes no argument (got '$ARG')"
        ((${#words[@]} == want)) || die "$ACTION takes one node and no argument: $ACTION NODE"
    fi
    NODE="${words[-1]}"
    [[ -z "$DRY" || "$ACTION" == bandwidth || "$ACTION" == delay ]] \
        || die "--dry-run prints tc commands: only for bandwidth and delay"
    # One grammar for what reaches here, from a user or over ssh.
    local why
    why="$(grammar_node "$NODE")" || die "$why"
    [[ -z "$SELF" ]] || { why="$(grammar_node "$SELF")" || die "$why"; }
    if [[ "$FAULT_WITH_ARG" == *" $ACTION "* ]]; then
        why="$(grammar_fault_arg "$ACTION" "$ARG")" || die "$why"
    fi
}

fault_checks() {
    need_root
    command -v iptables >/dev/null 2>&1 || ensure_packages iptables
    command -v jq >/dev/null 2>&1 || ensure_packages jq
    command -v tc >/dev/null 2>&1 || ensure_packages iproute2
    need_cmd iptables
    need_cmd jq
    need_cmd tc iproute2
    cluster_field "$CLUSTER" "$NODE" .host >/dev/null
    [[ -z "$SELF" ]] || cluster_field "$CLUSTER" "$SELF" .host >/dev/null
    LOG_START=""
    [[ -z "$LOG" ]] || { LOG_START="$(faultlog_start "$LOG")" && faultlog_effect_begin; }
}

# fault_procs: the node's database processes in this network namespace (a
# lab shares its PIDs with the host, not its network), by name: TiDB's
# three servers for a node with pd or kv in the cluster file, else MariaDB's
# or MySQL's server.
fault_procs() {
    local names name pid own
    if jq -e --arg n "$NODE" '.[$n] | has("pd") or has("kv")' "$CLUSTER" >/dev/null; then
        names="pd-server tikv-server tidb-server"
    else
        names="mariadbd mysqld"
    fi
    own="$(readlink /proc/self/ns/net)"
    for name in $names; do
        for pid in $(pgrep -x "$name" || true); do
            [[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" == "$own" ]] && printf '%s\n' "$pid"
        done
    done
}

# fault_signal SIGNAL WHAT VERB: SIGNAL to every database process and its
# descendants (a state transfer's rsync, say), parents first. With none
# running, kill has nothing left to do; pause and resume fail.
fault_signal() {
    local pids=() pid
    mapfile -t pids < <(fault_procs)
    if ((${#pids[@]} == 0)); then
        # Killing what is down already is done; pausing or resuming nothing is a mistake.
        [[ "$1" != KILL ]] || { say "node $NODE: no database process runs here: nothing to kill"; return 0; }
        die "node $NODE: no database process runs here, nothing to $3"
    fi
    for pid in "${pids[@]}"; do
        # shellcheck disable=SC2046 # PIDs
        kill -s "$1" $(proc_tree "$pid") 2>/dev/null || true
    done
    faultlog_effect
    say "node $NODE: $2 (PID ${pids[*]})"
}

fault_partition() {
    local self="${SELF:-$NODE}" groups now
    local nodes=() cut=() hosts=()
    mapfile -t nodes < <(cluster_nodes "$CLUSTER")
    groups="$(netfault_resolve "$ARG" "$NODE" "${nodes[@]}")"
    now="$(netfault_state_get "$STATE" partition)"
    if netfault_chain_exists "$NETFAULT_PARTITION_CHAIN" && [[ "$now" != "$groups" ]]; then
        die "node $self: a partition is in force already (${now:-not recorded}); heal it first"
    fi
    mapfile -t cut < <(netfault_cut_from "$groups" "$self" "${nodes[@]}")
    if ((${#cut[@]} == 0)); then
        say "node $self: partition $groups cuts it off from no node: nothing to do here"
        return 0
    fi
    local own n host
    local -A host_of=()
    while read -r n host; do host_of[$n]="$host"; done < <(cluster_hosts "$CLUSTER")
    own="${host_of[$self]}"
    for n in "${cut[@]}"; do
        host="${host_of[$n]}"
        [[ -n "$host" ]] || die "cluster file $CLUSTER: node $n: missing field host"
        netfault_ipv4 "$host" || die "node $n: host '$host': only IPv4 addresses are supported"
        [[ "$host" == "$own" ]] || hosts+=("$host")
    done
    local rules=()
    mapfile -t rules < <(netfault_drop_rules "in out" -- "${hosts[@]}")
    netfault_chain_set "$NETFAULT_PARTITION_CHAIN" "INPUT OUTPUT" "${rules[@]}"
    netfault_state_set "$STATE" partition "$groups"
    GROUPS_DONE="$groups"
    say "node $self: partition $groups: cut off from ${cut[*]}"
}

# fault_delay: refuses, saying what it would have run, where the kernel
# has no netem; nothing changes then.
fault_delay() {
    local peers=("$@") plan
    netfault_delay_check "$ARG"
    if [[ -n "$DRY" ]]; then
        netfault_shape_plan "$STATE" "" "$ARG" "${peers[@]}"
        return
    fi
    if ! netfault_netem_works; then
        plan="$(netfault_shape_plan "$STATE" "" "$ARG" "${peers[@]}")"
        die "delay: this kernel lacks sch_netem (tc's netem qdisc), so no delay can be applied; nothing was changed. It would have run:
$plan"
    fi
    netfault_shape "$STATE" "" "$ARG" "${peers[@]}"
    say "node $NODE: traffic to ${peers[*]} delayed by $(netfault_netem_args "$ARG" | cut -d' ' -f2-)"
}

fault_main() {
    fault_args "$@"
    fault_checks
    GROUPS_DONE=""
    local peers=()
    case "$ACTION" in
        isolate | isolate-in | isolate-out | loss | bandwidth | delay)
            mapfile -t peers < <(netfault_peers "$CLUSTER" "$NODE")
            ((${#peers[@]})) || exit 1
            ;;
    esac
    case "$ACTION" in
        isolate | isolate-in | isolate-out)
            netfault_isolate "$ACTION" "${peers[@]}"
            say "node $NODE: $ACTION from ${peers[*]}"
            ;;
        rejoin) netfault_rejoin; say "node $NODE: talks to its peers again" ;;
        partition) fault_partition ;;
        heal-partition) netfault_unpartition "$STATE"; say "node ${SELF:-$NODE}: its share of any partition removed" ;;
        loss) netfault_loss "$ARG" "${peers[@]}"; say "node $NODE: drops $ARG % of the packets to and from ${peers[*]}" ;;
        bandwidth)
            netfault_rate_check "$ARG"
            if [[ -n "$DRY" ]]; then
                netfault_shape_plan "$STATE" "$ARG" "" "${peers[@]}"
                return
            fi
            netfault_shape "$STATE" "$ARG" "" "${peers[@]}"
            say "node $NODE: traffic to ${peers[*]} limited to $ARG"
            ;;
        delay) fault_delay "${peers[@]}"; [[ -z "$DRY" ]] || return 0 ;;
        heal) netfault_heal "$STATE"; say "node $NODE: every network fault removed" ;;
        pause) fault_signal STOP "paused (SIGSTOP)" pause ;;
        resume) fault_signal CONT "resumed (SIGCONT)" resume ;;
        kill) fault_signal KILL "killed (SIGKILL)" kill ;;
        start) die "start: how this host starts its database (a systemd unit, a script) is its own; use that command, e.g. perseus --fault-cmd 'start=ssh root@HOST systemctl start mariadb'" ;;
        status) netfault_status "$STATE"; return ;;
    esac
    [[ -z "$LOG" ]] || faultlog_append "$LOG" "$LOG_START" "$ACTION" "$NODE" "bin/fault.sh (by hand)" "$ARG" "$GROUPS_DONE"
}

fault_main "$@"
