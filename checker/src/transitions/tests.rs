//! The packed engine against the reference evaluator, on every spec in the
//! repository: from each state of a breadth-first search (run with the
//! reference), both engines must produce the same successors with the same
//! actions in the same order, the same invariant and constraint results,
//! the same step failures, and packing must round-trip.

use std::collections::{HashSet, VecDeque};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use spec_lang::ParamOverride;
use spec_lang::ir::Spec;

use crate::canon::Engine;
use crate::compile::Locals;
use crate::eval::Env;
use crate::failure::Failure;
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::Action;
use crate::state::State;
use crate::successors;
use crate::transitions::{Scratch, for_each_successor};

/// States compared per spec (breadth-first from the initial state).
const STATES_PER_SPEC: usize = 1500;

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// Every spec file that compiles: the library, the bug variants, the
/// language examples, the classic models.
fn corpus() -> Vec<(String, Spec)> {
    let mut out = Vec::new();
    for dir in ["", "bugs", "lang", "classic"] {
        let Ok(entries) = std::fs::read_dir(specs_dir().join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "spec"))
            .collect();
        paths.sort();
        for path in paths {
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            if let Ok(compiled) = spec_lang::compile(&source, &[]) {
                out.push((path.display().to_string(), compiled.spec));
            }
        }
    }
    out
}

/// A successor as the test compares it: the action and the state, or the
/// failure that stopped the enumeration.
#[derive(Debug, PartialEq)]
enum Seen {
    Succ(Action, State),
    Fails(Failure, Action),
}

fn reference_successors(model: &Model<'_>, state: &State) -> Vec<Seen> {
    let mut out = Vec::new();
    let r = successors::for_each_successor(model, state, &mut |label, succ| {
        out.push(Seen::Succ(label.to_action(), succ));
        ControlFlow::Continue(())
    });
    if let Err(f) = r {
        out.push(Seen::Fails(f.failure, f.action));
    }
    out
}

fn packed_successors(engine: &Engine<'_>, words: &[u64]) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    let m = engine.machine;
    let r = for_each_successor(m, words, &mut scratch, &mut |label, succ| {
        let action = m.action(label).expect("labels of packed successors decode");
        let state = engine.unpack(succ).expect("packed successors decode");
        out.push(Seen::Succ(action, state));
        ControlFlow::Continue(())
    });
    if let Err(f) = r {
        out.push(Seen::Fails(f.failure, f.action));
    }
    out
}

/// Whether a spec's network keeps messages in canonical order (then the
/// engines number transitions identically, not just produce the same set).
fn ordered(m: &Machine) -> bool {
    m.pack.net.kind != spec_lang::ir::NetworkKind::Fifo
        && m.pack
            .net
            .fields
            .iter()
            .all(|f| matches!(f, crate::pack::FieldsPack::Packed(_)))
}

fn predicate_results(
    model: &Model<'_>,
    state: &State,
    frames: &[&spec_lang::ir::Frame],
) -> Vec<Result<bool, String>> {
    let env = Env::closed(model.spec, &model.layout, &model.consts).with_state(state);
    frames
        .iter()
        .map(|f| {
            env.eval_predicate(f)
                .map_err(|e| format!("{} at {:?}", e.message, e.span))
        })
        .collect()
}

fn packed_predicates(
    m: &Machine,
    words: &[u64],
    preds: &[&crate::machine::CPred],
) -> Vec<Result<bool, String>> {
    let mut locals = Locals::default();
    preds
        .iter()
        .map(|p| {
            m.eval_pred(p, words, &mut locals)
                .map_err(|e| format!("{} at {:?}", e.message, e.span))
        })
        .collect()
}

/// Compares the engines on the first states of one spec; returns how many
/// states were compared.
fn compare(name: &str, spec: &Spec) -> usize {
    let Ok(model) = Model::new(spec, false) else {
        return 0;
    };
    let machine = Machine::new(spec, &model).unwrap_or_else(|e| panic!("{name}: {}", e.message));
    let engine = Engine {
        model: &model,
        machine: &machine,
    };
    let in_order = ordered(&machine);
    let frames: Vec<&spec_lang::ir::Frame> = spec
        .invariants
        .iter()
        .map(|i| &i.cond)
        .chain(spec.constraints.iter().map(|c| &c.cond))
        .chain(spec.terminal.iter().map(|t| &t.cond))
        .collect();
    let preds: Vec<&crate::machine::CPred> = machine
        .invariants
        .iter()
        .chain(&machine.constraints)
        .chain(&machine.terminal)
        .collect();

    let mut queue = VecDeque::from([model.initial_state()]);
    let mut seen: HashSet<Vec<u64>> = HashSet::new();
    let mut compared = 0;
    while let Some(state) = queue.pop_front() {
        if compared >= STATES_PER_SPEC {
            break;
        }
        let words = engine
            .pack(&state)
            .unwrap_or_else(|e| panic!("{name}: packing failed: {e}"));
        if !seen.insert(words.clone()) {
            continue;
        }
        compared += 1;
        assert_eq!(
            engine.unpack(&words).as_ref(),
            Some(&state),
            "{name}: a state does not survive packing"
        );
        assert_eq!(
            predicate_results(&model, &state, &frames),
            packed_predicates(&machine, &words, &preds),
            "{name}: predicates differ on {state:?}"
        );
        let reference = reference_successors(&model, &state);
        let mut packed = packed_successors(&engine, &words);
        if in_order {
            assert_eq!(
                reference, packed,
                "{name}: successors differ from {state:?}"
            );
        } else {
            // Same successors, possibly numbered differently.
            let mut reference = reference;
            let key = |s: &Seen| format!("{s:?}");
            reference.sort_by_key(key);
            packed.sort_by_key(key);
            assert_eq!(
                reference, packed,
                "{name}: successors differ from {state:?}"
            );
        }
        for s in packed {
            if let Seen::Succ(_, next) = s {
                queue.push_back(next);
            }
        }
    }
    compared
}

