//! What the checker precomputes from a spec before exploring: where each
//! instance's variables live in a state, the values of the constants, the
//! initial value of every variable, and which faults apply to which role.

#[cfg(test)]
use spec_lang::ir::CrashKind;
use spec_lang::ir::{RoleId, Span, Spec, VarId};

use crate::eval::{Env, EvalError, check_stored};
use crate::state::{Faults, Network, State};
use crate::value::{Instance, Value};

/// More instances than this make partition enumeration (2^(n-1) - 1 splits
/// per state) unreasonable, so a spec with partitions and more instances is
/// refused up front.
const MAX_PARTITION_INSTANCES: u32 = 16;

/// Where the variables of each role's instances sit in [`State::vars`].
#[derive(Clone, Debug)]
pub struct Layout {
    pub roles: Vec<RoleLayout>,
    /// For each variable, its position among its role's variables.
    pub var_pos: Vec<usize>,
    /// Every instance, by global index (roles in order, instances in order).
    pub instances: Vec<Instance>,
    /// The total number of variable slots in a state.
    pub slots: usize,
}

#[derive(Clone, Copy, Debug)]
pub struct RoleLayout {
    /// Slot of the first instance's first variable.
    pub first_slot: usize,
    /// Variables per instance.
    pub vars: usize,
    pub count: u32,
}

impl Layout {
    pub fn new(spec: &Spec) -> Layout {
        let mut roles = Vec::with_capacity(spec.roles.len());
        let mut var_pos = vec![0; spec.vars.len()];
        let mut instances = Vec::new();
        let mut slots = 0;
        for (r, role) in spec.roles.iter().enumerate() {
            let id = RoleId(r as u32);
            for (pos, var) in role.vars.iter().enumerate() {
                if let Some(p) = var_pos.get_mut(var.index()) {
                    *p = pos;
                }
            }
            roles.push(RoleLayout {
                first_slot: slots,
                vars: role.vars.len(),
                count: role.count,
            });
            for i in 0..role.count {
                instances.push(Instance::new(id, i));
            }
            slots += role.vars.len() * role.count as usize;
        }
        Layout {
            roles,
            var_pos,
            instances,
            slots,
        }
    }

    /// The slot of one instance's variable.
    pub fn slot(&self, inst: Instance, var: VarId) -> usize {
        let role = &self.roles[inst.role.index()];
        role.first_slot + inst.index as usize * role.vars + self.var_pos[var.index()]
    }

    /// The slots of all of one instance's variables.
    pub fn instance_slots(&self, inst: Instance) -> std::ops::Range<usize> {
        let role = &self.roles[inst.role.index()];
        let start = role.first_slot + inst.index as usize * role.vars;
        start..start + role.vars
    }

    /// Whether an instance value names a real instance of this spec.
    pub fn is_instance(&self, inst: Instance) -> bool {
        self.roles
            .get(inst.role.index())
            .is_some_and(|r| inst.index < r.count)
    }
}

/// A spec with everything the explorer needs precomputed.
pub struct Model<'s> {
    pub spec: &'s Spec,
    pub layout: Layout,
    pub consts: Vec<Value>,
    /// The initial value of every slot.
    pub init_vars: Vec<Value>,
    /// For each role, the index into `Spec::crashes` of its crash fault.
    pub crash_of_role: Vec<Option<usize>>,
    /// Roles whose instances may be permuted (symmetric, at least two
    /// instances); empty when symmetry reduction is off.
    pub symmetric: Vec<RoleId>,
}

/// Why a spec cannot be checked at all (before any state is explored).
#[derive(Clone, Debug)]
pub struct SetupError {
    pub message: String,
    pub span: Span,
}

impl From<EvalError> for SetupError {
    fn from(e: EvalError) -> SetupError {
        SetupError {
            message: e.message,
            span: e.span,
        }
    }
}

