//! Canonical forms of states under permutations of symmetric roles.
//!
//! For a role marked `symmetric`, renaming its instances (everywhere:
//! variables, values inside sets and maps, messages, the network, the fault
//! state) maps behaviours to behaviours, so the checker keeps one state per
//! orbit. The representative must be a true canonical form, the same for
//! every state of an orbit, or the reduction would be unsound or useless.
//!
//! The canonical form is the minimum encoding over a set of candidate
//! permutations that is itself orbit-invariant:
//!
//! 1. Each instance gets a signature that renaming cannot change: its own
//!    variables with its own id written as "me", the other ids of its role
//!    as "another", and the ids of other symmetric roles as "some". Only
//!    where two instances tie, a finer signature follows: the whole state
//!    abstracted the same way (the other instances' variables as a sorted
//!    multiset, the network as a sorted multiset of abstracted messages).
//! 2. Candidates are the permutations that sort instances by signature.
//!    Renaming a state renames its candidates, so the set of candidate
//!    images, and hence its minimum encoding, is the same for the whole
//!    orbit.
//! 3. Within a group of tied instances, if swapping the group's first
//!    member with each other member leaves the state unchanged, every
//!    ordering of the group gives the same image, and one suffices.
//!    Otherwise every ordering of the group is tried.
//!
//! Cost: n cheap own-variable signatures per symmetric role with n
//! instances, plus one abstraction of the whole state per tied instance,
//! plus one renaming per tied pair checked; the factorial enumeration only
//! happens for tied instances that are not interchangeable, which is rare
//! (the finer signature separates almost all of them), and is capped at
//! 5,040 orderings per state, beyond which the remaining tied groups keep
//! their signature order (less reduction, still sound). Full enumeration of
//! all n! permutations, as TLC does, would cost 362,880 encodings per state
//! for nine instances.

use std::cmp::Ordering;

use spec_lang::ir::RoleId;

use crate::encode::encode_state;
use crate::model::Model;
use crate::outcome::Action;
use crate::state::{Channel, Faults, Network, State};
use crate::value::{Instance, Msg, Value};

/// At most this many candidate orderings are tried per state (7!); see
/// [`canonicalize`] for what happens beyond.
const MAX_CANDIDATES: u64 = 5040;

/// A renaming: for each role, `None` (unchanged) or the new index of each
/// old index. The map need not be injective: signatures collapse ids.
pub type Renaming = Vec<Option<Vec<u32>>>;

/// The canonical form of a state, as [`canonical_form`] finds it.
pub struct Canonical {
    /// The renaming that maps the state to its representative.
    pub renaming: Renaming,
    /// The representative; `None` when it is the state itself (the
    /// renaming changes nothing).
    pub image: Option<State>,
    /// How many states the state's orbit holds (every renaming of it);
    /// `None` when the orbit was not measured because the canonical form
    /// gave up trying orderings (see [`MAX_CANDIDATES`]), or its size does
    /// not fit in 64 bits.
    pub orbit: Option<u64>,
}

/// The representative of `state`'s orbit, the renaming that maps `state`
/// to it, and the size of the orbit.
///
/// The orbit's size is the number of renamings, `n!` for each symmetric
/// role of `n` instances, divided by the number that leave the state as it
/// is (its stabiliser). The search finds the stabiliser on the way: a
/// renaming that fixes the state keeps every instance's signature, so it
/// only permutes tied groups; every ordering of an interchangeable group
/// fixes the state (its transpositions do), and of the orderings tried for
/// the other groups, exactly those that give the same image as the best
/// one differ from it by a renaming that fixes the state.
pub fn canonical_form(model: &Model<'_>, state: &State) -> Canonical {
    let (renaming, image, stabiliser) = canonicalize(model, state);
    let orbit = stabiliser.and_then(|fixing| {
        let order = group_order(model)?;
        debug_assert_eq!(
            order % fixing,
            0,
            "a stabiliser's order divides the group's"
        );
        Some(order / fixing)
    });
    Canonical {
        renaming,
        image,
        orbit,
    }
}

/// The number of renamings of `model`'s symmetric roles, if it fits.
fn group_order(model: &Model<'_>) -> Option<u64> {
    model.symmetric.iter().try_fold(1u64, |order, role| {
        let n = u64::from(model.layout.roles[role.index()].count);
        order.checked_mul(factorial(n)?)
    })
}

/// `n!`, if it fits in 64 bits.
fn factorial(n: u64) -> Option<u64> {
    (1..=n).try_fold(1u64, u64::checked_mul)
}

