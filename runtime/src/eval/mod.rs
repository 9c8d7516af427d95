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

use crate::bundle::VerifiedBundle;
use crate::decision::{
    BUDGET_EXCEEDED, BUDGET_WARNING, Decision, Reason, ReasonCode, RuleRef, warnings,
};
use crate::error::LoadError;
use crate::ir::{BudgetScope, CompiledPolicy, Effect, OnExceed};
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
    /// Whether a request's `time` is the decision time (otherwise only the clock is).
    request_time: bool,
}

/// What a decision service found out about the approval a request names (§17), before the
/// evaluator decides the request. The service checks the approval's state and binding (agent,
/// session, tool and arguments); the evaluator only applies the outcome, after the rules and
/// before the limits, so an approval never turns a `deny` into a `permit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApprovalCheck {
    /// No approval named, or one still pending: decide as usual.
    #[default]
    None,
    /// An approved approval bound to this call: a `defer` becomes `permit` with `APPROVED`, and
    /// the limits apply as to any permit.
    Approved,
    /// A denied approval bound to this call: what would not be denied is `deny` with
    /// `APPROVAL_DENIED`.
    Denied,
    /// An unknown, expired, used or differently bound approval: ignored, with the warning
    /// `APPROVAL_INVALID`.
    Invalid,
}

/// Reusable per-decision buffers; sized at load so pushes never grow them.
#[derive(Debug, Default)]
struct Buffers {
    redact: Vec<(u32, u32)>,
    credentials: Vec<u32>,
    alerts: Vec<u32>,
    scratch: Scratch,
}

/// The outcome of steps 1–6 before state is committed. Built once per decision on the
/// stack and filled in place; small enough that nothing copies it in bulk.
#[derive(Debug, Clone, Copy)]
struct Verdict<'p> {
    effect: Effect,
    code: ReasonCode,
    /// Whether the rule's `reason`/`notify` apply (not for condition errors).
    rule_texts: bool,
    /// `BUDGET_WARNING`: a budget crossed its `warn_at`.
    warning: bool,
    /// The warning `BUDGET_EXCEEDED`: a budget with `on_exceed audit` is exceeded.
    exceeded: bool,
    /// What the request's approval says (§17).
    approval: ApprovalCheck,
    agent: Option<u32>,
    /// Index of the deciding rule in its agent.
    rule: Option<u32>,
    /// The request's session in the agent's state, when the agent keeps sessions and has seen it.
    session: Option<u32>,
    now: Timestamp,
    detail: Detail<'p>,
}

