//! Values in blocks: numbers too large to represent (E0003), budgets, phases, rate limits,
//! credentials and configuration keys (E0210, W0211).

use fpl_runtime::Decimal;
use fpl_syntax::keywords::{self, did_you_mean};

use crate::codes::Code;
use crate::config_keys::{KeyType, PROVIDER_TYPES, known_keys};
use crate::diagnostic::Diagnostic;
use crate::hir::{self, ValueKind, span};
use crate::source::FileId;

pub(super) fn check(policy: &hir::Policy, out: &mut Vec<Diagnostic>) {
    each_value(policy, &mut |file, value| out_of_range(file, value, out));
    for block in &policy.blocks {
        config_block(block.span.file, block, out);
    }
    for agent in &policy.agents {
        let file = agent.name_span.file;
        for budget in &agent.budgets {
            budget_block(file, budget, out);
        }
        for phase in &agent.phases {
            durations(file, &phase.attributes, "duration", out);
            for (_, value) in phase.attributes.iter().filter(|(key, _)| key == "tools") {
                tool_list(file, value, out);
            }
        }
        for limit in &agent.rate_limits {
            rate_limit(limit, out);
        }
        for credential in &agent.credentials {
            durations(file, &credential.attributes, "ttl", out);
        }
        for block in &agent.blocks {
            config_block(file, block, out);
        }
    }
}

/// Calls `visit` on every value of the policy outside rules, with its file: values of blocks
/// (nested blocks included), agent attributes, `var`s, budgets, credentials, phases and
/// rate-limit counts. Lists are not opened.
pub(super) fn each_value(policy: &hir::Policy, visit: &mut impl FnMut(FileId, &hir::Value)) {
    for block in &policy.blocks {
        for_each_config_value(&block.entries, &mut |value| visit(block.span.file, value));
    }
    for agent in &policy.agents {
        let file = agent.name_span.file;
        let values = agent
            .attributes
            .iter()
            .map(|(_, value)| value)
            .chain(agent.vars.iter().map(|var| &var.value))
            .chain(
                agent
                    .budgets
                    .iter()
                    .flat_map(|budget| budget.items.iter().map(|(_, value)| value)),
            )
            .chain(
                agent
                    .credentials
                    .iter()
                    .flat_map(|c| c.attributes.iter().map(|(_, value)| value)),
            )
            .chain(
                agent
                    .phases
                    .iter()
                    .flat_map(|phase| phase.attributes.iter().map(|(_, value)| value)),
            )
            .chain(
                agent
                    .rate_limits
                    .iter()
                    .filter_map(|limit| limit.limit.as_ref()),
            );
        for value in values {
            visit(file, value);
        }
        for block in &agent.blocks {
            for_each_config_value(&block.entries, &mut |value| visit(file, value));
        }
    }
}

/// Calls `visit` on every value of a configuration block, nested blocks included.
fn for_each_config_value(entries: &[hir::ConfigEntry], visit: &mut impl FnMut(&hir::Value)) {
    for entry in entries {
        match &entry.value {
            hir::ConfigValue::Value(value) => visit(value),
            hir::ConfigValue::Block(nested) => for_each_config_value(nested, visit),
            hir::ConfigValue::Missing => {}
        }
    }
}

/// `E0003` on `value` and on every list item in it whose number is out of range.
fn out_of_range(file: FileId, value: &hir::Value, out: &mut Vec<Diagnostic>) {
    match &value.kind {
        ValueKind::OutOfRange => out.push(super::out_of_range(span(file, value.range))),
        ValueKind::List(items) => items.iter().for_each(|item| out_of_range(file, item, out)),
        _ => {}
    }
}

/// Reports `E0210` on every `key` of `attributes` that is not a duration (or a string holding one).
fn durations(
    file: FileId,
    attributes: &[(String, hir::Value)],
    key: &str,
    out: &mut Vec<Diagnostic>,
) {
    for (_, value) in attributes.iter().filter(|(name, _)| name == key) {
        expect(file, key, value, is_duration(value), "a duration", out);
    }
}

/// Reports `E0210` on `value` unless `ok`.
fn expect(
    file: FileId,
    key: &str,
    value: &hir::Value,
    ok: bool,
    wanted: &str,
    out: &mut Vec<Diagnostic>,
) {
    if ok || matches!(value.kind, ValueKind::Invalid | ValueKind::OutOfRange) {
        return;
    }
    out.push(Diagnostic::new(
        Code::E0210,
        span(file, value.range),
        format!(
            "`{key}` takes {wanted}, not {} `{}`",
            article(value.type_name()),
            value_text(value)
        ),
    ));
}

