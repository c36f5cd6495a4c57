# shellcheck shell=bash
# The lab's network: one bridge, one namespace per node with a veth on the
# bridge, the host on the bridge too, and a blackhole route for the subnet.
# Needs bin/lib/common.sh and bin/lib/lab-config.sh (lab_settings done).

# Worse than the bridge's own route (metric 0), so it only answers when the
# bridge is gone: then lab addresses go nowhere instead of to the default
# gateway.
LAB_BLACKHOLE_METRIC=4242

# lab_net_up: builds whatever is missing (so a retry after a failure works).
lab_net_up() {
    local node ns veth
    # A blackhole for the /24 that is there already (the host's own, say)
    # serves as well and is not ours to remove: only one we add is noted in
    # lab.env (before adding it, so that an interrupted up cannot leak it).
    if [[ -z "$(ip route show type blackhole "$LAB_NET.0/24")" ]]; then
        LAB_ROUTE=own
        lab_note_state route "$LAB_ROUTE"
        ip route add blackhole "$LAB_NET.0/24" metric "$LAB_BLACKHOLE_METRIC"
    fi
    ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || ip link add "$LAB_BRIDGE" type bridge
    ip addr show dev "$LAB_BRIDGE" | grep -qF " $(lab_host_addr)/24" \
        || ip addr add "$(lab_host_addr)/24" dev "$LAB_BRIDGE"
    ip link set "$LAB_BRIDGE" up
    lab_forward_accept
    for node in $(lab_node_names); do
        ns="$(lab_ns "$node")"
        veth="$ns" # the host end; the namespace end is eth0
        lab_netns_exists "$ns" || ip netns add "$ns"
        if ! ip link show "$veth" >/dev/null 2>&1; then
            ip link add "$veth" type veth peer name "$veth-i"
            ip link set "$veth-i" netns "$ns"
            ip -n "$ns" link set "$veth-i" name eth0
        fi
        ip link set "$veth" master "$LAB_BRIDGE" up
        ip -n "$ns" addr show dev eth0 | grep -qF " $(lab_node_addr "$node")/24" \
            || ip -n "$ns" addr add "$(lab_node_addr "$node")/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
    done
}

# lab_forward_accept: bridged traffic passes the host's FORWARD chain when
# br_netfilter is loaded (net.bridge.bridge-nf-call-iptables=1); where its
# policy is DROP (Docker does that) the nodes could not talk. One ACCEPT for
# bridge-to-bridge traffic, in a chain of the lab's own.
lab_forward_accept() {
    iptables -w 10 -S "$LAB_CHAIN" >/dev/null 2>&1 || iptables -w 10 -N "$LAB_CHAIN"
    iptables -w 10 -C "$LAB_CHAIN" -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT 2>/dev/null \
        || iptables -w 10 -A "$LAB_CHAIN" -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT
    iptables -w 10 -C FORWARD -j "$LAB_CHAIN" 2>/dev/null || iptables -w 10 -I FORWARD 1 -j "$LAB_CHAIN"
}

# lab_subnet_free: dies unless the lab's /24 is unused on the host: no
# address in it and no route into or around it (a LAN /24 would lose its .1
# to the bridge, and the host its way to that LAN). A default route, and
# routes that only drop (a blackhole like the lab's own), do not count.
lab_subnet_free() {
    local net="$LAB_NET.0/24" used
    used="$(
        ip -4 -o addr show to "$net"
        ip -4 route show table all root "$net"
        ip -4 route show table all match "$net"
    )"
    used="$(grep -vE '^(default|blackhole|unreachable|prohibit|throw) ' <<<"$used" | awk 'NF && !seen[$0]++')" || true
    [[ -z "$used" ]] || die "PERSEUS_LAB_SUBNET $net: the host uses it already:
$used
choose a /24 that is free here (PERSEUS_LAB_SUBNET=...)"
}

# lab_net_foreign COUNT: names the pieces of a COUNT-node lab of this name
# (bridge, chain, namespaces, veths) that exist though this lab has no
# state: another lab's (another PERSEUS_LAB_DIR) or someone's own. up must
# not take them over, for down would then remove them. Each line also says
# how to remove the piece, for leftovers whose state is gone (a deleted
# checkout): that is the user's call, not ours.
lab_net_foreign() {
    local i ns
    ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1 \
        || printf 'bridge %s (ip link del %s)\n' "$LAB_BRIDGE" "$LAB_BRIDGE"
    ! iptables -w 10 -S "$LAB_CHAIN" >/dev/null 2>&1 \
        || printf 'iptables chain %s (iptables -D FORWARD -j %s; iptables -F %s; iptables -X %s)\n' \
            "$LAB_CHAIN" "$LAB_CHAIN" "$LAB_CHAIN" "$LAB_CHAIN"
    for ((i = 1; i <= $1; i++)); do
        ns="$(lab_ns "n$i")"
        ! lab_netns_exists "$ns" || printf 'namespace %s (ip netns del %s)\n' "$ns" "$ns"
        ! ip link show "$ns" >/dev/null 2>&1 || printf 'link %s (ip link del %s)\n' "$ns" "$ns"
    done
}

# lab_net_down: removes what lab.env says up built, in any state of build
# (lab.env is written first; each piece may or may not exist yet).
lab_net_down() {
    local node ns
    for node in $(lab_node_names); do
        ns="$(lab_ns "$node")"
        # The host end first: deleting it deletes the namespace end at once.
        ! ip link show "$ns" >/dev/null 2>&1 || ip link del "$ns"
        ! lab_netns_exists "$ns" || ip netns del "$ns"
    done
    ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || ip link del "$LAB_BRIDGE"
    while iptables -w 10 -C FORWARD -j "$LAB_CHAIN" 2>/dev/null; do
        iptables -w 10 -D FORWARD -j "$LAB_CHAIN"
    done
    if iptables -w 10 -S "$LAB_CHAIN" >/dev/null 2>&1; then
        iptables -w 10 -F "$LAB_CHAIN"
        iptables -w 10 -X "$LAB_CHAIN"
    fi
    # Only the route up added; it may be missing (up noted it, then died).
    if [[ "$LAB_ROUTE" == own ]] \
        && grep -qw "metric $LAB_BLACKHOLE_METRIC" <<<"$(ip route show type blackhole "$LAB_NET.0/24")"; then
        ip route del blackhole "$LAB_NET.0/24" metric "$LAB_BLACKHOLE_METRIC"
    fi
}

# lab_netns_exists NS
lab_netns_exists() {
    ip netns list | awk '{print $1}' | grep -qxF "$1"
}

# lab_reachable HOST PORT [SECONDS]: a TCP connect from here, with a timeout.
lab_reachable() {
    # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
    timeout "${3:-2}" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}