/// The text of a decision that no rule wrote.
#[derive(Debug, Clone, Copy)]
enum Detail<'p> {
    None,
    Condition(ConditionError<'p>),
    Invalid(&'static str),
    LogFailure(&'static str),
}

impl<'p> Verdict<'p> {
    /// `deny` with `DEFAULT_DENY`, no agent yet: what every early exit refines.
    fn new(now: Timestamp) -> Verdict<'p> {
        Verdict {
            effect: Effect::Deny,
            code: ReasonCode::DefaultDeny,
            rule_texts: false,
            warning: false,
            exceeded: false,
            approval: ApprovalCheck::None,
            agent: None,
            rule: None,
            session: None,
            now,
            detail: Detail::None,
        }
    }

    /// A rule decided.
    fn rule(&mut self, index: u32, effect: Effect, code: ReasonCode) {
        self.effect = effect;
        self.code = code;
        self.rule = Some(index);
        self.rule_texts = true;
    }

    /// Rule `index`'s condition could not be evaluated.
    fn condition_error(&mut self, index: u32, error: ConditionError<'p>) {
        self.effect = Effect::Deny;
        self.code = ReasonCode::ConditionError;
        self.rule = Some(index);
        self.rule_texts = false;
        self.detail = Detail::Condition(error);
    }

    /// The decision log could not be written: only that is decided and committed.
    fn log_failed(&mut self) {
        self.effect = Effect::Deny;
        self.code = ReasonCode::LogWriteFailed;
        self.rule_texts = false;
        self.warning = false;
        self.exceeded = false;
        self.approval = ApprovalCheck::None;
        self.detail = Detail::LogFailure(crate::decision::LOG_WRITE_FAILED);
    }
}

impl Evaluator {
    /// Validates and loads a compiled policy with empty state.
    pub fn new(compiled: CompiledPolicy) -> Result<Evaluator, LoadError> {
        Evaluator::from_compiled(&compiled)
    }

    /// Validates and loads a compiled policy by reference.
    pub fn from_compiled(compiled: &CompiledPolicy) -> Result<Evaluator, LoadError> {
        Ok(Evaluator::loaded(compile::load(compiled)?))
    }

    /// Decodes, validates and loads the binary form of a compiled policy.
    pub fn from_bytes(bytes: &[u8]) -> Result<Evaluator, LoadError> {
        Evaluator::from_compiled(&CompiledPolicy::decode(bytes)?)
    }

    /// Loads the policy of a bundle whose signature and digests were verified.
    pub fn from_bundle(bundle: VerifiedBundle) -> Evaluator {
        Evaluator::loaded(bundle.into_policy())
    }

    fn loaded(policy: CPolicy) -> Evaluator {
        let state = State::new(limit_counts(&policy));
        let buffers = Buffers {
            redact: Vec::with_capacity(policy.max_redact_paths),
            credentials: Vec::with_capacity(policy.max_credentials),
            alerts: Vec::with_capacity(policy.max_alerts),
            scratch: Scratch::default(),
        };
        Evaluator {
            policy,
            state,
            buffers,
            request: Request::default(),
            clock: Timestamp::now,
            request_time: true,
        }
    }

    /// Replaces the clock used for requests without `time` (the system clock by default).
    pub fn set_clock(&mut self, clock: fn() -> Timestamp) {
        self.clock = clock;
    }

    /// Decides every request at the clock's time, ignoring its `time` (still validated): a
    /// decision service decides with its own clock unless it replays recorded requests (§17).
    pub fn ignore_request_time(&mut self) {
        self.request_time = false;
    }

    /// The decision time of `request`.
    fn now(&self, request: &Request) -> Timestamp {
        match request.time() {
            Some(time) if self.request_time => time,
            _ => (self.clock)(),
        }
    }

    /// Forgets every counter, spend and history entry: the state of a freshly loaded policy.
    /// Lets one evaluator (its patterns and regexes compiled once) decide many requests that
    /// must each be decided as if it were the first, as the analyzer's witness replay does.
    pub fn reset_state(&mut self) {
        self.state = State::new(limit_counts(&self.policy));
    }

    /// The policy digest (`sha256:…`).
    pub fn policy_digest(&self) -> &str {
        &self.policy.digest
    }

    /// The policy's `approval_ttl` in milliseconds (the `runtime` block), when written.
    pub fn approval_ttl_ms(&self) -> Option<u64> {
        self.policy.approval_ttl_ms
    }

    /// Decides one request and commits its effect on the state (§6.1).
    pub fn decide(&mut self, request: &Request) -> Decision<'_> {
        self.decide_with_approval(request, ApprovalCheck::None)
    }

    /// Decides one request whose approval a decision service checked (§17), and commits its
    /// effect on the state: [`ApprovalCheck`] says how the approval changes the decision.
    pub fn decide_with_approval(
        &mut self,
        request: &Request,
        approval: ApprovalCheck,
    ) -> Decision<'_> {
        let mut verdict = Verdict::new(self.now(request));
        verdict.approval = approval;
        evaluate(
            &self.policy,
            &self.state,
            &mut self.buffers.scratch,
            request,
            &mut verdict,
        );
        fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        commit(&self.policy, &mut self.state, request, &verdict);
        view(&self.policy, &self.buffers, &verdict)
    }

    /// Parses a request's JSON text into an internal reusable buffer and decides it.
    pub fn decide_json(&mut self, text: &str) -> Decision<'_> {
        let mut request = std::mem::take(&mut self.request);
        request.parse_into(text);
        let mut verdict = Verdict::new(self.now(&request));
        evaluate(
            &self.policy,
            &self.state,
            &mut self.buffers.scratch,
            &request,
            &mut verdict,
        );
        fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        commit(&self.policy, &mut self.state, &request, &verdict);
        self.request = request;
        view(&self.policy, &self.buffers, &verdict)
    }

    /// Decides a request and appends its record to `log` before returning (§8). If the write
    /// fails the decision is `deny` with `LOG_WRITE_FAILED`, and only that is committed.
    pub fn decide_logged(&mut self, request: &Request, log: &mut DecisionLog) -> Decision<'_> {
        let mut verdict = Verdict::new(self.now(request));
        evaluate(
            &self.policy,
            &self.state,
            &mut self.buffers.scratch,
            request,
            &mut verdict,
        );
        fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        let written = log.append(request, &view(&self.policy, &self.buffers, &verdict));
        if written.is_err() {
            verdict.log_failed();
            fill_lists(&self.policy, &mut self.buffers, request.tool(), &verdict);
        }
        commit(&self.policy, &mut self.state, request, &verdict);
        view(&self.policy, &self.buffers, &verdict)
    }
}

