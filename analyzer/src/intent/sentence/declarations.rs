//! The agent's statements other than rules: its name, redactions, audit fields, budgets, rate
//! limits and alerts.

use super::{Grammar, Miss, Parsed, is_argument_path, is_identifier, skip_all};
use crate::intent::lexicon::{ALERT_EVENTS, AUDIT_FIELDS, Effect, is_one_of, longest_at};
use crate::intent::statement::{BudgetSpec, StatementKind};
use crate::intent::words::{Token, TokenKind, whole};

/// Phrases that start a redaction.
pub(super) const REDACT_STARTS: &[&str] = &[
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

impl Grammar<'_> {
    pub(super) fn agent(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
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

    pub(super) fn redact(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
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

    pub(super) fn audit(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
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

    pub(super) fn budget(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
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

    pub(super) fn rate_limit(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
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

    pub(super) fn alert(&self, tokens: &[Token]) -> Parsed<Option<StatementKind>> {
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
}

/// `per minute`, `a day`, `each hour`, `every second`: (start, window, end).
pub(super) fn window_at(tokens: &[Token], i: usize) -> Option<(usize, &'static str, usize)> {
    if !is_one_of(tokens.get(i)?, &["per", "a", "an", "each", "every"]) {
        return None;
    }
    let unit = tokens.get(i + 1)?;
    let window = ["second", "minute", "hour", "day"]
        .into_iter()
        .find(|window| unit.is(window))?;
    Some((i, window, i + 2))
}

pub(super) fn budget_scope(token: &Token) -> Option<&'static str> {
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
pub(super) fn log_words(tokens: &[Token], start: usize) -> Option<usize> {
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
pub(super) fn field_name(tokens: &[Token], start: usize) -> Parsed<(String, usize)> {
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
pub(super) fn singular(word: &str) -> String {
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

/// An alert `notify` URL: `#x` is Slack, `a@b.c` is email, URLs as written.
pub(super) fn alert_target(token: &Token) -> Option<String> {
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
    pub(super) fn singulars() {
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
