//! Coverage: how many transitions each step and each kind of fault
//! produced, and how often each branch of every `if` in a step body ran.
//!
//! Step and fault counts are taken where a search counts its generated
//! successors (one per transition, by its label), so they add up to the
//! generated count less the initial state. Branch counts come from the
//! executor (`compile/stmt.rs`), which reports every `if` it decides to
//! [`hit`]: a counter of the current thread, opened by the search around
//! one unit of work (a chunk of a level, a walk) and added to that unit's
//! [`Tally`]. A thread-local tally keeps the executor's signatures and its
//! forks (a `choose` clones the run) free of counters; a unit of work runs
//! on one thread from start to end and calls nothing that could run
//! another unit in between, so every hit lands in its own unit. Outside an
//! opened unit (trace replay, validation) a hit counts nothing.
//!
//! A unit's counts are added to the search's total in the same places as
//! its generated count, so coverage is as deterministic as the counts are:
//! the same for any number of workers.

use std::cell::RefCell;

use spec_lang::ir::{Span, StepId};

use crate::compile::{Block, CStmt};
use crate::machine::{CStep, Machine};
use crate::transitions::PLabel;

/// An `if` statement of a step body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchSite {
    pub step: StepId,
    /// The whole statement.
    pub span: Span,
    /// Whether it has an `else` block (otherwise its false branch does
    /// nothing).
    pub has_else: bool,
}

/// What ran during a search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Transitions produced per step, by `StepId` index: for `check`, every
    /// successor generated; for `simulate`, every transition a walk took.
    pub steps: Vec<u64>,
    /// Transitions produced by the environment's faults.
    pub faults: FaultCoverage,
    /// Every `if` of a step body, in spec order, with how often each branch
    /// ran while successors were computed.
    pub branches: Vec<BranchCoverage>,
}

/// Transitions produced per kind of fault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCoverage {
    pub lose: u64,
    pub duplicate: u64,
    pub partition: u64,
    pub heal: u64,
    pub crash: u64,
    pub recover: u64,
}

/// One `if` statement and how often each of its branches ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchCoverage {
    pub step: StepId,
    pub span: Span,
    pub has_else: bool,
    /// Times the condition held.
    pub then: u64,
    /// Times it did not (the `else` block ran, or nothing when there is
    /// none).
    pub otherwise: u64,
}

impl Coverage {
    /// Every transition counted, steps and faults.
    pub fn transitions(&self) -> u64 {
        let f = &self.faults;
        self.steps.iter().sum::<u64>()
            + f.lose
            + f.duplicate
            + f.partition
            + f.heal
            + f.crash
            + f.recover
    }
}

/// What coverage counts a transition as: its step, or its kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Step(u32),
    Lose,
    Duplicate,
    Partition,
    Heal,
    Crash,
    Recover,
}

impl Key {
    #[inline]
    pub fn of(label: &PLabel<'_>) -> Key {
        match label {
            PLabel::Step { step, .. } => Key::Step(step.0),
            PLabel::Lose(_) => Key::Lose,
            PLabel::Duplicate(_) => Key::Duplicate,
            PLabel::Partition(_) => Key::Partition,
            PLabel::Heal => Key::Heal,
            PLabel::Crash(_) => Key::Crash,
            PLabel::Recover(_) => Key::Recover,
        }
    }
}

/// The counts of one unit of work, or of a whole search.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    steps: Vec<u64>,
    faults: FaultCoverage,
    /// Two counters per branch site: condition true, condition false.
    hits: Vec<u64>,
}

impl Tally {
    pub fn new(m: &Machine) -> Tally {
        Tally {
            steps: vec![0; m.steps.len()],
            faults: FaultCoverage::default(),
            hits: vec![0; m.branches.len() * 2],
        }
    }

    /// A tally of the given counts: per step, per fault, and per branch
    /// site (then, otherwise).
    pub fn from_counts(steps: Vec<u64>, faults: FaultCoverage, branches: &[[u64; 2]]) -> Tally {
        Tally {
            steps,
            faults,
            hits: branches.iter().flatten().copied().collect(),
        }
    }

