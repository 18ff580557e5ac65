//! The machine: a spec compiled for the packed engine, built once before a
//! search from the IR (and from the reference [`Model`] for the values of
//! constants and initial variables, which are computed once).

use std::sync::Arc;

use spec_lang::ir::{CrashKind, Frame, LocalId, MsgId, RoleId, Spec, StepKind, Temporal, Type};

use crate::boxed::Boxed;
use crate::compile::{
    Block, Cx, Elem, Ex, FrameLayout, Load, LocalSlot, Locals, Place, Res, SFn, Scope,
    compile_block, compile_expr, elem_part, has_choose, is_scalar, scalar,
};
use crate::convert::{PackError, fields_value, pack_state, store_code};
use crate::model::{Model, SetupError};
use crate::pack::{FieldsPack, Packing};
use crate::shape::{Shape, ShapeKind, mask, shr};
use crate::value::Msg;

/// A compiled user function.
pub struct CFunction {
    pub frame: FrameLayout,
    pub params: Vec<LocalSlot>,
    pub body: Ex,
}

/// A compiled state predicate (invariant, constraint, terminal condition,
/// temporal property operand).
pub struct CPred {
    pub frame: FrameLayout,
    pub cond: SFn,
}

/// How a receive step takes a message apart.
pub struct CReceive {
    pub kind: MsgId,
    pub sender: Option<LocalSlot>,
    /// Fields that must equal a value, by field index.
    pub matches: Vec<(usize, Match)>,
    /// Fields bound to locals, by field index.
    pub bindings: Vec<(usize, Option<LocalSlot>, Type)>,
    /// The fields' shapes and bit offsets, when the kind's fields pack.
    pub packed: Option<(Vec<Shape>, Vec<u32>)>,
}

pub enum Match {
    /// Compared as field codes.
    Code(Box<Elem>),
    /// Compared as values (boxed fields).
    Value(crate::compile::VFn),
}

/// A compiled step.
pub struct CStep {
    pub role: RoleId,
    /// The global index of the role's first instance, and how many.
    pub first: u32,
    pub count: u32,
    pub frame: FrameLayout,
    /// The slot of local 0, the acting instance.
    pub me: Option<LocalSlot>,
    pub receive: Option<CReceive>,
    pub guard: SFn,
    /// For a receive step, the conjuncts of its guard that read only the
    /// acting instance's variables (see `por.rs`).
    pub blocker: Option<SFn>,
    pub body: Block,
    /// The body has no `choose`: it runs once, without a continuation.
    pub plain: bool,
}

/// What a crash fault of a role allows.
#[derive(Clone, Copy, Debug)]
pub struct CrashRule {
    /// Index into `Spec::crashes`.
    pub index: usize,
    pub kind: CrashKind,
    pub max: u32,
}

pub struct Machine {
    pub names: Arc<Spec>,
    pub pack: Packing,
    pub boxed: Boxed,
    pub functions: Vec<CFunction>,
    pub steps: Vec<CStep>,
    pub invariants: Vec<CPred>,
    pub constraints: Vec<CPred>,
    pub terminal: Vec<CPred>,
    /// The operands of each temporal property, by property: one predicate,
    /// two for `leads_to`.
    pub properties: Vec<Vec<CPred>>,
    /// The initial packed state.
    pub init: Vec<u64>,
    /// Stored codes of every instance's initial variables: `[global][pos]`.
    pub init_codes: Vec<Vec<u64>>,
    /// For each role, its crash fault.
    pub crash_of_role: Vec<Option<CrashRule>>,
    /// For each role, the positions of its volatile variables.
    pub volatile: Vec<Vec<usize>>,
    /// Where each role's variables live, by position.
    pub places: Vec<Vec<Place>>,
    /// The `if` statements of the step bodies, for branch coverage.
    pub branches: Vec<crate::coverage::BranchSite>,
    /// Code compiled for this spec that replaces the transition relation
    /// and the predicates' closures, when the check runs compiled.
    pub kernel: Option<&'static dyn crate::kernel::Kernel>,
}

