//! Conditions (§6.3, §6.4): the compiled expression tree and its evaluation. Evaluation never
//! allocates: strings made by `lower`/`upper` go to a reusable scratch pool.

use std::fmt;

use regex::Regex;

use crate::decimal::Decimal;
use crate::ir::{Builtin, CompareOp, Effect, Value};
use crate::json::{Children, JsonKind, JsonRef};
use crate::path::ClimbsAboveRoot;
use crate::pattern::Pattern;
use crate::state::SessionState;
use crate::time::Timestamp;

/// A compiled condition.
#[derive(Debug)]
pub(crate) enum CExpr {
    Lit(Value),
    Var {
        name: Box<str>,
        value: Value,
    },
    Arg(Box<[Box<str>]>),
    Principal(Box<[Box<str>]>),
    Field(Field),
    Not(Box<CExpr>),
    And(Box<[CExpr]>),
    Or(Box<[CExpr]>),
    Cmp {
        op: CompareOp,
        left: Box<CExpr>,
        right: Box<CExpr>,
    },
    Match {
        negated: bool,
        left: Box<CExpr>,
        right: Box<CExpr>,
        regex: Regex,
    },
    Call(CCall),
}

/// Built-in values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field {
    SessionId,
    SessionCalls,
    SessionCost,
    SessionDailyCost,
    Hour,
    Weekday,
    Day,
    Month,
    Unix,
    ToolName,
    AgentName,
}

/// Compiled built-in calls; pattern arguments are compiled and keep their source for display.
#[derive(Debug)]
pub(crate) enum CCall {
    Len(Box<CExpr>),
    Lower(Box<CExpr>),
    Upper(Box<CExpr>),
    Purpose(Box<CExpr>),
    DenyCountWithin(Box<CExpr>),
    HistoryContainsWithin(Pattern, Box<str>, Box<CExpr>),
    HistorySequence(Box<[(Pattern, Box<str>)]>),
    HistoryToolCount(Pattern, Box<str>),
    ArgsArrayLen(Box<[Box<str>]>, Box<str>),
}

impl CCall {
    /// The built-in this call compiles.
    fn builtin(&self) -> Builtin {
        match self {
            CCall::Len(_) => Builtin::Len,
            CCall::Lower(_) => Builtin::Lower,
            CCall::Upper(_) => Builtin::Upper,
            CCall::Purpose(_) => Builtin::Purpose,
            CCall::DenyCountWithin(_) => Builtin::DenyCountWithin,
            CCall::HistoryContainsWithin(..) => Builtin::HistoryContainsWithin,
            CCall::HistorySequence(_) => Builtin::HistorySequence,
            CCall::HistoryToolCount(..) => Builtin::HistoryToolCount,
            CCall::ArgsArrayLen(..) => Builtin::ArgsArrayLen,
        }
    }
}

/// The state (§6.5) an agent's conditions and budgets read; what none reads is never kept.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StateReads {
    /// Sessions: their calls, their spend or their history.
    pub sessions: bool,
    /// Session histories.
    pub history: bool,
    /// The agent's calls and spend of the current UTC day.
    pub days: bool,
}

impl CExpr {
    /// Adds the session state this expression reads to `reads`.
    pub(crate) fn add_state_reads(&self, reads: &mut StateReads) {
        match self {
            CExpr::Lit(_) | CExpr::Var { .. } | CExpr::Arg(_) | CExpr::Principal(_) => {}
            CExpr::Field(field) => {
                reads.sessions |= matches!(field, Field::SessionCalls | Field::SessionCost);
                reads.days |= matches!(field, Field::SessionDailyCost);
            }
            CExpr::Not(inner) => inner.add_state_reads(reads),
            CExpr::And(items) | CExpr::Or(items) => {
                for item in items {
                    item.add_state_reads(reads);
                }
            }
            CExpr::Cmp { left, right, .. } | CExpr::Match { left, right, .. } => {
                left.add_state_reads(reads);
                right.add_state_reads(reads);
            }
            CExpr::Call(call) => match call {
                CCall::Len(arg) | CCall::Lower(arg) | CCall::Upper(arg) | CCall::Purpose(arg) => {
                    arg.add_state_reads(reads);
                }
                CCall::DenyCountWithin(arg) | CCall::HistoryContainsWithin(_, _, arg) => {
                    reads.sessions = true;
                    reads.history = true;
                    arg.add_state_reads(reads);
                }
                CCall::HistorySequence(_) | CCall::HistoryToolCount(..) => {
                    reads.sessions = true;
                    reads.history = true;
                }
                CCall::ArgsArrayLen(..) => {}
            },
        }
    }
}

