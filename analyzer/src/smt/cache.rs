//! The per-group cache of findings. A group's key holds what its findings depend on and no
//! position: the agent's name, phases, variables and egress blocks, and each rule's number,
//! phase and source text. So a group whose rules only moved (an edit above them) is answered
//! from the cache, its spans moved along with its rules.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock};

use super::SmtOptions;
use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Span};
use crate::hir::{self, ConfigValue, ValueKind};

/// Entries kept before the cache starts over.
const CAPACITY: usize = 100_000;

/// A group's findings and where its rules were when they were found.
#[derive(Clone)]
struct Entry {
    rules: Vec<Span>,
    diagnostics: Vec<Diagnostic>,
}

fn cache() -> &'static Mutex<HashMap<u64, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<u64, Entry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The key of a group of `agent`'s rules (indexes in evaluation order).
pub(super) fn group_key(
    analysis: &Analysis,
    agent: &hir::Agent,
    group: &[usize],
    options: &SmtOptions,
) -> u64 {
    let mut hasher = DefaultHasher::new();
    options.hash(&mut hasher);
    agent.name.hash(&mut hasher);
    for phase in &agent.phases {
        phase.name.hash(&mut hasher);
        hash_attributes(&phase.attributes, &mut hasher);
    }
    for var in &agent.vars {
        var.name.hash(&mut hasher);
        hash_value(&var.value.kind, &mut hasher);
    }
    for egress in agent.blocks_named("egress") {
        egress.name.hash(&mut hasher);
        hash_entries(&egress.entries, &mut hasher);
    }
    for &index in group {
        let rule = &agent.rules[index];
        (rule.number, rule.phase, rule.mandatory).hash(&mut hasher);
        hash_rule_text(analysis, rule, &mut hasher);
    }
    hasher.finish()
}

/// The cached findings of the group with `key`, moved to where its rules (`rules`, in the
/// group's order) are now; `None` when the group is not cached or a finding points elsewhere.
pub(super) fn get(key: u64, rules: &[Span]) -> Option<Vec<Diagnostic>> {
    let entry = cache().lock().ok()?.get(&key).cloned()?;
    if entry.rules.len() != rules.len() {
        return None;
    }
    let moved = |span: Span| {
        let (old, new) = entry
            .rules
            .iter()
            .zip(rules)
            .find(|(old, _)| old.file == span.file && old.range.contains_range(span.range))?;
        let offset = span.range - old.range.start();
        Some(Span {
            file: new.file,
            range: offset + new.range.start(),
        })
    };
    entry
        .diagnostics
        .into_iter()
        .map(|diagnostic| move_diagnostic(diagnostic, &moved))
        .collect()
}

/// Remembers the findings of the group with `key`, whose rules are at `rules`.
pub(super) fn put(key: u64, rules: Vec<Span>, diagnostics: Vec<Diagnostic>) {
    if let Ok(mut map) = cache().lock() {
        if map.len() > CAPACITY {
            map.clear();
        }
        map.insert(key, Entry { rules, diagnostics });
    }
}

/// `diagnostic` with every span moved by `moved`; `None` if one cannot be.
fn move_diagnostic(
    mut diagnostic: Diagnostic,
    moved: &impl Fn(Span) -> Option<Span>,
) -> Option<Diagnostic> {
    diagnostic.span = moved(diagnostic.span)?;
    for label in &mut diagnostic.labels {
        label.span = moved(label.span)?;
    }
    for edit in diagnostic.fixes.iter_mut().flat_map(|fix| &mut fix.edits) {
        let span = moved(Span {
            file: edit.file,
            range: edit.range,
        })?;
        edit.file = span.file;
        edit.range = span.range;
    }
    Some(diagnostic)
}

/// Hashes a rule's source text, or its model when the text cannot be read (the key then holds
/// positions, which costs cache hits, never correctness).
fn hash_rule_text(analysis: &Analysis, rule: &hir::Rule, hasher: &mut DefaultHasher) {
    let text = analysis
        .files()
        .get(rule.span.file.0 as usize)
        .and_then(|file| {
            file.source
                .text
                .get(std::ops::Range::<usize>::from(rule.span.range))
        });
    match text {
        Some(text) => text.hash(hasher),
        None => hash_debug(rule, hasher),
    }
}

fn hash_attributes(attributes: &[(String, hir::Value)], hasher: &mut DefaultHasher) {
    for (key, value) in attributes {
        key.hash(hasher);
        hash_value(&value.kind, hasher);
    }
}

fn hash_entries(entries: &[hir::ConfigEntry], hasher: &mut DefaultHasher) {
    for entry in entries {
        entry.key.hash(hasher);
        match &entry.value {
            ConfigValue::Value(value) => hash_value(&value.kind, hasher),
            ConfigValue::Block(inner) => {
                hasher.write_u8(1);
                hash_entries(inner, hasher);
            }
            ConfigValue::Missing => hasher.write_u8(2),
        }
    }
    hasher.write_u8(0xff);
}

/// Hashes a value without the positions of the items of a list.
fn hash_value(kind: &ValueKind, hasher: &mut DefaultHasher) {
    match kind {
        ValueKind::List(items) => {
            hasher.write_u8(3);
            for item in items {
                hash_value(&item.kind, hasher);
            }
            hasher.write_u8(0xff);
        }
        other => hash_debug(other, hasher),
    }
}

/// Feeds what `Debug` prints for `value` to `hasher`, without building the text.
fn hash_debug(value: &impl std::fmt::Debug, hasher: &mut DefaultHasher) {
    struct Sink<'h>(&'h mut DefaultHasher);
    impl std::fmt::Write for Sink<'_> {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    // Writing to the sink cannot fail.
    let _ = std::fmt::write(&mut Sink(hasher), format_args!("{value:?}"));
    hasher.write_u8(0xff);
}
