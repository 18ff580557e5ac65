//! Gray and Lamport's TwoPhase commit as a Stateright model, written from
//! TwoPhase.tla so that it explores exactly the states specc explores on
//! specs/classic/two_phase.spec.
//!
//! The state is TwoPhase.tla's four variables in the most direct Rust
//! rendering a Stateright user would write: the TM's state, a vector of RM
//! states, the TM's prepared set and the set of messages, with ordered sets
//! standing for TLA+ sets. Every action of the TLA+ model is one [`Action`];
//! `actions` lists only the enabled ones and `next_state` always returns a
//! state (a self-loop included), so Stateright's `state_count` counts what
//! TLC calls generated states and its `unique_state_count` the distinct ones.

use std::collections::BTreeSet;

use stateright::{Checker, Model, Property};

/// The transaction manager's state: TLA+'s `tmState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TmState {
    Init,
    Committed,
    Aborted,
}

/// A resource manager's state: TLA+'s `rmState[rm]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RmState {
    Working,
    Prepared,
    Committed,
    Aborted,
}

/// TLA+'s `Messages`: `[type: {"Prepared"}, rm: RM] \cup [type: {"Commit",
/// "Abort"}]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Message {
    Prepared(usize),
    Commit,
    Abort,
}

/// One state of TwoPhase.tla.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub tm_state: TmState,
    pub rm_state: Vec<RmState>,
    pub tm_prepared: BTreeSet<usize>,
    pub msgs: BTreeSet<Message>,
}

/// The actions of TwoPhase.tla's `TPNext`, each with its RM where it has
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    TmRcvPrepared(usize),
    TmCommit,
    TmAbort,
    RmPrepare(usize),
    RmChooseToAbort(usize),
    RmRcvCommitMsg(usize),
    RmRcvAbortMsg(usize),
}

/// TwoPhase with `rms` resource managers.
#[derive(Clone, Debug)]
pub struct TwoPhase {
    pub rms: usize,
}

impl Model for TwoPhase {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State {
            tm_state: TmState::Init,
            rm_state: vec![RmState::Working; self.rms],
            tm_prepared: BTreeSet::new(),
            msgs: BTreeSet::new(),
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        let tm_init = state.tm_state == TmState::Init;
        if tm_init {
            for rm in 0..self.rms {
                if state.msgs.contains(&Message::Prepared(rm)) {
                    actions.push(Action::TmRcvPrepared(rm));
                }
            }
            if state.tm_prepared.len() == self.rms {
                actions.push(Action::TmCommit);
            }
            actions.push(Action::TmAbort);
        }
        let commit_sent = state.msgs.contains(&Message::Commit);
        let abort_sent = state.msgs.contains(&Message::Abort);
        for (rm, rm_state) in state.rm_state.iter().enumerate() {
            if *rm_state == RmState::Working {
                actions.push(Action::RmPrepare(rm));
                actions.push(Action::RmChooseToAbort(rm));
            }
            if commit_sent {
                actions.push(Action::RmRcvCommitMsg(rm));
            }
            if abort_sent {
                actions.push(Action::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        match action {
            Action::TmRcvPrepared(rm) => {
                next.tm_prepared.insert(rm);
            }
            Action::TmCommit => {
                next.tm_state = TmState::Committed;
                next.msgs.insert(Message::Commit);
            }
            Action::TmAbort => {
                next.tm_state = TmState::Aborted;
                next.msgs.insert(Message::Abort);
            }
            Action::RmPrepare(rm) => {
                next.rm_state[rm] = RmState::Prepared;
                next.msgs.insert(Message::Prepared(rm));
            }
            Action::RmChooseToAbort(rm) | Action::RmRcvAbortMsg(rm) => {
                next.rm_state[rm] = RmState::Aborted;
            }
            Action::RmRcvCommitMsg(rm) => {
                next.rm_state[rm] = RmState::Committed;
            }
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        // The two invariants specc checks on two_phase.spec. Stateright's
        // breadth-first search also stops early once every property has a
        // discovery, so without an `always` property it would not explore.
        vec![
            Property::always("TPTypeOK", |model: &TwoPhase, state: &State| {
                state.rm_state.len() == model.rms
                    && state.tm_prepared.iter().all(|rm| *rm < model.rms)
                    && state.msgs.iter().all(|m| match m {
                        Message::Prepared(rm) => *rm < model.rms,
                        Message::Commit | Message::Abort => true,
                    })
            }),
            Property::always("TCConsistent", |_: &TwoPhase, state: &State| {
                let aborted = state.rm_state.contains(&RmState::Aborted);
                let committed = state.rm_state.contains(&RmState::Committed);
                !(aborted && committed)
            }),
        ]
    }
}

/// What a Stateright run found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub distinct: u64,
    pub generated: u64,
    pub depth: u64,
    /// Whether some invariant failed (never expected).
    pub violated: bool,
}

/// Explores TwoPhase with `rms` resource managers breadth-first on
/// `threads` threads, without symmetry reduction, and returns the counts.
pub fn check(rms: usize, threads: usize) -> Counts {
    let checker = TwoPhase { rms }
        .checker()
        .threads(threads.max(1))
        .spawn_bfs()
        .join();
    Counts {
        distinct: checker.unique_state_count() as u64,
        generated: checker.state_count() as u64,
        depth: checker.max_depth() as u64,
        violated: !checker.discoveries().is_empty(),
    }
}
