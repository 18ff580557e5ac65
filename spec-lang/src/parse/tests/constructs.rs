//! Every construct of the grammar, asserted on the AST.

use super::*;

/// The single item of `protocol P` followed by `text`.
fn item(text: &str) -> Item {
    let file = parse_ok(&format!("protocol P\n{text}\n"));
    assert_eq!(file.items.len(), 1, "expected one item in {text:?}");
    file.items.into_iter().next().unwrap()
}

/// The statements of a step whose body is `body`.
fn stmts(body: &str) -> Vec<Stmt> {
    match item(&format!("on A step s {{ {body} }}")) {
        Item::Step(step) => step.body.stmts,
        other => panic!("expected a step, got {other:?}"),
    }
}

/// A compact rendering of a type.
fn ty(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Named(n) => n.name.clone(),
        TypeExprKind::Range(a, b) => format!("{}..{}", sexp(a), sexp(b)),
        TypeExprKind::Enum(vs) => {
            let vs: Vec<_> = vs.iter().map(|v| v.name.clone()).collect();
            format!("enum{{{}}}", vs.join(","))
        }
        TypeExprKind::Set(t) => format!("set<{}>", ty(t)),
        TypeExprKind::Seq(t, None) => format!("seq<{}>", ty(t)),
        TypeExprKind::Seq(t, Some(n)) => format!("seq<{},{}>", ty(t), sexp(n)),
        TypeExprKind::Map(k, v) => format!("map<{},{}>", ty(k), ty(v)),
        TypeExprKind::Record(fs) => {
            let fs: Vec<_> = fs
                .iter()
                .map(|f| format!("{}:{}", f.name, ty(&f.ty)))
                .collect();
            format!("record{{{}}}", fs.join(","))
        }
        TypeExprKind::Tuple(ts) => {
            let ts: Vec<_> = ts.iter().map(ty).collect();
            format!("({})", ts.join(","))
        }
        TypeExprKind::Option(t) => format!("option<{}>", ty(t)),
    }
}

/// The type of `type T = text`.
fn type_of(text: &str) -> String {
    match item(&format!("type T = {text}")) {
        Item::Type(t) => ty(&t.ty),
        other => panic!("expected a type alias, got {other:?}"),
    }
}

#[test]
fn parses_the_design_example() {
    let file = parse_ok(TWO_PHASE);
    assert_eq!(file.name.name, "TwoPhaseCommit");
    assert_eq!(file.items.len(), 17);
    assert_eq!(file.span, Span::new(0, TWO_PHASE.len()));
}

#[test]
fn parses_params_consts_and_type_aliases() {
    let Item::Param(p) = item("param RMS: 1..9 = 3") else {
        panic!()
    };
    assert_eq!(
        (p.name.name.as_str(), ty(&p.ty), sexp(&p.default)),
        ("RMS", "1..9".into(), "3".into())
    );
    assert_eq!(p.span, Span::new(11, 30));
    let Item::Const(c) = item("const Values = {1, 2}") else {
        panic!()
    };
    assert!(c.ty.is_none());
    assert_eq!(sexp(&c.value), "(set 1 2)");
    let Item::Const(c) = item("const Max: int = 3") else {
        panic!()
    };
    assert_eq!(c.ty.as_ref().map(ty).as_deref(), Some("int"));
    let Item::Type(t) = item("type Term = 0..3") else {
        panic!()
    };
    assert_eq!((t.name.name.as_str(), ty(&t.ty)), ("Term", "0..3".into()));
}

#[test]
fn parses_every_type_form() {
    assert_eq!(type_of("bool"), "bool");
    assert_eq!(type_of("0..N-1"), "0..(- N 1)");
    assert_eq!(type_of("enum { A, B, C, }"), "enum{A,B,C}");
    assert_eq!(type_of("set<RM>"), "set<RM>");
    assert_eq!(type_of("seq<int>"), "seq<int>");
    assert_eq!(type_of("seq<Entry, 3>"), "seq<Entry,3>");
    assert_eq!(type_of("map<RM, bool>"), "map<RM,bool>");
    assert_eq!(
        type_of("record { a: int, b: set<0..2> }"),
        "record{a:int,b:set<0..2>}"
    );
    assert_eq!(type_of("record {}"), "record{}");
    assert_eq!(type_of("(int, bool)"), "(int,bool)");
    assert_eq!(type_of("option<set<set<int>>>"), "option<set<set<int>>>");
    assert_eq!(
        type_of("map<(RM, RM), seq<int, 2>>"),
        "map<(RM,RM),seq<int,2>>"
    );
}

