//! English to FPL (`faramesh policy compile`): a deterministic phrase compiler, the validation
//! every result passes before it is shown, a backtest against recorded decisions, and the loop
//! that asks an optional language model and re-asks it with the checker's diagnostics.
//!
//! The phrase grammar is documented in `docs/intent.md`. Nothing here talks to the network: the
//! model is reached through [`model::ModelBackend`], which the CLI implements over HTTP.
//!
//! ```
//! use fpl_analyzer::intent::{self, CompileOptions, Vocabulary};
//!
//! let compiled = intent::compile(
//!     "Deny all shell commands, no exceptions.\nAllow refunds up to $100.",
//!     &Vocabulary::default(),
//!     &CompileOptions::default(),
//! )
//! .expect("understood");
//! assert!(compiled.fpl.contains(r#"deny! shell/* reason: "Deny all shell commands, no exceptions""#));
//! assert!(compiled.fpl.contains("permit stripe/refund when amount <= $100"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod backtest;
mod generate;
mod lexicon;
pub mod model;
mod order;
mod prompt;
mod sentence;
mod statement;
mod suggest;
pub mod validate;
pub mod vocabulary;
mod words;

pub use lexicon::Effect;
pub use vocabulary::{Source, Vocabulary, VocabularyError};
pub use words::{Sentence, lines, sentences};

use self::sentence::Grammar;
use self::statement::{Statement, StatementKind};
use self::suggest::Suggestions;
use self::words::tokenize;

/// Intent files larger than this are refused.
pub const MAX_INTENT_SIZE: usize = 1024 * 1024;

/// Settings of [`compile`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// The agent's name (`--agent`); else the name a sentence gives, else `default`.
    pub agent: Option<String>,
    /// How the intent file is named in the generated header comment.
    pub source_name: Option<String>,
}

/// The result of [`compile`]: unvalidated FPL (see [`validate::validate`]) and what each
/// sentence became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// The agent's name.
    pub agent: String,
    /// The policy text, not yet formatted or checked.
    pub fpl: String,
    /// Per sentence, in file order, the FPL it became.
    pub explanations: Vec<Explanation>,
}

/// One sentence and the FPL it became (`--explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// 1-based line of the intent file.
    pub line: usize,
    /// The sentence.
    pub sentence: String,
    /// The statements it became, one per line.
    pub fpl: Vec<String>,
}

/// A sentence the compiler did not understand (or that contradicts an earlier one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclear {
    /// 1-based line of the intent file.
    pub line: usize,
    /// 1-based column (in characters) where reading stopped.
    pub column: usize,
    /// The sentence.
    pub sentence: String,
    /// The word where reading stopped, if any.
    pub word: Option<String>,
    /// What was expected there.
    pub message: String,
    /// A known word close to the one that stopped reading.
    pub did_you_mean: Option<String>,
    /// The known phrases nearest to the sentence.
    pub nearest: Vec<String>,
}

/// Compiles an intent text to FPL, or reports every sentence it did not understand.
pub fn compile(
    text: &str,
    vocabulary: &Vocabulary,
    options: &CompileOptions,
) -> Result<Compiled, Vec<Unclear>> {
    if text.len() > MAX_INTENT_SIZE {
        return Err(vec![whole_file(format!(
            "the intent file is larger than {} KiB",
            MAX_INTENT_SIZE / 1024
        ))]);
    }
    let grammar = Grammar::new(vocabulary);
    let mut suggestions: Option<Suggestions> = None;
    let mut statements = Vec::new();
    let mut unclear = Vec::new();
    for sentence in sentences(text) {
        let tokens = tokenize(&sentence.text, sentence.column);
        match grammar.statements(&tokens) {
            Ok(kinds) => statements.extend(kinds.into_iter().map(|kind| Statement {
                line: sentence.line,
                sentence: sentence.text.clone(),
                kind,
            })),
            Err(miss) => {
                let suggestions = suggestions.get_or_insert_with(|| Suggestions::new(vocabulary));
                unclear.push(suggestions.explain(&sentence, miss));
            }
        }
    }
    if statements.is_empty() && unclear.is_empty() {
        unclear.push(whole_file(
            "the intent file holds no statement (one sentence per line; `#` starts a comment)"
                .into(),
        ));
    }
    let agent = agent_name(&statements, options, &mut unclear);
    if !unclear.is_empty() {
        return Err(unclear);
    }
    let source = options.source_name.as_deref().unwrap_or("an intent file");
    let generated = generate::generate(&agent, source, &statements)?;
    Ok(Compiled {
        agent,
        fpl: generated.fpl,
        explanations: generated.explanations,
    })
}

