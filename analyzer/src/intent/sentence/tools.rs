//! The tools of a rule: phrases of the vocabulary, literal `tool/names`, "everything" (`*`) and
//! "everything else" (the default), after determiners, "use"-verbs and environments.

use super::{Grammar, Miss, Parsed, skip_all};
use crate::intent::lexicon::{
    DETERMINERS, ENVIRONMENT_ARG, ENVIRONMENTS, TOOL_VERBS, is_one_of, longest_at,
};
use crate::intent::statement::{Condition, Op, Value};
use crate::intent::vocabulary::is_tool_pattern;
use crate::intent::words::{Token, TokenKind};

impl Grammar<'_> {
    /// A list of tools at `tokens[start..]`: "refunds", "read tickets and search the knowledge
    /// base", "production databases", or "everything else".
    pub(super) fn tools(&self, tokens: &[Token], start: usize) -> Parsed<(ToolList, usize)> {
        let mut patterns: Vec<String> = Vec::new();
        let mut conditions = Vec::new();
        let mut i = start;
        loop {
            match self.one_tool(tokens, i) {
                Ok((OneTool::Rest, end)) if patterns.is_empty() => {
                    return Ok((ToolList::Rest, end));
                }
                Ok((OneTool::Rest, _)) => {
                    return Err(Miss::at(
                        tokens,
                        i,
                        "`everything else` cannot be listed with tools",
                    ));
                }
                Ok((OneTool::Patterns(found, env), end)) => {
                    for pattern in found {
                        if !patterns.contains(&pattern) {
                            patterns.push(pattern);
                        }
                    }
                    for condition in env {
                        if !conditions.contains(&condition) {
                            conditions.push(condition);
                        }
                    }
                    i = end;
                }
                Err(stop) if patterns.is_empty() => {
                    return Err(Miss::at(
                        tokens,
                        stop,
                        "expected a tool (a phrase of the vocabulary or a `tool/name`)",
                    ));
                }
                Err(_) => break,
            }
            let next = skip_all(tokens, i, &[","]);
            let next = skip_all(tokens, next, &["and", "or", "and/or"]);
            if next == i || !matches!(self.one_tool(tokens, next), Ok((OneTool::Patterns(..), _))) {
                break;
            }
            i = next;
        }
        Ok((
            ToolList::Patterns {
                patterns,
                conditions,
            },
            i,
        ))
    }

    /// One tool at `tokens[start..]` after any determiner, verb ("run", "send") and environment
    /// ("production"); `Err` holds the index where no tool could be read.
    pub(super) fn one_tool(
        &self,
        tokens: &[Token],
        start: usize,
    ) -> Result<(OneTool, usize), usize> {
        let mut i = start;
        let mut environments = Vec::new();
        let mut verb_skipped = false;
        while let Some(token) = tokens.get(i) {
            if let Some((_, end)) = longest_at(tokens, i, &self.rest) {
                return Ok((OneTool::Rest, end));
            }
            if let Some((patterns, end)) = self.vocabulary.longest_at(tokens, i) {
                return Ok((OneTool::Patterns(patterns, environments), end));
            }
            if let Some((_, end)) = longest_at(tokens, i, &self.every) {
                return Ok((OneTool::Patterns(vec!["*".into()], environments), end));
            }
            if let Some(pattern) = literal_tool(token) {
                return Ok((OneTool::Patterns(vec![pattern], environments), i + 1));
            }
            let skippable = if is_one_of(token, ENVIRONMENTS) && i + 1 < tokens.len() {
                environments.push(environment(token));
                true
            } else if !verb_skipped && is_one_of(token, TOOL_VERBS) {
                verb_skipped = true;
                true
            } else {
                is_one_of(token, DETERMINERS)
            };
            if !skippable {
                return Err(i);
            }
            i += 1;
        }
        Err(i)
    }
}

/// What [`Grammar::tools`] found.
pub(super) enum ToolList {
    Patterns {
        patterns: Vec<String>,
        conditions: Vec<Condition>,
    },
    Rest,
}

impl ToolList {
    /// The patterns of a list used where conditions and "everything else" have no meaning.
    pub(super) fn patterns(self, tokens: &[Token], at: usize, what: &str) -> Parsed<Vec<String>> {
        match self {
            ToolList::Patterns {
                patterns,
                conditions,
            } if conditions.is_empty() => Ok(patterns),
            ToolList::Patterns { .. } => Err(Miss::at(
                tokens,
                at,
                format!("{what} applies to every call of its tools; it cannot have conditions"),
            )),
            ToolList::Rest => Err(Miss::at(tokens, at, format!("{what} names its tools"))),
        }
    }
}

pub(super) enum OneTool {
    Patterns(Vec<String>, Vec<Condition>),
    Rest,
}

/// A tool named literally: `` `stripe/refund` `` or a bare `stripe/refund`, `read_customer`.
pub(super) fn literal_tool(token: &Token) -> Option<String> {
    match &token.kind {
        TokenKind::Code(text) if is_tool_pattern(text) => Some(text.clone()),
        TokenKind::Word if token.text.contains(['/', '_', '*']) && is_tool_pattern(&token.text) => {
            Some(token.text.clone())
        }
        _ => None,
    }
}

pub(super) fn environment(token: &Token) -> Condition {
    Condition {
        arg: ENVIRONMENT_ARG.to_string(),
        op: Op::Eq,
        values: vec![Value::Text(token.text.to_lowercase())],
    }
}
