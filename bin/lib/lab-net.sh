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
    ip route show type blackhole "$LAB_NET.0/24" | grep -q . \
        || ip route add blackhole "$LAB_NET.0/24" metric "$LAB_BLACKHOLE_METRIC"
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

# lab_net_down: removes every piece that exists, in any state of build
# (all nine possible nodes: a half-built lab may not have written its size).
lab_net_down() {
    local i ns
    for ((i = 1; i <= 9; i++)); do
        ns="$(lab_ns "n$i")"
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
    ! ip route show type blackhole "$LAB_NET.0/24" | grep -q . \
        || ip route del blackhole "$LAB_NET.0/24" metric "$LAB_BLACKHOLE_METRIC"
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
