# shellcheck shell=bash
# Network faults of one node, in the network namespace this runs in (a real
# host, or a lab node's namespace): one-way isolations, a partition's share,
# random loss (iptables chains of our own), and bandwidth and delay on the
# node's traffic to its peers (a root qdisc of our own). Shared by
# bin/fault.sh (real hosts) and the lab (bin/lib/lab-faults.sh runs
# bin/fault.sh inside a node's namespace); engine-independent. Also the
# partition shapes (as src/partition.rs resolves them) and the netem probe.
# Needs common.sh, isolation.sh for ISOLATE_CHAIN and ipt, faultlog.sh
# (faultlog_effect: the moment a fault took effect, for perseus) and
# grammar.sh (the arguments' grammar).
#
# Ownership: every chain below is created, filled and deleted only here
# (PERSEUS-ISOLATE belongs to bin/isolate.sh; `rejoin` and `heal` remove it
# as bin/rejoin.sh does); each gets one jump from the top of INPUT and/or
# OUTPUT. A root qdisc is added only where the device has the kernel's
# default, with the handle NETFAULT_HANDLE, recorded in the state directory,
# and removed only when it is still ours.

NETFAULT_IN_CHAIN=PERSEUS-ISOLATE-IN
NETFAULT_OUT_CHAIN=PERSEUS-ISOLATE-OUT
NETFAULT_PARTITION_CHAIN=PERSEUS-PARTITION
NETFAULT_LOSS_CHAIN=PERSEUS-LOSS
# The root qdisc's major handle ("fa17" reads "fault"), its one class for
# the peers' traffic, and the netem leaf of that class.
NETFAULT_HANDLE=fa17
NETFAULT_CLASS=fa17:1
NETFAULT_LEAF=fa18
# The class's rate when only a delay is asked for: no limit in practice.
NETFAULT_NO_LIMIT=10gbit
# Root qdiscs that are the kernel's own (handle 0:); anything else on the
# device is someone's, and shaping refuses to replace it.
NETFAULT_DEFAULT_QDISCS="noqueue pfifo_fast fq_codel mq fq sfq pfifo"

