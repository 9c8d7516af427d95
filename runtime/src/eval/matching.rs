//! Rule matching (tool pattern, then selectors, then condition), egress and credential scopes.

use super::compile::{CAgent, CEgress, CSelectors, CredentialScope};
use super::cond::{self, ConditionError, Ctx, Scratch};
use crate::host::{HostError, read_host, read_url_host};
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
        && !selectors_match(selectors, cx)?
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

/// An argument that is present and not JSON `null`.
fn present<'r>(args: Option<JsonRef<'r>>, name: &str) -> Option<JsonRef<'r>> {
    arg(args, name).filter(|value| !matches!(value.kind(), JsonKind::Null))
}

/// Reads a host from a string value with `read`.
fn host_value<'r>(
    value: JsonRef<'r>,
    read: fn(&str) -> Result<&str, HostError>,
) -> Result<&'r str, HostError> {
    value.as_str().ok_or(HostError::NotAString).and_then(read)
}

/// Every selector clause must match; a selector on a missing argument does not match. A `host`
/// clause reading a value that is not a readable host (§6.1), and a `path` clause reading a path
/// that climbs above its root, are condition errors.
fn selectors_match<'p>(selectors: &CSelectors, cx: &Ctx<'_>) -> Result<bool, ConditionError<'p>> {
    let args = cx.args;
    if !selectors.method.is_empty() {
        let Some(method) = arg(args, "method").and_then(JsonRef::as_str) else {
            return Ok(false);
        };
        if !selectors
            .method
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
        {
            return Ok(false);
        }
    }
    if !selectors.host.is_empty() {
        let Some(value) = present(args, "host") else {
            return Ok(false);
        };
        let host = host_value(value, read_host)
            .map_err(|error| ConditionError::unreadable("host", "args.host", error.as_str()))?;
        if !selectors.host.iter().any(|p| p.matches(host)) {
            return Ok(false);
        }
    }
    if !selectors.path.is_empty() {
        let Some(path) = cx.path else {
            return Ok(false);
        };
        let path = path.map_err(|_| {
            ConditionError::unreadable("path", "args.path", "a path that climbs above `/`")
        })?;
        if !selectors.path.iter().any(|p| p.matches(path)) {
            return Ok(false);
        }
    }
    if !selectors.port.is_empty() {
        let Some(port) = arg(args, "port").and_then(port_of) else {
            return Ok(false);
        };
        if !selectors
            .port
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
        {
            return Ok(false);
        }
    }
    for (table, clauses) in [("query", &selectors.query), ("headers", &selectors.header)] {
        for (key, patterns) in clauses.iter() {
            let Some(value) = arg(args, table)
                .and_then(|t| t.get_ignore_ascii_case(key))
                .and_then(JsonRef::as_str)
            else {
                return Ok(false);
            };
            if !patterns.iter().any(|p| p.matches(value)) {
                return Ok(false);
            }
        }
    }
    Ok(true)
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

/// §6.1 step 3: whether egress is denied. `args.host` and the host of `args.url` are each
/// checked when present; a value that is not a readable host is denied.
pub(crate) fn egress_denied(egress: &CEgress, args: Option<JsonRef<'_>>) -> bool {
    let readings = [
        present(args, "host").map(|value| host_value(value, read_host)),
        present(args, "url").map(|value| host_value(value, read_url_host)),
    ];
    readings.into_iter().flatten().any(|reading| match reading {
        Err(_) => true,
        Ok(host) => {
            egress.deny.iter().any(|p| p.matches(host))
                || egress
                    .allow
                    .as_ref()
                    .is_some_and(|allow| !allow.iter().any(|p| p.matches(host)))
        }
    })
}

/// Whether a credential covers `tool`.
pub(crate) fn credential_covers(scope: &CredentialScope, tool: &str) -> bool {
    match scope {
        CredentialScope::Patterns(patterns) => patterns.iter().any(|p| p.matches(tool)),
        CredentialScope::FirstSegment(name) => tool.split('/').next() == Some(&**name),
    }
}
