//! Pieces of bin/'s shell scripts that need neither root nor a lab: the
//! policy-rc.d guard of bin/lib/lab-install.sh (pointed at a scratch path),
//! bin/lib/lab-proc.sh's mark check on a large environment, the stamp of a
//! hand-appended fault in bin/lib/faultlog.sh, bin/local-servers.sh
//! telling its own server from a stranger that got its PID, and the lab's
//! engine-interface check. Fast; every test has its own scratch directory.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

#[path = "common/bash.rs"]
mod bash;
#[path = "common/signals.rs"]
mod signals;
use bash::{bash, root, text};

/// A scratch directory, unique per test and process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("perseus-shlib-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// lab_packages with ensure_packages replaced by ACTION ($2), the policy
/// file at $1, and an EXIT trap of the caller's own.
fn lab_packages(policy: &Path, action: &str) -> Output {
    let body = r#"
LAB_POLICY_RC="$1"
trap 'echo caller-exit' EXIT
ensure_packages() {
    if [[ -x "$LAB_POLICY_RC" ]] && grep -qx 'exit 101' "$LAB_POLICY_RC"; then echo policy-in-place; fi
    eval "$ACTION"
}
ACTION="$2"
lab_packages some-package
echo after
"#;
    bash(
        &["common", "deps", "lab-install"],
        body,
        &[policy.to_str().unwrap(), action],
    )
}

#[test]
fn policy_rc_made_by_the_install_goes_however_it_ends() {
    let dir = Scratch::new("policy");
    let policy = dir.path("policy-rc.d");

    let out = lab_packages(&policy, ":");
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "policy-in-place\nafter\ncaller-exit\n");
    assert!(!policy.exists(), "left behind after a good install");

    let out = lab_packages(&policy, "die boom");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("caller-exit"),
        "caller's EXIT trap lost"
    );
    assert!(!policy.exists(), "left behind after a failed install");

    // Ctrl-C reaches the whole foreground process group; so does kill 0.
    for (signal, number) in [
        ("HUP", libc::SIGHUP),
        ("INT", libc::SIGINT),
        ("TERM", libc::SIGTERM),
    ] {
        let out = lab_packages(&policy, &format!("kill -s {signal} 0; sleep 5"));
        assert_eq!(
            out.status.signal(),
            Some(number),
            "SIG{signal} is passed on"
        );
        assert!(text(&out.stdout).contains("policy-in-place"));
        assert!(!text(&out.stdout).contains("after"));
        assert!(!policy.exists(), "left behind after SIG{signal}");
    }
}

#[test]
fn policy_rc_that_was_there_stays() {
    let dir = Scratch::new("policy-there");
    let policy = dir.path("policy-rc.d");
    let theirs = "#!/bin/sh\n# the image's own\nexit 101\n";
    std::fs::write(&policy, theirs).unwrap();
    for action in [":", "die boom", "kill -s INT 0; sleep 5"] {
        lab_packages(&policy, action);
        assert_eq!(
            std::fs::read_to_string(&policy).ok().as_deref(),
            Some(theirs),
            "after {action}"
        );
    }
}

/// A child whose environment carries the lab's mark followed by ~800 KB of
/// other variables (Rust orders the environment by name: Z* come after P*).
fn marked_sleeper(lab_dir: &Path) -> Child {
    let big = "x".repeat(100_000);
    let mut cmd = Command::new("sleep");
    cmd.arg("60").env_clear().env("PERSEUS_LAB_DIR", lab_dir);
    for i in 0..8 {
        cmd.env(format!("Z{i}"), &big);
    }
    cmd.spawn().unwrap()
}

#[test]
fn lab_pid_sees_a_live_server_with_a_large_environment() {
    let dir = Scratch::new("environ");
    let lab = dir.path("lab");
    std::fs::create_dir_all(lab.join("nodes/n1")).unwrap();
    let mut child = marked_sleeper(&lab);
    std::fs::write(lab.join("nodes/n1/mariadbd.pid"), child.id().to_string()).unwrap();
    let body = r#"
LAB_DIR="$1"
n=0
for i in $(seq 20); do
    if lab_alive n1 mariadbd; then n=$((n + 1)); fi
done
echo "$n"
LAB_DIR="$1-other"
if lab_alive n1 mariadbd; then echo "another lab's"; fi
"#;
    let out = bash(
        &["common", "lab-config", "lab-proc"],
        body,
        &[lab.to_str().unwrap()],
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "20\n", "a live server counted as gone");
}

