//! The evaluator: the decision procedure of SPEC §6.1 over a loaded policy and its state.

pub(crate) mod compile;
mod cond;
mod index;
mod matching;
mod state;

pub use cond::ConditionError;

use compile::{CAgent, CPolicy};
use cond::{Ctx, Scratch};
use state::{DayState, State};

use crate::decision::{BUDGET_WARNING, Decision, Reason, ReasonCode, RuleRef};
use crate::error::LoadError;
use crate::ir::{CompiledPolicy, Effect};
use crate::log::DecisionLog;
use crate::request::Request;
use crate::time::Timestamp;

/// A loaded policy and its state (§6.5). `decide` allocates nothing once sessions are warm.
#[derive(Debug)]
pub struct Evaluator {
    policy: CPolicy,
    state: State,
    buffers: Buffers,
    request: Request,
    clock: fn() -> Timestamp,
}

/// Reusable per-decision buffers; sized at load so pushes never grow them.
#[derive(Debug, Default)]
struct Buffers {
    redact: Vec<(u32, u32)>,
    credentials: Vec<u32>,
    alerts: Vec<u32>,
    scratch: Scratch,
}

/// The outcome of steps 1–6 before state is committed.
#[derive(Debug, Clone, Copy)]
struct Verdict<'p> {
    effect: Effect,
    code: ReasonCode,
    agent: Option<u32>,
    /// Index of the deciding rule in its agent.
    rule: Option<u32>,
    /// Whether the rule's `reason`/`notify` apply (not for condition errors).
    rule_texts: bool,
    condition_error: Option<ConditionError<'p>>,
    invalid: Option<&'static str>,
    log_failure: Option<&'static str>,
    warning: bool,
    now: Timestamp,
}

impl Evaluator {
    /// Validates and loads a compiled policy with empty state.
    pub fn new(compiled: CompiledPolicy) -> Result<Evaluator, LoadError> {
        Evaluator::from_compiled(&compiled)
    }

    /// Validates and loads a compiled policy by reference.
    pub fn from_compiled(compiled: &CompiledPolicy) -> Result<Evaluator, LoadError> {
        if compiled.policy.version != crate::ir::IR_VERSION {
            return Err(LoadError::UnsupportedIr {
                found: compiled.policy.version,
                supported: crate::ir::IR_VERSION,
            });
        }
        let policy = compile::compile(compiled)?;
        let state = State::new(policy.agents.iter().map(|a| a.rate_limits.len()));
        let buffers = Buffers {
            redact: Vec::with_capacity(policy.max_redact_paths),
            credentials: Vec::with_capacity(policy.max_credentials),
            alerts: Vec::with_capacity(policy.max_alerts),
            scratch: Scratch::default(),
        };
        Ok(Evaluator {
            policy,
            state,
            buffers,
            request: Request::default(),
            clock: Timestamp::now,
        })
    }

    /// Decodes, validates and loads the binary form of a compiled policy.
    pub fn from_bytes(bytes: &[u8]) -> Result<Evaluator, LoadError> {
        Evaluator::new(CompiledPolicy::from_bytes(bytes)?)
    }

    /// Replaces the clock used for requests without `time` (the system clock by default).
    pub fn set_clock(&mut self, clock: fn() -> Timestamp) {
        self.clock = clock;
    }

    /// Forgets every counter, spend and history entry: the state of a freshly loaded policy.
    /// Lets one evaluator (its patterns and regexes compiled once) decide many requests that
    /// must each be decided as if it were the first, as the analyzer's witness replay does.
    pub fn reset_state(&mut self) {
        self.state = State::new(self.policy.agents.iter().map(|a| a.rate_limits.len()));
    }

    /// The policy digest (`sha256:…`).
    pub fn policy_digest(&self) -> &str {
        &self.policy.digest
    }

