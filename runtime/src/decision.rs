//! Decisions (§8): what the evaluator returns, borrowing from the policy, and its JSON form.

use std::fmt;

use crate::canonical::{write_display, write_escaped, write_string, write_u32};
use crate::eval::ConditionError;
use crate::ir::{self, Effect};
use crate::time::Timestamp;

/// Why a decision came out as it did (serialised as printed: `RULE_PERMIT`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    /// A rule permitted.
    RulePermit,
    /// A rule denied.
    RuleDeny,
    /// A rule deferred.
    RuleDefer,
    /// A `deny!` rule matched.
    MandatoryDeny,
    /// No rule matched; `default permit`.
    DefaultPermit,
    /// No rule matched; `default deny` (or no default).
    DefaultDeny,
    /// No rule matched; `default defer`.
    DefaultDefer,
    /// A rule's condition could not be evaluated.
    ConditionError,
    /// No agent of that name.
    UnknownAgent,
    /// The request breaks §5.
    InvalidRequest,
    /// Egress to the request's host is not allowed.
    EgressDenied,
    /// The active phase restricts its tools (`tools = [...]`) and the tool is not among them.
    OutOfPhaseToolCall,
    /// A rate limit is used up.
    RateExceeded,
    /// A budget is used up.
    BudgetExceeded,
    /// The decision could not be written to the decision log (§8: a failed write denies).
    LogWriteFailed,
    /// A decision service has no verified bundle to decide with (§17); never the evaluator's.
    InvalidBundle,
    /// A decision service could not reach its state store in time (§17); never the evaluator's.
    StateUnavailable,
    /// The policy deferred and the request carries an approved approval bound to it (§17).
    Approved,
    /// The request carries an approval that an approver denied (§17).
    ApprovalDenied,
}

