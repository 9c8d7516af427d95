//! An FPL policy file written in the YAML/JSON form (`faramesh convert --to yaml|json`): its
//! semantic model, with every value spelt as the source spells it (`$500`, `24h`, the `when`
//! condition as written). YAML output keeps the file's comments, each above the entry written
//! after it in the source; JSON has no comments. Constructs the form has no place for
//! (`trust`, `system`, `audit`, …) are refused with their position, never dropped.

use fpl_syntax::{SyntaxKind, TextRange, TextSize};

use crate::analysis::Analysis;
use crate::diagnostic::Span;
use crate::hir::{self, ValueKind};
use crate::source::FileId;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML, with comments.
    Yaml,
    /// JSON.
    Json,
}

/// A construct of the file that the YAML/JSON form cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct WriteError {
    /// The file's path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What cannot be written.
    pub message: String,
}

/// Writes file `file` of an analysed policy (which must have no errors) in `format`.
pub fn write(analysis: &Analysis, file: FileId, format: Format) -> Result<String, WriteError> {
    let source = &analysis.file(file).source;
    let writer = Writer {
        analysis,
        text: &source.text,
        file,
    };
    let document = writer.document()?;
    Ok(match format {
        Format::Json => {
            let mut out = String::new();
            json(&document, 0, &mut out);
            out.push('\n');
            out
        }
        Format::Yaml => {
            let mut printer = YamlPrinter {
                out: String::new(),
                comments: comments(&source.text),
                next_comment: 0,
            };
            printer.map_body(entries_of(&document), 0, false);
            printer.rest();
            printer.out
        }
    })
}

/// A node of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    /// A string.
    Str(String),
    /// A literal written bare (`500`, `$500`, `24h`, `true`).
    Bare(String),
    /// A list.
    List(Vec<Out>),
    /// A mapping, in order; each entry with where its source starts (for comments).
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    value: Out,
    at: Option<TextSize>,
}

fn entry(key: &str, value: Out) -> Entry {
    Entry {
        key: key.to_string(),
        value,
        at: None,
    }
}

fn entries_of(out: &Out) -> &[Entry] {
    match out {
        Out::Map(entries) => entries,
        _ => &[],
    }
}

struct Writer<'a> {
    analysis: &'a Analysis,
    text: &'a str,
    file: FileId,
}

