//! Symmetry reduction: orbit counts against brute force, and verdicts that
//! never change.

#[path = "support/build.rs"]
mod build;
#[path = "support/permutations.rs"]
mod permutations;
#[path = "support/run.rs"]
mod run;

use std::collections::HashSet;

use build::*;
use checker::{CheckConfig, Verdict};
use permutations::permutations;
use run::{config, counts_ok, run};
use spec_lang::ir::{Expr, ExprKind, LocalId, Spec, Type};

/// Nodes vote for another node, once; the votes refer to instances of the
/// symmetric role itself, so renaming must reach inside values.
///
/// ```text
/// role N[3] symmetric { var vote: option<N> = none }
/// on N[n] step vote when vote == none { choose x in N where x != n; vote := some(x) }
/// invariant NoMutualVotes: not exists a, b in N: a.vote == some(b) and b.vote == some(a)
/// ```
fn votes(n: u32, symmetric: bool, invariant: bool) -> Spec {
    let mut b = B::new("Votes");
    let role = b.indexed("N", n, symmetric);
    let opt = Type::Option(Box::new(Type::Role(role)));
    let vote = b.var(role, "vote", opt.clone(), expr(ExprKind::None, opt.clone()));
    let mut s = internal("vote", role);
    let x = s.local("x", Type::Role(role));
    let guard = eq(b.own(vote), expr(ExprKind::None, opt.clone()));
    let some_x = builtin(spec_lang::ir::Builtin::Some, vec![x.clone()], opt.clone());
    b.step(s.guard(guard).body(vec![
        choose(&x, role_set(role), Some(ne(x.clone(), me(role)))),
        assign(vote, some_x),
    ]));
    if invariant {
        let a = local(LocalId(0), Type::Role(role));
        let c = local(LocalId(1), Type::Role(role));
        let some = |e: Expr| builtin(spec_lang::ir::Builtin::Some, vec![e], opt.clone());
        let mutual = and(
            eq(b.of(vote, a.clone()), some(c.clone())),
            eq(b.of(vote, c.clone()), some(a.clone())),
        );
        b.invariant(
            "NoMutualVotes",
            &[("a", Type::Role(role)), ("b", Type::Role(role))],
            not(exists(
                vec![(a, role_set(role)), (c, role_set(role))],
                mutual,
            )),
        );
    }
    b.build()
}

/// Brute force: every vote assignment (none = n), its orbit under all
/// renamings, and the successor count of each orbit's states.
fn votes_reference(n: usize, symmetric: bool) -> (u64, u64) {
    let perms = permutations(n);
    let canon = |s: &Vec<usize>| -> Vec<usize> {
        if !symmetric {
            return s.clone();
        }
        perms
            .iter()
            .map(|p| {
                let mut t = vec![0; n];
                for i in 0..n {
                    t[p[i]] = if s[i] == n { n } else { p[s[i]] };
                }
                t
            })
            .min()
            .unwrap_or_else(|| s.clone())
    };
    let mut states = HashSet::new();
    let mut all = vec![vec![]];
    for _ in 0..n {
        all = all
            .into_iter()
            .flat_map(|s: Vec<usize>| (0..=n).map(move |v| [s.clone(), vec![v]].concat()))
            .collect();
    }
    for s in all {
        if s.iter().enumerate().all(|(i, &v)| v != i) {
            states.insert(canon(&s));
        }
    }
    let succ: u64 = states
        .iter()
        .map(|s| s.iter().filter(|&&v| v == n).count() as u64 * (n as u64 - 1))
        .sum();
    (states.len() as u64, 1 + succ)
}

#[test]
fn symmetry_counts_vote_orbits_like_brute_force() {
    for n in 2..=4 {
        for symmetric in [false, true] {
            let (distinct, generated, _) = counts_ok(&votes(n, symmetric, false), &config(2));
            assert_eq!(
                (distinct, generated),
                votes_reference(n as usize, symmetric),
                "n = {n}, symmetric = {symmetric}"
            );
        }
    }
    assert_eq!(votes_reference(3, false), (27, 55));
    assert!(votes_reference(3, true).0 < 27);
}

#[test]
fn symmetry_never_changes_a_verdict() {
    for n in 2..=4 {
        let plain = run(&votes(n, false, true), &config(2));
        let reduced = run(&votes(n, true, true), &config(2));
        assert_eq!(plain.result, Verdict::Violation);
        assert_eq!(reduced.result, plain.result);
        assert_eq!(
            reduced.violations[0].trace.states.len(),
            plain.violations[0].trace.states.len()
        );
        assert!(reduced.stats.distinct < plain.stats.distinct);
    }
}

