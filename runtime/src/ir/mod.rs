//! The compiled policy IR: plain data the analyzer lowers into and the evaluator loads.
//!
//! Everything here is position-free; source positions live in the separate [`SourceMap`] so that
//! [`Policy::digest`] never changes when a policy is reformatted.

mod build;
mod compiled;
mod expr;
mod source_map;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use compiled::{CompiledPolicy, FORMAT_MAGIC, FORMAT_VERSION};
pub use expr::{Builtin, CompareOp, Expr, MAX_DEPTH as MAX_EXPR_DEPTH, Path, RegexId, Root, Value};
pub use source_map::{Position, SourceMap};

use crate::decimal::Decimal;

/// The version of the IR schema produced by this crate.
pub const IR_VERSION: u32 = 3;

/// A whole compiled policy: every agent, plus the pool of regular expressions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// IR schema version ([`IR_VERSION`]).
    pub version: u32,
    /// Agents; names are unique.
    pub agents: Vec<Agent>,
    /// Regular expression sources (Rust `regex` syntax plus RE2's literal `{`), referenced by
    /// [`RegexId`] from `matches` comparisons.
    pub regexes: Vec<String>,
    /// The `runtime` block's `approval_ttl` in milliseconds, when written: how long an approval
    /// of a decision service stays open (§17; the service's default is 5 minutes). The
    /// evaluator does not read it.
    pub approval_ttl_ms: Option<u64>,
}

/// The outcome of a rule or a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Allow the call.
    Permit,
    /// Refuse the call.
    Deny,
    /// Hold the call for approval.
    Defer,
}

impl Effect {
    /// The lowercase name used in JSON (`permit`, `deny`, `defer`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Deny => "deny",
            Effect::Defer => "defer",
        }
    }
}

/// One agent: its rules in source order and everything the evaluator checks around them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// The agent's name, matched against `request.agent`.
    pub name: String,
    /// The effect when no rule matches (`default`; deny when absent in the source).
    pub default_effect: Effect,
    /// Every rule in source order: mandatory denies and phase rules included.
    pub rules: Vec<Rule>,
    /// Phases in source order; [`Rule::phase`] indexes this list.
    pub phases: Vec<Phase>,
    /// The agent's `var`s, read by `vars.<name>`.
    pub vars: BTreeMap<String, Value>,
    /// `rate_limit` statements in source order.
    pub rate_limits: Vec<RateLimit>,
    /// `budget` blocks in source order.
    pub budgets: Vec<Budget>,
    /// `redact` statements in source order.
    pub redacts: Vec<Redact>,
    /// The `egress` block, if any.
    pub egress: Option<Egress>,
    /// `alert` blocks in source order.
    pub alerts: Vec<Alert>,
    /// `credential` blocks in source order.
    pub credentials: Vec<Credential>,
}

/// A `phase` block as the evaluator reads it (its rules are in [`Agent::rules`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// The name, matched against `request.phase`.
    pub name: String,
    /// `tools = [...]`: while the phase is active, a tool matching none of these patterns is
    /// denied with `OUT_OF_PHASE_TOOL_CALL` (§6.1 step 4). `None`: every tool.
    pub tools: Option<Vec<String>>,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule number within its agent, counting from 1 in source order (the id is `agent/n`).
    pub n: u32,
    /// What the rule decides.
    pub effect: Effect,
    /// A `deny!` rule (requires `effect` deny): tried before every other rule.
    pub mandatory: bool,
    /// The phase the rule belongs to (index into [`Agent::phases`]), if any.
    pub phase: Option<u32>,
    /// The tool pattern (§6.2).
    pub tool: String,
    /// Selector clauses; empty lists are absent clauses.
    pub selectors: Selectors,
    /// The `when`/`if` condition.
    pub condition: Option<Expr>,
    /// The `reason` clause.
    pub reason: Option<String>,
    /// The `notify` clause.
    pub notify: Option<String>,
}