impl ReasonCode {
    /// The code as printed: `RULE_PERMIT`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            ReasonCode::RulePermit => "RULE_PERMIT",
            ReasonCode::RuleDeny => "RULE_DENY",
            ReasonCode::RuleDefer => "RULE_DEFER",
            ReasonCode::MandatoryDeny => "MANDATORY_DENY",
            ReasonCode::DefaultPermit => "DEFAULT_PERMIT",
            ReasonCode::DefaultDeny => "DEFAULT_DENY",
            ReasonCode::DefaultDefer => "DEFAULT_DEFER",
            ReasonCode::ConditionError => "CONDITION_ERROR",
            ReasonCode::UnknownAgent => "UNKNOWN_AGENT",
            ReasonCode::InvalidRequest => "INVALID_REQUEST",
            ReasonCode::EgressDenied => "EGRESS_DENIED",
            ReasonCode::OutOfPhaseToolCall => "OUT_OF_PHASE_TOOL_CALL",
            ReasonCode::RateExceeded => "RATE_EXCEEDED",
            ReasonCode::BudgetExceeded => "BUDGET_EXCEEDED",
            ReasonCode::LogWriteFailed => "LOG_WRITE_FAILED",
            ReasonCode::InvalidBundle => "INVALID_BUNDLE",
            ReasonCode::StateUnavailable => "STATE_UNAVAILABLE",
            ReasonCode::Approved => "APPROVED",
            ReasonCode::ApprovalDenied => "APPROVAL_DENIED",
        }
    }

    /// The code of a rule's effect.
    pub const fn for_rule(effect: Effect) -> ReasonCode {
        match effect {
            Effect::Permit => ReasonCode::RulePermit,
            Effect::Deny => ReasonCode::RuleDeny,
            Effect::Defer => ReasonCode::RuleDefer,
        }
    }

    /// The code of an agent's default.
    pub const fn for_default(effect: Effect) -> ReasonCode {
        match effect {
            Effect::Permit => ReasonCode::DefaultPermit,
            Effect::Deny => ReasonCode::DefaultDeny,
            Effect::Defer => ReasonCode::DefaultDefer,
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `reason` of a `LOG_WRITE_FAILED` decision.
pub(crate) const LOG_WRITE_FAILED: &str = "the decision could not be written to the decision log";

/// The `reason` of a `STATE_UNAVAILABLE` decision.
const STATE_UNAVAILABLE: &str = "the state store could not be reached in time";

/// The warning raised when a budget crosses its `warn_at`.
pub const BUDGET_WARNING: &str = "BUDGET_WARNING";

/// The warning raised when a budget with `on_exceed audit` is exceeded (the call stays
/// permitted).
pub const BUDGET_EXCEEDED: &str = "BUDGET_EXCEEDED";

/// The warning raised when a request names an approval that is unknown, expired, used or bound
/// to another call (§17): the approval is ignored.
pub const APPROVAL_INVALID: &str = "APPROVAL_INVALID";

/// The warnings a decision can carry, in the order they are printed, indexed by
/// [`warnings`]' bits.
const WARNING_SETS: [&[&str]; 8] = [
    &[],
    &[BUDGET_WARNING],
    &[BUDGET_EXCEEDED],
    &[BUDGET_WARNING, BUDGET_EXCEEDED],
    &[APPROVAL_INVALID],
    &[BUDGET_WARNING, APPROVAL_INVALID],
    &[BUDGET_EXCEEDED, APPROVAL_INVALID],
    &[BUDGET_WARNING, BUDGET_EXCEEDED, APPROVAL_INVALID],
];

/// The warnings list of a decision: a static slice, so deciding allocates nothing.
pub(crate) fn warnings(
    budget_warning: bool,
    budget_exceeded: bool,
    approval_invalid: bool,
) -> &'static [&'static str] {
    let index = usize::from(budget_warning)
        | usize::from(budget_exceeded) << 1
        | usize::from(approval_invalid) << 2;
    WARNING_SETS.get(index).copied().unwrap_or_default()
}

/// The rule a decision names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleRef<'e> {
    /// The agent's name.
    pub agent: &'e str,
    /// The rule number within the agent.
    pub n: u32,
    /// The source file, when the source map has it.
    pub file: Option<&'e str>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column in characters, when known.
    pub column: Option<u32>,
}

impl fmt::Display for RuleRef<'_> {
    /// The rule id `<agent>/<n>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.agent, self.n)
    }
}

/// The `reason` of a decision.
#[derive(Debug, Clone, Copy)]
pub enum Reason<'e> {
    /// The rule's `reason` clause.
    Rule(&'e str),
    /// A condition error, naming the failing operator and operand.
    Condition(ConditionError<'e>),
    /// Why the request is invalid.
    InvalidRequest(&'static str),
    /// Why the decision log write failed.
    LogWrite(&'static str),
    /// Why a decision service's state store could not count the call.
    StateUnavailable(&'static str),
}

impl<'e> Reason<'e> {
    /// The text as it is, for every reason but a condition error (whose text its `Display`
    /// makes).
    fn text(&self) -> Option<&'e str> {
        match *self {
            Reason::Rule(text) => Some(text),
            Reason::InvalidRequest(text)
            | Reason::LogWrite(text)
            | Reason::StateUnavailable(text) => Some(text),
            Reason::Condition(_) => None,
        }
    }
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Condition(error) => write!(f, "{error}"),
            _ => f.write_str(self.text().unwrap_or_default()),
        }
    }
}

/// One decision. Borrows the evaluator: lists are index views into the policy.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'e> {
    /// The effect.
    pub effect: Effect,
    /// Why.
    pub reason_code: ReasonCode,
    /// The deciding rule (a limit keeps the rule that permitted); `None` otherwise.
    pub rule: Option<RuleRef<'e>>,
    /// The rule's reason, or the error text.
    pub reason: Option<Reason<'e>>,
    /// The rule's `notify`.
    pub notify: Option<&'e str>,
    /// Warning codes (`BUDGET_WARNING`, `BUDGET_EXCEEDED`, `APPROVAL_INVALID`).
    pub warnings: &'static [&'static str],
    /// `sha256:` digest of the policy.
    pub policy: &'e str,
    /// The decision time (the request's `time` or the evaluator's clock).
    pub time: Timestamp,
    pub(crate) agent: Option<&'e ir::Agent>,
    pub(crate) redact: &'e [(u32, u32)],
    pub(crate) credentials: &'e [u32],
    pub(crate) alerts: &'e [u32],
}

