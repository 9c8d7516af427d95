//! One decision's effect on the state (§6.1 step 7), described by the keys it touches so any
//! store can apply it: in this process, or recorded to be written to a shared store.

use super::RateKey;
use crate::decimal::Decimal;
use crate::eval::compile::CAgent;
use crate::ir::{BudgetScope, Effect};
use crate::request::Request;
use crate::time::Timestamp;

/// What one decision of a known agent changes. Built by the evaluator; read by stores.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    agent: &'a CAgent,
    request: &'a Request,
    effect: Effect,
    time: Timestamp,
}

impl<'a> Change<'a> {
    /// The change of deciding `effect` at `time` for `request` of `agent`.
    pub(crate) fn new(
        agent: &'a CAgent,
        request: &'a Request,
        effect: Effect,
        time: Timestamp,
    ) -> Change<'a> {
        Change {
            agent,
            request,
            effect,
            time,
        }
    }

    /// The agent's name.
    pub fn agent(&self) -> &'a str {
        &self.agent.ir.name
    }

    /// The request's session id.
    pub fn session(&self) -> &'a str {
        self.request.session()
    }

    /// The tool called.
    pub fn tool(&self) -> &'a str {
        self.request.tool()
    }

    /// The decision's effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The decision time.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// The call's cost (zero when the request names none).
    pub fn cost(&self) -> Decimal {
        self.request.cost()
    }

    /// Whether a permit counts against the agent's UTC day (read by its session budgets'
    /// `daily` or by `session.daily_cost`).
    pub fn counts_day(&self) -> bool {
        self.agent.reads.days
    }

    /// Whether the session is kept: its calls, spend and history are read by the policy.
    pub fn keeps_session(&self) -> bool {
        self.agent.reads.sessions
    }

    /// Whether the session's history is kept.
    pub fn keeps_history(&self) -> bool {
        self.agent.reads.sessions && self.agent.reads.history
    }

    /// Whether the decision changes nothing.
    pub fn is_empty(&self) -> bool {
        !self.keeps_session()
            && (self.effect != Effect::Permit
                || (self.agent.rate_limits.is_empty()
                    && self.agent.ir.budgets.is_empty()
                    && !self.counts_day()))
    }

    /// The rate limits a permit counts against, each key once.
    pub fn rates(&self) -> impl Iterator<Item = RateKey<'a>> + 'a {
        let agent = self.agent;
        let tool = self.request.tool();
        let permit = self.effect == Effect::Permit;
        let keys = agent.rate_limits.iter().zip(&agent.ir.rate_limits);
        keys.enumerate()
            .filter(move |(_, (pattern, _))| permit && pattern.matches(tool))
            .map(|(index, (_, limit))| (index, rate_key(limit)))
            .filter(move |&(index, key)| {
                // Two limits with one key share a counter: count the call once.
                !agent.ir.rate_limits[..index]
                    .iter()
                    .zip(&agent.rate_limits)
                    .any(|(earlier, pattern)| rate_key(earlier) == key && pattern.matches(tool))
            })
            .map(|(_, key)| key)
    }

    /// The ids of the budgets counted per UTC day (`daily` and custom ids) that a permit
    /// counts against.
    pub fn budgets(&self) -> impl Iterator<Item = &'a str> + 'a {
        let tool = self.request.tool();
        let permit = self.effect == Effect::Permit;
        self.agent
            .ir
            .budgets
            .iter()
            .zip(&self.agent.budget_tools)
            .filter(move |(budget, tools)| {
                permit
                    && budget.scope == BudgetScope::Daily
                    && crate::eval::budget_applies(tools.as_deref(), tool)
            })
            .map(|(budget, _)| budget.id.as_str())
    }
}

/// The key of a rate limit.
pub(crate) fn rate_key(limit: &crate::ir::RateLimit) -> RateKey<'_> {
    RateKey {
        pattern: &limit.pattern,
        seconds: limit.window.seconds(),
    }
}
