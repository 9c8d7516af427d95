//! The sentence parser: the tokens of one sentence become statements, or a [`Miss`] that says
//! where reading stopped. Each statement kind is recognised by its own words ("budget", "never
//! log", "per minute", an effect phrase …); nothing is guessed: a word that fits nowhere stops it.
//! Rules are read here; their tools in [`tools`], their qualifiers in [`qualifiers`], the
//! agent's other statements in [`declarations`].

mod declarations;
mod qualifiers;
mod tools;

use crate::fpl_text::is_argument_path;
pub(crate) use fpl_syntax::is_identifier;

use self::declarations::REDACT_STARTS;
use self::qualifiers::{BOUNDS, OPEN_BOUNDS, Qualified, STOP_WORDS, VERBS};
use self::tools::ToolList;
use super::lexicon::{
    ALERT_EVENTS, APPROVER_WORDS, AUDIT_FIELDS, DEFAULT_MARKERS, EFFECT_PHRASES,
    EVERY_TOOL_PHRASES, Effect, EffectPhrase, LINKING_WORDS, MANDATORY_MARKERS, PRONOUNS,
    REST_PHRASES, SUBJECT_HEADS, TARGET_TAIL, is_one_of, longest_at, stems_of,
};
use super::statement::{RuleSpec, StatementKind};
use super::vocabulary::Vocabulary;
use super::words::{Token, TokenKind};

/// Where and why a sentence could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Miss {
    /// Column of the token where reading stopped; `None` at the end of the sentence.
    pub column: Option<usize>,
    /// That token as written.
    pub word: Option<String>,
    /// What was expected.
    pub message: String,
}

impl Miss {
    fn at(tokens: &[Token], index: usize, message: impl Into<String>) -> Miss {
        let token = tokens.get(index);
        Miss {
            column: token.map(|t| t.column),
            word: token.map(|t| t.text.clone()),
            message: message.into(),
        }
    }
}

type Parsed<T> = Result<T, Miss>;

/// A reader of one statement kind: `None` when the sentence is not of its kind.
type Reader<'a> = fn(&Grammar<'a>, &[Token]) -> Parsed<Option<StatementKind>>;

/// Stemmed tables, built once per compilation.
pub(crate) struct Grammar<'a> {
    vocabulary: &'a Vocabulary,
    effects: Vec<Vec<String>>,
    mandatory: Vec<Vec<String>>,
    defaults: Vec<Vec<String>>,
    rest: Vec<Vec<String>>,
    every: Vec<Vec<String>>,
    audit_fields: Vec<Vec<String>>,
    alert_events: Vec<Vec<String>>,
    target_tail: Vec<Vec<String>>,
    bounds: Vec<Vec<String>>,
    open_bounds: Vec<Vec<String>>,
    redact_starts: Vec<Vec<String>>,
    verbs: Vec<Vec<String>>,
}

impl<'a> Grammar<'a> {
    /// The grammar over `vocabulary`.
    pub fn new(vocabulary: &'a Vocabulary) -> Self {
        Grammar {
            vocabulary,
            effects: stems_of(EFFECT_PHRASES.iter().map(|phrase| phrase.words)),
            mandatory: stems_of(MANDATORY_MARKERS.iter().copied()),
            defaults: stems_of(DEFAULT_MARKERS.iter().copied()),
            rest: stems_of(REST_PHRASES.iter().copied()),
            every: stems_of(EVERY_TOOL_PHRASES.iter().copied()),
            audit_fields: stems_of(AUDIT_FIELDS.iter().map(|(phrase, _)| *phrase)),
            alert_events: stems_of(ALERT_EVENTS.iter().map(|(phrase, _)| *phrase)),
            target_tail: stems_of(TARGET_TAIL.iter().copied()),
            bounds: stems_of(BOUNDS.iter().map(|(phrase, _)| *phrase)),
            open_bounds: stems_of(OPEN_BOUNDS.iter().map(|(phrase, _)| *phrase)),
            redact_starts: stems_of(REDACT_STARTS.iter().copied()),
            verbs: stems_of(VERBS.iter().map(|(phrase, _)| *phrase)),
        }
    }

    /// The statements of one sentence; clauses joined by "but" are read one by one.
    pub fn statements(&self, tokens: &[Token]) -> Parsed<Vec<StatementKind>> {
        tokens
            .split(|token| token.is("but"))
            .map(trim_commas)
            .filter(|clause| !clause.is_empty())
            .map(|clause| self.statement(clause))
            .collect()
    }