impl Writer<'_> {
    fn refuse(&self, message: String, range: TextRange) -> WriteError {
        let (start, _) = self.analysis.line_cols(Span {
            file: self.file,
            range,
        });
        WriteError {
            file: self.analysis.file(self.file).source.path.clone(),
            line: start.line,
            column: start.column,
            message,
        }
    }

    fn document(&self) -> Result<Out, WriteError> {
        let policy = &self.analysis.policy;
        let mut top = Vec::new();
        let imports: Vec<Out> = policy
            .imports
            .iter()
            .filter(|import| import.span.file == self.file)
            .map(|import| {
                let mut fields = vec![entry("ref", Out::Str(import.reference.clone()))];
                if let Some(alias) = &import.alias {
                    fields.push(entry("as", Out::Str(alias.clone())));
                }
                Out::Map(fields)
            })
            .collect();
        if !imports.is_empty() {
            top.push(entry("imports", Out::List(imports)));
        }
        let mut providers = Vec::new();
        for block in policy.blocks.iter().filter(|b| b.span.file == self.file) {
            match (block.keyword.as_str(), &block.name) {
                ("runtime", _) => {
                    let body = self.config_entries(&block.entries)?;
                    top.push(self.at(entry("runtime", body), block.span.range))
                }
                ("provider", Some(name)) => {
                    let body = self.config_entries(&block.entries)?;
                    providers.push(self.at(entry(name, body), block.span.range))
                }
                (keyword, _) => {
                    return Err(self.refuse(
                        format!("`{keyword}` has no YAML/JSON form (SPEC §11)"),
                        block.span.range,
                    ));
                }
            }
        }
        if !providers.is_empty() {
            top.push(entry("providers", Out::Map(providers)));
        }
        let mut agents = Vec::new();
        for agent in policy
            .agents
            .iter()
            .filter(|a| a.name_span.file == self.file)
        {
            agents.push(self.at(
                entry(&agent.name, self.agent(agent)?),
                agent.name_span.range,
            ));
        }
        top.push(entry("agents", Out::Map(agents)));
        Ok(Out::Map(top))
    }

    fn at(&self, mut entry: Entry, range: TextRange) -> Entry {
        entry.at = Some(range.start());
        entry
    }

    fn agent(&self, agent: &hir::Agent) -> Result<Out, WriteError> {
        let mut fields = Vec::new();
        let default = match agent.default {
            Some((effect, _)) => Some(effect),
            None if agent.is_flat => Some(hir::EffectKind::Deny),
            None => None,
        };
        if let Some(effect) = default {
            fields.push(entry("default", Out::Bare(effect_word(effect).to_string())));
        }
        for (key, value) in &agent.attributes {
            if key != "model" && key != "framework" {
                return Err(self.refuse(
                    format!("`{key}` has no YAML/JSON form (SPEC §11)"),
                    value.range,
                ));
            }
            fields.push(entry(key, self.value(value)?));
        }
        if let Some(word) = agent.audit.first() {
            return Err(self.refuse(
                format!("`audit {{ include {word} }}` has no YAML/JSON form (SPEC §11)"),
                agent.name_span.range,
            ));
        }
        let mut vars = Vec::new();
        for var in &agent.vars {
            if let ValueKind::String(text) = &var.value.kind
                && super::fpl::is_bare_literal(text, true)
            {
                return Err(self.refuse(
                    format!(
                        "the string `{text}` reads back from YAML/JSON as a literal, not a string"
                    ),
                    var.value.range,
                ));
            }
            vars.push(self.at(entry(&var.name, self.value(&var.value)?), var.span.range));
        }
        push_map(&mut fields, "vars", vars);
        let mut budgets = Vec::new();
        for budget in &agent.budgets {
            let mut items = Vec::new();
            for (key, value) in &budget.items {
                items.push(entry(key, self.value(value)?));
            }
            budgets.push(self.at(entry(&budget.scope, Out::Map(items)), budget.span.range));
        }
        push_map(&mut fields, "budgets", budgets);
        let mut phases = Vec::new();
        for phase in &agent.phases {
            let mut items = Vec::new();
            for (key, value) in &phase.attributes {
                items.push(entry(key, self.value(value)?));
            }
            phases.push(self.at(entry(&phase.name, Out::Map(items)), phase.span.range));
        }
        push_map(&mut fields, "phases", phases);
        let mut rules = Vec::new();
        for rule in &agent.rules {
            rules.push(self.rule(agent, rule)?);
        }
        push_list(&mut fields, "rules", rules);
        let limits = agent
            .rate_limits
            .iter()
            .map(|limit| {
                let count = match &limit.limit {
                    Some(value) => self.value(value)?,
                    None => Out::Bare("0".to_string()),
                };
                Ok(self.mapping(
                    vec![
                        entry("tool", Out::Str(limit.pattern.clone())),
                        entry("limit", count),
                        entry("per", Out::Bare(limit.window.clone().unwrap_or_default())),
                    ],
                    limit.span.range,
                ))
            })
            .collect::<Result<Vec<_>, WriteError>>()?;
        push_list(&mut fields, "rate_limits", limits);
        let redacts = agent
            .redacts
            .iter()
            .map(|redact| {
                self.mapping(
                    vec![
                        entry("tool", Out::Str(redact.pattern.clone())),
                        entry("args", strings(&redact.args)),
                    ],
                    redact.span.range,
                )
            })
            .collect();
        push_list(&mut fields, "redact", redacts);
        let mut alerts = Vec::new();
        for block in &agent.blocks {
            match block.keyword.as_str() {
                "egress" => {
                    let body = self.config_entries(&block.entries)?;
                    fields.push(self.at(entry("egress", body), block.span.range));
                }
                "alert" => alerts.push(self.config_entries(&block.entries)?),
                keyword => {
                    return Err(self.refuse(
                        format!("`{keyword}` has no YAML/JSON form (SPEC §11)"),
                        block.span.range,
                    ));
                }
            }
        }
        push_list(&mut fields, "alerts", alerts);
        let mut credentials = Vec::new();
        for credential in &agent.credentials {
            let mut items = Vec::new();
            if !credential.scopes.is_empty() {
                items.push(entry("scope", strings(&credential.scopes)));
            }
            for (key, value) in &credential.attributes {
                items.push(entry(key, self.value(value)?));
            }
            credentials.push(self.at(
                entry(&credential.name, Out::Map(items)),
                credential.span.range,
            ));
        }
        push_map(&mut fields, "credentials", credentials);
        Ok(Out::Map(fields))
    }

    fn mapping(&self, mut fields: Vec<Entry>, range: TextRange) -> Out {
        if let Some(first) = fields.first_mut() {
            first.at = Some(range.start());
        }
        Out::Map(fields)
    }

    fn rule(&self, agent: &hir::Agent, rule: &hir::Rule) -> Result<Out, WriteError> {
        if rule.reeval.is_some() {
            return Err(self.refuse(
                "the `reeval` clause has no YAML/JSON form (SPEC §11)".to_string(),
                rule.span.range,
            ));
        }
        let effect = match (rule.effect, rule.mandatory) {
            (hir::EffectKind::Deny, true) => "deny!",
            (effect, _) => effect_word(effect),
        };
        let mut fields = vec![
            entry("effect", Out::Bare(effect.to_string())),
            entry("tool", Out::Str(rule.pattern.clone())),
        ];
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for selector in &rule.selectors {
            let values = match selector.values.as_slice() {
                [one] => Out::Str(one.clone()),
                many => strings(many),
            };
            match &selector.kind {
                hir::SelectorKind::Method => fields.push(entry("method", values)),
                hir::SelectorKind::Host => fields.push(entry("host", values)),
                hir::SelectorKind::Path => fields.push(entry("path", values)),
                hir::SelectorKind::Port => fields.push(entry("port", values)),
                hir::SelectorKind::Query(key) => query.push(entry(key, values)),
                hir::SelectorKind::Header(key) => headers.push(entry(key, values)),
            }
        }
        push_map(&mut fields, "query", query);
        push_map(&mut fields, "headers", headers);
        if let Some(condition) = &rule.condition {
            fields.push(entry(
                "when",
                Out::Str(self.text[condition.range].to_string()),
            ));
        }
        if let Some(reason) = &rule.reason {
            fields.push(entry("reason", Out::Str(reason.clone())));
        }
        if let Some(notify) = &rule.notify {
            fields.push(entry("notify", Out::Str(notify.clone())));
        }
        if let Some(phase) = rule.phase.and_then(|index| agent.phases.get(index)) {
            fields.push(entry("phase", Out::Str(phase.name.clone())));
        }
        Ok(self.mapping(fields, rule.span.range))
    }

    fn config_entries(&self, entries: &[hir::ConfigEntry]) -> Result<Out, WriteError> {
        let mut out = Vec::new();
        for config in entries {
            match &config.value {
                hir::ConfigValue::Value(value) => {
                    out.push(self.at(entry(&config.key, self.value(value)?), config.key_range))
                }
                _ => {
                    return Err(self.refuse(
                        format!(
                            "the nested block `{}` has no YAML/JSON form (SPEC §11)",
                            config.key
                        ),
                        config.key_range,
                    ));
                }
            }
        }
        Ok(Out::Map(out))
    }

    /// A value as the source spells it.
    fn value(&self, value: &hir::Value) -> Result<Out, WriteError> {
        Ok(match &value.kind {
            ValueKind::Bool(_)
            | ValueKind::Number(_)
            | ValueKind::Money(_)
            | ValueKind::Duration(_)
            | ValueKind::Size(_) => Out::Bare(self.text[value.range].to_string()),
            ValueKind::String(text) | ValueKind::Ident(text) | ValueKind::Pattern(text) => {
                Out::Str(text.clone())
            }
            ValueKind::List(items) => Out::List(
                items
                    .iter()
                    .map(|item| self.value(item))
                    .collect::<Result<_, _>>()?,
            ),
            ValueKind::Env(_) | ValueKind::Invalid | ValueKind::OutOfRange => {
                return Err(self.refuse(
                    format!(
                        "`{}` has no YAML/JSON form (SPEC §11)",
                        &self.text[value.range]
                    ),
                    value.range,
                ));
            }
        })
    }
}