/// Selector clauses of a rule; each list holds the alternatives of one clause.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selectors {
    /// `method`: compared with `args.method`, ignoring case.
    pub method: Vec<String>,
    /// `host`: host patterns compared with `args.host`.
    pub host: Vec<String>,
    /// `path`: patterns compared segment-wise with `args.path`.
    pub path: Vec<String>,
    /// `port`: ports (`443`) and ranges (`8000-8100`) compared with `args.port`.
    pub port: Vec<String>,
    /// `query k = v`: patterns compared with `args.query.<k>` (key ignoring case).
    pub query: Vec<KeyedSelector>,
    /// `header k = v`: patterns compared with `args.headers.<k>` (key ignoring case).
    pub header: Vec<KeyedSelector>,
}

impl Selectors {
    /// True when the rule has no selector clause.
    pub fn is_empty(&self) -> bool {
        self.method.is_empty()
            && self.host.is_empty()
            && self.path.is_empty()
            && self.port.is_empty()
            && self.query.is_empty()
            && self.header.is_empty()
    }
}

/// A `query` or `header` clause: a key and its alternative value patterns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyedSelector {
    /// The key, compared ignoring ASCII case.
    pub key: String,
    /// Alternative value patterns.
    pub values: Vec<String>,
}

/// A `rate_limit pattern: limit per window` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Tool pattern the limit applies to.
    pub pattern: String,
    /// Permitted calls per window (positive).
    pub limit: u64,
    /// The fixed window, aligned to the Unix epoch.
    pub window: Window,
}

/// A rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// One second.
    Second,
    /// One minute.
    Minute,
    /// One hour.
    Hour,
    /// One UTC day.
    Day,
}

impl Window {
    /// The window length in seconds.
    pub const fn seconds(self) -> i64 {
        match self {
            Window::Second => 1,
            Window::Minute => 60,
            Window::Hour => 3_600,
            Window::Day => 86_400,
        }
    }
}

/// A `budget` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// The id as written: `session`, `daily` or a custom id (`refunds_daily`).
    pub id: String,
    /// How `max` and `max_calls` count: per session, or per budget and UTC day.
    pub scope: BudgetScope,
    /// The tool patterns the budget applies to; `None`: every tool.
    pub tools: Option<Vec<String>>,
    /// Spend cap in dollars (per session for session scope, per UTC day for daily scope).
    pub max: Option<Decimal>,
    /// Spend cap in dollars per UTC day: of the agent in a session budget, of the budget's
    /// calls otherwise.
    pub daily: Option<Decimal>,
    /// Permitted-call cap (same counting scope as `max`).
    pub max_calls: Option<u64>,
    /// Fraction in (0, 1) of a cap at which `BUDGET_WARNING` is raised.
    pub warn_at: Option<Decimal>,
    /// What exceeding the budget does.
    pub on_exceed: OnExceed,
}

/// The counting scope of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetScope {
    /// Per (agent, session): the `session` budget.
    Session,
    /// Per agent, budget and UTC day, over the calls the budget matches: `daily` and custom ids.
    Daily,
}

/// What exceeding a budget does (`on_exceed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnExceed {
    /// The call is denied with `BUDGET_EXCEEDED` (the default).
    Deny,
    /// The call is deferred with `BUDGET_EXCEEDED`.
    Defer,
    /// The call stays permitted and the warning `BUDGET_EXCEEDED` is added.
    Audit,
}

/// A `redact pattern args: [...]` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redact {
    /// Tool pattern.
    pub pattern: String,
    /// Argument paths (dotted, relative to `args`).
    pub args: Vec<String>,
}

/// An `egress` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Egress {
    /// Host patterns allowed; `None` when `allow` is not given.
    pub allow: Option<Vec<String>>,
    /// Host patterns denied.
    pub deny: Vec<String>,
}

/// An `alert` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// An effect (`deny`) or a lowercase reason code or warning (`budget_warning`).
    pub on: String,
    /// The notification target (`slack://#x`).
    pub notify: String,
}

/// A `credential` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The credential's name.
    pub name: String,
    /// Tool patterns it covers; empty means the tools whose first segment is `name`.
    pub scope: Vec<String>,
}