/// What a condition reads besides the policy.
pub(crate) struct Ctx<'r> {
    pub args: Option<JsonRef<'r>>,
    /// `args.path` normalised for `path` selectors, when it is a string.
    pub path: Option<Result<&'r str, ClimbsAboveRoot>>,
    pub principal: Option<JsonRef<'r>>,
    pub tool: &'r str,
    pub agent_name: &'r str,
    pub session_id: &'r str,
    pub session: Option<&'r SessionState>,
    pub day_cost: Decimal,
    pub now: Timestamp,
}

/// Reusable strings for `lower`/`upper` results; reset before each decision.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    bufs: Vec<String>,
    used: usize,
}

impl Scratch {
    pub fn reset(&mut self) {
        self.used = 0;
    }

    fn get(&self, index: u32) -> &str {
        self.bufs.get(index as usize).map_or("", String::as_str)
    }

    /// Stores `source` case-mapped per character; returns its slot.
    fn push_mapped(&mut self, source: Val<'_>, upper: bool) -> u32 {
        let slot = self.used;
        if slot == self.bufs.len() {
            self.bufs.push(String::new());
        }
        let mut buf = std::mem::take(&mut self.bufs[slot]);
        buf.clear();
        if let Some(text) = source.as_str(self) {
            for c in text.chars() {
                if upper {
                    buf.extend(c.to_uppercase())
                } else {
                    buf.extend(c.to_lowercase())
                }
            }
        }
        self.bufs[slot] = buf;
        self.used += 1;
        slot as u32
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'r> {
    Null,
    Bool(bool),
    Num(Decimal),
    Inexact,
    Str(&'r str),
    Scratch(u32),
    /// An array or object of the request.
    Json(JsonRef<'r>),
    /// A literal list.
    List(&'r [Value]),
}

impl<'r> Val<'r> {
    fn from_json(value: JsonRef<'r>) -> Val<'r> {
        match value.kind() {
            JsonKind::Null => Val::Null,
            JsonKind::Bool(b) => Val::Bool(b),
            JsonKind::Number(d) => Val::Num(d),
            JsonKind::InexactNumber(_) => Val::Inexact,
            JsonKind::String(s) => Val::Str(s),
            JsonKind::Array(_) | JsonKind::Object(_) => Val::Json(value),
        }
    }

    fn from_ir(value: &'r Value) -> Val<'r> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(d) => Val::Num(*d),
            Value::String(s) => Val::Str(s),
            Value::List(items) => Val::List(items),
        }
    }

    fn is_null(self) -> bool {
        matches!(self, Val::Null)
    }

    fn as_str<'x>(self, scratch: &'x Scratch) -> Option<&'x str>
    where
        'r: 'x,
    {
        match self {
            Val::Str(s) => Some(s),
            Val::Scratch(i) => Some(scratch.get(i)),
            _ => None,
        }
    }

    fn list(self) -> Option<ListIter<'r>> {
        match self {
            Val::Json(j) if matches!(j.kind(), JsonKind::Array(_)) => {
                Some(ListIter::Json(j.elements()))
            }
            Val::List(items) => Some(ListIter::Lit(items.iter())),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Inexact => "a number that is not exact to 6 decimals",
            Val::Str(_) | Val::Scratch(_) => "a string",
            Val::List(_) => "a list",
            Val::Json(j) => match j.kind() {
                JsonKind::Array(_) => "a list",
                _ => "an object",
            },
        }
    }
}

enum ListIter<'r> {
    Json(Children<'r>),
    Lit(std::slice::Iter<'r, Value>),
}

impl<'r> Iterator for ListIter<'r> {
    type Item = Val<'r>;
    fn next(&mut self) -> Option<Val<'r>> {
        match self {
            ListIter::Json(it) => it.next().map(Val::from_json),
            ListIter::Lit(it) => it.next().map(Val::from_ir),
        }
    }
}

/// Why a condition could not be evaluated; names the operator and the operand.
#[derive(Debug, Clone, Copy)]
pub struct ConditionError<'p> {
    operator: &'static str,
    operand: Operand<'p>,
    expected: &'static str,
    found: &'static str,
}

impl ConditionError<'_> {
    /// A selector clause (`operator`, e.g. `host`) that read an argument it cannot interpret.
    pub(crate) fn unreadable(
        operator: &'static str,
        argument: &'static str,
        found: &'static str,
    ) -> Self {
        ConditionError {
            operator,
            operand: Operand::Named(argument),
            expected: "a readable value",
            found,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Operand<'p> {
    Expr(&'p CExpr),
    Arg(&'p str),
    Named(&'static str),
}

impl fmt::Display for ConditionError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` needs {} but `", self.operator, self.expected)?;
        match self.operand {
            Operand::Expr(e) => write!(f, "{e}")?,
            Operand::Arg(path) => write!(f, "args.{path}")?,
            Operand::Named(name) => f.write_str(name)?,
        }
        write!(f, "` is {}", self.found)
    }
}

fn fail<'p, T>(
    operator: &'static str,
    operand: &'p CExpr,
    expected: &'static str,
    found: Val<'_>,
) -> Result<T, ConditionError<'p>> {
    Err(ConditionError {
        operator,
        operand: Operand::Expr(operand),
        expected,
        found: found.type_name(),
    })
}

type Res<'p, T> = Result<T, ConditionError<'p>>;

/// Evaluates a whole condition: its value must be a boolean.
pub(crate) fn holds<'p: 'r, 'r>(
    expr: &'p CExpr,
    cx: &Ctx<'r>,
    scratch: &mut Scratch,
) -> Res<'p, bool> {
    match eval(expr, cx, scratch)? {
        Val::Bool(b) => Ok(b),
        other => fail("when", expr, "a boolean", other),
    }
}