/// Appends one fault per start (as JSON) with bin/lib/faultlog.sh; returns
/// each line's (t_us, clock) and the script's stderr.
fn stamped(name: &str, starts: &[String]) -> (Vec<(u64, String)>, String) {
    let dir = Scratch::new(name);
    let log = dir.path("events.jsonl");
    std::fs::write(&log, "").unwrap();
    let body: String = starts
        .iter()
        .map(|s| {
            format!(
                "faultlog_append \"$1\" \"{}\" isolate n1 'by hand'\n",
                s.replace('"', "\\\"")
            )
        })
        .collect();
    let out = bash(&["common", "faultlog"], &body, &[log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["t_us"].as_u64().unwrap(),
                v["clock"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (lines, text(&out.stderr))
}

#[test]
fn a_fault_by_hand_from_another_host_is_stamped_from_the_wall_clock() {
    // Another boot (another host): the wall clock, an hour behind the start
    // (clamped to 0, and said) or 5 s after it.
    let (lines, err) = stamped(
        "faultlog-wall",
        &[
            r#"{"unix_us":$(($(date +%s%6N) + 3600000000)),"mono_us":1,"boot_id":"another"}"#
                .into(),
            r#"{"unix_us":$(($(date +%s%6N) - 5000000))}"#.into(),
        ],
    );
    assert!(
        err.contains("behind the log's start") && err.contains("t_us 0"),
        "{err}"
    );
    assert_eq!(
        err.lines().count(),
        1,
        "only the clamped one says so: {err}"
    );
    assert_eq!(lines[0], (0, "wall-behind".to_string()));
    assert_eq!(lines[1].1, "wall");
    assert!(
        (5_000_000..15_000_000).contains(&lines[1].0),
        "{:?}",
        lines[1]
    );
}

#[test]
#[ignore = "needs root"]
fn a_fault_by_hand_on_the_same_host_is_stamped_on_the_runs_monotonic_clock() {
    // /proc/timer_list, where the script reads CLOCK_MONOTONIC, is root's.
    assert_eq!(unsafe { libc::geteuid() }, 0, "needs root");
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    // The run started 2 s ago on CLOCK_MONOTONIC, and the wall clock is an
    // hour off: the stamp follows the monotonic clock.
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let mono_us = now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000;
    let start = format!(
        r#"{{"unix_us":$(($(date +%s%6N) + 3600000000)),"mono_us":{},"boot_id":"{}"}}"#,
        mono_us - 2_000_000,
        boot.trim()
    );
    let (lines, err) = stamped("faultlog-mono", &[start]);
    assert_eq!(err, "");
    assert_eq!(lines[0].1, "monotonic");
    assert!(
        (2_000_000..3_000_000).contains(&lines[0].0),
        "{:?}",
        lines[0]
    );
}

/// bin/local-servers.sh with its state in DIR/state and a one-node cluster.
fn local_servers(dir: &Scratch, cmd: &str) -> Output {
    let cluster = dir.path("cluster.json");
    std::fs::write(
        &cluster,
        r#"{"n1": {"host": "127.0.0.1", "db": {"port": 1}}}"#,
    )
    .unwrap();
    let out = Command::new(root().join("bin/local-servers.sh"))
        .arg(cmd)
        .env("PERSEUS_CLUSTER", &cluster)
        .env("LOCAL_SERVERS_DIR", dir.path("state"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    eprintln!(
        "local-servers.sh {cmd}: {}\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn running(child: &mut Child) -> bool {
    child.try_wait().unwrap().is_none()
}

#[test]
fn local_servers_down_spares_a_process_that_reused_the_pid() {
    let dir = Scratch::new("local-servers");
    std::fs::create_dir_all(dir.path("state/n1")).unwrap();
    let datadir = format!("--datadir={}", dir.path("state/n1/data").display());
    let pidfile = dir.path("state/n1/pid");

    // Strangers: any process, a mariadbd of another datadir.
    let strangers = [
        Command::new("sleep").arg("60").spawn().unwrap(),
        Command::new("bash")
            .arg0("mariadbd")
            .args(["-c", "sleep 60", "x", "--datadir=/elsewhere"])
            .spawn()
            .unwrap(),
    ];
    for mut stranger in strangers {
        std::fs::write(&pidfile, stranger.id().to_string()).unwrap();
        let out = local_servers(&dir, "status");
        assert_eq!(text(&out.stdout), "n1 stopped\n");
        local_servers(&dir, "down");
        assert!(running(&mut stranger), "down ended a stranger");
        assert!(!dir.path("state").exists(), "down left the state");
        let _ = stranger.kill();
        let _ = stranger.wait();
        std::fs::create_dir_all(dir.path("state/n1")).unwrap();
    }

    // Its own server (a stand-in with the name and the datadir) it stops.
    let mut own = Command::new("bash")
        .arg0("mariadbd")
        .args(["-c", "read -r -t 60 _", "x", &datadir])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::fs::write(&pidfile, own.id().to_string()).unwrap();
    let out = local_servers(&dir, "status");
    assert_eq!(
        text(&out.stdout),
        format!("n1 running (pid {})\n", own.id())
    );
    local_servers(&dir, "down");
    assert!(!running(&mut own), "down left its own server running");
}

#[test]
fn an_engine_missing_an_interface_function_is_named_at_start_up() {
    // The real engines define the whole interface: lab.sh starts (--help
    // needs no root, and the check runs before it).
    let help = Command::new(root().join("bin/lab.sh"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success(), "{}", text(&help.stderr));

    // An engine without restart and status is refused, by name.
    let body = r#"
lab_half_prepare() { :; }
lab_half_settings() { :; }
lab_half_check_settings() { :; }
lab_half_components() { :; }
lab_half_entry() { :; }
lab_half_up() { :; }
lab_half_sql() { :; }
lab_half_healthy() { :; }
lab_half_pausable() { :; }
lab_half_schema() { :; }
lab_half_password_var() { :; }
lab_half_leader() { :; }
lab_half_fault_window() { :; }
lab_half_record() { :; }
lab_engine_check half
"#;
    let out = bash(&["common", "lab-engine"], body, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "engine 'half' (bin/lib/lab-half.sh) does not define lab_half_restart lab_half_status"
        ),
        "{err}"
    );
}