#[test]
fn parses_roles_and_variables() {
    let Item::Role(r) = item("role TM { var phase: bool = true }") else {
        panic!()
    };
    assert!(r.count.is_none() && r.symmetric.is_none());
    assert_eq!(r.vars.len(), 1);
    assert!(r.vars[0].persistent.is_none());
    let Item::Role(r) =
        item("role RM[RMS] symmetric {\n  persistent var s: int = 0;\n  var t: set<RM> = {}\n}")
    else {
        panic!()
    };
    assert_eq!(r.count.as_ref().map(sexp).as_deref(), Some("RMS"));
    assert_eq!(r.symmetric, Some(Span::new(24, 33)));
    assert!(r.vars[0].persistent.is_some());
    assert_eq!(r.vars[1].name.name, "t");
    assert_eq!(sexp(&r.vars[1].init), "(set)");
    let Item::Role(r) = item("role Empty {}") else {
        panic!()
    };
    assert!(r.vars.is_empty());
}

#[test]
fn parses_messages() {
    let Item::Message(m) = item("message Commit") else {
        panic!()
    };
    assert!(m.fields.is_empty());
    let Item::Message(m) = item("message Vote { term: int, granted: bool, }") else {
        panic!()
    };
    let fields: Vec<_> = m
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, ty(&f.ty)))
        .collect();
    assert_eq!(fields, ["term:int", "granted:bool"]);
}

#[test]
fn parses_network_declarations() {
    for (text, kind) in [
        ("network set", NetworkKind::Set),
        ("network bag", NetworkKind::Bag),
        ("network fifo max_in_flight 4", NetworkKind::Fifo),
    ] {
        let Item::Network(n) = item(text) else {
            panic!()
        };
        assert_eq!(n.kind, kind);
        let kind_text = &text[n.kind_span.start as usize - 11..n.kind_span.end as usize - 11];
        assert_eq!(Some(kind_text), text.split(' ').nth(1));
        assert_eq!(n.max_in_flight.is_some(), text.contains("max_in_flight"));
    }
}

#[test]
fn parses_every_fault() {
    let fault = |text: &str| match item(text) {
        Item::Fault(f) => (format!("{:?}", f.kind), f.max.as_ref().map(sexp)),
        other => panic!("{other:?}"),
    };
    assert_eq!(fault("fault loss"), ("Loss".into(), None));
    assert_eq!(
        fault("fault duplication max 2"),
        ("Duplication".into(), Some("2".into()))
    );
    assert_eq!(
        fault("fault partition max 1"),
        ("Partition".into(), Some("1".into()))
    );
    let (kind, max) = fault("fault crash_stop RM max 1");
    assert!(kind.starts_with("CrashStop(Ident { name: \"RM\""), "{kind}");
    assert_eq!(max.as_deref(), Some("1"));
    let (kind, _) = fault("fault crash_recover RM max 2");
    assert!(
        kind.starts_with("CrashRecover(Ident { name: \"RM\""),
        "{kind}"
    );
}

#[test]
fn parses_functions() {
    let Item::Function(f) = item("fn quorum(s: set<Server>, n: int,) -> bool = 2 * size(s) > n")
    else {
        panic!()
    };
    assert_eq!(f.name.name, "quorum");
    let params: Vec<_> = f
        .params
        .iter()
        .map(|p| format!("{}:{}", p.name, ty(&p.ty)))
        .collect();
    assert_eq!(params, ["s:set<Server>", "n:int"]);
    assert_eq!(ty(&f.ret), "bool");
    assert_eq!(sexp(&f.body), "(> (* 2 (call size s)) n)");
    let Item::Function(f) = item("fn zero() -> int = 0") else {
        panic!()
    };
    assert!(f.params.is_empty());
}

