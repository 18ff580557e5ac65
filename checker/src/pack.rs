//! The packed state layout: where every variable, fault counter and message
//! of a state lives in a flat array of words.
//!
//! A packed state is `[variables][faults][network]`:
//!
//! - **Variables**, role by role. Each instance of a role has a block of
//!   the same layout. A variable whose type has a [`Shape`] takes that
//!   many bits; an integer too wide for a shape takes a whole word (its
//!   two's complement); any other value takes a whole word holding its
//!   handle in the boxed table (`boxed.rs`). When a role's block fits in
//!   64 bits, several instances share a word (two_phase's eight RMs take
//!   two bits each of one word); otherwise each block is a run of whole
//!   words. No field straddles two words.
//! - **Faults**, only those the spec can have: a bitmask of crashed
//!   instances and one counter per crash fault; counters of bounded loss,
//!   duplication and partition; the partitioned group as a bitmask (zero
//!   when there is no partition).
//! - **The network**, variable length. A set: the count, then the distinct
//!   messages in ascending order. A bag: the count, then (message, copies)
//!   pairs in ascending order of message. FIFO: the count of non-empty
//!   channels, then per channel in ascending (sender, receiver) order its
//!   key, its length and its messages, head first.
//!
//! A message is one word when every kind's fields pack into what is left
//! after its kind, sender and receiver (`kind | from | to | fields`, most
//! significant first, so ascending words are messages in canonical order),
//! and otherwise two: `kind | from | to`, then the field code or the boxed
//! handle of the fields.
//!
//! Everything is canonical, so two states are equal exactly when their
//! packed words are, and the fingerprint is a hash of the words.

use spec_lang::ir::{MsgId, NetworkKind, RoleId, Spec, Type};

use crate::shape::{Instances, Shape, bits_for, mask, shl, shr};

/// How one variable is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// The code of its shape, in `shape.bits` bits.
    Packed(Shape),
    /// An integer in a whole word, two's complement.
    Wide,
    /// A whole word holding a handle into the boxed table.
    Boxed,
}

impl Storage {
    pub fn bits(&self) -> u32 {
        match self {
            Storage::Packed(s) => s.bits,
            Storage::Wide | Storage::Boxed => 64,
        }
    }
}

/// One variable's place within its role's block.
#[derive(Clone, Debug)]
pub struct VarSlot {
    pub role: RoleId,
    /// The variable's position among its role's variables.
    pub pos: usize,
    pub ty: Type,
    pub storage: Storage,
    /// Word within the block (always 0 for small blocks).
    pub word: u32,
    /// Bit offset within that word (within the block, for small blocks).
    pub shift: u32,
}

/// How a role's instances' blocks are laid out.
#[derive(Clone, Copy, Debug)]
pub enum Block {
    /// A block of `bits` bits; `per_word` blocks share each word.
    Small { bits: u32, per_word: u32 },
    /// A block of whole words.
    Large { words: u32 },
}

#[derive(Clone, Debug)]
pub struct RolePack {
    /// The first word of the role's first instance.
    pub base: usize,
    pub count: u32,
    pub block: Block,
}

/// Where the fault state lives (word offsets), for the faults the spec has.
#[derive(Clone, Debug, Default)]
pub struct FaultPack {
    /// Crashed instances, a bitmask over global indices.
    pub crashed: Option<usize>,
    /// One counter per entry of `Spec::crashes`.
    pub crash_counts: Option<usize>,
    pub losses: Option<usize>,
    pub duplications: Option<usize>,
    pub partitions: Option<usize>,
    /// The partitioned group (without global instance 0), a bitmask.
    pub partition: Option<usize>,
}

/// How a message kind's fields are stored in a network entry.
#[derive(Clone, Debug)]
pub enum FieldsPack {
    /// Field codes of this product shape.
    Packed(Shape),
    /// A boxed handle of the fields as a tuple value (second word).
    Boxed,
}

#[derive(Clone, Debug)]
pub struct NetPack {
    pub kind: NetworkKind,
    /// 1 or 2 words per message.
    pub entry_words: usize,
    pub inst_bits: u32,
    /// In one-word entries, the bits reserved for fields (the widest kind's).
    pub field_bits: u32,
    pub fields: Vec<FieldsPack>,
}

