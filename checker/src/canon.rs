//! Canonical packed states under symmetry reduction.
//!
//! The representative of an orbit is the one `symmetry.rs` chooses on the
//! decoded state (a true canonical form: the same for every state of the
//! orbit, see that module); this module bridges: unpack, canonicalise,
//! rename, pack. Without symmetric roles a packed state is its own
//! representative and nothing is copied.
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
