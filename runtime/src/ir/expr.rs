//! Condition expressions and literal values of the IR.

use std::cell::Cell;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decimal::Decimal;

/// Maximum nesting depth of expressions and literal lists (SPEC §3 note 6).
pub const MAX_DEPTH: usize = 64;

/// A literal value: `var` values and condition literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null` (also written `nil`).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number; money, durations and sizes are numbers too.
    Number(Decimal),
    /// A string.
    String(String),
    /// A list of literals.
    List(Vec<Value>),
}

/// A condition expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A literal.
    Literal(Value),
    /// A path read from the request, the state or the agent's vars.
    Path(Path),
    /// `not e`.
    Not(Box<Expr>),
    /// `a and b and …`, short-circuit left to right.
    And(Vec<Expr>),
    /// `a or b or …`, short-circuit left to right.
    Or(Vec<Expr>),
    /// A comparison `left op right`.
    Compare {
        /// The operator.
        op: CompareOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand; for `matches` the string literal of the regex.
        right: Box<Expr>,
    },
    /// A built-in function call.
    Call {
        /// Which built-in.
        function: Builtin,
        /// Its arguments.
        args: Vec<Expr>,
    },
}

/// A path: a root and member names (`args.customer.tenant`, `session.calls`, `vars.limit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Path {
    /// The root.
    pub root: Root,
    /// Member names after the root.
    pub segments: Vec<String>,
}

/// The root of a [`Path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Root {
    /// `args.*` — the request's arguments (also bare names).
    Args,
    /// `principal.*`.
    Principal,
    /// `session.id|calls|cost|daily_cost`.
    Session,
    /// `time.hour|weekday|day|month|unix`.
    Time,
    /// `tool.name`.
    Tool,
    /// `agent.name`.
    Agent,
    /// `vars.<name>`.
    Vars,
}

impl Root {
    /// Every root, in the order SPEC §6.3 lists them.
    pub const ALL: [Root; 7] = [
        Root::Args,
        Root::Principal,
        Root::Session,
        Root::Time,
        Root::Tool,
        Root::Agent,
        Root::Vars,
    ];

    /// The root a path's first name denotes, if it is one.
    pub fn from_name(name: &str) -> Option<Root> {
        Root::ALL.into_iter().find(|root| root.as_str() == name)
    }

    /// The built-in fields of a root that has them (SPEC §6.3); `None` for the roots whose
    /// members are data (`args`, `principal`, `vars`).
    pub const fn builtin_fields(self) -> Option<&'static [&'static str]> {
        match self {
            Root::Session => Some(&["id", "calls", "cost", "daily_cost"]),
            Root::Time => Some(&["hour", "weekday", "day", "month", "unix"]),
            Root::Tool | Root::Agent => Some(&["name"]),
            Root::Args | Root::Principal | Root::Vars => None,
        }
    }

    /// The root's name in FPL source.
    pub const fn as_str(self) -> &'static str {
        match self {
            Root::Args => "args",
            Root::Principal => "principal",
            Root::Session => "session",
            Root::Time => "time",
            Root::Tool => "tool",
            Root::Agent => "agent",
            Root::Vars => "vars",
        }
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// `==` (with the null rule of §6.3).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`.
    In,
    /// `not in`.
    NotIn,
    /// `matches` / `=~` with the policy regex it uses (unanchored).
    Matches(RegexId),
    /// `not matches` / `!~`.
    NotMatches(RegexId),
    /// `contains`.
    Contains,
    /// `starts_with`.
    StartsWith,
    /// `ends_with`.
    EndsWith,
}

impl CompareOp {
    /// The operator as written in FPL.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
            CompareOp::Matches(_) => "matches",
            CompareOp::NotMatches(_) => "not matches",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts_with",
            CompareOp::EndsWith => "ends_with",
        }
    }
}

/// Index into [`super::Policy::regexes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegexId(pub u32);

