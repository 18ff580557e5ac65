//! Rebuilding counterexamples from parent links by replaying the spec.
//!
//! The explorer keeps only fingerprints and, per state, a parent link
//! (parent index, transition index). A trace is the chain of links from the
//! violating state back to an initial state, replayed forwards: from each
//! stored state (a representative, when symmetry reduction is on) the
//! transition with the recorded index, canonicalised, is the next stored
//! state. The replay doubles as a self-check: a transition index past the
//! last successor, or a final state that does not show the event the
//! explorer reported, means the explorer and the transition relation
//! disagree, which is reported as an internal error rather than a wrong
//! trace.
//!
//! With symmetry reduction, each stored state is a renaming of the state a
//! behaviour actually reaches. The trace shows concrete states: first by
//! following concrete states, taking at each the first successor whose
//! representative is the next stored state (this reads most naturally);
//! if the reduction gave up canonicity for some state (see `symmetry.rs`),
//! by renaming the stored states back along the chain instead.

use std::ops::ControlFlow;

use crate::canon::Engine;
use crate::failure::StepFailure;
use crate::fingerprint::fingerprint_words;
use crate::outcome::{Action, Trace, TraceState};
use crate::seen::{Links, parent_of, transition_of};
use crate::symmetry::{Renaming, compose, invert, rename_action, rename_state};
use crate::transitions::{Scratch, for_each_successor};

/// How to replay: concrete states first (the natural trace), or straight
/// along the stored states (the fallback, selectable for tests).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplayMode {
    Natural,
    /// Only the tests select this directly; in checks it is the fallback.
    #[cfg_attr(not(test), allow(dead_code))]
    Stored,
}

/// A rebuilt counterexample.
pub struct Replayed {
    pub trace: Trace,
    /// The failing step at the end of the trace, when one was asked for.
    pub failure: Option<Box<StepFailure>>,
}

/// One hop of the stored chain: the action taken from the previous stored
/// state, the successor as generated, and the stored representative.
struct Hop {
    action: Action,
    successor: Vec<u64>,
    stored: Vec<u64>,
    renaming: Option<Renaming>,
}

/// The trace along `chain`, the transition indices from the initial state
/// to a stored state (see [`chain_to`]). When the trace ends in a failing
/// step (`step_failed`), the failure is found again and recorded as the
/// trace's failed action.
pub fn rebuild(
    engine: &Engine<'_>,
    chain: &[u64],
    step_failed: bool,
    mode: ReplayMode,
) -> Result<Replayed, String> {
    let machine = engine.machine;
    let mut scratch = Scratch::default();
    let mut canon = Vec::new();
    let init_renaming = engine
        .canonical(&machine.init, &mut canon)?
        .map(|c| c.renaming);
    let init_stored = if init_renaming.is_some() {
        canon.clone()
    } else {
        machine.init.clone()
    };
    // Follow the stored states by transition index.
    let mut hops: Vec<Hop> = Vec::with_capacity(chain.len());
    let mut current = init_stored.clone();
    for &t in chain {
        let mut found = None;
        let mut k = 0u64;
        let result = for_each_successor(machine, &current, &mut scratch, &mut |label, succ| {
            if k == t {
                found = Some((machine.action(label), succ.to_vec()));
                return ControlFlow::Break(());
            }
            k += 1;
            ControlFlow::Continue(())
        });
        let Some((Some(action), successor)) = found else {
            let _ = result;
            return Err(format!(
                "replay found no transition {t} from state {} of the trace",
                hops.len()
            ));
        };
        let renaming = engine
            .canonical(&successor, &mut canon)?
            .map(|c| c.renaming);
        let stored = if renaming.is_some() {
            canon.clone()
        } else {
            successor.clone()
        };
        current = stored.clone();
        hops.push(Hop {
            action,
            successor,
            stored,
            renaming,
        });
    }
    let unpack = |w: &[u64]| {
        engine
            .unpack(w)
            .ok_or_else(|| "a packed state of the trace could not be decoded".to_string())
    };
    let initial = unpack(&machine.init)?;
    let mut states = vec![TraceState {
        action: None,
        state: initial,
    }];
    if !engine.reduces() {
        for hop in &hops {
            states.push(TraceState {
                action: Some(hop.action.clone()),
                state: unpack(&hop.successor)?,
            });
        }
        let last = hops.last().map_or(&machine.init, |h| &h.successor).clone();
        return finish(engine, states, &last, None, step_failed);
    }
    if mode == ReplayMode::Natural
        && let Some((states, last)) = natural(engine, &hops, &mut scratch, &mut canon)?
    {
        return finish(engine, states, &last, None, step_failed);
    }
    // Rename the stored chain back to one concrete behaviour.
    let model = engine.model;
    let mut to_concrete: Renaming = match &init_renaming {
        Some(r) => invert(r),
        None => engine.identity(),
    };
    for hop in &hops {
        let succ = unpack(&hop.successor)?;
        states.push(TraceState {
            action: Some(rename_action(model, &hop.action, &to_concrete)),
            state: rename_state(model, &succ, &to_concrete),
        });
        if let Some(r) = &hop.renaming {
            to_concrete = compose(&to_concrete, &invert(r));
        }
    }
    let last = hops.last().map_or(&init_stored, |h| &h.stored).clone();
    finish(engine, states, &last, Some(&to_concrete), step_failed)
}

