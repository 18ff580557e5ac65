//! pest pairs to AST: declarations, steps, statements, types.
//!
//! Every builder takes the depth of the node it builds and refuses depths
//! beyond [`MAX_NESTING`], so the finished tree is shallow enough for every
//! later pass to recurse over. The builders themselves recurse only where
//! the tree nests, never once per pest rule level.

use pest::iterators::{Pair, Pairs};

use crate::ast::*;
use crate::diagnostic::Diagnostic;

use super::scan::{Scan, too_deep};
use super::{MAX_NESTING, Rule};

pub(super) type Res<T> = Result<T, Diagnostic>;

/// The span of a pair exactly as pest reports it.
fn raw_span(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

/// Fails when a node would sit deeper than [`MAX_NESTING`].
pub(super) fn check_depth(depth: usize, at: Span) -> Res<()> {
    if depth > MAX_NESTING {
        Err(too_deep(at))
    } else {
        Ok(())
    }
}

/// An error for a parse tree whose shape the grammar rules out. It cannot
/// happen unless the grammar and this module disagree; it is reported rather
/// than panicked on.
pub(super) fn internal(at: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        at,
        format!("internal error: unexpected syntax tree ({what})"),
    )
    .with_note("note: this is a bug in specc's parser; please report it with this input")
}

/// The children of one pair, taken in order.
pub(super) struct Children<'i> {
    inner: std::iter::Peekable<Pairs<'i, Rule>>,
    parent: Span,
}

impl<'i> Children<'i> {
    pub fn of(pair: Pair<'i, Rule>) -> Children<'i> {
        let parent = raw_span(&pair);
        Children {
            inner: pair.into_inner().peekable(),
            parent,
        }
    }

    /// The next child, whatever its rule.
    pub fn next(&mut self) -> Res<Pair<'i, Rule>> {
        self.inner
            .next()
            .ok_or_else(|| internal(self.parent, "a child is missing"))
    }

    /// The next child, which must have `rule`.
    pub fn expect(&mut self, rule: Rule) -> Res<Pair<'i, Rule>> {
        let pair = self.next()?;
        if pair.as_rule() == rule {
            Ok(pair)
        } else {
            Err(internal(raw_span(&pair), &format!("{rule:?} expected")))
        }
    }

    /// The next child if it has `rule`.
    pub fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.peek_rule() == Some(rule) {
            self.inner.next()
        } else {
            None
        }
    }

    pub fn peek_span(&mut self) -> Option<Span> {
        self.inner.peek().map(raw_span)
    }

    pub fn peek_rule(&mut self) -> Option<Rule> {
        self.inner.peek().map(|p| p.as_rule())
    }

    /// The remaining children.
    pub fn rest(self) -> impl Iterator<Item = Pair<'i, Rule>> {
        self.inner
    }
}

/// Builds the AST from pest's pairs, with the scan's knowledge of where
/// whitespace and comments lie.
pub(super) struct Builder<'s> {
    pub scan: &'s Scan,
}