impl Machine {
    pub fn new(spec: &Spec, model: &Model<'_>) -> Result<Machine, SetupError> {
        let names = Arc::new(spec.clone());
        let pack = Packing::new(spec);
        let insts = Arc::new(pack.insts.clone());
        let boxed = Boxed::default();
        let mut m = Machine {
            names: names.clone(),
            pack,
            boxed,
            functions: Vec::new(),
            steps: Vec::new(),
            invariants: Vec::new(),
            constraints: Vec::new(),
            terminal: Vec::new(),
            properties: Vec::new(),
            init: Vec::new(),
            init_codes: Vec::new(),
            crash_of_role: vec![None; spec.roles.len()],
            volatile: Vec::new(),
            places: Vec::new(),
            branches: Vec::new(),
            kernel: None,
        };
        m.places = spec
            .roles
            .iter()
            .map(|role| {
                role.vars
                    .iter()
                    .map(|v| Place::of(&m.pack.vars[v.index()], &m.pack))
                    .collect()
            })
            .collect();
        let setup = |e: PackError| SetupError {
            message: format!("internal error: {}", e.0),
            span: spec_lang::Span::DETACHED,
        };
        m.init = pack_state(
            &model.initial_state(),
            spec,
            &model.layout,
            &m.pack,
            &m.boxed,
        )
        .map_err(setup)?;
        for inst in &m.pack.insts.all {
            let mut codes = Vec::new();
            for &var in &spec.role(inst.role).vars {
                let v = &model.init_vars[model.layout.slot(*inst, var)];
                let slot = &m.pack.vars[var.index()];
                codes.push(store_code(&slot.storage, v, &m.pack, &m.boxed).map_err(setup)?);
            }
            m.init_codes.push(codes);
        }
        for role in &spec.roles {
            m.volatile.push(
                role.vars
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !spec.var(**v).persistent)
                    .map(|(pos, _)| pos)
                    .collect(),
            );
        }
        for (n, crash) in spec.crashes.iter().enumerate() {
            if let Some(slot) = m.crash_of_role.get_mut(crash.role.index()) {
                *slot = Some(CrashRule {
                    index: n,
                    kind: crash.kind,
                    max: crash.max,
                });
            }
        }
        let base = |frame: FrameLayout, types: Vec<Type>| Scope {
            spec,
            pack: &m.pack,
            insts: insts.clone(),
            names: names.clone(),
            consts: &model.consts,
            frame,
            local_types: types,
            step_role: None,
            in_function: false,
        };
        let frame_of = |locals: &[spec_lang::ir::Local]| {
            let types: Vec<Type> = locals.iter().map(|l| l.ty.clone()).collect();
            let refs: Vec<&Type> = types.iter().collect();
            (FrameLayout::new(&refs), types)
        };
        let mut functions = Vec::new();
        for f in &spec.functions {
            let (frame, types) = frame_of(&f.body.locals);
            let sc = Scope {
                in_function: true,
                ..base(frame.clone(), types)
            };
            functions.push(CFunction {
                params: f
                    .params
                    .iter()
                    .map(|p| frame.slot(*p).unwrap_or(LocalSlot::S(0)))
                    .collect(),
                body: compile_expr(&f.body.expr, &sc),
                frame,
            });
        }
        let pred = |frame: &Frame| {
            let (layout, types) = frame_of(&frame.locals);
            let sc = base(layout.clone(), types);
            CPred {
                cond: scalar(compile_expr(&frame.expr, &sc), frame.expr.span),
                frame: layout,
            }
        };
        let invariants = spec.invariants.iter().map(|i| pred(&i.cond)).collect();
        let constraints = spec.constraints.iter().map(|c| pred(&c.cond)).collect();
        let terminal = spec.terminal.iter().map(|t| pred(&t.cond)).collect();
        let properties = spec
            .properties
            .iter()
            .map(|p| match &p.formula {
                Temporal::Always(f)
                | Temporal::Eventually(f)
                | Temporal::AlwaysEventually(f)
                | Temporal::EventuallyAlways(f) => vec![pred(f)],
                Temporal::LeadsTo(f, g) => vec![pred(f), pred(g)],
            })
            .collect();
        let mut steps = Vec::new();
        for step in &spec.steps {
            let (frame, types) = frame_of(&step.locals);
            let sc = Scope {
                step_role: Some(step.role),
                ..base(frame.clone(), types.clone())
            };
            let receive = match &step.kind {
                StepKind::Receive(r) => Some(compile_receive(r, &types, &sc)),
                StepKind::Internal | StepKind::Timeout => None,
            };
            steps.push(CStep {
                role: step.role,
                first: m
                    .pack
                    .insts
                    .first
                    .get(step.role.index())
                    .copied()
                    .unwrap_or(0),
                count: spec.roles.get(step.role.index()).map_or(0, |r| r.count),
                me: frame.slot(LocalId(0)),
                receive,
                guard: scalar(compile_expr(&step.guard, &sc), step.guard.span),
                blocker: crate::por::blocker(step).map(|e| scalar(compile_expr(&e, &sc), e.span)),
                body: compile_block(&step.body, &sc),
                frame,
                plain: false,
            });
            if let Some(last) = steps.last_mut() {
                last.plain = !has_choose(&last.body);
            }
        }
        m.functions = functions;
        m.invariants = invariants;
        m.constraints = constraints;
        m.terminal = terminal;
        m.properties = properties;
        m.branches = crate::coverage::number_branches(&mut steps);
        m.steps = steps;
        Ok(m)
    }

    /// Whether invariant `n` holds in a packed state.
    pub fn invariant_holds(&self, n: usize, state: &[u64], locals: &mut Locals) -> Res<bool> {
        if let Some(k) = self.kernel
            && let Ok(holds) = k.invariant(self, n, state)
        {
            return Ok(holds);
        }
        self.eval_pred(&self.invariants[n], state, locals)
    }

    /// Whether state constraint `n` holds in a packed state.
    pub fn constraint_holds(&self, n: usize, state: &[u64], locals: &mut Locals) -> Res<bool> {
        if let Some(k) = self.kernel
            && let Ok(holds) = k.constraint(self, n, state)
        {
            return Ok(holds);
        }
        self.eval_pred(&self.constraints[n], state, locals)
    }

    /// Whether terminal predicate `n` holds in a packed state.
    pub fn terminal_holds(&self, n: usize, state: &[u64], locals: &mut Locals) -> Res<bool> {
        if let Some(k) = self.kernel
            && let Ok(holds) = k.terminal(self, n, state)
        {
            return Ok(holds);
        }
        self.eval_pred(&self.terminal[n], state, locals)
    }

    /// Evaluates a predicate on a packed state.
    pub fn eval_pred(&self, pred: &CPred, state: &[u64], locals: &mut Locals) -> Res<bool> {
        let mut cx = self.frame_cx(&pred.frame, state, locals);
        Ok((pred.cond)(&mut cx)? != 0)
    }

    /// A context for closures of a frame laid out as `frame` on `state`,
    /// with `locals` grown to hold it. Every local is bound before it is
    /// read, so stale values are never seen: the buffers only grow.
    #[inline]
    pub(crate) fn frame_cx<'a>(
        &'a self,
        frame: &FrameLayout,
        state: &'a [u64],
        locals: &'a mut Locals,
    ) -> Cx<'a> {
        if locals.s.len() < frame.scalars {
            locals.s.resize(frame.scalars, 0);
        }
        if locals.c.len() < frame.compounds {
            locals
                .c
                .resize(frame.compounds, crate::compile::Val::Code(0));
        }
        Cx {
            m: self,
            state,
            own: None,
            l: locals,
            sb: 0,
            cb: 0,
        }
    }

    /// Whether receive step `step` of instance `actor` is blocked in
    /// `state`: its blocker (see `por.rs`) is false, so no message can
    /// make it fire. `false` for a step without a blocker.
    pub fn blocked(
        &self,
        step: usize,
        actor: u32,
        state: &[u64],
        locals: &mut Locals,
    ) -> Res<bool> {
        let Some(s) = self.steps.get(step) else {
            return Ok(false);
        };
        let (Some(blocker), Some(me)) = (&s.blocker, s.me) else {
            return Ok(false);
        };
        let mut cx = self.frame_cx(&s.frame, state, locals);
        cx.bind(me, crate::compile::Any::S(u64::from(actor)));
        Ok(blocker(&mut cx)? == 0)
    }

    /// The value of a message from its kind, endpoints and field word.
    pub fn message_value(&self, kind: MsgId, from: u32, to: u32, fields: u64) -> Option<Msg> {
        Some(Msg {
            kind,
            from: self.pack.insts.get(u64::from(from))?,
            to: self.pack.insts.get(u64::from(to))?,
            fields: fields_value(kind, fields, &self.pack, &self.boxed)?,
        })
    }
}