fn eval<'p: 'r, 'r>(expr: &'p CExpr, cx: &Ctx<'r>, scratch: &mut Scratch) -> Res<'p, Val<'r>> {
    Ok(match expr {
        CExpr::Lit(value) | CExpr::Var { value, .. } => Val::from_ir(value),
        CExpr::Arg(segments) => walk(cx.args, segments),
        CExpr::Principal(segments) => walk(cx.principal, segments),
        CExpr::Field(field) => read_field(*field, cx),
        CExpr::Not(inner) => match eval(inner, cx, scratch)? {
            Val::Bool(b) => Val::Bool(!b),
            other => return fail("not", inner, "a boolean", other),
        },
        CExpr::And(items) => {
            for item in items {
                match eval(item, cx, scratch)? {
                    Val::Bool(true) => {}
                    Val::Bool(false) => return Ok(Val::Bool(false)),
                    other => return fail("and", item, "a boolean", other),
                }
            }
            Val::Bool(true)
        }
        CExpr::Or(items) => {
            for item in items {
                match eval(item, cx, scratch)? {
                    Val::Bool(true) => return Ok(Val::Bool(true)),
                    Val::Bool(false) => {}
                    other => return fail("or", item, "a boolean", other),
                }
            }
            Val::Bool(false)
        }
        CExpr::Cmp { op, left, right } => Val::Bool(compare(*op, left, right, cx, scratch)?),
        CExpr::Match {
            negated,
            left,
            regex,
            ..
        } => {
            let value = eval(left, cx, scratch)?;
            let operator = if *negated { "not matches" } else { "matches" };
            match value.as_str(scratch) {
                Some(text) => Val::Bool(regex.is_match(text) != *negated),
                None => return fail(operator, left, "a string", value),
            }
        }
        CExpr::Call(call) => eval_call(call, cx, scratch)?,
    })
}

/// A comparison operand: literals and argument paths, the usual operands, are read directly
/// instead of through [`eval`]'s result.
#[inline]
fn operand<'p: 'r, 'r>(expr: &'p CExpr, cx: &Ctx<'r>, scratch: &mut Scratch) -> Res<'p, Val<'r>> {
    match expr {
        CExpr::Lit(value) => Ok(Val::from_ir(value)),
        CExpr::Arg(segments) => Ok(walk(cx.args, segments)),
        _ => eval(expr, cx, scratch),
    }
}

fn walk<'r>(root: Option<JsonRef<'r>>, segments: &[Box<str>]) -> Val<'r> {
    let Some(mut current) = root else {
        return Val::Null;
    };
    for segment in segments {
        match current.get(segment) {
            Some(next) => current = next,
            None => return Val::Null,
        }
    }
    Val::from_json(current)
}

fn count(n: u64) -> Decimal {
    Decimal::from_millionths(i128::from(n) * 1_000_000)
}

