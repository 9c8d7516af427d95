//! The semantic model of a policy: agents, rules with lowered conditions, limits and blocks.
//!
//! Plain data with spans, built from syntax trees by `lower` and read by the checks, the
//! lowering to the runtime IR and the reference evaluator.

use fpl_runtime::Decimal;
pub use fpl_runtime::ir::{Builtin, Root};
use fpl_syntax::TextRange;
pub use fpl_syntax::ast::{BinaryOp, EffectKind};

use crate::diagnostic::Span;
use crate::source::FileId;

/// A whole policy: every file's items, with agents global across files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Imports in file order.
    pub imports: Vec<Import>,
    /// Agents in file order; flat rules of all files form one agent `default`.
    pub agents: Vec<Agent>,
    /// Top-level blocks carried into bundles: `runtime`, `provider`, `identity`, `system`, `trust`.
    pub blocks: Vec<ConfigBlock>,
    /// Imported agents that a local agent of the same name replaces (`W0401`): not part of the
    /// policy.
    pub shadowed: Vec<ShadowedAgent>,
}

/// An imported agent replaced by a local agent of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowedAgent {
    /// The reference of the import that declares it.
    pub import: String,
    /// The imported agent.
    pub agent: Agent,
}

impl Policy {
    /// The agent called `name`.
    pub fn agent(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|agent| agent.name == name)
    }

    /// Joins imported policies, each with the reference that imports it (SPEC §9.2): their
    /// agents and blocks join this one, except that an agent whose name a local agent has is
    /// set aside in `shadowed`. Call once, on the policy of the local files.
    pub fn join_imports(&mut self, imported: Vec<(String, Policy)>) {
        let local: std::collections::HashSet<String> =
            self.agents.iter().map(|agent| agent.name.clone()).collect();
        for (import, policy) in imported {
            self.imports.extend(policy.imports);
            self.blocks.extend(policy.blocks);
            for agent in policy.agents {
                if local.contains(&agent.name) {
                    self.shadowed.push(ShadowedAgent {
                        import: import.clone(),
                        agent,
                    });
                } else {
                    self.agents.push(agent);
                }
            }
        }
    }

    /// The names of declared providers.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.blocks
            .iter()
            .filter(|block| block.keyword == "provider")
            .filter_map(|block| block.name.as_deref())
    }
}

/// `import "ref" [as alias]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The reference string.
    pub reference: String,
    /// The alias, if any.
    pub alias: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// An agent and everything declared in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The agent's name (`default` for flat rules).
    pub name: String,
    /// Where the name is written (the first flat rule for the implicit agent).
    pub name_span: Span,
    /// Whether this is the implicit agent of flat rules.
    pub is_flat: bool,
    /// `default` and where it is written; `None` when absent (deny).
    pub default: Option<(EffectKind, Span)>,
    /// Where the agent block's `{` is, for fixes that insert statements.
    pub open_brace: Option<TextRange>,
    /// `model`, `framework`, `version`.
    pub attributes: Vec<(String, Value)>,
    /// `var name = value`
    pub vars: Vec<Var>,
    /// `budget` blocks in source order.
    pub budgets: Vec<Budget>,
    /// Phases in source order.
    pub phases: Vec<Phase>,
    /// Every rule in source order, phase rules and mandatory denies included.
    pub rules: Vec<Rule>,
    /// `rate_limit` statements in source order.
    pub rate_limits: Vec<RateLimit>,
    /// `redact` statements in source order.
    pub redacts: Vec<Redact>,
    /// `credential` blocks.
    pub credentials: Vec<Credential>,
    /// `egress`, `alert`, `delegate`, `selector`, `ambient`, `session`, `spawn`, … blocks.
    pub blocks: Vec<ConfigBlock>,
    /// `audit { include x }` words.
    pub audit: Vec<String>,
}

impl Agent {
    /// An agent with nothing declared yet.
    pub fn new(name: String, name_span: Span, is_flat: bool) -> Self {
        Agent {
            name,
            name_span,
            is_flat,
            default: None,
            open_brace: None,
            attributes: Vec::new(),
            vars: Vec::new(),
            budgets: Vec::new(),
            phases: Vec::new(),
            rules: Vec::new(),
            rate_limits: Vec::new(),
            redacts: Vec::new(),
            credentials: Vec::new(),
            blocks: Vec::new(),
            audit: Vec::new(),
        }
    }

    /// The effect when no rule matches.
    pub fn default_effect(&self) -> EffectKind {
        self.default.map_or(EffectKind::Deny, |(effect, _)| effect)
    }

    /// The configuration blocks with keyword `keyword`.
    pub fn blocks_named<'a>(
        &'a self,
        keyword: &'a str,
    ) -> impl Iterator<Item = &'a ConfigBlock> + 'a {
        self.blocks
            .iter()
            .filter(move |block| block.keyword == keyword)
    }
}

