//! Canonical packed states under symmetry reduction.
//!
//! The representative of an orbit is the one `symmetry.rs` chooses on the
//! decoded state (a true canonical form: the same for every state of the
//! orbit, see that module); this module bridges: unpack, canonicalise,
//! rename, pack. A state whose renaming changes nothing is its own
//! representative and is not packed again: a packed encoding is unique
//! (`pack(unpack(words)) == words` for every reachable state, tested
//! below). Without symmetric roles nothing is decoded or copied.
//!
//! Debt: the bridge decodes and re-encodes every successor of a spec with
//! symmetric roles, which costs about what the reference evaluator costs
//! per state; signatures computed on packed codes directly would remove it.

use crate::convert::{pack_state, unpack_state};
use crate::machine::Machine;
use crate::model::Model;
use crate::state::State;
use crate::symmetry::{Canonical, Renaming, canonical_form, identity};

/// Both forms of the checker's spec: the reference model (layout, symmetry)
/// and the compiled machine.
pub struct Engine<'s> {
    pub model: &'s Model<'s>,
    pub machine: &'s Machine,
}

impl Engine<'_> {
    /// Whether successors must be canonicalised.
    pub fn reduces(&self) -> bool {
        !self.model.symmetric.is_empty()
    }

    pub fn unpack(&self, words: &[u64]) -> Option<State> {
        unpack_state(
            words,
            self.model.spec,
            &self.model.layout,
            &self.machine.pack,
            &self.machine.boxed,
        )
    }

    pub fn pack(&self, state: &State) -> Result<Vec<u64>, String> {
        pack_state(
            state,
            self.model.spec,
            &self.model.layout,
            &self.machine.pack,
            &self.machine.boxed,
        )
        .map_err(|e| e.0)
    }

    /// Writes the representative of `words` into `out` and returns the
    /// renaming from `words` to it, with the size of its orbit (`None`
    /// when nothing is reduced, in which case `out` is left alone and
    /// `words` is the representative).
    pub fn canonical(
        &self,
        words: &[u64],
        out: &mut Vec<u64>,
    ) -> Result<Option<Canonical>, String> {
        if !self.reduces() {
            return Ok(None);
        }
        let state = self
            .unpack(words)
            .ok_or("a packed state could not be decoded")?;
        let canonical = canonical_form(self.model, &state);
        match &canonical.image {
            Some(image) => *out = self.pack(image)?,
            None => {
                out.clear();
                out.extend_from_slice(words);
            }
        }
        Ok(Some(canonical))
    }

    /// The identity renaming.
    pub fn identity(&self) -> Renaming {
        identity(self.model)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::ops::ControlFlow;

    use super::*;
    use crate::transitions::{Scratch, for_each_successor};

    /// Decoding and encoding again gives back the words of every state
    /// reached (up to a bound a spec), which lets a state its own
    /// representative keep its words.
    #[test]
    fn packed_states_are_unique_encodings() {
        for path in [
            "2pc.spec",
            "3pc.spec",
            "raft.spec",
            "chandy_lamport.spec",
            "chain_replication.spec",
            "lang/faults.spec",
            "lang/fifo.spec",
            "lang/functions.spec",
            "lang/expressions.spec",
        ] {
            let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../specs")
                .join(path);
            let source = std::fs::read_to_string(&full).unwrap_or_default();
            let Ok(compiled) = spec_lang::compile(&source, &[]) else {
                panic!("{path} does not compile");
            };
            let spec = compiled.spec;
            let Ok(model) = Model::new(&spec, true) else {
                panic!("{path}: no model");
            };
            let Ok(machine) = Machine::new(&spec, &model) else {
                panic!("{path}: no machine");
            };
            let engine = Engine {
                model: &model,
                machine: &machine,
            };
            let mut seen: HashSet<Vec<u64>> = HashSet::new();
            let mut queue = vec![machine.init.clone()];
            let mut scratch = Scratch::default();
            while let Some(words) = queue.pop() {
                if seen.len() >= 20_000 || !seen.insert(words.clone()) {
                    continue;
                }
                let state = engine
                    .unpack(&words)
                    .unwrap_or_else(|| panic!("{path}: undecodable"));
                assert_eq!(engine.pack(&state).as_deref(), Ok(&words[..]), "{path}");
                let _ = for_each_successor(&machine, &words, &mut scratch, &mut |_, next| {
                    queue.push(next.to_vec());
                    ControlFlow::Continue(())
                });
            }
            assert!(seen.len() > 10, "{path}: only {} states", seen.len());
        }
    }
}
