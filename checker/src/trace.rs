//! Rebuilding counterexamples from parent links by replaying the spec.
//!
//! The seen-set stores only fingerprints and parent links. A trace is the
//! chain of fingerprints from the violating state back to an initial state,
//! replayed forwards exactly as the explorer went: from each stored state
//! (a representative, when symmetry reduction is on), the first successor
//! in transition order whose canonical fingerprint is the next one in the
//! chain. The replay doubles as a self-check of the explorer: if no
//! successor matches, the explorer and the transition relation disagree,
//! which is reported as an internal error rather than a wrong trace.
//!
//! With symmetry reduction, each stored state is a renaming of the state a
//! behaviour actually reaches. The replay keeps the renaming from the
//! stored state to the concrete one and shows concrete states and actions,
//! so the trace is one real behaviour rather than a jump between
//! representatives.

use std::ops::ControlFlow;

use crate::fingerprint::fingerprint;
use crate::model::Model;
use crate::outcome::{Trace, TraceState};
use crate::seen::{SeenSet, parent_of};
use crate::state::State;
use crate::successors::{StepFailure, for_each_successor};
use crate::symmetry::{
    Renaming, compose, encode_canonical_renaming, identity, invert, rename_action, rename_state,
};

/// How to replay: concrete states first (the natural trace), or straight
/// along the stored states (the fallback, selectable for tests).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplayMode {
    Natural,
    /// Only the tests select this directly; in checks it is the fallback.
    #[cfg_attr(not(test), allow(dead_code))]
    Stored,
}

/// Where a replay ended: the stored state (as the explorer saw it) and the
/// renaming from it to the trace's last, concrete state.
pub struct Replayed {
    pub trace: Trace,
    /// The failing step at the end of the trace, when one was asked for.
    pub failure: Option<Box<StepFailure>>,
    stored: State,
    to_concrete: Renaming,
}

/// The shortest trace to the state with global index `target`. When the
/// trace ends in a failing step (`step_failed`), the failure is found again
/// and recorded as the trace's failed action.
///
/// The replay first follows concrete states, taking at each state the first
/// successor whose canonical form is the next stored state: this reads most
/// naturally. That needs every representative to be canonical; if the
/// symmetry reduction gave up canonicity for a state (see `symmetry.rs`),
/// it follows the stored representatives instead and renames them back.
pub fn rebuild(
    model: &Model<'_>,
    seen: &SeenSet,
    fps: &[u64],
    target: u64,
    step_failed: bool,
    mode: ReplayMode,
) -> Result<Replayed, String> {
    let chain = chain_to(seen, fps, target)?;
    if mode == ReplayMode::Natural
        && let Some(mut r) = replay(model, fps, &chain, false)?
        && (!step_failed || reproduce_failure(model, &mut r))
    {
        return Ok(r);
    }
    let mut r = replay(model, fps, &chain, true)?
        .ok_or("replay along the stored states found no matching successor")?;
    if step_failed && !reproduce_failure(model, &mut r) {
        return Err("replay did not reproduce the failing step".into());
    }
    Ok(r)
}

/// The global indices from an initial state to `target`.
fn chain_to(seen: &SeenSet, fps: &[u64], target: u64) -> Result<Vec<u64>, String> {
    let mut chain = vec![target];
    let mut at = target;
    loop {
        let fp = *fps
            .get(usize::try_from(at).map_err(|_| "state index out of range")?)
            .ok_or("state index out of range")?;
        let link = seen
            .get(fp)
            .ok_or("a state on the trace is missing from the seen-set")?;
        match parent_of(link) {
            None => break,
            Some(parent) => {
                if parent >= at || chain.len() > fps.len() {
                    return Err("parent links do not lead back to an initial state".into());
                }
                chain.push(parent);
                at = parent;
            }
        }
    }
    chain.reverse();
    Ok(chain)
}

/// Replays a chain of states, following concrete states or (when
/// `follow_stored`) the stored representatives. `None` when following
/// concrete states finds no matching successor.
fn replay(
    model: &Model<'_>,
    fps: &[u64],
    chain: &[u64],
    follow_stored: bool,
) -> Result<Option<Replayed>, String> {
    let initial = model.initial_state();
    let mut bytes = Vec::new();
    let to_stored = encode_canonical_renaming(model, &initial, &mut bytes);
    if fps.get(chain[0] as usize).copied() != Some(fingerprint(&bytes)) {
        return Err("the trace does not start at the initial state".into());
    }
    let (mut current, mut to_concrete) = if follow_stored {
        (
            rename_state(model, &initial, &to_stored),
            invert(&to_stored),
        )
    } else {
        (initial.clone(), identity(model))
    };
    let mut states = vec![TraceState {
        action: None,
        state: initial,
    }];
    for &next in &chain[1..] {
        let want = fps
            .get(next as usize)
            .copied()
            .ok_or("state index out of range")?;
        let mut found = None;
        let result = for_each_successor(model, &current, &mut |label, succ| {
            bytes.clear();
            let renaming = encode_canonical_renaming(model, &succ, &mut bytes);
            if fingerprint(&bytes) == want {
                found = Some((label.to_action(), succ, renaming));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        let Some((action, succ, renaming)) = found else {
            if follow_stored || result.is_err() {
                return Err(format!(
                    "replay found no successor leading to state {} of the trace",
                    states.len()
                ));
            }
            return Ok(None);
        };
        if follow_stored {
            states.push(TraceState {
                action: Some(rename_action(model, &action, &to_concrete)),
                state: rename_state(model, &succ, &to_concrete),
            });
            current = rename_state(model, &succ, &renaming);
            to_concrete = compose(&to_concrete, &invert(&renaming));
        } else {
            states.push(TraceState {
                action: Some(action),
                state: succ.clone(),
            });
            current = succ;
        }
    }
    Ok(Some(Replayed {
        trace: Trace {
            states,
            failed: None,
            loop_at: None,
        },
        stored: current,
        to_concrete,
        failure: None,
    }))
}

/// Finds the first step failing in the replay's last state and records it
/// (renamed like the trace) as the trace's failed action. False when no
/// step fails there.
fn reproduce_failure(model: &Model<'_>, replayed: &mut Replayed) -> bool {
    match for_each_successor(model, &replayed.stored, &mut |_, _| {
        ControlFlow::Continue(())
    }) {
        Err(mut failure) => {
            failure.action = rename_action(model, &failure.action, &replayed.to_concrete);
            replayed.trace.failed = Some(failure.action.clone());
            replayed.failure = Some(failure);
            true
        }
        Ok(_) => false,
    }
}