    /// Decides one request and commits its effect on the state (§6.1).
    pub fn decide(&mut self, request: &Request) -> Decision<'_> {
        let verdict = evaluate(
            &self.policy,
            &self.state,
            &mut self.buffers.scratch,
            request,
            self.clock,
        );
        fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        commit(&self.policy, &mut self.state, request, &verdict);
        view(&self.policy, &self.buffers, verdict)
    }

    /// Parses a request's JSON text into an internal reusable buffer and decides it.
    pub fn decide_json(&mut self, text: &str) -> Decision<'_> {
        let mut request = std::mem::take(&mut self.request);
        request.parse_into(text);
        let verdict = evaluate(
            &self.policy,
            &self.state,
            &mut self.buffers.scratch,
            &request,
            self.clock,
        );
        fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        commit(&self.policy, &mut self.state, &request, &verdict);
        self.request = request;
        view(&self.policy, &self.buffers, verdict)
    }

    /// Decides a request and appends its record to `log` before returning (§8). If the write
    /// fails the decision is `deny` with `LOG_WRITE_FAILED`, and only that is committed.
    pub fn decide_logged(&mut self, request: &Request, log: &mut DecisionLog) -> Decision<'_> {
        let mut verdict = evaluate(
            &self.policy,
            &self.state,
            &mut self.buffers.scratch,
            request,
            self.clock,
        );
        fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        let written = log.append(request, &view(&self.policy, &self.buffers, verdict));
        if written.is_err() {
            verdict = Verdict {
                effect: Effect::Deny,
                code: ReasonCode::LogWriteFailed,
                rule_texts: false,
                condition_error: None,
                log_failure: Some("the decision could not be written to the decision log"),
                warning: false,
                ..verdict
            };
            fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        }
        commit(&self.policy, &mut self.state, request, &verdict);
        view(&self.policy, &self.buffers, verdict)
    }
}

fn early(effect: Effect, code: ReasonCode, now: Timestamp) -> Verdict<'static> {
    Verdict {
        effect,
        code,
        agent: None,
        rule: None,
        rule_texts: false,
        condition_error: None,
        invalid: None,
        log_failure: None,
        warning: false,
        now,
    }
}

/// Steps 1–6 of §6.1, reading but not changing the state.
fn evaluate<'p>(
    policy: &'p CPolicy,
    state: &State,
    scratch: &mut Scratch,
    request: &Request,
    clock: fn() -> Timestamp,
) -> Verdict<'p> {
    scratch.reset();
    let now = request.time().unwrap_or_else(clock);
    if let Some(why) = request.invalid_reason() {
        return Verdict {
            invalid: Some(why),
            ..early(Effect::Deny, ReasonCode::InvalidRequest, now)
        };
    }
    // 1. Agent.
    let Some(agent_index) = find_agent(policy, request.agent()) else {
        return early(Effect::Deny, ReasonCode::UnknownAgent, now);
    };
    let (Some(agent), Some(agent_state)) = (
        policy.agents.get(agent_index as usize),
        state.agents.get(agent_index as usize),
    ) else {
        return early(Effect::Deny, ReasonCode::UnknownAgent, now);
    };
    let mut verdict = Verdict {
        agent: Some(agent_index),
        ..early(Effect::Deny, ReasonCode::DefaultDeny, now)
    };
    let tool = request.tool();
    let session = agent_state
        .find(request.session())
        .and_then(|slot| agent_state.session(slot));
    let day = agent_state.day_view(now.day_number());
    let cx = Ctx {
        args: request.args(),
        path: request.normalized_path(),
        principal: request.principal(),
        tool,
        agent_name: &agent.ir.name,
        session_id: request.session(),
        session,
        day_cost: day.cost,
        now,
    };
    let phase = request
        .phase()
        .and_then(|p| agent.ir.phases.iter().position(|name| name == p))
        .map(|i| i as u32);

    // 2. Mandatory denies, hoisted.
    for index in agent.mandatory.candidates(tool) {
        match matching::rule_matches(agent, index, phase, &cx, scratch) {
            Ok(false) => {}
            Ok(true) => {
                return Verdict {
                    effect: Effect::Deny,
                    code: ReasonCode::MandatoryDeny,
                    rule: Some(index),
                    rule_texts: true,
                    ..verdict
                };
            }
            Err(error) => return condition_error(verdict, index, error),
        }
    }
    // 3. Egress.
    if let Some(egress) = &agent.egress
        && matching::egress_denied(egress, request.args())
    {
        return Verdict {
            effect: Effect::Deny,
            code: ReasonCode::EgressDenied,
            ..verdict
        };
    }
    // 4. Rules in source order, first match wins; 5. default.
    let mut decided = false;
    for index in agent.ordinary.candidates(tool) {
        match matching::rule_matches(agent, index, phase, &cx, scratch) {
            Ok(false) => {}
            Ok(true) => {
                let effect = agent
                    .ir
                    .rules
                    .get(index as usize)
                    .map_or(Effect::Deny, |r| r.effect);
                verdict = Verdict {
                    effect,
                    code: ReasonCode::for_rule(effect),
                    rule: Some(index),
                    rule_texts: true,
                    ..verdict
                };
                decided = true;
                break;
            }
            Err(error) => return condition_error(verdict, index, error),
        }
    }
    if !decided {
        let effect = agent.ir.default_effect;
        verdict = Verdict {
            effect,
            code: ReasonCode::for_default(effect),
            ..verdict
        };
    }
    // 6. Limits, only for permit.
    if verdict.effect == Effect::Permit {
        limits(
            agent,
            agent_state,
            request,
            session.map_or((0, crate::Decimal::ZERO), |s| (s.calls, s.cost)),
            day,
            &mut verdict,
        );
    }
    verdict
}

