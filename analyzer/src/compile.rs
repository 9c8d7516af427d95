//! Lowering of an error-free policy to the runtime's compiled IR (`fpl_runtime::ir`), with rule
//! positions in the side table so the policy digest ignores layout.

use std::collections::BTreeMap;

use fpl_runtime::ir;

use crate::analysis::Analysis;
use crate::hir::{self, BinaryOp, EffectKind, ExprKind, Literal, ValueKind};

/// Why a policy was not compiled.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompileError {
    /// The policy has errors; it cannot be evaluated.
    #[error("the policy has {0} error(s); run `faramesh check` to see them")]
    HasErrors(usize),
}

/// Compiles an analysed policy; refuses when any diagnostic is an error.
pub fn compile(analysis: &Analysis) -> Result<ir::CompiledPolicy, CompileError> {
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .count();
    if errors > 0 {
        return Err(CompileError::HasErrors(errors));
    }
    let mut policy = ir::Policy::new();
    let mut source_map = ir::SourceMap {
        files: analysis
            .files()
            .iter()
            .map(|file| file.source.path.clone())
            .collect(),
        rules: Vec::new(),
    };
    for agent in &analysis.policy.agents {
        policy.agents.push(lower_agent(agent));
        source_map.rules.push(
            agent
                .rules
                .iter()
                .map(|rule| {
                    let (start, _) = analysis.line_cols(rule.span);
                    Some(ir::Position {
                        file: rule.span.file.0,
                        line: start.line,
                        column: start.column,
                    })
                })
                .collect(),
        );
    }
    policy.intern_regexes();
    policy.approval_ttl_ms = approval_ttl_ms(&analysis.policy.blocks);
    Ok(ir::CompiledPolicy::new(policy, source_map))
}

/// The `runtime` block's `approval_ttl` in whole milliseconds (SPEC §14, §17), when written.
fn approval_ttl_ms(blocks: &[hir::ConfigBlock]) -> Option<u64> {
    let value = blocks
        .iter()
        .filter(|block| block.keyword == "runtime")
        .flat_map(|block| &block.entries)
        .find(|entry| entry.key == "approval_ttl")?;
    match &value.value {
        hir::ConfigValue::Value(value) => {
            let seconds = crate::lower::duration_seconds(value)?;
            u64::try_from(seconds.millionths() / 1_000).ok()
        }
        hir::ConfigValue::Block(_) | hir::ConfigValue::Missing => None,
    }
}

fn effect(kind: EffectKind) -> ir::Effect {
    match kind {
        EffectKind::Permit => ir::Effect::Permit,
        EffectKind::Deny => ir::Effect::Deny,
        EffectKind::Defer => ir::Effect::Defer,
    }
}

/// One agent as the runtime holds it (its regexes not yet interned).
pub(crate) fn lower_agent(agent: &hir::Agent) -> ir::Agent {
    ir::Agent {
        name: agent.name.clone(),
        default_effect: effect(agent.default_effect()),
        rules: agent.rules.iter().map(lower_rule).collect(),
        phases: agent
            .phases
            .iter()
            .map(|phase| ir::Phase {
                name: phase.name.clone(),
                tools: phase.tools(),
            })
            .collect(),
        vars: agent
            .vars
            .iter()
            .map(|var| (var.name.clone(), value(&var.value)))
            .collect::<BTreeMap<_, _>>(),
        rate_limits: agent.rate_limits.iter().filter_map(rate_limit).collect(),
        budgets: agent.budgets.iter().map(budget).collect(),
        redacts: agent
            .redacts
            .iter()
            .map(|redact| ir::Redact {
                pattern: redact.pattern.clone(),
                args: redact.args.clone(),
            })
            .collect(),
        egress: agent.blocks_named("egress").next().map(egress),
        alerts: agent.blocks_named("alert").filter_map(alert).collect(),
        credentials: agent
            .credentials
            .iter()
            .map(|credential| ir::Credential {
                name: credential.name.clone(),
                scope: credential.scopes.clone(),
            })
            .collect(),
    }
}