impl<'e> Decision<'e> {
    /// Argument paths to redact, in source order without duplicates.
    pub fn redact(&self) -> impl Iterator<Item = &'e str> + use<'e> {
        let agent = self.agent;
        self.redact.iter().filter_map(move |&(r, p)| {
            agent?
                .redacts
                .get(r as usize)?
                .args
                .get(p as usize)
                .map(String::as_str)
        })
    }

    /// Names of the credentials the call may use (permit only).
    pub fn credentials(&self) -> impl Iterator<Item = &'e str> + use<'e> {
        let agent = self.agent;
        self.credentials
            .iter()
            .filter_map(move |&c| agent?.credentials.get(c as usize).map(|c| c.name.as_str()))
    }

    /// Alert targets to notify.
    pub fn alerts(&self) -> impl Iterator<Item = &'e str> + use<'e> {
        let agent = self.agent;
        self.alerts
            .iter()
            .filter_map(move |&a| agent?.alerts.get(a as usize).map(|a| a.notify.as_str()))
    }

    /// This decision turned into `deny` with `LOG_WRITE_FAILED`, for a caller that writes the
    /// record after deciding (a group commit) and learns only then that the write failed. The
    /// rule and `redact` stay (redaction does not depend on the effect); the rule's texts,
    /// credentials (permit only), alerts and warnings are dropped.
    pub fn log_write_failed(&self) -> Decision<'e> {
        Decision {
            effect: Effect::Deny,
            reason_code: ReasonCode::LogWriteFailed,
            reason: Some(Reason::LogWrite(LOG_WRITE_FAILED)),
            notify: None,
            warnings: &[],
            credentials: &[],
            alerts: &[],
            ..*self
        }
    }

    /// This decision as a decision service answers it when its state store could not be
    /// reached in time (§17): `effect` (`deny`, or `defer` when so configured) with
    /// `STATE_UNAVAILABLE`, never a permit the store could not count. `redact` stays; the rule
    /// (limits were never checked), its texts, credentials, alerts and warnings are dropped.
    pub fn state_unavailable(&self, effect: Effect) -> Decision<'e> {
        Decision {
            effect: if effect == Effect::Permit {
                Effect::Deny
            } else {
                effect
            },
            reason_code: ReasonCode::StateUnavailable,
            rule: None,
            reason: Some(Reason::StateUnavailable(STATE_UNAVAILABLE)),
            notify: None,
            warnings: &[],
            credentials: &[],
            alerts: &[],
            ..*self
        }
    }

    /// The decision JSON of §8, keys in the specified order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_json(&mut out);
        out
    }

    /// Appends the decision JSON of [`Decision::to_json`] to `out` (a service writes a batch's
    /// decisions into one answer this way).
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"effect\":");
        write_string(out, self.effect.as_str());
        out.push_str(",\"reason_code\":");
        write_string(out, self.reason_code.as_str());
        out.push_str(",\"rule\":");
        match &self.rule {
            None => out.push_str("null"),
            Some(rule) => {
                // The id as `RuleRef`'s `Display` writes it, `<agent>/<n>`.
                out.push_str("{\"id\":\"");
                write_escaped(out, rule.agent);
                out.push('/');
                write_u32(out, rule.n);
                out.push_str("\",\"file\":");
                match rule.file {
                    Some(file) => write_string(out, file),
                    None => out.push_str("null"),
                }
                out.push_str(",\"line\":");
                write_optional_u32(out, rule.line);
                out.push_str(",\"column\":");
                write_optional_u32(out, rule.column);
                out.push('}');
            }
        }
        out.push_str(",\"reason\":");
        match self.reason {
            Some(reason) => match reason.text() {
                Some(text) => write_string(out, text),
                None => write_display(out, reason),
            },
            None => out.push_str("null"),
        }
        out.push_str(",\"notify\":");
        match self.notify {
            Some(notify) => write_string(out, notify),
            None => out.push_str("null"),
        }
        write_list(out, "redact", self.redact());
        write_list(out, "credentials", self.credentials());
        write_list(out, "alerts", self.alerts());
        write_list(out, "warnings", self.warnings.iter().copied());
        out.push_str(",\"policy\":");
        write_string(out, self.policy);
        out.push('}');
    }
}

