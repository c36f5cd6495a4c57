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
# shellcheck source=bin/lib/grammar.sh
source "$PERSEUS_ROOT/bin/lib/grammar.sh"
# shellcheck source=bin/lib/isolation.sh
source "$PERSEUS_ROOT/bin/lib/isolation.sh"
# shellcheck source=bin/lib/netfault.sh
source "$PERSEUS_ROOT/bin/lib/netfault.sh"
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
# shellcheck source=bin/lib/lab-mysql.sh
source "$PERSEUS_ROOT/bin/lib/lab-mysql.sh"
# shellcheck source=bin/lib/lab-galera.sh
source "$PERSEUS_ROOT/bin/lib/lab-galera.sh"
# shellcheck source=bin/lib/lab-tidb.sh
source "$PERSEUS_ROOT/bin/lib/lab-tidb.sh"
# shellcheck source=bin/lib/lab-patroni-conf.sh
source "$PERSEUS_ROOT/bin/lib/lab-patroni-conf.sh"
# shellcheck source=bin/lib/lab-patroni-state.sh
source "$PERSEUS_ROOT/bin/lib/lab-patroni-state.sh"
# shellcheck source=bin/lib/lab-patroni.sh
source "$PERSEUS_ROOT/bin/lib/lab-patroni.sh"
# shellcheck source=bin/lib/lab-leader.sh
source "$PERSEUS_ROOT/bin/lib/lab-leader.sh"
# shellcheck source=bin/lib/lab-cmds.sh
source "$PERSEUS_ROOT/bin/lib/lab-cmds.sh"
# shellcheck source=bin/lib/lab-node.sh
source "$PERSEUS_ROOT/bin/lib/lab-node.sh"
# shellcheck source=bin/lib/lab-faults.sh
source "$PERSEUS_ROOT/bin/lib/lab-faults.sh"
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

  up [--engine galera|tidb|patroni] [--nodes N] [--set KEY=VALUE]...
                                          build the lab (default galera, 3 nodes);
                                          --set: an engine setting (galera:
                                          gcache.size, gcache.page_size; patroni:
                                          dcs, synchronous_mode, ttl, loop_wait,
                                          retry_timeout; docs/lab.md)
  down                                    remove all of it (servers, namespaces,
                                          bridge, route, rules, state)
  status                                  each node: servers, reachable, its faults
  ready [--timeout S]                     wait (default 300 s) until the cluster is
                                          whole and ready for a measurement, or fail
                                          saying what is not
  env                                     shell lines: PERSEUS_CLUSTER and the password
                                          (MYSQL_PWD; PGPASSWORD for patroni)
  leader                                  the leader's node on the first line; exit 1
                                          when none is elected, 2 when the engine has
                                          none (galera)

Faults (each idempotent; --log FILE appends the fault event to a running
perseus log; docs/lab.md says how each is done):
  isolate NODE                            cut NODE off from its peers (bin/isolate.sh)
  isolate-in NODE | isolate-out NODE      only what comes from them / goes to them
  rejoin NODE                             undo any isolation
  partition SHAPE NODE                    SHAPE: halves, bridge or groups n1,n2|n3,n4,n5
  loss PCT NODE                           drop PCT % of the packets to and from its peers
  bandwidth RATE NODE                     limit its traffic to its peers (1mbit, 500kbit)
  delay MS[/JITTER] NODE                  delay it (needs sch_netem; --dry-run prints
                                          the tc commands)
  heal NODE                               remove its network faults and any partition
                                          it is part of
  pause NODE | resume NODE                SIGSTOP / SIGCONT its servers
  kill NODE                               SIGKILL NODE's servers
  start [--no-wait] NODE                  start them again; they rejoin the cluster
                                          (--no-wait: return once launched, for
                                          perseus --fault-cmd 'start=...')
  heal-all                                every fault of every node undone

  experiment [--engine E] [--nodes N] [--set KEY=VALUE]... [--duration S] [--fault KIND]
             [--fault-at S] [--undo-at S] [--target NODE|leader|replica]
             [--results DIR] [--ready-timeout S]
                                          up if needed, wait until ready, run
                                          perseus with the fault on the target
                                          (default: the leader, which perseus asks
                                          for when the fault fires; galera has none,
                                          n1; replica: a node that does not lead)
                                          at --fault-at (default 20) and its undo at
                                          --undo-at (default 40; patroni 20 + 2 x ttl
                                          + 10), for --duration (default undo + 20;
                                          patroni undo + 30), report, heal the
                                          target and wait until ready again.
                                          KIND: isolate (default), isolate-in,
                                          isolate-out, partition:SHAPE, kill, pause,
                                          loss:PCT, bandwidth:RATE, delay:MS[/JITTER].
                                          --isolate-at, --rejoin-at: the same as
                                          --fault-at, --undo-at
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
    leader) lab_leader ;;
    isolate | isolate-in | isolate-out | rejoin | partition | partition:* | heal | loss | loss:* \
        | bandwidth | bandwidth:* | delay | delay:* | pause | resume)
        lab_tools
        lab_fault "$command" "$@"
        ;;
    heal-all) lab_heal_all ;;
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
