# shellcheck shell=bash
# The lab's server processes: started detached inside a node's namespace,
# known by the PID recorded at start, stopped by that PID only.
# Needs bin/lib/common.sh and bin/lib/lab-config.sh.

lab_pidfile() { printf '%s/%s.pid\n' "$(lab_node_dir "$1")" "$2"; }
lab_logfile() { printf '%s/%s.log\n' "$(lab_node_dir "$1")" "$2"; }

# lab_spawn NODE COMPONENT COMMAND...: runs COMMAND in NODE's namespace in a
# session of its own (a Ctrl-C on the terminal does not reach it), output
# appended to COMPONENT.log, PID in COMPONENT.pid. The subshell, `setsid`
# and `ip netns exec` all exec, so the PID is the server's. PERSEUS_LAB_DIR
# in its environment tells our processes from any other that got the same
# PID later.
lab_spawn() {
    local node="$1" comp="$2"
    shift 2
    (
        lab_close_fds
        PERSEUS_LAB_DIR="$LAB_DIR" exec setsid ip netns exec "$(lab_ns "$node")" "$@"
    ) </dev/null >>"$(lab_logfile "$node" "$comp")" 2>&1 &
    printf '%s\n' "$!" >"$(lab_pidfile "$node" "$comp")"
    # Not this shell's job: a kill of the server later (by a fault command,
    # another lab.sh) is no news to print here.
    disown "$!"
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

# lab_pid NODE COMPONENT: the recorded PID, if that process still runs and
# is ours; fails otherwise.
lab_pid() {
    local file pid
    file="$(lab_pidfile "$1" "$2")"
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

# lab_tree PID: PID and its descendants (a server's helpers, such as the
# rsync that Galera's state transfer starts), parents first.
lab_tree() { proc_tree "$1"; }

# lab_kill NODE COMPONENT: SIGKILL to the recorded process and its
# descendants, then waits (up to 10 s) until it is gone.
lab_kill() {
    local pid pids i
    pid="$(lab_pid "$1" "$2")" || { rm -f "$(lab_pidfile "$1" "$2")"; return 0; }
    mapfile -t pids < <(lab_tree "$pid")
    kill -KILL "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        lab_alive "$1" "$2" || break
        sleep 0.1
    done
    ! lab_alive "$1" "$2" || die "node $1: $2 (PID $pid) survived SIGKILL for 10 s"
    rm -f "$(lab_pidfile "$1" "$2")"
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
# dies with the log's tail when the process exits or time runs out.
lab_wait() {
    local node="$1" comp="$2" limit="$3" what="$4"
    shift 4
    local deadline=$((SECONDS + limit))
    until "$@" 2>/dev/null; do
        if ! lab_alive "$node" "$comp"; then
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