impl RegexId {
    /// A placeholder filled in by [`super::Policy::intern_regexes`].
    pub const UNASSIGNED: RegexId = RegexId(u32::MAX);
}

/// Built-in functions (§6.4): the one list of their names, signatures and documentation that
/// the analyzer's checks, lowering, SMT encoding and editor help all read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
    /// `len(x)`.
    Len,
    /// `lower(s)`.
    Lower,
    /// `upper(s)`.
    Upper,
    /// `history_contains_within("pattern", seconds)`.
    HistoryContainsWithin,
    /// `history_sequence("p1", "p2", …)`.
    HistorySequence,
    /// `history_tool_count("pattern")`.
    HistoryToolCount,
    /// `deny_count_within(seconds)`.
    DenyCountWithin,
    /// `purpose(s)`.
    Purpose,
    /// `args_array_len("p")`.
    ArgsArrayLen,
}

impl Builtin {
    /// Every built-in function, in the order SPEC §6.4 lists them.
    pub const ALL: [Builtin; 9] = [
        Builtin::Len,
        Builtin::Lower,
        Builtin::Upper,
        Builtin::HistoryContainsWithin,
        Builtin::HistorySequence,
        Builtin::HistoryToolCount,
        Builtin::DenyCountWithin,
        Builtin::Purpose,
        Builtin::ArgsArrayLen,
    ];

    /// The function's name in FPL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Builtin::Len => "len",
            Builtin::Lower => "lower",
            Builtin::Upper => "upper",
            Builtin::HistoryContainsWithin => "history_contains_within",
            Builtin::HistorySequence => "history_sequence",
            Builtin::HistoryToolCount => "history_tool_count",
            Builtin::DenyCountWithin => "deny_count_within",
            Builtin::Purpose => "purpose",
            Builtin::ArgsArrayLen => "args_array_len",
        }
    }

    /// The built-in called `name`.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL
            .into_iter()
            .find(|builtin| builtin.as_str() == name)
    }

    /// How many arguments it takes at least.
    pub const fn min_args(self) -> usize {
        match self {
            Builtin::HistoryContainsWithin => 2,
            _ => 1,
        }
    }

    /// How many arguments it takes at most; `None` for any number.
    pub const fn max_args(self) -> Option<usize> {
        match self {
            Builtin::HistorySequence => None,
            Builtin::HistoryContainsWithin => Some(2),
            _ => Some(1),
        }
    }

    /// Whether argument `index` (from 0) must be a string literal: a tool pattern or an
    /// argument name.
    pub const fn literal_arg(self, index: usize) -> bool {
        match self {
            Builtin::HistoryContainsWithin => index == 0,
            Builtin::HistorySequence | Builtin::HistoryToolCount | Builtin::ArgsArrayLen => true,
            Builtin::Len
            | Builtin::Lower
            | Builtin::Upper
            | Builtin::DenyCountWithin
            | Builtin::Purpose => false,
        }
    }

    /// What the function does, in Markdown (shown by editors).
    pub const fn doc(self) -> &'static str {
        match self {
            Builtin::Len => "`len(x)`: the length of a string (in characters) or a list.",
            Builtin::Lower => "`lower(s)`: `s` in lower case.",
            Builtin::Upper => "`upper(s)`: `s` in upper case.",
            Builtin::HistoryContainsWithin => {
                "`history_contains_within(\"pattern\", seconds)`: a permitted call matching the pattern happened within `seconds` before now."
            }
            Builtin::HistorySequence => {
                "`history_sequence(\"p1\", \"p2\", …)`: permitted calls matching the patterns happened in this order."
            }
            Builtin::HistoryToolCount => {
                "`history_tool_count(\"pattern\")`: how many permitted calls in the session history match."
            }
            Builtin::DenyCountWithin => {
                "`deny_count_within(seconds)`: how many calls were denied within `seconds` before now."
            }
            Builtin::Purpose => "`purpose(\"s\")`: `args.purpose` equals `s`, ignoring ASCII case.",
            Builtin::ArgsArrayLen => {
                "`args_array_len(\"p\")`: `len(args.p)`; an error unless it is a list."
            }
        }
    }
}

