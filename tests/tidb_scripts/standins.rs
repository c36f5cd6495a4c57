//! The strict stand-ins for pd-server, tikv-server and tidb-server
//! (tests/fixtures/standins/): they refuse flags the real servers do not
//! have, with the real flag libraries' messages, and accept every command
//! line the run scripts build; tidb-server exits, as the real one does,
//! when its Unix socket exists and answers.

use crate::support::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One stand-in, run with `args` and the given environment, in `dir` (where
/// a tidb-server writes its slow-query log unless told otherwise).
pub fn standin(dir: &Scratch, server: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(standins().join(server));
    cmd.args(args)
        .stdin(Stdio::null())
        .current_dir(dir.path(""));
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("run a stand-in"))
}

/// A stand-in left serving in a process group of its own (so that what it
/// starts, such as its socket's listener, goes with it); killed on drop.
pub struct Serving(Child);

impl Serving {
    pub fn start(mut cmd: Command) -> Serving {
        use std::os::unix::process::CommandExt;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start a stand-in");
        Serving(child)
    }

    /// Waits until `ready` holds, or panics after 20 s (or if it exited).
    pub fn wait_for(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let end = Instant::now() + Duration::from_secs(20);
        while !ready() {
            if let Ok(Some(status)) = self.0.try_wait() {
                panic!("the stand-in exited ({status}) before {what}");
            }
            assert!(Instant::now() < end, "no {what} after 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

#[test]
fn standins_refuse_flags_the_real_servers_do_not_have() {
    let dir = Scratch::new("standin-flags");
    standin(&dir, "tidb-server", &["--bogus=1"], &[])
        .expect_error(&["flag provided but not defined: --bogus"]);
    standin(&dir, "tidb-server", &["-P"], &[]).expect_error(&["flag needs an argument: -P"]);
    standin(&dir, "pd-server", &["--client-url=http://x:1"], &[])
        .expect_error(&["unknown flag: --client-url"]);
    // pflag reads one dash as shorthand letters, not a long name.
    standin(&dir, "pd-server", &["-name", "pd1"], &[])
        .expect_error(&["unknown shorthand flag: 'n' in -name"]);
    standin(&dir, "tikv-server", &["--status=127.0.0.1:1"], &[])
        .expect_error(&["Found argument '--status' which wasn't expected"]);
    standin(&dir, "tikv-server", &["stray"], &[]).expect_error(&["Found argument 'stray'"]);
    // What the real ones accept, in each library's spellings.
    let check = [("STANDIN_CHECK_ONLY", "1")];
    standin(
        &dir,
        "tidb-server",
        &["-P", "4000", "-socket=", "--status=1"],
        &check,
    )
    .expect_ok("tidb");
    standin(
        &dir,
        "pd-server",
        &["--name", "p", "-L", "info", "--log-file=x"],
        &check,
    )
    .expect_ok("pd");
    standin(
        &dir,
        "tikv-server",
        &["-s", "d", "--pd=a:1,b:2", "-Cc.toml"],
        &check,
    )
    .expect_ok("tikv");
}

#[test]
fn tidb_standin_exits_when_its_socket_exists_and_answers() {
    let scratch = Scratch::new("standin-socket");
    let sock = scratch.path("tidb.sock").display().to_string();
    let port = free_port().to_string();
    let mut cmd = Command::new(standins().join("tidb-server"));
    cmd.args(["--host=127.0.0.1", "-P", &port, &format!("--socket={sock}")])
        .current_dir(scratch.path(""));
    let mut first = Serving::start(cmd);
    first.wait_for("its socket", || scratch.path("tidb.sock").exists());
    let start = [("STANDIN_EXIT_AFTER_START", "1")];
    standin(
        &scratch,
        "tidb-server",
        &["-P", "1", &format!("--socket={sock}")],
        &start,
    )
    .expect_error(&[&format!("unix socket {sock} exists and is functional")]);
    drop(first);
    // A socket nobody answers on any more is stale: removed, and started.
    standin(
        &scratch,
        "tidb-server",
        &["-P", "1", &format!("--socket={sock}")],
        &start,
    )
    .expect_ok("over a stale socket");
}