/// The renaming to the representative, the representative (`None` if it
/// is `state`) and the order of the state's stabiliser (`None` if some
/// group's orderings were not all tried).
fn canonicalize(model: &Model<'_>, state: &State) -> (Renaming, Option<State>, Option<u64>) {
    if model.symmetric.is_empty() {
        return (identity(model), None, Some(1));
    }
    let groups: Vec<Vec<Vec<u32>>> = model
        .symmetric
        .iter()
        .map(|&role| ordered_groups(model, state, role))
        .collect();
    // Choices: for each role, for each group, the orderings to try.
    let mut options: Vec<(usize, usize, Vec<Vec<u32>>)> = Vec::new();
    let mut candidates: u64 = 1;
    // The renamings that fix the state: all orderings of interchangeable
    // groups, times (below) the tried orderings that tie with the best.
    let mut fixing: Option<u64> = Some(1);
    for (r, role_groups) in groups.iter().enumerate() {
        for (g, group) in role_groups.iter().enumerate() {
            if group.len() < 2 {
                continue;
            }
            // `None` past 20 instances (21! does not fit in 64 bits).
            let orderings = factorial(group.len() as u64);
            if interchangeable(model, state, model.symmetric[r], group) {
                fixing = fixing.zip(orderings).and_then(|(f, o)| f.checked_mul(o));
                continue;
            }
            let Some(orderings) =
                orderings.filter(|&o| candidates.saturating_mul(o) <= MAX_CANDIDATES)
            else {
                // Too many orderings to try: keep the signature order for
                // this group. The representative is then not canonical (an
                // orbit may be stored more than once), which costs
                // reduction but never soundness, and bounds the work.
                fixing = None;
                continue;
            };
            candidates *= orderings;
            options.push((r, g, permutations(group)));
        }
    }
    // One candidate: it is the representative, with no encoding to compare.
    if options.is_empty() {
        let renaming = renaming_from_order(model, &groups);
        let image = (!is_identity(&renaming)).then(|| rename_state(model, state, &renaming));
        return (renaming, image, fixing);
    }
    let mut chosen = groups.clone();
    let mut best: Option<(Vec<u8>, Renaming, State)> = None;
    let mut ties: u64 = 0;
    let mut scratch = Vec::new();
    let mut counters = vec![0usize; options.len()];
    loop {
        for (k, (r, g, orders)) in options.iter().enumerate() {
            chosen[*r][*g].clone_from(&orders[counters[k]]);
        }
        let renaming = renaming_from_order(model, &chosen);
        let image = rename_state(model, state, &renaming);
        scratch.clear();
        encode_state(&image, &mut scratch);
        match best.as_ref().map(|(b, _, _)| scratch.cmp(b)) {
            Some(Ordering::Greater) => {}
            Some(Ordering::Equal) => ties += 1,
            None | Some(Ordering::Less) => {
                best = Some((scratch.clone(), renaming, image));
                ties = 1;
            }
        }
        // Advance the mixed-radix counter over all choices.
        let mut k = 0;
        loop {
            if k == options.len() {
                let stabiliser = fixing.and_then(|f| f.checked_mul(ties));
                return match best {
                    Some((_, renaming, image)) => {
                        let image = (!is_identity(&renaming)).then_some(image);
                        (renaming, image, stabiliser)
                    }
                    None => (identity(model), None, stabiliser),
                };
            }
            counters[k] += 1;
            if counters[k] < options[k].2.len() {
                break;
            }
            counters[k] = 0;
            k += 1;
        }
    }
}

/// The renaming that changes nothing.
pub fn identity(model: &Model<'_>) -> Renaming {
    vec![None; model.layout.roles.len()]
}

/// Whether `renaming` changes nothing.
fn is_identity(renaming: &Renaming) -> bool {
    renaming.iter().flatten().all(|perm| {
        perm.iter()
            .enumerate()
            .all(|(old, &new)| old == new as usize)
    })
}

/// The inverse of an injective renaming.
pub fn invert(renaming: &Renaming) -> Renaming {
    renaming
        .iter()
        .map(|perm| {
            perm.as_ref().map(|p| {
                let mut inv = vec![0u32; p.len()];
                for (old, &new) in p.iter().enumerate() {
                    if let Some(slot) = inv.get_mut(new as usize) {
                        *slot = old as u32;
                    }
                }
                inv
            })
        })
        .collect()
}

