# shellcheck shell=bash
# What the lab needs installed, on a fresh Debian machine. Needs common.sh
# and deps.sh.

# lab_packages PACKAGE...: bin/lib/deps.sh's ensure_packages, with no service
# allowed to start meanwhile (policy-rc.d answers 101, "not allowed"):
# installing mariadb-server would otherwise start Debian's own server.
lab_packages() {
    local policy=/usr/sbin/policy-rc.d created="" rc=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\n# perseus lab: no service starts while it installs packages\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created=1
    fi
    (ensure_packages "$@") || rc=$?
    [[ -z "$created" ]] || rm -f "$policy"
    ((rc == 0)) || exit "$rc"
}

# lab_need TOOL PACKAGE: installs PACKAGE when TOOL (a command or a file) is missing.
lab_need() {
    command -v "$1" >/dev/null 2>&1 || [[ -e "$1" ]] || lab_packages "$2"
    command -v "$1" >/dev/null 2>&1 || [[ -e "$1" ]] || die "'$1' still missing after installing $2"
}
