//! The fast path of `--table`: an op line read for the five fields the table
//! needs (ev, t_us, node, op, ok), other fields skipped unparsed. Anything
//! else (start, fault and stop lines, and any op line this view cannot read)
//! goes through [`Event::parse`](crate::event::Event::parse), which also
//! words the errors. So `--table` checks the fields it reads; the full
//! report checks every field of every line.

use crate::event::OpKind;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct View<'a> {
    #[serde(borrow)]
    ev: Cow<'a, str>,
    t_us: Option<i64>,
    #[serde(borrow)]
    node: Option<Cow<'a, str>>,
    op: Option<OpKind>,
    ok: Option<bool>,
}

/// What the table counts of one op.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<'a> {
    pub t_us: u64,
    pub node: Cow<'a, str>,
    /// A successful insert or update: one iteration.
    pub success: bool,
    pub failed: bool,
}

/// The op's counts, or None when the line is not a plain op line.
pub fn counted(line: &[u8]) -> Option<Counted<'_>> {
    let v: View<'_> = serde_json::from_slice(line).ok()?;
    if v.ev != "op" {
        return None;
    }
    let t_us = u64::try_from(v.t_us?).ok()?;
    let (op, ok) = (v.op?, v.ok?);
    Some(Counted {
        t_us,
        node: v.node?,
        success: ok && op.is_write(),
        failed: !ok,
    })
}
