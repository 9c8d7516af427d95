//! Builds the semantic model (`hir`) from the syntax trees of a policy's files.
//!
//! Lowering never fails: pieces the parser could not read become `Missing`/`Invalid` (their
//! syntax errors were already reported), so the checks can still look at everything else.
//! Numeric literals get their exact values here, with the runtime's `Decimal`; one too large to
//! represent becomes `OutOfRange`, which the checks report (`E0003`).

use fpl_runtime::Decimal;
use fpl_syntax::ast::{self, AstNode, LiteralKind};
use fpl_syntax::literal::Numeric;
use fpl_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange};

use crate::hir::{self, span};
use crate::source::FileId;

/// Collects the agents and blocks of files into one policy, in file order.
#[derive(Debug)]
pub struct PolicyBuilder {
    policy: hir::Policy,
    flat: Option<hir::Agent>,
    agent_rules: bool,
}

impl Default for PolicyBuilder {
    fn default() -> Self {
        PolicyBuilder {
            policy: hir::Policy::default(),
            flat: None,
            agent_rules: true,
        }
    }
}

impl PolicyBuilder {
    /// A builder that leaves out the rules of `agent` blocks (flat rules stay): the model the
    /// policy-level checks read, and the frame the rules lowered one by one go into.
    pub fn without_agent_rules() -> Self {
        PolicyBuilder {
            agent_rules: false,
            ..PolicyBuilder::default()
        }
    }

    /// Adds the items of one file.
    pub fn add_file(&mut self, file: FileId, tree: &ast::SourceFile) {
        for item in tree.items() {
            match item {
                ast::Item::Import(import) => self.add_import(file, &import),
                ast::Item::Agent(agent) => {
                    let mut lowered = lower_agent(file, &agent);
                    if self.agent_rules {
                        let rules = agent_rules(&agent);
                        // One allocation: grown by doubling, an agent of many rules copied
                        // its rules again and again into fresh memory.
                        lowered.rules.reserve_exact(rules.len());
                        for (rule, phase) in rules {
                            push_rule(file, &mut lowered, &rule, phase);
                        }
                    }
                    self.policy.agents.push(lowered);
                }
                ast::Item::Rule(rule) => self.add_flat_rule(file, &rule),
                ast::Item::Config(config) => {
                    self.policy.blocks.push(lower_config_item(file, &config))
                }
                ast::Item::Trust(trust) => self.policy.blocks.push(lower_trust(file, &trust)),
                ast::Item::Manifest(manifest) => self.policy.blocks.push(hir::ConfigBlock {
                    keyword: "manifest".to_string(),
                    name: None,
                    entries: Vec::new(),
                    span: span(file, manifest.syntax().text_range()),
                }),
            }
        }
    }

    /// The finished policy; the implicit agent of flat rules comes after the explicit ones.
    pub fn finish(mut self) -> hir::Policy {
        if let Some(flat) = self.flat {
            self.policy.agents.push(flat);
        }
        self.policy
    }

    fn add_import(&mut self, file: FileId, import: &ast::Import) {
        let Some(reference) = import.reference() else {
            return;
        };
        self.policy.imports.push(hir::Import {
            reference: ast::token_value(&reference),
            alias: import.alias().map(|alias| alias.text().to_string()),
            span: span(file, import.syntax().text_range()),
        });
    }

    fn add_flat_rule(&mut self, file: FileId, rule: &ast::Rule) {
        let agent = self.flat.get_or_insert_with(|| {
            let mut agent = hir::Agent::new(
                "default".to_string(),
                span(file, rule.syntax().text_range()),
                true,
            );
            agent.default = Some((
                hir::EffectKind::Deny,
                span(file, rule.syntax().text_range()),
            ));
            agent
        });
        if let Some(lowered) = lower_rule(file, rule, agent.rules.len() + 1, None) {
            agent.rules.push(lowered);
        }
    }
}