fn read_field<'r>(field: Field, cx: &Ctx<'r>) -> Val<'r> {
    let civil = || cx.now.civil();
    match field {
        Field::SessionId => Val::Str(cx.session_id),
        Field::SessionCalls => Val::Num(count(cx.session.map_or(0, |s| s.calls))),
        Field::SessionCost => Val::Num(cx.session.map_or(Decimal::ZERO, |s| s.cost)),
        Field::SessionDailyCost => Val::Num(cx.day_cost),
        Field::Hour => Val::Num(count(u64::from(civil().hour))),
        Field::Weekday => Val::Num(count(u64::from(civil().weekday))),
        Field::Day => Val::Num(count(u64::from(civil().day))),
        Field::Month => Val::Num(count(u64::from(civil().month))),
        Field::Unix => Val::Num(Decimal::from_millionths(
            i128::from(cx.now.unix_floor()) * 1_000_000,
        )),
        Field::ToolName => Val::Str(cx.tool),
        Field::AgentName => Val::Str(cx.agent_name),
    }
}

/// Structural equality of two non-null values; `Err` when an inexact number takes part.
fn equal(a: Val<'_>, b: Val<'_>, scratch: &Scratch) -> Result<bool, ()> {
    Ok(match (a, b) {
        (Val::Inexact, _) | (_, Val::Inexact) => return Err(()),
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(_) | Val::Scratch(_), Val::Str(_) | Val::Scratch(_)) => {
            a.as_str(scratch) == b.as_str(scratch)
        }
        (Val::Json(x), Val::Json(y)) if x.is_object() && y.is_object() => {
            let (JsonKind::Object(nx), JsonKind::Object(ny)) = (x.kind(), y.kind()) else {
                return Ok(false);
            };
            if nx != ny {
                return Ok(false);
            }
            for (key, value) in x.members() {
                match y.get(key) {
                    Some(other)
                        if equal(Val::from_json(value), Val::from_json(other), scratch)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        _ => match (a.list(), b.list()) {
            (Some(mut xs), Some(mut ys)) => loop {
                match (xs.next(), ys.next()) {
                    (None, None) => break true,
                    (Some(x), Some(y)) => {
                        if !equal(x, y, scratch)? {
                            break false;
                        }
                    }
                    _ => break false,
                }
            },
            _ => false,
        },
    })
}

fn is_null_literal(expr: &CExpr) -> bool {
    matches!(expr, CExpr::Lit(Value::Null))
}

/// `==` with the null rule of §6.3.
fn null_rule_eq<'p>(
    left: &'p CExpr,
    l: Val<'_>,
    right: &'p CExpr,
    r: Val<'_>,
    op: &'static str,
    scratch: &Scratch,
) -> Res<'p, bool> {
    if is_null_literal(left) {
        return Ok(r.is_null());
    }
    if is_null_literal(right) {
        return Ok(l.is_null());
    }
    if l.is_null() || r.is_null() {
        return Ok(false);
    }
    equal(l, r, scratch).or_else(|()| {
        let (operand, value) = if matches!(l, Val::Inexact) || !matches!(r, Val::Inexact) {
            (left, l)
        } else {
            (right, r)
        };
        fail(op, operand, "exact values", value)
    })
}