    fn statement(&self, tokens: &[Token]) -> Parsed<StatementKind> {
        let readers: [Reader<'a>; 7] = [
            Self::agent,
            Self::redact,
            Self::audit,
            Self::alert,
            Self::budget,
            Self::rate_limit,
            Self::rule,
        ];
        for reader in readers {
            if let Some(statement) = reader(self, tokens)? {
                return Ok(statement);
            }
        }
        Err(Miss::at(
            tokens,
            0,
            "found no effect (allow, deny, never, require approval …) and no budget, rate limit, \
             redaction, audit or alert",
        ))
    }

    fn rule(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let (tokens, mandatory_marker) = remove_phrases(tokens, &self.mandatory);
        let (tokens, default_marker) = remove_phrases(&tokens, &self.defaults);
        let tokens = trim_commas(&tokens);
        let candidates: Vec<Verb> = (0..tokens.len())
            .filter_map(|i| self.verb_at(tokens, i))
            .collect();
        let mut first_miss = None;
        for verb in candidates {
            match self.rule_with(tokens, &verb, mandatory_marker, default_marker) {
                Ok(statement) => return Ok(Some(statement)),
                Err(miss) => {
                    first_miss.get_or_insert(miss);
                }
            }
        }
        match first_miss {
            Some(miss) => Err(miss),
            None => Ok(None),
        }
    }

    /// The verb of a rule at `tokens[at..]`: an effect phrase, or "require/need <team>
    /// approval" (`need finance approval` defers and notifies `finance`).
    fn verb_at(&self, tokens: &[Token], at: usize) -> Option<Verb> {
        if let Some((phrase, end)) = self.effect_at(tokens, at) {
            return Some(Verb {
                at,
                end,
                effect: phrase.effect,
                mandatory: phrase.mandatory,
                target_follows: phrase.target_follows,
                approver: None,
            });
        }
        if !is_one_of(tokens.get(at)?, &["require", "need"]) {
            return None;
        }
        let start = skip_all(tokens, at + 1, &["a", "an", "the"]);
        let words = (start..tokens.len().min(start + 3)).find(|end| {
            tokens
                .get(*end)
                .is_some_and(|t| is_one_of(t, &["approval", "review", "sign-off"]))
        })?;
        let mut team = Vec::new();
        for token in &tokens[start..words] {
            let word = token.text.to_lowercase();
            let word = word.strip_suffix("'s").unwrap_or(&word).to_string();
            if !token.is_word() || !is_identifier(&word) || is_one_of(token, STOP_WORDS) {
                return None;
            }
            if !is_one_of(token, APPROVER_WORDS) {
                team.push(word);
            }
        }
        Some(Verb {
            at,
            end: words + 1,
            effect: Effect::Defer,
            mandatory: false,
            target_follows: false,
            approver: (!team.is_empty()).then(|| team.join("-")),
        })
    }

    fn rule_with(
        &self,
        tokens: &[Token],
        verb: &Verb,
        mandatory_marker: bool,
        default_marker: bool,
    ) -> Parsed<StatementKind> {
        let Verb { at, end, .. } = *verb;
        let left_start = self.subject_end(tokens, 0).min(at);
        let mut left_end = at;
        while left_end > left_start && is_one_of(&tokens[left_end - 1], LINKING_WORDS) {
            left_end -= 1;
        }
        let left = &tokens[left_start..left_end];
        let mut right_start = self.subject_end(tokens, end);
        let mandatory = verb.mandatory || mandatory_marker;
        let mut qualified = Qualified {
            notify: verb.approver.clone(),
            ..Qualified::default()
        };
        if verb.target_follows {
            let (target, after) = self.target(tokens, right_start)?;
            qualified.notify = target;
            right_start = after;
        }
        let right = &tokens[right_start..];
        let (tools, left_rest, right) = if left.is_empty() {
            let start = skip_all(right, 0, &["for", "before", "on", "that"]);
            if start == right.len() && default_marker {
                return default_statement(tokens, verb, mandatory, &qualified);
            }
            let (tools, after) = self.tools(right, start)?;
            (tools, &right[after..], &right[right.len()..])
        } else {
            let (tools, after) = self.tools(left, 0)?;
            (tools, &left[after..], right)
        };
        self.qualifiers(left_rest, verb.effect, &mut qualified)?;
        self.qualifiers(right, verb.effect, &mut qualified)?;
        let ToolList::Patterns {
            patterns,
            conditions,
        } = tools
        else {
            if !qualified.conditions.is_empty() || !qualified.hosts.is_empty() {
                return Err(Miss::at(
                    tokens,
                    at,
                    "the default decides every call no rule matches; it cannot have conditions",
                ));
            }
            return default_statement(tokens, verb, mandatory, &qualified);
        };
        if mandatory && verb.effect != Effect::Deny {
            return Err(Miss::at(
                tokens,
                at,
                "`never` and `no exceptions` make a mandatory deny; they cannot allow or defer",
            ));
        }
        let mut all_conditions = conditions;
        all_conditions.extend(qualified.conditions);
        Ok(StatementKind::Rule(RuleSpec {
            effect: verb.effect,
            mandatory,
            patterns,
            conditions: all_conditions,
            hosts: qualified.hosts,
            notify: qualified.notify,
            fallback: default_marker,
        }))
    }

