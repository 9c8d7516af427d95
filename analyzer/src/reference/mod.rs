//! The reference evaluator: a slow, obviously-correct interpreter of SPEC §6 over the semantic
//! model, written independently of `fpl-runtime`'s evaluator so that property tests comparing
//! the two mean something. It shares only the runtime's primitives (exact decimals, time, the
//! regular-expression dialect and the tool-pattern matcher), which have tests of their own.
//! Each step of §6.1 is one function, in the order the SPEC gives them.

mod conditions;
mod matching;
mod request;
mod state;
mod value;

pub use request::{Request, parse_request};
pub use state::State;

use crate::hir::{self, EffectKind};

/// A decision as SPEC §8 describes it, without the policy digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `permit`, `deny` or `defer`.
    pub effect: &'static str,
    /// The reason code.
    pub reason_code: &'static str,
    /// The deciding rule's id, `<agent>/<n>`.
    pub rule: Option<String>,
    /// The rule's reason (or a text for `CONDITION_ERROR`).
    pub reason: Option<String>,
    /// The rule's notify target.
    pub notify: Option<String>,
    /// Redacted argument paths.
    pub redact: Vec<String>,
    /// Credentials issued (permit only).
    pub credentials: Vec<String>,
    /// Alert targets.
    pub alerts: Vec<String>,
    /// Warnings such as `BUDGET_WARNING`.
    pub warnings: Vec<String>,
}

