//! What an alert says, and the JSON body each kind of receiver takes: a Slack incoming webhook
//! (`{"text": …}`), a PagerDuty Events API v2 `trigger`, a generic webhook (the alert and the
//! decision's facts), and an HTTP mail relay (`{"to", "subject", "text"}`).

use fpl_runtime::{Decision, Request};
use serde::Serialize;
use serde_json::json;

use super::config::{Scheme, Target};
use crate::ids::DecisionId;

/// The longest PagerDuty `summary` (the Events API refuses longer ones).
const PAGERDUTY_SUMMARY: usize = 1024;

/// The facts of one decision that its alerts carry: never the call's arguments, which may
/// hold what the policy redacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Facts {
    /// The decision's id (§17).
    pub decision_id: String,
    /// When it was decided (RFC 3339).
    pub time: String,
    /// The request's agent.
    pub agent: String,
    /// The request's session.
    pub session: String,
    /// The request's tool.
    pub tool: String,
    /// `permit`, `deny` or `defer`.
    pub effect: &'static str,
    /// The reason code.
    pub reason_code: &'static str,
    /// The rule's id, if a rule decided.
    pub rule: Option<String>,
    /// The rule's reason or the error text.
    pub reason: Option<String>,
    /// The policy digest.
    pub policy: String,
}

impl Facts {
    /// The facts of `decision`, made for `request` with id `decision_id`.
    pub fn of(request: &Request, decision: &Decision<'_>, decision_id: DecisionId) -> Facts {
        Facts {
            decision_id: decision_id.to_string(),
            time: decision.time.rfc3339().as_str().to_owned(),
            agent: request.agent().to_owned(),
            session: request.session().to_owned(),
            tool: request.tool().to_owned(),
            effect: decision.effect.as_str(),
            reason_code: decision.reason_code.as_str(),
            rule: decision.rule.map(|rule| rule.to_string()),
            reason: decision.reason.map(|reason| reason.to_string()),
            policy: decision.policy.to_owned(),
        }
    }

    /// One line for people: `deny shell/rm by payments-bot (MANDATORY_DENY, rule
    /// payments-bot/2): no shell`.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} {} by {} ({}",
            self.effect, self.tool, self.agent, self.reason_code
        );
        if let Some(rule) = &self.rule {
            text.push_str(", rule ");
            text.push_str(rule);
        }
        text.push(')');
        if let Some(reason) = &self.reason {
            text.push_str(": ");
            text.push_str(reason);
        }
        text
    }
}

/// The JSON body posted to `target` for an alert with `facts`.
pub(crate) fn body(target: &Target, facts: &Facts) -> Vec<u8> {
    let value = match target.scheme {
        Scheme::Slack => json!({
            "text": format!(
                "faramesh: {}\ndecision {} · session {} · {}",
                slack_escape(&facts.summary()),
                facts.decision_id,
                slack_escape(&facts.session),
                facts.time,
            ),
        }),
        Scheme::PagerDuty => json!({
            "routing_key": target.routing_key,
            "event_action": "trigger",
            "dedup_key": facts.decision_id,
            "payload": {
                "summary": truncate(&facts.summary(), PAGERDUTY_SUMMARY),
                "source": "faramesh",
                "severity": match facts.effect {
                    "deny" => "error",
                    "defer" => "warning",
                    _ => "info",
                },
                "timestamp": facts.time,
                "component": facts.agent,
                "group": facts.tool,
                "class": facts.reason_code,
                "custom_details": facts,
            },
        }),
        Scheme::Webhook => {
            let mut value = json!(facts);
            value["alert"] = json!(target.name);
            value
        }
        Scheme::Email => json!({
            "to": Scheme::split(&target.name).map_or("", |(_, address)| address),
            "subject": format!("faramesh: {}", truncate(&facts.summary(), 200)),
            "text": format!(
                "{}\n\ndecision: {}\nsession: {}\ntime: {}\npolicy: {}\n",
                facts.summary(),
                facts.decision_id,
                facts.session,
                facts.time,
                facts.policy,
            ),
        }),
    };
    value.to_string().into_bytes()
}

/// Slack's three control characters as entities, so text is never read as a mention or link.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters, the last one `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use serde_json::Value;

    fn facts() -> Facts {
        Facts {
            decision_id: "00000000000000aa0000000000000001".to_owned(),
            time: "2026-11-30T03:00:00Z".to_owned(),
            agent: "payments-bot".to_owned(),
            session: "s-<1>".to_owned(),
            tool: "shell/rm".to_owned(),
            effect: "deny",
            reason_code: "MANDATORY_DENY",
            rule: Some("payments-bot/2".to_owned()),
            reason: Some("no <shell> & no rm".to_owned()),
            policy: "sha256:ab".to_owned(),
        }
    }

    fn body_of(name: &str) -> Value {
        let (scheme, _) = Scheme::split(name).expect("a target");
        let target = Target {
            name: name.to_owned(),
            scheme,
            url: "https://h.example/x".parse().expect("url"),
            routing_key: (scheme == Scheme::PagerDuty).then(|| "R0UTING".to_owned()),
            headers: HeaderMap::new(),
        };
        serde_json::from_slice(&body(&target, &facts())).expect("JSON")
    }

    #[test]
    fn slack_gets_escaped_text() {
        assert_eq!(
            body_of("slack://#security"),
            json!({"text": "faramesh: deny shell/rm by payments-bot (MANDATORY_DENY, rule \
                payments-bot/2): no &lt;shell&gt; &amp; no rm\ndecision \
                00000000000000aa0000000000000001 · session s-&lt;1&gt; · 2026-11-30T03:00:00Z"})
        );
    }

    #[test]
    fn pagerduty_gets_an_events_v2_trigger() {
        let body = body_of("pagerduty://payments");
        assert_eq!(body["routing_key"], "R0UTING");
        assert_eq!(body["event_action"], "trigger");
        assert_eq!(body["dedup_key"], "00000000000000aa0000000000000001");
        assert_eq!(body["payload"]["severity"], "error");
        assert_eq!(body["payload"]["source"], "faramesh");
        assert_eq!(body["payload"]["component"], "payments-bot");
        assert_eq!(body["payload"]["class"], "MANDATORY_DENY");
        assert_eq!(body["payload"]["custom_details"], json!(facts()));
    }

    #[test]
    fn a_webhook_gets_the_alert_and_the_facts() {
        let mut expected = json!(facts());
        expected["alert"] = json!("webhook://audit");
        assert_eq!(body_of("webhook://audit"), expected);
    }

    #[test]
    fn a_mail_relay_gets_the_address() {
        let body = body_of("email://security@example.com");
        assert_eq!(body["to"], "security@example.com");
        assert_eq!(
            body["subject"],
            "faramesh: deny shell/rm by payments-bot (MANDATORY_DENY, rule payments-bot/2): no \
             <shell> & no rm"
        );
        assert!(
            body["text"]
                .as_str()
                .is_some_and(|text| text.contains("decision: 00000000000000aa0000000000000001"))
        );
    }

    #[test]
    fn long_summaries_are_cut() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdefg", 6), "abcde…");
        assert_eq!(truncate(&"é".repeat(2000), 1024).chars().count(), 1024);
    }
}
