//! The trace viewer: one self-contained HTML page with the chart, the full
//! state at each step (changed values highlighted, with the old value
//! struck through), and controls to step through the trace (buttons, a
//! slider, the arrow keys, a click on a row of the chart, `#step=N` in
//! the address). The script and the style are inline (viewer.js and
//! viewer.css beside this file), so the page opens without a network.

use serde_json::{Value as Json, json};

use crate::changes::{network_messages, routed};
use crate::svg::escape;
use crate::trace::{Action, State, Trace, Var};
use crate::value::{display, set_items};

const SCRIPT: &str = include_str!("viewer.js");
const STYLE: &str = include_str!("viewer.css");

/// The viewer page of a trace.
pub fn html(trace: &Trace) -> String {
    let title = crate::title(trace);
    let chart = crate::svg(trace);
    let data = json!({ "steps": steps(trace) });
    // `<` appears only inside JSON strings, where `\u003c` means the same;
    // escaping it keeps `</script>` in a value from ending the script.
    let data = data.to_string().replace('<', "\\u003c");
    let title = escape(&title);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{STYLE}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<button id="first" title="first step (Home)">«</button>
<button id="prev" title="previous step (←)">◀</button>
<span id="position"></span>
<button id="next" title="next step (→)">▶</button>
<button id="last" title="last step (End)">»</button>
<input id="slider" type="range" min="0" value="0" aria-label="step">
</header>
<main>
<div id="chart">
{chart}</div>
<aside id="panel">
<h2 id="heading"></h2>
<ul id="detail"></ul>
<div id="state"></div>
<p class="help">Step with ← and →, or click a row of the chart. Changed values are highlighted, with the value before the step struck through.</p>
</aside>
</main>
<script type="application/json" id="trace-data">{data}</script>
<script>
{SCRIPT}</script>
</body>
</html>
"#
    )
}

/// Each state as the panel shows it.
fn steps(trace: &Trace) -> Vec<Json> {
    let mut out = Vec::new();
    for (n, state) in trace.states.iter().enumerate() {
        let prev = n.checked_sub(1).map(|p| &trace.states[p]);
        let (heading, detail) = match &state.action {
            None if n == 0 => ("Initial state".to_string(), Vec::new()),
            None => (format!("Step {n}"), Vec::new()),
            Some(a) => describe(n, a),
        };
        out.push(json!({
            "heading": heading,
            "detail": detail,
            "groups": groups(trace, prev, state),
        }));
    }
    out
}

fn describe(n: usize, action: &Action) -> (String, Vec<String>) {
    match action {
        Action::Step {
            actor,
            step,
            received,
            sent,
            ..
        } => {
            let mut detail = Vec::new();
            if let Some(m) = received {
                detail.push(format!("received {}", routed(&m.value)));
            }
            for m in sent {
                detail.push(format!("sent {}", routed(&m.value)));
            }
            (format!("Step {n}: {actor} {step}"), detail)
        }
        Action::Lose(m) => (
            format!("Step {n}: the network loses a message"),
            vec![format!("lost {}", routed(&m.value))],
        ),
        Action::Duplicate(m) => (
            format!("Step {n}: the network duplicates a message"),
            vec![format!("duplicated {}", routed(&m.value))],
        ),
        Action::Crash(_, name) => (format!("Step {n}: {name} crashes"), Vec::new()),
        Action::Recover(_, name) => (format!("Step {n}: {name} recovers"), Vec::new()),
        Action::Partition(group) => (
            format!("Step {n}: the network partitions"),
            vec![format!("cut off: {{{}}}", group.join(", "))],
        ),
        Action::Heal => (format!("Step {n}: the partition heals"), Vec::new()),
    }
}

/// The state by owner: one group per lifeline, then the network and any
/// other global variable.
fn groups(trace: &Trace, prev: Option<&State>, state: &State) -> Vec<Json> {
    let crashed: Vec<String> = state
        .vars
        .iter()
        .find(|v| v.owner.is_none() && v.name == "crashed")
        .and_then(|v| set_items(&v.value))
        .map(|items| items.iter().map(display).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, name) in trace.lifelines.iter().enumerate() {
        let rows: Vec<Json> = state
            .vars
            .iter()
            .filter(|v| v.owner == Some(i))
            .map(|v| var_row(prev, v))
            .collect();
        out.push(json!({ "name": name, "crashed": crashed.contains(name), "rows": rows }));
    }
    let globals: Vec<&Var> = state.vars.iter().filter(|v| v.owner.is_none()).collect();
    for v in &globals {
        if v.name == "network" && trace.has_roles() {
            out.push(network_group(prev, v));
        }
    }
    let others: Vec<Json> = globals
        .iter()
        .filter(|v| !(v.name == "network" && trace.has_roles()))
        .map(|v| var_row(prev, v))
        .collect();
    if !others.is_empty() {
        let name = if trace.has_roles() { "Global" } else { "State" };
        out.push(json!({ "name": name, "crashed": false, "rows": others }));
    }
    out
}

fn var_row(prev: Option<&State>, v: &Var) -> Json {
    let old = prev.and_then(|p| {
        p.vars
            .iter()
            .find(|o| o.owner == v.owner && o.name == v.name)
    });
    let changed = prev.is_some() && old.is_none_or(|o| o.value != v.value);
    let old_text = old.filter(|_| changed).map(|o| display(&o.value));
    json!({
        "name": v.name,
        "value": display(&v.value),
        "changed": changed,
        "old": old_text,
    })
}

/// The messages in flight, one row each; a message that was not in flight
/// before the step is highlighted.
fn network_group(prev: Option<&State>, v: &Var) -> Json {
    let before: Vec<&Json> = prev
        .and_then(|p| {
            p.vars
                .iter()
                .find(|o| o.owner.is_none() && o.name == v.name)
        })
        .map(|o| network_messages(&o.value))
        .unwrap_or_default();
    let mut remaining = before.clone();
    let rows: Vec<Json> = network_messages(&v.value)
        .into_iter()
        .map(|m| {
            let new = match remaining.iter().position(|o| *o == m) {
                Some(at) => {
                    remaining.remove(at);
                    false
                }
                None => prev.is_some(),
            };
            json!({ "name": "", "value": routed(m), "changed": new, "old": null })
        })
        .collect();
    json!({ "name": "Network (in flight)", "crashed": false, "rows": rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_cannot_end_the_embedded_script() {
        let doc = json!({
            "vars": ["x"],
            "states": [{"x": "</script><b>"}, {"x": "ok"}],
        });
        let trace = Trace::from_itf(&doc).expect("decodes");
        let page = html(&trace);
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the two real script ends"
        );
        assert!(page.contains("\\u003c/script>\\u003cb>"));
    }

    #[test]
    fn marks_the_changed_variables_with_their_old_values() {
        let doc = json!({
            "vars": ["x", "y"],
            "states": [{"x": {"#bigint": "1"}, "y": true}, {"x": {"#bigint": "2"}, "y": true}],
        });
        let trace = Trace::from_itf(&doc).expect("decodes");
        let steps = steps(&trace);
        let rows = &steps[1]["groups"][0]["rows"];
        assert_eq!(
            rows[0],
            json!({"name": "x", "value": "2", "changed": true, "old": "1"})
        );
        assert_eq!(rows[1]["changed"], json!(false));
        assert_eq!(steps[0]["groups"][0]["rows"][0]["changed"], json!(false));
    }
}