/// The whole layout of a spec's packed states.
#[derive(Clone, Debug)]
pub struct Packing {
    pub insts: Instances,
    pub roles: Vec<RolePack>,
    /// By [`VarId`].
    pub vars: Vec<VarSlot>,
    pub faults: FaultPack,
    /// Words before the network (variables and faults).
    pub fixed_words: usize,
    /// Words of an instance bitmask.
    pub inst_words: usize,
    pub net: NetPack,
}

/// The storage of a value of type `ty` in a variable slot.
pub fn storage_of(ty: &Type, spec: &Spec, insts: &Instances) -> Storage {
    match Shape::of(ty, spec, insts) {
        Some(shape) => Storage::Packed(shape),
        None if matches!(ty, Type::Int(_)) => Storage::Wide,
        None => Storage::Boxed,
    }
}

impl Packing {
    pub fn new(spec: &Spec) -> Packing {
        let insts = Instances::new(spec);
        let mut vars: Vec<Option<VarSlot>> = vec![None; spec.vars.len()];
        let mut roles = Vec::with_capacity(spec.roles.len());
        let mut base = 0usize;
        for (r, role) in spec.roles.iter().enumerate() {
            let storages: Vec<Storage> = role
                .vars
                .iter()
                .map(|v| {
                    spec.vars
                        .get(v.index())
                        .map_or(Storage::Boxed, |def| storage_of(&def.ty, spec, &insts))
                })
                .collect();
            let total: u64 = storages.iter().map(|s| u64::from(s.bits())).sum();
            let (block, places) = if total <= 64 {
                let bits = total as u32;
                let per_word = 64u32.checked_div(bits).unwrap_or(u32::MAX);
                let mut shift = 0;
                let places: Vec<(u32, u32)> = storages
                    .iter()
                    .map(|s| {
                        let at = (0, shift);
                        shift += s.bits();
                        at
                    })
                    .collect();
                (Block::Small { bits, per_word }, places)
            } else {
                // First fit, in declaration order, without straddling.
                let mut fill: Vec<u32> = Vec::new();
                let places: Vec<(u32, u32)> = storages
                    .iter()
                    .map(|s| {
                        let b = s.bits();
                        match fill.iter().position(|used| used + b <= 64) {
                            Some(w) => {
                                let at = (w as u32, fill[w]);
                                fill[w] += b;
                                at
                            }
                            None => {
                                fill.push(b);
                                (fill.len() as u32 - 1, 0)
                            }
                        }
                    })
                    .collect();
                (
                    Block::Large {
                        words: fill.len() as u32,
                    },
                    places,
                )
            };
            let words = match block {
                Block::Small { bits: 0, .. } => 0,
                Block::Small { per_word, .. } => role.count.div_ceil(per_word) as usize,
                Block::Large { words } => words as usize * role.count as usize,
            };
            for (pos, ((v, storage), (word, shift))) in
                role.vars.iter().zip(storages).zip(places).enumerate()
            {
                if let (Some(slot), Some(def)) = (vars.get_mut(v.index()), spec.vars.get(v.index()))
                {
                    *slot = Some(VarSlot {
                        role: RoleId(r as u32),
                        pos,
                        ty: def.ty.clone(),
                        storage,
                        word,
                        shift,
                    });
                }
            }
            roles.push(RolePack {
                base,
                count: role.count,
                block,
            });
            base += words;
        }
        let var_words = base;
        let vars: Vec<VarSlot> = vars
            .into_iter()
            .map(|s| {
                s.unwrap_or(VarSlot {
                    role: RoleId(0),
                    pos: 0,
                    ty: Type::Bool,
                    storage: Storage::Boxed,
                    word: 0,
                    shift: 0,
                })
            })
            .collect();

        let inst_words = insts.all.len().div_ceil(64).max(1);
        let mut at = var_words;
        let mut take = |n: usize| {
            let here = at;
            at += n;
            Some(here)
        };
        let net = &spec.network;
        let mut faults = FaultPack::default();
        if !spec.crashes.is_empty() {
            faults.crashed = take(inst_words);
            faults.crash_counts = take(spec.crashes.len());
        }
        if net.loss.is_some_and(|b| b.max.is_some()) {
            faults.losses = take(1);
        }
        if net.duplication.is_some_and(|b| b.max.is_some()) {
            faults.duplications = take(1);
        }
        if let Some(p) = net.partition {
            if p.max.is_some() {
                faults.partitions = take(1);
            }
            faults.partition = take(inst_words);
        }
        let fixed_words = at;

        let kind_bits = bits_for(spec.messages.len() as u64);
        let inst_bits = insts.bits;
        let mut fields = Vec::with_capacity(spec.messages.len());
        let mut widest = 0;
        for def in &spec.messages {
            let tuple = Type::Tuple(def.fields.iter().map(|f| f.ty.clone()).collect());
            match Shape::of(&tuple, spec, &insts) {
                Some(shape) => {
                    widest = widest.max(shape.bits);
                    fields.push(FieldsPack::Packed(shape));
                }
                None => fields.push(FieldsPack::Boxed),
            }
        }
        let header = kind_bits + 2 * inst_bits;
        let one_word =
            fields.iter().all(|f| matches!(f, FieldsPack::Packed(_))) && header + widest <= 64;
        Packing {
            insts,
            roles,
            vars,
            faults,
            fixed_words,
            inst_words,
            net: NetPack {
                kind: net.kind,
                entry_words: if one_word { 1 } else { 2 },
                inst_bits,
                field_bits: if one_word { widest } else { 64 },
                fields,
            },
        }
    }

