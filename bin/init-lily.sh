#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Creates the lily.storage table perseus uses, through NODE's SQL port:
# bin/init-lily.sh NODE. Safe to run again (the schema files are
# idempotent). The node's db.protocol in the cluster file picks the schema
# and the client: etc/schema.sql with mysql (or mariadb) for a MySQL-protocol
# node (the default), etc/schema-postgres.sql with psql for "postgres".
# User: PERSEUS_USER (default root). A password, if any, goes in the
# environment, never on the command line, where other users could see it in
# the process list: MYSQL_PWD; for a PostgreSQL node PGPASSWORD, else
# MYSQL_PWD (as perseus reads them).
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
protocol="$(cluster_protocol "$cluster" "$node")"

# mysql_apply SCHEMA: the schema through a MySQL client. TiDB speaks the
# MySQL protocol: either client will do. --protocol=TCP: with host
# "localhost" the client would otherwise try its own default Unix socket
# (MariaDB's), not the node's TiDB: TiDB's socket, if any, is the one
# bin/run-db.sh put in the node's directory, and the node is known by host
# and port. --connect-timeout bounds the connection, timeout(1) the
# statements (a TiDB without its TiKVs can sit on DDL).
mysql_apply() {
    timeout 300 "$client" --protocol=TCP --host="$host" --port="$port" \
        --user="${PERSEUS_USER:-root}" --connect-timeout=10 --batch <"$1" 2>&1
}

# postgres_apply SCHEMA: the schema through psql, connected to the database
# postgres (lily may not exist yet). TLS as the cluster file asks, as
# perseus uses it: none unless db.sslmode says so (psql would otherwise
# try it first).
postgres_apply() {
    local sslmode rootcert
    sslmode="$(cluster_field "$cluster" "$node" '.db.sslmode // "disable"')"
    rootcert="$(cluster_field "$cluster" "$node" '.db.sslrootcert // ""')"
    PGPASSWORD="${PGPASSWORD:-${MYSQL_PWD:-}}" PGSSLMODE="$sslmode" PGSSLROOTCERT="$rootcert" \
        PGCONNECT_TIMEOUT=10 timeout 300 "$client" -X -q -v ON_ERROR_STOP=1 --no-password \
        --host="$host" --port="$port" --username="${PERSEUS_USER:-root}" --dbname=postgres \
        --file="$1" 2>&1
}

case "$protocol" in
    mysql)
        schema="$PERSEUS_ROOT/etc/schema.sql"
        client="$(command -v mysql || command -v mariadb)" \
            || die "needs a MySQL client ('mysql' or 'mariadb'); install it with: apt-get install -y mariadb-client"
        ;;
    postgres)
        schema="$PERSEUS_ROOT/etc/schema-postgres.sql"
        client="$(command -v psql)" \
            || die "needs the PostgreSQL client 'psql'; install it with: apt-get install -y postgresql-client"
        ;;
esac
[[ -r "$schema" ]] || die "cannot read $schema"
status=0
out="$("${protocol}_apply" "$schema")" || status=$?
((status != 124)) || die "node $node ($host:$port): no answer within 300 s while applying $schema"
((status == 0)) || die "node $node ($host:$port): could not apply $schema: $out"
say "node $node ($host:$port): lily.storage is ready"
