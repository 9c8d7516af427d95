//! Evaluation state (SPEC §6.5): rate-limit windows, budget spend and session history, and
//! the limit checks and commit of §6.1 steps 6 and 7.

use std::collections::{HashMap, VecDeque};

use fpl_runtime::{Decimal, Timestamp};

use super::Decision;
use super::matching::tool_matches;
use super::request::Request;
use crate::hir;

/// How many decisions a session's history keeps.
const HISTORY_LENGTH: usize = 64;

/// One decision in a session's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The tool.
    pub tool: String,
    /// `permit`, `deny` or `defer`.
    pub effect: &'static str,
    /// When.
    pub time: Timestamp,
}

impl Entry {
    /// Whether the call was permitted.
    pub fn permitted(&self) -> bool {
        self.effect == "permit"
    }
}

#[derive(Debug, Clone, Default)]
struct Counter {
    calls: u64,
    spend: i128,
}

#[derive(Debug, Clone, Default)]
struct Session {
    totals: Counter,
    history: VecDeque<Entry>,
}

/// Everything the evaluator remembers between decisions.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// (agent, rate limit index) → (window number, calls permitted in it).
    windows: HashMap<(String, usize), (i64, u64)>,
    sessions: HashMap<(String, String), Session>,
    /// (agent, UTC day number) → totals.
    days: HashMap<(String, i64), Counter>,
    /// (agent, budget index, UTC day number) → totals of the calls the budget matches, for
    /// the budgets that count per day (`daily` and custom ids).
    budget_days: HashMap<(String, usize, i64), Counter>,
}

fn day_of(request: &Request) -> i64 {
    request.time.day_number()
}

impl State {
    fn session(&self, agent: &hir::Agent, request: &Request) -> Option<&Session> {
        self.sessions
            .get(&(agent.name.clone(), request.session.clone()))
    }

    fn day(&self, agent: &hir::Agent, request: &Request) -> Counter {
        self.days
            .get(&(agent.name.clone(), day_of(request)))
            .cloned()
            .unwrap_or_default()
    }

    /// Permitted calls so far in the request's session.
    pub fn session_calls(&self, agent: &hir::Agent, request: &Request) -> u64 {
        self.session(agent, request)
            .map_or(0, |session| session.totals.calls)
    }

    /// Dollars (millionths) spent in the request's session.
    pub fn session_spend(&self, agent: &hir::Agent, request: &Request) -> i128 {
        self.session(agent, request)
            .map_or(0, |session| session.totals.spend)
    }

    /// Dollars (millionths) the agent spent on the request's UTC day.
    pub fn day_spend(&self, agent: &hir::Agent, request: &Request) -> i128 {
        self.day(agent, request).spend
    }

