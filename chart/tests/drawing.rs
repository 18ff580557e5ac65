//! The chart and the viewer on hand-written and generated ITF traces: every
//! kind of action is drawn, and no trace, however odd, makes either panic
//! or produce malformed XML.

use serde_json::{Value as Json, json};

fn msg(tag: &str, from: &str, to: &str) -> Json {
    json!({"tag": tag, "value": {"from_": from, "to": to}})
}

fn int(n: i64) -> Json {
    json!({"#bigint": n.to_string()})
}

/// A trace of two instances that goes through every kind of action.
fn every_action() -> Json {
    let roles = json!([
        {"name": "A", "indexed": false, "instances": ["A"], "vars": ["A.x"]},
        {"name": "B", "indexed": true, "instances": ["B[1]"], "vars": ["B.y"]},
    ]);
    let state = |x: i64, y: i64, action: Option<Json>| {
        let mut meta = json!({});
        if let Some(a) = action {
            meta["action"] = a;
        }
        json!({"#meta": meta, "A.x": int(x), "B.y": {"#map": [["B[1]", int(y)]]},
               "network": {"#map": []}, "crashed": {"#set": []}})
    };
    let step = |who: &str, name: &str, received: Option<Json>, sent: Vec<Json>| {
        let mut a = json!({"kind": "step", "instance": who, "step": name, "sent": sent});
        if let Some(m) = received {
            a["received"] = m;
        }
        a
    };
    json!({
        "#meta": {"roles": roles, "source": "Every", "violation":
                  {"kind": "invariant", "property": "Never", "text": "invariant Never: false"}},
        "vars": ["A.x", "B.y", "network", "crashed"],
        "states": [
            state(0, 0, None),
            state(1, 0, Some(step("A", "go", None, vec![msg("M", "A", "B[1]"), msg("N", "A", "B[1]")]))),
            state(1, 0, Some(json!({"kind": "duplicate", "message": msg("M", "A", "B[1]")}))),
            state(1, 0, Some(json!({"kind": "lose", "message": msg("N", "A", "B[1]")}))),
            state(1, 0, Some(json!({"kind": "partition", "group": ["B[1]"]}))),
            state(1, 0, Some(json!({"kind": "heal"}))),
            state(1, 1, Some(step("B[1]", "take", Some(msg("M", "A", "B[1]")), vec![msg("R", "B[1]", "A")]))),
            state(1, 1, Some(json!({"kind": "crash", "instance": "B[1]"}))),
            state(1, 0, Some(json!({"kind": "recover", "instance": "B[1]"}))),
            state(1, 1, Some(step("B[1]", "take", Some(msg("M", "A", "B[1]")), vec![]))),
        ],
    })
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter_map(|c| c.text())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

#[test]
fn draws_every_kind_of_action() {
    let trace = chart::Trace::from_itf(&every_action()).expect("decodes");
    let svg = chart::svg(&trace);
    let texts = texts(&svg);
    for wanted in [
        "Invariant Never is violated after 9 steps",
        "go\nx = 1",
        "duplicated: M",
        "lost: N",
        "partition: {B[1]} cut off from the rest",
        "partition healed",
        "take\ny = 1",
        "crash",
        "recover\ny = 0",
        "in flight: R",
        "✕ after step 9: invariant Never is false",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(wanted)),
            "no `{wanted}` in {texts:#?}"
        );
    }
    let doc = roxmltree::Document::parse(&svg).expect("XML");
    // One band per state, for the viewer to highlight.
    let bands = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("band"))
        .count();
    assert_eq!(bands, 10);
    // Arrows: go's two sends end in a receipt and a loss; the duplicate and
    // the second receipt refer to the same send; R is still in flight.
    let arrows = doc
        .descendants()
        .filter(|n| n.attribute("marker-end").is_some())
        .count();
    assert_eq!(
        arrows, 4,
        "two receipts, a duplication and one message in flight"
    );
    let html = chart::html(&trace);
    assert!(html.contains(&svg), "the viewer shows the same chart");
}