fn lower_rule(rule: &hir::Rule) -> ir::Rule {
    let mut selectors = ir::Selectors::default();
    for selector in &rule.selectors {
        let values = selector.values.clone();
        match &selector.kind {
            hir::SelectorKind::Method => selectors.method.extend(values),
            hir::SelectorKind::Host => selectors.host.extend(values),
            hir::SelectorKind::Path => selectors.path.extend(values),
            hir::SelectorKind::Port => selectors.port.extend(values),
            hir::SelectorKind::Query(key) => selectors.query.push(ir::KeyedSelector {
                key: key.clone(),
                values,
            }),
            hir::SelectorKind::Header(key) => selectors.header.push(ir::KeyedSelector {
                key: key.clone(),
                values,
            }),
        }
    }
    ir::Rule {
        n: rule.number as u32,
        effect: if rule.mandatory {
            ir::Effect::Deny
        } else {
            effect(rule.effect)
        },
        mandatory: rule.mandatory,
        phase: rule.phase.map(|phase| phase as u32),
        tool: rule.pattern.clone(),
        selectors,
        condition: rule.condition.as_ref().map(expr),
        reason: rule.reason.clone(),
        notify: rule.notify.clone(),
    }
}

/// Lowers a condition of an error-free policy.
fn expr(expr_: &hir::Expr) -> ir::Expr {
    match &expr_.kind {
        ExprKind::Literal(literal) => ir::Expr::Literal(literal_value(literal)),
        ExprKind::List(items) => {
            ir::Expr::Literal(ir::Value::List(items.iter().map(literal_value).collect()))
        }
        ExprKind::Path(path) => ir::Expr::Path(ir::Path {
            root: path.root,
            segments: path.segments.clone(),
        }),
        ExprKind::Not(inner) => ir::Expr::Not(Box::new(expr(inner))),
        ExprKind::Binary {
            op: op @ (BinaryOp::And | BinaryOp::Or),
            ..
        } => {
            let mut items = Vec::new();
            flatten(expr_, *op, &mut items);
            if *op == BinaryOp::And {
                ir::Expr::And(items)
            } else {
                ir::Expr::Or(items)
            }
        }
        ExprKind::Binary {
            op: op @ (BinaryOp::Matches | BinaryOp::NotMatches),
            lhs,
            rhs,
        } => match &rhs.kind {
            ExprKind::Literal(Literal::String(pattern)) => {
                ir::Expr::matches(expr(lhs), pattern, *op == BinaryOp::NotMatches)
            }
            _ => compare(ir::CompareOp::Eq, lhs, rhs),
        },
        ExprKind::Binary { op, lhs, rhs } => compare(compare_op(*op), lhs, rhs),
        ExprKind::Call {
            function: hir::Callee::Builtin(function),
            args,
        } => ir::Expr::Call {
            function: *function,
            args: args.iter().map(expr).collect(),
        },
        // The checks allow none of these in an error-free policy.
        ExprKind::Call {
            function: hir::Callee::Unknown(_),
            ..
        }
        | ExprKind::Missing
        | ExprKind::OutOfRange => ir::Expr::Literal(ir::Value::Null),
    }
}

fn compare(op: ir::CompareOp, lhs: &hir::Expr, rhs: &hir::Expr) -> ir::Expr {
    ir::Expr::cmp(expr(lhs), op, expr(rhs))
}

/// Collects the operands of a chain of one logical operator, so long chains stay shallow.
fn flatten(expr_: &hir::Expr, op: BinaryOp, out: &mut Vec<ir::Expr>) {
    match &expr_.kind {
        ExprKind::Binary {
            op: inner,
            lhs,
            rhs,
        } if *inner == op => {
            flatten(lhs, op, out);
            flatten(rhs, op, out);
        }
        _ => out.push(expr(expr_)),
    }
}

