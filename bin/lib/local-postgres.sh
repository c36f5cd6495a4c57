# shellcheck shell=bash
# Plain PostgreSQL servers on loopback for the benchmark (bin/bench-perseus.sh):
# each in a data directory of its own under a state directory, run as user
# postgres (PostgreSQL refuses root), found again by the PID recorded at its
# start and ended by it. Not a cluster: no replication. Source after
# common.sh; functions are prefixed local_pg_.

# local_pg_bin PROGRAM: a PostgreSQL server program (Debian keeps them off
# PATH), of the newest version installed.
local_pg_bin() {
    local dirs=(/usr/lib/postgresql/*/bin)
    [[ -x "${dirs[-1]}/$1" ]] || die "needs PostgreSQL's $1 (apt-get install -y postgresql)"
    printf '%s\n' "${dirs[-1]}/$1"
}

# local_pg_alive DIR: the PID recorded in DIR is still the postgres serving
# DIR/data (a reused PID is someone else's, and must not be signalled).
local_pg_alive() {
    local pid args
    [[ -s "$1/pid" ]] || return 1
    pid="$(<"$1/pid")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    [[ ${#args[@]} -gt 2 && "$(basename -- "${args[0]}")" == postgres && "${args[2]}" == "$1/data" ]]
}

# local_pg_up DIR PORT: a new server in DIR (made and owned by postgres)
# listening on 127.0.0.1:PORT, trusting loopback connections (a benchmark,
# not a deployment), commits not waiting for the disk as the local MariaDB
# servers' do not (innodb-flush-log-at-trx-commit=0); returns when it answers.
local_pg_up() {
    local dir="$1" port="$2" waited=0
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "port $port on 127.0.0.1 is in use"
    mkdir -p "$dir"
    chown postgres: "$dir"
    setpriv --reuid=postgres --regid=postgres --init-groups \
        "$(local_pg_bin initdb)" --auth=trust -U postgres --encoding=UTF8 --locale=C --no-sync \
        -D "$dir/data" >"$dir/initdb.log" 2>&1 || die "initdb in $dir failed; see $dir/initdb.log"
    setpriv --reuid=postgres --regid=postgres --init-groups \
        "$(local_pg_bin postgres)" -D "$dir/data" -p "$port" -c listen_addresses=127.0.0.1 \
        -c unix_socket_directories="$dir" -c synchronous_commit=off -c shared_buffers=64MB \
        -c max_connections=100 </dev/null >/dev/null 2>"$dir/server.log" &
    echo "$!" >"$dir/pid"
    until pg_isready -q -h 127.0.0.1 -p "$port"; do
        kill -0 "$(<"$dir/pid")" 2>/dev/null || { tail -n 20 "$dir/server.log" >&2; die "postgres in $dir exited; log above"; }
        ((waited++ < 300)) || die "postgres in $dir: not ready after 30 s; see $dir/server.log"
        sleep 0.1
    done
}

# local_pg_down DIR: a fast shutdown of DIR's server (SIGINT), SIGKILL after
# 10 s; then its data is deleted.
local_pg_down() {
    local dir="$1" pid
    if local_pg_alive "$dir"; then
        pid="$(<"$dir/pid")"
        kill -INT "$pid"
        for _ in $(seq 100); do local_pg_alive "$dir" || break; sleep 0.1; done
        ! local_pg_alive "$dir" || kill -9 "$pid"
    fi
    rm -rf "${dir:?}"
}