/// The rules of an agent in the order they are numbered (SPEC §8 rule ids), each with the index
/// of its phase among the agent's phases.
pub fn agent_rules(agent: &ast::Agent) -> Vec<(ast::Rule, Option<usize>)> {
    let mut out = Vec::new();
    let mut phases = 0;
    for item in agent.items() {
        match item {
            ast::AgentItem::Rule(rule) => out.push((rule, None)),
            ast::AgentItem::Rules(block) => out.extend(block.rules().map(|rule| (rule, None))),
            ast::AgentItem::Phase(phase) => {
                for item in phase.items() {
                    match item {
                        ast::PhaseItem::Rule(rule) => out.push((rule, Some(phases))),
                        ast::PhaseItem::Rules(block) => {
                            out.extend(block.rules().map(|rule| (rule, Some(phases))))
                        }
                        ast::PhaseItem::Attr(_) => {}
                    }
                }
                phases += 1;
            }
            _ => {}
        }
    }
    out
}

/// One rule on its own: numbered 0, in no phase (its agent places it).
pub fn lower_lone_rule(file: FileId, rule: &ast::Rule) -> Option<hir::Rule> {
    lower_rule(file, rule, 0, None)
}

/// An agent without its rules.
fn lower_agent(file: FileId, agent: &ast::Agent) -> hir::Agent {
    let (name, name_range) = match agent.name() {
        Some(name) => (name.text(), name.syntax().text_range()),
        None => (String::new(), agent.syntax().text_range()),
    };
    let mut out = hir::Agent::new(name, span(file, name_range), false);
    out.open_brace = agent
        .syntax()
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == SyntaxKind::L_BRACE)
        .map(|token| token.text_range());
    for item in agent.items() {
        lower_agent_item(file, &mut out, item);
    }
    out
}

