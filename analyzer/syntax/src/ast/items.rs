//! Typed nodes for items, blocks, rules, clauses, values and configuration.

use super::{AstNode, ast_node, child, children, token, token_value, tokens};
use crate::SyntaxKind::{self, *};
use crate::{SyntaxNode, SyntaxToken};

ast_node!(
    /// A whole FPL file.
    SourceFile, SOURCE_FILE
);
ast_node!(
    /// `import "ref" [as alias]`
    Import, IMPORT
);
ast_node!(
    /// `agent name { … }`
    Agent, AGENT
);
ast_node!(
    /// An agent, phase, provider, credential or other name (identifier or string).
    Name, NAME
);
ast_node!(
    /// `default permit|deny|defer`
    DefaultDecl, DEFAULT_DECL
);
ast_node!(
    /// `model`, `framework` or `version` with a value.
    Attribute, ATTRIBUTE
);
ast_node!(
    /// `var name [=] value`
    VarDecl, VAR_DECL
);
ast_node!(
    /// `budget scope { … }`
    Budget, BUDGET
);
ast_node!(
    /// `max`, `daily`, `max_calls`, `warn_at`, `on_exceed` or `tools` inside a budget.
    BudgetItem, BUDGET_ITEM
);
ast_node!(
    /// `phase name { … }`
    Phase, PHASE
);
ast_node!(
    /// `duration`, `next` or `tools` inside a phase.
    PhaseAttr, PHASE_ATTR
);
ast_node!(
    /// `rules { … }`
    RulesBlock, RULES_BLOCK
);
ast_node!(
    /// `effect pattern clause*`
    Rule, RULE
);
ast_node!(
    /// The effect word of a rule, with `!` for a mandatory deny.
    Effect, EFFECT
);
ast_node!(
    /// A tool pattern (or a pattern written as a string).
    ToolPattern, TOOL_PATTERN
);
ast_node!(
    /// `when expr` or `if expr`
    ConditionClause, CONDITION_CLAUSE
);
ast_node!(
    /// `method`, `host`, `path` or `port` with patterns.
    SelectorClause, SELECTOR_CLAUSE
);
ast_node!(
    /// `query` or `header(s)` with a key and patterns.
    KeyedSelectorClause, KEYED_SELECTOR_CLAUSE
);
ast_node!(
    /// `reason` or `notify` with a string.
    TextClause, TEXT_CLAUSE
);
ast_node!(
    /// `reeval true|false`
    ReevalClause, REEVAL_CLAUSE
);
ast_node!(
    /// The comma-separated patterns of a selector clause.
    SelectorValue, SELECTOR_VALUE
);
ast_node!(
    /// `rate_limit pattern: N per window`
    RateLimit, RATE_LIMIT
);
ast_node!(
    /// `redact pattern args: [...]`
    Redact, REDACT
);
ast_node!(
    /// `credential name { … }`
    Credential, CREDENTIAL
);
ast_node!(
    /// `scope pattern+` inside a credential.
    CredentialScope, CREDENTIAL_SCOPE
);
ast_node!(
    /// `backend`, `path`, `ttl` or `max_scope` inside a credential.
    CredentialAttr, CREDENTIAL_ATTR
);
ast_node!(
    /// `audit { include x … }`
    Audit, AUDIT
);
ast_node!(
    /// `{ entry* }`
    ConfigBlock, CONFIG_BLOCK
);
ast_node!(
    /// `key [=] value` or `key { … }`
    ConfigEntry, CONFIG_ENTRY
);
ast_node!(
    /// A scalar value: literal, identifier or bare pattern.
    ValueLiteral, VALUE_LITERAL
);
ast_node!(
    /// `[ value, … ]`
    ValueList, VALUE_LIST
);
ast_node!(
    /// `env("NAME")`
    EnvCall, ENV_CALL
);
ast_node!(
    /// `trust { … }`
    Trust, TRUST
);
ast_node!(
    /// `key "id" [=] "ed25519:…"` inside `trust` (the key quoted or not).
    TrustKey, TRUST_KEY
);
ast_node!(
    /// `manifest orchestrator …` or `manifest grant …`
    Manifest, MANIFEST
);