/// `outer` after `inner`: an id goes through `inner` first.
pub fn compose(outer: &Renaming, inner: &Renaming) -> Renaming {
    outer
        .iter()
        .zip(inner)
        .map(|(o, i)| match (o, i) {
            (None, None) => None,
            (Some(o), None) => Some(o.clone()),
            (None, Some(i)) => Some(i.clone()),
            (Some(o), Some(i)) => Some(
                i.iter()
                    .map(|&x| o.get(x as usize).copied().unwrap_or(x))
                    .collect(),
            ),
        })
        .collect()
}

/// Applies an injective renaming to an action.
pub fn rename_action(model: &Model<'_>, action: &Action, renaming: &Renaming) -> Action {
    match action {
        Action::Step {
            step,
            instance,
            received,
            sent,
        } => {
            let mut sent: Vec<Msg> = sent.iter().map(|m| rename_msg(m, renaming)).collect();
            // A broadcast sends in receiver order; keep showing it that way.
            // The sort is stable, so sends on one channel keep their order.
            sent.sort_by_key(|m| m.to);
            Action::Step {
                step: *step,
                instance: rename_instance(*instance, renaming),
                received: received.as_ref().map(|m| rename_msg(m, renaming)),
                sent,
            }
        }
        Action::Lose(m) => Action::Lose(rename_msg(m, renaming)),
        Action::Duplicate(m) => Action::Duplicate(rename_msg(m, renaming)),
        Action::Partition(group) => Action::Partition(rename_group(model, group, renaming)),
        Action::Heal => Action::Heal,
        Action::Crash(i) => Action::Crash(rename_instance(*i, renaming)),
        Action::Recover(i) => Action::Recover(rename_instance(*i, renaming)),
    }
}

/// The instances of `role` sorted by signature, grouped by equal signature.
fn ordered_groups(model: &Model<'_>, state: &State, role: RoleId) -> Vec<Vec<u32>> {
    let count = model.layout.roles[role.index()].count;
    let mut keyed: Vec<(Value, u32)> = (0..count)
        .map(|i| (own_signature(model, state, role, i), i))
        .collect();
    keyed.sort();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut at = 0;
    while at < keyed.len() {
        let mut end = at + 1;
        while end < keyed.len() && keyed[end].0 == keyed[at].0 {
            end += 1;
        }
        if end - at == 1 {
            groups.push(vec![keyed[at].1]);
        } else {
            // Tied on their own variables: refine by the whole state.
            let mut fine: Vec<(Value, u32)> = keyed[at..end]
                .iter()
                .map(|(_, i)| (full_signature(model, state, role, *i), *i))
                .collect();
            fine.sort();
            let mut s = 0;
            while s < fine.len() {
                let mut e = s + 1;
                while e < fine.len() && fine[e].0 == fine[s].0 {
                    e += 1;
                }
                groups.push(fine[s..e].iter().map(|(_, i)| *i).collect());
                s = e;
            }
        }
        at = end;
    }
    groups
}

/// The renaming that abstracts ids from the point of view of instance `me`
/// of `role`: `me` becomes 0, the rest of its role 1, every instance of the
/// other symmetric roles 0.
fn marking(model: &Model<'_>, role: RoleId, me: u32) -> Renaming {
    let mut renaming: Renaming = vec![None; model.layout.roles.len()];
    for &r in &model.symmetric {
        let count = model.layout.roles[r.index()].count;
        renaming[r.index()] = Some(if r == role {
            (0..count).map(|i| u32::from(i != me)).collect()
        } else {
            vec![0; count as usize]
        });
    }
    renaming
}

fn own_signature(model: &Model<'_>, state: &State, role: RoleId, me: u32) -> Value {
    let renaming = marking(model, role, me);
    let inst = Instance::new(role, me);
    let mut items = vec![Value::Bool(state.faults.is_crashed(inst))];
    for slot in model.layout.instance_slots(inst) {
        items.push(rename_value(&state.vars[slot], &renaming));
    }
    Value::Tuple(items)
}

