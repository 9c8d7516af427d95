//! FPL generation: understood statements become one agent, with its default, budgets, rate
//! limits, redactions, alerts and audit fields first and its rules in the order of
//! [`super::order`]. Each rule carries its sentence as `reason`; every other statement is
//! preceded by its sentence as a comment. The text is unformatted; validation formats it.

use fpl_runtime::Decimal;

use super::lexicon::Effect;
use super::order::{Ordered, order};
use super::statement::{BudgetSpec, Condition, Op, RuleSpec, Statement, StatementKind, Value};
use super::{Explanation, Unclear};
use crate::fpl_text::{self, argument_path, comment, comment_text, quote};

/// The generated policy text and, per sentence, what it became.
pub(crate) struct Generated {
    pub fpl: String,
    pub explanations: Vec<Explanation>,
}

/// Writes one agent named `agent` from `statements` (in sentence order). Two sentences that
/// contradict each other (two defaults, two budget amounts) are reported against the later one.
pub(crate) fn generate(
    agent: &str,
    source: &str,
    statements: &[Statement],
) -> Result<Generated, Vec<Unclear>> {
    let mut problems = Vec::new();
    let mut explanations: Vec<Explanation> = Vec::new();
    let mut explain = |statement: &Statement, text: String| match explanations
        .iter_mut()
        .find(|e| e.line == statement.line && e.sentence == statement.sentence)
    {
        Some(explanation) => explanation.fpl.push(text),
        None => explanations.push(Explanation {
            line: statement.line,
            sentence: statement.sentence.clone(),
            fpl: vec![text],
        }),
    };
    let mut default: Option<(Effect, &Statement)> = None;
    let mut budgets: Vec<(BudgetSpec, Vec<&Statement>)> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    let mut audit: Vec<String> = Vec::new();
    let mut rules: Vec<(RuleSpec, String, &Statement)> = Vec::new();
    for statement in statements {
        match &statement.kind {
            StatementKind::Agent(name) => {
                explain(statement, format!("agent {}", fpl_text::name(name)))
            }
            StatementKind::Default(effect) => match default {
                Some((earlier, first)) if earlier != *effect => problems.push(conflict(
                    statement,
                    format!(
                        "this sets the default to `{}`, but line {} set it to `{}`",
                        effect.keyword(),
                        first.line,
                        earlier.keyword()
                    ),
                )),
                _ => {
                    default = Some((*effect, statement));
                    explain(statement, format!("default {}", effect.keyword()));
                }
            },
            StatementKind::Budget(spec) => match merge_budget(&mut budgets, spec, statement) {
                Ok(()) => explain(statement, budget_text(spec, " ")),
                Err(message) => problems.push(conflict(statement, message)),
            },
            StatementKind::RateLimit {
                patterns,
                count,
                window,
                permit,
            } => {
                for pattern in patterns {
                    let text = format!("rate_limit {pattern}: {count} per {window}");
                    explain(statement, text.clone());
                    items.push(format!("{}\n{text}", comment(&statement.sentence)));
                }
                if *permit {
                    let spec = RuleSpec {
                        effect: Effect::Permit,
                        mandatory: false,
                        patterns: patterns.clone(),
                        conditions: Vec::new(),
                        hosts: Vec::new(),
                        notify: None,
                        fallback: false,
                    };
                    push_rules(&mut rules, &spec, statement);
                }
            }
            StatementKind::Redact { patterns, fields } => {
                let list = fields
                    .iter()
                    .map(|f| quote(f))
                    .collect::<Vec<_>>()
                    .join(", ");
                for pattern in patterns {
                    let text = format!("redact {pattern} args: [{list}]");
                    explain(statement, text.clone());
                    items.push(format!("{}\n{text}", comment(&statement.sentence)));
                }
            }
            StatementKind::Audit(fields) => {
                for field in fields {
                    if !audit.contains(field) {
                        audit.push(field.clone());
                    }
                }
                let includes: Vec<String> = fields.iter().map(|f| format!("include {f}")).collect();
                explain(statement, format!("audit {{ {} }}", includes.join(" ")));
            }
            StatementKind::Alert { events, target } => {
                for event in events {
                    let body = format!("on = {}\nnotify = {}", quote(event), quote(target));
                    explain(
                        statement,
                        format!("alert {{ {} }}", body.replace('\n', " ")),
                    );
                    items.push(format!(
                        "{}\nalert {{\n{body}\n}}",
                        comment(&statement.sentence)
                    ));
                }
            }
            StatementKind::Rule(spec) => push_rules(&mut rules, spec, statement),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let ordered: Vec<Ordered<'_>> = rules
        .iter()
        .map(|(spec, pattern, _)| Ordered {
            effect: spec.effect,
            mandatory: spec.mandatory,
            fallback: spec.fallback,
            pattern,
            conditions: &spec.conditions,
            hosts: &spec.hosts,
        })
        .collect();
    let mut rule_lines = Vec::new();
    for index in order(&ordered) {
        let (spec, pattern, statement) = &rules[index];
        let text = rule_text(spec, pattern, &statement.sentence);
        explain(statement, text.clone());
        rule_lines.push(text);
    }
    explanations.sort_by_key(|explanation| explanation.line);

    let mut out = format!(
        "# Compiled by `faramesh policy compile` from {}.\n# Each rule's reason is the sentence it came from.\nagent {} {{\n",
        comment_text(source),
        fpl_text::name(agent)
    );
    match default {
        Some((effect, statement)) => out.push_str(&format!(
            "{}\ndefault {}\n",
            comment(&statement.sentence),
            effect.keyword()
        )),
        None => out.push_str(
            "# No sentence sets the default: calls no rule matches are denied.\ndefault deny\n",
        ),
    }
    for (spec, statements) in &budgets {
        out.push('\n');
        for statement in statements {
            out.push_str(&comment(&statement.sentence));
            out.push('\n');
        }
        out.push_str(&budget_text(spec, "\n"));
        out.push('\n');
    }
    for item in &items {
        out.push('\n');
        out.push_str(item);
        out.push('\n');
    }
    if !audit.is_empty() {
        let includes: Vec<String> = audit.iter().map(|f| format!("include {f}")).collect();
        out.push_str(&format!("\naudit {{\n{}\n}}\n", includes.join("\n")));
    }
    if !rule_lines.is_empty() {
        out.push_str(&format!("\nrules {{\n{}\n}}\n", rule_lines.join("\n")));
    }
    out.push_str("}\n");
    Ok(Generated {
        fpl: out,
        explanations,
    })
}

fn push_rules<'a>(
    rules: &mut Vec<(RuleSpec, String, &'a Statement)>,
    spec: &RuleSpec,
    statement: &'a Statement,
) {
    for pattern in &spec.patterns {
        rules.push((spec.clone(), pattern.clone(), statement));
    }
}

fn conflict(statement: &Statement, message: String) -> Unclear {
    Unclear {
        line: statement.line,
        column: 1,
        sentence: statement.sentence.clone(),
        word: None,
        message,
        did_you_mean: None,
        nearest: Vec::new(),
    }
}

/// Adds `spec` to the budget of its scope; an entry set twice to different values is an error.
fn merge_budget<'a>(
    budgets: &mut Vec<(BudgetSpec, Vec<&'a Statement>)>,
    spec: &BudgetSpec,
    statement: &'a Statement,
) -> Result<(), String> {
    let Some((merged, statements)) = budgets.iter_mut().find(|(b, _)| b.scope == spec.scope) else {
        budgets.push((spec.clone(), vec![statement]));
        return Ok(());
    };
    fn set<T: PartialEq + Copy>(
        slot: &mut Option<T>,
        value: Option<T>,
        key: &str,
        scope: &str,
    ) -> Result<(), String> {
        match (*slot, value) {
            (Some(old), Some(new)) if old != new => Err(format!(
                "the {scope} budget's `{key}` is already set by an earlier sentence"
            )),
            (_, Some(new)) => {
                *slot = Some(new);
                Ok(())
            }
            _ => Ok(()),
        }
    }
    let scope = spec.scope;
    set(&mut merged.max, spec.max, "max", scope)?;
    set(&mut merged.max_calls, spec.max_calls, "max_calls", scope)?;
    set(&mut merged.warn_at, spec.warn_at, "warn_at", scope)?;
    set(&mut merged.on_exceed, spec.on_exceed, "on_exceed", scope)?;
    statements.push(statement);
    Ok(())
}

/// `budget daily { max $50000 warn_at 0.8 }` with entries separated by `separator`.
fn budget_text(spec: &BudgetSpec, separator: &str) -> String {
    let mut entries = Vec::new();
    if let Some(max) = spec.max {
        entries.push(format!("max ${}", Decimal::from_millionths(max)));
    }
    if let Some(calls) = spec.max_calls {
        entries.push(format!("max_calls {calls}"));
    }
    if let Some(warn) = spec.warn_at {
        entries.push(format!("warn_at {}", Decimal::from_millionths(warn)));
    }
    if let Some(effect) = spec.on_exceed {
        entries.push(format!("on_exceed {}", effect.keyword()));
    }
    format!(
        "budget {} {{{separator}{}{separator}}}",
        spec.scope,
        entries.join(separator)
    )
}

/// One rule on one line: `defer stripe/refund when amount > $500 notify: "finance" reason: "…"`.
fn rule_text(spec: &RuleSpec, pattern: &str, sentence: &str) -> String {
    let mut text = if spec.mandatory {
        format!("deny! {pattern}")
    } else {
        format!("{} {pattern}", spec.effect.keyword())
    };
    if !spec.hosts.is_empty() {
        text.push_str(&format!(" host: {}", spec.hosts.join(", ")));
    }
    if !spec.conditions.is_empty() {
        let conditions: Vec<String> = spec.conditions.iter().map(condition_text).collect();
        text.push_str(&format!(" when {}", conditions.join(" and ")));
    }
    if let Some(notify) = &spec.notify {
        text.push_str(&format!(" notify: {}", quote(notify)));
    }
    text.push_str(&format!(" reason: {}", quote(sentence)));
    text
}

fn condition_text(condition: &Condition) -> String {
    let path = argument_path(&condition.arg);
    let values: Vec<String> = condition.values.iter().map(value_text).collect();
    let list = || format!("[{}]", values.join(", "));
    let one = || values.first().cloned().unwrap_or_default();
    match (condition.op, values.len()) {
        (Op::Eq, 1) => format!("{path} == {}", one()),
        (Op::Eq, _) => format!("{path} in {}", list()),
        (Op::Ne, 1) => format!("{path} != {}", one()),
        (Op::Ne, _) => format!("{path} not in {}", list()),
        (Op::Gt, _) => format!("{path} > {}", one()),
        (Op::Ge, _) => format!("{path} >= {}", one()),
        (Op::Lt, _) => format!("{path} < {}", one()),
        (Op::Le, _) => format!("{path} <= {}", one()),
        (Op::Contains, _) => format!("{path} contains {}", one()),
        (Op::StartsWith, _) => format!("{path} starts_with {}", one()),
        (Op::EndsWith, _) => format!("{path} ends_with {}", one()),
        (Op::Matches, _) => format!("{path} matches {}", one()),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Money(n) => format!("${}", Decimal::from_millionths(*n)),
        Value::Number(n) => Decimal::from_millionths(*n).to_string(),
        Value::Text(text) => quote(text),
        Value::Bool(flag) => flag.to_string(),
    }
}