    /// The request's session history, oldest first.
    pub fn history(&self, agent: &hir::Agent, request: &Request) -> Vec<Entry> {
        self.session(agent, request)
            .map(|session| session.history.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Step 7: a permit counts against rate limits and budgets; every decision enters history.
    pub(super) fn commit(&mut self, agent: &hir::Agent, request: &Request, decision: &Decision) {
        if decision.effect == "permit" {
            for (index, limit) in agent.rate_limits.iter().enumerate() {
                if let Some(window) = window_of(limit, request)
                    .filter(|_| tool_matches(&limit.pattern, &request.tool))
                {
                    let slot = self
                        .windows
                        .entry((agent.name.clone(), index))
                        .or_insert((window, 0));
                    if slot.0 != window {
                        *slot = (window, 0);
                    }
                    slot.1 += 1;
                }
            }
            let session = self
                .sessions
                .entry((agent.name.clone(), request.session.clone()))
                .or_default();
            session.totals.calls += 1;
            session.totals.spend += request.cost.millionths();
            let day = self
                .days
                .entry((agent.name.clone(), day_of(request)))
                .or_default();
            day.calls += 1;
            day.spend += request.cost.millionths();
            for (index, _) in per_day_budgets(agent, request) {
                let counter = self
                    .budget_days
                    .entry((agent.name.clone(), index, day_of(request)))
                    .or_default();
                counter.calls += 1;
                counter.spend += request.cost.millionths();
            }
        }
        let session = self
            .sessions
            .entry((agent.name.clone(), request.session.clone()))
            .or_default();
        session.history.push_back(Entry {
            tool: request.tool.clone(),
            effect: decision.effect,
            time: request.time,
        });
        while session.history.len() > HISTORY_LENGTH {
            session.history.pop_front();
        }
    }
}

/// The window number of `time` for a rate limit, if its window is valid.
fn window_of(limit: &hir::RateLimit, request: &Request) -> Option<i64> {
    let seconds: i64 = match limit.window.as_deref()? {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(request.time.unix_floor().div_euclid(seconds))
}

/// The count of a rate limit in millionths, if it is a number.
fn limit_of(limit: &hir::RateLimit) -> Option<i128> {
    match limit.limit.as_ref()?.kind {
        hir::ValueKind::Number(count) => Some(count.millionths()),
        _ => None,
    }
}

/// Step 6: rate limits, then budgets, on a permit.
pub(super) fn apply_limits(
    agent: &hir::Agent,
    state: &State,
    request: &Request,
    decision: &mut Decision,
) {
    for (index, limit) in agent.rate_limits.iter().enumerate() {
        let (Some(window), Some(max)) = (window_of(limit, request), limit_of(limit)) else {
            continue;
        };
        if !tool_matches(&limit.pattern, &request.tool) {
            continue;
        }
        let used = match state.windows.get(&(agent.name.clone(), index)) {
            Some((current, calls)) if *current == window => *calls,
            _ => 0,
        };
        if i128::from(used) * 1_000_000 >= max {
            decision.effect = "deny";
            decision.reason_code = "RATE_EXCEEDED";
            return;
        }
    }
    let session = state
        .session(agent, request)
        .map(|session| session.totals.clone())
        .unwrap_or_default();
    let day = state.day(agent, request);
    let (mut warning, mut exceeded) = (false, false);
    for (index, budget) in agent
        .budgets
        .iter()
        .enumerate()
        .filter(|(_, budget)| budget_applies(budget, request))
    {
        // A session budget counts the session (its `daily`, the agent's day); any other
        // budget counts its own calls of the day.
        let (calls, spend, day_spend) = if budget.is_session() {
            (session.calls, session.spend, day.spend)
        } else {
            let own = state
                .budget_days
                .get(&(agent.name.clone(), index, day_of(request)))
                .cloned()
                .unwrap_or_default();
            (own.calls, own.spend, own.spend)
        };
        let number = |key: &str| budget.number(key).map(Decimal::millionths);
        let cost = request.cost.millionths();
        let caps = [(number("max"), spend), (number("daily"), day_spend)];
        let calls_exceeded =
            number("max_calls").is_some_and(|max| i128::from(calls) * 1_000_000 >= max);
        let spend_exceeded = caps
            .iter()
            .any(|(cap, spent)| cap.is_some_and(|cap| spent + cost > cap));
        if calls_exceeded || spend_exceeded {
            decision.effect = match budget.on_exceed() {
                hir::OnExceed::Audit => {
                    exceeded = true;
                    continue;
                }
                hir::OnExceed::Defer => "defer",
                hir::OnExceed::Deny => "deny",
            };
            decision.reason_code = "BUDGET_EXCEEDED";
            return;
        }
        if let Some(warn_at) = number("warn_at") {
            for (cap, spent) in caps {
                let Some(cap) = cap else { continue };
                let threshold = warn_at * cap;
                if spent * 1_000_000 < threshold && (spent + cost) * 1_000_000 >= threshold {
                    warning = true;
                }
            }
        }
    }
    if warning {
        decision.warnings.push("BUDGET_WARNING".to_string());
    }
    if exceeded {
        decision.warnings.push("BUDGET_EXCEEDED".to_string());
    }
}

/// Whether `budget` applies to the request's tool: every tool without `tools`.
fn budget_applies(budget: &hir::Budget, request: &Request) -> bool {
    budget.tools().is_none_or(|tools| {
        tools
            .iter()
            .any(|pattern| tool_matches(pattern, &request.tool))
    })
}

/// The budgets of `agent` that count per day (not `session`) and apply to the request, with
/// their indexes.
fn per_day_budgets<'a>(
    agent: &'a hir::Agent,
    request: &'a Request,
) -> impl Iterator<Item = (usize, &'a hir::Budget)> + 'a {
    agent
        .budgets
        .iter()
        .enumerate()
        .filter(move |(_, budget)| !budget.is_session() && budget_applies(budget, request))
}
