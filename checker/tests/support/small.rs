//! Tiny specs shared by the network tests and the snapshots.
#![allow(dead_code)]

use spec_lang::ir::{NetworkKind, RoleId, Spec, Type};

use super::build::*;

pub struct Ping {
    pub network: NetworkKind,
    pub faults: fn(&mut B, RoleId),
    pub terminal: bool,
}

/// A sends one Ping to B; B records it in a volatile `got` and a
/// persistent `seen`.
///
/// ```text
/// role A { var sent: bool = false }
/// role B { var got: bool = false  persistent var seen: bool = false }
/// message Ping
/// on A step send when not sent { sent := true; send Ping to B }
/// on B receive Ping as recv { got := true; seen := true }
/// ```
pub fn ping(p: Ping) -> Spec {
    let mut b = B::new("Ping");
    let a = b.singleton("A");
    let rb = b.singleton("B");
    let sent = b.var(a, "sent", Type::Bool, boolean(false));
    let got = b.var(rb, "got", Type::Bool, boolean(false));
    let seen = b.var(rb, "seen", Type::Bool, boolean(false));
    b.persistent(seen);
    let msg = b.message("Ping", &[]);
    b.network(p.network);
    let guard = not(b.own(sent));
    b.step(internal("send", a).guard(guard).body(vec![
        assign(sent, boolean(true)),
        send(msg, vec![], inst(rb, 0)),
    ]));
    b.step(receive("recv", rb, msg, a).body(vec![
        assign(got, boolean(true)),
        assign(seen, boolean(true)),
    ]));
    if p.terminal {
        let t = b.of(got, inst(rb, 0));
        b.terminal(&[], t);
    }
    (p.faults)(&mut b, rb);
    b.build()
}

pub fn no_faults(_: &mut B, _: RoleId) {}

/// A sends M{v: 1} then M{v: 2}; B asserts they arrive in order.
///
/// ```text
/// role A { var n: 0..2 = 0 }
/// role B { var last: 0..2 = 0 }
/// message M { v: 1..2 }
/// on A step send1 when n == 0 { n := 1; send M { v: 1 } to B }
/// on A step send2 when n == 1 { n := 2; send M { v: 2 } to B }
/// on B receive M { v } as recv { assert v == last + 1, "in order"; last := v }
/// terminal when B.last == 2
/// ```
pub fn in_order(network: NetworkKind) -> Spec {
    let mut b = B::new("InOrder");
    let a = b.singleton("A");
    let rb = b.singleton("B");
    let n = b.var(a, "n", range_ty(0, 2), int(0));
    let last = b.var(rb, "last", range_ty(0, 2), int(0));
    let msg = b.message("M", &[("v", range_ty(1, 2))]);
    b.network(network);
    for k in 1..=2 {
        let guard = eq(b.own(n), int(k - 1));
        b.step(internal(&format!("send{k}"), a).guard(guard).body(vec![
            assign(n, int(k)),
            send(msg, vec![int(k)], inst(rb, 0)),
        ]));
    }
    let mut s = receive("recv", rb, msg, a);
    let v = s.local("v", range_ty(1, 2));
    let cond = eq(v.clone(), add(b.own(last), int(1)));
    b.step(
        s.bind(0, &v)
            .body(vec![assert_(cond, "in order", (10, 20)), assign(last, v)]),
    );
    let t = eq(b.of(last, inst(rb, 0)), int(2));
    b.terminal(&[], t);
    b.build()
}
