//! Tool patterns (§6.2, with the runtime's one matcher), selector clauses and egress (§6.1
//! step 3), written plainly.

use fpl_runtime::pattern::Pattern;

use super::Decision;
use super::request::Request;
use super::value::Value;
use crate::hir;

/// Whether `pattern` matches `tool` (SPEC §6.2). Patterns with empty segments (HTTP paths
/// such as `/v1/*`) are read as written.
pub fn tool_matches(pattern: &str, tool: &str) -> bool {
    Pattern::lenient(pattern).is_ok_and(|pattern| pattern.matches(tool))
}

/// Whether every selector clause of `rule` matches the request's arguments.
pub fn selectors_match(rule: &hir::Rule, request: &Request) -> bool {
    rule.selectors
        .iter()
        .all(|selector| selector_matches(selector, &request.args))
}

fn selector_matches(selector: &hir::Selector, args: &Value) -> bool {
    let string_arg = |name: &str| match args.at(&[name.to_string()]) {
        Value::String(text) => Some(text.clone()),
        _ => None,
    };
    match &selector.kind {
        hir::SelectorKind::Method => string_arg("method")
            .is_some_and(|method| selector.values.iter().any(|value| tool_matches(&value.to_ascii_lowercase(), &method.to_ascii_lowercase()))),
        hir::SelectorKind::Host => string_arg("host")
            .and_then(|host| normalize_host(&host))
            .is_some_and(|host| selector.values.iter().any(|pattern| host_matches(pattern, &host))),
        hir::SelectorKind::Path => string_arg("path").is_some_and(|path| selector.values.iter().any(|pattern| tool_matches(pattern, &path))),
        hir::SelectorKind::Port => port_of(args.at(&["port".to_string()])).is_some_and(|port| {
            selector.values.iter().any(|value| match value.split_once('-') {
                Some((low, high)) => matches!((low.parse::<u64>(), high.parse::<u64>()), (Ok(low), Ok(high)) if low <= port && port <= high),
                None => value.parse::<u64>() == Ok(port),
            })
        }),
        hir::SelectorKind::Query(key) => keyed(args, "query", key, &selector.values),
        hir::SelectorKind::Header(key) => keyed(args, "headers", key, &selector.values),
    }
}

fn keyed(args: &Value, table: &str, key: &str, patterns: &[String]) -> bool {
    let Value::Object(map) = args.at(&[table.to_string()]) else {
        return false;
    };
    let value = map
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, value)| value);
    match value {
        Some(Value::String(text)) => patterns.iter().any(|pattern| tool_matches(pattern, text)),
        _ => false,
    }
}

fn port_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(Some(number)) if !number.is_negative() && number.is_integer() => {
            u64::try_from(number.floor_int()).ok()
        }
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    }
}

/// Lowercases a host and strips a port, userinfo and a trailing dot.
pub fn normalize_host(host: &str) -> Option<String> {
    let host = host.rsplit('@').next()?;
    let host = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next()?
    } else {
        host.split(':').next()?
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    valid.then_some(host)
}

/// The host of a URL such as `https://user@api.example.com:443/x`.
pub fn host_of_url(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    normalize_host(authority)
}

/// Host patterns: exact, `*.suffix` (also the bare suffix) or `*`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        _ if pattern == "*" => true,
        Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
        None => host == pattern,
    }
}

/// Step 3: the egress decision, if the agent has `egress` and the request names a host.
pub fn egress(agent: &hir::Agent, request: &Request) -> Option<Decision> {
    let block = agent.blocks_named("egress").next()?;
    let host = match (
        request.args.at(&["host".to_string()]),
        request.args.at(&["url".to_string()]),
    ) {
        (Value::Null, Value::Null) => return None,
        (Value::Null, Value::String(url)) => host_of_url(url),
        (Value::Null, _) => None,
        (Value::String(host), _) => normalize_host(host),
        _ => None,
    };
    let denied = Some(Decision::bare("deny", "EGRESS_DENIED"));
    let Some(host) = host else { return denied };
    let list = |key: &str| -> Option<Vec<String>> {
        block
            .entries
            .iter()
            .find(|entry| entry.key == key)
            .and_then(|entry| match &entry.value {
                hir::ConfigValue::Value(hir::Value {
                    kind: hir::ValueKind::List(items),
                    ..
                }) => Some(
                    items
                        .iter()
                        .filter_map(|item| item.as_text().map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
    };
    if list("deny").is_some_and(|deny| deny.iter().any(|pattern| host_matches(pattern, &host))) {
        return denied;
    }
    match list("allow") {
        Some(allow) if !allow.iter().any(|pattern| host_matches(pattern, &host)) => denied,
        _ => None,
    }
}
