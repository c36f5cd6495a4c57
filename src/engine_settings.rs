//! The lab engines' settings (`bin/lab.sh up --set KEY=VALUE`, a suite
//! scenario's `settings`), checked as the engine checks them: the keys each
//! engine has, the shape of each value, and the rules the database itself
//! sets (Patroni's: `loop_wait + 2 × retry_timeout ≤ ttl`). The lab's
//! engines check the same in bash (`lab_E_check_settings`);
//! tests/engine_settings.rs holds the two to the same verdicts, so that
//! `--check-suite` refuses every setting the lab would refuse later.

use std::collections::BTreeMap;

/// Each engine's settings and their defaults (what `lab_E_settings`
/// lists).
pub fn defaults(engine: &str) -> &'static [(&'static str, &'static str)] {
    match engine {
        "galera" => &[("gcache.size", "128M"), ("gcache.page_size", "128M")],
        "patroni" => &[
            ("dcs", "etcd3"),
            ("synchronous_mode", "off"),
            ("ttl", "30"),
            ("loop_wait", "10"),
            ("retry_timeout", "10"),
        ],
        _ => &[],
    }
}

/// Checks `settings` (key → value) for `engine`; the error names the key.
pub fn check(engine: &str, settings: &BTreeMap<String, String>) -> Result<(), String> {
    let known = defaults(engine);
    for (key, value) in settings {
        if !known.iter().any(|(k, _)| k == key) {
            let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
            return Err(format!(
                "{key}: the {engine} engine has no such setting (it has: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(" ")
                }
            ));
        }
        value_shape(engine, key, value)?;
    }
    if engine == "patroni" {
        patroni_rules(settings)?;
    }
    Ok(())
}

fn value_shape(engine: &str, key: &str, value: &str) -> Result<(), String> {
    let digits = |most: usize| {
        !value.is_empty() && value.len() <= most && value.bytes().all(|b| b.is_ascii_digit())
    };
    let ok = match (engine, key) {
        ("galera", _) => {
            let number = value.strip_suffix(['K', 'M', 'G']).unwrap_or(value);
            number.len() <= 6
                && number
                    .bytes()
                    .next()
                    .is_some_and(|b| (b'1'..=b'9').contains(&b))
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        ("patroni", "dcs") => value == "etcd3" || value == "etcd",
        ("patroni", "synchronous_mode") => value == "on" || value == "off",
        _ => digits(4),
    };
    if ok {
        return Ok(());
    }
    Err(format!(
        "{key}={value}: {}",
        match (engine, key) {
            ("galera", _) => "a size such as 128M, 512K or 1G",
            ("patroni", "dcs") => "etcd3 or etcd",
            ("patroni", "synchronous_mode") => "on or off",
            _ => "a whole number of seconds (Patroni takes an integer)",
        }
    ))
}

/// Patroni's documented minimums and its rule that a leader renews its
/// lock in time: loop_wait + 2 × retry_timeout ≤ ttl.
fn patroni_rules(settings: &BTreeMap<String, String>) -> Result<(), String> {
    let get = |key: &str| -> u64 {
        settings
            .get(key)
            .map(String::as_str)
            .or_else(|| {
                defaults("patroni")
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| *v)
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let (ttl, loop_wait, retry) = (get("ttl"), get("loop_wait"), get("retry_timeout"));
    for (key, value, least) in [
        ("ttl", ttl, 20),
        ("loop_wait", loop_wait, 1),
        ("retry_timeout", retry, 3),
    ] {
        if value < least {
            return Err(format!("{key}={value}: Patroni's minimum is {least}"));
        }
    }
    if loop_wait + 2 * retry > ttl {
        return Err(format!(
            "ttl {ttl}, loop_wait {loop_wait}, retry_timeout {retry}: Patroni's rule is loop_wait + 2 × retry_timeout ≤ ttl ({} > {ttl})",
            loop_wait + 2 * retry
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_engine_takes_its_own_settings_in_their_shapes() {
        assert!(check("galera", &set(&[("gcache.size", "1M")])).is_ok());
        assert!(check("galera", &set(&[("gcache.size", "0M")])).is_err());
        assert!(check("galera", &set(&[("ttl", "30")]))
            .unwrap_err()
            .contains("no such setting"));
        assert!(check(
            "patroni",
            &set(&[("dcs", "etcd"), ("synchronous_mode", "on")])
        )
        .is_ok());
        assert!(check("patroni", &set(&[("dcs", "zookeeper")])).is_err());
        assert!(check("tidb", &set(&[("x", "1")]))
            .unwrap_err()
            .contains("it has: none"));
    }

    #[test]
    fn patroni_refuses_a_ttl_its_leader_cannot_renew_in_time() {
        assert!(check(
            "patroni",
            &set(&[("ttl", "20"), ("loop_wait", "5"), ("retry_timeout", "5")])
        )
        .is_ok());
        let err = check("patroni", &set(&[("ttl", "25")])).unwrap_err();
        assert!(
            err.contains("10 + 2 × 10") || err.contains("(30 > 25)"),
            "{err}"
        );
        assert!(check(
            "patroni",
            &set(&[("ttl", "19"), ("loop_wait", "1"), ("retry_timeout", "3")])
        )
        .is_err());
    }
}