/// The whole state abstracted from `me`'s point of view; instances of
/// symmetric roles other than `me` appear only as a sorted multiset.
fn full_signature(model: &Model<'_>, state: &State, role: RoleId, me: u32) -> Value {
    let renaming = marking(model, role, me);
    let mut parts = Vec::new();
    for (r, layout) in model.layout.roles.iter().enumerate() {
        let rid = RoleId(r as u32);
        let mut blocks: Vec<Value> = (0..layout.count)
            .map(|i| {
                let inst = Instance::new(rid, i);
                let mut items = vec![Value::Bool(state.faults.is_crashed(inst))];
                for slot in model.layout.instance_slots(inst) {
                    items.push(rename_value(&state.vars[slot], &renaming));
                }
                Value::Tuple(items)
            })
            .collect();
        if renaming[r].is_some() {
            let own = (rid == role).then(|| blocks.remove(me as usize));
            blocks.sort();
            parts.push(Value::Tuple(vec![
                own.unwrap_or(Value::None),
                Value::Seq(blocks),
            ]));
        } else {
            parts.push(Value::Seq(blocks));
        }
    }
    let renamed = rename_network(&state.network, &renaming);
    let mut msgs: Vec<Value> = match renamed {
        Network::Set(m) => m.into_iter().map(|m| Value::Msg(Box::new(m))).collect(),
        Network::Bag(m) => m
            .into_iter()
            .map(|(m, n)| Value::Tuple(vec![Value::Msg(Box::new(m)), Value::Int(i64::from(n))]))
            .collect(),
        Network::Fifo(chans) => chans
            .into_iter()
            .map(|c| {
                Value::Tuple(vec![
                    Value::Inst(c.from),
                    Value::Inst(c.to),
                    Value::Seq(
                        c.queue
                            .into_iter()
                            .map(|m| Value::Msg(Box::new(m)))
                            .collect(),
                    ),
                ])
            })
            .collect(),
    };
    msgs.sort();
    parts.push(Value::Seq(msgs));
    if let Some(group) = &state.faults.partition {
        let mut sides = [Vec::new(), Vec::new()];
        for &inst in &model.layout.instances {
            let side = usize::from(group.binary_search(&inst).is_ok());
            sides[side].push(Value::Inst(rename_instance(inst, &renaming)));
        }
        let [mut a, mut b] = sides;
        a.sort();
        b.sort();
        let mut pair = vec![Value::Seq(a), Value::Seq(b)];
        pair.sort();
        parts.push(Value::Seq(pair));
    }
    Value::Tuple(parts)
}

/// Whether every ordering of a tied group gives the same image: true when
/// swapping its first member with each other member fixes the state (those
/// transpositions generate all permutations of the group).
fn interchangeable(model: &Model<'_>, state: &State, role: RoleId, group: &[u32]) -> bool {
    let count = model.layout.roles[role.index()].count;
    group[1..].iter().all(|&other| {
        let mut perm: Vec<u32> = (0..count).collect();
        perm.swap(group[0] as usize, other as usize);
        let mut renaming: Renaming = vec![None; model.layout.roles.len()];
        renaming[role.index()] = Some(perm);
        rename_state(model, state, &renaming) == *state
    })
}

/// All orderings of a group (the group is small: see the module comment).
fn permutations(group: &[u32]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut items = group.to_vec();
    heap_permute(items.len(), &mut items, &mut out);
    out
}

fn heap_permute(k: usize, items: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    // Heap's algorithm: each permutation exactly once.
    if k <= 1 {
        out.push(items.clone());
        return;
    }
    heap_permute(k - 1, items, out);
    for i in 0..k - 1 {
        let j = if k.is_multiple_of(2) { i } else { 0 };
        items.swap(j, k - 1);
        heap_permute(k - 1, items, out);
    }
}

/// The renaming that puts each symmetric role's instances in the chosen
/// order: the instance listed n-th gets index n.
fn renaming_from_order(model: &Model<'_>, chosen: &[Vec<Vec<u32>>]) -> Renaming {
    let mut renaming: Renaming = vec![None; model.layout.roles.len()];
    for (r, groups) in chosen.iter().enumerate() {
        let role = model.symmetric[r];
        let mut perm = vec![0u32; model.layout.roles[role.index()].count as usize];
        for (new, &old) in groups.iter().flatten().enumerate() {
            perm[old as usize] = new as u32;
        }
        renaming[role.index()] = Some(perm);
    }
    renaming
}

fn rename_instance(inst: Instance, renaming: &Renaming) -> Instance {
    match renaming.get(inst.role.index()) {
        Some(Some(perm)) => Instance::new(
            inst.role,
            perm.get(inst.index as usize).copied().unwrap_or(inst.index),
        ),
        _ => inst,
    }
}