fn effect_word(effect: hir::EffectKind) -> &'static str {
    match effect {
        hir::EffectKind::Permit => "permit",
        hir::EffectKind::Deny => "deny",
        hir::EffectKind::Defer => "defer",
    }
}

fn strings(items: &[String]) -> Out {
    Out::List(items.iter().cloned().map(Out::Str).collect())
}

fn push_map(fields: &mut Vec<Entry>, key: &str, entries: Vec<Entry>) {
    if !entries.is_empty() {
        fields.push(entry(key, Out::Map(entries)));
    }
}

fn push_list(fields: &mut Vec<Entry>, key: &str, items: Vec<Out>) {
    if !items.is_empty() {
        fields.push(entry(key, Out::List(items)));
    }
}

/// The comments of an FPL text: where each starts and its text after `#`.
fn comments(text: &str) -> Vec<(TextSize, String)> {
    fpl_syntax::parse(text)
        .syntax_node()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| token.kind() == SyntaxKind::COMMENT)
        .map(|token| {
            let body = token.text().strip_prefix('#').unwrap_or(token.text());
            (token.text_range().start(), body.trim_end().to_string())
        })
        .collect()
}

/// Prints YAML in block style, comments before the entries they preceded in the source.
struct YamlPrinter {
    out: String,
    comments: Vec<(TextSize, String)>,
    next_comment: usize,
}