/// The (rate limit, budget) counts of each agent: the shape of its state.
fn limit_counts(policy: &CPolicy) -> impl Iterator<Item = (usize, usize)> + '_ {
    policy
        .agents
        .iter()
        .map(|a| (a.rate_limits.len(), a.ir.budgets.len()))
}

/// Steps 1–6 of §6.1 into `out`, reading but not changing the state.
fn evaluate<'p>(
    policy: &'p CPolicy,
    state: &State,
    scratch: &mut Scratch,
    request: &Request,
    out: &mut Verdict<'p>,
) {
    scratch.reset();
    if let Some(why) = request.invalid_reason() {
        out.code = ReasonCode::InvalidRequest;
        out.detail = Detail::Invalid(why);
        return;
    }
    // 1. Agent.
    let found = find_agent(policy, request.agent()).and_then(|index| {
        let agent = policy.agents.get(index as usize)?;
        Some((index, agent, state.agents.get(index as usize)?))
    });
    let Some((agent_index, agent, agent_state)) = found else {
        out.code = ReasonCode::UnknownAgent;
        return;
    };
    out.agent = Some(agent_index);
    let tool = request.tool();
    let now = out.now;
    // Only an agent whose conditions or budgets read its sessions looks its session up.
    if agent.reads.sessions {
        out.session = agent_state.find(request.session());
    }
    let session = out.session.and_then(|slot| agent_state.session(slot));
    let day = if agent.reads.days {
        agent_state.day_view(now.day_number())
    } else {
        DayState::default()
    };
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
        .and_then(|p| agent.ir.phases.iter().position(|phase| phase.name == p))
        .map(|i| i as u32);

    // 2. Mandatory denies, hoisted.
    for index in agent.mandatory.candidates(tool) {
        match matching::rule_matches(agent, index, phase, &cx, scratch) {
            Ok(false) => {}
            Ok(true) => return out.rule(index, Effect::Deny, ReasonCode::MandatoryDeny),
            Err(error) => return out.condition_error(index, error),
        }
    }
    // 3. Egress.
    if let Some(egress) = &agent.egress
        && matching::egress_denied(egress, request.args())
    {
        out.code = ReasonCode::EgressDenied;
        return;
    }
    // 4. The active phase's `tools`, then rules in source order, first match wins; 5. default.
    if let Some(tools) = phase
        .and_then(|p| agent.phase_tools.get(p as usize))
        .and_then(Option::as_deref)
        && !tools.iter().any(|pattern| pattern.matches(tool))
    {
        out.code = ReasonCode::OutOfPhaseToolCall;
        return;
    }
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
                out.rule(index, effect, ReasonCode::for_rule(effect));
                decided = true;
                break;
            }
            Err(error) => return out.condition_error(index, error),
        }
    }
    if !decided {
        out.effect = agent.ir.default_effect;
        out.code = ReasonCode::for_default(out.effect);
    }
    // §17: an approval decides what the policy deferred (or, denied, what it did not deny).
    match out.approval {
        ApprovalCheck::Approved if out.effect == Effect::Defer => {
            out.effect = Effect::Permit;
            out.code = ReasonCode::Approved;
        }
        ApprovalCheck::Denied if out.effect != Effect::Deny => {
            out.effect = Effect::Deny;
            out.code = ReasonCode::ApprovalDenied;
        }
        _ => {}
    }
    // 6. Limits, only for permit.
    if out.effect == Effect::Permit
        && !(agent.rate_limits.is_empty() && agent.ir.budgets.is_empty())
    {
        limits(
            agent,
            agent_state,
            request,
            session.map_or((0, crate::Decimal::ZERO), |s| (s.calls, s.cost)),
            day,
            out,
        );
    }
}

fn find_agent(policy: &CPolicy, name: &str) -> Option<u32> {
    if policy.agents.len() <= 8 {
        policy
            .agents
            .iter()
            .position(|a| same_name(&a.ir.name, name))
            .map(|i| i as u32)
    } else {
        policy.by_name.get(name).copied()
    }
}

