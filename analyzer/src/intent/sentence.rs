//! The sentence parser: the tokens of one sentence become statements, or a [`Miss`] that says
//! where reading stopped. Each statement kind is recognised by its own words ("budget", "never
//! log", "per minute", an effect phrase …); nothing is guessed: a word that fits nowhere stops it.

use super::lexicon::{
    ALERT_EVENTS, AMOUNT_ARG, APPROVER_WORDS, AUDIT_FIELDS, DEFAULT_MARKERS, DETERMINERS,
    EFFECT_PHRASES, ENVIRONMENT_ARG, ENVIRONMENTS, EVERY_TOOL_PHRASES, Effect, EffectPhrase,
    LINKING_WORDS, MANDATORY_MARKERS, PRONOUNS, REST_PHRASES, SUBJECT_HEADS, TARGET_TAIL,
    TOOL_VERBS, is_one_of, longest_at, stems_of,
};
use super::statement::{BudgetSpec, Condition, Op, RuleSpec, StatementKind, Value};
use super::vocabulary::{Vocabulary, is_tool_pattern};
use super::words::{Token, TokenKind, whole};

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

/// `over $500` and its relatives: phrase → operator.
const BOUNDS: &[(&str, Op)] = &[
    ("over", Op::Gt),
    ("above", Op::Gt),
    ("more than", Op::Gt),
    ("greater than", Op::Gt),
    ("exceeding", Op::Gt),
    ("larger than", Op::Gt),
    ("bigger than", Op::Gt),
    ("higher than", Op::Gt),
    ("in excess of", Op::Gt),
    ("at least", Op::Ge),
    ("no less than", Op::Ge),
    ("not less than", Op::Ge),
    ("a minimum of", Op::Ge),
    ("under", Op::Lt),
    ("below", Op::Lt),
    ("less than", Op::Lt),
    ("smaller than", Op::Lt),
    ("lower than", Op::Lt),
    ("up to", Op::Le),
    ("at most", Op::Le),
    ("no more than", Op::Le),
    ("not more than", Op::Le),
    ("not over", Op::Le),
    ("not exceeding", Op::Le),
    ("a maximum of", Op::Le),
];

/// `$500 or more` and its relatives.
const OPEN_BOUNDS: &[(&str, Op)] = &[
    ("or more", Op::Ge),
    ("and above", Op::Ge),
    ("or above", Op::Ge),
    ("and up", Op::Ge),
    ("or higher", Op::Ge),
    ("or greater", Op::Ge),
    ("or less", Op::Le),
    ("and below", Op::Le),
    ("or below", Op::Le),
    ("or under", Op::Le),
    ("or lower", Op::Le),
];

/// Condition verbs: phrase → operator.
const VERBS: &[(&str, Op)] = &[
    ("is", Op::Eq),
    ("are", Op::Eq),
    ("equals", Op::Eq),
    ("is equal to", Op::Eq),
    ("is one of", Op::Eq),
    ("are one of", Op::Eq),
    ("=", Op::Eq),
    ("==", Op::Eq),
    ("is not", Op::Ne),
    ("isn't", Op::Ne),
    ("are not", Op::Ne),
    ("aren't", Op::Ne),
    ("is not one of", Op::Ne),
    ("does not equal", Op::Ne),
    ("!=", Op::Ne),
    ("contains", Op::Contains),
    ("includes", Op::Contains),
    ("starts with", Op::StartsWith),
    ("begins with", Op::StartsWith),
    ("ends with", Op::EndsWith),
    ("matches", Op::Matches),
    ("exceeds", Op::Gt),
];

const REDACT_STARTS: &[&str] = &[
    "never log",
    "do not log",
    "don't log",
    "never record",
    "do not record",
    "don't record",
    "never store",
    "do not store",
    "don't store",
    "redact",
    "mask",
];

/// Words that end a list of values or a notify target.
const STOP_WORDS: &[&str] = &[
    "and", "or", "but", "when", "where", "if", "whose", "for", "to", "in", "on", "with", "by",
    "from", "over", "under", "above", "below", "up", "at", "unless", "notify",
];

