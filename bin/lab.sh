#!/usr/bin/env bash
# A database cluster on one machine, one node per network namespace, for
# perseus to measure; see docs/lab.md.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$PERSEUS_ROOT/bin/lib/deps.sh"
# shellcheck source=bin/lib/tidb.sh
source "$PERSEUS_ROOT/bin/lib/tidb.sh"
for lib in lab-install lab-config lab-net lab-proc lab-galera lab-tidb lab-leader lab-cmds lab-node lab-experiment; do
    # shellcheck source=/dev/null
    source "$PERSEUS_ROOT/bin/lib/$lib.sh"
done

usage() {
    cat <<USAGE
usage: $(basename "$0") COMMAND [ARGS]   (as root)

  up [--engine galera|tidb] [--nodes N]   build the lab (default galera, 3 nodes)
  down                                    remove all of it (servers, namespaces,
                                          bridge, route, rules, state)
  status                                  each node: servers, reachable, isolated
  env                                     shell lines: PERSEUS_CLUSTER and MYSQL_PWD
  isolate [--log FILE] NODE               cut NODE off from its peers (bin/isolate.sh)
  rejoin [--log FILE] NODE                undo it (bin/rejoin.sh)
  kill NODE                               SIGKILL NODE's servers
  start [--no-wait] NODE                  start them again; they rejoin the cluster
                                          (--no-wait: return once launched, for
                                          perseus --fault-cmd 'start=...')
  experiment [--engine E] [--duration S] [--isolate-at S] [--rejoin-at S]
             [--target NODE|leader] [--fault isolate|kill] [--results DIR]
                                          up if needed, run perseus with an
                                          isolation (or kill and start) of the
                                          target, report

Environment: PERSEUS_LAB_DIR (state, default .lab), PERSEUS_LAB_NAME (prefix,
default perseus), PERSEUS_LAB_SUBNET (default 10.213.0.0/24); for tidb also
TIDB_BIN_DIR (binaries from bin/get-tidb.sh).
USAGE
}

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
command="$1"
shift
case "$command" in
    -h | --help | help) usage; exit 0 ;;
esac
need_root
lab_settings
case "$command" in
    up) lab_up "$@" ;;
    down) lab_down ;;
    status) lab_status ;;
    env) lab_env ;;
    isolate | rejoin) lab_fault "$command" "$@" ;;
    kill) [[ $# -eq 1 ]] || die "kill NODE"; lab_kill_node "$1" ;;
    start)
        if [[ "${1:-}" == --no-wait ]]; then export LAB_NO_WAIT=1; shift; fi
        [[ $# -eq 1 ]] || die "start [--no-wait] NODE"
        lab_start_node "$1"
        ;;
    experiment) lab_experiment "$@" ;;
    *) die "unknown command '$command' (see --help)" ;;
esac
