//! The state graph in Graphviz's dot language.

use spec_lang::ir::Spec;

use super::{action_row, instance_set, slot_names};
use crate::model::Layout;
use crate::state::State;
use crate::state_graph::{GraphState, StateGraph};

/// The graph as a `digraph`: one box per state (its number and depth,
/// every variable, the messages in flight and the faults so far), one
/// edge per transition labelled with the acting instance and step or the
/// fault. The initial state is drawn bold; a state that breaks an
/// invariant, fails a step or deadlocks is red and says so; a state
/// outside the constraints (not expanded) is dashed.
pub fn dot_graph(spec: &Spec, graph: &StateGraph) -> String {
    let layout = Layout::new(spec);
    let names = slot_names(spec, &layout);
    let mut out = format!(
        "// The reachable state graph of {}: {} states, {} transitions (written by specc).\n",
        spec.name,
        graph.states.len(),
        graph.edges.len()
    );
    out.push_str(&format!("digraph {} {{\n", quote(&spec.name)));
    out.push_str("  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"monospace\", fontsize=9];\n");
    for (n, node) in graph.states.iter().enumerate() {
        let mut attrs = vec![format!(
            "label={}",
            left_lines(&node_lines(spec, &names, n, node))
        )];
        if n == 0 {
            attrs.push("penwidth=2".into());
        }
        if !node.broken.is_empty() || node.failed.is_some() || node.deadlock {
            attrs.push("color=red, fontcolor=red".into());
        }
        if !node.expanded {
            attrs.push("style=dashed".into());
        }
        out.push_str(&format!("  s{n} [{}];\n", attrs.join(", ")));
    }
    for e in &graph.edges {
        let row = action_row(spec, 0, &e.action);
        let mut label = if row.instance.is_empty() || row.instance == "network" {
            row.action.clone()
        } else {
            format!("{} {}", row.instance, row.action)
        };
        if row.fault
            && let Some(m) = &row.received
        {
            label = format!("{label} {m}");
        }
        let style = if row.fault { ", style=dashed" } else { "" };
        out.push_str(&format!(
            "  s{} -> s{} [label={}{style}];\n",
            e.from,
            e.to,
            quote(&label)
        ));
    }
    out.push_str("}\n");
    out
}

fn node_lines(spec: &Spec, names: &[String], n: usize, node: &GraphState) -> Vec<String> {
    let mut lines = vec![format!("#{n} (depth {})", node.depth)];
    for b in &node.broken {
        lines.push(format!("VIOLATES {b}"));
    }
    if let Some(f) = &node.failed {
        lines.push(format!("A STEP FAILS: {f}"));
    }
    if node.deadlock {
        lines.push("DEADLOCK".into());
    }
    if !node.expanded {
        lines.push("(outside the constraints)".into());
    }
    lines.extend(state_lines(spec, names, &node.state));
    lines
}

fn state_lines(spec: &Spec, names: &[String], state: &State) -> Vec<String> {
    let mut lines: Vec<String> = state
        .vars
        .iter()
        .enumerate()
        .map(|(slot, v)| {
            let name = names.get(slot).map_or("?", String::as_str);
            format!("{name} = {}", v.display(spec))
        })
        .collect();
    let messages = state.network.all_copies();
    if messages.is_empty() {
        lines.push("in flight: none".into());
    } else {
        lines.push("in flight:".into());
        lines.extend(
            messages
                .iter()
                .map(|m| format!("  {}", m.display_routed(spec))),
        );
    }
    if !state.faults.crashed.is_empty() {
        lines.push(format!(
            "crashed = {}",
            instance_set(spec, &state.faults.crashed)
        ));
    }
    if let Some(group) = &state.faults.partition {
        lines.push(format!("partitioned off = {}", instance_set(spec, group)));
    }
    lines
}

/// A dot string whose lines are left-aligned (each ends in `\l`).
fn left_lines(lines: &[String]) -> String {
    let mut out = String::from("\"");
    for line in lines {
        escape_into(line, &mut out);
        out.push_str("\\l");
    }
    out.push('"');
    out
}

/// A dot string literal.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    escape_into(text, &mut out);
    out.push('"');
    out
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{left_lines, quote};

    #[test]
    fn strings_are_escaped_for_dot() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quote("x\ny\u{7}"), r#""x\ny""#);
        assert_eq!(
            left_lines(&["a".into(), "b = {1}".into()]),
            r#""a\lb = {1}\l""#
        );
    }
}