/// The transition indices from an initial state to the state with global
/// index `target`: the shortest path the explorer found.
pub fn chain_to(links: &Links, target: u64) -> Result<Vec<u64>, String> {
    let mut chain = Vec::new();
    let mut at = target;
    loop {
        let link = links.get(at).ok_or("state index out of range")?;
        match parent_of(link) {
            None => break,
            Some(parent) => {
                if parent >= at || chain.len() as u64 > links.len() {
                    return Err("parent links do not lead back to an initial state".into());
                }
                chain.push(transition_of(link));
                at = parent;
            }
        }
    }
    chain.reverse();
    Ok(chain)
}

/// The concrete trace states and the last packed state.
type Followed = (Vec<TraceState>, Vec<u64>);

/// Follows concrete states: at each, the first successor whose
/// representative is the next stored state. `None` if some state has no
/// such successor (the reduction was not canonical there).
fn natural(
    engine: &Engine<'_>,
    hops: &[Hop],
    scratch: &mut Scratch,
    canon: &mut Vec<u64>,
) -> Result<Option<Followed>, String> {
    let machine = engine.machine;
    let mut current = machine.init.clone();
    let mut states = vec![TraceState {
        action: None,
        state: engine
            .unpack(&current)
            .ok_or("a packed state could not be decoded")?,
    }];
    for hop in hops {
        let want = fingerprint_words(&hop.stored);
        let mut found = None;
        let mut error = None;
        let _ = for_each_successor(machine, &current, scratch, &mut |label, succ| {
            let words: &[u64] = match engine.canonical(succ, canon) {
                Ok(Some(_)) => canon,
                Ok(None) => succ,
                Err(e) => {
                    error = Some(e);
                    return ControlFlow::Break(());
                }
            };
            if fingerprint_words(words) == want {
                found = Some((machine.action(label), succ.to_vec()));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        if let Some(e) = error {
            return Err(e);
        }
        let Some((Some(action), succ)) = found else {
            return Ok(None);
        };
        states.push(TraceState {
            action: Some(action),
            state: engine
                .unpack(&succ)
                .ok_or("a packed state could not be decoded")?,
        });
        current = succ;
    }
    Ok(Some((states, current)))
}

/// Finishes a trace; when it ends in a failing step, finds the failure on
/// the last state (`last`, packed) and records it, renamed to the concrete
/// states when `to_concrete` is given.
fn finish(
    engine: &Engine<'_>,
    states: Vec<TraceState>,
    last: &[u64],
    to_concrete: Option<&Renaming>,
    step_failed: bool,
) -> Result<Replayed, String> {
    let mut trace = Trace {
        states,
        failed: None,
        loop_at: None,
    };
    if !step_failed {
        return Ok(Replayed {
            trace,
            failure: None,
        });
    }
    let mut scratch = Scratch::default();
    match for_each_successor(engine.machine, last, &mut scratch, &mut |_, _| {
        ControlFlow::Continue(())
    }) {
        Err(mut failure) => {
            if let Some(r) = to_concrete {
                failure.action = rename_action(engine.model, &failure.action, r);
            }
            trace.failed = Some(failure.action.clone());
            Ok(Replayed {
                trace,
                failure: Some(failure),
            })
        }
        Ok(_) => Err("replay did not reproduce the failing step".into()),
    }
}
