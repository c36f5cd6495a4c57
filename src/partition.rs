//! Partitions of several nodes: the named shapes and explicit groups of
//! `partition:SHAPE`, and which nodes a partition leaves able to serve.
//! perseus resolves a shape into groups before it runs the fault command
//! (so the command and the log see the same groups); the report reads the
//! groups from the fault event. `netfault_resolve` in `bin/lib/netfault.sh`
//! resolves shapes the same way for `bin/lab.sh partition SHAPE NODE` typed
//! by hand; tests/partition_shapes.rs keeps the two in step.
//!
//! - `halves`: the target and the nodes after it (in cluster-file order,
//!   wrapping) up to a minority, ⌊(N−1)/2⌋ nodes (at least the target),
//!   against the rest.
//! - `bridge` (Jepsen's): the other nodes split in two halves (the first
//!   half after the target, then the rest), the target in both: it alone
//!   talks to everyone.
//! - explicit: `n1,n2|n3,n4,n5`. A node may be in two groups (a bridge);
//!   a node in none keeps talking to every node.
//!
//! Two nodes talk when some group holds both (or either is in none).

/// The groups of a partition, as node names.
pub type Groups = Vec<Vec<String>>;

/// Resolves `spec` (a shape or explicit groups) for `target` over the
/// cluster's nodes, in cluster-file order.
pub fn resolve(spec: &str, target: &str, nodes: &[String]) -> Result<Groups, String> {
    let n = nodes.len();
    let at = nodes
        .iter()
        .position(|x| x == target)
        .ok_or_else(|| format!("partition: target {target} is not a node of the cluster"))?;
    // The other nodes, from the one after the target, wrapping.
    let others: Vec<String> = (1..n).map(|k| nodes[(at + k) % n].clone()).collect();
    match spec {
        "halves" => {
            if n < 2 {
                return Err("partition:halves needs at least 2 nodes".into());
            }
            let minority = ((n - 1) / 2).max(1);
            let mut small = vec![target.to_string()];
            small.extend(others[..minority - 1].iter().cloned());
            let rest = others[minority - 1..].to_vec();
            Ok(vec![small, rest])
        }
        "bridge" => {
            if n < 3 {
                return Err("partition:bridge needs at least 3 nodes".into());
            }
            let (a, b) = others.split_at(others.len().div_ceil(2));
            let with_target = |half: &[String]| {
                let mut g = half.to_vec();
                g.push(target.to_string());
                g
            };
            Ok(vec![with_target(a), with_target(b)])
        }
        explicit => parse_groups(explicit, nodes),
    }
}

/// `n1,n2|n3,n4,n5`: at least two groups of known nodes, each named once
/// per group.
pub fn parse_groups(text: &str, nodes: &[String]) -> Result<Groups, String> {
    let bad = |why: String| {
        Err(format!(
            "partition '{text}': {why} (a shape: halves, bridge; or groups like n1,n2|n3,n4,n5)"
        ))
    };
    let groups: Groups = text
        .split('|')
        .map(|g| g.split(',').map(|x| x.trim().to_string()).collect())
        .collect();
    if groups.len() < 2 {
        return bad("needs at least two groups".into());
    }
    for g in &groups {
        for (i, name) in g.iter().enumerate() {
            if !nodes.contains(name) {
                return bad(format!("'{name}' is not a node of the cluster"));
            }
            if g[..i].contains(name) {
                return bad(format!("'{name}' is twice in one group"));
            }
        }
    }
    Ok(groups)
}

/// `n1,n2|n3,n4,n5`.
pub fn format_groups(groups: &[Vec<String>]) -> String {
    groups
        .iter()
        .map(|g| g.join(","))
        .collect::<Vec<_>>()
        .join("|")
}

/// Per node of `nodes`: whether it can still reach a strict majority of
/// them under the partition (a node in no group reaches every node).
pub fn reaches_majority(groups: &[Vec<String>], nodes: &[String]) -> Vec<bool> {
    let in_any = |x: &String| groups.iter().any(|g| g.contains(x));
    nodes
        .iter()
        .map(|x| {
            let reach = nodes
                .iter()
                .filter(|y| {
                    *y == x
                        || !in_any(x)
                        || !in_any(y)
                        || groups.iter().any(|g| g.contains(x) && g.contains(y))
                })
                .count();
            2 * reach > nodes.len()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    fn show(g: &Groups) -> String {
        format_groups(g)
    }

    #[test]
    fn shapes_on_three_and_five_nodes() {
        let five = names(5);
        assert_eq!(
            show(&resolve("halves", "n1", &five).expect("ok")),
            "n1,n2|n3,n4,n5"
        );
        assert_eq!(
            show(&resolve("halves", "n4", &five).expect("ok")),
            "n4,n5|n1,n2,n3"
        );
        assert_eq!(
            show(&resolve("bridge", "n3", &five).expect("ok")),
            "n4,n5,n3|n1,n2,n3"
        );
        let three = names(3);
        assert_eq!(
            show(&resolve("halves", "n2", &three).expect("ok")),
            "n2|n3,n1"
        );
        assert_eq!(
            show(&resolve("bridge", "n1", &three).expect("ok")),
            "n2,n1|n3,n1"
        );
        assert_eq!(
            show(&resolve("n1,n2|n3", "n1", &three).expect("ok")),
            "n1,n2|n3"
        );
        assert!(resolve("n1|n9", "n1", &three).is_err());
        assert!(resolve("n1,n2", "n1", &three).is_err());
        assert!(resolve("halves", "n9", &three).is_err());
    }

    #[test]
    fn who_reaches_a_majority() {
        let five = names(5);
        let halves = resolve("halves", "n1", &five).expect("ok");
        assert_eq!(
            reaches_majority(&halves, &five),
            [false, false, true, true, true]
        );
        let bridge = resolve("bridge", "n3", &five).expect("ok");
        assert_eq!(reaches_majority(&bridge, &five), [true; 5]);
        // n1 alone, n2 alone, the rest untouched: n1 and n2 still reach n3..n5.
        let two = parse_groups("n1|n2", &five).expect("ok");
        assert_eq!(reaches_majority(&two, &five), [true; 5]);
        let split = parse_groups("n1,n2|n3,n4", &names(4)).expect("ok");
        assert_eq!(reaches_majority(&split, &names(4)), [false; 4]);
    }
}
