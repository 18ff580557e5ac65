//! pest pairs to expressions.
//!
//! The grammar gives an expression as a flat sequence of prefix operators,
//! operands and infix operators. [`Builder::expr`] applies precedence in
//! three steps, none of which recurses once per operator:
//!
//! 1. a shunting-yard pass turns the sequence into a skeleton (a tree of
//!    indices, not yet of expressions), folding `=>` from the right, chains
//!    of `and` and of `or` into one n-ary node each, and every other
//!    operator from the left, and rejecting chained comparisons and a
//!    `not` that needs parentheses;
//! 2. a walk with an explicit stack gives every skeleton node its depth and
//!    fails at the first one deeper than [`MAX_NESTING`](super::MAX_NESTING),
//!    before any expression is built (so a million `+` cost no recursion);
//! 3. the expressions are built bottom-up, `and` and `or` chains as
//!    balanced trees.

use pest::iterators::Pair;

use crate::ast::*;
use crate::diagnostic::Diagnostic;

use super::Rule;
use super::build::{Builder, Children, Res, check_depth, internal};

/// Binding strength, loosest first. Prefix operators have levels of their
/// own, so an infix operator never ties with one.
const IMPLIES: u8 = 1;
const IFF: u8 = 2;
const OR: u8 = 3;
const AND: u8 = 4;
const NOT: u8 = 5;
const COMPARE: u8 = 6;
const RANGE: u8 = 7;
const SUM: u8 = 8;
const PRODUCT: u8 = 9;
const NEG: u8 = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    /// `a == b == c` and `a..b..c` are errors.
    None,
}

/// An infix operator: what it builds, how tightly it binds, which way it
/// groups. `Range` builds [`ExprKind::Range`], the rest [`ExprKind::Binary`].
#[derive(Clone, Copy)]
struct Infix {
    op: Option<BinaryOp>,
    level: u8,
    assoc: Assoc,
    span: Span,
}

/// An operator waiting on the shunting-yard stack.
#[derive(Clone, Copy)]
enum Pending {
    Prefix(UnaryOp, Span),
    Infix(Infix),
}

impl Pending {
    fn level(self) -> u8 {
        match self {
            Pending::Prefix(UnaryOp::Not, _) => NOT,
            Pending::Prefix(UnaryOp::Neg, _) => NEG,
            Pending::Infix(infix) => infix.level,
        }
    }
}

/// A node of the skeleton; children are indices into the node list.
enum Node {
    /// An operand, by its index in the operand list.
    Leaf(usize),
    Unary(UnaryOp, Span, usize),
    /// `op` is `None` for `..`.
    Binary(Option<BinaryOp>, Span, usize, usize),
    /// `a and b and c ...` (or `or`), built as a balanced tree.
    Chain(BinaryOp, Vec<usize>),
}

fn infix(rule: Rule, span: Span) -> Option<Infix> {
    use Assoc::{Left, None as Non, Right};
    let (op, level, assoc) = match rule {
        Rule::op_implies => (Some(BinaryOp::Implies), IMPLIES, Right),
        Rule::op_iff => (Some(BinaryOp::Iff), IFF, Left),
        Rule::kw_or => (Some(BinaryOp::Or), OR, Left),
        Rule::kw_and => (Some(BinaryOp::And), AND, Left),
        Rule::op_eq => (Some(BinaryOp::Eq), COMPARE, Non),
        Rule::op_ne => (Some(BinaryOp::Ne), COMPARE, Non),
        Rule::op_le => (Some(BinaryOp::Le), COMPARE, Non),
        Rule::op_ge => (Some(BinaryOp::Ge), COMPARE, Non),
        Rule::op_lt => (Some(BinaryOp::Lt), COMPARE, Non),
        Rule::op_gt => (Some(BinaryOp::Gt), COMPARE, Non),
        Rule::op_not_in => (Some(BinaryOp::NotIn), COMPARE, Non),
        Rule::kw_in => (Some(BinaryOp::In), COMPARE, Non),
        Rule::kw_subset => (Some(BinaryOp::Subset), COMPARE, Non),
        Rule::op_range => (None, RANGE, Non),
        Rule::op_concat => (Some(BinaryOp::Concat), SUM, Left),
        Rule::op_add => (Some(BinaryOp::Add), SUM, Left),
        Rule::op_sub => (Some(BinaryOp::Sub), SUM, Left),
        Rule::op_mul => (Some(BinaryOp::Mul), PRODUCT, Left),
        Rule::op_div => (Some(BinaryOp::Div), PRODUCT, Left),
        Rule::op_mod => (Some(BinaryOp::Mod), PRODUCT, Left),
        Rule::op_inter => (Some(BinaryOp::Inter), PRODUCT, Left),
        _ => return None,
    };
    Some(Infix {
        op,
        level,
        assoc,
        span,
    })
}

