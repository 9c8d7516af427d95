//! One agent's state read from the shared store, decided against in this process, and the
//! keys its decisions changed, to be written back only if nobody changed the agent meanwhile.
//!
//! Values are plain text: a day is `"<day> <calls> <cost millionths>"`, a rate-limit window
//! `"<window> <count>"`, a session `"<calls> <cost millionths>"`, a history entry
//! `"<time micros> <effect> <tool>"`.

use fpl_runtime::ir::Effect;
use fpl_runtime::state::{AgentState, Change, DayState, RateKey, RateState, StateStore};
use fpl_runtime::{Decimal, Timestamp};

/// The field of the agent's version: a random token, new with every write.
pub(crate) const VERSION: &str = "v";
/// The field of the agent's UTC day.
const DAY: &str = "d";

/// What a snapshot's decisions changed, by key.
#[derive(Debug, Default)]
struct Touched {
    day: bool,
    rates: Vec<(String, i64)>,
    budgets: Vec<String>,
    sessions: Vec<String>,
}

/// One agent's state at one version, with the sessions of the decisions to make.
#[derive(Debug)]
pub(crate) struct Snapshot {
    agent: String,
    version: i64,
    state: AgentState,
    /// Per loaded session, the history entries it had.
    loaded: Vec<(String, u64)>,
    touched: Touched,
}

/// A stored value that does not parse: the store holds something this service did not write.
#[derive(Debug, thiserror::Error)]
#[error("unreadable state value `{0}`")]
pub(crate) struct Unreadable(pub String);

/// The writes of a snapshot: the agent hash's fields, and per session its value and new
/// history entries (oldest first).
#[derive(Debug, Default)]
pub(crate) struct Writes {
    pub fields: Vec<(String, String)>,
    pub sessions: Vec<(String, String, Vec<String>)>,
}

impl Snapshot {
    /// The agent's state from its hash fields (name, value pairs) and, per session, its value
    /// (empty when new) and history entries, oldest first.
    pub fn parse(
        agent: &str,
        fields: &[(String, String)],
        sessions: Vec<(String, String, Vec<String>)>,
    ) -> Result<Snapshot, Unreadable> {
        let mut state = AgentState::default();
        let mut version = 0;
        for (name, value) in fields {
            let bad = || Unreadable(format!("{name}={value}"));
            if name == VERSION {
                version = value.parse().map_err(|_| bad())?;
            } else if name == DAY {
                state.day = parse_day(value).ok_or_else(bad)?;
            } else if let Some(id) = name.strip_prefix("b:") {
                *state.budget_mut(id) = parse_day(value).ok_or_else(bad)?;
            } else if let Some(rest) = name.strip_prefix("r:") {
                let (seconds, pattern) = rest.split_once(':').ok_or_else(bad)?;
                let seconds = seconds.parse().map_err(|_| bad())?;
                let mut parts = value.split(' ').map(str::parse::<i64>);
                let (Some(Ok(window)), Some(Ok(count)), None) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(bad());
                };
                let count = u64::try_from(count).map_err(|_| bad())?;
                *state.rate_mut(RateKey { pattern, seconds }) = RateState { window, count };
            }
        }
        let mut loaded = Vec::with_capacity(sessions.len());
        for (id, value, history) in sessions {
            let session = state.session_mut(&id);
            if !value.is_empty() {
                let bad = || Unreadable(format!("session {id}={value}"));
                let (calls, cost) = value.split_once(' ').ok_or_else(bad)?;
                session.calls = calls.parse().map_err(|_| bad())?;
                session.cost = parse_cost(cost).ok_or_else(bad)?;
            }
            for entry in &history {
                let (time, effect, tool) = parse_entry(entry)
                    .ok_or_else(|| Unreadable(format!("history entry of session {id}: {entry}")))?;
                session.history.push(tool, effect, time);
            }
            loaded.push((id, session.history.recorded()));
        }
        Ok(Snapshot {
            agent: agent.to_owned(),
            version,
            state,
            loaded,
            touched: Touched::default(),
        })
    }

    /// The version read: a write succeeds only while the store still holds it.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Whether it holds every one of `sessions`.
    pub fn covers(&self, sessions: &[&str]) -> bool {
        sessions
            .iter()
            .all(|session| self.loaded.iter().any(|(loaded, _)| loaded == session))
    }

    /// It as the store holds it once its writes were made at `version`: nothing changed since.
    pub fn committed(&mut self, version: i64) {
        self.version = version;
        for (id, recorded) in &mut self.loaded {
            if let Some(session) = self.state.session(id) {
                *recorded = session.history.recorded();
            }
        }
        self.touched = Touched::default();
    }

    /// Whether the decisions changed anything.
    pub fn changed(&self) -> bool {
        let touched = &self.touched;
        touched.day
            || !touched.rates.is_empty()
            || !touched.budgets.is_empty()
            || !touched.sessions.is_empty()
    }

    /// The values to write: every changed key's final value.
    pub fn writes(&self) -> Writes {
        let mut writes = Writes::default();
        let touched = &self.touched;
        if touched.day {
            writes
                .fields
                .push((DAY.to_owned(), day_text(self.state.day)));
        }
        for id in &touched.budgets {
            let day = self.state.budget(id);
            writes.fields.push((format!("b:{id}"), day_text(day)));
        }
        for (pattern, seconds) in &touched.rates {
            let key = RateKey {
                pattern,
                seconds: *seconds,
            };
            let rate = self.state.rate(key);
            writes.fields.push((
                format!("r:{seconds}:{pattern}"),
                format!("{} {}", rate.window, rate.count),
            ));
        }
        for id in &touched.sessions {
            let Some(session) = self.state.session(id) else {
                continue;
            };
            let before = self
                .loaded
                .iter()
                .find(|(loaded, _)| loaded == id)
                .map_or(0, |(_, seq)| *seq);
            let mut new: Vec<_> = session
                .history
                .iter()
                .filter(|entry| entry.seq > before)
                .collect();
            new.sort_by_key(|entry| entry.seq);
            let entries = new
                .iter()
                .map(|entry| {
                    format!(
                        "{} {} {}",
                        entry.time.unix_micros(),
                        entry.effect.as_str(),
                        entry.tool
                    )
                })
                .collect();
            let value = format!("{} {}", session.calls, session.cost.millionths());
            writes.sessions.push((id.clone(), value, entries));
        }
        writes
    }
}

