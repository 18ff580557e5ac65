//! pest pairs to expressions.
//!
//! The grammar has one rule per precedence level, so `x` alone is a chain
//! of a dozen single-child pairs (expr, implies, ..., postfix, primary).
//! [`expr`] walks down such chains in a loop and recurses only where the
//! tree nests. Operator chains are folded here: `=>` from the right, `and`
//! and `or` into balanced trees, every other operator from the left.

use pest::iterators::Pair;

use crate::ast::*;
use crate::diagnostic::Diagnostic;

use super::Rule;
use super::build::{Builder, Children, Res, check_depth, internal};

impl Builder<'_> {
    /// Builds the expression of `pair` (any rule from `expr` down to `primary`,
    /// or a primary form) as a node at `depth`.
    pub fn expr(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        let mut pair = pair;
        loop {
            let at = self.span(&pair);
            check_depth(depth, at)?;
            let rule = pair.as_rule();
            match rule {
                // Precedence levels with nothing but their single operand.
                Rule::expr | Rule::primary | Rule::postfix_op => {
                    pair = Children::of(pair).next()?;
                }
                Rule::range => {
                    let mut c = Children::of(pair.clone());
                    let lo = c.next()?;
                    let Ok(hi) = c.next() else {
                        pair = lo;
                        continue;
                    };
                    let lo = self.expr(lo, depth + 1)?;
                    let hi = self.expr(hi, depth + 1)?;
                    return Ok(Expr {
                        kind: ExprKind::Range(Box::new(lo), Box::new(hi)),
                        span: at,
                    });
                }
                Rule::implies
                | Rule::iff
                | Rule::or_expr
                | Rule::and_expr
                | Rule::sum
                | Rule::product
                | Rule::comparison => {
                    let mut children = pair.clone().into_inner();
                    let first = children
                        .next()
                        .ok_or_else(|| internal(at, "an operand is missing"))?;
                    if children.next().is_none() {
                        pair = first;
                        continue;
                    }
                    return self.binary_chain(pair, depth);
                }
                Rule::not_expr | Rule::unary => {
                    let children: Vec<_> = pair.clone().into_inner().collect();
                    if children.len() == 1 {
                        pair = Children::of(pair).next()?;
                        continue;
                    }
                    return self.prefix(children, depth);
                }
                Rule::postfix | Rule::assign_target => {
                    let children: Vec<_> = pair.clone().into_inner().collect();
                    if children.len() == 1 {
                        pair = Children::of(pair).next()?;
                        continue;
                    }
                    return self.postfix(children, depth);
                }
                _ => return self.primary(pair, depth),
            }
        }
    }

    fn binop(&self, pair: &Pair<'_, Rule>) -> Res<BinaryOp> {
        // Operator rules such as cmp_op wrap the specific operator.
        let op = match pair.as_rule() {
            Rule::cmp_op | Rule::sum_op | Rule::product_op => Children::of(pair.clone()).next()?,
            _ => pair.clone(),
        };
        Ok(match op.as_rule() {
            Rule::op_implies => BinaryOp::Implies,
            Rule::op_iff => BinaryOp::Iff,
            Rule::kw_or => BinaryOp::Or,
            Rule::kw_and => BinaryOp::And,
            Rule::op_eq => BinaryOp::Eq,
            Rule::op_ne => BinaryOp::Ne,
            Rule::op_le => BinaryOp::Le,
            Rule::op_ge => BinaryOp::Ge,
            Rule::op_lt => BinaryOp::Lt,
            Rule::op_gt => BinaryOp::Gt,
            Rule::op_not_in => BinaryOp::NotIn,
            Rule::kw_in => BinaryOp::In,
            Rule::kw_subset => BinaryOp::Subset,
            Rule::op_concat => BinaryOp::Concat,
            Rule::op_add => BinaryOp::Add,
            Rule::op_sub => BinaryOp::Sub,
            Rule::op_mul => BinaryOp::Mul,
            Rule::op_div => BinaryOp::Div,
            Rule::op_mod => BinaryOp::Mod,
            Rule::op_inter => BinaryOp::Inter,
            _ => return Err(internal(self.span(&op), "binary operator")),
        })
    }

    fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        Expr {
            span: lhs.span.to(rhs.span),
            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
        }
    }

    /// `a op b op c ...` at one precedence level, with at least one operator.
    fn binary_chain(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        let rule = pair.as_rule();
        let mut operands = Vec::new();
        let mut ops = Vec::new();
        for (i, child) in pair.into_inner().enumerate() {
            if i % 2 == 0 {
                operands.push(child);
            } else {
                ops.push((self.binop(&child)?, self.span(&child)));
            }
        }
        if operands.len() != ops.len() + 1 {
            return Err(internal(
                ops.last().map_or(Span::DETACHED, |o| o.1),
                "an operand is missing",
            ));
        }
        let n = operands.len();
        match rule {
            Rule::and_expr | Rule::or_expr => {
                let op = ops[0].0;
                self.balanced(op, operands, depth)
            }
            Rule::implies => {
                // Right fold: operator k (from 0) sits at depth + k, its left
                // operand one deeper; the last operand sits with the last left one.
                check_depth(depth + n - 1, ops[ops.len() - 1].1)?;
                let mut operands = operands.into_iter().enumerate().rev();
                let (_, last) = operands
                    .next()
                    .ok_or_else(|| internal(Span::DETACHED, "an operand is missing"))?;
                let mut acc = self.expr(last, depth + n - 1)?;
                for (k, operand) in operands {
                    let lhs = self.expr(operand, depth + k + 1)?;
                    acc = Self::binary(ops[k].0, lhs, acc);
                }
                Ok(acc)
            }
            _ => {
                // Left fold: operator k (from 0) sits at depth + n - 2 - k, the
                // first operand at depth + n - 1 and operand i >= 1 at
                // depth + n - i.
                check_depth(depth + n - 1, ops[0].1)?;
                let mut operands = operands.into_iter().enumerate();
                let (_, first) = operands
                    .next()
                    .ok_or_else(|| internal(Span::DETACHED, "an operand is missing"))?;
                let mut acc = self.expr(first, depth + n - 1)?;
                for (i, operand) in operands {
                    let rhs = self.expr(operand, depth + n - i)?;
                    acc = Self::binary(ops[i - 1].0, acc, rhs);
                }
                Ok(acc)
            }
        }
    }

    /// `a and b and c ...` as a balanced tree: `(a and b) and (c and d)`. Both
    /// `and` and `or` are associative, short-circuit evaluation included, so the
    /// shape does not change the meaning, and a chain of n terms is only about
    /// log2(n) levels deep.
    fn balanced(&self, op: BinaryOp, mut operands: Vec<Pair<'_, Rule>>, depth: usize) -> Res<Expr> {
        let at = operands.first().map_or(Span::DETACHED, |p| self.span(p));
        check_depth(depth, at)?;
        if operands.len() == 1 {
            let only = operands
                .pop()
                .ok_or_else(|| internal(at, "an operand is missing"))?;
            return self.expr(only, depth);
        }
        let right = operands.split_off(operands.len() / 2);
        let lhs = self.balanced(op, operands, depth + 1)?;
        let rhs = self.balanced(op, right, depth + 1)?;
        Ok(Self::binary(op, lhs, rhs))
    }

    /// `not not x` or `- - x`: prefix operators, then the operand.
    fn prefix(&self, children: Vec<Pair<'_, Rule>>, depth: usize) -> Res<Expr> {
        let n = children.len() - 1;
        let mut children = children.into_iter();
        let ops: Vec<(UnaryOp, Span)> = children
            .by_ref()
            .take(n)
            .map(|op| {
                let kind = if op.as_rule() == Rule::kw_not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                (kind, self.span(&op))
            })
            .collect();
        check_depth(depth + n, ops[ops.len() - 1].1)?;
        let operand = children
            .next()
            .ok_or_else(|| internal(Span::DETACHED, "an operand is missing"))?;
        let mut acc = self.expr(operand, depth + n)?;
        for (op, op_span) in ops.into_iter().rev() {
            acc = Expr {
                span: op_span.to(acc.span),
                kind: ExprKind::Unary(op, Box::new(acc)),
            };
        }
        Ok(acc)
    }

    /// `e.f`, `e.0`, `e[i]`, `e with [...]`, `e with {...}` applied in order.
    fn postfix(&self, children: Vec<Pair<'_, Rule>>, depth: usize) -> Res<Expr> {
        let n = children.len() - 1;
        let mut children = children.into_iter();
        let primary = children
            .next()
            .ok_or_else(|| internal(Span::DETACHED, "an operand is missing"))?;
        let start = self.span(&primary).start;
        check_depth(depth + n, self.span(&primary))?;
        let mut acc = self.expr(primary, depth + n)?;
        for (j, op) in children.enumerate() {
            // Operator j (from 0) makes a node at depth + n - 1 - j.
            let node_depth = depth + n - 1 - j;
            let op_span = self.span(&op);
            let op = Children::of(op).next()?;
            let whole = Span {
                start,
                end: op_span.end,
            };
            let kind = match op.as_rule() {
                Rule::field_access => {
                    let field = Children::of(op).next()?;
                    if field.as_rule() == Rule::tuple_index {
                        let index = field.as_str().parse::<u32>().map_err(|_| {
                            Diagnostic::error(self.span(&field), "tuple index too large")
                                .with_label("tuples have far fewer components")
                        })?;
                        ExprKind::TupleIndex(Box::new(acc), index, self.span(&field))
                    } else {
                        ExprKind::Field(Box::new(acc), self.ident(&field))
                    }
                }
                Rule::index_access => {
                    let index = self.expr(Children::of(op).next()?, node_depth + 1)?;
                    ExprKind::Index(Box::new(acc), Box::new(index))
                }
                Rule::with_index => {
                    let mut c = Children::of(op);
                    c.expect(Rule::kw_with)?;
                    let entries = c
                        .rest()
                        .map(|e| self.map_entry(e, node_depth + 1))
                        .collect::<Res<_>>()?;
                    ExprKind::WithIndex(Box::new(acc), entries)
                }
                Rule::with_fields => {
                    let mut c = Children::of(op);
                    c.expect(Rule::kw_with)?;
                    let fields = c
                        .rest()
                        .map(|f| self.field_init(f, node_depth + 1))
                        .collect::<Res<_>>()?;
                    ExprKind::WithFields(Box::new(acc), fields)
                }
                _ => return Err(internal(op_span, "postfix operator")),
            };
            acc = Expr { kind, span: whole };
        }
        Ok(acc)
    }

    fn map_entry(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<(Expr, Expr)> {
        let mut c = Children::of(pair);
        Ok((self.expr(c.next()?, depth)?, self.expr(c.next()?, depth)?))
    }

    fn binders<'i>(&self, c: &mut Children<'i>, depth: usize) -> Res<Vec<Binder>> {
        let mut binders = Vec::new();
        while let Some(b) = c.take(Rule::binder) {
            binders.push(self.binder(b, depth)?);
        }
        Ok(binders)
    }

    fn binder(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Binder> {
        let at = self.span(&pair);
        let mut names = Vec::new();
        let mut c = Children::of(pair);
        while let Some(name) = c.take(Rule::ident) {
            names.push(self.ident(&name));
        }
        c.expect(Rule::kw_in)?;
        Ok(Binder {
            names,
            set: self.expr(c.next()?, depth)?,
            span: at,
        })
    }

    /// A primary form: literals, names, calls, quantifiers, `if`, `let` and the
    /// bracketed forms.
    fn primary(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        let at = self.span(&pair);
        let rule = pair.as_rule();
        let inner = depth + 1;
        let kind = match rule {
            Rule::int_lit => match pair.as_str().parse::<i64>() {
                Ok(n) => ExprKind::Int(n),
                Err(_) => {
                    return Err(Diagnostic::error(at, "integer literal too large")
                        .with_label(format!("the largest integer is {}", i64::MAX)));
                }
            },
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::ident => ExprKind::Name(self.ident(&pair)),
            Rule::call => {
                let mut c = Children::of(pair);
                let name = self.ident(&c.expect(Rule::ident)?);
                let args = c.rest().map(|a| self.expr(a, inner)).collect::<Res<_>>()?;
                ExprKind::Call(name, args)
            }
            Rule::quant => {
                let mut c = Children::of(pair);
                let quantifier = match c.next()?.as_rule() {
                    Rule::kw_forall => Quantifier::Forall,
                    Rule::kw_exists => Quantifier::Exists,
                    _ => Quantifier::Sum,
                };
                let binders = self.binders(&mut c, inner)?;
                let body = self.expr(c.next()?, inner)?;
                ExprKind::Quant {
                    quantifier,
                    binders,
                    body: Box::new(body),
                }
            }
            Rule::if_expr => {
                let mut c = Children::of(pair);
                c.expect(Rule::kw_if)?;
                let cond = self.expr(c.next()?, inner)?;
                c.expect(Rule::kw_then)?;
                let then = self.expr(c.next()?, inner)?;
                c.expect(Rule::kw_else)?;
                let otherwise = self.expr(c.next()?, inner)?;
                ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise))
            }
            Rule::let_expr => {
                let mut c = Children::of(pair);
                c.expect(Rule::kw_let)?;
                let name = self.ident(&c.expect(Rule::ident)?);
                let value = self.expr(c.next()?, inner)?;
                c.expect(Rule::kw_in)?;
                let body = self.expr(c.next()?, inner)?;
                ExprKind::Let(name, Box::new(value), Box::new(body))
            }
            Rule::paren_expr => {
                let mut elems = Children::of(pair)
                    .rest()
                    .map(|e| self.expr(e, inner))
                    .collect::<Res<Vec<_>>>()?;
                if elems.len() == 1 {
                    // `(e)` is e itself, with a span that covers the parentheses.
                    let only = elems
                        .pop()
                        .ok_or_else(|| internal(at, "an element is missing"))?;
                    return Ok(Expr {
                        kind: only.kind,
                        span: at,
                    });
                }
                ExprKind::TupleLit(elems)
            }
            Rule::brace_expr => self.brace(pair, inner)?,
            Rule::bracket_expr => self.bracket(pair, inner)?,
            _ => return Err(internal(at, "expression")),
        };
        Ok(Expr { kind, span: at })
    }

    /// `{}`, `{a, b}`, `{x in S where P}`, `{e for x in S where P}`, `{f: e}`.
    fn brace(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<ExprKind> {
        let mut c = Children::of(pair);
        let Ok(first) = c.next() else {
            return Ok(ExprKind::SetLit(Vec::new()));
        };
        if first.as_rule() == Rule::record_fields {
            let mut fields = Vec::new();
            let mut f = Children::of(first);
            while let Some(name) = f.take(Rule::ident) {
                let name = self.ident(&name);
                let value = self.expr(f.next()?, depth)?;
                fields.push(FieldInit {
                    span: name.span.to(value.span),
                    name,
                    value,
                });
            }
            return Ok(ExprKind::RecordLit(fields));
        }
        let elem = self.expr(first, depth)?;
        let tail = c.next()?;
        let tail_rule = tail.as_rule();
        let tail_span = self.span(&tail);
        let mut t = Children::of(tail);
        Ok(match tail_rule {
            Rule::set_filter_tail => {
                let binder = in_binder(elem).map_err(|elem| {
                    Diagnostic::error(elem.span, "expected `name in set` before `where`")
                        .with_label("a set filter starts with `name in set`")
                        .with_note(
                            "help: a set filter is written `{ x in S where P }`; \
                             to map a set, write `{ e for x in S where P }`",
                        )
                })?;
                t.expect(Rule::kw_where)?;
                let cond = self.expr(t.next()?, depth)?;
                ExprKind::SetFilter {
                    binder: Box::new(binder),
                    cond: Box::new(cond),
                }
            }
            Rule::set_map_tail => {
                t.expect(Rule::kw_for)?;
                let binders = self.binders(&mut t, depth)?;
                let cond = match t.take(Rule::kw_where) {
                    Some(_) => Some(Box::new(self.expr(t.next()?, depth)?)),
                    None => None,
                };
                ExprKind::SetMap {
                    elem: Box::new(elem),
                    binders,
                    cond,
                }
            }
            Rule::set_rest => {
                let mut elems = vec![elem];
                for e in t.rest() {
                    elems.push(self.expr(e, depth)?);
                }
                ExprKind::SetLit(elems)
            }
            _ => return Err(internal(tail_span, "set expression")),
        })
    }

    /// `[]`, `[a, b]`, `[k -> v, ...]`, `[x in S -> e]`.
    fn bracket(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<ExprKind> {
        let mut c = Children::of(pair);
        let Ok(first) = c.next() else {
            return Ok(ExprKind::SeqLit(Vec::new()));
        };
        let first = self.expr(first, depth)?;
        let tail = c.next()?;
        let tail_rule = tail.as_rule();
        let tail_span = self.span(&tail);
        let mut t = Children::of(tail);
        Ok(match tail_rule {
            Rule::map_tail => {
                let value = self.expr(t.next()?, depth)?;
                let more = t
                    .rest()
                    .map(|e| self.map_entry(e, depth))
                    .collect::<Res<Vec<_>>>()?;
                if !more.is_empty() {
                    let mut entries = vec![(first, value)];
                    entries.extend(more);
                    return Ok(ExprKind::MapLit(entries));
                }
                match in_binder(first) {
                    Ok(binder) => ExprKind::MapComp {
                        binder: Box::new(binder),
                        value: Box::new(value),
                    },
                    Err(key) => ExprKind::MapLit(vec![(key, value)]),
                }
            }
            Rule::seq_tail => {
                let mut elems = vec![first];
                for e in t.rest() {
                    elems.push(self.expr(e, depth)?);
                }
                ExprKind::SeqLit(elems)
            }
            _ => return Err(internal(tail_span, "sequence or map")),
        })
    }
}

/// `x in S`, unparenthesised, as a binder; the expression back otherwise.
fn in_binder(e: Expr) -> Result<Binder, Expr> {
    let whole = e.span;
    let ExprKind::Binary(BinaryOp::In, lhs, set) = e.kind else {
        return Err(e);
    };
    // A parenthesised comparison or name has a span wider than its parts.
    let bare = whole.start == lhs.span.start && whole.end == set.span.end;
    match lhs.kind {
        ExprKind::Name(name) if bare && name.span == lhs.span => Ok(Binder {
            names: vec![name],
            set: *set,
            span: whole,
        }),
        kind => Err(Expr {
            kind: ExprKind::Binary(
                BinaryOp::In,
                Box::new(Expr {
                    kind,
                    span: lhs.span,
                }),
                set,
            ),
            span: whole,
        }),
    }
}
