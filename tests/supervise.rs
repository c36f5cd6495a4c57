//! perseus-supervise keeps every process of its unit, as systemd's cgroup
//! does: a process the server leaves behind (Patroni's postmaster, started
//! through a helper that exits) becomes the supervisor's child, so that the
//! lab's kill and pause reach it, and the supervisor reaps it when it ends
//! (a zombie postmaster would look alive to Patroni). No root needed.

mod netns;

use netns::lab::wait_for;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The field after the command's name in /proc/PID/stat (which may hold
/// spaces): state, then the parent's PID.
fn stat(pid: u32) -> Option<(String, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.to_string();
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[test]
fn what_the_server_leaves_behind_is_the_supervisors_and_reaped() {
    let dir = std::env::temp_dir().join(format!("perseus-supervise-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pidfile, log, orphan_file) = (
        dir.join("server.pid"),
        dir.join("server.log"),
        dir.join("orphan.pid"),
    );
    // The server starts a helper that starts a long sleep and exits at
    // once, leaving the sleep behind; then it runs on itself.
    let script = format!(
        "sh -c 'sleep 60 & echo $! > {}' ; exec sleep 60",
        orphan_file.display()
    );
    let mut supervisor = Command::new(env!("CARGO_BIN_EXE_perseus-supervise"))
        .args(["--node", "n1", "--server", "demo", "--pidfile"])
        .arg(&pidfile)
        .arg("--log")
        .arg(&log)
        .args(["--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let orphan = wait_for(Duration::from_secs(10), || read_pid(&orphan_file).is_some())
        .then(|| read_pid(&orphan_file).unwrap());
    let adopted = orphan.is_some_and(|pid| {
        wait_for(Duration::from_secs(10), || {
            stat(pid).is_some_and(|(_, ppid)| ppid == supervisor.id())
        })
    });
    let reaped = orphan.is_some_and(|pid| {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        wait_for(Duration::from_secs(10), || stat(pid).is_none())
    });
    let server = read_pid(&pidfile);
    let _ = Command::new("kill")
        .args(["-TERM", &supervisor.id().to_string()])
        .status();
    let _ = supervisor.wait();
    if let Some(pid) = server {
        // Normally gone with the supervisor's SIGTERM already.
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    let notes = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(orphan.is_some(), "the helper never started its sleep");
    assert!(adopted, "the orphan was not re-parented to the supervisor");
    assert!(
        reaped,
        "the orphan stayed a zombie: {:?}",
        orphan.and_then(stat)
    );
    let pid = orphan.unwrap();
    assert!(
        notes.contains(&format!("PID {pid}, left behind by demo, exited: signal 9")),
        "{notes}"
    );
}
