//! The evaluator: the decision procedure of SPEC §6.1 over a loaded policy and its state.

pub(crate) mod compile;
mod cond;
mod index;
mod matching;

pub use cond::ConditionError;

use compile::{CAgent, CPolicy};
use cond::{Ctx, Scratch};

use crate::bundle::VerifiedBundle;
use crate::decision::{
    BUDGET_EXCEEDED, BUDGET_WARNING, Decision, Reason, ReasonCode, RuleRef, warnings,
};
use crate::error::LoadError;
use crate::ir::{BudgetScope, CompiledPolicy, Effect, OnExceed};
use crate::log::DecisionLog;
use crate::request::Request;
use crate::state::{AgentState, Change, DayState, MemoryStore, RateState, StateStore};
use crate::time::Timestamp;

/// A loaded policy and its in-process state (§6.5). `decide` allocates nothing once sessions
/// are warm. [`Evaluator::decide_with`] decides with state kept elsewhere (a [`StateStore`]).
#[derive(Debug)]
pub struct Evaluator {
    policy: CPolicy,
    state: MemoryStore,
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
        let state = MemoryStore::new();
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
        self.state = MemoryStore::new();
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
        let now = self.now(request);
        decide_at(
            &self.policy,
            &mut self.buffers,
            &mut self.state,
            request,
            (now, approval),
        )
    }

    /// Decides one request (with the outcome of its approval, as
    /// [`Evaluator::decide_with_approval`]) with the state in `store` instead of this
    /// evaluator's own, and commits its effect there: state kept apart from the policy outlives
    /// a policy swap, and a store can hold state shared by several processes.
    pub fn decide_with<S: StateStore + ?Sized>(
        &mut self,
        store: &mut S,
        request: &Request,
        approval: ApprovalCheck,
    ) -> Decision<'_> {
        let now = self.now(request);
        decide_at(
            &self.policy,
            &mut self.buffers,
            store,
            request,
            (now, approval),
        )
    }

    /// The agent whose state deciding `request` reads or changes: `None` when the request is
    /// invalid, names no agent of the policy, or its agent keeps no state (no rate limits, no
    /// budgets, no session reads), so it can be decided without a store.
    pub fn state_agent<'r>(&self, request: &'r Request) -> Option<&'r str> {
        if request.invalid_reason().is_some() {
            return None;
        }
        let agent = self
            .policy
            .agents
            .get(find_agent(&self.policy, request.agent())? as usize)?;
        let stateless = agent.rate_limits.is_empty()
            && agent.ir.budgets.is_empty()
            && !agent.reads.sessions
            && !agent.reads.days;
        (!stateless).then_some(request.agent())
    }

    /// Parses a request's JSON text into an internal reusable buffer and decides it.
    pub fn decide_json(&mut self, text: &str) -> Decision<'_> {
        let mut request = std::mem::take(&mut self.request);
        request.parse_into(text);
        let now = self.now(&request);
        self.request = request;
        decide_at(
            &self.policy,
            &mut self.buffers,
            &mut self.state,
            &self.request,
            (now, ApprovalCheck::None),
        )
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

/// Decides `request` at `now` with what its approval says, with the state in `store`, and
/// commits its effect there.
fn decide_at<'e, S: StateStore + ?Sized>(
    policy: &'e CPolicy,
    buffers: &'e mut Buffers,
    store: &mut S,
    request: &Request,
    (now, approval): (Timestamp, ApprovalCheck),
) -> Decision<'e> {
    let mut verdict = Verdict::new(now);
    verdict.approval = approval;
    evaluate(policy, store, &mut buffers.scratch, request, &mut verdict);
    fill_lists(policy, buffers, request.tool(), &verdict);
    commit(policy, store, request, &verdict);
    view(policy, buffers, &verdict)
}

/// Steps 1–6 of §6.1 into `out`, reading but not changing the state.
fn evaluate<'p, S: StateStore + ?Sized>(
    policy: &'p CPolicy,
    store: &S,
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
    let found = find_agent(policy, request.agent())
        .and_then(|index| Some((index, policy.agents.get(index as usize)?)));
    let Some((agent_index, agent)) = found else {
        out.code = ReasonCode::UnknownAgent;
        return;
    };
    out.agent = Some(agent_index);
    let agent_state = store.agent(&agent.ir.name);
    let tool = request.tool();
    let now = out.now;
    // Only an agent whose conditions or budgets read its sessions looks its session up.
    let session = agent_state
        .filter(|_| agent.reads.sessions)
        .and_then(|state| state.session(request.session()));
    let day = match agent_state {
        Some(state) if agent.reads.days => state.day.on(now.day_number()),
        _ => DayState::default(),
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
    agent_state: Option<&AgentState>,
    request: &Request,
    (session_calls, session_cost): (u64, crate::Decimal),
    day: DayState,
    verdict: &mut Verdict<'_>,
) {
    let tool = request.tool();
    let now = verdict.now;
    for (pattern, limit) in agent.rate_limits.iter().zip(&agent.ir.rate_limits) {
        if !pattern.matches(tool) {
            continue;
        }
        let key = crate::state::rate_key(limit);
        let counter = agent_state.map_or_else(RateState::default, |state| state.rate(key));
        if counter.in_window(key.window_of(now.unix_floor())) >= limit.limit {
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
        .zip(&agent.budget_tools);
    for ((budget, &(warn_max, warn_daily)), tools) in budgets {
        if !budget_applies(tools.as_deref(), tool) {
            continue;
        }
        // A session budget's `daily` caps the agent's day; every other budget counts its own.
        let (calls, spend, day_cost) = match budget.scope {
            BudgetScope::Session => (session_calls, session_cost, day.cost),
            BudgetScope::Daily => {
                let own = agent_state
                    .map_or_else(DayState::default, |state| state.budget(&budget.id))
                    .on(today);
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
pub(crate) fn budget_applies(tools: Option<&[crate::pattern::Pattern]>, tool: &str) -> bool {
    tools.is_none_or(|tools| tools.iter().any(|pattern| pattern.matches(tool)))
}

/// Step 7: a final permit counts against limits and budgets; every decision with an agent
/// joins its session's history. State nothing reads is not kept: sessions only for agents whose
/// conditions or budgets read them, histories only for agents whose conditions read them.
fn commit<S: StateStore + ?Sized>(
    policy: &CPolicy,
    store: &mut S,
    request: &Request,
    verdict: &Verdict<'_>,
) {
    let Some(agent) = verdict
        .agent
        .and_then(|index| policy.agents.get(index as usize))
    else {
        return;
    };
    let change = Change::new(agent, request, verdict.effect, verdict.now);
    if !change.is_empty() {
        store.commit(&change);
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
