//! Tool patterns (§6.2), selector clauses and egress (§6.1 step 3), written plainly.

use super::Decision;
use super::request::Request;
use super::value::Value;
use crate::hir;

/// Whether `pattern` matches `tool` (SPEC §6.2).
pub fn tool_matches(pattern: &str, tool: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let pattern_segments: Vec<&str> = pattern.split('/').collect();
    let tool_segments: Vec<&str> = tool.split('/').collect();
    segments_match(&pattern_segments, &tool_segments)
}

fn segments_match(pattern: &[&str], tool: &[&str]) -> bool {
    match (pattern, tool) {
        ([], []) => true,
        (["*"], rest) => !rest.is_empty(),
        ([first, pattern_rest @ ..], [segment, tool_rest @ ..]) => {
            glob(first.as_bytes(), segment.as_bytes()) && segments_match(pattern_rest, tool_rest)
        }
        _ => false,
    }
}

/// `*` matches any run (`**` too), `?` one character; within one segment.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some(b'*') => (0..=text.len()).any(|skip| glob(&pattern[1..], &text[skip..])),
        Some(b'?') => match std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.chars().next())
        {
            Some(c) => glob(&pattern[1..], &text[c.len_utf8()..]),
            None => false,
        },
        Some(c) => text.first() == Some(c) && glob(&pattern[1..], &text[1..]),
    }
}

/// Whether every selector clause of `rule` matches the request's arguments; a `host` clause
/// reading a value that is not a readable host is an error (the rule's condition error).
pub fn selectors_match(rule: &hir::Rule, request: &Request) -> Result<bool, String> {
    for selector in &rule.selectors {
        if !selector_matches(selector, &request.args)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn selector_matches(selector: &hir::Selector, args: &Value) -> Result<bool, String> {
    let string_arg = |name: &str| match args.at(&[name.to_string()]) {
        Value::String(text) => Some(text.clone()),
        _ => None,
    };
    Ok(match &selector.kind {
        hir::SelectorKind::Method => string_arg("method")
            .is_some_and(|method| selector.values.iter().any(|value| tool_matches(&value.to_ascii_lowercase(), &method.to_ascii_lowercase()))),
        hir::SelectorKind::Host => match args.at(&["host".to_string()]) {
            Value::Null => false,
            value => {
                let host = read_host(value, fpl_runtime::read_host)
                    .map_err(|why| format!("`host` cannot read `args.host`: {why}"))?;
                selector.values.iter().any(|pattern| host_matches(pattern, &host))
            }
        },
        hir::SelectorKind::Path => match string_arg("path") {
            None => false,
            Some(path) => {
                let path = normalize_path(&path).ok_or("`path` cannot read `args.path`: it climbs above `/`")?;
                selector.values.iter().any(|pattern| tool_matches(pattern, &path))
            }
        },
        hir::SelectorKind::Port => port_of(args.at(&["port".to_string()])).is_some_and(|port| {
            selector.values.iter().any(|value| match value.split_once('-') {
                Some((low, high)) => matches!((low.parse::<u64>(), high.parse::<u64>()), (Ok(low), Ok(high)) if low <= port && port <= high),
                None => value.parse::<u64>() == Ok(port),
            })
        }),
        hir::SelectorKind::Query(key) => keyed(args, "query", key, &selector.values),
        hir::SelectorKind::Header(key) => keyed(args, "headers", key, &selector.values),
    })
}

/// `args.path` as a `path` selector sees it (SPEC §6.2): `.` and `..` segments (also spelled
/// `%2e`) resolved, empty segments dropped, `\` read as `/`; `None` when `..` climbs above the
/// start. A leading `/` and a final directory `/` are kept.
fn normalize_path(path: &str) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split(['/', '\\']).collect();
    for segment in &segments {
        match segment.to_ascii_lowercase().as_str() {
            "" | "." | "%2e" => {}
            ".." | ".%2e" | "%2e." | "%2e%2e" => {
                kept.pop()?;
            }
            _ => kept.push(segment),
        }
    }
    let absolute = path.starts_with(['/', '\\']);
    let last = segments
        .last()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let directory = matches!(
        last.as_str(),
        "" | "." | "%2e" | ".." | ".%2e" | "%2e." | "%2e%2e"
    );
    let mut out = kept.join("/");
    if absolute {
        out.insert(0, '/');
    }
    if directory && !kept.is_empty() {
        out.push('/');
    }
    Some(out)
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
        Value::Number(Some(millionths)) if *millionths >= 0 && millionths % 1_000_000 == 0 => {
            u64::try_from(millionths / 1_000_000).ok()
        }
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    }
}

/// `fpl_runtime::read_host` or `fpl_runtime::read_url_host`.
type HostReader = fn(&str) -> Result<&str, fpl_runtime::HostError>;

/// A host read from a value, lowercased. The reading itself is the runtime's (one definition
/// of the primitive; `fpl-runtime`'s tests compare it with the `url` crate, an independent
/// WHATWG parser): what this module checks is how egress and selectors use it.
fn read_host(value: &Value, read: HostReader) -> Result<String, String> {
    match value {
        Value::String(text) => read(text)
            .map(str::to_ascii_lowercase)
            .map_err(|error| error.to_string()),
        _ => Err("not a string".to_string()),
    }
}

/// Host patterns: exact, `*.suffix` (also the bare suffix) or `*`; a trailing dot is ignored.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let pattern = pattern.strip_suffix('.').unwrap_or(&pattern);
    match pattern.strip_prefix("*.") {
        _ if pattern == "*" => true,
        Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
        None => host == pattern,
    }
}

/// Step 3: the egress decision, if the agent has `egress` and the request names a host:
/// `args.host` and the host of `args.url` are both checked; an unreadable one is denied.
pub fn egress(agent: &hir::Agent, request: &Request) -> Option<Decision> {
    let block = agent.blocks_named("egress").next()?;
    let mut hosts = Vec::new();
    let readers: [(&str, HostReader); 2] = [
        ("host", fpl_runtime::read_host),
        ("url", fpl_runtime::read_url_host),
    ];
    for (name, read) in readers {
        match request.args.at(&[name.to_string()]) {
            Value::Null => {}
            value => hosts.push(read_host(value, read)),
        }
    }
    if hosts.is_empty() {
        return None;
    }
    let denied = Some(Decision::bare("deny", "EGRESS_DENIED"));
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
    for host in hosts {
        let Ok(host) = host else { return denied };
        if list("deny").is_some_and(|deny| deny.iter().any(|pattern| host_matches(pattern, &host)))
        {
            return denied;
        }
        if list("allow")
            .is_some_and(|allow| !allow.iter().any(|pattern| host_matches(pattern, &host)))
        {
            return denied;
        }
    }
    None
}