/// A small deterministic generator (a linear congruential one), so the
/// random traces are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn random_value(r: &mut Lcg, depth: u32) -> Json {
    let pick = if depth > 2 { r.next(4) } else { r.next(10) };
    match pick {
        0 => json!(r.next(2) == 0),
        1 => int(r.next(7) as i64 - 3),
        2 => json!(["A", "B[1]", "B[2]", "<&\"'>", "", "ü✓"][r.next(6) as usize]),
        3 => json!({"tag": "none", "value": {}}),
        4 => {
            json!({"#set": (0..r.next(3)).map(|_| random_value(r, depth + 1)).collect::<Vec<_>>()})
        }
        5 => {
            json!({"#map": (0..r.next(3)).map(|_| json!([random_value(r, depth + 1), random_value(r, depth + 1)])).collect::<Vec<_>>()})
        }
        6 => {
            json!({"#tup": (0..r.next(3)).map(|_| random_value(r, depth + 1)).collect::<Vec<_>>()})
        }
        7 => Json::Array((0..r.next(60)).map(|_| int(1)).collect()),
        8 => json!({"tag": "some", "value": {"value": random_value(r, depth + 1)}}),
        _ => msg(
            ["M", "N"][r.next(2) as usize],
            ["A", "B[1]", "Z"][r.next(3) as usize],
            ["A", "B[2]"][r.next(2) as usize],
        ),
    }
}

fn random_action(r: &mut Lcg) -> Json {
    let who = ["A", "B[1]", "B[2]", "Nobody"][r.next(4) as usize];
    let m = msg(
        ["M", "N"][r.next(2) as usize],
        ["A", "B[1]"][r.next(2) as usize],
        ["A", "B[2]", "Q"][r.next(3) as usize],
    );
    match r.next(7) {
        0 => json!({"kind": "lose", "message": m}),
        1 => json!({"kind": "duplicate", "message": m}),
        2 => json!({"kind": "crash", "instance": who}),
        3 => json!({"kind": "recover", "instance": who}),
        4 => json!({"kind": "partition", "group": [who]}),
        5 => json!({"kind": "heal"}),
        _ => {
            let sent: Vec<Json> = (0..r.next(3)).map(|_| m.clone()).collect();
            let mut a = json!({"kind": "step", "instance": who, "step": "s", "sent": sent});
            if r.next(2) == 0 {
                a["received"] = m;
            }
            a
        }
    }
}

fn random_trace(r: &mut Lcg) -> Json {
    let with_roles = r.next(4) != 0;
    let n_states = 1 + r.next(12) as usize;
    let states: Vec<Json> = (0..n_states)
        .map(|i| {
            let mut s = json!({"#meta": {"index": i}, "A.x": random_value(r, 0),
                "B.y": {"#map": [["B[1]", random_value(r, 0)], ["B[2]", random_value(r, 0)]]},
                "network": random_value(r, 0), "extra": random_value(r, 0)});
            if i > 0 && with_roles {
                s["#meta"]["action"] = random_action(r);
            }
            s
        })
        .collect();
    let mut doc = json!({"vars": ["A.x", "B.y", "network", "extra"], "states": states});
    if with_roles {
        doc["#meta"] = json!({"roles": [
            {"name": "A", "indexed": false, "instances": ["A"], "vars": ["A.x"]},
            {"name": "B", "indexed": true, "instances": ["B[1]", "B[2]"], "vars": ["B.y"]},
        ]});
        if r.next(3) == 0 {
            let kinds = [
                "invariant",
                "deadlock",
                "temporal",
                "assertion",
                "error",
                "odd",
            ];
            let kind = kinds[r.next(6) as usize];
            doc["#meta"]["violation"] = json!({"kind": kind, "property": "P", "message": "m"});
        }
    }
    if r.next(3) == 0 {
        doc["loop"] = json!(r.next(n_states as u64));
    }
    doc
}

#[test]
fn random_traces_draw_without_panicking_into_well_formed_xml() {
    let mut r = Lcg(7);
    for n in 0..300 {
        let doc = random_trace(&mut r);
        let trace =
            chart::Trace::from_itf(&doc).unwrap_or_else(|e| panic!("trace {n}: {e}\n{doc}"));
        let svg = chart::svg(&trace);
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("trace {n}: {e}\n{doc}"));
        let html = chart::html(&trace);
        assert!(html.ends_with("</html>\n"));
    }
}
