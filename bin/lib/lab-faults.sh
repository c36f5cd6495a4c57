# shellcheck shell=bash
# The lab's fault vocabulary (docs/lab.md, "Faults"): the network faults,
# done by bin/fault.sh (bin/lib/netfault.sh) inside a node's namespace, a
# partition across the namespaces of its members, pause and resume of a
# node's servers, each node's active faults for `status`, and the undo of
# everything (heal, heal-all). Needs common.sh, faultlog.sh, isolation.sh,
# netfault.sh and the other bin/lib/lab-*.sh.

# What takes an argument: `lab.sh ACTION ARG NODE` (or ACTION:ARG NODE).
LAB_FAULT_WITH_ARG=" partition loss bandwidth delay "

lab_partition_file() { printf '%s/partition\n' "$LAB_DIR"; }
lab_fault_state() { printf '%s/faults\n' "$(lab_node_dir "$1")"; }

# lab_fault_sh NODE [OPTION...] ACTION [ARG] TARGET: bin/fault.sh inside
# NODE's namespace, with the lab's cluster file and NODE's fault state.
lab_fault_sh() {
    local node="$1"
    shift
    ip netns exec "$(lab_ns "$node")" "$PERSEUS_ROOT/bin/fault.sh" --cluster "$(lab_cluster)" \
        --state "$(lab_fault_state "$node")" "$@"
}

# lab_fault ACTION [--log FILE] [--dry-run] [ARG] NODE: one fault of the
# vocabulary on NODE (the commands perseus's --fault-cmd runs). With --log,
# appends the fault event to a running perseus log (checked before anything
# changes).
lab_fault() {
    local action="$1" arg="" node="" log="" dry="" start="" groups=""
    shift
    if [[ "$action" == *:* ]]; then arg="${action#*:}"; action="${action%%:*}"; fi
    local words=()
    while (($#)); do
        case "$1" in
            --log) [[ $# -ge 2 ]] || die "--log needs a file"; log="$2"; shift 2 ;;
            --dry-run) dry=1; shift ;;
            -*) die "$action: unknown option $1" ;;
            *) words+=("$1"); shift ;;
        esac
    done
    if [[ "$LAB_FAULT_WITH_ARG" == *" $action "* && -z "$arg" ]]; then
        ((${#words[@]} == 2)) || die "$action ARG NODE (see --help)"
        arg="${words[0]}"
    else
        ((${#words[@]} == 1)) || die "$action NODE (see --help)"
    fi
    node="${words[-1]}"
    [[ -z "$dry" || "$action" == delay || "$action" == bandwidth ]] || die "--dry-run: only for delay and bandwidth"
    need_root
    lab_need_node "$node"
    [[ -z "$log" ]] || { start="$(faultlog_start "$log")" && faultlog_effect_begin; }
    case "$action" in
        isolate)
            ip netns exec "$(lab_ns "$node")" "$PERSEUS_ROOT/bin/isolate.sh" --cluster "$(lab_cluster)" "$node" ;;
        partition) lab_partition "$arg" "$node"; groups="$LAB_GROUPS" ;;
        heal)
            lab_fault_sh "$node" heal "$node"
            lab_partition_heal "$node"
            ;;
        pause) lab_signal_node "$node" STOP ;;
        resume) lab_signal_node "$node" CONT ;;
        delay)
            netfault_delay_check "$arg"
            if [[ -z "$dry" ]] && ! netfault_netem_works; then
                die "delay: this kernel lacks sch_netem (tc's netem qdisc), so no delay can be applied; nothing was changed. In $(lab_ns "$node") it would have run:
$(lab_fault_sh "$node" --dry-run delay "$arg" "$node")"
            fi
            lab_fault_sh "$node" ${dry:+--dry-run} delay "$arg" "$node"
            ;;
        *) lab_fault_sh "$node" ${dry:+--dry-run} "$action" ${arg:+"$arg"} "$node" ;;
    esac
    [[ -z "$log" || -n "$dry" ]] \
        || faultlog_append "$log" "$start" "$action" "$node" "bin/lab.sh $action${arg:+ $arg} $node (by hand)" "$arg" "$groups"
}