/// A block with a keyword and a configuration block: `runtime`, `provider`, `egress`, …
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigItem(SyntaxNode);

impl AstNode for ConfigItem {
    fn cast(node: SyntaxNode) -> Option<Self> {
        matches!(
            node.kind(),
            RUNTIME
                | PROVIDER
                | IDENTITY
                | SYSTEM
                | EGRESS
                | ALERT
                | AMBIENT
                | DELEGATE
                | SELECTOR
                | NAMED_CONFIG
        )
        .then(|| ConfigItem(node))
    }
    fn syntax(&self) -> &SyntaxNode {
        &self.0
    }
}

impl ConfigItem {
    /// The kind of block (`RUNTIME`, `EGRESS`, …).
    pub fn kind(&self) -> SyntaxKind {
        self.0.kind()
    }
    /// The keyword that opens the block.
    pub fn keyword(&self) -> Option<SyntaxToken> {
        token(&self.0, KEYWORD)
    }
    /// The block's name, for `provider`, `identity`, `system`, `delegate` and `selector`.
    pub fn name(&self) -> Option<Name> {
        child(&self.0)
    }
    /// The configuration block.
    pub fn block(&self) -> Option<ConfigBlock> {
        child(&self.0)
    }
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    /// `import`
    Import(Import),
    /// `agent`
    Agent(Agent),
    /// A rule outside any agent (a flat rule).
    Rule(Rule),
    /// `trust`
    Trust(Trust),
    /// `manifest`
    Manifest(Manifest),
    /// `runtime`, `provider`, `identity` or `system`.
    Config(ConfigItem),
}

impl SourceFile {
    /// The top-level items in source order.
    pub fn items(&self) -> impl Iterator<Item = Item> + use<> {
        self.0.children().filter_map(|node| match node.kind() {
            IMPORT => Import::cast(node).map(Item::Import),
            AGENT => Agent::cast(node).map(Item::Agent),
            RULE => Rule::cast(node).map(Item::Rule),
            TRUST => Trust::cast(node).map(Item::Trust),
            MANIFEST => Manifest::cast(node).map(Item::Manifest),
            _ => ConfigItem::cast(node).map(Item::Config),
        })
    }
}