impl<'s> Model<'s> {
    pub fn new(spec: &'s Spec, symmetry: bool) -> Result<Model<'s>, SetupError> {
        validate(spec)?;
        let layout = Layout::new(spec);
        let consts = eval_consts(spec, &layout)?;
        let mut model = Model {
            spec,
            layout,
            consts,
            init_vars: Vec::new(),
            crash_of_role: vec![None; spec.roles.len()],
            symmetric: Vec::new(),
        };
        for (n, crash) in spec.crashes.iter().enumerate() {
            match model.crash_of_role.get_mut(crash.role.index()) {
                Some(slot @ None) => *slot = Some(n),
                Some(Some(_)) => {
                    return Err(SetupError {
                        message: format!(
                            "role `{}` has more than one crash fault",
                            spec.role(crash.role).name
                        ),
                        span: crash.span,
                    });
                }
                None => return Err(bad_ir("crash fault of an unknown role", crash.span)),
            }
        }
        if symmetry {
            model.symmetric = spec
                .roles
                .iter()
                .enumerate()
                .filter(|(_, r)| r.symmetric && r.count >= 2)
                .map(|(n, _)| RoleId(n as u32))
                .collect();
        }
        model.init_vars = model.eval_init_vars()?;
        Ok(model)
    }

    fn eval_init_vars(&self) -> Result<Vec<Value>, SetupError> {
        let mut vars = vec![Value::Bool(false); self.layout.slots];
        for inst in &self.layout.instances {
            for &var in &self.spec.role(inst.role).vars {
                let value = self.eval_init(*inst, var)?;
                vars[self.layout.slot(*inst, var)] = value;
            }
        }
        Ok(vars)
    }

    /// The initial value of one instance's variable.
    pub fn eval_init(&self, inst: Instance, var: VarId) -> Result<Value, EvalError> {
        let def = self.spec.var(var);
        let env = Env::closed(self.spec, &self.layout, &self.consts);
        let value = env.eval_frame(&def.init, Some(Value::Inst(inst)))?;
        check_stored(&value, &def.ty, self.spec, def.init.expr.span)?;
        Ok(value)
    }

    /// The one initial state: every variable at its initial value, nothing
    /// in flight, no fault yet.
    pub fn initial_state(&self) -> State {
        State {
            vars: self.init_vars.clone(),
            network: Network::empty(self.spec.network.kind),
            faults: Faults {
                crashes: vec![0; self.spec.crashes.len()],
                ..Faults::default()
            },
        }
    }

    #[cfg(test)]
    pub fn crash_kind(&self, role: RoleId) -> Option<(usize, CrashKind)> {
        let n = (*self.crash_of_role.get(role.index())?)?;
        Some((n, self.spec.crashes[n].kind))
    }
}

/// Checks the structural facts the checker relies on, so that exploring
/// never indexes out of bounds: ids in range, local 0 present in every step.
fn validate(spec: &Spec) -> Result<(), SetupError> {
    for (n, var) in spec.vars.iter().enumerate() {
        let Some(role) = spec.roles.get(var.role.index()) else {
            return Err(bad_ir("variable of an unknown role", var.span));
        };
        if !role.vars.iter().any(|v| v.index() == n) {
            return Err(bad_ir("variable missing from its role", var.span));
        }
    }
    for role in &spec.roles {
        if role.vars.iter().any(|v| v.index() >= spec.vars.len()) {
            return Err(bad_ir("role lists an unknown variable", role.span));
        }
    }
    for step in &spec.steps {
        if step.role.index() >= spec.roles.len() || step.locals.is_empty() {
            return Err(bad_ir("step without an acting role", step.span));
        }
        if let spec_lang::ir::StepKind::Receive(r) = &step.kind
            && r.message.index() >= spec.messages.len()
        {
            return Err(bad_ir("receive of an unknown message", step.span));
        }
    }
    if spec.network.partition.is_some() && spec.instance_count() > MAX_PARTITION_INSTANCES {
        return Err(SetupError {
            message: format!(
                "partitions are checked by trying every split of the instances; \
                 at most {MAX_PARTITION_INSTANCES} instances are supported, this spec has {}",
                spec.instance_count()
            ),
            span: spec.network.span,
        });
    }
    Ok(())
}

fn bad_ir(what: &str, span: Span) -> SetupError {
    SetupError {
        message: format!("malformed IR: {what}"),
        span,
    }
}

/// Evaluates the constants. A constant may use another one declared after
/// it, so the passes repeat until every constant has a value or a pass makes
/// no progress (a cycle, which the resolver should have rejected).
fn eval_consts(spec: &Spec, layout: &Layout) -> Result<Vec<Value>, SetupError> {
    let mut values: Vec<Option<Value>> = vec![None; spec.consts.len()];
    loop {
        let mut progress = false;
        let mut last_error = None;
        for (n, c) in spec.consts.iter().enumerate() {
            if values[n].is_some() {
                continue;
            }
            let known: Vec<Value> = values
                .iter()
                .map(|v| v.clone().unwrap_or(Value::Bool(false)))
                .collect();
            let ready: Vec<bool> = values.iter().map(Option::is_some).collect();
            let env = Env::closed(spec, layout, &known).with_ready_consts(&ready);
            let mut locals = Vec::new();
            match env.eval(&c.value, &mut locals) {
                Ok(v) => {
                    check_stored(&v, &c.ty, spec, c.span)?;
                    values[n] = Some(v);
                    progress = true;
                }
                Err(e) => last_error = Some(e),
            }
        }
        if values.iter().all(Option::is_some) {
            return Ok(values.into_iter().flatten().collect());
        }
        if !progress {
            return Err(last_error
                .map(SetupError::from)
                .unwrap_or_else(|| bad_ir("constants depend on each other", Span::DETACHED)));
        }
    }
}
