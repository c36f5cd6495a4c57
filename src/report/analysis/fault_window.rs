//! The latency window of one fault at F: the successful writes in
//! [F, W), W = F + max(settle, steady), at most F + 60 s (and the run's
//! end); for a fault that never settles, [F, F + 60 s). So a fault that
//! settles at once (no node was expected to stop, or none was expected to
//! serve) still shows the latency of the `steady` seconds after it, where
//! degradations (loss, delay) show.
//!
//! The window is filled as successes stream in, in time order, while the
//! settle point T is still moving: T only moves forward, and only to the
//! present (the end of an outage that has just closed). Successes before
//! max(T, F + steady) are surely inside; later ones are kept aside until T
//! passes them or the window closes.

use super::latency::{LatencyReport, PerNode};

/// The longest latency window after a fault.
pub const MAX_WINDOW_US: u64 = 60_000_000;

#[derive(Debug, Clone)]
pub struct FaultWindow {
    from_us: u64,
    steady_us: u64,
    /// [F, max(T, F + steady)).
    inside: PerNode,
    /// [max(T, F + steady), now).
    tentative: PerNode,
    now_us: u64,
    /// Successes at `now_us` itself: outside if T moves to exactly now.
    at_now: Vec<(usize, u64)>,
    settle_at: u64,
}

impl FaultWindow {
    pub fn new(from_us: u64, steady_us: u64, nodes: usize) -> Self {
        FaultWindow {
            from_us,
            steady_us,
            inside: PerNode::new(nodes),
            tentative: PerNode::new(nodes),
            now_us: from_us,
            at_now: Vec::new(),
            settle_at: from_us,
        }
    }

    /// Where the window surely reaches: max(T, F + steady), within the cap.
    fn sure_until(&self) -> u64 {
        self.settle_at
            .max(self.from_us + self.steady_us)
            .min(self.cap())
    }

    fn cap(&self) -> u64 {
        self.from_us.saturating_add(MAX_WINDOW_US)
    }

    /// True once no later success can fall inside (the cap has passed).
    pub fn capped(&self, now_us: u64) -> bool {
        now_us >= self.cap()
    }

    fn advance(&mut self, t_us: u64) {
        if t_us > self.now_us {
            for (n, lat) in self.at_now.drain(..) {
                self.tentative.record(n, lat);
            }
            self.now_us = t_us;
        }
    }

    /// A success at `t_us` (in time order).
    pub fn record(&mut self, node: usize, t_us: u64, lat_us: u64) {
        if t_us < self.from_us || t_us >= self.cap() {
            return;
        }
        if t_us < self.sure_until() {
            self.inside.record(node, lat_us);
            return;
        }
        self.advance(t_us);
        self.at_now.push((node, lat_us));
    }

    /// The settle point moved to `t_us`, the present.
    pub fn settle_moved(&mut self, t_us: u64) {
        self.advance(t_us);
        self.settle_at = t_us;
        self.inside.merge(&self.tentative);
        self.tentative = PerNode::new(self.tentative.len());
    }

    /// Everything recorded: the window as if it ran to its cap.
    fn all(mut self, names: &[String]) -> LatencyReport {
        self.advance(u64::MAX);
        self.inside.merge(&self.tentative);
        self.inside.report(names)
    }

    /// The window, once the settle point is known: settled at the current
    /// T (the successes kept aside are outside), or never settled (they are
    /// inside, up to the cap, or to the run's end E included).
    pub fn close(self, settled: bool, end_us: u64, names: &[String]) -> Closed {
        let end = end_us.max(self.from_us);
        if settled {
            Closed::Final {
                until_us: self.sure_until().min(end),
                latency: self.inside.report(names),
            }
        } else {
            Closed::Final {
                until_us: self.cap().min(end),
                latency: self.all(names),
            }
        }
    }

    /// The cap has passed and the settle point is not yet sure. If the
    /// cluster settles at the T it has now, the window ends at
    /// max(T, F + steady) with what is inside; if T moves on (it can only
    /// move past the cap) or never settles, at the cap with everything.
    pub fn close_capped(self, names: &[String]) -> Closed {
        Closed::Capped {
            settle_at: self.settle_at,
            sure_until: self.sure_until(),
            inside: self.inside.report(names),
            cap_until: self.cap(),
            all: self.all(names),
        }
    }