    /// The longest effect phrase at `tokens[at..]`.
    fn effect_at(&self, tokens: &[Token], at: usize) -> Option<(&'static EffectPhrase, usize)> {
        longest_at(tokens, at, &self.effects).map(|(index, end)| (&EFFECT_PHRASES[index], end))
    }

    /// The index after a leading subject ("the support agent", "it") and linking words.
    fn subject_end(&self, tokens: &[Token], start: usize) -> usize {
        let mut i = skip_all(tokens, start, &["please"]);
        if tokens.get(i).is_some_and(|t| is_one_of(t, PRONOUNS)) {
            i += 1;
        } else if let Some(head) = (i..tokens.len().min(i + 5))
            .find(|k| is_one_of(&tokens[*k], SUBJECT_HEADS))
            .filter(|head| {
                tokens[i..*head]
                    .iter()
                    .all(|t| t.is_word() && self.effect_at(std::slice::from_ref(t), 0).is_none())
            })
        {
            i = head + 1;
        }
        skip_all(tokens, i, LINKING_WORDS)
    }
}

/// The default statement: "deny everything else", "by default, require approval".
fn default_statement(
    tokens: &[Token],
    verb: &Verb,
    mandatory: bool,
    qualified: &Qualified,
) -> Parsed<StatementKind> {
    if mandatory {
        return Err(Miss::at(
            tokens,
            verb.at,
            "the default already decides everything no rule matches; `never` and `no exceptions` apply to rules",
        ));
    }
    if qualified.notify.is_some() {
        return Err(Miss::at(
            tokens,
            verb.at,
            "the default cannot notify; name the tools to route",
        ));
    }
    Ok(StatementKind::Default(verb.effect))
}

/// The verb of a rule: where it is and what it decides.
struct Verb {
    at: usize,
    end: usize,
    effect: Effect,
    mandatory: bool,
    target_follows: bool,
    /// Who approves, when the verb names it ("need finance approval").
    approver: Option<String>,
}

fn skip_all(tokens: &[Token], mut i: usize, words: &[&str]) -> usize {
    while let Some(token) = tokens.get(i) {
        let comma = token.kind == TokenKind::Comma && words.contains(&",");
        if !comma && !is_one_of(token, words) {
            break;
        }
        i += 1;
    }
    i
}

fn trim_commas(tokens: &[Token]) -> &[Token] {
    let start = tokens
        .iter()
        .position(|t| t.kind != TokenKind::Comma)
        .unwrap_or(tokens.len());
    let end = tokens
        .iter()
        .rposition(|t| t.kind != TokenKind::Comma)
        .map_or(start, |end| end + 1);
    &tokens[start..end]
}

/// `tokens` without every occurrence of `phrases` (and a comma before one); whether any was found.
fn remove_phrases(tokens: &[Token], phrases: &[Vec<String>]) -> (Vec<Token>, bool) {
    let mut out: Vec<Token> = Vec::new();
    let mut found = false;
    let mut i = 0;
    while i < tokens.len() {
        if let Some((_, end)) = longest_at(tokens, i, phrases) {
            found = true;
            if out.last().is_some_and(|t| t.kind == TokenKind::Comma) {
                out.pop();
            }
            i = end;
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    (out, found)
}