impl YamlPrinter {
    /// The comments that come before `at` in the source, at `indent`.
    fn comments_before(&mut self, at: Option<TextSize>, indent: usize) {
        let Some(at) = at else { return };
        while let Some((start, body)) = self.comments.get(self.next_comment) {
            if *start >= at {
                break;
            }
            self.out.push_str(&" ".repeat(indent));
            self.out.push('#');
            self.out.push_str(body);
            self.out.push('\n');
            self.next_comment += 1;
        }
    }

    /// The comments left after the last entry.
    fn rest(&mut self) {
        self.comments_before(Some(TextSize::from(u32::MAX)), 0);
    }

    /// The entries of a mapping at `indent`; the first right after a `- ` when `after_dash`.
    fn map_body(&mut self, entries: &[Entry], indent: usize, after_dash: bool) {
        if entries.is_empty() {
            self.out.push_str("{}\n");
        }
        for (index, entry) in entries.iter().enumerate() {
            if !(after_dash && index == 0) {
                self.comments_before(entry.at, indent);
                self.out.push_str(&" ".repeat(indent));
            }
            self.out.push_str(&yaml_string(&entry.key));
            self.out.push(':');
            self.value(&entry.value, indent);
        }
    }

    /// A value after `key:`.
    fn value(&mut self, value: &Out, indent: usize) {
        match value {
            Out::Map(entries) if !entries.is_empty() => {
                self.out.push('\n');
                self.map_body(entries, indent + 2, false);
            }
            Out::List(items) if items.iter().any(|item| matches!(item, Out::Map(_))) => {
                self.out.push('\n');
                for item in items {
                    if let Out::Map(entries) = item {
                        self.comments_before(
                            entries.first().and_then(|first| first.at),
                            indent + 2,
                        );
                    }
                    self.out.push_str(&" ".repeat(indent + 2));
                    self.out.push_str("- ");
                    match item {
                        Out::Map(entries) => self.map_body(entries, indent + 4, true),
                        other => {
                            self.out.push_str(&flow(other));
                            self.out.push('\n');
                        }
                    }
                }
            }
            other => {
                self.out.push(' ');
                self.out.push_str(&flow(other));
                self.out.push('\n');
            }
        }
    }
}

/// A value on one line: a scalar, `[a, b]` or `{}`.
fn flow(value: &Out) -> String {
    match value {
        Out::Str(text) => yaml_string(text),
        Out::Bare(text) => text.clone(),
        Out::List(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Out::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|entry| format!("{}: {}", yaml_string(&entry.key), flow(&entry.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A string as YAML: plain when YAML reads it back as this string and nothing else, else
/// single-quoted, else (control characters) double-quoted with JSON's escapes.
fn yaml_string(text: &str) -> String {
    if is_plain_safe(text) {
        return text.to_string();
    }
    if text.chars().all(|c| !c.is_control()) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    serde_json::to_string(text).unwrap_or_default()
}

fn is_plain_safe(text: &str) -> bool {
    const SPECIAL: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "y", "n"];
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '/')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_./*-".contains(c))
        && !SPECIAL.contains(&text.to_ascii_lowercase().as_str())
}

/// JSON text, two-space indented, keys in order.
fn json(value: &Out, indent: usize, out: &mut String) {
    let pad = |n: usize| " ".repeat(n);
    match value {
        Out::Str(text) => out.push_str(&serde_json::to_string(text).unwrap_or_default()),
        Out::Bare(text)
            if fpl_syntax::literal::is_number(text) || text == "true" || text == "false" =>
        {
            out.push_str(text)
        }
        Out::Bare(text) => out.push_str(&serde_json::to_string(text).unwrap_or_default()),
        Out::List(items) if items.is_empty() => out.push_str("[]"),
        Out::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Out::List(items) => {
            out.push_str("[\n");
            for (index, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                json(item, indent + 2, out);
                out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Out::Map(entries) => {
            out.push_str("{\n");
            for (index, entry) in entries.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                out.push_str(&serde_json::to_string(&entry.key).unwrap_or_default());
                out.push_str(": ");
                json(&entry.value, indent + 2, out);
                out.push_str(if index + 1 < entries.len() {
                    ",\n"
                } else {
                    "\n"
                });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}