fn condition_error<'p>(verdict: Verdict<'p>, index: u32, error: ConditionError<'p>) -> Verdict<'p> {
    Verdict {
        effect: Effect::Deny,
        code: ReasonCode::ConditionError,
        rule: Some(index),
        rule_texts: false,
        condition_error: Some(error),
        ..verdict
    }
}

fn find_agent(policy: &CPolicy, name: &str) -> Option<u32> {
    if policy.agents.len() <= 8 {
        policy
            .agents
            .iter()
            .position(|a| a.ir.name == name)
            .map(|i| i as u32)
    } else {
        policy.by_name.get(name).copied()
    }
}

/// Step 6: rate limits in source order, then budgets in source order.
fn limits(
    agent: &CAgent,
    agent_state: &state::AgentState,
    request: &Request,
    (session_calls, session_cost): (u64, crate::Decimal),
    day: DayState,
    verdict: &mut Verdict<'_>,
) {
    let tool = request.tool();
    let now = verdict.now;
    for ((pattern, limit), counter) in agent
        .rate_limits
        .iter()
        .zip(&agent.ir.rate_limits)
        .zip(&agent_state.rates)
    {
        if !pattern.matches(tool) {
            continue;
        }
        let window = now.unix_floor().div_euclid(limit.window.seconds());
        let used = if counter.window == window {
            counter.count
        } else {
            0
        };
        if used >= limit.limit {
            verdict.effect = Effect::Deny;
            verdict.code = ReasonCode::RateExceeded;
            return;
        }
    }
    let cost = request.cost();
    let mut warning = false;
    for (budget, &(warn_max, warn_daily)) in agent.ir.budgets.iter().zip(&agent.warn_thresholds) {
        let (calls, spend) = match budget.scope {
            crate::ir::BudgetScope::Session => (session_calls, session_cost),
            crate::ir::BudgetScope::Daily => (day.calls, day.cost),
        };
        let over = |cap: Option<crate::Decimal>, spent: crate::Decimal| {
            cap.is_some_and(|cap| spent.checked_add(cost).is_none_or(|after| after > cap))
        };
        let exceeded = budget.max_calls.is_some_and(|max| calls >= max)
            || over(budget.max, spend)
            || over(budget.daily, day.cost);
        if exceeded {
            verdict.effect = budget.on_exceed;
            verdict.code = ReasonCode::BudgetExceeded;
            return;
        }
        let crosses = |threshold: Option<crate::Decimal>, spent: crate::Decimal| {
            threshold.is_some_and(|t| spent < t && spent.saturating_add(cost) >= t)
        };
        warning |= crosses(warn_max, spend) || crosses(warn_daily, day.cost);
    }
    verdict.warning = warning;
}

/// Step 7: a final permit counts against limits and budgets; every decision with an agent
/// joins its session's history.
fn commit(policy: &CPolicy, state: &mut State, request: &Request, verdict: &Verdict<'_>) {
    let Some(agent_index) = verdict.agent else {
        return;
    };
    let (Some(agent), Some(agent_state)) = (
        policy.agents.get(agent_index as usize),
        state.agents.get_mut(agent_index as usize),
    ) else {
        return;
    };
    let now = verdict.now;
    let tool = request.tool();
    let cost = request.cost();
    if verdict.effect == Effect::Permit {
        let day = now.day_number();
        if agent_state.day.day != day {
            agent_state.day = DayState {
                day,
                calls: 0,
                cost: crate::Decimal::ZERO,
            };
        }
        agent_state.day.calls += 1;
        agent_state.day.cost = agent_state.day.cost.saturating_add(cost);
        for ((pattern, limit), counter) in agent
            .rate_limits
            .iter()
            .zip(&agent.ir.rate_limits)
            .zip(&mut agent_state.rates)
        {
            if pattern.matches(tool) {
                let window = now.unix_floor().div_euclid(limit.window.seconds());
                if counter.window != window {
                    counter.window = window;
                    counter.count = 0;
                }
                counter.count += 1;
            }
        }
    }
    let session = agent_state.session_mut(request.session());
    if verdict.effect == Effect::Permit {
        session.calls += 1;
        session.cost = session.cost.saturating_add(cost);
    }
    session.history.push(tool, verdict.effect, now);
}

