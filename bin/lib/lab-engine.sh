# shellcheck shell=bash
# The lab's engine interface: what a database engine must define for
# bin/lab.sh to build, run, check and fault a cluster of it, and the
# dispatcher that calls it. Needs common.sh.
#
# An engine E lives in bin/lib/lab-E.sh (sourced by bin/lab.sh) and
# defines these functions; the shared commands call them only through
# lab_engine_call FUNCTION ARGS... (lab_E_FUNCTION of the running lab):
#
#   lab_E_prepare            checks (and installs) what E needs; dies with
#                            what is missing, before anything is built
#   lab_E_settings           E's settings (`up --set KEY=VALUE`), one a line:
#                            KEY<TAB>DEFAULT<TAB>what it sets; lab_setting
#                            KEY reads one of the lab that is up
#   lab_E_check_settings     dies naming a setting of WANT_SETTINGS (the
#                            settings asked for, KEY → VALUE) that E would
#                            refuse, alone or with the others
#   lab_E_components         the servers of one node, one name a line (their
#                            .pid and .log files in the node's directory,
#                            each run by lab_supervise as its unit would)
#   lab_E_entry NODE         NODE's fields in the cluster file besides host,
#                            as one JSON object (db.port at least)
#   lab_E_up                 starts every node's servers (network, state and
#                            cluster file are ready) and waits until they serve
#   lab_E_restart NODE WAIT  starts whatever of NODE's servers is down; WAIT
#                            is "wait" (until they serve) or "no-wait" (return
#                            once launched, for a scheduled fault)
#   lab_E_healthy            prints one line saying what keeps the cluster
#                            from being whole and ready for a measurement
#                            (a server down, a node not synced, replicas
#                            missing...), nothing when it is; the readiness
#                            gate (bin/lib/lab-ready.sh) polls it
#   lab_E_sql NODE [ARGS]    the engine's SQL client as an administrator on
#                            NODE (mariadb, psql), SQL on stdin (or the
#                            client's own -e, -c), one row a line with
#                            tab-separated fields; ARGS are the client's own
#   lab_E_status NODE        one field for `lab.sh status`
#   lab_E_pausable           the components `pause` freezes, one a line
#                            (each with every process of its unit)
#   lab_E_schema             creates database lily, its table storage and the
#                            client's user perseus with the lab's password
#                            (SQL on stdin: never a password in an argv)
#   lab_E_password_var       the environment variable that gives perseus the
#                            password (MYSQL_PWD, PGPASSWORD): for `env` and
#                            the runs, never for the servers
#   lab_E_leader             prints the leader's node; status 1 when none is
#                            elected now, 2 when the engine has no leader
#                            (every node takes writes), each saying so
#   lab_E_fault_window       two numbers, WINDOW TAIL: an experiment's undo
#                            comes WINDOW s after its fault by default, its
#                            end TAIL s after the undo (a failover needs time)
#   lab_E_record DIR WHEN    writes the engine's view of the cluster into an
#                            experiment's results DIR, WHEN before or after
#                            the run (roles, history), or nothing
#
# To add an engine: write bin/lib/lab-E.sh, source it in bin/lab.sh, add E
# to LAB_KNOWN_ENGINES. lab_engines_check refuses to start while one is missing.

LAB_KNOWN_ENGINES="galera tidb patroni"
LAB_ENGINE_FUNCTIONS="prepare settings check_settings components entry up restart healthy sql status pausable schema password_var leader fault_window record"

# lab_engine_call FUNCTION ARGS...: lab_ENGINE_FUNCTION of the lab's engine.
lab_engine_call() {
    local fn="$1"
    shift
    "lab_${LAB_ENGINE}_$fn" "$@"
}

# lab_engine_check ENGINE: dies naming the engine and each function of the
# interface it does not define.
lab_engine_check() {
    local engine="$1" fn missing=()
    for fn in $LAB_ENGINE_FUNCTIONS; do
        declare -F "lab_${engine}_$fn" >/dev/null || missing+=("lab_${engine}_$fn")
    done
    ((${#missing[@]} == 0)) \
        || die "engine '$engine' (bin/lib/lab-$engine.sh) does not define ${missing[*]}: every engine needs $LAB_ENGINE_FUNCTIONS (see bin/lib/lab-engine.sh)"
}

# lab_engines_check: every engine of LAB_KNOWN_ENGINES, at start-up.
lab_engines_check() {
    local engine
    for engine in $LAB_KNOWN_ENGINES; do
        lab_engine_check "$engine"
    done
}
