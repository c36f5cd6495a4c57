# shellcheck shell=bash
# The lab's server processes: each runs under its own supervisor
# (perseus-supervise: its Debian unit's restart rule, its output kept in the
# node's log, what it did told to the run going on), started detached
# inside a node's namespace, known by the PIDs recorded at start, stopped by
# those PIDs only. Needs bin/lib/common.sh and bin/lib/lab-config.sh, and
# SUPERVISE_BIN (lab_binaries).

lab_pidfile() { printf '%s/%s.pid\n' "$(lab_node_dir "$1")" "$2"; }
lab_logfile() { printf '%s/%s.log\n' "$(lab_node_dir "$1")" "$2"; }
lab_supervisor_pidfile() { printf '%s/%s.supervisor.pid\n' "$(lab_node_dir "$1")" "$2"; }
# The file that names the log of the run going on (an experiment's, a
# suite's): the supervisors append their server events to it.
lab_run_log_pointer() { printf '%s/run-log\n' "$LAB_DIR"; }

# lab_spawn NODE COMPONENT COMMAND...: runs COMMAND in NODE's namespace in a
# session of its own (a Ctrl-C on the terminal does not reach it), output
# appended to COMPONENT.log, PID in COMPONENT.pid. The subshell, `setsid`
# and `ip netns exec` all exec, so the PID is the command's. PERSEUS_LAB_DIR
# in its environment tells our processes from any other that got the same
# PID later. Unsupervised: for the supervisors themselves and one-off tools.
lab_spawn() {
    local node="$1" comp="$2" pidfile
    shift 2
    pidfile="${LAB_SPAWN_PIDFILE:-$(lab_pidfile "$node" "$comp")}"
    (
        lab_close_fds
        PERSEUS_LAB_DIR="$LAB_DIR" exec setsid ip netns exec "$(lab_ns "$node")" "$@"
    ) </dev/null >>"$(lab_logfile "$node" "$comp")" 2>&1 &
    printf '%s\n' "$!" >"$pidfile"
    # Not this shell's job: a kill of the server later (by a fault command,
    # another lab.sh) is no news to print here.
    disown "$!"
}

# lab_supervise NODE COMPONENT RULE DELAY [SUPERVISOR OPTION...] -- COMMAND...:
# COMMAND as a server of NODE, under perseus-supervise with its unit's
# Restart=RULE and RestartSec=DELAY (docs/lab.md lists each unit's), its
# output in COMPONENT.log, its PID in COMPONENT.pid (kept by the supervisor
# across restarts), the supervisor's in COMPONENT.supervisor.pid. Returns
# once the server runs.
lab_supervise() {
    local node="$1" comp="$2" rule="$3" delay="$4" i
    shift 4
    [[ -n "${SUPERVISE_BIN:-}" ]] || lab_binaries
    rm -f "$(lab_pidfile "$node" "$comp")"
    # A scheduled `start` takes effect when the supervisor spawns its server,
    # a few ms after this; seeing the server alive below comes up to 50 ms
    # of polling (and more on a busy machine) later.
    faultlog_effect
    LAB_SPAWN_PIDFILE="$(lab_supervisor_pidfile "$node" "$comp")" lab_spawn "$node" "$comp" \
        "$SUPERVISE_BIN" --node "$node" --server "$comp" --pidfile "$(lab_pidfile "$node" "$comp")" \
        --log "$(lab_logfile "$node" "$comp")" --restart "$rule" --restart-sec "$delay" \
        --run-log "$(lab_run_log_pointer)" "$@"
    # Until the supervisor has exec'd, its PID does not carry the lab's mark
    # yet: wait while the process exists at all.
    local supervisor
    supervisor="$(<"$(lab_supervisor_pidfile "$node" "$comp")")"
    for ((i = 0; i < 200; i++)); do
        lab_alive "$node" "$comp" && return 0
        kill -0 "$supervisor" 2>/dev/null || break
        sleep 0.05
    done
    lab_log_tail "$node" "$comp"
    die "node $node: $comp did not start under its supervisor"
}

# lab_close_fds: closes every descriptor above 2 of this (sub)shell. A
# server outlives whoever started it, and must hold nothing of theirs open:
# the lab's lock, or a pipe a caller reads to its end (perseus runs `start`
# with its stderr, which the experiment pipes into tee: a server holding it
# kept tee, and whoever waits for the experiment's output, waiting forever).
lab_close_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd="${fd##*/}"
        ((fd > 2)) || continue
        exec {fd}>&-
    done
}

# lab_pid NODE COMPONENT: the recorded PID of the server, if it runs and is
# ours; fails otherwise (also while its supervisor waits to restart it).
lab_pid() { lab_pid_in "$(lab_pidfile "$1" "$2")"; }

# lab_supervisor_pid NODE COMPONENT: the same for its supervisor.
lab_supervisor_pid() { lab_pid_in "$(lab_supervisor_pidfile "$1" "$2")"; }

lab_pid_in() {
    local file="$1" pid
    [[ -r "$file" ]] || return 1
    pid="$(<"$file")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    lab_marked "$pid" || return 1
    printf '%s\n' "$pid"
}

# lab_marked PID: PID runs with this lab's PERSEUS_LAB_DIR in its environment
# (set by lab_spawn and inherited by what our servers start). A zombie has an
# empty environment, so it counts as gone.
lab_marked() {
    # Not `tr | grep -q`: grep stops at the match, tr then dies of SIGPIPE
    # on a large environment, and with pipefail a live server would count as
    # gone. A process substitution's status does not count.
    grep -qxF "PERSEUS_LAB_DIR=$LAB_DIR" < <(tr '\0' '\n' 2>/dev/null <"/proc/$1/environ")
}

