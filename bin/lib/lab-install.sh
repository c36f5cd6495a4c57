# shellcheck shell=bash
# What the lab needs installed, on a fresh Debian machine. Needs common.sh
# and deps.sh.

# Where invoke-rc.d looks for the policy; a variable so that tests can point
# it elsewhere and leave the host's alone.
LAB_POLICY_RC=/usr/sbin/policy-rc.d
# The policy file this script made and has still to remove (empty: none).
LAB_POLICY_OURS=""
# The caller's EXIT/HUP/INT/TERM traps (`trap -p`), put back after the install.
LAB_POLICY_TRAPS=""

# lab_packages PACKAGE...: bin/lib/deps.sh's ensure_packages, with no service
# allowed to start meanwhile (policy-rc.d answers 101, "not allowed"):
# installing mariadb-server would otherwise start Debian's own server.
lab_packages() {
    local rc=0
    if [[ -e "$LAB_POLICY_RC" ]]; then
        # Someone else's (a container image ships one): it stays as it is.
        (ensure_packages "$@") || rc=$?
    else
        # Left behind, ours would keep every service on the host from ever
        # starting, so it goes however this ends: Ctrl-C, kill, a closed terminal.
        LAB_POLICY_TRAPS="$(trap -p EXIT HUP INT TERM)"
        trap lab_policy_done EXIT
        trap 'lab_policy_done; kill -s HUP "$BASHPID"' HUP
        trap 'lab_policy_done; kill -s INT "$BASHPID"' INT
        trap 'lab_policy_done; kill -s TERM "$BASHPID"' TERM
        LAB_POLICY_OURS="$LAB_POLICY_RC"
        printf '#!/bin/sh\n# perseus lab: no service starts while it installs packages\nexit 101\n' >"$LAB_POLICY_OURS"
        chmod 755 "$LAB_POLICY_OURS"
        (ensure_packages "$@") || rc=$?
        lab_policy_done
    fi
    ((rc == 0)) || exit "$rc"
}

# lab_policy_done: removes the policy file if this script made it and puts
# the caller's traps back (then a signal handler re-sends its signal, which
# meets the caller's trap or the default action, as without us). An exit
# during the install runs no EXIT trap of the caller's: lab.sh has none.
lab_policy_done() {
    [[ -z "$LAB_POLICY_OURS" ]] || rm -f -- "$LAB_POLICY_OURS"
    LAB_POLICY_OURS=""
    trap - EXIT HUP INT TERM
    eval "$LAB_POLICY_TRAPS"
}

# lab_need TOOL PACKAGE: installs PACKAGE when TOOL (a command or a file) is missing.
lab_need() {
    command -v "$1" >/dev/null 2>&1 || [[ -e "$1" ]] || lab_packages "$2"
    command -v "$1" >/dev/null 2>&1 || [[ -e "$1" ]] || die "'$1' still missing after installing $2"
}