fn compare_op(op: BinaryOp) -> ir::CompareOp {
    match op {
        BinaryOp::Eq => ir::CompareOp::Eq,
        BinaryOp::NotEq => ir::CompareOp::Ne,
        BinaryOp::Lt => ir::CompareOp::Lt,
        BinaryOp::LtEq => ir::CompareOp::Le,
        BinaryOp::Gt => ir::CompareOp::Gt,
        BinaryOp::GtEq => ir::CompareOp::Ge,
        BinaryOp::In => ir::CompareOp::In,
        BinaryOp::NotIn => ir::CompareOp::NotIn,
        BinaryOp::Contains => ir::CompareOp::Contains,
        BinaryOp::StartsWith => ir::CompareOp::StartsWith,
        BinaryOp::EndsWith => ir::CompareOp::EndsWith,
        // Logical and regex operators are lowered before this is called.
        BinaryOp::And | BinaryOp::Or | BinaryOp::Matches | BinaryOp::NotMatches => {
            ir::CompareOp::Eq
        }
    }
}

fn literal_value(literal: &Literal) -> ir::Value {
    match literal {
        Literal::Null => ir::Value::Null,
        Literal::Bool(flag) => ir::Value::Bool(*flag),
        Literal::Number(n) => ir::Value::Number(*n),
        Literal::String(text) => ir::Value::String(text.clone()),
    }
}

fn value(value_: &hir::Value) -> ir::Value {
    match &value_.kind {
        ValueKind::Bool(flag) => ir::Value::Bool(*flag),
        ValueKind::Number(n)
        | ValueKind::Money(n)
        | ValueKind::Duration(n)
        | ValueKind::Size(n) => ir::Value::Number(*n),
        ValueKind::String(text) | ValueKind::Ident(text) | ValueKind::Pattern(text) => {
            ir::Value::String(text.clone())
        }
        ValueKind::List(items) => ir::Value::List(items.iter().map(value).collect()),
        ValueKind::Env(_) | ValueKind::Invalid | ValueKind::OutOfRange => ir::Value::Null,
    }
}

fn rate_limit(limit: &hir::RateLimit) -> Option<ir::RateLimit> {
    let window = match limit.window.as_deref()? {
        "second" => ir::Window::Second,
        "minute" => ir::Window::Minute,
        "hour" => ir::Window::Hour,
        _ => ir::Window::Day,
    };
    let count = match limit.limit.as_ref()?.kind {
        ValueKind::Number(count) => u64::try_from(count.floor_int()).ok()?,
        _ => return None,
    };
    Some(ir::RateLimit {
        pattern: limit.pattern.clone(),
        limit: count,
        window,
    })
}

fn budget(budget: &hir::Budget) -> ir::Budget {
    ir::Budget {
        id: budget.scope.clone(),
        scope: if budget.is_session() {
            ir::BudgetScope::Session
        } else {
            ir::BudgetScope::Daily
        },
        tools: budget.tools(),
        max: budget.number("max"),
        daily: budget.number("daily"),
        max_calls: budget
            .number("max_calls")
            .and_then(|n| u64::try_from(n.floor_int()).ok()),
        warn_at: budget.number("warn_at"),
        on_exceed: match budget.on_exceed() {
            hir::OnExceed::Deny => ir::OnExceed::Deny,
            hir::OnExceed::Defer => ir::OnExceed::Defer,
            hir::OnExceed::Audit => ir::OnExceed::Audit,
        },
    }
}

fn entry_value<'a>(block: &'a hir::ConfigBlock, key: &str) -> Option<&'a hir::Value> {
    block
        .entries
        .iter()
        .find(|entry| entry.key == key)
        .and_then(|entry| match &entry.value {
            hir::ConfigValue::Value(value) => Some(value),
            _ => None,
        })
}

fn egress(block: &hir::ConfigBlock) -> ir::Egress {
    ir::Egress {
        allow: entry_value(block, "allow").map(hir::Value::texts),
        deny: entry_value(block, "deny")
            .map(hir::Value::texts)
            .unwrap_or_default(),
    }
}

fn alert(block: &hir::ConfigBlock) -> Option<ir::Alert> {
    Some(ir::Alert {
        on: entry_value(block, "on")?.as_text()?.to_string(),
        notify: entry_value(block, "notify")?.as_text()?.to_string(),
    })
}