fn article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

fn value_text(value: &hir::Value) -> String {
    match &value.kind {
        ValueKind::Bool(flag) => flag.to_string(),
        ValueKind::Number(n) | ValueKind::Duration(n) => n.to_string(),
        ValueKind::Money(n) => format!("${n}"),
        ValueKind::Size(bytes) => format!("{bytes}b"),
        ValueKind::String(text) | ValueKind::Ident(text) | ValueKind::Pattern(text) => text.clone(),
        ValueKind::List(_) => "[…]".to_string(),
        ValueKind::Env(name) => format!("env(\"{name}\")"),
        ValueKind::Invalid | ValueKind::OutOfRange => "…".to_string(),
    }
}

/// Whether `value` is a duration: a duration literal, or a string holding one (`"24h"`), as the
/// public docs write it (SPEC §4).
fn is_duration(value: &hir::Value) -> bool {
    crate::lower::duration_seconds(value).is_some()
}

fn is_integer(value: &hir::Value) -> bool {
    matches!(value.kind, ValueKind::Number(n) if !n.is_negative() && n.is_integer())
}

fn budget_block(file: FileId, budget: &hir::Budget, out: &mut Vec<Diagnostic>) {
    for (key, value) in &budget.items {
        match key.as_str() {
            "max" | "daily" => {
                let ok = matches!(value.kind, ValueKind::Money(n) | ValueKind::Number(n) if !n.is_negative());
                expect(file, key, value, ok, "a non-negative amount of money", out);
            }
            "max_calls" => expect(
                file,
                key,
                value,
                is_integer(value),
                "a non-negative integer",
                out,
            ),
            "warn_at" => {
                let ok = matches!(value.kind, ValueKind::Number(n) if n > Decimal::ZERO && n < Decimal::from_int(1));
                expect(file, key, value, ok, "a number between 0 and 1", out);
            }
            "tools" => tool_list(file, value, out),
            _ => {
                let ok = value
                    .as_text()
                    .is_some_and(|word| keywords::ON_EXCEED_VALUES.contains(&word));
                expect(file, key, value, ok, "`deny`, `defer` or `audit`", out);
            }
        }
    }
}

/// `tools` of a budget or a phase: a list of tool patterns (SPEC §6.2), `E0210` otherwise.
fn tool_list(file: FileId, value: &hir::Value, out: &mut Vec<Diagnostic>) {
    let ValueKind::List(items) = &value.kind else {
        return expect(file, "tools", value, false, "a list of tool patterns", out);
    };
    for item in items {
        let why = match item.as_text() {
            None => Some(format!(
                "is {}, not a tool pattern",
                article(item.type_name())
            )),
            Some(pattern) => fpl_runtime::pattern::Pattern::tool(pattern)
                .err()
                .map(|error| format!("`{pattern}` is no tool pattern: {error}")),
        };
        if let Some(why) = why {
            out.push(
                Diagnostic::new(
                    Code::E0210,
                    span(file, item.range),
                    format!("`tools` item {why}"),
                )
                .with_help(
                    "write tool patterns such as `\"stripe/charge\"` or `\"stripe/*\"` (SPEC §6.2)",
                ),
            );
        }
    }
}

fn rate_limit(limit: &hir::RateLimit, out: &mut Vec<Diagnostic>) {
    if let Some(ValueKind::Number(count)) = limit.limit.as_ref().map(|value| &value.kind)
        && (*count <= Decimal::ZERO || !count.is_integer())
    {
        out.push(Diagnostic::new(
            Code::E0210,
            limit.span,
            format!("`rate_limit` takes a positive whole number of calls, not `{count}`"),
        ));
    }
    if let Some(window) = limit
        .window
        .as_deref()
        .filter(|window| !["second", "minute", "hour", "day"].contains(window))
    {
        let mut diagnostic = Diagnostic::new(
            Code::E0210,
            limit.span,
            format!("`rate_limit` window `{window}` is none of `second`, `minute`, `hour`, `day`"),
        );
        if let Some(suggestion) = did_you_mean(window, ["second", "minute", "hour", "day"]) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        }
        out.push(diagnostic);
    }
}