/// Whether `list` holds `item` (elements compared by `==`, null rule included).
fn list_holds<'p>(
    list: Val<'_>,
    item: Val<'_>,
    item_is_null_literal: bool,
    op: &'static str,
    item_expr: &'p CExpr,
    scratch: &Scratch,
) -> Res<'p, bool> {
    let literal_list = matches!(list, Val::List(_));
    let Some(elements) = list.list() else {
        return Ok(false);
    };
    for element in elements {
        let hit = if item_is_null_literal {
            element.is_null()
        } else if element.is_null() {
            literal_list && item.is_null()
        } else if item.is_null() {
            false
        } else {
            match equal(item, element, scratch) {
                Ok(hit) => hit,
                Err(()) => return fail(op, item_expr, "exact values", Val::Inexact),
            }
        };
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

fn compare<'p: 'r, 'r>(
    op: CompareOp,
    left: &'p CExpr,
    right: &'p CExpr,
    cx: &Ctx<'r>,
    scratch: &mut Scratch,
) -> Res<'p, bool> {
    let l = operand(left, cx, scratch)?;
    let r = operand(right, cx, scratch)?;
    let name = op.as_str();
    match op {
        CompareOp::Eq => null_rule_eq(left, l, right, r, name, scratch),
        CompareOp::Ne => null_rule_eq(left, l, right, r, name, scratch).map(|eq| !eq),
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            let (x, y) = match (l, r) {
                (Val::Num(x), Val::Num(y)) => (x, y),
                (Val::Num(_), _) => return fail(name, right, "numbers", r),
                _ => return fail(name, left, "numbers", l),
            };
            Ok(match op {
                CompareOp::Lt => x < y,
                CompareOp::Le => x <= y,
                CompareOp::Gt => x > y,
                _ => x >= y,
            })
        }
        CompareOp::In | CompareOp::NotIn => {
            if r.list().is_none() {
                return fail(name, right, "a list", r);
            }
            let found = list_holds(r, l, is_null_literal(left), name, left, scratch)?;
            Ok(found == (op == CompareOp::In))
        }
        CompareOp::Contains => {
            if l.list().is_some() {
                return list_holds(l, r, is_null_literal(right), name, right, scratch);
            }
            let Some(haystack) = l.as_str(scratch) else {
                return fail(name, left, "a list or a string", l);
            };
            let Some(needle) = r.as_str(scratch) else {
                return fail(name, right, "a string", r);
            };
            Ok(haystack.contains(needle))
        }
        CompareOp::StartsWith | CompareOp::EndsWith => {
            let Some(text) = l.as_str(scratch) else {
                return fail(name, left, "strings", l);
            };
            let Some(affix) = r.as_str(scratch) else {
                return fail(name, right, "strings", r);
            };
            Ok(if op == CompareOp::StartsWith {
                text.starts_with(affix)
            } else {
                text.ends_with(affix)
            })
        }
        // Compiled into `CExpr::Match`; never reaches here.
        CompareOp::Matches(_) | CompareOp::NotMatches(_) => Ok(false),
    }
}

/// A history window: `0 ≤ now − t ≤ seconds`.
fn within(now: Timestamp, t: Timestamp, seconds: Decimal) -> bool {
    let age = now.unix().saturating_sub(t.unix());
    !age.is_negative() && age <= seconds
}

fn seconds_arg<'p: 'r, 'r>(
    expr: &'p CExpr,
    function: &'static str,
    cx: &Ctx<'r>,
    scratch: &mut Scratch,
) -> Res<'p, Decimal> {
    match eval(expr, cx, scratch)? {
        Val::Num(d) => Ok(d),
        other => fail(function, expr, "a number of seconds", other),
    }
}

fn eval_call<'p: 'r, 'r>(call: &'p CCall, cx: &Ctx<'r>, scratch: &mut Scratch) -> Res<'p, Val<'r>> {
    let history = cx.session.map(|s| &s.history);
    let entries = || history.into_iter().flat_map(|h| h.iter());
    Ok(match call {
        CCall::Len(arg) => {
            let value = eval(arg, cx, scratch)?;
            if let Some(text) = value.as_str(scratch) {
                Val::Num(count(text.chars().count() as u64))
            } else if let Some(items) = value.list() {
                Val::Num(count(items.count() as u64))
            } else {
                return fail(Builtin::Len.as_str(), arg, "a string or a list", value);
            }
        }
        CCall::Lower(arg) | CCall::Upper(arg) => {
            let value = eval(arg, cx, scratch)?;
            let upper = matches!(call, CCall::Upper(_));
            if value.as_str(scratch).is_none() {
                return fail(call.builtin().as_str(), arg, "a string", value);
            }
            Val::Scratch(scratch.push_mapped(value, upper))
        }
        CCall::Purpose(arg) => {
            let value = eval(arg, cx, scratch)?;
            let Some(wanted) = value.as_str(scratch) else {
                return fail(Builtin::Purpose.as_str(), arg, "a string", value);
            };
            match purpose_of(cx.args) {
                Val::Null => Val::Bool(false),
                Val::Str(actual) => Val::Bool(actual.eq_ignore_ascii_case(wanted)),
                other => {
                    return Err(ConditionError {
                        operator: Builtin::Purpose.as_str(),
                        operand: Operand::Named("args.purpose"),
                        expected: "a string",
                        found: other.type_name(),
                    });
                }
            }
        }
        CCall::ArgsArrayLen(segments, source) => {
            let value = walk(cx.args, segments);
            match value.list() {
                Some(items) => Val::Num(count(items.count() as u64)),
                None => {
                    return Err(ConditionError {
                        operator: Builtin::ArgsArrayLen.as_str(),
                        operand: Operand::Arg(source),
                        expected: "a list",
                        found: value.type_name(),
                    });
                }
            }
        }
        CCall::DenyCountWithin(seconds) => {
            let seconds = seconds_arg(seconds, Builtin::DenyCountWithin.as_str(), cx, scratch)?;
            let n = entries()
                .filter(|e| e.effect == Effect::Deny && within(cx.now, e.time, seconds))
                .count();
            Val::Num(count(n as u64))
        }
        CCall::HistoryContainsWithin(pattern, _, seconds) => {
            let seconds = seconds_arg(
                seconds,
                Builtin::HistoryContainsWithin.as_str(),
                cx,
                scratch,
            )?;
            Val::Bool(entries().any(|e| {
                e.effect == Effect::Permit
                    && within(cx.now, e.time, seconds)
                    && pattern.matches(&e.tool)
            }))
        }
        CCall::HistoryToolCount(pattern, _) => {
            let n = entries()
                .filter(|e| e.effect == Effect::Permit && pattern.matches(&e.tool))
                .count();
            Val::Num(count(n as u64))
        }
        CCall::HistorySequence(patterns) => {
            // Greedy earliest match in (time, insertion) order over distinct permitted entries.
            let mut after: Option<(Timestamp, u64)> = None;
            let mut all = true;
            for (pattern, _) in patterns.iter() {
                let next = entries()
                    .filter(|e| e.effect == Effect::Permit && pattern.matches(&e.tool))
                    .map(|e| (e.time, e.seq))
                    .filter(|key| after.is_none_or(|a| *key > a))
                    .min();
                match next {
                    Some(key) => after = Some(key),
                    None => {
                        all = false;
                        break;
                    }
                }
            }
            Val::Bool(all)
        }
    })
}

