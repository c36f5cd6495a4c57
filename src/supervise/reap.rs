//! The supervisor keeps every process of its unit, as systemd's cgroup
//! does: it is a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so what
//! the server starts and leaves behind — Patroni starts the postmaster
//! through a helper that exits at once, as pg_ctl does — is re-parented to
//! the supervisor instead of to init. The lab's `kill` (the supervisor's
//! descendants) and `pause` then reach it, and the supervisor reaps it when
//! it ends, as PID 1 would: a zombie postmaster would look alive to
//! Patroni, which would then never start it again.

use super::policy::Ended;

/// Makes this process the subreaper of its descendants; an error names why
/// (the kernel refused), and the lab then behaves as before.
pub fn become_subreaper() -> Result<(), String> {
    // SAFETY: prctl with an integer option and plain integer arguments.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!(
            "cannot become the subreaper of the server's processes ({}): what it leaves behind goes to init",
            std::io::Error::last_os_error()
        ))
    }
}

/// How a `waitpid` status ended a process.
fn ended(status: libc::c_int) -> Ended {
    if libc::WIFEXITED(status) {
        Ended::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Ended::Signaled(libc::WTERMSIG(status))
    } else {
        Ended::Exited(-1)
    }
}

/// Waits until `pid` (the server) ends, reaping every other child that
/// ends meanwhile (an orphan re-parented here) and telling `orphan` of it.
pub fn wait_for(pid: u32, orphan: &mut impl FnMut(u32, Ended)) -> Ended {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes one int through a valid pointer.
        let got = unsafe { libc::waitpid(-1, &mut status, 0) };
        if got > 0 && got as u32 == pid {
            return ended(status);
        }
        if got > 0 {
            orphan(got as u32, ended(status));
            continue;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            // No child at all: the server is gone and was reaped elsewhere.
            _ => return Ended::Exited(-1),
        }
    }
}

/// Reaps every child that has ended, without waiting (between a server's
/// end and its restart, while orphans may still end).
pub fn reap_ended(orphan: &mut impl FnMut(u32, Ended)) {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes one int through a valid pointer.
        let got = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if got <= 0 {
            return;
        }
        orphan(got as u32, ended(status));
    }
}
