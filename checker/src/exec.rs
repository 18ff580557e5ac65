//! The reference executor (tests only): running one step's body on decoded
//! states, statements in order, `choose` forking one run per choice, sends
//! collected until the step ends. The packed engine's executor
//! (`compile/stmt.rs`) is tested against it.
//!
//! A run is a small interpreter state (locals, the acting instance's
//! variables, the messages to send) plus a continuation stack of what is
//! left to execute. `choose` clones the run once per element, so a choice
//! inside an `if` or a `for` continues with the rest of the enclosing
//! blocks, exactly as sequential semantics demands.

use std::ops::ControlFlow;

use spec_lang::ir::{LocalId, MessageValue, Place, Selector, Span, Stmt, StmtKind};

use crate::eval::{Env, EvalResult, check_stored, error, set_local, update_index};
use crate::failure::Failure;
use crate::value::{Instance, Msg, Value};

/// The interpreter state of one run of a step body.
#[derive(Clone)]
pub struct Run<'s> {
    pub locals: Vec<Value>,
    /// The acting instance's variables, updated in place.
    pub vars: Vec<Value>,
    pub sends: Vec<Msg>,
    stack: Vec<Cont<'s>>,
}

#[derive(Clone)]
enum Cont<'s> {
    Block(&'s [Stmt]),
    Loop {
        local: LocalId,
        items: std::vec::IntoIter<Value>,
        body: &'s [Stmt],
        span: Span,
    },
}

