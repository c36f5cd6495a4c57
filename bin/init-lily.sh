#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Creates the lily.storage table perseus uses, through NODE's SQL port:
# bin/init-lily.sh NODE. Safe to run again (etc/schema.sql is idempotent).
# User: PERSEUS_USER (default root). A password, if any, goes in MYSQL_PWD,
# which the client reads from the environment: never on the command line,
# where other users could see it in the process list.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"

[[ $# -eq 1 && "$1" != -* ]] || die "usage: $(basename "$0") NODE (one of: $(cluster_nodes "$(cluster_file)" | paste -sd, -))"
node="$1"
cluster="$(cluster_file)"
host="$(cluster_field "$cluster" "$node" .host)"
port="$(tidb_port "$cluster" "$node" .db.port)"
schema="$PERSEUS_ROOT/etc/schema.sql"
[[ -r "$schema" ]] || die "cannot read $schema"

# TiDB speaks the MySQL protocol: either client will do.
client="$(command -v mysql || command -v mariadb)" \
    || die "needs a MySQL client ('mysql' or 'mariadb'); install it with: apt-get install -y mariadb-client"

# --protocol=TCP: with host "localhost" the client would otherwise try its
# own default Unix socket (MariaDB's), not the node's TiDB: TiDB's socket,
# if any, is the one bin/run-db.sh put in the node's directory, and the
# node is known by host and port. --connect-timeout bounds the
# connection, timeout(1) the statements (a TiDB without its TiKVs can sit on
# DDL).
status=0
out="$(timeout 300 "$client" --protocol=TCP --host="$host" --port="$port" \
    --user="${PERSEUS_USER:-root}" --connect-timeout=10 --batch <"$schema" 2>&1)" || status=$?
((status != 124)) || die "node $node ($host:$port): no answer within 300 s while applying $schema"
((status == 0)) || die "node $node ($host:$port): could not apply $schema: $out"
say "node $node ($host:$port): lily.storage is ready"
