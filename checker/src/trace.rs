//! Rebuilding counterexamples from parent links by replaying the spec.
//!
//! The seen-set stores only fingerprints and parent links. A trace is the
//! chain of fingerprints from the violating state back to an initial state,
//! replayed forwards: from each concrete state, the first successor (in
//! transition order) whose canonical fingerprint is the next one in the
//! chain. The replay doubles as a self-check of the explorer: if no
//! successor matches, the explorer and the transition relation disagree,
//! which is reported as an internal error rather than a wrong trace.
//!
//! With symmetry reduction the stored states are canonical representatives;
//! the replay follows concrete states (each a renaming of the stored one),
//! so the trace shows one real behaviour, not a jump between
//! representatives.

use std::ops::ControlFlow;

use crate::explore::canonical_fingerprint;
use crate::model::Model;
use crate::outcome::{Trace, TraceState};
use crate::seen::{SeenSet, parent_of};
use crate::successors::{StepFailure, for_each_successor};

/// The shortest trace to the state with global index `target`.
pub fn rebuild(
    model: &Model<'_>,
    seen: &SeenSet,
    fps: &[u64],
    target: u64,
) -> Result<Trace, String> {
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

    let mut state = model.initial_state();
    let root_fp = fps.get(chain[0] as usize).copied();
    if root_fp != Some(canonical_fingerprint(model, &state)) {
        return Err("the trace does not start at the initial state".into());
    }
    let mut states = vec![TraceState {
        action: None,
        state: state.clone(),
    }];
    for &next in &chain[1..] {
        let want = fps
            .get(next as usize)
            .copied()
            .ok_or("state index out of range")?;
        let mut found = None;
        let result = for_each_successor(model, &state, &mut |label, succ| {
            if canonical_fingerprint(model, &succ) == want {
                found = Some((label.to_action(), succ));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        if result.is_err() && found.is_none() {
            return Err("replaying the trace hit a failing step before the next state".into());
        }
        let Some((action, succ)) = found else {
            return Err(format!(
                "replay found no successor leading to state {} of the trace",
                states.len()
            ));
        };
        states.push(TraceState {
            action: Some(action),
            state: succ.clone(),
        });
        state = succ;
    }
    Ok(Trace {
        states,
        failed: None,
    })
}

/// Finds the first step failing in the trace's last state and records it as
/// the trace's failed action.
pub fn reproduce_failure(model: &Model<'_>, trace: &mut Trace) -> Result<Box<StepFailure>, String> {
    let last = &trace.states.last().ok_or("an empty trace")?.state;
    match for_each_successor(model, last, &mut |_, _| ControlFlow::Continue(())) {
        Err(failure) => {
            trace.failed = Some(failure.action.clone());
            Ok(failure)
        }
        Ok(_) => Err("replay did not reproduce the failing step".into()),
    }
}