fn symbol(infix: Infix) -> &'static str {
    infix.op.map_or("..", BinaryOp::symbol)
}

impl Builder<'_> {
    /// Builds the expression of `pair` (an `expr`, `range_expr`,
    /// `sum_expr`, `postfix` or `assign_target`) as a node at `depth`.
    pub fn expr(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        match pair.as_rule() {
            Rule::expr | Rule::range_expr | Rule::sum_expr => self.flat(pair, depth),
            Rule::postfix | Rule::assign_target => self.operand(pair, depth),
            _ => Err(internal(self.span(&pair), "expression")),
        }
    }

    /// A flat sequence of operators and operands.
    fn flat(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let mut children = pair.into_inner();
        let first = children
            .next()
            .ok_or_else(|| internal(at, "an operand is missing"))?;
        if first.as_rule() == Rule::postfix && children.peek().is_none() {
            return self.operand(first, depth);
        }

        // 1. Shunting-yard into a skeleton.
        let mut operands: Vec<Option<Pair<'_, Rule>>> = Vec::new();
        let mut nodes: Vec<Node> = Vec::new();
        let mut values: Vec<usize> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        // The infix operator before the current run of prefix operators, and
        // whether the run has had a `-`, to place `not` as the grammar did.
        let mut after: Option<Infix> = None;
        let mut run_has_neg = false;
        for child in std::iter::once(first).chain(children) {
            let span = self.span(&child);
            match child.as_rule() {
                Rule::postfix => {
                    nodes.push(Node::Leaf(operands.len()));
                    operands.push(Some(child));
                    values.push(nodes.len() - 1);
                    run_has_neg = false;
                }
                Rule::kw_not => {
                    if run_has_neg {
                        return Err(misplaced_not(span, "-"));
                    }
                    if let Some(before) = after
                        && before.level > NOT
                    {
                        return Err(misplaced_not(span, symbol(before)));
                    }
                    pending.push(Pending::Prefix(UnaryOp::Not, span));
                }
                Rule::op_neg => {
                    run_has_neg = true;
                    pending.push(Pending::Prefix(UnaryOp::Neg, span));
                }
                rule => {
                    let incoming = infix(rule, span).ok_or_else(|| internal(span, "operator"))?;
                    while let Some(&top) = pending.last() {
                        let level = top.level();
                        let reduce = level > incoming.level
                            || (level == incoming.level && incoming.assoc == Assoc::Left);
                        if level == incoming.level
                            && incoming.assoc == Assoc::None
                            && let Pending::Infix(before) = top
                        {
                            return Err(chained(before, incoming));
                        }
                        if !reduce {
                            break;
                        }
                        pending.pop();
                        reduce_one(top, &mut nodes, &mut values, at)?;
                    }
                    pending.push(Pending::Infix(incoming));
                    after = Some(incoming);
                }
            }
        }
        while let Some(top) = pending.pop() {
            reduce_one(top, &mut nodes, &mut values, at)?;
        }
        let root = match values.as_slice() {
            [root] => *root,
            _ => return Err(internal(at, "unbalanced operators")),
        };

        // 2. Depths, checked before anything is built.
        let mut operand_depth = vec![0; operands.len()];
        let mut todo = vec![(root, depth)];
        while let Some((node, d)) = todo.pop() {
            match &nodes[node] {
                Node::Leaf(i) => operand_depth[*i] = d,
                Node::Unary(_, span, x) => {
                    check_depth(d, *span)?;
                    todo.push((*x, d + 1));
                }
                Node::Binary(_, span, l, r) => {
                    check_depth(d, *span)?;
                    todo.push((*l, d + 1));
                    todo.push((*r, d + 1));
                }
                Node::Chain(_, items) => chain_depths(items, d, &mut todo),
            }
        }

        // 3. Build. The skeleton is at most MAX_NESTING deep now, so the
        // recursion is bounded; chains recurse about log2(n) deep.
        let mut ctx = Assemble {
            nodes: &nodes,
            operands,
            operand_depth,
        };
        self.assemble(&mut ctx, root, depth)
    }

    fn assemble(&self, ctx: &mut Assemble<'_, '_>, node: usize, depth: usize) -> Res<Expr> {
        let nodes = ctx.nodes;
        match &nodes[node] {
            Node::Leaf(i) => {
                let pair = ctx.operands[*i]
                    .take()
                    .ok_or_else(|| internal(Span::DETACHED, "an operand is used twice"))?;
                self.operand(pair, ctx.operand_depth[*i])
            }
            Node::Unary(op, span, x) => {
                let x = self.assemble(ctx, *x, depth + 1)?;
                Ok(Expr {
                    span: span.to(x.span),
                    kind: ExprKind::Unary(*op, Box::new(x)),
                })
            }
            Node::Binary(op, _, l, r) => {
                let l = self.assemble(ctx, *l, depth + 1)?;
                let r = self.assemble(ctx, *r, depth + 1)?;
                let span = l.span.to(r.span);
                let kind = match op {
                    Some(op) => ExprKind::Binary(*op, Box::new(l), Box::new(r)),
                    None => ExprKind::Range(Box::new(l), Box::new(r)),
                };
                Ok(Expr { kind, span })
            }
            Node::Chain(op, items) => self.balanced(ctx, *op, items, depth),
        }
    }

    /// `a and b and c ...` as a balanced tree: `(a and b) and (c and d)`.
    /// Both `and` and `or` are associative, short-circuit evaluation
    /// included, so the shape does not change the meaning, and a chain of n
    /// terms is only about log2(n) levels deep.
    fn balanced(
        &self,
        ctx: &mut Assemble<'_, '_>,
        op: BinaryOp,
        items: &[usize],
        depth: usize,
    ) -> Res<Expr> {
        match items {
            [] => Err(internal(Span::DETACHED, "an operand is missing")),
            [one] => self.assemble(ctx, *one, depth),
            _ => {
                let (left, right) = items.split_at(items.len() / 2);
                let l = self.balanced(ctx, op, left, depth + 1)?;
                let r = self.balanced(ctx, op, right, depth + 1)?;
                Ok(Expr {
                    span: l.span.to(r.span),
                    kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                })
            }
        }
    }

    /// An operand: a primary form followed by selectors (`.f`, `.0`, `[i]`,
    /// `with`), applied in order.
    fn operand(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
        let mut c = Children::of(pair);
        let head = c.next()?;
        let start = self.span(&head).start;
        let call_args = if head.as_rule() == Rule::ident {
            c.take(Rule::call_args)
        } else {
            None
        };
        let selectors: Vec<_> = c.rest().collect();
        let n = selectors.len();
        // Selector j (from 0) makes a node at depth + n - 1 - j; the primary
        // sits below them all.
        check_depth(depth + n, at)?;
        let mut acc = match call_args {
            Some(args) => {
                let name = self.ident(&head);
                let args_span = self.span(&args);
                let args = Children::of(args)
                    .rest()
                    .map(|a| self.expr(a, depth + n + 1))
                    .collect::<Res<_>>()?;
                Expr {
                    span: name.span.to(args_span),
                    kind: ExprKind::Call(name, args),
                }
            }
            None => self.primary(head, depth + n)?,
        };
        for (j, op) in selectors.into_iter().enumerate() {
            let node_depth = depth + n - 1 - j;
            let op_span = self.span(&op);
            let whole = Span {
                start,
                end: op_span.end,
            };
            let rule = op.as_rule();
            let mut c = Children::of(op);
            let kind = match rule {
                Rule::field_access => {
                    let field = c.next()?;
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
                    let index = self.expr(c.next()?, node_depth + 1)?;
                    ExprKind::Index(Box::new(acc), Box::new(index))
                }
                Rule::with_index => {
                    c.expect(Rule::kw_with)?;
                    let entries = c
                        .rest()
                        .map(|e| self.map_entry(e, node_depth + 1))
                        .collect::<Res<_>>()?;
                    ExprKind::WithIndex(Box::new(acc), entries)
                }
                Rule::with_fields => {
                    c.expect(Rule::kw_with)?;
                    let fields = c
                        .rest()
                        .map(|f| self.field_init(f, node_depth + 1))
                        .collect::<Res<_>>()?;
                    ExprKind::WithFields(Box::new(acc), fields)
                }
                _ => return Err(internal(op_span, "selector")),
            };
            acc = Expr { kind, span: whole };
        }
        Ok(acc)
    }

    fn map_entry(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<(Expr, Expr)> {
        let mut c = Children::of(pair);
        Ok((self.expr(c.next()?, depth)?, self.expr(c.next()?, depth)?))
    }

    fn binders(&self, c: &mut Children<'_>, depth: usize) -> Res<Vec<Binder>> {
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

    /// A primary form: literals, names, quantifiers, `if`, `let` and the
    /// bracketed forms. (Calls are recognised in [`Self::operand`].)
    fn primary(&self, pair: Pair<'_, Rule>, depth: usize) -> Res<Expr> {
        let at = self.span(&pair);
        check_depth(depth, at)?;
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
                    // `(e)` is e itself, with a span that covers the
                    // parentheses.
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

/// What step 3 builds from.
struct Assemble<'n, 'i> {
    nodes: &'n [Node],
    operands: Vec<Option<Pair<'i, Rule>>>,
    operand_depth: Vec<usize>,
}

/// Applies one operator from the shunting-yard stack to the values.
fn reduce_one(op: Pending, nodes: &mut Vec<Node>, values: &mut Vec<usize>, at: Span) -> Res<()> {
    let missing = || internal(at, "an operand is missing");
    match op {
        Pending::Prefix(op, span) => {
            let x = values.pop().ok_or_else(missing)?;
            nodes.push(Node::Unary(op, span, x));
        }
        Pending::Infix(infix) => {
            let r = values.pop().ok_or_else(missing)?;
            let l = values.pop().ok_or_else(missing)?;
            match infix.op {
                Some(op @ (BinaryOp::And | BinaryOp::Or)) => {
                    // Extend the chain the left operand ends, if it is one of
                    // the same operator built here (a parenthesised one is a
                    // leaf, and stays a node of its own).
                    if let Node::Chain(chain_op, items) = &mut nodes[l]
                        && *chain_op == op
                    {
                        items.push(r);
                        values.push(l);
                        return Ok(());
                    }
                    nodes.push(Node::Chain(op, vec![l, r]));
                }
                op => nodes.push(Node::Binary(op, infix.span, l, r)),
            }
        }
    }
    values.push(nodes.len() - 1);
    Ok(())
}

/// Queues the items of a chain built as a balanced tree from `depth`.
fn chain_depths(items: &[usize], depth: usize, todo: &mut Vec<(usize, usize)>) {
    match items {
        [] => {}
        [one] => todo.push((*one, depth)),
        _ => {
            let (left, right) = items.split_at(items.len() / 2);
            chain_depths(left, depth + 1, todo);
            chain_depths(right, depth + 1, todo);
        }
    }
}

fn misplaced_not(at: Span, after: &str) -> Diagnostic {
    Diagnostic::error(at, format!("`not` needs parentheses after `{after}`"))
        .with_label(format!("`not` binds more loosely than `{after}`"))
        .with_note("help: write `(not ...)`")
}

fn chained(first: Infix, second: Infix) -> Diagnostic {
    let (what, example) = if first.level == RANGE {
        ("ranges", "`a..b`")
    } else {
        ("comparisons", "`a < b and b < c`")
    };
    Diagnostic::error(
        second.span,
        format!(
            "{what} do not chain: `{}` after `{}`",
            symbol(second),
            symbol(first)
        ),
    )
    .with_label("this operator")
    .with_secondary(first.span, "follows this one")
    .with_note(format!("help: write {example}, or add parentheses"))
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
