//! Shapes: codes round-trip, are valid, and order values as the canonical
//! order does, for random values of many types.

use spec_lang::ir::{Spec, Type};

use super::{Instances, Shape};
use crate::value::{Instance, Value};

const SOURCE: &str = r#"
protocol Shapes
type Color = enum { Red, Green, Blue }
type Pair = record { c: Color, n: 0..2 }
role R[3] {
  var a: bool = false
  var b: -2..5 = 0
  var c: Color = Red
  var d: option<R> = none
  var e: set<Color> = {}
  var f: seq<0..3, 3> = []
  var g: map<R, Color> = []
  var h: set<Pair> = {}
  var i: (Color, bool) = (Red, false)
  var j: seq<set<bool>, 2> = []
  var k: map<Color, option<0..1>> = []
  var l: set<set<0..2>> = {}
  var m: option<seq<Color, 2>> = none
}
on R step noop { skip }
"#;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn random_value(ty: &Type, spec: &Spec, rng: &mut Rng) -> Value {
    match ty {
        Type::Bool => Value::Bool(rng.below(2) == 1),
        Type::Int(Some(r)) => Value::Int(r.lo + rng.below((r.hi - r.lo + 1) as u64) as i64),
        Type::Int(None) => Value::Int(rng.below(100) as i64 - 50),
        Type::Enum(id) => Value::Enum(
            *id,
            rng.below(spec.enums[id.index()].variants.len() as u64) as u32,
        ),
        Type::Role(r) => Value::Inst(Instance::new(
            *r,
            rng.below(u64::from(spec.roles[r.index()].count)) as u32,
        )),
        Type::Option(t) => {
            if rng.below(3) == 0 {
                Value::None
            } else {
                Value::Some(Box::new(random_value(t, spec, rng)))
            }
        }
        Type::Record(id) => Value::Record(
            *id,
            spec.records[id.index()]
                .fields
                .iter()
                .map(|f| random_value(&f.ty, spec, rng))
                .collect(),
        ),
        Type::Tuple(ts) => Value::Tuple(ts.iter().map(|t| random_value(t, spec, rng)).collect()),
        Type::Set(t) => {
            let n = rng.below(5);
            Value::set_from((0..n).map(|_| random_value(t, spec, rng)).collect())
        }
        Type::Seq(t, max) => {
            let n = rng.below(u64::from(max.unwrap_or(4)) + 1);
            Value::Seq((0..n).map(|_| random_value(t, spec, rng)).collect())
        }
        Type::Map(k, v) => {
            let n = rng.below(4);
            Value::map_from(
                (0..n)
                    .map(|_| (random_value(k, spec, rng), random_value(v, spec, rng)))
                    .collect(),
            )
        }
        Type::Message(_) => Value::None,
    }
}

#[test]
fn codes_round_trip_and_preserve_the_canonical_order() {
    let spec = spec_lang::compile(SOURCE, &[])
        .expect("the test spec compiles")
        .spec;
    let insts = Instances::new(&spec);
    let mut rng = Rng(0x5eed);
    let mut shaped = 0;
    for var in &spec.vars {
        let Some(shape) = Shape::of(&var.ty, &spec, &insts) else {
            continue;
        };
        shaped += 1;
        let values: Vec<Value> = (0..200)
            .map(|_| random_value(&var.ty, &spec, &mut rng))
            .collect();
        let codes: Vec<u64> = values
            .iter()
            .map(|v| {
                shape
                    .encode(v, &insts)
                    .unwrap_or_else(|| panic!("`{}` value {v:?} has no code", var.name))
            })
            .collect();
        for (v, c) in values.iter().zip(&codes) {
            assert!(
                shape.is_valid(*c),
                "`{}`: code of {v:?} is not valid",
                var.name
            );
            assert_eq!(&shape.decode(*c, &insts), v, "`{}` round trip", var.name);
        }
        for (a, ca) in values.iter().zip(&codes) {
            for (b, cb) in values.iter().zip(&codes) {
                assert_eq!(
                    a.cmp(b),
                    ca.cmp(cb),
                    "`{}`: order of {a:?} and {b:?}",
                    var.name
                );
            }
        }
    }
    assert_eq!(shaped, spec.vars.len(), "every test type has a shape");
}

#[test]
fn values_outside_a_type_have_no_code() {
    let spec = spec_lang::compile(SOURCE, &[])
        .expect("the test spec compiles")
        .spec;
    let insts = Instances::new(&spec);
    let ty = |name: &str| {
        let var = spec
            .vars
            .iter()
            .find(|v| v.name == name)
            .expect("var exists");
        Shape::of(&var.ty, &spec, &insts).expect("has a shape")
    };
    assert_eq!(ty("b").encode(&Value::Int(6), &insts), None);
    assert_eq!(ty("b").encode(&Value::Int(-3), &insts), None);
    let long = Value::Seq(vec![Value::Int(0); 4]);
    assert_eq!(ty("f").encode(&long, &insts), None);
    assert_eq!(ty("a").encode(&Value::Int(0), &insts), None);
    // Three colours in two bits: code 3 is not a colour, nor a set of them.
    assert!(!ty("c").is_valid(3));
    assert!(!ty("e").is_valid(0b1000));
    assert!(ty("e").is_valid(0b0111));
}
