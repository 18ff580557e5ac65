//! What a step changed, as short assignments a person reads: `vote =
//! some(Yes)`, and for a long map or set only the entries that changed:
//! `matchIndex[Server[3]] = 1`, `committed + {index: 1, term: 1}`.

use serde_json::Value as Json;

use crate::trace::{State, Var};
use crate::value::{self, display, map_entries, set_items};

/// A value whose text is at most this long is shown whole even when only a
/// part of it changed.
const SHORT: usize = 40;

/// One changed variable of one owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub owner: Option<usize>,
    /// The variable's name.
    pub name: String,
    /// The assignments that describe the change, one per line.
    pub lines: Vec<String>,
}

/// The variables of `next` that differ from `prev` (or are new in it).
pub fn changes(prev: &State, next: &State) -> Vec<Change> {
    next.vars
        .iter()
        .filter_map(|var| {
            let old = find(prev, var);
            if old.is_some_and(|o| o.value == var.value) {
                return None;
            }
            Some(Change {
                owner: var.owner,
                name: var.name.clone(),
                lines: assignment(&var.name, old.map(|o| &o.value), &var.value),
            })
        })
        .collect()
}

fn find<'a>(state: &'a State, var: &Var) -> Option<&'a Var> {
    state
        .vars
        .iter()
        .find(|v| v.owner == var.owner && v.name == var.name)
}

/// `name = value`, or the changed entries of a long map or set.
pub fn assignment(name: &str, old: Option<&Json>, new: &Json) -> Vec<String> {
    let whole = format!("{name} = {}", display(new));
    let Some(old) = old else {
        return vec![whole];
    };
    if display(new).len() <= SHORT {
        return vec![whole];
    }
    if let (Some(a), Some(b)) = (map_entries(old), map_entries(new)) {
        let same_keys = a.len() == b.len() && a.iter().zip(&b).all(|((ka, _), (kb, _))| ka == kb);
        if same_keys {
            return a
                .iter()
                .zip(&b)
                .filter(|((_, va), (_, vb))| va != vb)
                .map(|((k, _), (_, vb))| format!("{name}[{}] = {}", display(k), display(vb)))
                .collect();
        }
    }
    if let (Some(a), Some(b)) = (set_items(old), set_items(new)) {
        let added: Vec<String> = b.iter().filter(|x| !a.contains(x)).map(display).collect();
        let removed: Vec<String> = a.iter().filter(|x| !b.contains(x)).map(display).collect();
        let mut out = Vec::new();
        if !added.is_empty() {
            out.push(format!("{name} + {{{}}}", added.join(", ")));
        }
        if !removed.is_empty() {
            out.push(format!("{name} - {{{}}}", removed.join(", ")));
        }
        return out;
    }
    vec![whole]
}

/// The messages of a `network` value, one per copy for a bag, in order,
/// each with its text and ITF value; works for set, bag and FIFO
/// encodings.
pub fn network_messages(v: &Json) -> Vec<&Json> {
    if let Some(items) = set_items(v) {
        return items.iter().collect();
    }
    let Some(entries) = map_entries(v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        match v {
            // FIFO: a channel's queue.
            Json::Array(queue) => out.extend(queue.iter()),
            // Bag: a message and its number of copies.
            _ => {
                let copies = v
                    .get("#bigint")
                    .and_then(Json::as_str)
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1);
                out.extend(std::iter::repeat_n(k, copies.min(1000)));
            }
        }
    }
    out
}

/// `Vote{ballot: Yes} Participant[1] -> Coordinator` for a message value.
pub fn routed(m: &Json) -> String {
    let end = |key: &str| {
        m.get("value")
            .and_then(|r| r.get(key))
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_string()
    };
    format!(
        "{} {} -> {}",
        display(m),
        end(value::FROM_KEY),
        end(value::TO_KEY)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(vars: Vec<(&str, Json)>) -> State {
        State {
            action: None,
            vars: vars
                .into_iter()
                .map(|(name, value)| Var {
                    owner: Some(0),
                    name: name.to_string(),
                    value,
                })
                .collect(),
        }
    }

    fn int(n: i64) -> Json {
        json!({"#bigint": n.to_string()})
    }

    #[test]
    fn short_values_are_shown_whole() {
        let a = state(vec![
            ("vote", json!({"tag": "none", "value": {}})),
            ("x", int(1)),
        ]);
        let b = state(vec![
            ("vote", json!({"tag": "some", "value": {"value": "Yes"}})),
            ("x", int(1)),
        ]);
        let c = changes(&a, &b);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].lines, ["vote = some(Yes)"]);
    }

    #[test]
    fn long_maps_and_sets_show_only_what_changed() {
        let servers = |m3: i64| json!({"#map": [["Server[1]", int(0)], ["Server[2]", int(0)], ["Server[3]", int(m3)]]});
        assert_eq!(
            assignment("matchIndex", Some(&servers(0)), &servers(1)),
            ["matchIndex[Server[3]] = 1"]
        );
        let long = |extra: &str| json!({"#set": ["Participant[1]", "Participant[2]", extra]});
        assert_eq!(
            assignment(
                "votes",
                Some(&long("Participant[3]")),
                &long("Participant[4]")
            ),
            ["votes + {Participant[4]}", "votes - {Participant[3]}"]
        );
    }

    #[test]
    fn lists_the_messages_of_every_network_kind() {
        let m = json!({"tag": "M", "value": {"from_": "A", "to": "B"}});
        let set = json!({"#set": [m.clone()]});
        let bag = json!({"#map": [[m.clone(), int(2)]]});
        let fifo = json!({"#map": [[{"#tup": ["A", "B"]}, [m.clone(), m.clone()]]]});
        assert_eq!(network_messages(&set).len(), 1);
        assert_eq!(network_messages(&bag).len(), 2);
        assert_eq!(network_messages(&fifo).len(), 2);
        assert_eq!(routed(&m), "M A -> B");
    }
}