/// The states a reduced search reports standing for (the sum of its
/// representatives' orbit sizes) are exactly the distinct states of the
/// search without reduction: a representative that were not canonical
/// would count its orbit twice, an orbit measured wrong would be off.
#[test]
fn symmetry_reports_the_states_a_search_without_it_finds() {
    let mut specs: Vec<(String, Spec)> = (2..=4)
        .map(|n| (format!("votes n = {n}"), votes(n, true, false)))
        .collect();
    for (c, s) in [(3, 3), (2, 4), (4, 2)] {
        specs.push((
            format!("clients and servers {c}, {s}"),
            clients_and_servers(c, s),
        ));
    }
    for path in [
        "2pc.spec",
        "2pc_chor.spec",
        "3pc.spec",
        "bugs/2pc_coordinator_crash.spec",
        "lang/faults.spec",
        "lang/roles.spec",
        "lang/properties.spec",
        "lang/fifo.spec",
        "lang/functions.spec",
    ] {
        specs.push((path.to_string(), run::library_spec(path)));
    }
    for (name, spec) in &specs {
        let plain = run(
            spec,
            &CheckConfig {
                symmetry: false,
                ..config(2)
            },
        );
        assert!(plain.stats.symmetry.is_none(), "{name}");
        let mut reported = Vec::new();
        for workers in [1, 2] {
            let reduced = run(spec, &config(workers));
            assert_eq!(reduced.result, plain.result, "{name}");
            let Some(sym) = reduced.stats.symmetry else {
                panic!("{name}: no symmetry figures with {workers} workers");
            };
            assert_eq!(
                sym.states, plain.stats.distinct,
                "{name}, {workers} workers"
            );
            assert!(
                reduced.stats.distinct < sym.states,
                "{name}: nothing reduced"
            );
            reported.push(sym);
        }
        assert_eq!(reported[0], reported[1], "{name}");
    }
}

/// Two symmetric roles whose variables and messages hold each other's
/// instances: a renaming permutes both at once.
fn clients_and_servers(clients: u32, servers: u32) -> Spec {
    let source = r#"
protocol ClientsAndServers
param C: 1..4 = 3
param S: 1..4 = 3
role Client[C] symmetric {
  var server: option<Server> = none
  var acked: bool = false
}
role Server[S] symmetric {
  var clients: set<Client> = {}
  var peer: option<Server> = none
}
message Req
message Ack { by: Server }
network bag
on Client step pick when is_none(server) {
  choose s in Server
  server := some(s)
  send Req to s
}
on Server receive Req from c {
  clients := clients + {c}
  reply Ack { by: self }
}
on Server step link when is_none(peer) {
  choose p in Server where p != self
  peer := some(p)
}
on Client receive Ack { by } {
  acked := true
}
"#;
    let overrides =
        [("C", clients), ("S", servers)].map(|(name, value)| spec_lang::ParamOverride {
            name: name.to_string(),
            value: value.to_string(),
        });
    match spec_lang::compile(source, &overrides) {
        Ok(compiled) => compiled.spec,
        Err(diagnostics) => panic!(
            "{}",
            spec_lang::render("clients", source, &diagnostics, false)
        ),
    }
}

/// The votes spec reaches every assignment of votes, n^n states, so the
/// figure is known without a search that does not reduce; from eight
/// nodes on, some states tie more instances than the canonical form
/// orders, and no figure is given rather than a wrong one.
#[test]
fn symmetry_figures_are_exact_or_absent() {
    for n in 2..=7u32 {
        let out = run(&votes(n, true, false), &config(2));
        assert_eq!(out.result, Verdict::Ok);
        let states = out.stats.symmetry.map(|s| s.states);
        assert_eq!(states, Some(u64::from(n).pow(n)), "n = {n}");
    }
    let out = run(&votes(8, true, false), &config(2));
    assert_eq!(out.result, Verdict::Ok);
    assert_eq!(out.stats.symmetry, None);
}

/// A search stopped at a depth bound counts what a search without
/// reduction finds to that depth; one stopped within a level (here by a
/// violation) gives no figure.
#[test]
fn symmetry_figures_of_stopped_searches() {
    let spec = run::library_spec("raft.spec");
    for depth in [6, 10] {
        let bounded = |symmetry| CheckConfig {
            symmetry,
            max_depth: Some(depth),
            ..config(2)
        };
        let plain = run(&spec, &bounded(false));
        let reduced = run(&spec, &bounded(true));
        assert_eq!(
            reduced.stats.symmetry.map(|s| s.states),
            Some(plain.stats.distinct),
            "depth {depth}"
        );
    }
    let violated = run(&votes(3, true, true), &config(2));
    assert_eq!(violated.result, Verdict::Violation);
    assert_eq!(violated.stats.symmetry, None);
}

/// Many instances: n nodes that each light once have 2^n states in n + 1
/// orbits. From 21 instances on the number of renamings (21!) does not fit
/// in 64 bits: the reduction still works, without a figure, and nothing
/// overflows.
#[test]
fn symmetry_over_many_instances() {
    let source = "protocol Lights\nparam N: 2..100 = 3\n\
                  role Node[N] symmetric { var lit: bool = false }\n\
                  network bag\n\
                  on Node step light when not lit { lit := true }\n";
    for (n, figure) in [(20u32, Some(1u64 << 20)), (21, None), (40, None)] {
        let overrides = [spec_lang::ParamOverride {
            name: "N".to_string(),
            value: n.to_string(),
        }];
        let spec = match spec_lang::compile(source, &overrides) {
            Ok(compiled) => compiled.spec,
            Err(d) => panic!("{}", spec_lang::render("lights", source, &d, false)),
        };
        let out = run(&spec, &config(2));
        assert_eq!(out.result, Verdict::Ok, "n = {n}");
        assert_eq!(out.stats.distinct, u64::from(n) + 1, "n = {n}");
        assert_eq!(out.stats.symmetry.map(|s| s.states), figure, "n = {n}");
    }
}
