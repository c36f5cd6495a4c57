//! When a supervised server is started again: systemd's `Restart=` rules
//! and its start limit, as the Debian units the lab imitates use them
//! (systemd.service(5), systemd.unit(5)). Pure, so each rule is tested on
//! exit statuses built by hand.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How a server's process ended, as `waitpid` told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// A signal ended it.
    Signaled(i32),
}

impl Ended {
    /// SIGHUP, SIGINT, SIGTERM and SIGPIPE are a clean end to systemd: no
    /// `Restart=on-failure` or `on-abnormal` restarts a server they end.
    fn clean_signal(self) -> bool {
        matches!(
            self,
            Ended::Signaled(libc::SIGHUP | libc::SIGINT | libc::SIGTERM | libc::SIGPIPE)
        )
    }
}

/// systemd's `Restart=` (the values the lab's units use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    No,
    /// An unclean exit status or an unclean signal (patroni.service).
    OnFailure,
    /// An unclean signal only (mariadb.service, etcd.service).
    OnAbnormal,
    /// Whatever the end (haproxy.service).
    Always,
}

impl Restart {
    pub fn parse(word: &str) -> Option<Restart> {
        match word {
            "no" => Some(Restart::No),
            "on-failure" => Some(Restart::OnFailure),
            "on-abnormal" => Some(Restart::OnAbnormal),
            "always" => Some(Restart::Always),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Restart::No => "no",
            Restart::OnFailure => "on-failure",
            Restart::OnAbnormal => "on-abnormal",
            Restart::Always => "always",
        }
    }

    /// Whether a server that ended so is started again (exit status 0 is
    /// the only clean status: no unit of the lab sets SuccessExitStatus
    /// but haproxy's, whose Restart=always makes it moot).
    pub fn restarts(self, ended: Ended) -> bool {
        match self {
            Restart::No => false,
            Restart::Always => true,
            Restart::OnFailure => match ended {
                Ended::Exited(status) => status != 0,
                Ended::Signaled(_) => !ended.clean_signal(),
            },
            Restart::OnAbnormal => matches!(ended, Ended::Signaled(_)) && !ended.clean_signal(),
        }
    }
}

/// systemd's start limit: more than `burst` starts within `interval` and
/// the unit is given up (`StartLimitBurst=5`, `StartLimitIntervalSec=10s`
/// by default). With a restart delay of 5 s it is never reached; with
/// systemd's default delay of 100 ms a server that keeps crashing is.
#[derive(Debug, Clone)]
pub struct StartLimit {
    burst: usize,
    interval: Duration,
    starts: VecDeque<Instant>,
}

impl StartLimit {
    pub fn new(burst: usize, interval: Duration) -> StartLimit {
        StartLimit {
            burst,
            interval,
            starts: VecDeque::new(),
        }
    }

    /// Records a start at `now` if the limit allows it; false when it does
    /// not (the start is not recorded).
    pub fn allow(&mut self, now: Instant) -> bool {
        while self
            .starts
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.interval)
        {
            self.starts.pop_front();
        }
        if self.starts.len() >= self.burst {
            return false;
        }
        self.starts.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABORT: Ended = Ended::Signaled(libc::SIGABRT);
    const KILLED: Ended = Ended::Signaled(libc::SIGKILL);
    const TERM: Ended = Ended::Signaled(libc::SIGTERM);
    const FAILED: Ended = Ended::Exited(1);
    const DONE: Ended = Ended::Exited(0);

    #[test]
    fn each_rule_restarts_what_systemd_restarts() {
        let table = [
            (Restart::OnAbnormal, [true, true, false, false, false]),
            (Restart::OnFailure, [true, true, false, true, false]),
            (Restart::Always, [true, true, true, true, true]),
            (Restart::No, [false, false, false, false, false]),
        ];
        for (rule, want) in table {
            let got = [ABORT, KILLED, TERM, FAILED, DONE].map(|e| rule.restarts(e));
            assert_eq!(got, want, "Restart={}", rule.name());
            assert_eq!(Restart::parse(rule.name()), Some(rule));
        }
        assert_eq!(Restart::parse("sometimes"), None);
    }

    #[test]
    fn the_start_limit_refuses_a_burst_and_forgets_old_starts() {
        let t0 = Instant::now();
        let mut limit = StartLimit::new(3, Duration::from_secs(10));
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(limit.allow(at(0)) && limit.allow(at(1)) && limit.allow(at(2)));
        assert!(!limit.allow(at(3)), "a fourth start within 10 s");
        assert!(limit.allow(at(10)), "the first start is 10 s old");
        assert!(!limit.allow(at(10)));
    }
}