/// `var name = value`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The name.
    pub name: String,
    /// The value.
    pub value: Value,
    /// Where the name is written.
    pub span: Span,
}

/// A `budget` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The id: `session`, `daily` or a custom id (`refunds_daily`), SPEC §6.1 step 6.
    pub scope: String,
    /// Where the id is written.
    pub span: Span,
    /// The items as written: key, value.
    pub items: Vec<(String, Value)>,
}

/// What exceeding a budget does (`on_exceed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExceed {
    /// `deny` (also when `on_exceed` is absent).
    Deny,
    /// `defer`
    Defer,
    /// `audit`: the call stays permitted and the warning `BUDGET_EXCEEDED` is added.
    Audit,
}

impl Budget {
    /// The amount or count of `key` (`max`, `daily`, `max_calls`, `warn_at`).
    pub fn number(&self, key: &str) -> Option<Decimal> {
        self.value(key).and_then(|value| match value.kind {
            ValueKind::Money(n) | ValueKind::Number(n) => Some(n),
            _ => None,
        })
    }

    /// The value of item `key`, if written.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.items
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// What exceeding the budget does.
    pub fn on_exceed(&self) -> OnExceed {
        match self.value("on_exceed").and_then(Value::as_text) {
            Some("defer") => OnExceed::Defer,
            Some("audit") => OnExceed::Audit,
            _ => OnExceed::Deny,
        }
    }

    /// Whether spend and calls count per (agent, session): the `session` budget. Every other
    /// budget counts per agent, budget and UTC day.
    pub fn is_session(&self) -> bool {
        self.scope == "session"
    }

    /// The tool patterns of `tools`; `None` when absent (every tool).
    pub fn tools(&self) -> Option<Vec<String>> {
        self.value("tools").map(Value::texts)
    }
}

/// A `phase` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// The name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// `duration`, `next` and `tools` as written.
    pub attributes: Vec<(String, Value)>,
}

impl Phase {
    /// The tool patterns of `tools`, the only tools the phase allows (SPEC §6.1 step 4);
    /// `None` when absent (every tool).
    pub fn tools(&self) -> Option<Vec<String>> {
        self.attributes
            .iter()
            .find(|(key, _)| key == "tools")
            .map(|(_, value)| value.texts())
    }
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// 1-based number of the rule within its agent (SPEC §8 rule ids).
    pub number: usize,
    /// What it decides.
    pub effect: EffectKind,
    /// `deny!`
    pub mandatory: bool,
    /// The index of its phase in the agent's phases, for phase rules.
    pub phase: Option<usize>,
    /// The tool pattern.
    pub pattern: String,
    /// Where the pattern is written.
    pub pattern_range: TextRange,
    /// Selector clauses.
    pub selectors: Vec<Selector>,
    /// The condition, if any.
    pub condition: Option<Expr>,
    /// `reason`
    pub reason: Option<String>,
    /// `notify`
    pub notify: Option<String>,
    /// `reeval`
    pub reeval: Option<bool>,
    /// The whole rule.
    pub span: Span,
}

/// Which request argument a selector clause reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SelectorKind {
    /// `method`
    Method,
    /// `host`
    Host,
    /// `path`
    Path,
    /// `port`
    Port,
    /// `query key = …`
    Query(String),
    /// `header key = …`
    Header(String),
}

/// A selector clause: an argument and the alternatives it may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// What it reads.
    pub kind: SelectorKind,
    /// The alternatives.
    pub values: Vec<String>,
    /// Where the clause is written.
    pub range: TextRange,
}

/// `rate_limit pattern: N per window`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// The tool pattern.
    pub pattern: String,
    /// The count as written.
    pub limit: Option<Value>,
    /// The window word as written.
    pub window: Option<String>,
    /// The whole statement.
    pub span: Span,
}

/// `redact pattern args: [...]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redact {
    /// The tool pattern.
    pub pattern: String,
    /// The argument paths.
    pub args: Vec<String>,
    /// The whole statement.
    pub span: Span,
}

/// A `credential` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Scope patterns; empty means the tools whose first segment is the name.
    pub scopes: Vec<String>,
    /// `backend`, `path`, `ttl`, `max_scope` as written.
    pub attributes: Vec<(String, Value)>,
}

/// A configuration block as written: keyword, optional name, entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigBlock {
    /// The keyword (`runtime`, `egress`, `session`, …; `trust` for trust blocks).
    pub keyword: String,
    /// The name for named blocks (`provider vault`).
    pub name: Option<String>,
    /// Entries in order.
    pub entries: Vec<ConfigEntry>,
    /// Where the block's keyword is written.
    pub span: Span,
}

