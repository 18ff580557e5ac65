//! What the generator emits for the constructs that need care: operations
//! that can fail, stores checked against declared bounds, initial values
//! that must provably fit, and locals read after the block that bound them.
//! (Generated crates are built and run in the workspace's
//! tests/conformance/.)

use std::path::{Path, PathBuf};

use spec_lang::ir::{Spec, StmtKind};

fn compile(source: &str) -> Spec {
    match spec_lang::compile(source, &[]) {
        Ok(c) => c.spec,
        Err(d) => panic!("the spec compiles: {d:?}"),
    }
}

fn config() -> codegen::GenConfig {
    codegen::GenConfig {
        crate_name: "t".to_string(),
        runtime_path: PathBuf::from("../runtime"),
    }
}

/// The generated module of the spec's first role.
fn role_module(spec: &Spec) -> String {
    let generated = codegen::generate(spec, &config()).expect("the spec generates");
    let role = spec.roles[0].name.to_lowercase();
    generated.files[Path::new(&format!("src/{role}.rs"))].clone()
}

fn gen_error(source: &str) -> String {
    match codegen::generate(&compile(source), &config()) {
        Ok(_) => panic!("the spec is refused"),
        Err(e) => e.message,
    }
}

#[test]
fn operations_that_can_fail_return_errors_and_closures_that_can_fail_are_try_closures() {
    let spec = compile(
        "protocol P\n\
         role A { var m: map<int, int> = [] \n var ok: bool = false }\n\
         on A step s { ok := forall k in keys(m): m[k] + 1 > 0 }\n",
    );
    let module = role_module(&spec);
    assert!(module.contains("value::try_forall("), "{module}");
    assert!(module.contains("value::map_get(&self.m, &k)?"), "{module}");
    assert!(module.contains("value::add("), "{module}");
    assert!(
        !module.contains("unwrap") && !module.contains("panic"),
        "{module}"
    );
}

#[test]
fn stores_to_bounded_variables_and_fields_are_checked() {
    let spec = compile(
        "protocol P\n\
         role A { var n: 0..3 = 0 \n var log: seq<0..2, 2> = [] }\n\
         message M { v: 0..3 }\n\
         on A step s { n := n + 1 \n log := append(log, 1) \n send M { v: n } to A }\n\
         on A receive M { v } { skip }\n",
    );
    let module = role_module(&spec);
    assert!(module.contains("self.check_n()?;"), "{module}");
    assert!(
        module.contains("value::check_range(\"n\", self.n, 0, 3)?;"),
        "{module}"
    );
    assert!(
        module.contains("value::check_len(\"log\", &self.log, 2)?;"),
        "{module}"
    );
    assert!(
        module.contains(".checked()?"),
        "the message is checked: {module}"
    );
}

#[test]
fn literal_arithmetic_is_folded() {
    let spec = compile(
        "protocol P\nparam K: 1..5 = 2\n\
         role A { var n: 0..9 = K * 2 + 1 }\n\
         on A step s when n < K + 1 { n := 0 }\n",
    );
    let module = role_module(&spec);
    assert!(module.contains("State { n: 5 }"), "{module}");
    assert!(module.contains("self.n < 3"), "{module}");
}

#[test]
fn an_initial_value_out_of_its_range_is_refused() {
    let message = gen_error("protocol P\nrole A { var n: 0..3 = 4 }\n");
    assert!(
        message.contains("`n`") && message.contains("value 4 is out of the range 0..3"),
        "{message}"
    );
}

#[test]
fn an_initial_value_that_cannot_be_checked_before_running_is_refused() {
    let message = gen_error(
        "protocol P\nrole A[2] { var n: 0..1 = if self == A[1] then 0 else size({1, 2}) }\n",
    );
    assert!(
        message.contains("may leave its declared bounds"),
        "{message}"
    );
}

#[test]
fn a_local_bound_in_a_branch_and_read_after_it_is_declared_before_the_branch() {
    // The language scopes a `let` to its block; a projection could still
    // produce IR that reads it later, so move the read out of the branch.
    let mut spec = compile(
        "protocol P\n\
         role A { var x: 0..3 = 0 }\n\
         on A step s when x < 2 { if x == 0 { let y = 1 \n x := y } }\n",
    );
    let step = &mut spec.steps[0];
    let StmtKind::If { then, .. } = &mut step.body[0].kind else {
        panic!("the step starts with an if");
    };
    let assign = then.pop().expect("the branch assigns");
    step.body.push(assign);
    let module = role_module(&spec);
    assert!(
        module.contains("let mut y: Option<i64> = None;"),
        "{module}"
    );
    assert!(module.contains("y = Some(1);"), "{module}");
    assert!(module.contains("value::bound(y.clone())?"), "{module}");
}