# netfault_peers CLUSTER NODE: the other nodes' hosts (IPv4, once each,
# without NODE's own host), one a line; dies when there is none or one is
# not an IPv4 address.
netfault_peers() {
    local cluster="$1" node="$2" own host
    own="$(cluster_field "$cluster" "$node" .host)"
    local peers=()
    mapfile -t peers < <(jq -r --arg n "$node" --arg own "$own" \
        '[to_entries[] | select(.key != $n) | .value.host | select(. != $own)] | unique[]' "$cluster")
    ((${#peers[@]})) || die "node $node: no peer on another host in $cluster"
    for host in "${peers[@]}"; do
        netfault_ipv4 "$host" || die "peer host '$host' in $cluster: only IPv4 addresses are supported"
        printf '%s\n' "$host"
    done
}

netfault_ipv4() { [[ "$1" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; }

# --- partitions -----------------------------------------------------------

# netfault_resolve SPEC TARGET NODE...: the groups of partition SPEC for
# TARGET over the cluster's nodes in file order, as `n1,n2|n3,n4,n5`;
# exactly src/partition.rs's resolve (tests/partition_shapes.rs compares
# them): halves = the target and the nodes after it (wrapping) up to
# floor((N-1)/2) nodes, at least the target, against the rest; bridge = the
# others from the one after the target split in two (the first half
# ceil(k/2)), each half plus the target; anything else explicit groups.
netfault_resolve() {
    local spec="$1" target="$2" at=-1 i k
    shift 2
    # Groups come with `/` between them from perseus (no shell reads it),
    # with `|` as users type them: one form from here on.
    spec="$(grammar_pipe_groups "$spec")"
    local nodes=("$@") others=()
    local n=${#nodes[@]}
    for ((i = 0; i < n; i++)); do
        [[ "${nodes[i]}" != "$target" ]] || { at=$i; break; }
    done
    ((at >= 0)) || die "partition: target $target is not a node of the cluster"
    for ((k = 1; k < n; k++)); do
        others+=("${nodes[(at + k) % n]}")
    done
    case "$spec" in
        halves)
            ((n >= 2)) || die "partition:halves needs at least 2 nodes"
            local minority=$(((n - 1) / 2))
            ((minority >= 1)) || minority=1
            local small=("$target" "${others[@]:0:minority-1}")
            local rest=("${others[@]:minority-1}")
            printf '%s|%s\n' "$(netfault_join , "${small[@]}")" "$(netfault_join , "${rest[@]}")"
            ;;
        bridge)
            ((n >= 3)) || die "partition:bridge needs at least 3 nodes"
            local half=$(((${#others[@]} + 1) / 2))
            printf '%s|%s\n' "$(netfault_join , "${others[@]:0:half}" "$target")" \
                "$(netfault_join , "${others[@]:half}" "$target")"
            ;;
        *) netfault_groups_check "$spec" "${nodes[@]}" && printf '%s\n' "$spec" ;;
    esac
}

# netfault_join SEP WORD...
netfault_join() {
    local sep="$1" out="" w
    shift
    for w in "$@"; do out+="${out:+$sep}$w"; done
    printf '%s' "$out"
}

# netfault_groups_check GROUPS NODE...: dies unless GROUPS is `a,b|c,...`
# with at least two groups of known nodes, none twice in one group (as
# src/partition.rs's parse_groups; there a space around a name is trimmed,
# here it is refused).
netfault_groups_check() {
    local text="$1" group name seen
    shift
    local why=""
    local groups=()
    IFS='|' read -r -a groups <<<"$text"
    [[ "$text" != *'|' ]] || groups+=("")
    if ((${#groups[@]} < 2)); then
        why="needs at least two groups"
    else
        for group in "${groups[@]}"; do
            seen=","
            local names=()
            IFS=',' read -r -a names <<<"$group"
            [[ -n "$group" && "$group" != *, ]] || { why="an empty name"; break; }
            for name in "${names[@]}"; do
                [[ " $* " == *" $name "* ]] || { why="'$name' is not a node of the cluster"; break 2; }
                [[ "$seen" != *",$name,"* ]] || { why="'$name' is twice in one group"; break 2; }
                seen+="$name,"
            done
        done
    fi
    [[ -z "$why" ]] || die "partition '$text': $why (a shape: halves, bridge; or groups like n1,n2|n3,n4,n5)"
}

# netfault_cut_from GROUPS SELF NODE...: the nodes SELF must not talk to
# under the partition: those that share no group with it, when both are in
# some group (a node in no group talks to every node).
netfault_cut_from() {
    local spec="$1" self="$2" other
    shift 2
    local padded="|$spec|"
    padded="${padded//|/,|,}"
    netfault_in_any "$padded" "$self" || return 0
    for other in "$@"; do
        [[ "$other" != "$self" ]] || continue
        netfault_in_any "$padded" "$other" || continue
        netfault_share "$spec" "$self" "$other" || printf '%s\n' "$other"
    done
}

netfault_in_any() { [[ "$1" == *",$2,"* ]]; }

# netfault_share GROUPS A B: some group holds both.
netfault_share() {
    local group
    local groups=()
    IFS='|' read -r -a groups <<<"$1"
    for group in "${groups[@]}"; do
        [[ ",$group," == *",$2,"* && ",$group," == *",$3,"* ]] && return 0
    done
    return 1
}

# --- iptables chains -------------------------------------------------------

netfault_chain_exists() { ipt -S "$1" >/dev/null 2>&1; }

# netfault_chain_set CHAIN HOOKS RULE...: CHAIN holds exactly the RULEs
# (each one word list, as for iptables -A CHAIN), jumped to from the top of
# each builtin in HOOKS ("INPUT OUTPUT"). Idempotent: a chain that already
# holds them is left as it is. Chain, rules and jumps go in together, in
# one iptables-restore transaction (--noflush: nothing else changes; a
# chain declared there that exists is emptied first), so a fault starts
# whole at once, and one call is quick even where the namespaces of a
# partition all wait for the one xtables lock.
netfault_chain_set() {
    local chain="$1" hooks="$2" rule hook same=0
    shift 2
    if netfault_chain_exists "$chain"; then
        # As many rules as wanted, each one of them: nothing to change.
        same=1
        (($(ipt -S "$chain" | grep -c -- "^-A $chain " || true) == $#)) || same=0
        for rule in "$@"; do
            ((same)) || break
            # shellcheck disable=SC2086 # a rule is a word list
            ipt -C "$chain" $rule 2>/dev/null || same=0
        done
    fi
    local input="*filter"$'\n'
    ((same)) || input+=":$chain - [0:0]"$'\n'
    if ((!same)); then
        for rule in "$@"; do
            input+="-A $chain $rule"$'\n'
        done
    fi
    for hook in $hooks; do
        # A jump can only exist where the chain did.
        if netfault_chain_exists "$chain" && ipt -C "$hook" -j "$chain" 2>/dev/null; then
            continue
        fi
        input+="-I $hook 1 -j $chain"$'\n'
    done
    [[ "$input" != "*filter"$'\n' ]] || return 0
    iptables-restore -w 10 --noflush <<<"${input}COMMIT" || die "iptables-restore failed on chain $chain"
    faultlog_effect
}

# netfault_chain_clear CHAIN: removes its jumps (every one, were one added
# twice by hand) from INPUT and OUTPUT, then the chain; nothing else.
netfault_chain_clear() {
    local chain="$1" hook
    netfault_chain_exists "$chain" || return 0
    for hook in INPUT OUTPUT; do
        while ipt -C "$hook" -j "$chain" 2>/dev/null; do
            ipt -D "$hook" -j "$chain"
        done
    done
    ipt -F "$chain"
    ipt -X "$chain"
    faultlog_effect
}

# netfault_drop_rules DIRECTIONS [MATCH...] -- HOST...: one DROP rule a host
# and direction (in: -s HOST, out: -d HOST), with the extra MATCH words.
netfault_drop_rules() {
    local dirs="$1" host dir
    shift
    local match=()
    while [[ "$1" != -- ]]; do match+=("$1"); shift; done
    shift
    for host in "$@"; do
        for dir in $dirs; do
            case "$dir" in
                in) printf '%s\n' "-s $host ${match[*]} -j DROP" ;;
                out) printf '%s\n' "-d $host ${match[*]} -j DROP" ;;
            esac
        done
    done
}

# netfault_isolate KIND HOST...: KIND isolate (both ways, bin/isolate.sh's
# chain and rules), isolate-in (nothing from the peers arrives) or
# isolate-out (nothing to the peers leaves).
netfault_isolate() {
    local kind="$1"
    shift
    local rules=()
    case "$kind" in
        isolate) mapfile -t rules < <(netfault_drop_rules "in out" -- "$@")
            netfault_chain_set "$ISOLATE_CHAIN" "INPUT OUTPUT" "${rules[@]}" ;;
        isolate-in) mapfile -t rules < <(netfault_drop_rules in -- "$@")
            netfault_chain_set "$NETFAULT_IN_CHAIN" INPUT "${rules[@]}" ;;
        isolate-out) mapfile -t rules < <(netfault_drop_rules out -- "$@")
            netfault_chain_set "$NETFAULT_OUT_CHAIN" OUTPUT "${rules[@]}" ;;
        *) die "netfault_isolate: unknown kind $kind" ;;
    esac
}

# netfault_rejoin: undoes every isolation (both ways and one way).
netfault_rejoin() {
    netfault_chain_clear "$ISOLATE_CHAIN"
    netfault_chain_clear "$NETFAULT_IN_CHAIN"
    netfault_chain_clear "$NETFAULT_OUT_CHAIN"
}

# netfault_loss_check PCT: a percentage in (0, 100], at most two decimals
# (the grammar's, bin/lib/grammar.sh).
netfault_loss_check() {
    local why
    why="$(grammar_fault_arg loss "$1")" || die "$why"
}

# netfault_loss PCT HOST...: drops PCT % of the packets to and from each
# host, at random (iptables' statistic match), each direction on its own.
netfault_loss() {
    local pct="$1" prob
    shift
    netfault_loss_check "$pct"
    prob="$(awk -v p="$pct" 'BEGIN { printf "%.4f", p / 100 }')"
    local rules=()
    mapfile -t rules < <(netfault_drop_rules "in out" -m statistic --mode random --probability "$prob" -- "$@")
    netfault_chain_set "$NETFAULT_LOSS_CHAIN" "INPUT OUTPUT" "${rules[@]}"
}

# netfault_loss_pct: the loss in force, as a percentage, from the chain.
netfault_loss_pct() {
    ipt -S "$NETFAULT_LOSS_CHAIN" 2>/dev/null \
        | awk '{ for (i = 1; i < NF; i++) if ($i == "--probability") { printf "%g\n", $(i + 1) * 100; exit } }'
}

# --- qdiscs: bandwidth and delay -----------------------------------------

# netfault_rate_check RATE: a tc rate (bit, kbit, mbit, gbit; bps, kbps,
# mbps, gbps are bytes per second).
netfault_rate_check() {
    local why
    why="$(grammar_fault_arg bandwidth "$1")" || die "$why"
}

# netfault_delay_check MS[/JITTER]: whole milliseconds.
netfault_delay_check() {
    local why
    why="$(grammar_fault_arg delay "$1")" || die "$why"
}

# netfault_netem_args MS[/JITTER]: netem's words.
netfault_netem_args() {
    local ms="${1%%/*}" jitter=""
    [[ "$1" != */* ]] || jitter="${1#*/}"
    printf 'delay %sms%s\n' "$ms" "${jitter:+ ${jitter}ms}"
}

# netfault_netem_works: the kernel has sch_netem. Tried on the loopback of
# a throwaway namespace, so nothing of this machine's changes.
netfault_netem_works() {
    local ns="perseus-netem-$$" rc=0
    ip netns add "$ns" 2>/dev/null || return 1
    ip -n "$ns" link set lo up 2>/dev/null || true
    ip netns exec "$ns" tc qdisc add dev lo root netem delay 1ms >/dev/null 2>&1 || rc=1
    ip netns del "$ns" 2>/dev/null || true
    return "$rc"
}

# netfault_devices HOST...: "DEV HOST" per host, the device the kernel
# routes it through (the node's traffic to that peer leaves there).
netfault_devices() {
    local host dev
    for host in "$@"; do
        dev="$(ip -o route get "$host" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
        [[ -n "$dev" ]] || die "no route to peer $host: cannot tell which device its traffic leaves by"
        printf '%s %s\n' "$dev" "$host"
    done
}

# netfault_root DEV: "KIND HANDLE" of DEV's root qdisc.
netfault_root() {
    tc qdisc show dev "$1" root 2>/dev/null | awk 'NR == 1 { print $2, $3 }'
}

# netfault_ours DEV: DEV's root qdisc is the one we add (htb, our handle).
netfault_ours() { [[ "$(netfault_root "$1")" == "htb $NETFAULT_HANDLE:" ]]; }

# netfault_tc_plan HAVE DEV RATE DELAY HOST...: the tc commands that make
# DEV send its traffic to the HOSTs through our class, at RATE (or without a
# limit when RATE is empty) and DELAY later (none when empty), as one
# command a line. HAVE says what DEV has: "new" (not our root: all of it is
# added), "ours" (our root: only the class and its leaf change), "ours+netem"
# (and our netem leaf). Everything else (the clients' traffic) stays
# unclassified, which htb sends on directly, unshaped.
netfault_tc_plan() {
    local have="$1" dev="$2" rate="${3:-$NETFAULT_NO_LIMIT}" delay="$4" host
    shift 4
    if [[ "$have" == new ]]; then
        printf 'tc qdisc add dev %s root handle %s: htb default 0\n' "$dev" "$NETFAULT_HANDLE"
        printf 'tc class add dev %s parent %s: classid %s htb rate %s ceil %s\n' \
            "$dev" "$NETFAULT_HANDLE" "$NETFAULT_CLASS" "$rate" "$rate"
        [[ -z "$delay" ]] || printf 'tc qdisc add dev %s parent %s handle %s: netem %s\n' \
            "$dev" "$NETFAULT_CLASS" "$NETFAULT_LEAF" "$(netfault_netem_args "$delay")"
        for host in "$@"; do
            printf 'tc filter add dev %s parent %s: protocol ip prio 1 u32 match ip dst %s/32 flowid %s\n' \
                "$dev" "$NETFAULT_HANDLE" "$host" "$NETFAULT_CLASS"
        done
        return
    fi
    printf 'tc class change dev %s parent %s: classid %s htb rate %s ceil %s\n' \
        "$dev" "$NETFAULT_HANDLE" "$NETFAULT_CLASS" "$rate" "$rate"
    if [[ -n "$delay" ]]; then
        if [[ "$have" == ours+netem ]]; then
            printf 'tc qdisc change dev %s parent %s handle %s: netem %s\n' \
                "$dev" "$NETFAULT_CLASS" "$NETFAULT_LEAF" "$(netfault_netem_args "$delay")"
        else
            printf 'tc qdisc add dev %s parent %s handle %s: netem %s\n' \
                "$dev" "$NETFAULT_CLASS" "$NETFAULT_LEAF" "$(netfault_netem_args "$delay")"
        fi
    fi
}

# netfault_shape_plan STATE RATE DELAY HOST...: netfault_tc_plan for each
# device the hosts are reached by. RATE and DELAY empty: keep what STATE
# records (so a delay added to a bandwidth limit keeps the limit).
netfault_shape_plan() {
    local state="$1" rate="$2" delay="$3" dev have
    shift 3
    [[ -n "$rate" ]] || rate="$(netfault_state_get "$state" bandwidth)"
    [[ -n "$delay" ]] || delay="$(netfault_state_get "$state" delay)"
    local pairs=()
    mapfile -t pairs < <(netfault_devices "$@")
    for dev in $(printf '%s\n' "${pairs[@]}" | awk '{ print $1 }' | awk '!seen[$0]++'); do
        have=new
        if netfault_ours "$dev"; then
            have=ours
            ! tc qdisc show dev "$dev" | grep -q "^qdisc netem $NETFAULT_LEAF: " || have="ours+netem"
        fi
        # shellcheck disable=SC2046 # the device's hosts, one word each
        netfault_tc_plan "$have" "$dev" "$rate" "$delay" $(printf '%s\n' "${pairs[@]}" | awk -v d="$dev" '$1 == d { print $2 }')
    done
}

# netfault_root_check DEV: dies unless DEV's root qdisc is ours or the
# kernel's default (then ours may replace it; deleting ours brings the
# default back): someone else's shaping is never replaced.
netfault_root_check() {
    local dev="$1" kind handle
    netfault_ours "$dev" && return 0
    read -r kind handle <<<"$(netfault_root "$dev")"
    [[ "$handle" == 0: && " $NETFAULT_DEFAULT_QDISCS " == *" $kind "* ]] \
        || die "device $dev has a root qdisc of someone else's ($kind $handle): not replacing it; remove it first if it may go (tc qdisc del dev $dev root)"
}

# netfault_shape STATE RATE DELAY HOST...: applies the plan. Records each
# device whose root it adds in STATE before adding it, and RATE / DELAY.
netfault_shape() {
    local state="$1" rate="$2" delay="$3" line dev
    shift 3
    local plan=()
    mapfile -t plan < <(netfault_shape_plan "$state" "$rate" "$delay" "$@")
    for line in "${plan[@]}"; do
        [[ "$line" == *" root handle "* ]] || continue
        dev="$(awk '{ print $5 }' <<<"$line")"
        netfault_root_check "$dev"
        netfault_state_add "$state" qdisc "$dev"
    done
    for line in "${plan[@]}"; do
        # shellcheck disable=SC2086 # a planned command is a word list
        $line || die "failed: $line"
    done
    ((${#plan[@]} == 0)) || faultlog_effect
    [[ -z "$rate" ]] || netfault_state_set "$state" bandwidth "$rate"
    [[ -z "$delay" ]] || netfault_state_set "$state" delay "$delay"
}

# netfault_unshape STATE: removes the root qdiscs STATE says we added, where
# they are still ours, and forgets bandwidth and delay.
netfault_unshape() {
    local state="$1" dev
    for dev in $(netfault_state_all "$state" qdisc); do
        if netfault_ours "$dev"; then
            tc qdisc del dev "$dev" root
            faultlog_effect
        elif ip link show "$dev" >/dev/null 2>&1; then
            say "device $dev: its root qdisc is no longer ours ($(netfault_root "$dev")): left alone"
        fi
    done
    netfault_state_drop "$state" qdisc
    netfault_state_drop "$state" bandwidth
    netfault_state_drop "$state" delay
}

# --- state: KEY VALUE lines in STATE/faults ---------------------------------

netfault_state_file() { printf '%s/faults\n' "$1"; }

netfault_state_all() {
    local file
    file="$(netfault_state_file "$1")"
    [[ -r "$file" ]] || return 0
    awk -v k="$2" '$1 == k { print $2 }' "$file"
}

netfault_state_get() { netfault_state_all "$1" "$2" | tail -n 1; }

netfault_state_drop() {
    local file
    file="$(netfault_state_file "$1")"
    [[ -f "$file" ]] || return 0
    awk -v k="$2" '$1 != k' "$file" >"$file.new" && mv "$file.new" "$file"
}

netfault_state_set() {
    netfault_state_drop "$1" "$2"
    netfault_state_add "$1" "$2" "$3"
}

# netfault_state_add STATE KEY VALUE: once (a second add changes nothing).
netfault_state_add() {
    local file
    file="$(netfault_state_file "$1")"
    mkdir -p "$1"
    grep -qxF "$2 $3" "$file" 2>/dev/null || printf '%s %s\n' "$2" "$3" >>"$file"
}

# --- all of it ----------------------------------------------------------------

# netfault_heal STATE: removes every network fault of this node: isolations,
# its share of a partition, loss, bandwidth and delay.
netfault_heal() {
    netfault_rejoin
    netfault_unpartition "$1"
    netfault_chain_clear "$NETFAULT_LOSS_CHAIN"
    netfault_unshape "$1"
}

netfault_unpartition() {
    netfault_chain_clear "$NETFAULT_PARTITION_CHAIN"
    netfault_state_drop "$1" partition
}

# netfault_status STATE: the faults in force here, comma-separated, or
# "none".
netfault_status() {
    local state="$1" out=() v
    netfault_chain_exists "$ISOLATE_CHAIN" && out+=(isolate)
    netfault_chain_exists "$NETFAULT_IN_CHAIN" && out+=(isolate-in)
    netfault_chain_exists "$NETFAULT_OUT_CHAIN" && out+=(isolate-out)
    if netfault_chain_exists "$NETFAULT_PARTITION_CHAIN"; then
        v="$(netfault_state_get "$state" partition)"
        out+=("partition${v:+ $v}")
    fi
    netfault_chain_exists "$NETFAULT_LOSS_CHAIN" && out+=("loss $(netfault_loss_pct)%")
    local dev ours=""
    for dev in $(netfault_state_all "$state" qdisc); do
        ! netfault_ours "$dev" || ours=1
    done
    if [[ -n "$ours" ]]; then
        v="$(netfault_state_get "$state" bandwidth)"
        [[ -z "$v" ]] || out+=("bandwidth $v")
        v="$(netfault_state_get "$state" delay)"
        [[ -z "$v" ]] || out+=("delay $(netfault_netem_args "$v" | cut -d' ' -f2-)")
    fi
    ((${#out[@]})) || out=(none)
    netfault_join ", " "${out[@]}"
    printf '\n'
}
