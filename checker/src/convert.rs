//! Between packed states and [`State`]s, the decoded form that traces,
//! the reference evaluator, liveness and trace validation use.
//!
//! `unpack(pack(s)) == s` for every state of the spec (tested), so a
//! counterexample rebuilt from packed states shows exactly the states the
//! packed engine explored.

use spec_lang::ir::{MsgId, NetworkKind, Spec};

use crate::boxed::Boxed;
use crate::model::Layout;
use crate::network;
use crate::pack::{FieldsPack, Packing, Storage};
use crate::state::{Channel, Faults, Network, State};
use crate::value::{Instance, Msg, Value};

/// Why a state could not be packed: a value outside its variable's type
/// (which the reference would have refused to store), or a collision in the
/// boxed table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError(pub String);

/// The stored code of a variable's value.
pub fn store_code(
    storage: &Storage,
    v: &Value,
    pack: &Packing,
    boxed: &Boxed,
) -> Result<u64, PackError> {
    match storage {
        Storage::Packed(shape) => shape
            .encode(v, &pack.insts)
            .ok_or_else(|| PackError("a value does not fit its variable's type".into())),
        Storage::Wide => match v {
            Value::Int(n) => Ok(*n as u64),
            _ => Err(PackError("an integer variable holds another value".into())),
        },
        Storage::Boxed => boxed
            .intern(v.clone())
            .map_err(|_| PackError("two boxed values share a handle".into())),
    }
}

/// The value of a variable's stored code.
pub fn load_value(storage: &Storage, code: u64, pack: &Packing, boxed: &Boxed) -> Option<Value> {
    match storage {
        Storage::Packed(shape) => Some(shape.decode(code, &pack.insts)),
        Storage::Wide => Some(Value::Int(code as i64)),
        Storage::Boxed => boxed.get(code).map(|v| (*v).clone()),
    }
}

/// The field word of a message's fields (code or handle).
pub fn fields_code(
    kind: MsgId,
    fields: &[Value],
    pack: &Packing,
    boxed: &Boxed,
) -> Result<u64, PackError> {
    match pack.net.fields.get(kind.index()) {
        Some(FieldsPack::Packed(shape)) => shape
            .encode(&Value::Tuple(fields.to_vec()), &pack.insts)
            .ok_or_else(|| PackError("a message field does not fit its type".into())),
        Some(FieldsPack::Boxed) => boxed
            .intern(Value::Tuple(fields.to_vec()))
            .map_err(|_| PackError("two boxed values share a handle".into())),
        None => Err(PackError("a message of an unknown kind".into())),
    }
}

/// The fields of a message from its field word.
pub fn fields_value(kind: MsgId, code: u64, pack: &Packing, boxed: &Boxed) -> Option<Vec<Value>> {
    let tuple = match pack.net.fields.get(kind.index())? {
        FieldsPack::Packed(shape) => shape.decode(code, &pack.insts),
        FieldsPack::Boxed => (*boxed.get(code)?).clone(),
    };
    match tuple {
        Value::Tuple(items) => Some(items),
        _ => None,
    }
}

/// The entry words of a message.
pub fn entry_of(
    msg: &Msg,
    pack: &Packing,
    boxed: &Boxed,
) -> Result<(Vec<u64>, u32, u32), PackError> {
    let from = pack
        .insts
        .global(msg.from)
        .ok_or_else(|| PackError("a message from no instance".into()))?;
    let to = pack
        .insts
        .global(msg.to)
        .ok_or_else(|| PackError("a message to no instance".into()))?;
    let fields = fields_code(msg.kind, &msg.fields, pack, boxed)?;
    let head = pack.entry_head(msg.kind, from, to, fields);
    let words = if pack.net.entry_words == 1 {
        vec![head]
    } else {
        vec![head, fields]
    };
    Ok((words, from, to))
}

/// The message of an entry's words.
pub fn entry_msg(words: &[u64], pack: &Packing, boxed: &Boxed) -> Option<Msg> {
    let (kind, from, to) = pack.entry_parts(*words.first()?);
    let kind = MsgId(kind);
    let fields = fields_value(kind, pack.entry_fields(words), pack, boxed)?;
    Some(Msg {
        kind,
        from: pack.insts.get(u64::from(from))?,
        to: pack.insts.get(u64::from(to))?,
        fields,
    })
}