impl StateStore for Snapshot {
    fn agent(&self, agent: &str) -> Option<&AgentState> {
        (agent == self.agent).then_some(&self.state)
    }

    fn commit(&mut self, change: &Change<'_>) {
        // Decisions are grouped by agent before a snapshot is read, so every change is this
        // agent's; anything else would be a bug that must not count elsewhere.
        debug_assert_eq!(change.agent(), self.agent);
        if change.agent() != self.agent {
            return;
        }
        let touched = &mut self.touched;
        if change.effect() == Effect::Permit {
            touched.day |= change.counts_day();
            for key in change.rates() {
                if !touched
                    .rates
                    .iter()
                    .any(|(p, s)| *p == key.pattern && *s == key.seconds)
                {
                    touched.rates.push((key.pattern.to_owned(), key.seconds));
                }
            }
            for id in change.budgets() {
                if !touched.budgets.iter().any(|b| b == id) {
                    touched.budgets.push(id.to_owned());
                }
            }
        }
        if change.keeps_session() && !touched.sessions.iter().any(|s| s == change.session()) {
            touched.sessions.push(change.session().to_owned());
        }
        self.state.apply(change);
    }
}

fn day_text(day: DayState) -> String {
    format!("{} {} {}", day.day, day.calls, day.cost.millionths())
}

fn parse_day(text: &str) -> Option<DayState> {
    let mut parts = text.split(' ');
    let (Some(day), Some(calls), Some(cost), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some(DayState {
        day: day.parse().ok()?,
        calls: calls.parse().ok()?,
        cost: parse_cost(cost)?,
    })
}

fn parse_cost(text: &str) -> Option<Decimal> {
    text.parse().ok().map(Decimal::from_millionths)
}

fn parse_entry(text: &str) -> Option<(Timestamp, Effect, &str)> {
    let mut parts = text.splitn(3, ' ');
    let micros: i128 = parts.next()?.parse().ok()?;
    let effect = match parts.next()? {
        "permit" => Effect::Permit,
        "deny" => Effect::Deny,
        "defer" => Effect::Defer,
        _ => return None,
    };
    let tool = parts.next()?;
    Some((
        Timestamp::from_unix(Decimal::from_millionths(micros)),
        effect,
        tool,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_written() {
        let fields = [
            ("v".to_owned(), "7".to_owned()),
            ("d".to_owned(), "20000 3 1500000".to_owned()),
            ("b:refunds".to_owned(), "20000 2 250000".to_owned()),
            ("r:60:stripe/*".to_owned(), "33333 19".to_owned()),
        ];
        let sessions = vec![(
            "s1".to_owned(),
            "4 2500000".to_owned(),
            vec!["1700000000000000 permit stripe/charge".to_owned()],
        )];
        let snapshot = Snapshot::parse("bot", &fields, sessions).expect("parses");
        let state = snapshot.agent("bot").expect("the agent");
        assert_eq!(snapshot.version(), 7);
        assert_eq!((state.day.day, state.day.calls), (20000, 3));
        assert_eq!(state.day.cost, Decimal::from_millionths(1_500_000));
        assert_eq!(state.budget("refunds").calls, 2);
        let key = RateKey {
            pattern: "stripe/*",
            seconds: 60,
        };
        assert_eq!(state.rate(key).in_window(33333), 19);
        let session = state.session("s1").expect("session");
        assert_eq!(session.calls, 4);
        let entry = session.history.iter().next().expect("an entry");
        assert_eq!(
            (entry.tool.as_str(), entry.effect),
            ("stripe/charge", Effect::Permit)
        );
        assert_eq!(entry.time, Timestamp::from_unix_seconds(1_700_000_000));
        assert!(snapshot.agent("other").is_none());
        assert!(!snapshot.changed());
    }

    #[test]
    fn a_value_this_service_did_not_write_is_refused() {
        let fields = [("r:60:stripe/*".to_owned(), "x 1".to_owned())];
        assert!(Snapshot::parse("bot", &fields, Vec::new()).is_err());
        let sessions = vec![("s".to_owned(), "1".to_owned(), Vec::new())];
        assert!(Snapshot::parse("bot", &[], sessions).is_err());
    }
}