    /// Closed early, at `now_us` (memory: too many windows at once).
    pub fn cut_short(self, now_us: u64, names: &[String]) -> Closed {
        Closed::Final {
            until_us: now_us.max(self.from_us),
            latency: self.all(names),
        }
    }
}

/// A window's result, kept once its histograms are dropped.
#[derive(Debug, Clone)]
pub enum Closed {
    Final {
        until_us: u64,
        latency: LatencyReport,
    },
    /// Reached its cap before the settle point was sure (see `close_capped`).
    Capped {
        settle_at: u64,
        sure_until: u64,
        inside: LatencyReport,
        cap_until: u64,
        all: LatencyReport,
    },
}

impl Closed {
    /// The window's end and latency, given where the cluster settled.
    pub fn resolve(self, settle_at: Option<u64>) -> (u64, LatencyReport) {
        match self {
            Closed::Final { until_us, latency } => (until_us, latency),
            Closed::Capped {
                settle_at: t,
                sure_until,
                inside,
                cap_until,
                all,
            } => {
                if settle_at == Some(t) {
                    (sure_until, inside)
                } else {
                    (cap_until, all)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["n1".into(), "n2".into()]
    }

    fn counts(r: &LatencyReport) -> Vec<u64> {
        r.nodes.iter().map(|n| n.count).collect()
    }

    #[test]
    fn a_fault_that_settles_at_once_keeps_the_steady_seconds_after_it() {
        let mut w = FaultWindow::new(1_000, 5_000, 2);
        for t in [999, 1_000, 3_000, 5_999, 6_000, 7_000] {
            w.record(0, t, 10);
        }
        let (until, r) = w.close(true, 100_000, &names()).resolve(Some(1_000));
        assert_eq!((until, counts(&r)), (6_000, vec![3, 0]));
    }

    #[test]
    fn the_window_follows_the_settle_point_and_excludes_successes_at_it() {
        let mut w = FaultWindow::new(0, 1_000, 2);
        w.record(0, 500, 1);
        w.record(1, 2_000, 1);
        w.record(0, 3_000, 1);
        w.settle_moved(3_000);
        w.record(1, 3_500, 1);
        let (until, r) = w.close(true, 100_000, &names()).resolve(Some(3_000));
        assert_eq!(until, 3_000);
        assert_eq!(counts(&r), vec![1, 1], "the success at T itself is outside");
    }

    #[test]
    fn a_fault_that_never_settles_keeps_sixty_seconds() {
        let mut w = FaultWindow::new(0, 1_000, 1);
        for t in [10, 30_000_000, 59_999_999, 60_000_000] {
            w.record(0, t, 1);
        }
        let (until, r) = w.close(false, 90_000_000, &["n1".into()]).resolve(None);
        assert_eq!((until, r.nodes[0].count), (60_000_000, 3));
        assert!(FaultWindow::new(0, 1, 1).capped(60_000_000));
    }

    #[test]
    fn a_window_capped_before_its_settle_point_was_sure_follows_the_settle_point() {
        // T moved to 54.6 s; at the 60 s cap another node's gap is still
        // open. If the cluster settled at 54.6 s, the window is [F, 54.6).
        // As the stream does: the outage closes (T moves) before the
        // success that closes it is recorded.
        let mut w = FaultWindow::new(0, 5_000_000, 1);
        w.record(0, 1_000_000, 1);
        w.settle_moved(54_600_000);
        w.record(0, 54_600_000, 1);
        w.record(0, 59_000_000, 1);
        let capped = w.close_capped(&["n1".into()]);
        let (until, r) = capped.clone().resolve(Some(54_600_000));
        assert_eq!((until, r.nodes[0].count), (54_600_000, 1));
        let (until, r) = capped.resolve(None);
        assert_eq!((until, r.nodes[0].count), (60_000_000, 3));
    }
}