fn config_block(file: FileId, block: &hir::ConfigBlock, out: &mut Vec<Diagnostic>) {
    if block.keyword == "provider" {
        for entry in block.entries.iter().filter(|entry| entry.key == "type") {
            if let hir::ConfigValue::Value(value) = &entry.value {
                let ok = value
                    .as_text()
                    .is_some_and(|text| PROVIDER_TYPES.contains(&text));
                expect(
                    file,
                    "type",
                    value,
                    ok,
                    &format!("one of {}", quoted_list(PROVIDER_TYPES)),
                    out,
                );
            }
        }
        return;
    }
    let Some(keys) = known_keys(&block.keyword) else {
        return;
    };
    for entry in &block.entries {
        let Some((_, key_type)) = keys.iter().find(|(key, _)| *key == entry.key) else {
            let mut diagnostic = Diagnostic::new(
                Code::W0211,
                span(file, entry.key_range),
                format!("unknown key `{}` in `{}`", entry.key, block.keyword),
            )
            .with_note(format!(
                "`{}` knows {}",
                block.keyword,
                quoted_list(&keys.iter().map(|(key, _)| *key).collect::<Vec<_>>())
            ));
            if let Some(suggestion) = did_you_mean(&entry.key, keys.iter().map(|(key, _)| *key)) {
                diagnostic =
                    diagnostic.with_replacement(format!("replace with `{suggestion}`"), suggestion);
            }
            out.push(diagnostic);
            continue;
        };
        match &entry.value {
            hir::ConfigValue::Value(value) => {
                check_key_type(file, &entry.key, value, *key_type, out)
            }
            hir::ConfigValue::Block(_) => out.push(Diagnostic::new(
                Code::E0210,
                span(file, entry.key_range),
                format!("`{}` takes a value, not a block", entry.key),
            )),
            hir::ConfigValue::Missing => {}
        }
    }
}

fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| format!("`{word}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_key_type(
    file: FileId,
    key: &str,
    value: &hir::Value,
    key_type: KeyType,
    out: &mut Vec<Diagnostic>,
) {
    if matches!(value.kind, ValueKind::Env(_)) {
        return;
    }
    let (ok, wanted) = match key_type {
        KeyType::OneOf(words) => (
            value.as_text().is_some_and(|text| words.contains(&text)),
            format!("one of {}", quoted_list(words)),
        ),
        KeyType::Duration => (is_duration(value), "a duration".to_string()),
        KeyType::Integer => (is_integer(value), "a non-negative integer".to_string()),
        KeyType::Bool => (
            matches!(value.kind, ValueKind::Bool(_)),
            "`true` or `false`".to_string(),
        ),
        KeyType::Text => (value.as_text().is_some(), "a string".to_string()),
        KeyType::StringList => (
            matches!(&value.kind, ValueKind::List(items) if items.iter().all(|item| item.as_text().is_some())),
            "a list of strings".to_string(),
        ),
        KeyType::Patterns => (
            value.as_text().is_some()
                || matches!(&value.kind, ValueKind::List(items) if items.iter().all(|item| item.as_text().is_some())),
            "a pattern or a list of patterns".to_string(),
        ),
        KeyType::Url(schemes) => (
            value.as_text().is_some_and(|text| {
                schemes
                    .iter()
                    .any(|scheme| text.starts_with(&format!("{scheme}://")))
            }),
            format!("a URL with scheme {}", quoted_list(schemes)),
        ),
        KeyType::HostPatterns => return host_patterns(file, key, value, out),
    };
    expect(file, key, value, ok, &wanted, out);
}

fn host_patterns(file: FileId, key: &str, value: &hir::Value, out: &mut Vec<Diagnostic>) {
    let ValueKind::List(items) = &value.kind else {
        return expect(file, key, value, false, "a list of host patterns", out);
    };
    for item in items {
        let ok = item.as_text().is_some_and(is_host_pattern);
        expect(
            file,
            key,
            item,
            ok,
            "host patterns: `example.com`, `*.example.com` or `*`",
            out,
        );
    }
}

/// Whether `pattern` is an exact host, `*.suffix` or `*` (SPEC §6.1 step 3), as the runtime
/// reads it: a pattern the runtime would refuse, or could never match, is `E0210`.
fn is_host_pattern(pattern: &str) -> bool {
    fpl_runtime::HostPattern::parse(pattern).is_some()
}

/// `E0210` on every `host:` selector value that is not a host pattern.
pub(super) fn host_selectors(rule: &hir::Rule, out: &mut Vec<Diagnostic>) {
    let file = rule.span.file;
    let host_clauses = rule
        .selectors
        .iter()
        .filter(|selector| selector.kind == hir::SelectorKind::Host);
    for selector in host_clauses {
        for value in selector
            .values
            .iter()
            .filter(|value| !is_host_pattern(value))
        {
            out.push(Diagnostic::new(
                Code::E0210,
                span(file, selector.range),
                format!("`host` takes host patterns: `example.com`, `*.example.com` or `*`, not `{value}`"),
            ));
        }
    }
}