# lab_partition SPEC TARGET: the partition's groups (a shape resolved as
# src/partition.rs does, or explicit), recorded in the lab's state, and each
# node's share in its own namespace, all at once. Sets LAB_GROUPS. The same
# partition again changes nothing; another while one is in force is refused.
lab_partition() {
    local spec="$1" target="$2" node file pids=() failed=""
    local names=()
    mapfile -t names < <(lab_node_names)
    LAB_GROUPS="$(netfault_resolve "$spec" "$target" "${names[@]}")"
    file="$(lab_partition_file)"
    if [[ -f "$file" && "$(<"$file")" != "$LAB_GROUPS" ]]; then
        die "a partition is in force already ($(<"$file")): heal it first ($(basename "$0") heal NODE, for a node of it, or heal-all)"
    fi
    # Noted first, so that heal and heal-all know it however far this gets.
    printf '%s\n' "$LAB_GROUPS" >"$file"
    for node in "${names[@]}"; do
        [[ -n "$(netfault_cut_from "$LAB_GROUPS" "$node" "${names[@]}")" ]] || continue
        lab_fault_sh "$node" --self "$node" partition "$LAB_GROUPS" "$target" &
        pids+=("$node:$!")
    done
    for node in "${pids[@]}"; do
        wait "${node#*:}" || failed+=" ${node%%:*}"
    done
    [[ -z "$failed" ]] || die "partition $LAB_GROUPS: failed on$failed (heal-all removes what was applied)"
}

# lab_partition_heal NODE: when NODE takes part in the partition in force,
# removes it from every node's namespace.
lab_partition_heal() {
    local file groups node
    file="$(lab_partition_file)"
    [[ -f "$file" ]] || return 0
    groups="$(<"$file")"
    [[ ",${groups//|/,}," == *",$1,"* ]] || return 0
    lab_partition_clear
}

lab_partition_clear() {
    local node pids=() failed=""
    for node in $(lab_node_names); do
        lab_fault_sh "$node" heal-partition "$node" &
        pids+=("$node:$!")
    done
    for node in "${pids[@]}"; do
        wait "${node#*:}" || failed+=" ${node%%:*}"
    done
    [[ -z "$failed" ]] || die "healing the partition failed on$failed"
    rm -f "$(lab_partition_file)"
}

# lab_signal_node NODE STOP|CONT: pause or resume NODE's pausable servers
# (lab_E_pausable), each with every process of its unit: Patroni with the
# PostgreSQL it runs, but not etcd nor the router.
lab_signal_node() {
    local node="$1" sig="$2" comp pids done=""
    for comp in $(lab_engine_call pausable); do
        pids="$(lab_unit_pids "$node" "$comp")"
        [[ -n "$pids" ]] || continue
        # shellcheck disable=SC2086 # PIDs
        kill -s "$sig" $pids 2>/dev/null || true
        faultlog_effect
        done+=" $comp ($(lab_pid "$node" "$comp" || echo '?'))"
    done
    [[ -n "$done" ]] || die "node $node: no server of it runs (killed?), nothing to $([[ $sig == STOP ]] && echo pause || echo resume)"
    case "$sig" in
        STOP) say "node $node: paused (SIGSTOP):$done" ;;
        CONT) say "node $node: resumed (SIGCONT):$done" ;;
    esac
}

# lab_node_paused NODE: a pausable server of NODE is stopped (SIGSTOP).
lab_node_paused() {
    local comp pid
    for comp in $(lab_engine_call pausable); do
        pid="$(lab_pid "$1" "$comp")" || continue
        # The state is the field after the command's name, which may hold spaces.
        [[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != T ]] || return 0
    done
    return 1
}

# lab_node_faults NODE: its faults in force, as `status` shows them.
lab_node_faults() {
    local net groups=""
    net="$(lab_fault_sh "$1" status "$1" 2>/dev/null)" || net="?"
    # A member cut off from no node (a bridge's) has no rules, yet is part
    # of the partition.
    [[ ! -f "$(lab_partition_file)" ]] || groups="$(<"$(lab_partition_file)")"
    if [[ -n "$groups" && ",${groups//|/,}," == *",$1,"* && "$net" != *partition* ]]; then
        [[ "$net" == none ]] && net="partition $groups" || net+=", partition $groups"
    fi
    if lab_node_paused "$1"; then
        [[ "$net" == none ]] && net="paused" || net="paused, $net"
    fi
    printf '%s\n' "$net"
}

# lab_heal_all: every fault of every node (the `heal-all` command): each
# node healed as after an experiment (lab_heal_node: resumed, its network
# faults and any partition removed, started if down).
lab_heal_all() {
    local node
    lab_tools
    lab_need_up
    for node in $(lab_node_names); do
        lab_heal_node "$node"
    done
    rm -f "$(lab_partition_file)"
    say "every fault of every node removed"
}