impl Import {
    /// The reference string token.
    pub fn reference(&self) -> Option<SyntaxToken> {
        token(&self.0, STRING)
    }
    /// The alias after `as`.
    pub fn alias(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

/// An item inside an `agent` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AgentItem {
    /// `default`
    Default(DefaultDecl),
    /// `model`, `framework`, `version`
    Attribute(Attribute),
    /// `var`
    Var(VarDecl),
    /// `budget`
    Budget(Budget),
    /// `phase`
    Phase(Phase),
    /// `rules { … }`
    Rules(RulesBlock),
    /// A rule written directly in the agent.
    Rule(Rule),
    /// `rate_limit`
    RateLimit(RateLimit),
    /// `redact`
    Redact(Redact),
    /// `credential`
    Credential(Credential),
    /// `audit`
    Audit(Audit),
    /// `egress`, `alert`, `ambient`, `delegate`, `selector`, `session`, `spawn`, …
    Config(ConfigItem),
}

impl Agent {
    /// The agent's name.
    pub fn name(&self) -> Option<Name> {
        child(&self.0)
    }
    /// The items of the agent block in source order.
    pub fn items(&self) -> impl Iterator<Item = AgentItem> + use<> {
        self.0.children().filter_map(|node| match node.kind() {
            DEFAULT_DECL => DefaultDecl::cast(node).map(AgentItem::Default),
            ATTRIBUTE => Attribute::cast(node).map(AgentItem::Attribute),
            VAR_DECL => VarDecl::cast(node).map(AgentItem::Var),
            BUDGET => Budget::cast(node).map(AgentItem::Budget),
            PHASE => Phase::cast(node).map(AgentItem::Phase),
            RULES_BLOCK => RulesBlock::cast(node).map(AgentItem::Rules),
            RULE => Rule::cast(node).map(AgentItem::Rule),
            RATE_LIMIT => RateLimit::cast(node).map(AgentItem::RateLimit),
            REDACT => Redact::cast(node).map(AgentItem::Redact),
            CREDENTIAL => Credential::cast(node).map(AgentItem::Credential),
            AUDIT => Audit::cast(node).map(AgentItem::Audit),
            _ => ConfigItem::cast(node).map(AgentItem::Config),
        })
    }
}

impl Name {
    /// The name's text, unquoted.
    pub fn text(&self) -> String {
        self.token()
            .map(|token| token_value(&token))
            .unwrap_or_default()
    }
    /// The identifier or string token.
    pub fn token(&self) -> Option<SyntaxToken> {
        tokens(&self.0).next()
    }
}

/// Shared accessors of `keyword [=] value` statements.
macro_rules! keyword_value_accessors {
    ($($name:ident),*) => {$(
        impl $name {
            /// The keyword that starts the statement.
            pub fn keyword(&self) -> Option<SyntaxToken> {
                token(&self.0, KEYWORD)
            }
            /// The statement's value.
            pub fn value(&self) -> Option<Value> {
                self.0.children().find_map(Value::cast)
            }
        }
    )*};
}
keyword_value_accessors!(Attribute, BudgetItem, PhaseAttr, CredentialAttr, VarDecl);

impl DefaultDecl {
    /// The effect word (`permit`, `deny` or `defer`).
    pub fn effect_word(&self) -> Option<SyntaxToken> {
        tokens(&self.0).nth(1)
    }
}

impl VarDecl {
    /// The variable's name.
    pub fn name(&self) -> Option<Name> {
        child(&self.0)
    }
}

impl Budget {
    /// The id: `session`, `daily` or a custom id (`refunds_daily`).
    pub fn scope(&self) -> Option<Name> {
        child(&self.0)
    }
    /// The budget's items.
    pub fn items(&self) -> impl Iterator<Item = BudgetItem> + use<> {
        children(&self.0)
    }
}

/// A statement inside a `phase` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PhaseItem {
    /// A rule.
    Rule(Rule),
    /// `rules { … }`
    Rules(RulesBlock),
    /// `duration`, `next` or `tools`.
    Attr(PhaseAttr),
}

impl Phase {
    /// The phase's name.
    pub fn name(&self) -> Option<Name> {
        child(&self.0)
    }
    /// The phase's statements in source order.
    pub fn items(&self) -> impl Iterator<Item = PhaseItem> + use<> {
        self.0.children().filter_map(|node| match node.kind() {
            RULE => Rule::cast(node).map(PhaseItem::Rule),
            RULES_BLOCK => RulesBlock::cast(node).map(PhaseItem::Rules),
            PHASE_ATTR => PhaseAttr::cast(node).map(PhaseItem::Attr),
            _ => None,
        })
    }
}

impl RulesBlock {
    /// The rules in source order.
    pub fn rules(&self) -> impl Iterator<Item = Rule> + use<> {
        children(&self.0)
    }
}

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectKind {
    /// `permit`, `allow`, `approve`
    Permit,
    /// `deny`, `block`, `reject` (and `deny!`)
    Deny,
    /// `defer`, `require_approval`
    Defer,
}

impl Effect {
    /// The effect word token.
    pub fn keyword(&self) -> Option<SyntaxToken> {
        token(&self.0, KEYWORD)
    }
    /// Whether this is a mandatory deny (`deny!`).
    pub fn is_mandatory(&self) -> bool {
        token(&self.0, BANG).is_some()
    }
    /// The effect the word stands for.
    pub fn kind(&self) -> Option<EffectKind> {
        effect_kind(self.keyword()?.text())
    }
}