    /// The word and bit offset of one instance's variable.
    #[inline]
    pub fn place(&self, var: &VarSlot, index: u32) -> (usize, u32) {
        let role = &self.roles[var.role.index()];
        match role.block {
            Block::Small { bits, per_word } => (
                role.base + (index / per_word) as usize,
                (index % per_word) * bits + var.shift,
            ),
            Block::Large { words } => (
                role.base + index as usize * words as usize + var.word as usize,
                var.shift,
            ),
        }
    }

    /// Reads the stored code of one instance's variable.
    #[inline]
    pub fn read(&self, words: &[u64], var: &VarSlot, index: u32) -> u64 {
        let bits = var.storage.bits();
        if bits == 0 {
            return 0;
        }
        let (w, shift) = self.place(var, index);
        shr(words.get(w).copied().unwrap_or(0), shift) & mask(bits)
    }

    /// Writes the stored code of one instance's variable.
    #[inline]
    pub fn write(&self, words: &mut [u64], var: &VarSlot, index: u32, code: u64) {
        let bits = var.storage.bits();
        if bits == 0 {
            return;
        }
        let (w, shift) = self.place(var, index);
        if let Some(word) = words.get_mut(w) {
            let m = shl(mask(bits), shift);
            *word = (*word & !m) | (shl(code, shift) & m);
        }
    }

    /// The header word of a network entry (kind, sender, receiver), and
    /// for one-word entries the whole entry with the field code.
    #[inline]
    pub fn entry_head(&self, kind: MsgId, from: u32, to: u32, fields: u64) -> u64 {
        let n = &self.net;
        let low = if n.entry_words == 1 { n.field_bits } else { 0 };
        let head = shl(u64::from(kind.0), 2 * n.inst_bits)
            | shl(u64::from(from), n.inst_bits)
            | u64::from(to);
        shl(head, low) | if n.entry_words == 1 { fields } else { 0 }
    }

    /// Kind, sender and receiver of a network entry's first word.
    #[inline]
    pub fn entry_parts(&self, head: u64) -> (u32, u32, u32) {
        let n = &self.net;
        let low = if n.entry_words == 1 { n.field_bits } else { 0 };
        let h = shr(head, low);
        let to = h & mask(n.inst_bits);
        let from = shr(h, n.inst_bits) & mask(n.inst_bits);
        let kind = shr(h, 2 * n.inst_bits);
        (kind as u32, from as u32, to as u32)
    }

    /// The field code (or handle) of a network entry.
    #[inline]
    pub fn entry_fields(&self, entry: &[u64]) -> u64 {
        if self.net.entry_words == 1 {
            entry[0] & mask(self.net.field_bits)
        } else {
            entry.get(1).copied().unwrap_or(0)
        }
    }

    /// The first entry word of messages of `kind` (all senders and
    /// receivers) and the first one past them, for range scans.
    pub fn kind_range(&self, kind: MsgId) -> (u64, u64) {
        let start = self.entry_head(kind, 0, 0, 0);
        let n = &self.net;
        let low = if n.entry_words == 1 { n.field_bits } else { 0 };
        let span = shl(1, 2 * n.inst_bits + low);
        (start, start.saturating_add(span.wrapping_sub(1)))
    }
}
