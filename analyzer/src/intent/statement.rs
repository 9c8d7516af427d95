//! What a sentence means, before it is written as FPL: a rule, the agent's default, a rate
//! limit, a budget, a redaction, audit fields, an alert or the agent's name.

use super::lexicon::Effect;

/// One understood statement and the sentence it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based line of the intent file.
    pub line: usize,
    /// The sentence, used as the rule's `reason`.
    pub sentence: String,
    /// What it says.
    pub kind: StatementKind,
}

/// The kinds of statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    /// "the agent is called payments-bot"
    Agent(String),
    /// A rule per tool pattern.
    Rule(RuleSpec),
    /// "deny everything else": the agent's `default`.
    Default(Effect),
    /// "at most 20 charges per minute"; with "allow at most …" also a permit rule.
    RateLimit {
        /// Tool patterns.
        patterns: Vec<String>,
        /// Calls per window.
        count: u64,
        /// `second`, `minute`, `hour` or `day`.
        window: &'static str,
        /// Whether the sentence also allows the tools.
        permit: bool,
    },
    /// "a daily budget of $50,000, warn at 80%"
    Budget(BudgetSpec),
    /// "never log card numbers"
    Redact {
        /// Tool patterns (`*` when none is named).
        patterns: Vec<String>,
        /// Argument paths.
        fields: Vec<String>,
    },
    /// "log every action with the requesting user"
    Audit(Vec<String>),
    /// "alert #payments-security on every denial"
    Alert {
        /// `on` values, one `alert` block each.
        events: Vec<&'static str>,
        /// The `notify` URL.
        target: String,
    },
}

/// A rule before it is split per tool pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// What it decides.
    pub effect: Effect,
    /// `deny!`
    pub mandatory: bool,
    /// One rule per pattern.
    pub patterns: Vec<String>,
    /// Conditions, joined with `and`.
    pub conditions: Vec<Condition>,
    /// `host:` selector values.
    pub hosts: Vec<String>,
    /// `notify:`
    pub notify: Option<String>,
    /// "by default": ordered after every other rule.
    pub fallback: bool,
}

/// One condition on an argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The argument path (`amount`, `customer.tier`).
    pub arg: String,
    /// The comparison.
    pub op: Op,
    /// The right side: one value, or several for `in` / `not in`.
    pub values: Vec<Value>,
}

/// Comparison operators the intent language produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==` (or `in` with several values)
    Eq,
    /// `!=` (or `not in` with several values)
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
    /// `matches`
    Matches,
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `$500` (millionths of a dollar)
    Money(i128),
    /// `20` (millionths)
    Number(i128),
    /// `"text"`
    Text(String),
    /// `true` / `false`
    Bool(bool),
}

impl Value {
    /// The numeric value of money or a number.
    pub fn number(&self) -> Option<i128> {
        match self {
            Value::Money(n) | Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// A budget statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BudgetSpec {
    /// `session` or `daily`.
    pub scope: &'static str,
    /// `max` in millionths of a dollar.
    pub max: Option<i128>,
    /// `max_calls`
    pub max_calls: Option<u64>,
    /// `warn_at` in millionths (0.8 is 800000).
    pub warn_at: Option<i128>,
    /// `on_exceed`
    pub on_exceed: Option<Effect>,
}
