# shellcheck shell=bash
# Shared by the scripts in bin/: messages, tool checks, a process's
# descendants, and cluster-file look-ups.
# Source it; it defines functions only (plus PERSEUS_ROOT).

PERSEUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PERSEUS_ROOT

# die MESSAGE...: print "SCRIPT: MESSAGE" to stderr and exit 1.
die() {
    printf '%s: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# say MESSAGE...: a progress line on stderr.
say() {
    printf '%s: %s\n' "$(basename "$0")" "$*" >&2
}

# need_cmd TOOL [PACKAGE]: fail clearly when a tool is missing.
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "needs '$1' (Debian package: ${2:-$1}); install it with: apt-get install -y ${2:-$1}"
}

# need_root: fail clearly unless running as root.
need_root() {
    [[ "$(id -u)" -eq 0 ]] || die "must run as root (it changes network namespaces, iptables or services)"
}

# proc_tree PID: PID and its descendants, parents first (a server's
# helpers, such as the rsync of a Galera state transfer).
proc_tree() {
    local child
    printf '%s\n' "$1"
    for child in $(pgrep -P "$1" || true); do
        proc_tree "$child"
    done
}

# cluster_file: the cluster file in use (PERSEUS_CLUSTER overrides the default).
cluster_file() {
    printf '%s\n' "${PERSEUS_CLUSTER:-$PERSEUS_ROOT/etc/tidb-cluster.json}"
}

# cluster_nodes FILE: the node names, one per line, in file order.
cluster_nodes() {
    need_cmd jq
    [[ -r "$1" ]] || die "cluster file $1: cannot read it"
    jq -r 'keys_unsorted[]' "$1" 2>/dev/null || die "cluster file $1: not valid JSON"
}

# cluster_field FILE NODE PATH: one field of one node (PATH like .db.port);
# an unknown node or a missing field is an error that names both.
cluster_field() {
    local file="$1" node="$2" path="$3" value
    need_cmd jq
    [[ -r "$file" ]] || die "cluster file $file: cannot read it"
    # One jq per lookup: a fault command reads several, and each jq costs
    # tens of milliseconds on a loaded host, all of it before the fault
    # takes effect.
    value="$(jq -r --arg n "$node" \
        "if has(\$n) then (.[\$n]${path} // null | if . == null then \"missing\" else \"ok \\(.)\" end) else \"unknown\" end" \
        "$file" 2>/dev/null)" || die "cluster file $file: not valid JSON"
    case "$value" in
        "ok "*) printf '%s\n' "${value#ok }" ;;
        unknown) die "unknown node '$node': $file lists $(cluster_nodes "$file" | paste -sd, -)" ;;
        *) die "cluster file $file: node $node: missing field ${path#.}" ;;
    esac
}

# cluster_protocol FILE NODE: the node's db.protocol, "mysql" when the
# field is absent (cluster files of earlier versions); any other value is an
# error naming the node and the field.
cluster_protocol() {
    local protocol
    protocol="$(cluster_field "$1" "$2" '.db.protocol // "mysql"')" || exit 1
    case "$protocol" in
        mysql | postgres) printf '%s\n' "$protocol" ;;
        *) die "cluster file $1: node $2: field db.protocol must be \"mysql\" or \"postgres\", not \"$protocol\"" ;;
    esac
}

# cluster_hosts FILE: `NODE HOST` a line for every node, in file order (one
# jq for a whole partition's lookups).
cluster_hosts() {
    need_cmd jq
    [[ -r "$1" ]] || die "cluster file $1: cannot read it"
    jq -r 'to_entries[] | "\(.key) \(.value.host // "")"' "$1" 2>/dev/null || die "cluster file $1: not valid JSON"
}