fn compile_receive(r: &spec_lang::ir::Receive, types: &[Type], sc: &Scope<'_>) -> CReceive {
    let packed = match sc.pack.net.fields.get(r.message.index()) {
        Some(FieldsPack::Packed(Shape {
            kind: ShapeKind::Product {
                fields, offsets, ..
            },
            ..
        })) => Some((fields.clone(), offsets.clone())),
        _ => None,
    };
    let matches = r
        .matches
        .iter()
        .map(|(field, e)| {
            let f = *field as usize;
            let m = match packed.as_ref().and_then(|(fs, _)| fs.get(f)) {
                Some(shape) => Match::Code(Box::new(elem_part(e, shape, sc))),
                None => Match::Value(crate::compile::into_vfn(compile_expr(e, sc), &e.ty, sc)),
            };
            (f, m)
        })
        .collect();
    CReceive {
        kind: r.message,
        sender: sc.frame.slot(r.sender),
        matches,
        bindings: r
            .bindings
            .iter()
            .map(|(field, local)| {
                let ty = types.get(local.index()).cloned().unwrap_or(Type::Bool);
                (*field as usize, sc.frame.slot(*local), ty)
            })
            .collect(),
        packed,
    }
}

impl CReceive {
    /// Binds the message's sender and fields into the step's locals, after
    /// checking its pattern: false when a matched field differs.
    pub fn bind(&self, m: &Machine, cx: &mut Cx<'_>, from: u32, fields: u64) -> Res<bool> {
        if let Some(slot) = self.sender {
            cx.bind(slot, crate::compile::Any::S(u64::from(from)));
        }
        match &self.packed {
            Some((shapes, offsets)) => {
                let field = |i: usize| -> Option<u64> {
                    let s = shapes.get(i)?;
                    Some(shr(fields, *offsets.get(i)?) & mask(s.bits))
                };
                for (i, want) in &self.matches {
                    let Match::Code(want) = want else {
                        return Ok(false);
                    };
                    match want.eval(cx)? {
                        Ok(code) if Some(code) == field(*i) => {}
                        _ => return Ok(false),
                    }
                }
                for (i, slot, ty) in &self.bindings {
                    let (Some(slot), Some(shape), Some(code)) = (slot, shapes.get(*i), field(*i))
                    else {
                        continue;
                    };
                    let x = if is_scalar(ty) {
                        crate::compile::Any::S(Load::of_shape(shape, &m.pack.insts).apply(code))
                    } else {
                        let target = Shape::of(ty, &m.names, &m.pack.insts);
                        if target.as_ref() == Some(shape) {
                            crate::compile::Any::C(crate::compile::Val::Code(code))
                        } else {
                            crate::compile::Any::C(crate::compile::value_val(
                                shape.decode(code, &m.pack.insts),
                                target.as_ref(),
                                &m.pack.insts,
                            ))
                        }
                    };
                    cx.bind(*slot, x);
                }
                Ok(true)
            }
            None => {
                let Some(values) = fields_value(self.kind, fields, &m.pack, &m.boxed) else {
                    return crate::compile::fail(
                        spec_lang::Span::DETACHED,
                        "internal error: a message's fields are missing",
                    );
                };
                for (i, want) in &self.matches {
                    let Match::Value(want) = want else {
                        return Ok(false);
                    };
                    if values.get(*i) != Some(&want(cx)?) {
                        return Ok(false);
                    }
                }
                for (i, slot, ty) in &self.bindings {
                    let (Some(slot), Some(v)) = (slot, values.get(*i)) else {
                        continue;
                    };
                    let x = if is_scalar(ty) {
                        crate::compile::Any::S(crate::compile::value_scalar(
                            v,
                            &m.pack.insts,
                            spec_lang::Span::DETACHED,
                        )?)
                    } else {
                        let target = Shape::of(ty, &m.names, &m.pack.insts);
                        crate::compile::Any::C(crate::compile::value_val(
                            v.clone(),
                            target.as_ref(),
                            &m.pack.insts,
                        ))
                    };
                    cx.bind(*slot, x);
                }
                Ok(true)
            }
        }
    }
}