fn step(text: &str) -> StepDecl {
    match item(text) {
        Item::Step(s) => s,
        other => panic!("expected a step, got {other:?}"),
    }
}

#[test]
fn parses_spontaneous_and_timeout_steps() {
    let s = step("on RM[r] step prepare when r.state == Working { skip }");
    assert_eq!(s.role.name, "RM");
    assert_eq!(s.binder.as_ref().map(|b| b.name.as_str()), Some("r"));
    assert!(matches!(&s.trigger, Trigger::Step { name } if name.name == "prepare"));
    assert_eq!(
        s.guard.as_ref().map(sexp).as_deref(),
        Some("(== (. r state) Working)")
    );
    let s = step("on Leader timeout heartbeat {}");
    assert!(s.binder.is_none() && s.guard.is_none());
    assert!(matches!(&s.trigger, Trigger::Timeout { name } if name.name == "heartbeat"));
    assert!(s.body.stmts.is_empty());
}

#[test]
fn parses_every_receive_form() {
    let receive = |text: &str| match step(text).trigger {
        Trigger::Receive(r) => r,
        other => panic!("expected a receive, got {other:?}"),
    };
    let r = receive("on RM[r] receive Commit { r.state := Committed }");
    assert_eq!(r.message.name, "Commit");
    assert!(r.fields.is_empty() && r.from.is_none() && r.name.is_none());

    let r = receive("on TM receive Prepared { rm } when phase == Init { skip }");
    assert_eq!(r.fields.len(), 1);
    assert!(matches!(&r.fields[0].pattern, Pattern::Bind(x) if x.name == "rm"));

    let r = receive(
        "on S receive Vote { term: t, granted: true, voter: _, round: (k), n: k + 1, } \
         from src as got_vote {}",
    );
    let pats: Vec<String> = r
        .fields
        .iter()
        .map(|f| match &f.pattern {
            Pattern::Bind(x) => format!("{}=bind {}", f.field, x.name),
            Pattern::Wildcard(_) => format!("{}=_", f.field),
            Pattern::Equals(e) => format!("{}=eq {}", f.field, sexp(e)),
        })
        .collect();
    assert_eq!(
        pats,
        [
            "term=bind t",
            "granted=eq true",
            "voter=_",
            "round=eq k",
            "n=eq (+ k 1)"
        ]
    );
    assert_eq!(r.from.as_ref().map(|f| f.name.as_str()), Some("src"));
    assert_eq!(r.name.as_ref().map(|f| f.name.as_str()), Some("got_vote"));

    let r = receive("on S receive Ping from p {}");
    assert_eq!(r.from.as_ref().map(|f| f.name.as_str()), Some("p"));
    let r = receive("on S receive Ping as ping when x { skip }");
    assert_eq!(r.name.as_ref().map(|f| f.name.as_str()), Some("ping"));
    let r = receive("on S receive Ping {} {}");
    assert!(r.fields.is_empty());
}

/// A compact rendering of a statement.
fn st(s: &Stmt) -> String {
    let block = |b: &Block| {
        let parts: Vec<_> = b.stmts.iter().map(st).collect();
        format!("{{{}}}", parts.join("; "))
    };
    let msg = |m: &MessageExpr| {
        let fields: Vec<_> = m
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.name, sexp(&f.value)))
            .collect();
        format!("{}{{{}}}", m.name, fields.join(", "))
    };
    match &s.kind {
        StmtKind::Assign { target, value } => format!("{} := {}", sexp(target), sexp(value)),
        StmtKind::Let { name, value } => format!("let {name} = {}", sexp(value)),
        StmtKind::Choose { name, set, filter } => match filter {
            Some(f) => format!("choose {name} in {} where {}", sexp(set), sexp(f)),
            None => format!("choose {name} in {}", sexp(set)),
        },
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => match otherwise {
            Some(o) => format!("if {} {} else {}", sexp(cond), block(then), block(o)),
            None => format!("if {} {}", sexp(cond), block(then)),
        },
        StmtKind::For { name, set, body } => format!("for {name} in {} {}", sexp(set), block(body)),
        StmtKind::Send { message, to } => format!("send {} to {}", msg(message), sexp(to)),
        StmtKind::Broadcast { message, to } => {
            format!("broadcast {} to {}", msg(message), sexp(to))
        }
        StmtKind::Reply { message } => format!("reply {}", msg(message)),
        StmtKind::Assert { cond, message } => format!("assert {} {message:?}", sexp(cond)),
        StmtKind::Skip => "skip".into(),
    }
}