/// Packs a decoded state.
pub fn pack_state(
    state: &State,
    spec: &Spec,
    layout: &Layout,
    pack: &Packing,
    boxed: &Boxed,
) -> Result<Vec<u64>, PackError> {
    let mut words = vec![0u64; pack.fixed_words + 1];
    for (r, role) in spec.roles.iter().enumerate() {
        for index in 0..role.count {
            let inst = Instance::new(spec_lang::ir::RoleId(r as u32), index);
            for &var in &role.vars {
                let slot = &pack.vars[var.index()];
                let v = state
                    .vars
                    .get(layout.slot(inst, var))
                    .ok_or_else(|| PackError("a state with too few variables".into()))?;
                let code = store_code(&slot.storage, v, pack, boxed)?;
                pack.write(&mut words, slot, index, code);
            }
        }
    }
    let f = &pack.faults;
    let set_bit = |words: &mut Vec<u64>, at: usize, g: u32| {
        if let Some(w) = words.get_mut(at + g as usize / 64) {
            *w |= 1 << (g % 64);
        }
    };
    if let Some(at) = f.crashed {
        for inst in &state.faults.crashed {
            let g = pack
                .insts
                .global(*inst)
                .ok_or_else(|| PackError("a crashed instance that does not exist".into()))?;
            set_bit(&mut words, at, g);
        }
    }
    if let Some(at) = f.crash_counts {
        for (n, c) in state.faults.crashes.iter().enumerate() {
            if let Some(w) = words.get_mut(at + n) {
                *w = u64::from(*c);
            }
        }
    }
    for (at, n) in [
        (f.losses, state.faults.losses),
        (f.duplications, state.faults.duplications),
        (f.partitions, state.faults.partitions),
    ] {
        if let Some(at) = at {
            words[at] = u64::from(n);
        }
    }
    if let (Some(at), Some(group)) = (f.partition, &state.faults.partition) {
        for inst in group {
            let g = pack
                .insts
                .global(*inst)
                .ok_or_else(|| PackError("a partitioned instance that does not exist".into()))?;
            set_bit(&mut words, at, g);
        }
    }
    words.truncate(pack.fixed_words);
    words.push(0);
    let add = |words: &mut Vec<u64>, m: &Msg| -> Result<(), PackError> {
        let (entry, from, to) = entry_of(m, pack, boxed)?;
        network::add(pack, words, &entry, from, to);
        Ok(())
    };
    match &state.network {
        Network::Set(msgs) => {
            for m in msgs {
                add(&mut words, m)?;
            }
        }
        Network::Bag(msgs) => {
            for (m, n) in msgs {
                for _ in 0..*n {
                    add(&mut words, m)?;
                }
            }
        }
        Network::Fifo(chans) => {
            for c in chans {
                for m in &c.queue {
                    add(&mut words, m)?;
                }
            }
        }
    }
    Ok(words)
}

/// Unpacks a packed state; `None` if the words are not a packed state of
/// this spec (a bug in the checker; callers report it).
pub fn unpack_state(
    words: &[u64],
    spec: &Spec,
    layout: &Layout,
    pack: &Packing,
    boxed: &Boxed,
) -> Option<State> {
    let mut vars = vec![Value::Bool(false); layout.slots];
    for (r, role) in spec.roles.iter().enumerate() {
        for index in 0..role.count {
            let inst = Instance::new(spec_lang::ir::RoleId(r as u32), index);
            for &var in &role.vars {
                let slot = &pack.vars[var.index()];
                let code = pack.read(words, slot, index);
                *vars.get_mut(layout.slot(inst, var))? =
                    load_value(&slot.storage, code, pack, boxed)?;
            }
        }
    }
    let f = &pack.faults;
    let bits = |at: Option<usize>| -> Vec<Instance> {
        let Some(at) = at else {
            return Vec::new();
        };
        pack.insts
            .all
            .iter()
            .enumerate()
            .filter(|(g, _)| {
                words
                    .get(at + g / 64)
                    .is_some_and(|w| w >> (g % 64) & 1 == 1)
            })
            .map(|(_, i)| *i)
            .collect()
    };
    let crashed = bits(f.crashed);
    let crashes = (0..spec.crashes.len())
        .map(|n| {
            f.crash_counts
                .and_then(|at| words.get(at + n))
                .map_or(0, |w| *w as u32)
        })
        .collect();
    let counter = |at: Option<usize>| at.and_then(|at| words.get(at)).map_or(0, |w| *w as u32);
    let group = bits(f.partition);
    let faults = Faults {
        crashed,
        crashes,
        losses: counter(f.losses),
        duplications: counter(f.duplications),
        partitions: counter(f.partitions),
        partition: (!group.is_empty()).then_some(group),
    };
    let mut ok = true;
    let network = match pack.net.kind {
        NetworkKind::Set => {
            let mut msgs = Vec::new();
            network::for_each(pack, words, &mut |e| {
                match entry_msg(e.words, pack, boxed) {
                    Some(m) => msgs.push(m),
                    None => ok = false,
                }
                ok
            });
            msgs.sort();
            Network::Set(msgs)
        }
        NetworkKind::Bag => {
            let mut msgs = Vec::new();
            network::for_each(pack, words, &mut |e| {
                match entry_msg(e.words, pack, boxed) {
                    Some(m) => msgs.push((m, e.copies)),
                    None => ok = false,
                }
                ok
            });
            msgs.sort_by(|a, b| a.0.cmp(&b.0));
            Network::Bag(msgs)
        }
        NetworkKind::Fifo => {
            let mut chans: Vec<Channel> = Vec::new();
            network::for_each(pack, words, &mut |e| {
                let Some(m) = entry_msg(e.words, pack, boxed) else {
                    ok = false;
                    return false;
                };
                if e.head {
                    chans.push(Channel {
                        from: m.from,
                        to: m.to,
                        queue: Vec::new(),
                    });
                }
                if let Some(c) = chans.last_mut() {
                    c.queue.push(m);
                }
                true
            });
            Network::Fifo(chans)
        }
    };
    ok.then_some(State {
        vars,
        network,
        faults,
    })
}
