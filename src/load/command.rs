//! The commands perseus runs for a fault (and to find the leader): each in
//! a process group of its own, so that it and whatever it starts can be
//! ended together — at its timeout, or at the stop.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How long a command ended at the stop gets to exit after SIGTERM.
pub const TERM_GRACE: Duration = Duration::from_millis(300);

/// The variables that carry the database's password to perseus: never
/// handed on to a command (which may run anything, anywhere).
pub const PASSWORD_VARIABLES: &[&str] = &["MYSQL_PWD", "PGPASSWORD"];

/// `words` as a command in its own process group, without the password
/// variables in its environment.
pub fn command(words: &[String]) -> Option<Command> {
    use std::os::unix::process::CommandExt;
    let (program, args) = words.split_first()?;
    let mut cmd = Command::new(program);
    cmd.args(args).process_group(0);
    for variable in PASSWORD_VARIABLES {
        cmd.env_remove(variable);
    }
    Some(cmd)
}

/// Sends `signal` to the command's process group (it leads it), and reaps
/// it when that is SIGKILL.
pub fn kill_group(child: &mut Child, signal: i32) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on a process group we created; no memory involved.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
    if signal == libc::SIGKILL {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Ends a command: SIGTERM to its group, then SIGKILL to what is left
/// after a short grace.
pub fn end(child: &mut Child) {
    kill_group(child, libc::SIGTERM);
    let deadline = Instant::now() + TERM_GRACE;
    while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(5));
    }
    kill_group(child, libc::SIGKILL);
}