/// `a == b`, compared inline eight bytes at a time: agent names are short, and a library
/// `memcmp` call costs more than the comparison.
fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (mut words_a, mut words_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let words_equal = (&mut words_a)
        .zip(&mut words_b)
        .all(|(x, y)| x.first_chunk::<8>() == y.first_chunk::<8>());
    words_equal
        && words_a
            .remainder()
            .iter()
            .zip(words_b.remainder())
            .all(|(x, y)| x == y)
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
    let today = now.day_number();
    let budgets = agent
        .ir
        .budgets
        .iter()
        .zip(&agent.warn_thresholds)
        .zip(&agent.budget_tools)
        .zip(&agent_state.budget_days);
    for (((budget, &(warn_max, warn_daily)), tools), budget_day) in budgets {
        if !applies(tools.as_deref(), tool) {
            continue;
        }
        // A session budget's `daily` caps the agent's day; every other budget counts its own.
        let (calls, spend, day_cost) = match budget.scope {
            BudgetScope::Session => (session_calls, session_cost, day.cost),
            BudgetScope::Daily => {
                let own = budget_day.on(today);
                (own.calls, own.cost, own.cost)
            }
        };
        let over = |cap: Option<crate::Decimal>, spent: crate::Decimal| {
            cap.is_some_and(|cap| spent.checked_add(cost).is_none_or(|after| after > cap))
        };
        let exceeded = budget.max_calls.is_some_and(|max| calls >= max)
            || over(budget.max, spend)
            || over(budget.daily, day_cost);
        if exceeded {
            match budget.on_exceed {
                OnExceed::Audit => verdict.exceeded = true,
                OnExceed::Deny | OnExceed::Defer => {
                    verdict.effect = if budget.on_exceed == OnExceed::Defer {
                        Effect::Defer
                    } else {
                        Effect::Deny
                    };
                    verdict.code = ReasonCode::BudgetExceeded;
                    verdict.warning = false;
                    verdict.exceeded = false;
                    return;
                }
            }
            continue;
        }
        let crosses = |threshold: Option<crate::Decimal>, spent: crate::Decimal| {
            threshold.is_some_and(|t| spent < t && spent.saturating_add(cost) >= t)
        };
        verdict.warning |= crosses(warn_max, spend) || crosses(warn_daily, day_cost);
    }
}

/// Whether a budget limited to `tools` (none: every tool) applies to `tool`.
fn applies(tools: Option<&[crate::pattern::Pattern]>, tool: &str) -> bool {
    tools.is_none_or(|tools| tools.iter().any(|pattern| pattern.matches(tool)))
}

/// Step 7: a final permit counts against limits and budgets; every decision with an agent
/// joins its session's history. State nothing reads is not kept: sessions only for agents whose
/// conditions or budgets read them, histories only for agents whose conditions read them.
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
    let permit = verdict.effect == Effect::Permit;
    if permit && agent.reads.days {
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
    }
    if permit {
        let day = now.day_number();
        for ((budget, tools), budget_day) in agent
            .ir
            .budgets
            .iter()
            .zip(&agent.budget_tools)
            .zip(&mut agent_state.budget_days)
        {
            if budget.scope == BudgetScope::Daily && applies(tools.as_deref(), tool) {
                budget_day.count(day, cost);
            }
        }
    }
    if permit {
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
    if !agent.reads.sessions {
        return;
    }
    let session = agent_state.session_mut(verdict.session, request.session());
    if permit {
        session.calls += 1;
        session.cost = session.cost.saturating_add(cost);
    }
    if agent.reads.history {
        session.history.push(tool, verdict.effect, now);
    }
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
            || (verdict.warning && on.eq_ignore_ascii_case(BUDGET_WARNING))
            || (verdict.exceeded && on.eq_ignore_ascii_case(BUDGET_EXCEEDED));
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

fn view<'e>(policy: &'e CPolicy, buffers: &'e Buffers, verdict: &Verdict<'e>) -> Decision<'e> {
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
    let reason = match verdict.detail {
        Detail::Condition(error) => Some(Reason::Condition(error)),
        Detail::Invalid(why) => Some(Reason::InvalidRequest(why)),
        Detail::LogFailure(why) => Some(Reason::LogWrite(why)),
        Detail::None => texts.and_then(|r| r.reason.as_deref()).map(Reason::Rule),
    };
    Decision {
        effect: verdict.effect,
        reason_code: verdict.code,
        rule: rule_ref,
        reason,
        notify: texts.and_then(|r| r.notify.as_deref()),
        warnings: warnings(
            verdict.warning,
            verdict.exceeded,
            verdict.approval == ApprovalCheck::Invalid,
        ),
        policy: &policy.digest,
        time: verdict.now,
        agent: agent.map(|a| &a.ir),
        redact: &buffers.redact,
        credentials: &buffers.credentials,
        alerts: &buffers.alerts,
    }
}