fn purpose_of(args: Option<JsonRef<'_>>) -> Val<'_> {
    match args.and_then(|a| a.get("purpose")) {
        Some(value) => Val::from_json(value),
        None => Val::Null,
    }
}

impl fmt::Display for CExpr {
    /// FPL source syntax of the compiled expression (for error texts).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn path(f: &mut fmt::Formatter<'_>, root: &str, segments: &[Box<str>]) -> fmt::Result {
            f.write_str(root)?;
            for s in segments {
                write!(f, ".{s}")?;
            }
            Ok(())
        }
        fn list(f: &mut fmt::Formatter<'_>, items: &[CExpr], sep: &str) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        match self {
            CExpr::Lit(v) => write!(f, "{v}"),
            CExpr::Var { name, .. } => write!(f, "vars.{name}"),
            CExpr::Arg(segments) => path(f, "args", segments),
            CExpr::Principal(segments) => path(f, "principal", segments),
            CExpr::Field(field) => f.write_str(match field {
                Field::SessionId => "session.id",
                Field::SessionCalls => "session.calls",
                Field::SessionCost => "session.cost",
                Field::SessionDailyCost => "session.daily_cost",
                Field::Hour => "time.hour",
                Field::Weekday => "time.weekday",
                Field::Day => "time.day",
                Field::Month => "time.month",
                Field::Unix => "time.unix",
                Field::ToolName => "tool.name",
                Field::AgentName => "agent.name",
            }),
            CExpr::Not(inner) => write!(f, "not ({inner})"),
            CExpr::And(items) => list(f, items, " and "),
            CExpr::Or(items) => list(f, items, " or "),
            CExpr::Cmp { op, left, right } => write!(f, "{left} {} {right}", op.as_str()),
            CExpr::Match {
                negated,
                left,
                right,
                ..
            } => {
                write!(
                    f,
                    "{left} {} {right}",
                    if *negated { "not matches" } else { "matches" }
                )
            }
            CExpr::Call(call) => {
                write!(f, "{}(", call.builtin().as_str())?;
                match call {
                    CCall::Len(a)
                    | CCall::Lower(a)
                    | CCall::Upper(a)
                    | CCall::Purpose(a)
                    | CCall::DenyCountWithin(a) => write!(f, "{a}")?,
                    CCall::HistoryContainsWithin(_, p, a) => write!(f, "{p:?}, {a}")?,
                    CCall::HistoryToolCount(_, p) | CCall::ArgsArrayLen(_, p) => {
                        write!(f, "{p:?}")?;
                    }
                    CCall::HistorySequence(items) => {
                        for (i, (_, p)) in items.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write!(f, "{p:?}")?;
                        }
                    }
                }
                f.write_str(")")
            }
        }
    }
}
