#!/usr/bin/env bash
# A database cluster on one machine, one node per network namespace, for
# perseus to measure; see docs/lab.md.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=bin/lib/deps.sh
source "$PERSEUS_ROOT/bin/lib/deps.sh"
# shellcheck source=bin/lib/faultlog.sh
source "$PERSEUS_ROOT/bin/lib/faultlog.sh"
# shellcheck source=bin/lib/isolation.sh
source "$PERSEUS_ROOT/bin/lib/isolation.sh"
# shellcheck source=bin/lib/tidb.sh
source "$PERSEUS_ROOT/bin/lib/tidb.sh"
# shellcheck source=bin/lib/ready.sh
source "$PERSEUS_ROOT/bin/lib/ready.sh"
# shellcheck source=bin/lib/tidb-ready.sh
source "$PERSEUS_ROOT/bin/lib/tidb-ready.sh"
# shellcheck source=bin/lib/lab-engine.sh
source "$PERSEUS_ROOT/bin/lib/lab-engine.sh"
# shellcheck source=bin/lib/lab-install.sh
source "$PERSEUS_ROOT/bin/lib/lab-install.sh"
# shellcheck source=bin/lib/lab-config.sh
source "$PERSEUS_ROOT/bin/lib/lab-config.sh"
# shellcheck source=bin/lib/lab-net.sh
source "$PERSEUS_ROOT/bin/lib/lab-net.sh"
# shellcheck source=bin/lib/lab-proc.sh
source "$PERSEUS_ROOT/bin/lib/lab-proc.sh"
# shellcheck source=bin/lib/lab-galera.sh
source "$PERSEUS_ROOT/bin/lib/lab-galera.sh"
# shellcheck source=bin/lib/lab-tidb.sh
source "$PERSEUS_ROOT/bin/lib/lab-tidb.sh"
# shellcheck source=bin/lib/lab-leader.sh
source "$PERSEUS_ROOT/bin/lib/lab-leader.sh"
# shellcheck source=bin/lib/lab-cmds.sh
source "$PERSEUS_ROOT/bin/lib/lab-cmds.sh"
# shellcheck source=bin/lib/lab-node.sh
source "$PERSEUS_ROOT/bin/lib/lab-node.sh"
# shellcheck source=bin/lib/lab-ready.sh
source "$PERSEUS_ROOT/bin/lib/lab-ready.sh"
# shellcheck source=bin/lib/lab-experiment.sh
source "$PERSEUS_ROOT/bin/lib/lab-experiment.sh"
# shellcheck source=bin/lib/lab-suite.sh
source "$PERSEUS_ROOT/bin/lib/lab-suite.sh"
lab_engines_check

usage() {
    cat <<USAGE
usage: $(basename "$0") COMMAND [ARGS]   (as root)

  up [--engine galera|tidb] [--nodes N]   build the lab (default galera, 3 nodes)
  down                                    remove all of it (servers, namespaces,
                                          bridge, route, rules, state)
  status                                  each node: servers, reachable, isolated
  ready [--timeout S]                     wait (default 300 s) until the cluster is
                                          whole and ready for a measurement, or fail
                                          saying what is not
  env                                     shell lines: PERSEUS_CLUSTER and MYSQL_PWD
  isolate [--log FILE] NODE               cut NODE off from its peers (bin/isolate.sh)
  rejoin [--log FILE] NODE                undo it (bin/rejoin.sh)
  kill NODE                               SIGKILL NODE's servers
  start [--no-wait] NODE                  start them again; they rejoin the cluster
                                          (--no-wait: return once launched, for
                                          perseus --fault-cmd 'start=...')
  experiment [--engine E] [--duration S] [--isolate-at S] [--rejoin-at S]
             [--target NODE|leader] [--fault isolate|kill] [--results DIR]
             [--ready-timeout S]
                                          up if needed, wait until ready, run
                                          perseus with an isolation (or kill and
                                          start) of the target, report, heal the
                                          target and wait until ready again
  suite [FILE|NAME] [--repeat N] [--results DIR] [--ready-timeout S]
                                          every scenario of a suite (default
                                          etc/suites/standard.json), repeated,
                                          archived in results/SUITE-DATE/, then
                                          the leaderboard; exit 1 when a limit
                                          is exceeded (docs/suites.md)

Environment: PERSEUS_LAB_DIR (state, default .lab), PERSEUS_LAB_NAME (prefix,
default perseus), PERSEUS_LAB_SUBNET (default 10.213.0.0/24),
PERSEUS_RESULTS_DIR (where suites keep their results, default results); for tidb also
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
    ready) lab_ready "$@" ;;
    env) lab_env ;;
    isolate | rejoin) lab_fault "$command" "$@" ;;
    kill) [[ $# -eq 1 ]] || die "kill NODE"; lab_kill_node "$1" ;;
    start)
        wait="wait"
        if [[ "${1:-}" == --no-wait ]]; then wait=no-wait; shift; fi
        [[ $# -eq 1 ]] || die "start [--no-wait] NODE"
        lab_start_node "$1" "$wait"
        ;;
    experiment) lab_experiment "$@" ;;
    suite) lab_suite "$@" ;;
    *) die "unknown command '$command' (see --help)" ;;
esac
