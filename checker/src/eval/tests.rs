//! Tests of the evaluator's operators and store checks.
use super::*;

fn apply(op: BinaryOp, x: i64, y: i64) -> EvalResult<Value> {
    binary_values(op, Value::Int(x), Value::Int(y), Span::DETACHED)
}

#[test]
fn division_rounds_toward_negative_infinity_and_modulo_takes_the_divisor_sign() {
    let cases = [
        (7, 2, 3, 1),
        (-7, 2, -4, 1),
        (7, -2, -4, -1),
        (-7, -2, 3, -1),
        (6, 3, 2, 0),
    ];
    for (x, y, q, r) in cases {
        assert_eq!(apply(BinaryOp::Div, x, y), Ok(Value::Int(q)), "{x} / {y}");
        assert_eq!(apply(BinaryOp::Mod, x, y), Ok(Value::Int(r)), "{x} % {y}");
    }
    assert!(apply(BinaryOp::Div, 1, 0).is_err());
    assert!(apply(BinaryOp::Mod, 1, 0).is_err());
    assert!(apply(BinaryOp::Div, i64::MIN, -1).is_err());
    assert!(apply(BinaryOp::Add, i64::MAX, 1).is_err());
}

#[test]
fn set_operators_keep_sets_canonical() {
    let set = |v: &[i64]| Value::set_from(v.iter().map(|n| Value::Int(*n)).collect());
    let op = |o, a: &[i64], b: &[i64]| binary_values(o, set(a), set(b), Span::DETACHED);
    assert_eq!(op(BinaryOp::Union, &[3, 1], &[2, 1]), Ok(set(&[1, 2, 3])));
    assert_eq!(op(BinaryOp::Diff, &[3, 1], &[1]), Ok(set(&[3])));
    assert_eq!(op(BinaryOp::Inter, &[3, 1], &[1, 2]), Ok(set(&[1])));
    assert_eq!(op(BinaryOp::Subset, &[1], &[1, 2]), Ok(Value::Bool(true)));
    assert_eq!(
        binary_values(BinaryOp::In, Value::Int(2), set(&[1, 2]), Span::DETACHED),
        Ok(Value::Bool(true))
    );
}

#[test]
fn stores_are_checked_against_ranges_and_sequence_bounds() {
    let spec_text = spec_lang::ir::IntRange { lo: 0, hi: 2 };
    let int = Type::Int(Some(spec_text));
    let seq = Type::Seq(Box::new(int.clone()), Some(1));
    let spec = empty_spec();
    assert!(check_stored(&Value::Int(2), &int, &spec, Span::DETACHED).is_ok());
    assert!(check_stored(&Value::Int(3), &int, &spec, Span::DETACHED).is_err());
    let s = |v: Vec<i64>| Value::Seq(v.into_iter().map(Value::Int).collect());
    assert!(check_stored(&s(vec![1]), &seq, &spec, Span::DETACHED).is_ok());
    assert!(check_stored(&s(vec![1, 1]), &seq, &spec, Span::DETACHED).is_err());
    assert!(check_stored(&s(vec![5]), &seq, &spec, Span::DETACHED).is_err());
}

fn empty_spec() -> Spec {
    Spec {
        name: String::new(),
        params: Vec::new(),
        consts: Vec::new(),
        enums: Vec::new(),
        records: Vec::new(),
        roles: Vec::new(),
        vars: Vec::new(),
        messages: Vec::new(),
        network: spec_lang::ir::Network {
            kind: spec_lang::ir::NetworkKind::Bag,
            max_in_flight: None,
            synchronous: false,
            loss: None,
            duplication: None,
            partition: None,
            span: Span::DETACHED,
        },
        crashes: Vec::new(),
        functions: Vec::new(),
        steps: Vec::new(),
        invariants: Vec::new(),
        properties: Vec::new(),
        fairness: Vec::new(),
        terminal: Vec::new(),
        constraints: Vec::new(),
    }
}