impl Decision {
    fn bare(effect: &'static str, reason_code: &'static str) -> Decision {
        Decision {
            effect,
            reason_code,
            rule: None,
            reason: None,
            notify: None,
            redact: Vec::new(),
            credentials: Vec::new(),
            alerts: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

fn effect_word(effect: EffectKind) -> &'static str {
    match effect {
        EffectKind::Permit => "permit",
        EffectKind::Deny => "deny",
        EffectKind::Defer => "defer",
    }
}

/// Decides one request from its JSON text at time `now` (Unix seconds, used when the request
/// has no `time`), updating `state`.
pub fn decide_json(policy: &hir::Policy, state: &mut State, json: &str, now: i64) -> Decision {
    match parse_request(json, now) {
        Some(request) => decide(policy, state, &request),
        None => Decision::bare("deny", "INVALID_REQUEST"),
    }
}

/// Decides one request (SPEC §6.1), updating `state`.
pub fn decide(policy: &hir::Policy, state: &mut State, request: &Request) -> Decision {
    // 1. Agent.
    let Some(agent) = policy.agent(&request.agent) else {
        return Decision::bare("deny", "UNKNOWN_AGENT");
    };
    let mut decision = decide_without_limits(agent, state, request);
    // 6. Limits, only when the effect so far is permit.
    if decision.effect == "permit" {
        state::apply_limits(agent, state, request, &mut decision);
    }
    annotate(agent, request, &mut decision);
    // 7. Commit.
    state.commit(agent, request, &decision);
    decision
}

/// Steps 2 to 5: mandatory denies, egress, rules, default.
fn decide_without_limits(agent: &hir::Agent, state: &State, request: &Request) -> Decision {
    let in_scope = |rule: &&hir::Rule| match rule.phase {
        None => true,
        Some(index) => request.phase.as_deref() == Some(agent.phases[index].name.as_str()),
    };
    // 2. Mandatory denies.
    for rule in agent
        .rules
        .iter()
        .filter(in_scope)
        .filter(|rule| rule.mandatory)
    {
        if let Some(decision) = try_rule(agent, state, request, rule, "MANDATORY_DENY") {
            return decision;
        }
    }
    // 3. Egress.
    if let Some(decision) = matching::egress(agent, request) {
        return decision;
    }
    // 4. The tools of the phase the request names, then the rules.
    if let Some(tools) = agent
        .phases
        .iter()
        .find(|phase| request.phase.as_deref() == Some(phase.name.as_str()))
        .and_then(hir::Phase::tools)
        && !tools
            .iter()
            .any(|pattern| matching::tool_matches(pattern, &request.tool))
    {
        return Decision::bare("deny", "OUT_OF_PHASE_TOOL_CALL");
    }
    for rule in agent
        .rules
        .iter()
        .filter(in_scope)
        .filter(|rule| !rule.mandatory)
    {
        let code = match rule.effect {
            EffectKind::Permit => "RULE_PERMIT",
            EffectKind::Deny => "RULE_DENY",
            EffectKind::Defer => "RULE_DEFER",
        };
        if let Some(decision) = try_rule(agent, state, request, rule, code) {
            return decision;
        }
    }
    // 5. Default.
    let effect = agent.default_effect();
    let code = match effect {
        EffectKind::Permit => "DEFAULT_PERMIT",
        EffectKind::Deny => "DEFAULT_DENY",
        EffectKind::Defer => "DEFAULT_DEFER",
    };
    Decision::bare(effect_word(effect), code)
}

/// The decision of `rule` if it matches; a condition error decides `CONDITION_ERROR`.
fn try_rule(
    agent: &hir::Agent,
    state: &State,
    request: &Request,
    rule: &hir::Rule,
    code: &'static str,
) -> Option<Decision> {
    if !matching::tool_matches(&rule.pattern, &request.tool) {
        return None;
    }
    let id = Some(format!("{}/{}", agent.name, rule.number));
    let outcome = match matching::selectors_match(rule, request) {
        Ok(false) => return None,
        Err(error) => Some(Err(error)),
        Ok(true) => rule
            .condition
            .as_ref()
            .map(|condition| conditions::holds(agent, state, request, condition)),
    };
    match outcome {
        Some(Ok(false)) => None,
        Some(Err(error)) => Some(Decision {
            rule: id,
            reason: Some(error),
            ..Decision::bare("deny", "CONDITION_ERROR")
        }),
        None | Some(Ok(true)) => Some(Decision {
            rule: id,
            reason: rule.reason.clone(),
            notify: rule.notify.clone(),
            ..Decision::bare(
                if rule.mandatory {
                    "deny"
                } else {
                    effect_word(rule.effect)
                },
                code,
            )
        }),
    }
}

/// Fills `redact`, `credentials` and `alerts` (SPEC §8).
fn annotate(agent: &hir::Agent, request: &Request, decision: &mut Decision) {
    for redact in agent
        .redacts
        .iter()
        .filter(|redact| matching::tool_matches(&redact.pattern, &request.tool))
    {
        for arg in &redact.args {
            if !decision.redact.contains(arg) {
                decision.redact.push(arg.clone());
            }
        }
    }
    if decision.effect == "permit" {
        for credential in &agent.credentials {
            let covered = if credential.scopes.is_empty() {
                request.tool.split('/').next() == Some(credential.name.as_str())
            } else {
                credential
                    .scopes
                    .iter()
                    .any(|scope| matching::tool_matches(scope, &request.tool))
            };
            if covered && !decision.credentials.contains(&credential.name) {
                decision.credentials.push(credential.name.clone());
            }
        }
    }
    let mut triggers = vec![
        decision.effect.to_string(),
        decision.reason_code.to_ascii_lowercase(),
    ];
    triggers.extend(
        decision
            .warnings
            .iter()
            .map(|warning| warning.to_ascii_lowercase()),
    );
    for alert in agent.blocks_named("alert") {
        let on = config_text(alert, "on");
        let notify = config_text(alert, "notify");
        if let (Some(on), Some(notify)) = (on, notify)
            && triggers.iter().any(|trigger| trigger == on)
            && !decision.alerts.iter().any(|a| a == notify)
        {
            decision.alerts.push(notify.to_string());
        }
    }
}

fn config_text<'a>(block: &'a hir::ConfigBlock, key: &str) -> Option<&'a str> {
    block
        .entries
        .iter()
        .find(|entry| entry.key == key)
        .and_then(|entry| match &entry.value {
            hir::ConfigValue::Value(value) => value.as_text(),
            _ => None,
        })
}
