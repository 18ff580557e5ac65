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
    Renaming, compose, encode_canonical_renaming, invert, rename_action, rename_state,
};

/// Where a replay ended: the stored state (as the explorer saw it) and the
/// renaming from it to the trace's last, concrete state.
pub struct Replayed {
    pub trace: Trace,
    stored: State,
    to_concrete: Renaming,
}

/// The shortest trace to the state with global index `target`.
pub fn rebuild(
    model: &Model<'_>,
    seen: &SeenSet,
    fps: &[u64],
    target: u64,
) -> Result<Replayed, String> {
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

    let initial = model.initial_state();
    let mut bytes = Vec::new();
    let to_stored = encode_canonical_renaming(model, &initial, &mut bytes);
    if fps.get(chain[0] as usize).copied() != Some(fingerprint(&bytes)) {
        return Err("the trace does not start at the initial state".into());
    }
    let mut stored = rename_state(model, &initial, &to_stored);
    let mut to_concrete = invert(&to_stored);
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
        let result = for_each_successor(model, &stored, &mut |label, succ| {
            bytes.clear();
            let renaming = encode_canonical_renaming(model, &succ, &mut bytes);
            if fingerprint(&bytes) == want {
                found = Some((label.to_action(), succ, renaming));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        if result.is_err() && found.is_none() {
            return Err("replaying the trace hit a failing step before the next state".into());
        }
        let Some((action, succ, renaming)) = found else {
            return Err(format!(
                "replay found no successor leading to state {} of the trace",
                states.len()
            ));
        };
        states.push(TraceState {
            action: Some(rename_action(model, &action, &to_concrete)),
            state: rename_state(model, &succ, &to_concrete),
        });
        stored = rename_state(model, &succ, &renaming);
        to_concrete = compose(&to_concrete, &invert(&renaming));
    }
    Ok(Replayed {
        trace: Trace {
            states,
            failed: None,
        },
        stored,
        to_concrete,
    })
}

/// Finds the first step failing in the trace's last state, as the explorer
/// did, and records it (renamed like the trace) as the failed action.
pub fn reproduce_failure(
    model: &Model<'_>,
    replayed: &mut Replayed,
) -> Result<Box<StepFailure>, String> {
    match for_each_successor(model, &replayed.stored, &mut |_, _| {
        ControlFlow::Continue(())
    }) {
        Err(mut failure) => {
            failure.action = rename_action(model, &failure.action, &replayed.to_concrete);
            replayed.trace.failed = Some(failure.action.clone());
            Ok(failure)
        }
        Ok(_) => Err("replay did not reproduce the failing step".into()),
    }
}