impl Builder<'_> {
    /// The span of a pair without the layout pest may include at its end.
    pub fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let raw = raw_span(pair);
        Span {
            start: raw.start,
            end: self.scan.trim_end(raw.start, raw.end),
        }
    }

    pub fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident::new(pair.as_str(), self.span(pair))
    }

    pub(super) fn file(&self, source: &str, mut pairs: Pairs<'_, Rule>) -> Res<SpecFile> {
        let whole = Span::new(0, source.len());
        let file = pairs.next().ok_or_else(|| internal(whole, "no file"))?;
        let mut children = Children::of(file);
        let header = children.expect(Rule::protocol_header)?;
        let mut header = Children::of(header);
        header.expect(Rule::kw_protocol)?;
        let name = self.ident(&header.expect(Rule::ident)?);
        let mut items = Vec::new();
        for pair in children.rest() {
            if pair.as_rule() == Rule::EOI {
                break;
            }
            items.push(self.item(pair)?);
        }
        Ok(SpecFile {
            name,
            items,
            span: whole,
        })
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Res<Item> {
        let at = self.span(&pair);
        let rule = pair.as_rule();
        let mut c = Children::of(pair);
        c.next()?; // The declaration's keyword.
        Ok(match rule {
            Rule::param_decl => Item::Param(ParamDecl {
                name: self.ident(&c.expect(Rule::ident)?),
                ty: self.type_expr(c.expect(Rule::type_expr)?, 1)?,
                default: self.expr(c.next()?, 1)?,
                span: at,
            }),
            Rule::const_decl => {
                let name = self.ident(&c.expect(Rule::ident)?);
                let ty = match c.take(Rule::type_expr) {
                    Some(t) => Some(self.type_expr(t, 1)?),
                    None => None,
                };
                Item::Const(ConstDecl {
                    name,
                    ty,
                    value: self.expr(c.next()?, 1)?,
                    span: at,
                })
            }
            Rule::type_decl => Item::Type(TypeDecl {
                name: self.ident(&c.expect(Rule::ident)?),
                ty: self.type_expr(c.expect(Rule::type_expr)?, 1)?,
                span: at,
            }),
            Rule::role_decl => {
                let name = self.ident(&c.expect(Rule::ident)?);
                let count = match c.take(Rule::role_count) {
                    Some(count) => Some(self.expr(Children::of(count).next()?, 1)?),
                    None => None,
                };
                let symmetric = c.take(Rule::kw_symmetric).map(|k| self.span(&k));
                let vars = c.rest().map(|v| self.var_decl(v)).collect::<Res<_>>()?;
                Item::Role(RoleDecl {
                    name,
                    count,
                    symmetric,
                    vars,
                    span: at,
                })
            }
            Rule::message_decl => Item::Message(MessageDecl {
                name: self.ident(&c.expect(Rule::ident)?),
                fields: c
                    .rest()
                    .map(|f| self.field_decl(f, 1))
                    .collect::<Res<_>>()?,
                span: at,
            }),
            Rule::network_decl => {
                let kind_pair = c.expect(Rule::network_kind)?;
                let kind = match kind_pair.as_str() {
                    "set" => NetworkKind::Set,
                    "bag" => NetworkKind::Bag,
                    "fifo" => NetworkKind::Fifo,
                    _ => return Err(internal(self.span(&kind_pair), "network kind")),
                };
                let synchronous = c.take(Rule::kw_synchronous).is_some();
                let max_in_flight = match c.take(Rule::kw_max_in_flight) {
                    Some(_) => Some(self.expr(c.next()?, 1)?),
                    None => None,
                };
                Item::Network(NetworkDecl {
                    kind,
                    kind_span: self.span(&kind_pair),
                    synchronous,
                    max_in_flight,
                    span: at,
                })
            }
            Rule::fault_decl => {
                let kind_pair = c.expect(Rule::fault_kind)?;
                let kind_pair = Children::of(kind_pair).next()?;
                let kind = match kind_pair.as_rule() {
                    Rule::fault_loss => FaultKind::Loss,
                    Rule::fault_duplication => FaultKind::Duplication,
                    Rule::fault_partition => FaultKind::Partition,
                    Rule::fault_crash_stop | Rule::fault_crash_recover => {
                        let rule = kind_pair.as_rule();
                        let mut k = Children::of(kind_pair);
                        k.next()?;
                        let role = self.ident(&k.expect(Rule::ident)?);
                        if rule == Rule::fault_crash_stop {
                            FaultKind::CrashStop(role)
                        } else {
                            FaultKind::CrashRecover(role)
                        }
                    }
                    _ => return Err(internal(self.span(&kind_pair), "fault kind")),
                };
                let max = match c.take(Rule::kw_max) {
                    Some(_) => Some(self.expr(c.next()?, 1)?),
                    None => None,
                };
                Item::Fault(FaultDecl {
                    kind,
                    max,
                    span: at,
                })
            }
            Rule::fn_decl => {
                let name = self.ident(&c.expect(Rule::ident)?);
                let mut params = Vec::new();
                while let Some(param) = c.take(Rule::fn_param) {
                    let param_span = self.span(&param);
                    let mut p = Children::of(param);
                    params.push(FnParam {
                        name: self.ident(&p.expect(Rule::ident)?),
                        ty: self.type_expr(p.expect(Rule::type_expr)?, 1)?,
                        span: param_span,
                    });
                }
                Item::Function(FnDecl {
                    name,
                    params,
                    ret: self.type_expr(c.expect(Rule::type_expr)?, 1)?,
                    body: self.expr(c.next()?, 1)?,
                    span: at,
                })
            }
            Rule::step_decl => Item::Step(self.step(c, at)?),
            Rule::invariant_decl => Item::Invariant(InvariantDecl {
                name: self.ident(&c.expect(Rule::ident)?),
                cond: self.expr(c.next()?, 1)?,
                span: at,
            }),
            Rule::property_decl => {
                let name = self.ident(&c.expect(Rule::ident)?);
                let formula = Children::of(c.expect(Rule::temporal)?).next()?;
                let rule = formula.as_rule();
                let mut f = Children::of(formula);
                let formula = match rule {
                    Rule::always_eventually => {
                        f.next()?;
                        f.next()?;
                        Temporal::AlwaysEventually(self.expr(f.next()?, 1)?)
                    }
                    Rule::eventually_always => {
                        f.next()?;
                        f.next()?;
                        Temporal::EventuallyAlways(self.expr(f.next()?, 1)?)
                    }
                    Rule::always => {
                        f.next()?;
                        Temporal::Always(self.expr(f.next()?, 1)?)
                    }
                    Rule::eventually => {
                        f.next()?;
                        Temporal::Eventually(self.expr(f.next()?, 1)?)
                    }
                    Rule::leads_to => {
                        let p = self.expr(f.next()?, 1)?;
                        f.expect(Rule::kw_leads_to)?;
                        Temporal::LeadsTo(p, self.expr(f.next()?, 1)?)
                    }
                    _ => return Err(internal(at, "temporal formula")),
                };
                Item::Property(PropertyDecl {
                    name,
                    formula,
                    span: at,
                })
            }
            Rule::fairness_decl => {
                let strength = match c.take(Rule::fair_strength) {
                    Some(s) => match Children::of(s).next()?.as_rule() {
                        Rule::kw_strong => Fairness::Strong,
                        _ => Fairness::Weak,
                    },
                    None => Fairness::Weak,
                };
                let targets = c.rest().map(|t| self.fair_target(t)).collect::<Res<_>>()?;
                Item::Fairness(FairnessDecl {
                    strength,
                    targets,
                    span: at,
                })
            }
            Rule::terminal_decl => {
                c.expect(Rule::kw_when)?;
                Item::Terminal(TerminalDecl {
                    cond: self.expr(c.next()?, 1)?,
                    span: at,
                })
            }
            Rule::constraint_decl => Item::Constraint(ConstraintDecl {
                cond: self.expr(c.next()?, 1)?,
                span: at,
            }),
            Rule::choreography_decl => Item::Choreography(ChoreographyDecl {
                name: self.ident(&c.expect(Rule::ident)?),
                body: self.chor_block(c.expect(Rule::chor_block)?, 1)?,
                span: at,
            }),
            _ => return Err(internal(at, "declaration")),
        })
    }

    fn var_decl(&self, pair: Pair<'_, Rule>) -> Res<VarDecl> {
        let at = self.span(&pair);
        let mut c = Children::of(pair);
        let persistent = c.take(Rule::kw_persistent).map(|k| self.span(&k));
        c.expect(Rule::kw_var)?;
        Ok(VarDecl {
            persistent,
            name: self.ident(&c.expect(Rule::ident)?),
            ty: self.type_expr(c.expect(Rule::type_expr)?, 1)?,
            init: self.expr(c.next()?, 1)?,
            span: at,
        })
    }

    fn field_decl(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<FieldDecl> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let mut c = Children::of(pair);
        Ok(FieldDecl {
            name: self.ident(&c.expect(Rule::ident)?),
            ty: self.type_expr(c.expect(Rule::type_expr)?, depth + 1)?,
            span: at,
        })
    }

    fn fair_target(&self, pair: Pair<'_, Rule>) -> Res<FairTarget> {
        let target = Children::of(pair).next()?;
        let at = self.span(&target);
        let rule = target.as_rule();
        let mut c = Children::of(target);
        Ok(match rule {
            Rule::fair_delivery => {
                c.expect(Rule::kw_delivery)?;
                FairTarget::Delivery {
                    message: c.take(Rule::ident).map(|m| self.ident(&m)),
                    span: at,
                }
            }
            Rule::fair_receive => {
                let role = self.ident(&c.expect(Rule::ident)?);
                c.expect(Rule::kw_receive)?;
                FairTarget::Receive {
                    role,
                    message: c.take(Rule::ident).map(|m| self.ident(&m)),
                    span: at,
                }
            }
            Rule::fair_step => FairTarget::Step {
                role: self.ident(&c.expect(Rule::ident)?),
                step: self.ident(&c.expect(Rule::ident)?),
                span: at,
            },
            Rule::fair_role => FairTarget::Role {
                role: self.ident(&c.expect(Rule::ident)?),
                span: at,
            },
            _ => return Err(internal(at, "fairness target")),
        })
    }

    // ---------------------------------------------------------------- steps

    fn step(&self, mut c: Children<'_>, at: Span) -> Res<StepDecl> {
        let role = self.ident(&c.expect(Rule::ident)?);
        let binder = match c.take(Rule::step_binder) {
            Some(b) => Some(self.ident(&Children::of(b).expect(Rule::ident)?)),
            None => None,
        };
        let trigger_pair = c.next()?;
        let trigger_span = self.span(&trigger_pair);
        let trigger = match trigger_pair.as_rule() {
            Rule::spontaneous_trigger => {
                let mut t = Children::of(trigger_pair);
                let kind = t.next()?.as_rule();
                let name = self.ident(&t.expect(Rule::ident)?);
                if kind == Rule::kw_timeout {
                    Trigger::Timeout { name }
                } else {
                    Trigger::Step { name }
                }
            }
            Rule::receive_trigger | Rule::receive_trigger_fields => {
                let mut t = Children::of(trigger_pair);
                t.expect(Rule::kw_receive)?;
                let message = self.ident(&t.expect(Rule::ident)?);
                let mut fields = Vec::new();
                while let Some(field) = t.take(Rule::field_pattern) {
                    fields.push(self.field_pattern(field)?);
                }
                let mut from = None;
                if let Some(f) = t.take(Rule::receive_from) {
                    let mut f = Children::of(f);
                    f.expect(Rule::kw_from)?;
                    from = Some(self.ident(&f.expect(Rule::ident)?));
                }
                let mut name = None;
                if let Some(a) = t.take(Rule::receive_as) {
                    let mut a = Children::of(a);
                    a.expect(Rule::kw_as)?;
                    name = Some(self.ident(&a.expect(Rule::ident)?));
                }
                Trigger::Receive(ReceivePattern {
                    message,
                    fields,
                    from,
                    name,
                    span: trigger_span,
                })
            }
            _ => return Err(internal(trigger_span, "step trigger")),
        };
        let guard = match c.take(Rule::guard) {
            Some(g) => {
                let mut g = Children::of(g);
                g.expect(Rule::kw_when)?;
                Some(self.expr(g.next()?, 1)?)
            }
            None => None,
        };
        let body = self.block(c.expect(Rule::block)?, 1)?;
        Ok(StepDecl {
            role,
            binder,
            trigger,
            guard,
            body,
            span: at,
        })
    }

    fn field_pattern(&self, pair: Pair<'_, Rule>) -> Res<FieldPattern> {
        let at = self.span(&pair);
        let mut c = Children::of(pair);
        let field = self.ident(&c.expect(Rule::ident)?);
        let pattern = match c.take(Rule::pattern) {
            None => Pattern::Bind(field.clone()),
            Some(p) => {
                let inner = Children::of(p).next()?;
                if inner.as_rule() == Rule::wildcard {
                    Pattern::Wildcard(self.span(&inner))
                } else {
                    let e = self.expr(inner, 2)?;
                    match e.kind {
                        // A bare name binds (or, as the resolver decides, must
                        // equal a constant); a parenthesised one is an
                        // expression, whose span covers the parentheses.
                        ExprKind::Name(name) if name.span == e.span => Pattern::Bind(name),
                        kind => Pattern::Equals(Expr { kind, span: e.span }),
                    }
                }
            }
        };
        Ok(FieldPattern {
            field,
            pattern,
            span: at,
        })
    }

    pub(super) fn block(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Block> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let stmts = Children::of(pair)
            .rest()
            .map(|s| self.stmt(s, depth + 1))
            .collect::<Res<_>>()?;
        Ok(Block { stmts, span: at })
    }

    fn stmt(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Stmt> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let rule = pair.as_rule();
        let mut c = Children::of(pair);
        let inner = depth + 1;
        let kind = match rule {
            Rule::assign_stmt => StmtKind::Assign {
                target: self.expr(c.next()?, inner)?,
                value: self.expr(c.next()?, inner)?,
            },
            Rule::let_stmt => {
                c.expect(Rule::kw_let)?;
                StmtKind::Let {
                    name: self.ident(&c.expect(Rule::ident)?),
                    value: self.expr(c.next()?, inner)?,
                }
            }
            Rule::choose_stmt => {
                c.expect(Rule::kw_choose)?;
                let name = self.ident(&c.expect(Rule::ident)?);
                c.expect(Rule::kw_in)?;
                let set = self.expr(c.next()?, inner)?;
                let filter = match c.take(Rule::kw_where) {
                    Some(_) => Some(self.expr(c.next()?, inner)?),
                    None => None,
                };
                StmtKind::Choose { name, set, filter }
            }
            Rule::if_stmt => return self.if_stmt(c, at, depth),
            Rule::for_stmt => {
                c.expect(Rule::kw_for)?;
                let name = self.ident(&c.expect(Rule::ident)?);
                c.expect(Rule::kw_in)?;
                StmtKind::For {
                    name,
                    set: self.expr(c.next()?, inner)?,
                    body: self.block(c.expect(Rule::block)?, inner)?,
                }
            }
            Rule::send_stmt | Rule::broadcast_stmt => {
                c.next()?;
                let message = self.message_expr(c.expect(Rule::message_expr)?, inner)?;
                c.expect(Rule::kw_to)?;
                let to = self.expr(c.next()?, inner)?;
                if rule == Rule::send_stmt {
                    StmtKind::Send { message, to }
                } else {
                    StmtKind::Broadcast { message, to }
                }
            }
            Rule::reply_stmt => {
                c.expect(Rule::kw_reply)?;
                StmtKind::Reply {
                    message: self.message_expr(c.expect(Rule::message_expr)?, inner)?,
                }
            }
            Rule::assert_stmt => {
                c.expect(Rule::kw_assert)?;
                let cond = self.expr(c.next()?, inner)?;
                // The grammar allows no escapes in strings (a string is every
                // character up to the next quote on its line), so the message is
                // the literal without its quotes.
                let message = c.take(Rule::string_lit).map(|s| {
                    let text = s.as_str();
                    text.get(1..text.len().saturating_sub(1))
                        .unwrap_or_default()
                        .to_owned()
                });
                StmtKind::Assert { cond, message }
            }
            Rule::skip_stmt => StmtKind::Skip,
            _ => return Err(internal(at, "statement")),
        };
        Ok(Stmt { kind, span: at })
    }

    /// `if c {..} else if d {..} else {..}`: the grammar lists the `else if`
    /// arms; the AST nests each in the `else` block of the one before.
    fn if_stmt(&self, mut c: Children<'_>, at: Span, depth: usize) -> Res<Stmt> {
        c.expect(Rule::kw_if)?;
        let cond = c.next()?;
        let then = c.expect(Rule::block)?;
        let mut arms = vec![(at, cond, then)];
        let mut otherwise = None;
        for pair in c.rest() {
            match pair.as_rule() {
                Rule::else_if => {
                    let end = self.span(&pair).end;
                    let mut e = Children::of(pair);
                    e.expect(Rule::kw_else)?;
                    let start = self.span(&e.expect(Rule::kw_if)?).start;
                    let cond = e.next()?;
                    let arm_span = Span { start, end };
                    arms.push((arm_span, cond, e.expect(Rule::block)?));
                }
                Rule::kw_else => {}
                Rule::block => otherwise = Some(pair),
                _ => return Err(internal(self.span(&pair), "else branch")),
            }
        }
        // Arm i is a statement at depth + 2i (each sits in the else block of the
        // one before); the deepest is checked first so that nothing is built for
        // a chain that is too long.
        let last = arms.len() - 1;
        check_depth(depth + 2 * last, arms[last].0)?;
        let mut otherwise = match otherwise {
            Some(b) => Some(self.block(b, depth + 2 * last + 1)?),
            None => None,
        };
        let end = at.end;
        for (i, (arm_span, cond, then)) in arms.into_iter().enumerate().rev() {
            let arm_depth = depth + 2 * i;
            let stmt = Stmt {
                kind: StmtKind::If {
                    cond: self.expr(cond, arm_depth + 1)?,
                    then: self.block(then, arm_depth + 1)?,
                    otherwise: otherwise.take(),
                },
                span: Span {
                    start: arm_span.start,
                    end,
                },
            };
            if i == 0 {
                return Ok(stmt);
            }
            // The `else` block that holds this arm spans the arm itself.
            otherwise = Some(Block {
                span: stmt.span,
                stmts: vec![stmt],
            });
        }
        Err(internal(at, "if statement"))
    }

    pub(super) fn message_expr(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<MessageExpr> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let mut c = Children::of(pair);
        let name = self.ident(&c.expect(Rule::ident)?);
        let fields = c
            .rest()
            .map(|f| self.field_init(f, depth + 1))
            .collect::<Res<_>>()?;
        Ok(MessageExpr {
            name,
            fields,
            span: at,
        })
    }

    pub(super) fn field_init(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<FieldInit> {
        let at = self.span(&pair);
        let mut c = Children::of(pair);
        let name = self.ident(&c.expect(Rule::ident)?);
        let value = match c.next() {
            Ok(value) => self.expr(value, depth)?,
            // `field` alone means `field: field`.
            Err(_) => Expr {
                kind: ExprKind::Name(name.clone()),
                span: name.span,
            },
        };
        Ok(FieldInit {
            name,
            value,
            span: at,
        })
    }

    // ---------------------------------------------------------------- choreographies

    fn chor_block(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<ChorBlock> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let stmts = Children::of(pair)
            .rest()
            .map(|s| self.chor_stmt(s, depth + 1))
            .collect::<Res<_>>()?;
        Ok(ChorBlock { stmts, span: at })
    }

    fn chor_stmt(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<ChorStmt> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let rule = pair.as_rule();
        let mut c = Children::of(pair);
        let inner = depth + 1;
        let kind = match rule {
            Rule::chor_interact => ChorStmtKind::Interact {
                from: self.expr(c.next()?, inner)?,
                to: self.expr(c.next()?, inner)?,
                message: self.message_expr(c.expect(Rule::message_expr)?, inner)?,
                timeout: match c.take(Rule::chor_timeout) {
                    Some(t) => Some(self.chor_timeout(t, inner)?),
                    None => None,
                },
            },
            Rule::chor_local => {
                c.expect(Rule::kw_at)?;
                ChorStmtKind::Local {
                    at: self.expr(c.next()?, inner)?,
                    body: self.block(c.expect(Rule::block)?, inner)?,
                }
            }
            Rule::chor_if => return self.chor_if(c, at, depth),
            Rule::chor_for => {
                c.expect(Rule::kw_for)?;
                let name = self.ident(&c.expect(Rule::ident)?);
                c.expect(Rule::kw_in)?;
                ChorStmtKind::For {
                    name,
                    set: self.expr(c.next()?, inner)?,
                    body: self.chor_block(c.expect(Rule::chor_block)?, inner)?,
                    timeout: match c.take(Rule::chor_timeout) {
                        Some(t) => Some(self.chor_timeout(t, inner)?),
                        None => None,
                    },
                }
            }
            Rule::chor_interrupt => {
                c.expect(Rule::kw_interruptible)?;
                let body = self.chor_block(c.expect(Rule::chor_block)?, inner)?;
                let h = c.expect(Rule::chor_handler)?;
                let span = self.span(&h);
                let mut h = Children::of(h);
                h.expect(Rule::kw_on)?;
                h.expect(Rule::kw_timeout)?;
                h.expect(Rule::kw_at)?;
                let member = self.ident(&h.expect(Rule::ident)?);
                h.expect(Rule::kw_in)?;
                let set = self.ident(&h.expect(Rule::ident)?);
                let cond = match h.take(Rule::kw_when) {
                    Some(_) => Some(self.expr(h.next()?, inner)?),
                    None => None,
                };
                let handler = ChorHandler {
                    member,
                    set,
                    cond,
                    body: self.chor_block(h.expect(Rule::chor_block)?, inner)?,
                    span,
                };
                ChorStmtKind::Interruptible { body, handler }
            }
            Rule::chor_loop => {
                c.expect(Rule::kw_loop)?;
                ChorStmtKind::Loop {
                    body: self.chor_block(c.expect(Rule::chor_block)?, inner)?,
                }
            }
            _ => return Err(internal(at, "choreography statement")),
        };
        Ok(ChorStmt { kind, span: at })
    }

    /// `timeout at B { ... }`.
    fn chor_timeout(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<ChorTimeout> {
        let span = self.span(&pair);
        check_depth(depth, span)?;
        let mut c = Children::of(pair);
        c.expect(Rule::kw_timeout)?;
        c.expect(Rule::kw_at)?;
        Ok(ChorTimeout {
            at: self.expr(c.next()?, depth + 1)?,
            body: self.block(c.expect(Rule::block)?, depth + 1)?,
            span,
        })
    }

    /// `if at A: c {..} else if at B: d {..} else {..}`, nested like [`Self::if_stmt`].
    fn chor_if(&self, mut c: Children<'_>, at: Span, depth: usize) -> Res<ChorStmt> {
        type Arm<'i> = (Span, Pair<'i, Rule>, Pair<'i, Rule>, Pair<'i, Rule>);
        fn arm<'i>(c: &mut Children<'i>, arm_span: Span) -> Res<Arm<'i>> {
            c.expect(Rule::kw_if)?;
            c.expect(Rule::kw_at)?;
            let who = c.next()?;
            let cond = c.next()?;
            Ok((arm_span, who, cond, c.expect(Rule::chor_block)?))
        }
        let mut arms = vec![arm(&mut c, at)?];
        let mut otherwise = None;
        for pair in c.rest() {
            match pair.as_rule() {
                Rule::chor_else_if => {
                    let end = self.span(&pair).end;
                    let mut e = Children::of(pair);
                    e.expect(Rule::kw_else)?;
                    let start = e.peek_span().map_or(end, |s| s.start);
                    arms.push(arm(&mut e, Span { start, end })?);
                }
                Rule::kw_else => {}
                Rule::chor_block => otherwise = Some(pair),
                _ => return Err(internal(self.span(&pair), "else branch")),
            }
        }
        let last = arms.len() - 1;
        check_depth(depth + 2 * last, arms[last].0)?;
        let mut otherwise = match otherwise {
            Some(b) => Some(self.chor_block(b, depth + 2 * last + 1)?),
            None => None,
        };
        let end = at.end;
        for (i, (arm_span, who, cond, then)) in arms.into_iter().enumerate().rev() {
            let arm_depth = depth + 2 * i;
            let stmt = ChorStmt {
                kind: ChorStmtKind::If {
                    at: self.expr(who, arm_depth + 1)?,
                    cond: self.expr(cond, arm_depth + 1)?,
                    then: self.chor_block(then, arm_depth + 1)?,
                    otherwise: otherwise.take(),
                },
                span: Span {
                    start: arm_span.start,
                    end,
                },
            };
            if i == 0 {
                return Ok(stmt);
            }
            otherwise = Some(ChorBlock {
                span: stmt.span,
                stmts: vec![stmt],
            });
        }
        Err(internal(at, "choreography if"))
    }

    // ---------------------------------------------------------------- types

    pub(super) fn type_expr(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<TypeExpr> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let ty = Children::of(pair).next()?;
        let rule = ty.as_rule();
        let mut c = Children::of(ty);
        let inner = depth + 1;
        let kind = match rule {
            Rule::named_type => TypeExprKind::Named(self.ident(&c.expect(Rule::ident)?)),
            Rule::range_type => TypeExprKind::Range(
                Box::new(self.expr(c.next()?, inner)?),
                Box::new(self.expr(c.next()?, inner)?),
            ),
            Rule::enum_type => TypeExprKind::Enum(c.rest().map(|v| self.ident(&v)).collect()),
            Rule::set_type => TypeExprKind::Set(Box::new(self.type_expr(c.next()?, inner)?)),
            Rule::seq_type => {
                let elem = self.type_expr(c.next()?, inner)?;
                let bound = match c.next() {
                    Ok(bound) => Some(Box::new(self.expr(bound, inner)?)),
                    Err(_) => None,
                };
                TypeExprKind::Seq(Box::new(elem), bound)
            }
            Rule::map_type => TypeExprKind::Map(
                Box::new(self.type_expr(c.next()?, inner)?),
                Box::new(self.type_expr(c.next()?, inner)?),
            ),
            Rule::record_type => TypeExprKind::Record(
                c.rest()
                    .map(|f| self.field_decl(f, inner))
                    .collect::<Res<_>>()?,
            ),
            Rule::tuple_type => TypeExprKind::Tuple(
                c.rest()
                    .map(|t| self.type_expr(t, inner))
                    .collect::<Res<_>>()?,
            ),
            Rule::option_type => TypeExprKind::Option(Box::new(self.type_expr(c.next()?, inner)?)),
            _ => return Err(internal(at, "type")),
        };
        Ok(TypeExpr { kind, span: at })
    }
}
