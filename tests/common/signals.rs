//! Children with the default action for the signals the tests send. A shell
//! started with a signal ignored can neither trap nor be ended by it, and
//! tests inherit ignored signals from how they were started: `nohup`
//! ignores SIGHUP; a shell without job control starts `cmd &` with SIGINT
//! and SIGQUIT ignored.

use std::process::Command;

pub trait DefaultSignals {
    fn default_signals(&mut self) -> &mut Self;
}

impl DefaultSignals for Command {
    fn default_signals(&mut self) -> &mut Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: signal() is async-signal-safe, as pre_exec requires.
        unsafe {
            self.pre_exec(|| {
                for signal in [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                Ok(())
            })
        }
    }
}
