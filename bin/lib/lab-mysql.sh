# shellcheck shell=bash
# What the MySQL-protocol engines (galera, tidb) share: the schema and the
# client's user, made through the engine's mariadb client, and the variable
# that carries perseus's password. Needs common.sh and lab-config.sh.

# lab_mysql_schema SQL_FUNCTION: etc/schema.sql (database lily, table
# storage), then user perseus with the lab's password, through
# SQL_FUNCTION n1 (the engine's lab_E_sql). Everything goes on stdin: a
# password in an argv is anyone's to read in /proc.
lab_mysql_schema() {
    local sql="$1" schema="$PERSEUS_ROOT/etc/schema.sql" password
    [[ -r "$schema" ]] || die "$schema is missing"
    password="$(<"$(lab_password_file)")"
    "$sql" n1 <"$schema" || die "creating the schema from $schema failed"
    # The host reaches the nodes from the bridge address, so the user's host
    # pattern must match it: '%'. The password is hex (lab_up makes it).
    "$sql" n1 <<SQL || die "creating user perseus failed"
CREATE USER IF NOT EXISTS 'perseus'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON lily.* TO 'perseus'@'%';
SQL
}

# The mariadb client, and perseus's MySQL client, read the password here.
lab_mysql_password_var() { printf 'MYSQL_PWD\n'; }