/// Renames the instances in a value and restores canonical order. Sets are
/// kept as sorted lists without removing duplicates, so that a collapsing
/// renaming (a signature) yields a multiset rather than losing counts.
fn rename_value(v: &Value, renaming: &Renaming) -> Value {
    match v {
        Value::Bool(_) | Value::Int(_) | Value::Enum(..) | Value::None => v.clone(),
        Value::Inst(i) => Value::Inst(rename_instance(*i, renaming)),
        Value::Some(x) => Value::Some(Box::new(rename_value(x, renaming))),
        Value::Set(items) => {
            let mut items: Vec<Value> = items.iter().map(|x| rename_value(x, renaming)).collect();
            items.sort();
            Value::Set(items)
        }
        Value::Seq(items) => Value::Seq(items.iter().map(|x| rename_value(x, renaming)).collect()),
        Value::Tuple(items) => {
            Value::Tuple(items.iter().map(|x| rename_value(x, renaming)).collect())
        }
        Value::Record(id, items) => Value::Record(
            *id,
            items.iter().map(|x| rename_value(x, renaming)).collect(),
        ),
        Value::Map(entries) => {
            let mut entries: Vec<(Value, Value)> = entries
                .iter()
                .map(|(k, x)| (rename_value(k, renaming), rename_value(x, renaming)))
                .collect();
            entries.sort();
            Value::Map(entries)
        }
        Value::Msg(m) => Value::Msg(Box::new(rename_msg(m, renaming))),
    }
}

fn rename_msg(m: &Msg, renaming: &Renaming) -> Msg {
    Msg {
        kind: m.kind,
        from: rename_instance(m.from, renaming),
        to: rename_instance(m.to, renaming),
        fields: m.fields.iter().map(|x| rename_value(x, renaming)).collect(),
    }
}

fn rename_network(network: &Network, renaming: &Renaming) -> Network {
    match network {
        Network::Set(msgs) => {
            let mut msgs: Vec<Msg> = msgs.iter().map(|m| rename_msg(m, renaming)).collect();
            msgs.sort();
            Network::Set(msgs)
        }
        Network::Bag(msgs) => {
            let mut msgs: Vec<(Msg, u32)> = msgs
                .iter()
                .map(|(m, n)| (rename_msg(m, renaming), *n))
                .collect();
            msgs.sort();
            Network::Bag(msgs)
        }
        Network::Fifo(chans) => {
            let mut chans: Vec<Channel> = chans
                .iter()
                .map(|c| Channel {
                    from: rename_instance(c.from, renaming),
                    to: rename_instance(c.to, renaming),
                    queue: c.queue.iter().map(|m| rename_msg(m, renaming)).collect(),
                })
                .collect();
            chans.sort_by(compare_channels);
            Network::Fifo(chans)
        }
    }
}

fn compare_channels(a: &Channel, b: &Channel) -> Ordering {
    (a.from, a.to, &a.queue).cmp(&(b.from, b.to, &b.queue))
}

/// Renames a partition's group, keeping the convention that the group
/// listed is the one without the first instance.
fn rename_group(model: &Model<'_>, group: &[Instance], renaming: &Renaming) -> Vec<Instance> {
    let mut group: Vec<Instance> = group
        .iter()
        .map(|i| rename_instance(*i, renaming))
        .collect();
    group.sort();
    match model.layout.instances.first() {
        Some(first) if group.binary_search(first).is_ok() => model
            .layout
            .instances
            .iter()
            .filter(|i| group.binary_search(i).is_err())
            .copied()
            .collect(),
        _ => group,
    }
}

/// Applies an injective renaming to a whole state.
pub fn rename_state(model: &Model<'_>, state: &State, renaming: &Renaming) -> State {
    let mut vars = state.vars.clone();
    for &inst in &model.layout.instances {
        let to = rename_instance(inst, renaming);
        let src = model.layout.instance_slots(inst);
        let dst = model.layout.instance_slots(to);
        for (s, d) in src.zip(dst) {
            vars[d] = rename_value(&state.vars[s], renaming);
        }
    }
    let mut crashed: Vec<Instance> = state
        .faults
        .crashed
        .iter()
        .map(|i| rename_instance(*i, renaming))
        .collect();
    crashed.sort();
    let partition = state
        .faults
        .partition
        .as_ref()
        .map(|group| rename_group(model, group, renaming));
    State {
        vars,
        network: rename_network(&state.network, renaming),
        faults: Faults {
            crashed,
            partition,
            ..state.faults.clone()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::permutations;

    #[test]
    fn permutations_lists_each_ordering_once() {
        for n in 1..=5u32 {
            let group: Vec<u32> = (0..n).collect();
            let mut all = permutations(&group);
            let total = all.len();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), total);
            assert_eq!(total, (1..=n as usize).product::<usize>());
        }
    }
}
