//! The tool vocabulary: which English phrases name which tool patterns. It merges, in order of
//! precedence, the project's `faramesh.toml [intent.tools]`, the tools named in the project's
//! policy, the tools seen in a decision history, and the built-in words.

use std::collections::BTreeSet;

use super::lexicon::BUILTIN_TOOLS;
use super::words::{Token, phrase_stems};
use crate::hir;

/// Where a vocabulary entry comes from; earlier sources win when two phrases are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// `faramesh.toml [intent.tools]`
    Project,
    /// A tool named in the project's policy.
    Policy,
    /// A tool seen in a decision history.
    History,
    /// A built-in word.
    Builtin,
}

impl Source {
    /// How the source is named in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Project => "faramesh.toml",
            Source::Policy => "policy",
            Source::History => "history",
            Source::Builtin => "built-in",
        }
    }
}

/// One phrase and the tool patterns it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The phrase as written.
    pub phrase: String,
    /// The tool patterns.
    pub patterns: Vec<String>,
    /// Where it comes from.
    pub source: Source,
    stems: Vec<String>,
}

/// Why `[intent.tools]` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabularyError {
    /// The manifest is not TOML.
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// `[intent.tools]` is not a table of phrase = pattern(s).
    #[error("`intent.tools` must be a table of \"phrase\" = \"tool/pattern\" or [\"patterns\"]")]
    NotATable,
    /// An entry is malformed.
    #[error("`intent.tools.\"{phrase}\"`: {message}")]
    Entry {
        /// The phrase (key).
        phrase: String,
        /// What is wrong.
        message: String,
    },
}

/// The phrases the compiler knows as tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    entries: Vec<Entry>,
}

impl Default for Vocabulary {
    /// The built-in words only.
    fn default() -> Self {
        let mut vocabulary = Vocabulary::empty();
        for (phrase, patterns) in BUILTIN_TOOLS {
            vocabulary.add(
                phrase,
                patterns.iter().map(|p| p.to_string()).collect(),
                Source::Builtin,
            );
        }
        vocabulary
    }
}

impl Vocabulary {
    /// A vocabulary without even the built-in words.
    pub fn empty() -> Self {
        Vocabulary {
            entries: Vec::new(),
        }
    }

    /// Every entry, by source then phrase.
    pub fn entries(&self) -> Vec<&Entry> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by(|a, b| (a.source, &a.phrase).cmp(&(b.source, &b.phrase)));
        entries
    }

    /// Adds a phrase naming `patterns`.
    pub fn add(&mut self, phrase: &str, patterns: Vec<String>, source: Source) {
        let stems = phrase_stems(phrase);
        if stems.is_empty() || patterns.is_empty() {
            return;
        }
        self.entries.push(Entry {
            phrase: phrase.to_string(),
            patterns,
            source,
            stems,
        });
    }

    /// Adds the `[intent.tools]` table of a `faramesh.toml` (absent: nothing).
    pub fn add_manifest(&mut self, manifest: &str) -> Result<(), VocabularyError> {
        let document: toml_edit::DocumentMut = manifest
            .parse()
            .map_err(|error: toml_edit::TomlError| VocabularyError::Toml(error.to_string()))?;
        let Some(tools) = document
            .get("intent")
            .and_then(|intent| intent.get("tools"))
        else {
            return Ok(());
        };
        let table = tools.as_table_like().ok_or(VocabularyError::NotATable)?;
        for (phrase, item) in table.iter() {
            let entry_error = |message: &str| VocabularyError::Entry {
                phrase: phrase.to_string(),
                message: message.to_string(),
            };
            let patterns: Vec<String> = match item.as_value() {
                Some(toml_edit::Value::String(pattern)) => vec![pattern.value().clone()],
                Some(toml_edit::Value::Array(array)) => array
                    .iter()
                    .map(|value| value.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or_else(|| entry_error("a list of patterns holds only strings"))?,
                _ => return Err(entry_error("expected a tool pattern or a list of them")),
            };
            if patterns.is_empty() {
                return Err(entry_error("the list of patterns is empty"));
            }
            if let Some(bad) = patterns.iter().find(|pattern| !is_tool_pattern(pattern)) {
                return Err(entry_error(&format!(
                    "`{bad}` is not a tool pattern (segments of `A-Za-z0-9_.-*?` separated by `/`)"
                )));
            }
            if phrase_stems(phrase).is_empty() {
                return Err(entry_error("the phrase has no words"));
            }
            self.add(phrase, patterns, Source::Project);
        }
        Ok(())
    }

    /// Adds every tool pattern named in `policy` (rules, rate limits, redactions).
    pub fn add_policy(&mut self, policy: &hir::Policy) {
        let mut names = BTreeSet::new();
        for agent in &policy.agents {
            names.extend(agent.rules.iter().map(|rule| rule.pattern.clone()));
            names.extend(agent.rate_limits.iter().map(|limit| limit.pattern.clone()));
            names.extend(agent.redacts.iter().map(|redact| redact.pattern.clone()));
        }
        for name in names {
            self.add_tool_name(&name, Source::Policy);
        }
    }

    /// Adds a tool name (or pattern) under the phrase of its words: `read_customer` is
    /// "read customer", `zendesk/tickets/*` is "zendesk tickets".
    pub fn add_tool_name(&mut self, name: &str, source: Source) {
        if !is_tool_pattern(name) || name == "*" {
            return;
        }
        let words: Vec<&str> = name
            .split(['/', '_', '-', '.'])
            .filter(|word| !word.is_empty() && !word.contains(['*', '?']))
            .collect();
        let phrase = words.join(" ");
        let known = self
            .entries
            .iter()
            .any(|entry| entry.phrase == phrase && entry.patterns.iter().any(|p| p == name));
        if !known {
            self.add(&phrase, vec![name.to_string()], source);
        }
    }

    /// The longest phrase at `tokens[at..]`: its patterns (every entry of the best source with
    /// that phrase) and the index after it.
    pub(crate) fn longest_at(&self, tokens: &[Token], at: usize) -> Option<(Vec<String>, usize)> {
        let matches: Vec<(&Entry, usize)> = self
            .entries
            .iter()
            .filter_map(|entry| {
                super::lexicon::match_at(tokens, at, &entry.stems).map(|end| (entry, end))
            })
            .collect();
        let end = matches.iter().map(|(_, end)| *end).max()?;
        let longest = matches.iter().filter(|(_, e)| *e == end);
        let source = longest.clone().map(|(entry, _)| entry.source).min()?;
        let mut patterns: Vec<String> = Vec::new();
        for (entry, _) in longest.filter(|(entry, _)| entry.source == source) {
            for pattern in &entry.patterns {
                if !patterns.contains(pattern) {
                    patterns.push(pattern.clone());
                }
            }
        }
        Some((patterns, end))
    }

    /// Every phrase, for suggestions.
    pub(crate) fn phrases(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.phrase.as_str())
    }
}