impl<'s> Run<'s> {
    pub fn new(locals: Vec<Value>, vars: Vec<Value>, body: &'s [Stmt]) -> Run<'s> {
        Run {
            locals,
            vars,
            sends: Vec::new(),
            stack: vec![Cont::Block(body)],
        }
    }
}

/// Executes the rest of `run`, calling `done` once per completed run (one
/// per combination of choices). `done` may stop the enumeration.
pub fn execute<'s>(
    env: &Env<'_>,
    inst: Instance,
    mut run: Run<'s>,
    done: &mut dyn FnMut(Run<'s>) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, Failure> {
    loop {
        let Some(top) = run.stack.last_mut() else {
            return Ok(done(run));
        };
        let stmt = match top {
            Cont::Block(stmts) => match stmts.split_first() {
                Some((first, rest)) => {
                    *stmts = rest;
                    first
                }
                None => {
                    run.stack.pop();
                    continue;
                }
            },
            Cont::Loop {
                local,
                items,
                body,
                span,
            } => match items.next() {
                Some(x) => {
                    let (local, body, span) = (*local, *body, *span);
                    set_local(&mut run.locals, local, x, span)?;
                    run.stack.push(Cont::Block(body));
                    continue;
                }
                None => {
                    run.stack.pop();
                    continue;
                }
            },
        };
        let own = env.with_own(inst, &run.vars);
        match &stmt.kind {
            StmtKind::Assign { place, value } => {
                let v = own.eval(value, &mut run.locals)?;
                let keys = eval_path(&own, place, &mut run.locals)?;
                store(env, inst, &mut run.vars, place, keys, v, value.span)?;
            }
            StmtKind::Let { local, value } => {
                let v = own.eval(value, &mut run.locals)?;
                set_local(&mut run.locals, *local, v, stmt.span)?;
            }
            StmtKind::Choose { local, set, filter } => {
                let items = own.elements(set, &mut run.locals)?;
                for x in items {
                    set_local(&mut run.locals, *local, x, stmt.span)?;
                    if let Some(f) = filter {
                        let own = env.with_own(inst, &run.vars);
                        if !own.eval_bool(f, &mut run.locals)? {
                            continue;
                        }
                    }
                    if execute(env, inst, run.clone(), done)?.is_break() {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                // Every choice has been explored; no choice disables the step.
                return Ok(ControlFlow::Continue(()));
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let branch = if own.eval_bool(cond, &mut run.locals)? {
                    then
                } else {
                    otherwise
                };
                run.stack.push(Cont::Block(branch));
            }
            StmtKind::For { local, set, body } => {
                let items = own.elements(set, &mut run.locals)?;
                run.stack.push(Cont::Loop {
                    local: *local,
                    items: items.into_iter(),
                    body,
                    span: stmt.span,
                });
            }
            StmtKind::Send { message, to } => {
                let fields = eval_fields(&own, message, &mut run.locals)?;
                let to = own.eval_instance(to, &mut run.locals)?;
                run.sends.push(Msg {
                    kind: message.message,
                    from: inst,
                    to,
                    fields,
                });
            }
            StmtKind::Broadcast {
                message,
                to,
                exclude_self,
            } => {
                let fields = eval_fields(&own, message, &mut run.locals)?;
                let targets = own.elements(to, &mut run.locals)?;
                for t in targets {
                    let t = own.as_instance(&t, to.span)?;
                    if *exclude_self && t == inst {
                        continue;
                    }
                    run.sends.push(Msg {
                        kind: message.message,
                        from: inst,
                        to: t,
                        fields: fields.clone(),
                    });
                }
            }
            StmtKind::Assert { cond, message } => {
                if !own.eval_bool(cond, &mut run.locals)? {
                    return Err(Failure::Assertion {
                        message: message.clone(),
                        span: stmt.span,
                    });
                }
            }
        }
    }
}

fn eval_fields(
    env: &Env<'_>,
    message: &MessageValue,
    locals: &mut Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let Some(def) = env.spec.messages.get(message.message.index()) else {
        return error(message.span, "malformed IR: unknown message");
    };
    if def.fields.len() != message.fields.len() {
        return error(message.span, "malformed IR: wrong number of message fields");
    }
    let mut out = Vec::with_capacity(message.fields.len());
    for (f, e) in def.fields.iter().zip(&message.fields) {
        let v = env.eval(e, locals)?;
        check_stored(&v, &f.ty, env.spec, e.span)?;
        out.push(v);
    }
    Ok(out)
}

/// A place's selectors with their index expressions evaluated.
enum Key {
    Field(usize),
    Index(Value, Span),
}

fn eval_path(env: &Env<'_>, place: &Place, locals: &mut Vec<Value>) -> EvalResult<Vec<Key>> {
    place
        .path
        .iter()
        .map(|sel| {
            Ok(match sel {
                Selector::Field(n) | Selector::TupleIndex(n) => Key::Field(*n as usize),
                Selector::Index(e) => Key::Index(env.eval(e, locals)?, e.span),
            })
        })
        .collect()
}

/// Writes `v` at a place of the acting instance, checking the stored value
/// against the declared type of the variable.
fn store(
    env: &Env<'_>,
    inst: Instance,
    vars: &mut [Value],
    place: &Place,
    keys: Vec<Key>,
    v: Value,
    value_span: Span,
) -> EvalResult<()> {
    let Some(def) = env.spec.vars.get(place.var.index()) else {
        return error(place.span, "malformed IR: unknown variable");
    };
    if def.role != inst.role {
        return error(
            place.span,
            "a step can only assign its own instance's variables",
        );
    }
    let Some(slot) = vars.get_mut(env.layout.var_pos[place.var.index()]) else {
        return error(place.span, "malformed IR: variable out of range");
    };
    let mut target = slot;
    for key in keys {
        target = match key {
            Key::Field(n) => match target {
                Value::Record(_, items) | Value::Tuple(items) => match items.get_mut(n) {
                    Some(t) => t,
                    None => return error(place.span, "malformed IR: field out of range"),
                },
                _ => return error(place.span, "field of a value that has no fields"),
            },
            Key::Index(k, span) => {
                if let Value::Map(entries) = target
                    && entries.binary_search_by(|(key, _)| key.cmp(&k)).is_err()
                {
                    // Assigning a new key adds the entry.
                    update_index(target, k.clone(), Value::Bool(false), span)?;
                }
                match target {
                    Value::Map(entries) => match entries.binary_search_by(|(key, _)| key.cmp(&k)) {
                        Ok(at) => &mut entries[at].1,
                        Err(_) => return error(span, "malformed map"),
                    },
                    Value::Seq(items) => {
                        let at = match k {
                            Value::Int(i) => crate::eval::seq_offset(i, items.len(), span)?,
                            _ => return error(span, "sequence index is not an integer"),
                        };
                        &mut items[at]
                    }
                    _ => return error(span, "index into a value that is not a map or a sequence"),
                }
            }
        };
    }
    *target = v;
    // Check the whole variable: simple, and it covers every bound that the
    // store may have broken (the element's and the enclosing sequence's).
    check_stored(
        &vars[env.layout.var_pos[place.var.index()]],
        &def.ty,
        env.spec,
        value_span,
    )
}
