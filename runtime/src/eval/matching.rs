//! Rule matching (tool pattern, then selectors, then condition), egress and credential scopes.

use super::compile::{CAgent, CEgress, CSelectors, CredentialScope};
use super::cond::{self, ConditionError, Ctx, Scratch};
use crate::host::{host_of_url, normalize_host};
use crate::json::{JsonKind, JsonRef};

/// Whether rule `index` of `agent` matches: phase, pattern, selectors, condition, in that order.
pub(crate) fn rule_matches<'p: 'r, 'r>(
    agent: &'p CAgent,
    index: u32,
    phase: Option<u32>,
    cx: &Ctx<'r>,
    scratch: &mut Scratch,
) -> Result<bool, ConditionError<'p>> {
    let (Some(rule), Some(ir_rule)) = (
        agent.rules.get(index as usize),
        agent.ir.rules.get(index as usize),
    ) else {
        return Ok(false);
    };
    if ir_rule.phase.is_some() && ir_rule.phase != phase {
        return Ok(false);
    }
    if !rule.pattern.matches(cx.tool) {
        return Ok(false);
    }
    if let Some(selectors) = &rule.selectors
        && !selectors_match(selectors, cx.args)
    {
        return Ok(false);
    }
    match &rule.condition {
        Some(condition) => cond::holds(condition, cx, scratch),
        None => Ok(true),
    }
}

fn arg<'r>(args: Option<JsonRef<'r>>, name: &str) -> Option<JsonRef<'r>> {
    args?.get(name)
}

/// Every selector clause must match; a selector on a missing argument does not match.
fn selectors_match(selectors: &CSelectors, args: Option<JsonRef<'_>>) -> bool {
    if !selectors.method.is_empty() {
        let Some(method) = arg(args, "method").and_then(JsonRef::as_str) else {
            return false;
        };
        if !selectors
            .method
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
        {
            return false;
        }
    }
    if !selectors.host.is_empty() {
        let Some(host) = arg(args, "host")
            .and_then(JsonRef::as_str)
            .and_then(normalize_host)
        else {
            return false;
        };
        if !selectors.host.iter().any(|p| p.matches(host)) {
            return false;
        }
    }
    if !selectors.path.is_empty() {
        let Some(path) = arg(args, "path").and_then(JsonRef::as_str) else {
            return false;
        };
        if !selectors.path.iter().any(|p| p.matches(path)) {
            return false;
        }
    }
    if !selectors.port.is_empty() {
        let Some(port) = arg(args, "port").and_then(port_of) else {
            return false;
        };
        if !selectors
            .port
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
        {
            return false;
        }
    }
    for (table, clauses) in [("query", &selectors.query), ("headers", &selectors.header)] {
        for (key, patterns) in clauses.iter() {
            let Some(value) = arg(args, table)
                .and_then(|t| t.get_ignore_ascii_case(key))
                .and_then(JsonRef::as_str)
            else {
                return false;
            };
            if !patterns.iter().any(|p| p.matches(value)) {
                return false;
            }
        }
    }
    true
}

/// A port from a number or a string of digits.
fn port_of(value: JsonRef<'_>) -> Option<u32> {
    match value.kind() {
        JsonKind::Number(d) => d.to_i64().and_then(|p| u32::try_from(p).ok()),
        JsonKind::String(s)
            if !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// §6.1 step 3: whether egress to the request's host is denied.
pub(crate) fn egress_denied(egress: &CEgress, args: Option<JsonRef<'_>>) -> bool {
    let named = |name| arg(args, name).filter(|v| !matches!(v.kind(), JsonKind::Null));
    let host = if let Some(value) = named("host") {
        value.as_str().and_then(normalize_host)
    } else if let Some(value) = named("url") {
        value.as_str().and_then(host_of_url)
    } else {
        return false;
    };
    let Some(host) = host else { return true };
    if egress.deny.iter().any(|p| p.matches(host)) {
        return true;
    }
    match &egress.allow {
        Some(allow) => !allow.iter().any(|p| p.matches(host)),
        None => false,
    }
}

/// Whether a credential covers `tool`.
pub(crate) fn credential_covers(scope: &CredentialScope, tool: &str) -> bool {
    match scope {
        CredentialScope::Patterns(patterns) => patterns.iter().any(|p| p.matches(tool)),
        CredentialScope::FirstSegment(name) => tool.split('/').next() == Some(&**name),
    }
}