/// Whether `text` is a tool pattern: non-empty `/`-separated segments of `[A-Za-z0-9_.-*?]`.
pub fn is_tool_pattern(text: &str) -> bool {
    !text.is_empty()
        && text.split('/').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*' | '?'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::words::tokenize;

    fn lookup(vocabulary: &Vocabulary, text: &str) -> Option<(Vec<String>, usize)> {
        vocabulary.longest_at(&tokenize(text, 1), 0)
    }

    #[test]
    fn manifest_entries_win_over_builtins_and_take_lists() {
        let mut vocabulary = Vocabulary::default();
        vocabulary
            .add_manifest(
                "[policy]\nfiles = [\"a.fpl\"]\n\n[intent.tools]\n\"refunds\" = \"payments/refund\"\n\"read tickets\" = [\"zendesk/tickets/get\", \"zendesk/tickets/list\"]\n",
            )
            .expect("valid manifest");
        assert_eq!(
            lookup(&vocabulary, "refunds over $5"),
            Some((vec!["payments/refund".to_string()], 1))
        );
        assert_eq!(
            lookup(&vocabulary, "reading tickets"),
            Some((
                vec![
                    "zendesk/tickets/get".to_string(),
                    "zendesk/tickets/list".to_string()
                ],
                2
            ))
        );
        assert_eq!(
            lookup(&vocabulary, "shell commands"),
            Some((vec!["shell/*".to_string()], 2))
        );
    }

    #[test]
    fn manifest_errors_name_the_entry() {
        let mut vocabulary = Vocabulary::default();
        assert_eq!(
            vocabulary.add_manifest("[intent.tools]\n\"x\" = 3\n"),
            Err(VocabularyError::Entry {
                phrase: "x".into(),
                message: "expected a tool pattern or a list of them".into()
            })
        );
        assert!(matches!(
            vocabulary.add_manifest("[intent.tools]\n\"x\" = \"a//b\"\n"),
            Err(VocabularyError::Entry { .. })
        ));
        assert!(matches!(
            vocabulary.add_manifest("[intent\n"),
            Err(VocabularyError::Toml(_))
        ));
        assert_eq!(
            vocabulary.add_manifest("[intent]\ntools = 1\n"),
            Err(VocabularyError::NotATable)
        );
        assert_eq!(vocabulary.add_manifest("[policy]\n"), Ok(()));
    }

    #[test]
    fn tool_names_become_phrases_of_their_words() {
        let mut vocabulary = Vocabulary::empty();
        vocabulary.add_tool_name("issue_credit", Source::Policy);
        vocabulary.add_tool_name("zendesk/tickets/*", Source::History);
        vocabulary.add_tool_name("*", Source::History);
        assert_eq!(
            lookup(&vocabulary, "issuing credits"),
            Some((vec!["issue_credit".to_string()], 2))
        );
        assert_eq!(
            lookup(&vocabulary, "zendesk tickets"),
            Some((vec!["zendesk/tickets/*".to_string()], 2))
        );
        assert_eq!(vocabulary.entries().len(), 2);
    }
}
