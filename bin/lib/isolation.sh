# shellcheck shell=bash
# Shared by bin/isolate.sh and bin/rejoin.sh: their command line, and the
# iptables chain they own. Needs common.sh, deps.sh and faultlog.sh.

# The only chain these scripts create, fill or delete; INPUT and OUTPUT get
# one jump each to it. Nothing else in iptables is touched.
ISOLATE_CHAIN=PERSEUS-ISOLATE

# iptables waits up to 10 s for the xtables lock instead of failing at once
# when something else (a colleague's script, Docker) holds it.
ipt() {
    iptables -w 10 "$@"
}

isolation_usage() {
    cat <<USAGE
usage: $(basename "$0") [--cluster FILE] [--log FILE] NODE

Run on NODE itself (or inside its network namespace in the lab).
$1
  --cluster FILE  the cluster file (default: \$PERSEUS_CLUSTER or etc/tidb-cluster.json)
  --log FILE      append a fault event to this running perseus log
USAGE
}

# isolation_args PURPOSE "$@": parses the command line into CLUSTER, LOG and NODE.
isolation_args() {
    local purpose="$1"
    shift
    CLUSTER="$(cluster_file)"
    LOG=""
    NODE=""
    while (($#)); do
        case "$1" in
            -h | --help) isolation_usage "$purpose"; exit 0 ;;
            --cluster) [[ $# -ge 2 ]] || die "--cluster needs a file"; CLUSTER="$2"; shift 2 ;;
            --log) [[ $# -ge 2 ]] || die "--log needs a file"; LOG="$2"; shift 2 ;;
            -*) die "unknown option $1 (see --help)" ;;
            *) [[ -z "$NODE" ]] || die "one NODE only (see --help)"; NODE="$1"; shift ;;
        esac
    done
    [[ -n "$NODE" ]] || { isolation_usage "$purpose" >&2; exit 2; }
}

# isolation_checks: root, tools, a known node, and a usable log before any
# rule changes, so that a failure leaves the rules as they were.
isolation_checks() {
    need_root
    # A fresh Debian node may lack them (deps.sh installs with apt-get).
    command -v iptables >/dev/null 2>&1 || ensure_packages iptables
    command -v jq >/dev/null 2>&1 || ensure_packages jq
    need_cmd iptables
    need_cmd jq
    cluster_field "$CLUSTER" "$NODE" .host >/dev/null
    LOG_START=""
    if [[ -n "$LOG" ]]; then
        LOG_START="$(faultlog_start "$LOG")"
        faultlog_effect_begin
    fi
}

# chain_exists: true when this namespace has the chain.
chain_exists() {
    ipt -S "$ISOLATE_CHAIN" >/dev/null 2>&1
}

# log_fault ACTION: the --log event, when asked for.
log_fault() {
    [[ -z "$LOG" ]] || faultlog_append "$LOG" "$LOG_START" "$1" "$NODE" "bin/$(basename "$0") (by hand)"
}