/// Fills the redact / credentials / alerts index lists for a verdict.
fn fill_lists(policy: &CPolicy, buffers: &mut Buffers, tool: &str, verdict: &Verdict<'_>) {
    buffers.redact.clear();
    buffers.credentials.clear();
    buffers.alerts.clear();
    let Some(agent) = verdict.agent.and_then(|i| policy.agents.get(i as usize)) else {
        return;
    };
    for (r, (pattern, redact)) in agent.redacts.iter().zip(&agent.ir.redacts).enumerate() {
        if !pattern.matches(tool) {
            continue;
        }
        for (p, path) in redact.args.iter().enumerate() {
            let seen = buffers.redact.iter().any(|&(r2, p2)| {
                agent
                    .ir
                    .redacts
                    .get(r2 as usize)
                    .and_then(|x| x.args.get(p2 as usize))
                    == Some(path)
            });
            if !seen {
                buffers.redact.push((r as u32, p as u32));
            }
        }
    }
    if verdict.effect == Effect::Permit {
        for (c, scope) in agent.credentials.iter().enumerate() {
            if matching::credential_covers(scope, tool) {
                buffers.credentials.push(c as u32);
            }
        }
    }
    for (a, alert) in agent.ir.alerts.iter().enumerate() {
        let on = alert.on.as_str();
        let fires = on.eq_ignore_ascii_case(verdict.effect.as_str())
            || on.eq_ignore_ascii_case(verdict.code.as_str())
            || (verdict.warning && on.eq_ignore_ascii_case(BUDGET_WARNING));
        let seen = buffers.alerts.iter().any(|&b| {
            agent
                .ir
                .alerts
                .get(b as usize)
                .is_some_and(|x| x.notify == alert.notify)
        });
        if fires && !seen {
            buffers.alerts.push(a as u32);
        }
    }
}

fn view<'e>(policy: &'e CPolicy, buffers: &'e Buffers, verdict: Verdict<'e>) -> Decision<'e> {
    let agent = verdict.agent.and_then(|i| policy.agents.get(i as usize));
    let rule = match (verdict.agent, verdict.rule, agent) {
        (Some(a), Some(r), Some(agent)) => agent
            .ir
            .rules
            .get(r as usize)
            .map(|ir_rule| (a, r, ir_rule)),
        _ => None,
    };
    let rule_ref = rule.map(|(a, r, ir_rule)| {
        let position = policy.source_map.position(a as usize, r as usize);
        RuleRef {
            agent: agent.map_or("", |x| x.ir.name.as_str()),
            n: ir_rule.n,
            file: position.map(|(file, _)| file),
            line: position.map(|(_, p)| p.line),
            column: position.map(|(_, p)| p.column),
        }
    });
    let texts = rule
        .filter(|_| verdict.rule_texts)
        .map(|(_, _, ir_rule)| ir_rule);
    let reason = if let Some(error) = verdict.condition_error {
        Some(Reason::Condition(error))
    } else if let Some(why) = verdict.invalid {
        Some(Reason::InvalidRequest(why))
    } else if let Some(why) = verdict.log_failure {
        Some(Reason::LogWrite(why))
    } else {
        texts.and_then(|r| r.reason.as_deref()).map(Reason::Rule)
    };
    Decision {
        effect: verdict.effect,
        reason_code: verdict.code,
        rule: rule_ref,
        reason,
        notify: texts.and_then(|r| r.notify.as_deref()),
        warnings: if verdict.warning {
            &[BUDGET_WARNING]
        } else {
            &[]
        },
        policy: &policy.digest,
        time: verdict.now,
        agent: agent.map(|a| &a.ir),
        redact: &buffers.redact,
        credentials: &buffers.credentials,
        alerts: &buffers.alerts,
    }
}