/// `key [=] value` or `key { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    /// The key.
    pub key: String,
    /// Where the key is written.
    pub key_range: TextRange,
    /// The value, or a nested block.
    pub value: ConfigValue,
}

/// What a configuration key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    /// A value.
    Value(Value),
    /// A nested block.
    Block(Vec<ConfigEntry>),
    /// Nothing could be read (a syntax error was reported).
    Missing,
}

/// A value in a block, with its unit as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// What it is.
    pub kind: ValueKind,
    /// Where it is written.
    pub range: TextRange,
}

/// The kinds of block values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// `true`/`false`
    Bool(bool),
    /// A plain number.
    Number(Decimal),
    /// `$…`, in dollars.
    Money(Decimal),
    /// A duration, in seconds.
    Duration(Decimal),
    /// A size, in bytes.
    Size(Decimal),
    /// A quoted string.
    String(String),
    /// A bare identifier.
    Ident(String),
    /// A bare pattern such as `secret/data/x`, read as a string.
    Pattern(String),
    /// `[ … ]`
    List(Vec<Value>),
    /// `env("X")`
    Env(String),
    /// Malformed (already reported as a syntax error).
    Invalid,
    /// A number, money, duration or size too large to represent (`E0003`).
    OutOfRange,
}

impl Value {
    /// The texts of a list's string, identifier and pattern items, or of a single such value.
    pub fn texts(&self) -> Vec<String> {
        match &self.kind {
            ValueKind::List(items) => items
                .iter()
                .filter_map(|item| item.as_text().map(str::to_string))
                .collect(),
            _ => self.as_text().map(str::to_string).into_iter().collect(),
        }
    }

    /// The text of a string, identifier or bare pattern.
    pub fn as_text(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(text) | ValueKind::Ident(text) | ValueKind::Pattern(text) => {
                Some(text)
            }
            _ => None,
        }
    }

    /// A short name of the value's type for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ValueKind::Bool(_) => "boolean",
            ValueKind::Number(_) => "number",
            ValueKind::Money(_) => "money",
            ValueKind::Duration(_) => "duration",
            ValueKind::Size(_) => "size",
            ValueKind::String(_) => "string",
            ValueKind::Ident(_) => "name",
            ValueKind::Pattern(_) => "pattern",
            ValueKind::List(_) => "list",
            ValueKind::Env(_) => "env(…)",
            ValueKind::Invalid | ValueKind::OutOfRange => "invalid value",
        }
    }
}

/// A condition expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub range: TextRange,
}

/// The kinds of condition expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A list of literals.
    List(Vec<Literal>),
    /// A path into the request.
    Path(Path),
    /// `not x`
    Not(Box<Expr>),
    /// `lhs op rhs`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `name(args)`
    Call {
        /// The function called.
        function: Callee,
        /// The arguments (empty when they could not be read).
        args: Vec<Expr>,
    },
    /// A piece the parser could not read (a syntax error was reported).
    Missing,
    /// A literal (or a list holding one) whose number is too large to represent (`E0003`).
    OutOfRange,
}

/// The function a call names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Callee {
    /// A built-in function.
    Builtin(Builtin),
    /// Any other name, as written (`session.sum` for a dotted one): an error (`E0224`).
    Unknown(String),
}

impl Callee {
    /// The callee of a call written `name(…)`.
    pub fn from_name(name: &str) -> Callee {
        Builtin::from_name(name).map_or_else(|| Callee::Unknown(name.to_string()), Callee::Builtin)
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        match self {
            Callee::Builtin(builtin) => builtin.as_str(),
            Callee::Unknown(name) => name,
        }
    }
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Literal {
    /// `null`, `nil`
    Null,
    /// `true`, `false`
    Bool(bool),
    /// A number (money, durations and sizes included).
    Number(Decimal),
    /// A string.
    String(String),
}

impl Literal {
    /// The literal's type for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Null => "null",
            Literal::Bool(_) => "boolean",
            Literal::Number(_) => "number",
            Literal::String(_) => "string",
        }
    }
}

/// A path such as `args.customer.tenant`; `amount` is `args.amount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The root.
    pub root: Root,
    /// The names after the root.
    pub segments: Vec<String>,
    /// Whether the root was written (`args.amount`) or implied (`amount`).
    pub explicit_root: bool,
}

impl Path {
    /// The path as it reads with its root: `args.amount`.
    pub fn display(&self) -> String {
        let mut out = self.root.as_str().to_string();
        for segment in &self.segments {
            out.push('.');
            out.push_str(segment);
        }
        out
    }
}

/// A file's id with a range, for building spans.
pub fn span(file: FileId, range: TextRange) -> Span {
    Span { file, range }
}
