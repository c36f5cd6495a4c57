//! The TiDB-side shell scripts, run as a user would: get-tidb.sh against
//! fixture tarballs (a local directory and a loopback HTTP server), the
//! run-*.sh command lines through --dry-run, init-lily.sh against a real
//! MariaDB server, and test.sh in a scratch copy of the project.
//!
//! Every test has its own directories and loopback ports, so the tests run in
//! parallel with each other and with other test binaries. No traffic leaves
//! 127.0.0.1. The modules live in tests/tidb_scripts/ (not test targets of
//! their own).

#[path = "tidb_scripts/get_tidb.rs"]
mod get_tidb;
#[path = "tidb_scripts/http.rs"]
mod http;
#[path = "tidb_scripts/init_lily.rs"]
mod init_lily;
#[path = "tidb_scripts/mariadb.rs"]
mod mariadb;
#[path = "tidb_scripts/run_scripts.rs"]
mod run_scripts;
#[path = "common/signals.rs"]
mod signals;
#[path = "tidb_scripts/standins.rs"]
mod standins;
#[path = "tidb_scripts/support.rs"]
mod support;
#[path = "tidb_scripts/test_sh.rs"]
mod test_sh;