impl Expr {
    /// Nesting depth: a literal scalar or path is 1.
    pub fn depth(&self) -> usize {
        match self {
            Expr::Literal(v) => v.depth(),
            Expr::Path(_) => 1,
            Expr::Not(e) => 1 + e.depth(),
            Expr::And(items) | Expr::Or(items) | Expr::Call { args: items, .. } => {
                1 + items.iter().map(Expr::depth).max().unwrap_or(0)
            }
            Expr::Compare { left, right, .. } => 1 + left.depth().max(right.depth()),
        }
    }
}

impl Value {
    /// Nesting depth: a scalar is 1.
    pub fn depth(&self) -> usize {
        match self {
            Value::List(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            _ => 1,
        }
    }
}

// Serde: `Expr` and `Value` are recursive. Their derived implementations are generated as
// inherent functions (`remote = "Self"`) and wrapped by trait impls that count nesting while
// deserializing, so hostile input fails with an error instead of overflowing the stack.

thread_local! {
    static DECODE_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Hard stack-safety bound while decoding; validation then enforces [`MAX_DEPTH`] exactly.
const DECODE_LIMIT: usize = 2 * MAX_DEPTH + 8;

fn guarded<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    inner: impl FnOnce(D) -> Result<T, D::Error>,
) -> Result<T, D::Error> {
    let depth = DECODE_DEPTH.with(|d| {
        let depth = d.get() + 1;
        d.set(depth);
        depth
    });
    let result = if depth > DECODE_LIMIT {
        Err(serde::de::Error::custom("expression nested too deeply"))
    } else {
        inner(deserializer)
    };
    DECODE_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result
}

mod serde_impls {
    //! Derived serde for the recursive types; their fields go through the guarded trait impls.
    #![allow(missing_docs)]
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Value", rename_all = "lowercase")]
    pub enum ValueDef {
        Null,
        Bool(bool),
        Number(Decimal),
        String(String),
        List(Vec<Value>),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Expr", rename_all = "snake_case")]
    pub enum ExprDef {
        Literal(Value),
        Path(Path),
        Not(Box<Expr>),
        And(Vec<Expr>),
        Or(Vec<Expr>),
        Compare {
            op: CompareOp,
            left: Box<Expr>,
            right: Box<Expr>,
        },
        Call {
            function: Builtin,
            args: Vec<Expr>,
        },
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_impls::ValueDef::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        guarded(d, serde_impls::ValueDef::deserialize)
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_impls::ExprDef::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Expr, D::Error> {
        guarded(d, serde_impls::ExprDef::deserialize)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Decimal::from_int(n))
    }
}

impl From<Decimal> for Value {
    fn from(n: Decimal) -> Value {
        Value::Number(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

impl fmt::Display for Value {
    /// FPL literal syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for Path {
    /// `args.customer.tenant`, `args["in"]` for names that are not identifiers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.root.as_str())?;
        for seg in &self.segments {
            let plain = seg
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if plain {
                write!(f, ".{seg}")?
            } else {
                write!(f, "[{seg:?}]")?
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    /// FPL source syntax, fully parenthesised where nesting could be ambiguous.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn joined(f: &mut fmt::Formatter<'_>, items: &[Expr], sep: &str) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                match item {
                    Expr::And(_) | Expr::Or(_) => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        }
        match self {
            Expr::Literal(v) => write!(f, "{v}"),
            Expr::Path(p) => write!(f, "{p}"),
            Expr::Not(e) => write!(f, "not ({e})"),
            Expr::And(items) => joined(f, items, " and "),
            Expr::Or(items) => joined(f, items, " or "),
            Expr::Compare { op, left, right } => write!(f, "{left} {} {right}", op.as_str()),
            Expr::Call { function, args } => {
                write!(f, "{}(", function.as_str())?;
                joined(f, args, ", ")?;
                f.write_str(")")
            }
        }
    }
}