/// Appends `n`, or `null`.
fn write_optional_u32(out: &mut String, n: Option<u32>) {
    match n {
        Some(n) => write_u32(out, n),
        None => out.push_str("null"),
    }
}

fn write_list<'a>(out: &mut String, key: &str, items: impl Iterator<Item = &'a str>) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":[");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `deny` by `rule` for `reason`, with no lists.
    fn decision<'e>(rule: Option<RuleRef<'e>>, reason: Option<Reason<'e>>) -> Decision<'e> {
        Decision {
            effect: Effect::Deny,
            reason_code: ReasonCode::RuleDeny,
            rule,
            reason,
            notify: None,
            warnings: &[],
            policy: "sha256:00",
            time: Timestamp::default(),
            agent: None,
            redact: &[],
            credentials: &[],
            alerts: &[],
        }
    }

    /// A JSON string literal of `text`, as `serde_json` writes it.
    fn literal(text: &str) -> String {
        serde_json::to_string(text).unwrap_or_default()
    }

    #[test]
    fn rule_and_reason_are_written_as_their_display_text() {
        let number = |n: Option<u32>| n.map_or("null".to_owned(), |n| n.to_string());
        let condition = crate::eval::ConditionError::unreadable("host", "url", "a number");
        let rules = [
            ("payments-bot", 0, Some("governance.fms"), Some(61), Some(5)),
            ("a\"b\\c\n\u{1}é", u32::MAX, None, None, None),
            ("x", 10, Some("dir/\"q\".fms"), Some(1), None),
        ];
        let reasons = [
            None,
            Some(Reason::Rule("large charge \"needs\" a human\t")),
            Some(Reason::InvalidRequest("the request is not valid JSON")),
            Some(Reason::LogWrite(LOG_WRITE_FAILED)),
            Some(Reason::StateUnavailable(STATE_UNAVAILABLE)),
            Some(Reason::Condition(condition)),
        ];
        for (agent, n, file, line, column) in rules {
            let rule = RuleRef {
                agent,
                n,
                file,
                line,
                column,
            };
            for reason in reasons {
                let written = decision(Some(rule), reason).to_json();
                let expected = format!(
                    r#"{{"effect":"deny","reason_code":"RULE_DENY","rule":{{"id":{},"file":{},"line":{},"column":{}}},"reason":{},"notify":null,"redact":[],"credentials":[],"alerts":[],"warnings":[],"policy":"sha256:00"}}"#,
                    literal(&rule.to_string()),
                    file.map_or("null".to_owned(), literal),
                    number(line),
                    number(column),
                    reason.map_or("null".to_owned(), |reason| literal(&reason.to_string())),
                );
                assert_eq!(written, expected);
            }
        }
        assert_eq!(
            decision(None, None).to_json(),
            r#"{"effect":"deny","reason_code":"RULE_DENY","rule":null,"reason":null,"notify":null,"redact":[],"credentials":[],"alerts":[],"warnings":[],"policy":"sha256:00"}"#
        );
    }
}