lab_alive() { lab_pid "$1" "$2" >/dev/null; }

# lab_supervised NODE COMPONENT: its supervisor runs (the server may be
# waiting out its restart delay).
lab_supervised() { lab_supervisor_pid "$1" "$2" >/dev/null; }

# lab_restarting_note NODE COMPONENT: ", its supervisor starts it again" when
# it does, for the readiness gate's reasons.
lab_restarting_note() {
    ! lab_supervised "$1" "$2" || printf ' (it exited; its supervisor starts it again)'
}

# lab_tree PID: PID and its descendants (a server's helpers, such as the
# rsync that Galera's state transfer starts), parents first.
lab_tree() { proc_tree "$1"; }

# lab_unit_pids NODE COMPONENT: every process of the component's unit, as
# systemd's cgroup holds them: the supervisor's descendants, not the
# supervisor itself (a subreaper: what the server left behind, Patroni's
# postmaster, is its child too); without a supervisor, the server and its
# descendants.
lab_unit_pids() {
    local pid
    if pid="$(lab_supervisor_pid "$1" "$2")"; then
        lab_tree "$pid" | tail -n +2
    elif pid="$(lab_pid "$1" "$2")"; then
        lab_tree "$pid"
    fi
}

# lab_kill_targets NODE COMPONENT: the PIDs a power loss ends, one a line:
# the supervisor's, the server's, and their descendants'.
lab_kill_targets() {
    local pid
    for pid in $(lab_supervisor_pid "$1" "$2") $(lab_pid "$1" "$2"); do
        lab_tree "$pid"
    done
}

# lab_kill NODE COMPONENT: the node loses power: SIGKILL to the supervisor
# first (so that nothing restarts the server), then to the server and their
# descendants; waits (up to 10 s) until they are gone.
lab_kill() {
    local node="$1" comp="$2" pid pids=() i
    mapfile -t pids < <(lab_kill_targets "$node" "$comp")
    if ((${#pids[@]} > 0)); then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        faultlog_effect
    fi
    # A server that was in its restart delay has no PID; one started while
    # the supervisor died is caught here.
    if pid="$(lab_pid "$node" "$comp")"; then
        # shellcheck disable=SC2046 # PIDs
        kill -KILL $(lab_tree "$pid") 2>/dev/null || true
    fi
    for ((i = 0; i < 100; i++)); do
        lab_alive "$node" "$comp" || lab_supervised "$node" "$comp" || break
        sleep 0.1
    done
    ! lab_alive "$node" "$comp" || die "node $node: $comp survived SIGKILL for 10 s"
    ! lab_supervised "$node" "$comp" || die "node $node: the supervisor of $comp survived SIGKILL for 10 s"
    rm -f "$(lab_pidfile "$node" "$comp")" "$(lab_supervisor_pidfile "$node" "$comp")"
}

# lab_run_log_set LOG: names LOG as the run going on (empty: none), for
# the supervisors' server events. Replaced whole, never half written.
lab_run_log_set() {
    local pointer
    pointer="$(lab_run_log_pointer)"
    printf '%s\n' "$1" >"$pointer.new" && mv -f "$pointer.new" "$pointer"
}

# lab_server_logs DIR: the tail of every server's log (its output and its
# supervisor's notes), for the results: DIR/logs/NODE-COMPONENT.log.
lab_server_logs() {
    local dir="$1/logs" node comp log
    mkdir -p "$dir"
    for node in $(lab_node_names); do
        for comp in $(lab_engine_call components); do
            log="$(lab_logfile "$node" "$comp")"
            [[ ! -r "$log" ]] || tail -n 300 "$log" >"$dir/$node-$comp.log"
        done
    done
}

# lab_log_tail NODE COMPONENT: the end of its output, and of the log files
# the TiDB scripts have it write under data/NODE/COMPONENT, for errors.
lab_log_tail() {
    local log
    for log in "$(lab_logfile "$1" "$2")" "$LAB_DIR/data/$1/$2"/*.log; do
        [[ -e "$log" ]] || continue
        printf -- '--- last lines of %s ---\n' "$log" >&2
        tail -n 30 "$log" >&2
    done
    printf -- '---\n' >&2
}

# lab_wait NODE COMPONENT SECONDS WHAT CHECK...: waits until CHECK succeeds;
# dies with the log's tail when the server exits and its supervisor does not
# start it again, or time runs out.
lab_wait() {
    local node="$1" comp="$2" limit="$3" what="$4"
    shift 4
    local deadline=$((SECONDS + limit))
    until "$@" 2>/dev/null; do
        if ! lab_alive "$node" "$comp" && ! lab_supervised "$node" "$comp"; then
            lab_log_tail "$node" "$comp"
            die "node $node: $comp exited before it was $what"
        fi
        if ((SECONDS >= deadline)); then
            lab_log_tail "$node" "$comp"
            die "node $node: $comp not $what after $limit s"
        fi
        sleep 1
    done
}

# lab_await WAIT NODE COMPONENT SECONDS WHAT CHECK...: lab_wait when WAIT is
# "wait"; with "no-wait" (`start --no-wait`, a scheduled fault) it returns
# at once, so that the fault's time in perseus's log is when the node
# started, not when it served again: that wait is what is measured.
lab_await() {
    local wait="$1"
    shift
    case "$wait" in
        wait) lab_wait "$@" ;;
        no-wait) say "node $1: $2 launched, not waiting for it to be $4" ;;
        *) die "lab_await: WAIT is wait or no-wait, not '$wait'" ;;
    esac
}