/// The agent's name that a sentence of `text` gives ("the agent is called payments-bot"), if
/// any: the model backend's answer must name the same agent.
pub fn agent_named_in(text: &str) -> Option<String> {
    let vocabulary = Vocabulary::empty();
    let grammar = Grammar::new(&vocabulary);
    sentences(text).iter().find_map(|sentence| {
        let kinds = grammar
            .statements(&tokenize(&sentence.text, sentence.column))
            .ok()?;
        kinds.into_iter().find_map(|kind| match kind {
            StatementKind::Agent(name) => Some(name),
            _ => None,
        })
    })
}

/// Each sentence of `text` and the rules of `validated` whose `reason` is that sentence: the
/// explanation of a policy that [`compile`] did not write (a model's answer). A sentence no
/// rule carries has no FPL.
pub fn explain_by_reason(text: &str, validated: &validate::Validated) -> Vec<Explanation> {
    let same = |a: &str, b: &str| {
        let plain = |s: &str| s.trim().trim_end_matches(['.', '!', '?', ';']).to_string();
        plain(a) == plain(b)
    };
    let rules: Vec<(&str, String)> = validated
        .analysis
        .policy
        .agents
        .iter()
        .flat_map(|agent| &agent.rules)
        .filter_map(|rule| {
            let range = rule.span.range;
            let source = validated
                .text
                .get(usize::from(range.start())..usize::from(range.end()))?;
            Some((
                rule.reason.as_deref()?,
                source.split_whitespace().collect::<Vec<_>>().join(" "),
            ))
        })
        .collect();
    sentences(text)
        .into_iter()
        .map(|sentence| Explanation {
            line: sentence.line,
            fpl: rules
                .iter()
                .filter(|(reason, _)| same(reason, &sentence.text))
                .map(|(_, source)| source.clone())
                .collect(),
            sentence: sentence.text,
        })
        .collect()
}

fn whole_file(message: String) -> Unclear {
    Unclear {
        line: 1,
        column: 1,
        sentence: String::new(),
        word: None,
        message,
        did_you_mean: None,
        nearest: Vec::new(),
    }
}

/// `--agent`, else the one name the sentences give, else `default`.
fn agent_name(
    statements: &[Statement],
    options: &CompileOptions,
    unclear: &mut Vec<Unclear>,
) -> String {
    let mut named: Option<(&str, usize)> = None;
    for statement in statements {
        let StatementKind::Agent(name) = &statement.kind else {
            continue;
        };
        match named {
            Some((first, line)) if first != name && options.agent.is_none() => {
                unclear.push(Unclear {
                    line: statement.line,
                    column: 1,
                    sentence: statement.sentence.clone(),
                    word: None,
                    message: format!("line {line} already names the agent `{first}`"),
                    did_you_mean: None,
                    nearest: Vec::new(),
                })
            }
            Some(_) => {}
            None => named = Some((name, statement.line)),
        }
    }
    options
        .agent
        .clone()
        .or_else(|| named.map(|(name, _)| name.to_string()))
        .unwrap_or_else(|| "default".to_string())
}

#[cfg(test)]
mod tests;