#[test]
fn packed_engine_agrees_with_the_reference_on_every_spec() {
    let corpus = corpus();
    assert!(corpus.len() >= 25, "the spec corpus was not found");
    let mut total = 0;
    for (name, spec) in &corpus {
        total += compare(name, spec);
    }
    assert!(total > 10_000, "only {total} states were compared");
}

/// Types without shapes everywhere: unbounded sequences and sets, wide
/// integers, messages whose fields are boxed, over each network kind.
const WIDE: &str = r#"
protocol Wide
param Net: 0..2 = 0
role P[2] {
  var n: int = 0
  var xs: seq<int> = []
  var s: set<int> = {}
  var m: map<int, seq<0..3, 2>> = []
  var last: option<int> = none
}
message Push { xs: seq<int>, k: int, tag: 0..3 }
message Ack { n: int }
network NETWORK
on P[p] step push when n < 2 {
  n := n + 1
  xs := append(xs, n * 1000)
  s := s + {n, -n}
  m[n] := [n % 4]
  for q in P {
    if q != p { send Push { xs: xs, k: n - 5, tag: n % 4 } to q }
  }
}
on P[p] receive Push { xs: got, k, tag } from q when size(got) > 0 {
  last := some(k)
  xs := xs ++ got
  reply Ack { n: size(xs) }
  choose v in s + {k} where v != 0
  s := s - {v}
}
on P receive Ack { n: a } { n := n + 0 * a }
invariant Sizes: forall p in P: size(p.xs) <= 8 and p.n <= 2
invariant Flight: forall m in in_flight(Push): m.k < 0 and size(m.xs) > 0
invariant Sum: (sum p in P: p.n) <= 4 and (forall p in P: size({x in p.s where x > 0}) == p.n)
"#;

#[test]
fn packed_engine_agrees_with_the_reference_on_boxed_values() {
    for net in ["set", "bag", "fifo"] {
        let source = WIDE.replace("NETWORK", net);
        let spec = spec_lang::compile(&source, &[])
            .unwrap_or_else(|d| panic!("{}", spec_lang::render("wide", &source, &d, false)))
            .spec;
        assert!(compare(net, &spec) > 50, "{net}: too few states compared");
    }
    // Raft at the bounds a long-running process uses: its messages no
    // longer fit in one word, so their fields are boxed.
    let source = std::fs::read_to_string(specs_dir().join("raft.spec")).expect("spec exists");
    let overrides: Vec<ParamOverride> = [
        ("MaxTerm", "1000"),
        ("MaxLog", "100000"),
        ("MaxInFlight", "100000000"),
    ]
    .into_iter()
    .map(|(n, v)| ParamOverride {
        name: n.into(),
        value: v.into(),
    })
    .collect();
    let spec = spec_lang::compile(&source, &overrides)
        .expect("raft compiles")
        .spec;
    assert!(compare("raft (wide)", &spec) > 1000);
}

#[test]
fn packed_engine_agrees_with_the_reference_with_more_instances() {
    let cases = [
        ("2pc.spec", "N=5"),
        ("raft.spec", "MaxLog=2"),
        ("chandy_lamport.spec", "N=4"),
        ("lang/faults.spec", ""),
    ];
    for (path, param) in cases {
        let source = std::fs::read_to_string(specs_dir().join(path)).expect("spec exists");
        let overrides: Vec<ParamOverride> = param
            .split_once('=')
            .map(|(n, v)| ParamOverride {
                name: n.into(),
                value: v.into(),
            })
            .into_iter()
            .collect();
        let spec = spec_lang::compile(&source, &overrides)
            .unwrap_or_else(|_| panic!("{path} compiles"))
            .spec;
        assert!(compare(path, &spec) > 100);
    }
}
