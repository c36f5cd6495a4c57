# shellcheck shell=bash
# What TiKV needs from the machine before it starts, for bin/run-kv.sh.
# Needs common.sh and toml.sh.

# tikv_open_files_needed CONFIG: the open files TiKV demands at start with
# CONFIG (empty: its defaults), as its start-up check computes them:
# 1000 + rocksdb.max-open-files (counted twice while Titan is on, the
# default) + raftdb.max-open-files (counted even though Raft Engine, not
# raftdb, keeps the Raft log), each 40960 by default: 123880 in all.
tikv_open_files_needed() {
    local rocksdb raftdb titan
    rocksdb="$(toml_value "$1" rocksdb.max-open-files)"
    raftdb="$(toml_value "$1" raftdb.max-open-files)"
    titan="$(toml_value "$1" rocksdb.titan.enabled)"
    rocksdb="${rocksdb:-40960}"
    [[ "$titan" == false ]] || rocksdb=$((rocksdb * 2))
    printf '%s\n' "$((1000 + rocksdb + ${raftdb:-40960}))"
}

# tikv_raise_open_files NEED: raises this shell's open-file limit (inherited
# by the TiKV it execs) to NEED, as TiKV itself would try: the soft limit up
# to the hard one, the hard one only with the privilege (CAP_SYS_RESOURCE).
tikv_raise_open_files() {
    local soft
    soft="$(ulimit -Sn)"
    [[ "$soft" == unlimited ]] || ((soft >= $1)) || ulimit -Sn "$1" 2>/dev/null || ulimit -n "$1" 2>/dev/null
}

# tikv_fit_open_files: makes TiKV's demand for open files fit this shell's
# limit, or dies saying what to do. TiKV exits at start when it cannot have
# them. Without a TIKV_CONFIG of the user's, when the limit cannot be raised
# to what TiKV's defaults need, TIKV_CONFIG becomes etc/tikv-few-files.toml
# (256 files per database, as `tiup playground` sets).
tikv_fit_open_files() {
    local need
    need="$(tikv_open_files_needed "${TIKV_CONFIG:-}")"
    tikv_raise_open_files "$need" && return 0
    if [[ -z "${TIKV_CONFIG:-}" ]]; then
        TIKV_CONFIG="$PERSEUS_ROOT/etc/tikv-few-files.toml"
        local fewer
        fewer="$(tikv_open_files_needed "$TIKV_CONFIG")"
        if tikv_raise_open_files "$fewer"; then
            say "node $NODE: TiKV's defaults need $need open files, more than this shell may open ($(ulimit -Hn)); starting it with $TIKV_CONFIG ($fewer open files)"
            return 0
        fi
        need="$fewer"
    fi
    die "node $NODE: TiKV needs $need open files (1000 + [rocksdb] max-open-files, twice with Titan, + [raftdb] max-open-files, from ${TIKV_CONFIG}), but this shell may open at most $(ulimit -Hn) and may not raise that. Raise the hard limit (as root: ulimit -Hn $need; for a service LimitNOFILE=$need; for a user nofile in /etc/security/limits.conf), or lower max-open-files in [rocksdb] and [raftdb] of the TiKV config (256 each needs 1768)"
}
