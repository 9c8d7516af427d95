//! The qualifiers after a rule's tools: amounts, conditions on arguments, channels, domains,
//! hosts, environments and who is notified.

use super::declarations::alert_target;
use super::tools::environment;
use super::{Grammar, Miss, Parsed, is_argument_path, is_identifier, skip_all};
use crate::intent::lexicon::{
    AMOUNT_ARG, APPROVER_WORDS, DETERMINERS, ENVIRONMENTS, Effect, is_one_of, longest_at,
};
use crate::intent::statement::{Condition, Op, Value};
use crate::intent::words::{Token, TokenKind};

/// `over $500` and its relatives: phrase → operator.
pub(super) const BOUNDS: &[(&str, Op)] = &[
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
pub(super) const OPEN_BOUNDS: &[(&str, Op)] = &[
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
pub(super) const VERBS: &[(&str, Op)] = &[
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

/// Words that end a list of values or a notify target.
pub(super) const STOP_WORDS: &[&str] = &[
    "and", "or", "but", "when", "where", "if", "whose", "for", "to", "in", "on", "with", "by",
    "from", "over", "under", "above", "below", "up", "at", "unless", "notify",
];

/// Words that start a condition clause.
pub(super) const CONDITION_STARTS: &[&str] =
    &["when", "where", "if", "whose", "with", "while", "provided"];

/// Conditions, selectors and notify target read after a rule's tools.
#[derive(Default)]
pub(super) struct Qualified {
    pub(super) conditions: Vec<Condition>,
    pub(super) hosts: Vec<String>,
    pub(super) notify: Option<String>,
}

impl Grammar<'_> {
    /// Reads every qualifier of `tokens` into `out`: amounts, conditions, channels, domains,
    /// hosts, environments and notify targets.
    pub(super) fn qualifiers(
        &self,
        tokens: &[Token],
        effect: Effect,
        out: &mut Qualified,
    ) -> Parsed<()> {
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
    pub(super) fn amount(
        &self,
        tokens: &[Token],
        start: usize,
    ) -> Parsed<Option<(Vec<Condition>, usize)>> {
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
    pub(super) fn condition_clause(
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
    pub(super) fn condition(&self, tokens: &[Token], start: usize) -> Parsed<(Condition, usize)> {
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
    pub(super) fn for_argument(
        &self,
        tokens: &[Token],
        start: usize,
    ) -> Parsed<Option<(Condition, usize)>> {
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
    pub(super) fn domain_or_host(
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
    pub(super) fn target(&self, tokens: &[Token], start: usize) -> Parsed<(Option<String>, usize)> {
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

/// The argument a condition compares: `the customer tier` → `customer_tier`; "it" and "the
/// amount" are `amount`.
pub(super) fn argument_name(words: &[&Token]) -> Option<String> {
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

/// `in production`, `on staging`, `in the production environment`.
pub(super) fn in_environment(tokens: &[Token], start: usize) -> Option<(Condition, usize)> {
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
pub(super) fn channel(
    tokens: &[Token],
    start: usize,
    effect: Effect,
) -> Option<(Condition, usize)> {
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
pub(super) fn number(token: Option<&Token>) -> Option<Value> {
    match token?.kind {
        TokenKind::Money(n) => Some(Value::Money(n)),
        TokenKind::Number(n) => Some(Value::Number(n)),
        _ => None,
    }
}

/// One value of a condition.
pub(super) fn value(token: Option<&Token>) -> Option<Value> {
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
pub(super) fn values(tokens: &[Token], start: usize) -> Parsed<(Vec<Value>, usize)> {
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
