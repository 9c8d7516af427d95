//! Conditions (SPEC §6.3) and built-in functions (§6.4), evaluated to a boolean or an error text.

use fpl_runtime::{Decimal, Timestamp};

use super::matching::tool_matches;
use super::request::Request;
use super::state::State;
use super::value::Value;
use crate::hir::{self, BinaryOp, Builtin, Callee, ExprKind, Literal, Root};

/// An evaluated operand: a value, and whether it came from the literal `null`.
struct Operand {
    value: Value,
    literal_null: bool,
}

struct Context<'a> {
    agent: &'a hir::Agent,
    state: &'a State,
    request: &'a Request,
}

/// Evaluates a condition; `Err` carries a short text naming the failing operator and operand.
pub fn holds(
    agent: &hir::Agent,
    state: &State,
    request: &Request,
    condition: &hir::Expr,
) -> Result<bool, String> {
    let context = Context {
        agent,
        state,
        request,
    };
    match context.eval(condition)?.value {
        Value::Bool(result) => Ok(result),
        other => Err(format!(
            "condition is a {}, not a boolean",
            other.type_name()
        )),
    }
}

impl Context<'_> {
    fn eval(&self, expr: &hir::Expr) -> Result<Operand, String> {
        let value = match &expr.kind {
            ExprKind::Literal(Literal::Null) => {
                return Ok(Operand {
                    value: Value::Null,
                    literal_null: true,
                });
            }
            ExprKind::Literal(literal) => literal_value(literal),
            ExprKind::List(items) => Value::List(items.iter().map(literal_value).collect()),
            ExprKind::Path(path) => self.path(path)?,
            ExprKind::Not(operand) => Value::Bool(!self.boolean("not", operand)?),
            ExprKind::Binary { op, lhs, rhs } => Value::Bool(self.binary(*op, lhs, rhs)?),
            ExprKind::Call {
                function: Callee::Builtin(function),
                args,
            } => self.call(*function, args)?,
            ExprKind::Call {
                function: Callee::Unknown(name),
                ..
            } => return Err(format!("unknown function `{name}`")),
            ExprKind::Missing | ExprKind::OutOfRange => {
                return Err("condition could not be read".to_string());
            }
        };
        Ok(Operand {
            value,
            literal_null: false,
        })
    }

    fn boolean(&self, op: &str, expr: &hir::Expr) -> Result<bool, String> {
        match self.eval(expr)?.value {
            Value::Bool(flag) => Ok(flag),
            other => Err(format!(
                "`{op}` needs a boolean, found {}",
                other.type_name()
            )),
        }
    }

    fn binary(&self, op: BinaryOp, lhs: &hir::Expr, rhs: &hir::Expr) -> Result<bool, String> {
        match op {
            BinaryOp::And => return Ok(self.boolean("and", lhs)? && self.boolean("and", rhs)?),
            BinaryOp::Or => return Ok(self.boolean("or", lhs)? || self.boolean("or", rhs)?),
            _ => {}
        }
        let left = self.eval(lhs)?;
        let right = self.eval(rhs)?;
        match op {
            BinaryOp::Eq => equal(&left, &right),
            BinaryOp::NotEq => equal(&left, &right).map(|eq| !eq),
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                let (Value::Number(a), Value::Number(b)) = (&left.value, &right.value) else {
                    return Err(format!(
                        "`{}` needs two numbers, found {} and {}",
                        op_text(op),
                        left.value.type_name(),
                        right.value.type_name()
                    ));
                };
                let (a, b) = (exact(*a)?, exact(*b)?);
                Ok(match op {
                    BinaryOp::Lt => a < b,
                    BinaryOp::LtEq => a <= b,
                    BinaryOp::Gt => a > b,
                    _ => a >= b,
                })
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let Value::List(items) = &right.value else {
                    return Err(format!(
                        "`in` needs a list on the right, found {}",
                        right.value.type_name()
                    ));
                };
                let mut found = false;
                for item in items {
                    let literal_null =
                        matches!(rhs.kind, ExprKind::List(_)) && *item == Value::Null;
                    if equal(
                        &left,
                        &Operand {
                            value: item.clone(),
                            literal_null,
                        },
                    )? {
                        found = true;
                        break;
                    }
                }
                Ok(found == (op == BinaryOp::In))
            }
            BinaryOp::Matches | BinaryOp::NotMatches => {
                let (Value::String(text), Value::String(pattern)) = (&left.value, &right.value)
                else {
                    return Err(format!(
                        "`matches` needs a string, found {}",
                        left.value.type_name()
                    ));
                };
                let regex = crate::checks::compile_regex(pattern)?;
                Ok(regex.is_match(text) == (op == BinaryOp::Matches))
            }
            BinaryOp::Contains => match (&left.value, &right.value) {
                (Value::List(items), _) => {
                    for item in items {
                        if equal(
                            &Operand {
                                value: item.clone(),
                                literal_null: false,
                            },
                            &right,
                        )? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                (Value::String(text), Value::String(part)) => Ok(text.contains(part.as_str())),
                _ => Err(format!(
                    "`contains` needs a list or two strings, found {} and {}",
                    left.value.type_name(),
                    right.value.type_name()
                )),
            },
            BinaryOp::StartsWith | BinaryOp::EndsWith => match (&left.value, &right.value) {
                (Value::String(text), Value::String(part)) => Ok(if op == BinaryOp::StartsWith {
                    text.starts_with(part.as_str())
                } else {
                    text.ends_with(part.as_str())
                }),
                _ => Err(format!(
                    "`{}` needs two strings, found {} and {}",
                    op_text(op),
                    left.value.type_name(),
                    right.value.type_name()
                )),
            },
            BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
        }
    }

    fn path(&self, path: &hir::Path) -> Result<Value, String> {
        let request = self.request;
        let field = path.segments.first().map(String::as_str);
        Ok(match path.root {
            Root::Args => request.args.at(&path.segments).clone(),
            Root::Principal => request.principal.at(&path.segments).clone(),
            Root::Vars => {
                let name = field.unwrap_or_default();
                let var = self
                    .agent
                    .vars
                    .iter()
                    .find(|var| var.name == name)
                    .ok_or_else(|| format!("`vars.{name}` is not declared"))?;
                var_value(&var.value).at(&path.segments[1..]).clone()
            }
            Root::Tool => Value::String(request.tool.clone()),
            Root::Agent => Value::String(self.agent.name.clone()),
            Root::Session => match field {
                Some("id") => Value::String(request.session.clone()),
                Some("calls") => number(i128::from(self.state.session_calls(self.agent, request))),
                Some("cost") => millionths(self.state.session_spend(self.agent, request)),
                _ => millionths(self.state.day_spend(self.agent, request)),
            },
            Root::Time => {
                let civil = request.time.civil();
                number(match field {
                    Some("hour") => i128::from(civil.hour),
                    Some("weekday") => i128::from(civil.weekday),
                    Some("day") => i128::from(civil.day),
                    Some("month") => i128::from(civil.month),
                    _ => i128::from(request.time.unix_floor()),
                })
            }
        })
    }

    fn call(&self, builtin: Builtin, args: &[hir::Expr]) -> Result<Value, String> {
        let function = builtin.as_str();
        let values = || {
            args.iter()
                .map(|arg| self.eval(arg).map(|operand| operand.value))
                .collect::<Result<Vec<_>, _>>()
        };
        let text_arg = |index: usize| match args.get(index).map(|arg| &arg.kind) {
            Some(ExprKind::Literal(Literal::String(text))) => Ok(text.clone()),
            _ => Err(format!("`{function}` needs a string literal")),
        };
        let history = self.state.history(self.agent, self.request);
        let now = self.request.time;
        let within = |time: Timestamp, seconds: Decimal| {
            let age = i128::from(now.unix_micros()) - i128::from(time.unix_micros());
            age >= 0 && age <= seconds.millionths()
        };
        match builtin {
            Builtin::Len => match values()?.first() {
                Some(Value::String(text)) => Ok(number(text.chars().count() as i128)),
                Some(Value::List(items)) => Ok(number(items.len() as i128)),
                other => Err(format!(
                    "`len` needs a string or a list, found {}",
                    other.map_or("nothing", Value::type_name)
                )),
            },
            Builtin::Lower | Builtin::Upper => match values()?.first() {
                Some(Value::String(text)) => Ok(Value::String(if builtin == Builtin::Lower {
                    text.to_lowercase()
                } else {
                    text.to_uppercase()
                })),
                other => Err(format!(
                    "`{function}` needs a string, found {}",
                    other.map_or("nothing", Value::type_name)
                )),
            },
            Builtin::HistoryContainsWithin => {
                let pattern = text_arg(0)?;
                let seconds = seconds_arg(&values()?, 1, function)?;
                Ok(Value::Bool(history.iter().any(|entry| {
                    entry.permitted()
                        && within(entry.time, seconds)
                        && tool_matches(&pattern, &entry.tool)
                })))
            }
            Builtin::HistorySequence => {
                let mut permitted: Vec<_> = history
                    .iter()
                    .enumerate()
                    .filter(|(_, entry)| entry.permitted())
                    .collect();
                permitted.sort_by_key(|(order, entry)| (entry.time, *order));
                let mut remaining = permitted.iter();
                for index in 0..args.len() {
                    let pattern = text_arg(index)?;
                    if !remaining
                        .by_ref()
                        .any(|(_, entry)| tool_matches(&pattern, &entry.tool))
                    {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(true))
            }
            Builtin::HistoryToolCount => {
                let pattern = text_arg(0)?;
                Ok(number(
                    history
                        .iter()
                        .filter(|entry| entry.permitted() && tool_matches(&pattern, &entry.tool))
                        .count() as i128,
                ))
            }
            Builtin::DenyCountWithin => {
                let seconds = seconds_arg(&values()?, 0, function)?;
                Ok(number(
                    history
                        .iter()
                        .filter(|entry| entry.effect == "deny" && within(entry.time, seconds))
                        .count() as i128,
                ))
            }
            Builtin::Purpose => {
                let wanted = values()?;
                match (
                    self.request.args.at(&["purpose".to_string()]),
                    wanted.first(),
                ) {
                    (Value::Null, _) => Ok(Value::Bool(false)),
                    (Value::String(purpose), Some(Value::String(wanted))) => {
                        Ok(Value::Bool(purpose.eq_ignore_ascii_case(wanted)))
                    }
                    (other, _) => Err(format!(
                        "`purpose` needs a string `args.purpose`, found {}",
                        other.type_name()
                    )),
                }
            }
            Builtin::ArgsArrayLen => {
                let name = text_arg(0)?;
                match self.request.args.at(std::slice::from_ref(&name)) {
                    Value::List(items) => Ok(number(items.len() as i128)),
                    other => Err(format!(
                        "`{}` needs a list `args.{name}`, found {}",
                        Builtin::ArgsArrayLen.as_str(),
                        other.type_name()
                    )),
                }
            }
        }
    }
}

fn seconds_arg(values: &[Value], index: usize, function: &str) -> Result<Decimal, String> {
    match values.get(index) {
        Some(Value::Number(value)) => exact(*value),
        other => Err(format!(
            "`{function}` needs a number of seconds, found {}",
            other.map_or("nothing", Value::type_name)
        )),
    }
}

/// `==` with the null rule of §6.3.
fn equal(left: &Operand, right: &Operand) -> Result<bool, String> {
    match (&left.value, &right.value) {
        (Value::Null, Value::Null) => Ok(left.literal_null || right.literal_null),
        (Value::Null, _) | (_, Value::Null) => Ok(false),
        (a, b) => structural_equal(a, b),
    }
}

fn structural_equal(a: &Value, b: &Value) -> Result<bool, String> {
    Ok(match (a, b) {
        (Value::Number(x), Value::Number(y)) => exact(*x)? == exact(*y)?,
        (Value::List(xs), Value::List(ys)) => {
            if xs.len() != ys.len() {
                return Ok(false);
            }
            for (x, y) in xs.iter().zip(ys) {
                if !structural_equal(x, y)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Object(xs), Value::Object(ys)) => {
            if xs.len() != ys.len() {
                return Ok(false);
            }
            for ((kx, x), (ky, y)) in xs.iter().zip(ys) {
                if kx != ky || !structural_equal(x, y)? {
                    return Ok(false);
                }
            }
            true
        }
        _ => a == b,
    })
}

fn exact(value: Option<Decimal>) -> Result<Decimal, String> {
    value.ok_or_else(|| "number cannot be represented exactly".to_string())
}

/// A whole number.
fn number(value: i128) -> Value {
    millionths(value * 1_000_000)
}

fn millionths(value: i128) -> Value {
    Value::Number(Some(Decimal::from_millionths(value)))
}

fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::Null => Value::Null,
        Literal::Bool(flag) => Value::Bool(*flag),
        Literal::Number(value) => Value::Number(Some(*value)),
        Literal::String(text) => Value::String(text.clone()),
    }
}

fn var_value(value: &hir::Value) -> Value {
    use hir::ValueKind::*;
    match &value.kind {
        Bool(flag) => Value::Bool(*flag),
        Number(n) | Money(n) | Duration(n) | Size(n) => Value::Number(Some(*n)),
        String(text) | Ident(text) | Pattern(text) => Value::String(text.clone()),
        List(items) => Value::List(items.iter().map(var_value).collect()),
        Env(_) | Invalid | OutOfRange => Value::Null,
    }
}

fn op_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        BinaryOp::StartsWith => "starts_with",
        BinaryOp::EndsWith => "ends_with",
        _ => "operator",
    }
}