/// The effect an effect word stands for.
pub fn effect_kind(word: &str) -> Option<EffectKind> {
    match word {
        "permit" | "allow" | "approve" => Some(EffectKind::Permit),
        "deny" | "block" | "reject" => Some(EffectKind::Deny),
        "defer" | "require_approval" => Some(EffectKind::Defer),
        _ => None,
    }
}

impl Rule {
    /// The effect.
    pub fn effect(&self) -> Option<Effect> {
        child(&self.0)
    }
    /// The tool pattern.
    pub fn pattern(&self) -> Option<ToolPattern> {
        child(&self.0)
    }
    /// The clauses in source order.
    pub fn clauses(&self) -> impl Iterator<Item = Clause> + use<> {
        self.0.children().filter_map(Clause::cast)
    }
}

impl ToolPattern {
    /// The pattern token (PATTERN or STRING).
    pub fn token(&self) -> Option<SyntaxToken> {
        tokens(&self.0).next()
    }
    /// The pattern's text, unquoted.
    pub fn text(&self) -> String {
        self.token()
            .map(|token| token_value(&token))
            .unwrap_or_default()
    }
}

/// A clause of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Clause {
    /// `when`/`if`
    Condition(ConditionClause),
    /// `method`, `host`, `path`, `port`
    Selector(SelectorClause),
    /// `query`, `header`, `headers`
    KeyedSelector(KeyedSelectorClause),
    /// `reason`, `notify`
    Text(TextClause),
    /// `reeval`
    Reeval(ReevalClause),
}

impl Clause {
    fn cast(node: SyntaxNode) -> Option<Clause> {
        match node.kind() {
            CONDITION_CLAUSE => ConditionClause::cast(node).map(Clause::Condition),
            SELECTOR_CLAUSE => SelectorClause::cast(node).map(Clause::Selector),
            KEYED_SELECTOR_CLAUSE => KeyedSelectorClause::cast(node).map(Clause::KeyedSelector),
            TEXT_CLAUSE => TextClause::cast(node).map(Clause::Text),
            REEVAL_CLAUSE => ReevalClause::cast(node).map(Clause::Reeval),
            _ => None,
        }
    }

    /// The clause's syntax node.
    pub fn syntax(&self) -> &SyntaxNode {
        match self {
            Clause::Condition(it) => it.syntax(),
            Clause::Selector(it) => it.syntax(),
            Clause::KeyedSelector(it) => it.syntax(),
            Clause::Text(it) => it.syntax(),
            Clause::Reeval(it) => it.syntax(),
        }
    }

    /// The keyword that starts the clause.
    pub fn keyword(&self) -> Option<SyntaxToken> {
        token(self.syntax(), KEYWORD)
    }
}

impl ConditionClause {
    /// The condition.
    pub fn expr(&self) -> Option<super::Expr> {
        self.0.children().find_map(super::Expr::cast)
    }
}

impl SelectorValue {
    /// The alternatives.
    pub fn patterns(&self) -> impl Iterator<Item = ToolPattern> + use<> {
        children(&self.0)
    }
}

impl SelectorClause {
    /// The alternatives.
    pub fn value(&self) -> Option<SelectorValue> {
        child(&self.0)
    }
}

impl KeyedSelectorClause {
    /// The key token (identifier or string).
    pub fn key(&self) -> Option<SyntaxToken> {
        tokens(&self.0).find(|token| matches!(token.kind(), IDENT | STRING))
    }
    /// The alternatives.
    pub fn value(&self) -> Option<SelectorValue> {
        child(&self.0)
    }
}

impl TextClause {
    /// The string token.
    pub fn string(&self) -> Option<SyntaxToken> {
        token(&self.0, STRING)
    }
}

impl ReevalClause {
    /// `true` or `false`, if written.
    pub fn flag(&self) -> Option<bool> {
        tokens(&self.0).nth(1).map(|token| token.text() == "true")
    }
}