    /// Counts one transition.
    #[inline]
    pub fn count(&mut self, label: &PLabel<'_>) {
        self.count_key(Key::of(label));
    }

    /// Counts one transition by its kind.
    #[inline]
    pub fn count_key(&mut self, key: Key) {
        let f = &mut self.faults;
        match key {
            Key::Step(step) => {
                if let Some(n) = self.steps.get_mut(step as usize) {
                    *n += 1;
                }
            }
            Key::Lose => f.lose += 1,
            Key::Duplicate => f.duplicate += 1,
            Key::Partition => f.partition += 1,
            Key::Heal => f.heal += 1,
            Key::Crash => f.crash += 1,
            Key::Recover => f.recover += 1,
        }
    }

    /// Adds another tally's counts to this one.
    pub fn add(&mut self, other: &Tally) {
        add_counts(&mut self.steps, &other.steps);
        add_counts(&mut self.hits, &other.hits);
        let (a, b) = (&mut self.faults, &other.faults);
        a.lose += b.lose;
        a.duplicate += b.duplicate;
        a.partition += b.partition;
        a.heal += b.heal;
        a.crash += b.crash;
        a.recover += b.recover;
    }

    pub fn into_coverage(self, m: &Machine) -> Coverage {
        let mut steps = self.steps;
        steps.resize(m.steps.len(), 0);
        let hit = |i: usize| self.hits.get(i).copied().unwrap_or(0);
        Coverage {
            steps,
            faults: self.faults,
            branches: m
                .branches
                .iter()
                .enumerate()
                .map(|(n, site)| BranchCoverage {
                    step: site.step,
                    span: site.span,
                    has_else: site.has_else,
                    then: hit(2 * n),
                    otherwise: hit(2 * n + 1),
                })
                .collect(),
        }
    }
}

fn add_counts(into: &mut Vec<u64>, from: &[u64]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

thread_local! {
    /// The branch counters of the unit of work running on this thread;
    /// empty when none is open.
    static HITS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Records that the `if` at branch site `site` took its `then` branch
/// (`taken`) or not. Counts nothing outside an opened unit of work.
#[inline]
pub fn hit(site: usize, taken: bool) {
    let _ = HITS.try_with(|h| {
        if let Ok(mut h) = h.try_borrow_mut()
            && let Some(n) = h.get_mut(2 * site + usize::from(!taken))
        {
            *n += 1;
        }
    });
}

/// Opens a unit of work on this thread: branch hits count from zero.
pub fn open(m: &Machine) {
    let _ = HITS.try_with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            h.clear();
            h.resize(m.branches.len() * 2, 0);
        }
    });
}

/// Closes the unit of work opened on this thread, adding its branch hits
/// to `into`.
pub fn close(into: &mut Tally) {
    let _ = HITS.try_with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            add_counts(&mut into.hits, &h);
            h.clear();
        }
    });
}

/// Numbers the `if` statements of every step body in spec order (each
/// step's body in pre-order), writing each statement's site index into it,
/// and returns the sites.
pub fn number_branches(steps: &mut [CStep]) -> Vec<BranchSite> {
    let mut sites = Vec::new();
    for (n, step) in steps.iter_mut().enumerate() {
        number_block(&mut step.body, StepId(n as u32), &mut sites);
    }
    sites
}

fn number_block(block: &mut Block, step: StepId, sites: &mut Vec<BranchSite>) {
    for stmt in block {
        match stmt {
            CStmt::If {
                then,
                otherwise,
                site,
                span,
                ..
            } => {
                *site = sites.len();
                sites.push(BranchSite {
                    step,
                    span: *span,
                    has_else: !otherwise.is_empty(),
                });
                number_block(then, step, sites);
                number_block(otherwise, step, sites);
            }
            CStmt::For { body, .. } => number_block(body, step, sites),
            _ => {}
        }
    }
}