fn body(text: &str) -> Vec<String> {
    stmts(text).iter().map(st).collect()
}

#[test]
fn parses_every_statement() {
    assert_eq!(
        body(
            "x := 1; r.state := Prepared\n log[i] := e; t.0 := 2\n\
             let y = x + 1\n choose v in S\n choose w in S where w > 0\n\
             for p in RM { skip }\n\
             send Prepared { rm: r, term } to TM\n broadcast Commit to RM\n\
             reply Ack { ok: true }\n assert x > 0\n assert x > 0, \"x is positive\"\n skip"
        ),
        [
            "x := 1",
            "(. r state) := Prepared",
            "(index log i) := e",
            "(. t 0) := 2",
            "let y = (+ x 1)",
            "choose v in S",
            "choose w in S where (> w 0)",
            "for p in RM {skip}",
            "send Prepared{rm: r, term: term} to TM",
            "broadcast Commit{} to RM",
            "reply Ack{ok: true}",
            "assert (> x 0) None",
            "assert (> x 0) Some(\"x is positive\")",
            "skip",
        ]
    );
}

#[test]
fn nests_else_if_chains_in_else_blocks() {
    assert_eq!(
        body("if a { x := 1 } else if b { x := 2 } else if c { skip } else { x := 3 }"),
        ["if a {x := 1} else {if b {x := 2} else {if c {skip} else {x := 3}}}"]
    );
    assert_eq!(body("if a { skip }"), ["if a {skip}"]);
    assert_eq!(body("if a { skip } else { }"), ["if a {skip} else {}"]);
    let s = &stmts("if a { skip } else if b { skip }")[0];
    let StmtKind::If {
        otherwise: Some(o), ..
    } = &s.kind
    else {
        panic!()
    };
    // The nested `if` starts at its own `if`, after the `else`.
    assert_eq!(s.span, Span::new(25, 57));
    assert_eq!(o.stmts[0].span, Span::new(44, 57));
}