impl RateLimit {
    /// The tool pattern.
    pub fn pattern(&self) -> Option<ToolPattern> {
        child(&self.0)
    }
    /// The call count token.
    pub fn count(&self) -> Option<SyntaxToken> {
        token(&self.0, NUMBER)
    }
    /// The window token (`second`, `minute`, `hour`, `day`).
    pub fn window(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

impl Redact {
    /// The tool pattern.
    pub fn pattern(&self) -> Option<ToolPattern> {
        child(&self.0)
    }
    /// The list of argument paths.
    pub fn args(&self) -> Option<ValueList> {
        child(&self.0)
    }
}

/// A statement inside a `credential` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CredentialItem {
    /// `scope pattern+`
    Scope(CredentialScope),
    /// `backend`, `path`, `ttl`, `max_scope`
    Attr(CredentialAttr),
}

impl Credential {
    /// The credential's name.
    pub fn name(&self) -> Option<Name> {
        child(&self.0)
    }
    /// The block's statements in order.
    pub fn items(&self) -> impl Iterator<Item = CredentialItem> + use<> {
        self.0.children().filter_map(|node| match node.kind() {
            CREDENTIAL_SCOPE => CredentialScope::cast(node).map(CredentialItem::Scope),
            CREDENTIAL_ATTR => CredentialAttr::cast(node).map(CredentialItem::Attr),
            _ => None,
        })
    }
}

impl CredentialScope {
    /// The scope's patterns.
    pub fn patterns(&self) -> impl Iterator<Item = ToolPattern> + use<> {
        children(&self.0)
    }
}

impl Audit {
    /// The words after each `include`.
    pub fn includes(&self) -> impl Iterator<Item = SyntaxToken> + use<> {
        self.0.children().filter_map(|node| token(&node, IDENT))
    }
}

impl ConfigBlock {
    /// The entries in order.
    pub fn entries(&self) -> impl Iterator<Item = ConfigEntry> + use<> {
        children(&self.0)
    }
}

impl ConfigEntry {
    /// The key token.
    pub fn key(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
    /// The value, when the entry is not a nested block.
    pub fn value(&self) -> Option<Value> {
        self.0.children().find_map(Value::cast)
    }
    /// The nested block, when the entry is one.
    pub fn block(&self) -> Option<ConfigBlock> {
        child(&self.0)
    }
}

/// A value in a block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A scalar.
    Literal(ValueLiteral),
    /// A list.
    List(ValueList),
    /// `env("X")`
    Env(EnvCall),
}

impl Value {
    /// Wraps a value node.
    pub fn cast(node: SyntaxNode) -> Option<Value> {
        match node.kind() {
            VALUE_LITERAL => ValueLiteral::cast(node).map(Value::Literal),
            VALUE_LIST => ValueList::cast(node).map(Value::List),
            ENV_CALL => EnvCall::cast(node).map(Value::Env),
            _ => None,
        }
    }
    /// The value's syntax node.
    pub fn syntax(&self) -> &SyntaxNode {
        match self {
            Value::Literal(it) => it.syntax(),
            Value::List(it) => it.syntax(),
            Value::Env(it) => it.syntax(),
        }
    }
}

impl ValueLiteral {
    /// The value's token.
    pub fn token(&self) -> Option<SyntaxToken> {
        tokens(&self.0).next()
    }
}

impl ValueList {
    /// The elements.
    pub fn values(&self) -> impl Iterator<Item = Value> + use<> {
        self.0.children().filter_map(Value::cast)
    }
}

impl EnvCall {
    /// The variable-name string token.
    pub fn variable(&self) -> Option<SyntaxToken> {
        token(&self.0, STRING)
    }
}

impl Trust {
    /// The `key` entries.
    pub fn keys(&self) -> impl Iterator<Item = TrustKey> + use<> {
        children(&self.0)
    }
}

impl TrustKey {
    /// The key id string token.
    pub fn id(&self) -> Option<SyntaxToken> {
        token(&self.0, STRING)
    }
    /// The key token: the second string, or the key written without quotes (`PUBLIC_KEY`).
    pub fn key(&self) -> Option<SyntaxToken> {
        tokens(&self.0)
            .filter(|token| matches!(token.kind(), STRING | PUBLIC_KEY))
            .nth(1)
    }
}