/// Words that start a condition clause.
const CONDITION_STARTS: &[&str] = &["when", "where", "if", "whose", "with", "while", "provided"];

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

    // ---- the agent's name ------------------------------------------------------------------

    fn agent(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let words: Vec<Token> = tokens
            .iter()
            .filter(|t| t.kind != TokenKind::Comma)
            .cloned()
            .collect();
        let mut i = skip_all(&words, 0, &["the", "this", "our"]);
        if words.get(i).is_some_and(|t| t.is("agent")) {
            i = skip_all(&words, i + 1, &["name", "is", "called", "named"]);
        } else if words.get(i).is_some_and(|t| t.is("policy")) {
            i = skip_all(&words, i + 1, &["is"]);
            if !words.get(i).is_some_and(|t| t.is("for")) {
                return Ok(None);
            }
            i = skip_all(&words, i + 1, &["the"]);
        } else {
            return Ok(None);
        }
        let Some(name) = words.get(i) else {
            return Ok(None);
        };
        let rest = &words[i + 1..];
        if !(rest.is_empty() || (rest.len() == 1 && rest[0].is("agent"))) {
            return Ok(None);
        }
        let text = match &name.kind {
            TokenKind::Quoted(text) | TokenKind::Code(text) => text.clone(),
            TokenKind::Word if is_identifier(&name.text) && self.effect_at(&words, i).is_none() => {
                name.text.clone()
            }
            _ => {
                return Err(Miss::at(
                    &words,
                    i,
                    "an agent name is letters, digits, `_` and `-`, or a quoted string",
                ));
            }
        };
        Ok(Some(StatementKind::Agent(text)))
    }

    // ---- redaction ---------------------------------------------------------------------------

    fn redact(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let start = skip_all(tokens, 0, &["please", "always"]);
        let Some((_, mut i)) = longest_at(tokens, start, &self.redact_starts) else {
            return Ok(None);
        };
        let mut fields = Vec::new();
        loop {
            let (field, end) = field_name(tokens, i)?;
            fields.push(field);
            i = end;
            match tokens.get(i) {
                Some(t) if t.kind == TokenKind::Comma || t.is("and") || t.is("or") => {
                    i = skip_all(tokens, i, &[",", "and", "or"]);
                }
                _ => break,
            }
        }
        let mut patterns = vec!["*".to_string()];
        let mut scoped = false;
        while i < tokens.len() {
            if tokens[i].kind == TokenKind::Comma {
                i += 1;
            } else if let Some(end) = log_words(tokens, i) {
                i = end;
            } else if !scoped && is_one_of(&tokens[i], &["for", "in", "from", "of", "on", "when"]) {
                let (list, end) = self.tools(tokens, skip_all(tokens, i + 1, &["calling"]))?;
                patterns = list.patterns(tokens, i, "a redaction")?;
                scoped = true;
                i = end;
            } else {
                return Err(Miss::at(
                    tokens,
                    i,
                    "expected `for <tools>` after the fields to redact",
                ));
            }
        }
        Ok(Some(StatementKind::Redact { patterns, fields }))
    }

    // ---- audit fields ------------------------------------------------------------------------

    fn audit(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let start = skip_all(tokens, 0, &["please", "always"]);
        let Some(head) = tokens.get(start) else {
            return Ok(None);
        };
        let mut i = if head.is("include") {
            start + 1
        } else if is_one_of(head, &["log", "record", "audit"]) {
            let Some(with) = tokens[start..].iter().position(|t| t.is("with")) else {
                return Ok(None);
            };
            let between = &tokens[start + 1..start + with];
            let known = [
                "every", "all", "each", "action", "call", "decision", "request", "tool",
            ];
            if let Some(offset) = between.iter().position(|t| !is_one_of(t, &known)) {
                return Err(Miss::at(
                    tokens,
                    start + 1 + offset,
                    "expected `log every action with <fields>`",
                ));
            }
            start + with + 1
        } else {
            return Ok(None);
        };
        let mut fields: Vec<String> = Vec::new();
        loop {
            i = skip_all(tokens, i, &[",", "and"]);
            let Some(token) = tokens.get(i) else { break };
            let (field, end) = match &token.kind {
                TokenKind::Code(text) | TokenKind::Quoted(text) if is_identifier(text) => {
                    (text.clone(), i + 1)
                }
                _ => match longest_at(tokens, i, &self.audit_fields) {
                    Some((index, end)) => (AUDIT_FIELDS[index].1.to_string(), end),
                    None if head.is("include") && log_words(tokens, i).is_some() => break,
                    None => {
                        let known: Vec<&str> = AUDIT_FIELDS.iter().map(|(p, _)| *p).collect();
                        return Err(Miss::at(
                            tokens,
                            i,
                            format!(
                                "expected an audit field: {}, or a `field` in backquotes",
                                known.join(", ")
                            ),
                        ));
                    }
                },
            };
            if !fields.contains(&field) {
                fields.push(field);
            }
            i = end;
        }
        if let Some(end) = log_words(tokens, i) {
            i = end;
        }
        if i < tokens.len() {
            return Err(Miss::at(
                tokens,
                i,
                "expected the end of the audit statement",
            ));
        }
        if fields.is_empty() {
            return Err(Miss::at(
                tokens,
                i,
                "name the fields to log, e.g. `with the requesting user`",
            ));
        }
        Ok(Some(StatementKind::Audit(fields)))
    }

    // ---- budgets -----------------------------------------------------------------------------

    fn budget(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let content = skip_all(tokens, 0, &["please", "always", "a", "an", "the"]);
        let calls_per_session = tokens.iter().any(|t| budget_scope(t) == Some("session"))
            && tokens
                .windows(2)
                .any(|pair| matches!(pair[0].kind, TokenKind::Number(_)) && pair[1].is("calls"));
        let triggered = tokens.iter().any(|t| t.is("budget"))
            || calls_per_session
            || tokens
                .get(content)
                .is_some_and(|t| is_one_of(t, &["spend", "spending"]));
        if !triggered {
            return Ok(None);
        }
        let mut spec = BudgetSpec::default();
        let mut i = 0;
        let filler = [
            "a", "an", "the", "of", "is", "with", "budget", "per", "each", "every", "at", "most",
            "up", "to", "no", "more", "than", "limit", "cap", "spend", "spending", "and", "then",
            "it", "its", "when", "once", "if", "over", "total", "overall", "exceeded", "exceeds",
            "exceed", "has", "been", "reached", "please", "always", "on", "in", "for",
        ];
        while i < tokens.len() {
            let token = &tokens[i];
            if let Some(scope) = budget_scope(token) {
                if !spec.scope.is_empty() && spec.scope != scope {
                    return Err(Miss::at(
                        tokens,
                        i,
                        "a budget is either daily or per session",
                    ));
                }
                spec.scope = scope;
                i += 1;
                continue;
            }
            match &token.kind {
                TokenKind::Comma => i += 1,
                TokenKind::Money(amount) => {
                    if spec.max.replace(*amount).is_some() {
                        return Err(Miss::at(tokens, i, "one amount per budget sentence"));
                    }
                    i += 1;
                }
                TokenKind::Number(count) if tokens.get(i + 1).is_some_and(|t| t.is("calls")) => {
                    let count = whole(*count).ok_or_else(|| {
                        Miss::at(tokens, i, "a number of calls is a whole number")
                    })?;
                    spec.max_calls = Some(count);
                    i += 2;
                }
                TokenKind::Word if is_one_of(token, &["warn", "warning", "alert"]) => {
                    let at = skip_all(tokens, i + 1, &["at", "when", "once", "after"]);
                    let fraction = match tokens.get(at).map(|t| &t.kind) {
                        Some(TokenKind::Percent(fraction)) => *fraction,
                        Some(TokenKind::Number(n)) => *n,
                        _ => {
                            return Err(Miss::at(
                                tokens,
                                at,
                                "expected a percentage, e.g. `warn at 80%`",
                            ));
                        }
                    };
                    if fraction <= 0 || fraction >= 1_000_000 {
                        return Err(Miss::at(
                            tokens,
                            at,
                            "the warning threshold is between 0% and 100%",
                        ));
                    }
                    spec.warn_at = Some(fraction);
                    i = skip_all(
                        tokens,
                        at + 1,
                        &["of", "it", "is", "spent", "used", "the", "budget"],
                    );
                }
                _ => {
                    if let Some((phrase, end)) = self.effect_at(tokens, i) {
                        if phrase.effect == Effect::Permit {
                            return Err(Miss::at(
                                tokens,
                                i,
                                "an exceeded budget denies or defers; say `deny` or `require approval`",
                            ));
                        }
                        spec.on_exceed = Some(phrase.effect);
                        i = end;
                    } else if is_one_of(token, &filler) {
                        i += 1;
                    } else if self.one_tool(tokens, i).is_ok() {
                        return Err(Miss::at(
                            tokens,
                            i,
                            "a budget counts every call of the agent; budgets for some tools only are not supported",
                        ));
                    } else {
                        return Err(Miss::at(tokens, i, "not part of a budget"));
                    }
                }
            }
        }
        if spec.scope.is_empty() {
            return Err(Miss::at(
                tokens,
                tokens.len(),
                "say whether the budget is daily or per session",
            ));
        }
        if spec.max.is_none() && spec.max_calls.is_none() {
            return Err(Miss::at(
                tokens,
                tokens.len(),
                "give the budget an amount (`$500`) or a number of calls (`100 calls`)",
            ));
        }
        Ok(Some(StatementKind::Budget(spec)))
    }

    // ---- rate limits -------------------------------------------------------------------------

    fn rate_limit(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let Some((window_at, window, window_end)) =
            (0..tokens.len()).find_map(|i| window_at(tokens, i))
        else {
            return Ok(None);
        };
        if !tokens
            .iter()
            .any(|t| matches!(t.kind, TokenKind::Number(_)))
        {
            return match tokens
                .iter()
                .position(|t| matches!(t.kind, TokenKind::Money(_)))
            {
                Some(money) => Err(Miss::at(
                    tokens,
                    money,
                    "an amount of money per day or session is a budget: `a daily budget of $500`",
                )),
                None => Ok(None),
            };
        }
        let mut rest: Vec<Token> = tokens[..window_at].to_vec();
        rest.extend_from_slice(&tokens[window_end..]);
        let mut i = self.subject_end(&rest, 0);
        let mut permit = false;
        if let Some((phrase, end)) = self.effect_at(&rest, i) {
            if phrase.effect != Effect::Permit {
                return Err(Miss::at(
                    &rest,
                    i,
                    "a rate limit caps permitted calls; write `allow at most 20 charges per minute`",
                ));
            }
            permit = true;
            i = end;
        }
        let filler = [
            "at",
            "most",
            "no",
            "more",
            "than",
            "up",
            "to",
            "maximum",
            "max",
            "of",
            "limit",
            "limited",
            "rate",
            "rate-limit",
            "is",
            "are",
            "only",
            "a",
        ];
        let mut count = None;
        let mut patterns = None;
        while i < rest.len() {
            let token = &rest[i];
            if let TokenKind::Number(n) = token.kind {
                let n = whole(n).filter(|n| *n > 0).ok_or_else(|| {
                    Miss::at(&rest, i, "a rate limit is a positive whole number of calls")
                })?;
                if count.replace(n).is_some() {
                    return Err(Miss::at(&rest, i, "one number of calls per rate limit"));
                }
                i += 1;
            } else if token.kind == TokenKind::Comma || is_one_of(token, &filler) {
                i += 1;
            } else if patterns.is_none() {
                let (list, end) = self.tools(&rest, i)?;
                patterns = Some(list.patterns(&rest, i, "a rate limit")?);
                i = end;
            } else {
                return Err(Miss::at(
                    &rest,
                    i,
                    "not part of a rate limit: a rate limit applies to every call of its tools, \
                     without conditions",
                ));
            }
        }
        let count =
            count.ok_or_else(|| Miss::at(&rest, rest.len(), "how many calls per window?"))?;
        let patterns = patterns
            .ok_or_else(|| Miss::at(&rest, rest.len(), "which tools does the rate limit count?"))?;
        Ok(Some(StatementKind::RateLimit {
            patterns,
            count,
            window,
            permit,
        }))
    }

    // ---- alerts ------------------------------------------------------------------------------

    fn alert(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
        let start = skip_all(tokens, 0, &["please", "always"]);
        let triggered = tokens
            .get(start)
            .is_some_and(|t| is_one_of(t, &["alert", "notify", "page", "send"]))
            && (start..tokens.len()).any(|i| longest_at(tokens, i, &self.alert_events).is_some());
        if !triggered {
            return Ok(None);
        }
        let filler = [
            "alert", "notify", "page", "send", "on", "every", "each", "all", "about", "of", "when",
            "a", "an", "the", "is", "are", "to", "for", "any", "and", "or", "there",
        ];
        let mut events: Vec<&'static str> = Vec::new();
        let mut target = None;
        let mut i = start;
        while i < tokens.len() {
            let token = &tokens[i];
            if let Some((index, end)) = longest_at(tokens, i, &self.alert_events) {
                if !events.contains(&ALERT_EVENTS[index].1) {
                    events.push(ALERT_EVENTS[index].1);
                }
                i = end;
            } else if token.kind == TokenKind::Comma || is_one_of(token, &filler) {
                i += 1;
            } else if let Some(url) = alert_target(token) {
                if target.replace(url).is_some() {
                    return Err(Miss::at(tokens, i, "one alert target per sentence"));
                }
                i += 1;
            } else {
                return Err(Miss::at(
                    tokens,
                    i,
                    "not part of an alert: alerts name events (denials, deferrals, budget warnings …) and a \
                     `#channel`, an email address or a slack://, email://, pagerduty:// or webhook:// URL",
                ));
            }
        }
        let target = target.ok_or_else(|| {
            Miss::at(
                tokens,
                tokens.len(),
                "where should the alert go? e.g. `#payments-security`",
            )
        })?;
        Ok(Some(StatementKind::Alert { events, target }))
    }

    // ---- rules and the default ---------------------------------------------------------------

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

    // ---- tools -------------------------------------------------------------------------------

    /// A list of tools at `tokens[start..]`: "refunds", "read tickets and search the knowledge
    /// base", "production databases", or "everything else".
    fn tools(&self, tokens: &[Token], start: usize) -> Parsed<(ToolList, usize)> {
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
    fn one_tool(&self, tokens: &[Token], start: usize) -> Result<(OneTool, usize), usize> {
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

    // ---- qualifiers --------------------------------------------------------------------------

    /// Reads every qualifier of `tokens` into `out`: amounts, conditions, channels, domains,
    /// hosts, environments and notify targets.
    fn qualifiers(&self, tokens: &[Token], effect: Effect, out: &mut Qualified) -> Parsed<()> {
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            if token.kind == TokenKind::Comma || token.is("and") {
                i += 1;
                continue;
            }
            if let Some((_, end)) = longest_at(tokens, i, &self.target_tail) {
                i = end;
                continue;
            }
            if let Some((conditions, end)) = self.amount(tokens, i)? {
                out.conditions.extend(conditions);
                i = end;
                continue;
            }
            if is_one_of(token, CONDITION_STARTS) {
                i = self.condition_clause(tokens, i + 1, out)?;
                continue;
            }
            if let Some((condition, end)) = channel(tokens, i, effect) {
                out.conditions.push(condition);
                i = end;
                continue;
            }
            if let Some(end) = self.domain_or_host(tokens, i, out)? {
                i = end;
                continue;
            }
            if let Some((condition, end)) = in_environment(tokens, i) {
                out.conditions.push(condition);
                i = end;
                continue;
            }
            let notifies = is_one_of(token, &["notify", "notifying", "alert", "alerting"])
                || (effect == Effect::Defer && is_one_of(token, &["to", "from", "by"]));
            if notifies {
                let (target, end) = self.target(tokens, i + 1)?;
                if target.is_some() && out.notify.is_some() {
                    return Err(Miss::at(tokens, i, "one notify target per rule"));
                }
                out.notify = out.notify.take().or(target);
                i = end;
                continue;
            }
            if token.is("for")
                && let Some((condition, end)) = self.for_argument(tokens, i + 1)?
            {
                out.conditions.push(condition);
                i = end;
                continue;
            }
            return Err(Miss::at(tokens, i, "did not understand this part"));
        }
        Ok(())
    }

    /// `over $500`, `of at least $20`, `$500 or more`, `between $10 and $20`.
    fn amount(&self, tokens: &[Token], start: usize) -> Parsed<Option<(Vec<Condition>, usize)>> {
        let mut i = start;
        if tokens
            .get(i)
            .is_some_and(|t| is_one_of(t, &["of", "with", "for", "at", "worth"]))
            && (longest_at(tokens, i + 1, &self.bounds).is_some()
                || number(tokens.get(i + 1)).is_some()
                || tokens.get(i + 1).is_some_and(|t| t.is("between")))
        {
            i += 1;
        }
        let amount = |op, value| Condition {
            arg: AMOUNT_ARG.to_string(),
            op,
            values: vec![value],
        };
        if let Some((index, end)) = longest_at(tokens, i, &self.bounds) {
            let value = number(tokens.get(end))
                .ok_or_else(|| Miss::at(tokens, end, "expected an amount, e.g. `$500`"))?;
            return Ok(Some((vec![amount(BOUNDS[index].1, value)], end + 1)));
        }
        if tokens.get(i).is_some_and(|t| t.is("between")) {
            let low = number(tokens.get(i + 1));
            let and = tokens.get(i + 2).is_some_and(|t| t.is("and"));
            let high = number(tokens.get(i + 3));
            return match (low, and, high) {
                (Some(low), true, Some(high)) => Ok(Some((
                    vec![amount(Op::Ge, low), amount(Op::Le, high)],
                    i + 4,
                ))),
                _ => Err(Miss::at(tokens, i, "expected `between $10 and $20`")),
            };
        }
        if let Some(value) = number(tokens.get(i))
            && let Some((index, end)) = longest_at(tokens, i + 1, &self.open_bounds)
        {
            return Ok(Some((vec![amount(OPEN_BOUNDS[index].1, value)], end)));
        }
        Ok(None)
    }

    /// After `when`/`where`/`if`/`with`: one or more conditions joined by `and`.
    fn condition_clause(
        &self,
        tokens: &[Token],
        start: usize,
        out: &mut Qualified,
    ) -> Parsed<usize> {
        let mut i = start;
        loop {
            let (condition, end) = self.condition(tokens, i)?;
            out.conditions.push(condition);
            i = end;
            let continues =
                tokens.get(i).is_some_and(|t| t.is("and")) && self.condition(tokens, i + 1).is_ok();
            if !continues {
                return Ok(i);
            }
            i += 1;
        }
    }

    /// `the domain is example.com`, `the amount is over $500`, `priority is high or blocker`,
    /// `the path starts with "/admin"`.
    fn condition(&self, tokens: &[Token], start: usize) -> Parsed<(Condition, usize)> {
        let mut i = skip_all(tokens, start, &["the", "its", "their", "a", "an"]);
        let mut words: Vec<&Token> = Vec::new();
        let arg = match tokens.get(i).map(|t| &t.kind) {
            Some(TokenKind::Code(path)) if is_argument_path(path) => {
                i += 1;
                path.clone()
            }
            _ => {
                while let Some(token) = tokens.get(i) {
                    let verb = longest_at(tokens, i, &self.verbs).is_some()
                        || longest_at(tokens, i, &self.bounds).is_some();
                    if verb || !token.is_word() || words.len() == 4 {
                        break;
                    }
                    words.push(token);
                    i += 1;
                }
                argument_name(&words).ok_or_else(|| {
                    Miss::at(
                        tokens,
                        i - words.len(),
                        "expected an argument name, e.g. `the domain is example.com`",
                    )
                })?
            }
        };
        let (mut op, mut at) = match longest_at(tokens, i, &self.verbs) {
            Some((index, end)) => (VERBS[index].1, end),
            None => (Op::Eq, i),
        };
        if op == Op::Eq
            && let Some((index, end)) = longest_at(tokens, at, &self.bounds)
        {
            op = BOUNDS[index].1;
            at = end;
        } else if at == i {
            return Err(Miss::at(
                tokens,
                i,
                "expected `is`, `is not`, `contains`, `starts with`, `over` …",
            ));
        }
        if matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le) {
            let value = number(tokens.get(at))
                .ok_or_else(|| Miss::at(tokens, at, "expected a number or an amount"))?;
            return Ok((
                Condition {
                    arg,
                    op,
                    values: vec![value],
                },
                at + 1,
            ));
        }
        if op == Op::Matches {
            return match tokens.get(at).map(|t| &t.kind) {
                Some(TokenKind::Quoted(regex) | TokenKind::Code(regex)) => Ok((
                    Condition {
                        arg,
                        op,
                        values: vec![Value::Text(regex.clone())],
                    },
                    at + 1,
                )),
                _ => Err(Miss::at(
                    tokens,
                    at,
                    "a regular expression is written in quotes",
                )),
            };
        }
        let (values, end) = values(tokens, at)?;
        if values.len() > 1 && !matches!(op, Op::Eq | Op::Ne) {
            return Err(Miss::at(
                tokens,
                at,
                "only `is` and `is not` take several values",
            ));
        }
        Ok((Condition { arg, op, values }, end))
    }

    /// `for priority high or blocker`: the argument is one word, then its values.
    fn for_argument(&self, tokens: &[Token], start: usize) -> Parsed<Option<(Condition, usize)>> {
        let Some(name) = tokens.get(start) else {
            return Ok(None);
        };
        let usable = name.is_word()
            && !is_one_of(name, DETERMINERS)
            && !is_one_of(name, STOP_WORDS)
            && is_identifier(&name.text);
        if !usable || value(tokens.get(start + 1)).is_none() {
            return Ok(None);
        }
        let (values, end) = values(tokens, start + 1)?;
        Ok(Some((
            Condition {
                arg: name.text.to_lowercase(),
                op: Op::Eq,
                values,
            },
            end,
        )))
    }

    /// `to the domain example.com`, `on host api.stripe.com`.
    fn domain_or_host(
        &self,
        tokens: &[Token],
        start: usize,
        out: &mut Qualified,
    ) -> Parsed<Option<usize>> {
        if !tokens
            .get(start)
            .is_some_and(|t| is_one_of(t, &["to", "on", "at", "for", "in"]))
        {
            return Ok(None);
        }
        let i = skip_all(tokens, start + 1, &["the"]);
        let Some(kind) = tokens.get(i).filter(|t| is_one_of(t, &["domain", "host"])) else {
            return Ok(None);
        };
        let (found, end) = values(tokens, i + 1)?;
        if kind.is("domain") {
            out.conditions.push(Condition {
                arg: "domain".into(),
                op: Op::Eq,
                values: found,
            });
        } else {
            for host in found {
                let Value::Text(host) = host else {
                    return Err(Miss::at(
                        tokens,
                        i + 1,
                        "a host is a name such as `api.stripe.com`",
                    ));
                };
                out.hosts.push(host);
            }
        }
        Ok(Some(end))
    }

    /// Who a deferred call goes to: `a finance reviewer` → `finance`, `the support lead` →
    /// `support-lead`, `#payments-oncall`. `None` when only "a human reviewer" is named.
    fn target(&self, tokens: &[Token], start: usize) -> Parsed<(Option<String>, usize)> {
        let mut i = skip_all(tokens, start, &["a", "an", "the", "our"]);
        if let Some(token) = tokens.get(i)
            && (token.kind == TokenKind::Channel
                || alert_target(token).is_some() && token.text.contains(['@', ':']))
        {
            return Ok((Some(token.text.clone()), i + 1));
        }
        let mut words = Vec::new();
        while let Some(token) = tokens.get(i) {
            let stop = !token.is_word()
                || is_one_of(token, STOP_WORDS)
                || longest_at(tokens, i, &self.target_tail).is_some()
                || longest_at(tokens, i, &self.bounds).is_some();
            if stop {
                break;
            }
            if !is_one_of(token, APPROVER_WORDS) {
                if !is_identifier(&token.text) {
                    return Err(Miss::at(
                        tokens,
                        i,
                        "a notify target is words, a `#channel` or an address",
                    ));
                }
                words.push(token.text.to_lowercase());
            }
            i += 1;
        }
        if i == skip_all(tokens, start, &["a", "an", "the", "our"]) {
            return Err(Miss::at(
                tokens,
                i,
                "expected who is notified, e.g. `to finance`",
            ));
        }
        Ok(((!words.is_empty()).then(|| words.join("-")), i))
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

/// What [`Grammar::tools`] found.
enum ToolList {
    Patterns {
        patterns: Vec<String>,
        conditions: Vec<Condition>,
    },
    Rest,
}

impl ToolList {
    /// The patterns of a list used where conditions and "everything else" have no meaning.
    fn patterns(self, tokens: &[Token], at: usize, what: &str) -> Parsed<Vec<String>> {
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

enum OneTool {
    Patterns(Vec<String>, Vec<Condition>),
    Rest,
}

/// Conditions, selectors and notify target read after a rule's tools.
#[derive(Default)]
struct Qualified {
    conditions: Vec<Condition>,
    hosts: Vec<String>,
    notify: Option<String>,
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

/// `per minute`, `a day`, `each hour`, `every second`: (start, window, end).
fn window_at(tokens: &[Token], i: usize) -> Option<(usize, &'static str, usize)> {
    if !is_one_of(tokens.get(i)?, &["per", "a", "an", "each", "every"]) {
        return None;
    }
    let unit = tokens.get(i + 1)?;
    let window = ["second", "minute", "hour", "day"]
        .into_iter()
        .find(|window| unit.is(window))?;
    Some((i, window, i + 2))
}

fn budget_scope(token: &Token) -> Option<&'static str> {
    if is_one_of(token, &["daily", "day", "per-day", "days"]) {
        Some("daily")
    } else if is_one_of(
        token,
        &["session", "per-session", "sessions", "session-wide"],
    ) {
        Some("session")
    } else {
        None
    }
}

/// `in the logs`, `from logs`, `out of the log`, `in the audit log`: the index after it.
fn log_words(tokens: &[Token], start: usize) -> Option<usize> {
    let mut i = start;
    if tokens.get(i).is_some_and(|t| t.is("out")) && tokens.get(i + 1).is_some_and(|t| t.is("of")) {
        i += 2;
    } else if tokens
        .get(i)
        .is_some_and(|t| is_one_of(t, &["in", "from", "to", "into"]))
    {
        i += 1;
    } else {
        return None;
    }
    i = skip_all(
        tokens,
        i,
        &["the", "every", "each", "all", "any", "audit", "decision"],
    );
    tokens
        .get(i)
        .filter(|t| is_one_of(t, &["log", "logs", "record", "entry", "trail"]))
        .map(|_| skip_all(tokens, i + 1, &["entry", "entries"]))
}

/// A field to redact: `card numbers` → `card_number`, `` `customer.ssn` `` as written.
fn field_name(tokens: &[Token], start: usize) -> Parsed<(String, usize)> {
    let mut i = skip_all(
        tokens,
        start,
        &["the", "any", "all", "their", "its", "a", "an"],
    );
    if let Some(TokenKind::Code(text) | TokenKind::Quoted(text)) = tokens.get(i).map(|t| &t.kind) {
        if !is_argument_path(text) {
            return Err(Miss::at(
                tokens,
                i,
                "a field is a name such as `card_number` or `customer.ssn`",
            ));
        }
        return Ok((text.clone(), i + 1));
    }
    let mut words: Vec<String> = Vec::new();
    while let Some(token) = tokens.get(i) {
        let ends = !token.is_word()
            || is_one_of(
                token,
                &["and", "or", "for", "in", "from", "of", "on", "when", "out"],
            );
        if ends {
            break;
        }
        words.push(token.text.to_lowercase());
        i += 1;
    }
    if let Some(last) = words.last_mut() {
        *last = singular(last);
    }
    let field = words.join("_").replace('-', "_");
    if field.is_empty() || !is_argument_path(&field) {
        return Err(Miss::at(
            tokens,
            i,
            "expected a field to redact, e.g. `card numbers`",
        ));
    }
    Ok((field, i))
}

/// The singular of an English plural: `numbers` → `number`, `addresses` → `address`.
fn singular(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies").filter(|b| b.len() >= 2) {
        return format!("{base}y");
    }
    for ending in ["sses", "xes", "zes", "ches", "shes"] {
        if let Some(base) = word.strip_suffix(ending) {
            return format!("{base}{}", &ending[..ending.len() - 2]);
        }
    }
    match word.strip_suffix('s') {
        Some(base) if base.len() >= 2 && !base.ends_with(['s', 'u', 'i']) => base.to_string(),
        _ => word.to_string(),
    }
}

/// An FPL identifier: `[A-Za-z_][A-Za-z0-9_-]*`.
pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An argument path such as `amount` or `customer.tier`: identifiers joined by dots.
fn is_argument_path(text: &str) -> bool {
    text.split('.').all(is_identifier)
}

/// The argument a condition compares: `the customer tier` → `customer_tier`; "it" and "the
/// amount" are `amount`.
fn argument_name(words: &[&Token]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    if words.len() == 1 && is_one_of(words[0], &["it", "amount", "value", "total", "sum"]) {
        return Some(AMOUNT_ARG.to_string());
    }
    let name = words
        .iter()
        .map(|t| t.text.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
        .replace('-', "_");
    is_argument_path(&name).then_some(name)
}

/// A tool named literally: `` `stripe/refund` `` or a bare `stripe/refund`, `read_customer`.
fn literal_tool(token: &Token) -> Option<String> {
    match &token.kind {
        TokenKind::Code(text) if is_tool_pattern(text) => Some(text.clone()),
        TokenKind::Word if token.text.contains(['/', '_', '*']) && is_tool_pattern(&token.text) => {
            Some(token.text.clone())
        }
        _ => None,
    }
}

fn environment(token: &Token) -> Condition {
    Condition {
        arg: ENVIRONMENT_ARG.to_string(),
        op: Op::Eq,
        values: vec![Value::Text(token.text.to_lowercase())],
    }
}

/// `in production`, `on staging`, `in the production environment`.
fn in_environment(tokens: &[Token], start: usize) -> Option<(Condition, usize)> {
    if !is_one_of(tokens.get(start)?, &["in", "on", "against"]) {
        return None;
    }
    let i = skip_all(tokens, start + 1, &["the"]);
    let env = tokens.get(i).filter(|t| is_one_of(t, ENVIRONMENTS))?;
    let end = skip_all(tokens, i + 1, &["environment", "environments", "env"]);
    Some((environment(env), end))
}

/// `to channel #x`, `to #x`, `in the #x channel`. For a deferred rule, `to #x` names who
/// approves, so only `to channel #x` and `in #x` are conditions there.
fn channel(tokens: &[Token], start: usize, effect: Effect) -> Option<(Condition, usize)> {
    let preposition = tokens.get(start)?;
    if !is_one_of(preposition, &["to", "in", "on", "into"]) {
        return None;
    }
    let mut i = skip_all(tokens, start + 1, &["the"]);
    let named = tokens.get(i).is_some_and(|t| t.is("channel"));
    if named {
        i += 1;
    } else if effect == Effect::Defer && preposition.is("to") {
        return None;
    }
    let token = tokens.get(i)?;
    let channel = match token.kind {
        TokenKind::Channel => token.text.clone(),
        TokenKind::Word if named && is_identifier(&token.text) => format!("#{}", token.text),
        _ => return None,
    };
    let end = skip_all(tokens, i + 1, &["channel"]);
    Some((
        Condition {
            arg: "channel".into(),
            op: Op::Eq,
            values: vec![Value::Text(channel)],
        },
        end,
    ))
}

/// A number or an amount of money.
fn number(token: Option<&Token>) -> Option<Value> {
    match token?.kind {
        TokenKind::Money(n) => Some(Value::Money(n)),
        TokenKind::Number(n) => Some(Value::Number(n)),
        _ => None,
    }
}

/// One value of a condition.
fn value(token: Option<&Token>) -> Option<Value> {
    let token = token?;
    match &token.kind {
        TokenKind::Money(n) => Some(Value::Money(*n)),
        TokenKind::Number(n) | TokenKind::Percent(n) => Some(Value::Number(*n)),
        TokenKind::Quoted(text) | TokenKind::Code(text) => Some(Value::Text(text.clone())),
        TokenKind::Channel => Some(Value::Text(token.text.clone())),
        TokenKind::Word if token.stem == "true" || token.stem == "false" => {
            Some(Value::Bool(token.stem == "true"))
        }
        TokenKind::Word if !is_one_of(token, STOP_WORDS) && !is_one_of(token, DETERMINERS) => {
            Some(Value::Text(token.text.clone()))
        }
        _ => None,
    }
}

/// One or more values separated by `or` or commas.
fn values(tokens: &[Token], start: usize) -> Parsed<(Vec<Value>, usize)> {
    let first =
        value(tokens.get(start)).ok_or_else(|| Miss::at(tokens, start, "expected a value"))?;
    let mut found = vec![first];
    let mut i = start + 1;
    loop {
        let next = skip_all(tokens, i, &[","]);
        let next = skip_all(tokens, next, &["or"]);
        match value(tokens.get(next)) {
            Some(more) if next > i => {
                found.push(more);
                i = next + 1;
            }
            _ => return Ok((found, i)),
        }
    }
}

/// An alert `notify` URL: `#x` is Slack, `a@b.c` is email, URLs as written.
fn alert_target(token: &Token) -> Option<String> {
    match token.kind {
        TokenKind::Channel => Some(format!("slack://{}", token.text)),
        TokenKind::Word => {
            let text = &token.text;
            let schemes = ["slack://", "email://", "pagerduty://", "webhook://"];
            if schemes.iter().any(|scheme| text.starts_with(scheme)) {
                Some(text.clone())
            } else if text.contains('@') && !text.starts_with('@') && !text.ends_with('@') {
                Some(format!("email://{text}"))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars() {
        for (plural, one) in [
            ("numbers", "number"),
            ("cvvs", "cvv"),
            ("addresses", "address"),
            ("phones", "phone"),
            ("policies", "policy"),
            ("status", "status"),
            ("ssn", "ssn"),
        ] {
            assert_eq!(singular(plural), one);
        }
    }
}