fn lower_agent_item(file: FileId, agent: &mut hir::Agent, item: ast::AgentItem) {
    match item {
        ast::AgentItem::Default(decl) => {
            if let Some(effect) = decl
                .effect_word()
                .and_then(|word| ast::effect_kind(word.text()))
            {
                agent.default = Some((effect, span(file, decl.syntax().text_range())));
            }
        }
        ast::AgentItem::Attribute(attribute) => {
            if let (Some(keyword), Some(value)) = (attribute.keyword(), attribute.value()) {
                agent
                    .attributes
                    .push((keyword.text().to_string(), lower_value(&value)));
            }
        }
        ast::AgentItem::Var(var) => {
            if let (Some(name), Some(value)) = (var.name(), var.value()) {
                agent.vars.push(hir::Var {
                    name: name.text(),
                    value: lower_value(&value),
                    span: span(file, name.syntax().text_range()),
                });
            }
        }
        ast::AgentItem::Budget(budget) => agent.budgets.push(hir::Budget {
            scope: budget.scope().map(|scope| scope.text()).unwrap_or_default(),
            span: span(
                file,
                budget
                    .scope()
                    .map_or(budget.syntax().text_range(), |s| s.syntax().text_range()),
            ),
            items: budget
                .items()
                .filter_map(|item| keyword_value(item.keyword(), item.value()))
                .collect(),
        }),
        ast::AgentItem::Phase(phase) => lower_phase(file, agent, &phase),
        // Rules are lowered apart, in `agent_rules` order.
        ast::AgentItem::Rules(_) | ast::AgentItem::Rule(_) => {}
        ast::AgentItem::RateLimit(limit) => agent.rate_limits.push(hir::RateLimit {
            pattern: limit
                .pattern()
                .map(|pattern| pattern.text())
                .unwrap_or_default(),
            limit: limit.count().map(|count| hir::Value {
                kind: scalar_value(&count),
                range: count.text_range(),
            }),
            window: limit.window().map(|window| window.text().to_string()),
            span: span(file, limit.syntax().text_range()),
        }),
        ast::AgentItem::Redact(redact) => agent.redacts.push(hir::Redact {
            pattern: redact
                .pattern()
                .map(|pattern| pattern.text())
                .unwrap_or_default(),
            args: redact
                .args()
                .map(|list| {
                    list.values()
                        .filter_map(|value| lower_value(&value).as_text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            span: span(file, redact.syntax().text_range()),
        }),
        ast::AgentItem::Credential(credential) => {
            agent.credentials.push(lower_credential(file, &credential))
        }
        ast::AgentItem::Audit(audit) => agent
            .audit
            .extend(audit.includes().map(|word| word.text().to_string())),
        ast::AgentItem::Config(config) => agent.blocks.push(lower_config_item(file, &config)),
    }
}

/// A phase's name and attributes; its rules are lowered apart.
fn lower_phase(file: FileId, agent: &mut hir::Agent, phase: &ast::Phase) {
    let index = agent.phases.len();
    let name = phase.name();
    agent.phases.push(hir::Phase {
        name: name.as_ref().map(ast::Name::text).unwrap_or_default(),
        span: span(
            file,
            name.map_or(phase.syntax().text_range(), |name| {
                name.syntax().text_range()
            }),
        ),
        attributes: Vec::new(),
    });
    for item in phase.items() {
        if let ast::PhaseItem::Attr(attr) = item
            && let Some(pair) = keyword_value(attr.keyword(), attr.value())
        {
            agent.phases[index].attributes.push(pair);
        }
    }
}

fn push_rule(file: FileId, agent: &mut hir::Agent, rule: &ast::Rule, phase: Option<usize>) {
    if let Some(lowered) = lower_rule(file, rule, agent.rules.len() + 1, phase) {
        agent.rules.push(lowered);
    }
}

fn keyword_value(
    keyword: Option<fpl_syntax::SyntaxToken>,
    value: Option<ast::Value>,
) -> Option<(String, hir::Value)> {
    Some((keyword?.text().to_string(), lower_value(&value?)))
}

fn lower_rule(
    file: FileId,
    rule: &ast::Rule,
    number: usize,
    phase: Option<usize>,
) -> Option<hir::Rule> {
    let effect = rule.effect()?;
    let pattern = rule.pattern();
    let mut out = hir::Rule {
        number,
        effect: effect.kind()?,
        mandatory: effect.is_mandatory(),
        phase,
        pattern: pattern
            .as_ref()
            .map(ast::ToolPattern::text)
            .unwrap_or_default(),
        pattern_range: pattern.map_or(effect.syntax().text_range(), |p| p.syntax().text_range()),
        selectors: Vec::new(),
        condition: None,
        reason: None,
        notify: None,
        reeval: None,
        span: span(file, rule.syntax().text_range()),
    };
    for clause in rule.clauses() {
        let keyword_token = clause.keyword();
        let keyword = keyword_token.as_ref().map_or("", |token| token.text());
        match clause {
            ast::Clause::Condition(condition) => {
                out.condition = Some(lower_optional_expr(condition.expr(), condition.syntax()))
            }
            ast::Clause::Selector(selector) => {
                let kind = match keyword {
                    "method" => hir::SelectorKind::Method,
                    "host" => hir::SelectorKind::Host,
                    "path" => hir::SelectorKind::Path,
                    _ => hir::SelectorKind::Port,
                };
                out.selectors
                    .push(selector_of(kind, selector.value(), selector.syntax()));
            }
            ast::Clause::KeyedSelector(selector) => {
                let key = selector
                    .key()
                    .map(|key| ast::token_value(&key).to_ascii_lowercase())
                    .unwrap_or_default();
                let kind = match keyword {
                    "query" => hir::SelectorKind::Query(key),
                    _ => hir::SelectorKind::Header(key),
                };
                out.selectors
                    .push(selector_of(kind, selector.value(), selector.syntax()));
            }
            ast::Clause::Text(text) => {
                let value = text.string().map(|string| ast::token_value(&string));
                if keyword == "reason" {
                    out.reason = value;
                } else {
                    out.notify = value;
                }
            }
            ast::Clause::Reeval(reeval) => out.reeval = reeval.flag(),
        }
    }
    Some(out)
}

fn selector_of(
    kind: hir::SelectorKind,
    value: Option<ast::SelectorValue>,
    node: &SyntaxNode,
) -> hir::Selector {
    hir::Selector {
        kind,
        values: value
            .map(|value| value.patterns().map(|pattern| pattern.text()).collect())
            .unwrap_or_default(),
        range: node.text_range(),
    }
}

fn lower_credential(file: FileId, credential: &ast::Credential) -> hir::Credential {
    let name = credential.name();
    let mut out = hir::Credential {
        name: name.as_ref().map(ast::Name::text).unwrap_or_default(),
        span: span(
            file,
            name.map_or(credential.syntax().text_range(), |name| {
                name.syntax().text_range()
            }),
        ),
        scopes: Vec::new(),
        attributes: Vec::new(),
    };
    for item in credential.items() {
        match item {
            ast::CredentialItem::Scope(scope) => out
                .scopes
                .extend(scope.patterns().map(|pattern| pattern.text())),
            ast::CredentialItem::Attr(attr) => out
                .attributes
                .extend(keyword_value(attr.keyword(), attr.value())),
        }
    }
    out
}

fn lower_config_item(file: FileId, item: &ast::ConfigItem) -> hir::ConfigBlock {
    let keyword = item
        .keyword()
        .map(|keyword| keyword.text().to_string())
        .unwrap_or_default();
    let entries = item
        .block()
        .map(|block| lower_entries(&block))
        .unwrap_or_default();
    let name = match item.name() {
        Some(name) => Some(name.text()),
        // An unnamed `delegate` is named by its `target_agent` (SPEC §3).
        None if keyword == "delegate" => entries.iter().find_map(|entry| match &entry.value {
            hir::ConfigValue::Value(value) if entry.key == "target_agent" => {
                value.as_text().map(str::to_string)
            }
            _ => None,
        }),
        None => None,
    };
    hir::ConfigBlock {
        keyword,
        name,
        entries,
        span: span(
            file,
            item.keyword()
                .map_or(item.syntax().text_range(), |keyword| keyword.text_range()),
        ),
    }
}

fn lower_entries(block: &ast::ConfigBlock) -> Vec<hir::ConfigEntry> {
    block
        .entries()
        .filter_map(|entry| lower_entry(&entry))
        .collect()
}

fn lower_entry(entry: &ast::ConfigEntry) -> Option<hir::ConfigEntry> {
    let key = entry.key()?;
    let value = match (entry.block(), entry.value()) {
        (Some(block), _) => hir::ConfigValue::Block(lower_entries(&block)),
        (None, Some(value)) => hir::ConfigValue::Value(lower_value(&value)),
        (None, None) => hir::ConfigValue::Missing,
    };
    Some(hir::ConfigEntry {
        key: key.text().to_string(),
        key_range: key.text_range(),
        value,
    })
}

fn lower_trust(file: FileId, trust: &ast::Trust) -> hir::ConfigBlock {
    let mut entries = Vec::new();
    for node in trust.syntax().children() {
        let keyword = node
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .find(|token| token.kind() == SyntaxKind::KEYWORD);
        let Some(keyword) = keyword else { continue };
        let strings: Vec<hir::Value> = node
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| matches!(token.kind(), SyntaxKind::STRING | SyntaxKind::PUBLIC_KEY))
            .map(|token| hir::Value {
                kind: hir::ValueKind::String(ast::token_value(&token)),
                range: token.text_range(),
            })
            .collect();
        let mut nested: Vec<hir::ConfigEntry> = node
            .children()
            .filter_map(ast::ConfigEntry::cast)
            .filter_map(|e| lower_entry(&e))
            .collect();
        nested.insert(
            0,
            hir::ConfigEntry {
                key: "args".to_string(),
                key_range: keyword.text_range(),
                value: hir::ConfigValue::Value(hir::Value {
                    kind: hir::ValueKind::List(strings),
                    range: node.text_range(),
                }),
            },
        );
        entries.push(hir::ConfigEntry {
            key: keyword.text().to_string(),
            key_range: keyword.text_range(),
            value: hir::ConfigValue::Block(nested),
        });
    }
    hir::ConfigBlock {
        keyword: "trust".to_string(),
        name: None,
        entries,
        span: span(file, trust.syntax().text_range()),
    }
}

/// Lowers a block value.
pub fn lower_value(value: &ast::Value) -> hir::Value {
    let range = value.syntax().text_range();
    let kind = match value {
        ast::Value::List(list) => {
            hir::ValueKind::List(list.values().map(|value| lower_value(&value)).collect())
        }
        ast::Value::Env(env) => match env.variable() {
            Some(token) => hir::ValueKind::Env(ast::token_value(&token)),
            None => hir::ValueKind::Invalid,
        },
        ast::Value::Literal(literal) => match literal.token() {
            Some(token) => scalar_value(&token),
            None => hir::ValueKind::Invalid,
        },
    };
    hir::Value { kind, range }
}

fn scalar_value(token: &SyntaxToken) -> hir::ValueKind {
    let text = token.text();
    let decoded = match token.kind() {
        SyntaxKind::STRING => {
            fpl_syntax::literal::unescape_string(text).map(hir::ValueKind::String)
        }
        SyntaxKind::NUMBER | SyntaxKind::MONEY | SyntaxKind::DURATION | SyntaxKind::SIZE => {
            fpl_syntax::literal::numeric(token.kind(), text).map(|numeric| {
                let kind = match numeric {
                    Numeric::Number(_) => hir::ValueKind::Number,
                    Numeric::Money(_) => hir::ValueKind::Money,
                    Numeric::Duration(_) => hir::ValueKind::Duration,
                    Numeric::Size(..) => hir::ValueKind::Size,
                };
                numeric_value(&numeric).map_or(hir::ValueKind::OutOfRange, kind)
            })
        }
        SyntaxKind::IDENT => Some(match text {
            "true" => hir::ValueKind::Bool(true),
            "false" => hir::ValueKind::Bool(false),
            _ => hir::ValueKind::Ident(text.to_string()),
        }),
        SyntaxKind::PATTERN => Some(hir::ValueKind::Pattern(text.to_string())),
        _ => None,
    };
    decoded.unwrap_or(hir::ValueKind::Invalid)
}

fn lower_optional_expr(expr: Option<ast::Expr>, parent: &SyntaxNode) -> hir::Expr {
    match expr {
        Some(expr) => lower_expr(&expr),
        None => missing(parent.text_range()),
    }
}

fn missing(range: TextRange) -> hir::Expr {
    hir::Expr {
        kind: hir::ExprKind::Missing,
        range,
    }
}

/// Lowers a condition expression.
pub fn lower_expr(expr: &ast::Expr) -> hir::Expr {
    let range = expr.syntax().text_range();
    let kind = match expr {
        ast::Expr::Bin(bin) => match bin.op() {
            Some(op) => hir::ExprKind::Binary {
                op,
                lhs: Box::new(lower_optional_expr(bin.lhs(), bin.syntax())),
                rhs: Box::new(lower_optional_expr(bin.rhs(), bin.syntax())),
            },
            None => hir::ExprKind::Missing,
        },
        ast::Expr::Prefix(prefix) => hir::ExprKind::Not(Box::new(lower_optional_expr(
            prefix.operand(),
            prefix.syntax(),
        ))),
        ast::Expr::Paren(paren) => {
            return hir::Expr {
                range,
                ..lower_optional_expr(paren.inner(), paren.syntax())
            };
        }
        ast::Expr::Path(path) => lower_path(path),
        ast::Expr::Literal(literal) => match literal.kind() {
            Some(kind) => {
                literal_value(kind).map_or(hir::ExprKind::OutOfRange, hir::ExprKind::Literal)
            }
            None => hir::ExprKind::Missing,
        },
        ast::Expr::List(list) => {
            let items: Option<Vec<Option<hir::Literal>>> = list
                .items()
                .map(|item| item.kind().map(literal_value))
                .collect();
            match items {
                None => hir::ExprKind::Missing,
                Some(items) => items
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map_or(hir::ExprKind::OutOfRange, hir::ExprKind::List),
            }
        }
        ast::Expr::Call(call) => hir::ExprKind::Call {
            function: hir::Callee::from_name(
                &call
                    .callee()
                    .map(|callee| callee.segments().join("."))
                    .unwrap_or_default(),
            ),
            args: call.args().iter().map(lower_expr).collect(),
        },
    };
    hir::Expr { kind, range }
}

fn lower_path(path: &ast::PathExpr) -> hir::ExprKind {
    let mut segments = path.segments();
    if segments.is_empty() {
        return hir::ExprKind::Missing;
    }
    let (root, explicit_root) = match hir::Root::from_name(&segments[0]) {
        Some(root) => {
            segments.remove(0);
            (root, true)
        }
        None => (hir::Root::Args, false),
    };
    hir::ExprKind::Path(hir::Path {
        root,
        segments,
        explicit_root,
    })
}

/// A condition literal; `None` for a number too large to represent.
fn literal_value(kind: LiteralKind) -> Option<hir::Literal> {
    Some(match kind {
        LiteralKind::Null => hir::Literal::Null,
        LiteralKind::Bool(value) => hir::Literal::Bool(value),
        LiteralKind::Number(token) => hir::Literal::Number(
            fpl_syntax::literal::numeric(token.kind(), token.text())
                .as_ref()
                .and_then(numeric_value)?,
        ),
        LiteralKind::String(value) => hir::Literal::String(value),
    })
}

/// The seconds a block value holds as a duration: a duration literal, or a string holding one
/// (`"24h"`), as the public docs write it (SPEC §4).
pub(crate) fn duration_seconds(value: &hir::Value) -> Option<Decimal> {
    match &value.kind {
        hir::ValueKind::Duration(seconds) => Some(*seconds),
        hir::ValueKind::String(text) => {
            fpl_syntax::literal::numeric(fpl_syntax::SyntaxKind::DURATION, text)
                .and_then(|numeric| numeric_value(&numeric))
        }
        _ => None,
    }
}

/// The exact value of a numeric literal (SPEC §2): money in dollars, a duration in seconds, a
/// size in bytes; `None` when it is too large to represent.
pub(crate) fn numeric_value(numeric: &Numeric<'_>) -> Option<Decimal> {
    match numeric {
        Numeric::Number(text) | Numeric::Money(text) => Decimal::parse(text).ok(),
        Numeric::Duration(parts) => parts.iter().try_fold(Decimal::ZERO, |total, part| {
            // A millisecond is 0.001 s: the unit's length in milliseconds, in thousandths.
            let unit = Decimal::from_millionths(i128::from(part.unit.milliseconds()) * 1_000);
            total.checked_add(unit.checked_mul_int(part.amount.parse().ok()?)?)
        }),
        Numeric::Size(amount, unit) => {
            let unit = Decimal::from_int(i64::try_from(unit.bytes()).ok()?);
            unit.checked_mul_int(amount.parse().ok()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use fpl_syntax::SyntaxKind;
    use fpl_syntax::literal::numeric;

    use super::numeric_value;

    const SCALE: i128 = 1_000_000;

    fn duration_millionths(text: &str) -> Option<i128> {
        let numeric = numeric(SyntaxKind::DURATION, text)?;
        numeric_value(&numeric).map(fpl_runtime::Decimal::millionths)
    }

    fn size_bytes(text: &str) -> Option<i128> {
        let numeric = numeric(SyntaxKind::SIZE, text)?;
        numeric_value(&numeric).map(fpl_runtime::Decimal::floor_int)
    }

    #[test]
    fn durations() {
        assert_eq!(duration_millionths("500ms"), Some(500_000));
        assert_eq!(duration_millionths("1h30m"), Some(5_400 * SCALE));
        assert_eq!(duration_millionths("7d"), Some(604_800 * SCALE));
        assert_eq!(duration_millionths("30m1h"), None);
        assert_eq!(duration_millionths("1m1m"), None);
        assert_eq!(duration_millionths("1s500ms"), Some(1_500_000));
    }

    #[test]
    fn sizes() {
        assert_eq!(size_bytes("10mb"), Some(10 << 20));
        assert_eq!(size_bytes("1KB"), Some(1024));
        assert_eq!(size_bytes("1kib"), None);
    }
}