#[test]
fn parses_properties_of_every_form() {
    let formula = |text: &str| match item(&format!("property Q: {text}")) {
        Item::Property(p) => match p.formula {
            Temporal::Always(e) => format!("always {}", sexp(&e)),
            Temporal::Eventually(e) => format!("eventually {}", sexp(&e)),
            Temporal::AlwaysEventually(e) => format!("always eventually {}", sexp(&e)),
            Temporal::EventuallyAlways(e) => format!("eventually always {}", sexp(&e)),
            Temporal::LeadsTo(a, b) => format!("{} leads_to {}", sexp(&a), sexp(&b)),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(formula("always x > 0"), "always (> x 0)");
    assert_eq!(formula("eventually done"), "eventually done");
    assert_eq!(
        formula("always eventually a or b"),
        "always eventually (or a b)"
    );
    assert_eq!(
        formula("eventually always stable"),
        "eventually always stable"
    );
    assert_eq!(
        formula("x == 1 leads_to x == 2"),
        "(== x 1) leads_to (== x 2)"
    );
    let Item::Invariant(i) = item("invariant Safe: x <= 3") else {
        panic!()
    };
    assert_eq!(
        (i.name.name.as_str(), sexp(&i.cond)),
        ("Safe", "(<= x 3)".into())
    );
    let Item::Terminal(t) = item("terminal when done") else {
        panic!()
    };
    assert_eq!(sexp(&t.cond), "done");
    let Item::Constraint(c) = item("constraint size(in_flight(Msg)) < 3") else {
        panic!()
    };
    assert_eq!(sexp(&c.cond), "(< (call size (call in_flight Msg)) 3)");
}

#[test]
fn parses_fairness() {
    let fair = |text: &str| match item(text) {
        Item::Fairness(f) => {
            let targets: Vec<String> = f
                .targets
                .iter()
                .map(|t| match t {
                    FairTarget::Step { role, step, .. } => format!("{role}.{step}"),
                    FairTarget::Receive { role, message, .. } => match message {
                        Some(m) => format!("{role}.receive {m}"),
                        None => format!("{role}.receive"),
                    },
                    FairTarget::Role { role, .. } => role.name.clone(),
                    FairTarget::Delivery { message, .. } => match message {
                        Some(m) => format!("delivery {m}"),
                        None => "delivery".into(),
                    },
                })
                .collect();
            format!("{:?} {}", f.strength, targets.join(", "))
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        fair("fair TM.commit, TM.abort, RM.receive"),
        "Weak TM.commit, TM.abort, RM.receive"
    );
    assert_eq!(fair("fair strong TM"), "Strong TM");
    assert_eq!(
        fair("fair weak RM.receive Commit, delivery"),
        "Weak RM.receive Commit, delivery"
    );
    assert_eq!(fair("fair delivery Vote"), "Weak delivery Vote");
}

#[test]
fn parses_choreographies() {
    let Item::Choreography(c) = item(
        "choreography Commit {\n\
           for r in RM { TM -> r: Prepare }\n\
           r -> TM: Vote { yes: true, rm: r };\n\
           at TM { decided := true }\n\
           if at TM: all_yes { TM -> RM: Commit } else if at TM: any_no { loop { TM -> RM: Abort } } else { }\n\
           TM -> RM: Ask timeout at RM { gave_up := true }\n\
           for r in RM { r -> TM: Ans } timeout at TM { late := true; skip }\n\
           interruptible { TM -> RM: Go } on timeout at b in RM when waiting { b -> RM: Help }\n\
         }",
    ) else {
        panic!()
    };
    assert_eq!(c.name.name, "Commit");
    let kinds: Vec<String> = c
        .body
        .stmts
        .iter()
        .map(|s| match &s.kind {
            ChorStmtKind::Interact {
                from,
                to,
                message,
                timeout,
            } => {
                format!(
                    "{} -> {}: {} {}{}",
                    sexp(from),
                    sexp(to),
                    message.name,
                    message.fields.len(),
                    timeout
                        .as_ref()
                        .map(|t| format!(" timeout at {} {}", sexp(&t.at), t.body.stmts.len()))
                        .unwrap_or_default()
                )
            }
            ChorStmtKind::Local { at, body } => format!("at {} {}", sexp(at), body.stmts.len()),
            ChorStmtKind::If {
                at,
                cond,
                then,
                otherwise,
            } => {
                let nested = otherwise.as_ref().map(|o| match &o.stmts[..] {
                    [
                        ChorStmt {
                            kind:
                                ChorStmtKind::If {
                                    at,
                                    otherwise,
                                    then,
                                    ..
                                },
                            ..
                        },
                    ] => format!(
                        "elif at {} then {} else {:?}",
                        sexp(at),
                        then.stmts.len(),
                        otherwise.as_ref().map(|o| o.stmts.len())
                    ),
                    other => format!("{other:?}"),
                });
                format!(
                    "if at {}: {} {} {nested:?}",
                    sexp(at),
                    sexp(cond),
                    then.stmts.len()
                )
            }
            ChorStmtKind::For {
                name,
                set,
                body,
                timeout,
            } => {
                format!(
                    "for {name} in {} {}{}",
                    sexp(set),
                    body.stmts.len(),
                    timeout
                        .as_ref()
                        .map(|t| format!(" timeout at {} {}", sexp(&t.at), t.body.stmts.len()))
                        .unwrap_or_default()
                )
            }
            ChorStmtKind::Loop { body } => format!("loop {}", body.stmts.len()),
            ChorStmtKind::Interruptible { body, handler } => format!(
                "interruptible {} on timeout at {} in {} when {} {}",
                body.stmts.len(),
                handler.member,
                handler.set,
                handler.cond.as_ref().map(sexp).unwrap_or_default(),
                handler.body.stmts.len()
            ),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "for r in RM 1",
            "r -> TM: Vote 2",
            "at TM 1",
            "if at TM: all_yes 1 Some(\"elif at TM then 1 else Some(0)\")",
            "TM -> RM: Ask 0 timeout at RM 1",
            "for r in RM 1 timeout at TM 2",
            "interruptible 1 on timeout at b in RM when waiting 1",
        ]
    );
}

#[test]
fn parses_literals_and_names() {
    assert_eq!(ex("42"), "42");
    assert_eq!(ex("9223372036854775807"), "9223372036854775807");
    assert_eq!(ex("true and false"), "(and true false)");
    assert_eq!(ex("none"), "none");
    assert_eq!(ex("_x1"), "_x1");
}

#[test]
fn parses_collections() {
    assert_eq!(ex("{}"), "(set)");
    assert_eq!(ex("{a, b,}"), "(set a b)");
    assert_eq!(ex("[]"), "(seq)");
    assert_eq!(ex("[1, 2, 3]"), "(seq 1 2 3)");
    assert_eq!(ex("[a -> 1, b -> 2,]"), "(map (a -> 1) (b -> 2))");
    assert_eq!(ex("{ a: 1, b: x }"), "(record (a 1) (b x))");
    assert_eq!(ex("(a, b)"), "(tuple a b)");
    assert_eq!(ex("(a)"), "a");
    assert_eq!(ex("1..N"), "(.. 1 N)");
}

#[test]
fn parses_comprehensions() {
    assert_eq!(ex("{ x in S where x > 1 }"), "(filter (x in S) (> x 1))");
    assert_eq!(ex("{ x * 2 for x in S }"), "(setmap (* x 2) (x in S))");
    assert_eq!(
        ex("{ (a, b) for a in S, b, c in T where a != b }"),
        "(setmap (tuple a b) (a in S) (b c in T) (where (!= a b)))"
    );
    assert_eq!(ex("[x in S -> x + 1]"), "(mapcomp (x in S) (+ x 1))");
    // Only a bare `name in set` key makes a comprehension.
    assert_eq!(ex("[(x in S) -> 1]"), "(map ((in x S) -> 1))");
    assert_eq!(
        ex("[x in S -> 1, y -> 2]"),
        "(map ((in x S) -> 1) (y -> 2))"
    );
    assert_eq!(ex("{ x in S }"), "(set (in x S))");
}

#[test]
fn parses_quantifiers_if_and_let() {
    assert_eq!(
        ex("forall a, b in RM, c in S: a == b"),
        "(forall (a b in RM) (c in S) (== a b))"
    );
    assert_eq!(ex("exists r in RM: r.ok"), "(exists (r in RM) (. r ok))");
    assert_eq!(ex("sum x in S: x * 2"), "(sum (x in S) (* x 2))");
    assert_eq!(ex("if a then 1 else 2 + 3"), "(if a 1 (+ 2 3))");
    assert_eq!(ex("let y = 1 in y + 1"), "(let y 1 (+ y 1))");
    assert_eq!(ex("let y = 1..3 in y"), "(let y (.. 1 3) y)");
    // Quantifier bodies extend as far to the right as they can.
    assert_eq!(ex("forall x in S: p and q"), "(forall (x in S) (and p q))");
}

#[test]
fn parses_postfix_forms() {
    assert_eq!(ex("r.state"), "(. r state)");
    assert_eq!(ex("m.from == m.to"), "(== (. m from) (. m to))");
    assert_eq!(ex("t.0.1"), "(. (. t 0) 1)");
    assert_eq!(ex("log[i][j].term"), "(. (index (index log i) j) term)");
    assert_eq!(ex("f(x).y"), "(. (call f x) y)");
    assert_eq!(ex("m with [k -> v, j -> w]"), "(with m (k -> v) (j -> w))");
    assert_eq!(ex("r with { a: 1, b }"), "(with r (a 1) (b b))");
    assert_eq!(ex("size(s)"), "(call size s)");
    assert_eq!(ex("f()"), "(call f)");
}

#[test]
fn binds_operators_by_precedence() {
    assert_eq!(ex("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(ex("-x * y"), "(* (neg x) y)");
    assert_eq!(ex("- - x"), "(neg (neg x))");
    assert_eq!(ex("a - b - c"), "(- (- a b) c)");
    assert_eq!(ex("a / b % c & d"), "(& (% (/ a b) c) d)");
    assert_eq!(ex("s ++ t + u"), "(+ (++ s t) u)");
    assert_eq!(ex("1..n + 1"), "(.. 1 (+ n 1))");
    assert_eq!(ex("x in 1..3"), "(in x (.. 1 3))");
    assert_eq!(ex("a + 1 < b"), "(< (+ a 1) b)");
    assert_eq!(ex("x not in S"), "(not in x S)");
    assert_eq!(ex("A subset B"), "(subset A B)");
    assert_eq!(ex("not a == b"), "(not (== a b))");
    assert_eq!(ex("not not a"), "(not (not a))");
    assert_eq!(ex("a and not b"), "(and a (not b))");
    assert_eq!(ex("a or b and c"), "(or a (and b c))");
    assert_eq!(ex("a <=> b or c"), "(<=> a (or b c))");
    assert_eq!(ex("a => b <=> c"), "(=> a (<=> b c))");
    for (text, op) in [
        ("a == b", "=="),
        ("a != b", "!="),
        ("a < b", "<"),
        ("a <= b", "<="),
        ("a > b", ">"),
        ("a >= b", ">="),
    ] {
        assert_eq!(ex(text), format!("({op} a b)"));
    }
}

#[test]
fn folds_implies_from_the_right_and_others_from_the_left() {
    assert_eq!(ex("a => b => c"), "(=> a (=> b c))");
    assert_eq!(ex("a <=> b <=> c"), "(<=> (<=> a b) c)");
    assert_eq!(ex("a * b / c"), "(/ (* a b) c)");
}

#[test]
fn builds_and_or_chains_as_balanced_trees() {
    assert_eq!(ex("a and b and c and d"), "(and (and a b) (and c d))");
    assert_eq!(ex("a or b or c"), "(or a (or b c))");
}

#[test]
fn spans_cover_the_source_of_each_node() {
    let source = "protocol P\ninvariant I: (a + b) * c.f\n";
    let file = parse_ok(source);
    let Item::Invariant(inv) = &file.items[0] else {
        panic!()
    };
    let text = |s: Span| &source[s.range()];
    assert_eq!(text(inv.span), "invariant I: (a + b) * c.f");
    assert_eq!(text(inv.cond.span), "(a + b) * c.f");
    let ExprKind::Binary(_, lhs, rhs) = &inv.cond.kind else {
        panic!()
    };
    assert_eq!(text(lhs.span), "(a + b)");
    assert_eq!(text(rhs.span), "c.f");
}

#[test]
fn accepts_comments_everywhere_and_words_that_start_with_keywords() {
    let file = parse_ok(
        "// header\nprotocol /* name */ P\nrole A { var format: int = 1 /* x */ var inx: int = 2 }\n\
         invariant I: format + inx + forallx + asserted + constraints // end",
    );
    assert_eq!(file.items.len(), 2);
}

#[test]
fn rejects_every_keyword_as_a_name() {
    for kw in [
        "protocol",
        "param",
        "const",
        "type",
        "role",
        "var",
        "persistent",
        "symmetric",
        "message",
        "network",
        "fault",
        "fn",
        "on",
        "step",
        "timeout",
        "receive",
        "from",
        "as",
        "when",
        "send",
        "broadcast",
        "to",
        "reply",
        "choose",
        "where",
        "if",
        "then",
        "else",
        "for",
        "in",
        "let",
        "assert",
        "skip",
        "invariant",
        "property",
        "always",
        "eventually",
        "leads_to",
        "fair",
        "terminal",
        "constraint",
        "choreography",
        "at",
        "loop",
        "and",
        "or",
        "not",
        "true",
        "false",
        "forall",
        "exists",
        "sum",
        "with",
        "subset",
    ] {
        let out = parse_err(&format!("protocol P\nrole {kw} {{}}"));
        assert!(out.contains("expected a name"), "{kw}: {out}");
    }
}
