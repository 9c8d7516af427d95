//! Moving the ranges of model pieces and diagnostics: items are lowered relative to their start
//! and rules checked relative to theirs; these helpers move results back into place.

use fpl_syntax::TextRange;

use crate::diagnostic::Diagnostic;
use crate::hir;

/// A map over ranges.
pub(crate) type Map<'a> = &'a dyn Fn(TextRange) -> TextRange;

/// Maps every range of a diagnostic: primary span, labels and fix edits.
pub(crate) fn diagnostic(diagnostic: &mut Diagnostic, map: Map<'_>) {
    diagnostic.span.range = map(diagnostic.span.range);
    for label in &mut diagnostic.labels {
        label.span.range = map(label.span.range);
    }
    for fix in &mut diagnostic.fixes {
        for edit in &mut fix.edits {
            edit.range = map(edit.range);
        }
    }
}

/// Maps every range of a policy.
pub(crate) fn policy(policy: &mut hir::Policy, map: Map<'_>) {
    for import in &mut policy.imports {
        span(&mut import.span, map);
    }
    for agent in &mut policy.agents {
        self::agent(agent, map);
    }
    for block in &mut policy.blocks {
        config_block(block, map);
    }
    for shadowed in &mut policy.shadowed {
        self::agent(&mut shadowed.agent, map);
    }
}

fn span(span: &mut crate::diagnostic::Span, map: Map<'_>) {
    span.range = map(span.range);
}

fn agent(agent: &mut hir::Agent, map: Map<'_>) {
    span(&mut agent.name_span, map);
    if let Some((_, default)) = &mut agent.default {
        span(default, map);
    }
    if let Some(brace) = &mut agent.open_brace {
        *brace = map(*brace);
    }
    for (_, value) in &mut agent.attributes {
        self::value(value, map);
    }
    for var in &mut agent.vars {
        span(&mut var.span, map);
        value(&mut var.value, map);
    }
    for budget in &mut agent.budgets {
        span(&mut budget.span, map);
        for (_, value) in &mut budget.items {
            self::value(value, map);
        }
    }
    for phase in &mut agent.phases {
        span(&mut phase.span, map);
        for (_, value) in &mut phase.attributes {
            self::value(value, map);
        }
    }
    for rule in &mut agent.rules {
        self::rule(rule, map);
    }
    for limit in &mut agent.rate_limits {
        span(&mut limit.span, map);
        if let Some(count) = &mut limit.limit {
            self::value(count, map);
        }
    }
    for redact in &mut agent.redacts {
        span(&mut redact.span, map);
    }
    for credential in &mut agent.credentials {
        span(&mut credential.span, map);
        for (_, value) in &mut credential.attributes {
            self::value(value, map);
        }
    }
    for block in &mut agent.blocks {
        config_block(block, map);
    }
}

/// Maps every range of a rule.
pub(crate) fn rule(rule: &mut hir::Rule, map: Map<'_>) {
    rule.pattern_range = map(rule.pattern_range);
    for selector in &mut rule.selectors {
        selector.range = map(selector.range);
    }
    if let Some(condition) = &mut rule.condition {
        expr(condition, map);
    }
    span(&mut rule.span, map);
}

fn expr(expr: &mut hir::Expr, map: Map<'_>) {
    expr.range = map(expr.range);
    match &mut expr.kind {
        hir::ExprKind::Not(operand) => self::expr(operand, map),
        hir::ExprKind::Binary { lhs, rhs, .. } => {
            self::expr(lhs, map);
            self::expr(rhs, map);
        }
        hir::ExprKind::Call { args, .. } => {
            for arg in args {
                self::expr(arg, map);
            }
        }
        hir::ExprKind::Literal(_)
        | hir::ExprKind::List(_)
        | hir::ExprKind::Path(_)
        | hir::ExprKind::Missing
        | hir::ExprKind::OutOfRange => {}
    }
}

fn config_block(block: &mut hir::ConfigBlock, map: Map<'_>) {
    span(&mut block.span, map);
    entries(&mut block.entries, map);
}

fn entries(entries: &mut [hir::ConfigEntry], map: Map<'_>) {
    for entry in entries {
        entry.key_range = map(entry.key_range);
        match &mut entry.value {
            hir::ConfigValue::Value(value) => self::value(value, map),
            hir::ConfigValue::Block(nested) => self::entries(nested, map),
            hir::ConfigValue::Missing => {}
        }
    }
}

/// Maps every range of a value, list items included.
pub(crate) fn value(value: &mut hir::Value, map: Map<'_>) {
    value.range = map(value.range);
    if let hir::ValueKind::List(items) = &mut value.kind {
        for item in items {
            self::value(item, map);
        }
    }
}
