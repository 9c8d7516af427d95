//! The Redis store: one agent's state read by one script and written back by another that
//! first checks the agent's version (optimistic concurrency), so replicas sharing a Redis
//! decide as one evaluator deciding the same requests one at a time.
//!
//! Keys put the agent in a hash tag (`fpl:{agent}`, `fpl:{agent}:s:<session>`,
//! `fpl:{agent}:h:<session>`) so one Redis Cluster slot holds an agent and both scripts touch
//! one slot. Every write renews the keys' expiry ([`STATE_TTL`]).

use std::sync::Arc;
use std::time::Duration;

use fpl_runtime::state::HISTORY_LEN;

use super::connection::{Redis, Unreachable};
use super::snapshot::{Snapshot, Unreadable, VERSION};

/// How long state lives after its agent's last write: longer than the longest rate-limit
/// window and UTC day; a session idle for longer starts afresh.
pub(crate) const STATE_TTL: Duration = Duration::from_secs(8 * 24 * 3600);

/// Reads the agent hash, then per session its value and history: one flat array of
/// `n, field, value…` then per session `value, n, entry…`.
const LOAD: &str = r"
local out = {}
local fields = redis.call('HGETALL', KEYS[1])
out[1] = #fields / 2
for i = 1, #fields do out[#out + 1] = fields[i] end
for k = 2, #KEYS, 2 do
  out[#out + 1] = redis.call('GET', KEYS[k]) or ''
  local history = redis.call('LRANGE', KEYS[k + 1], 0, -1)
  out[#out + 1] = #history
  for i = 1, #history do out[#out + 1] = history[i] end
end
return out
";

/// Writes back if the agent's version is still ARGV[1]: ARGV[2] is the expiry in seconds,
/// then `n, field, value…` of the agent hash, then per session `value, n, entry…`.
const COMMIT: &str = r"
local version = tonumber(redis.call('HGET', KEYS[1], 'VERSION') or '0')
if version ~= tonumber(ARGV[1]) then return 0 end
local ttl = tonumber(ARGV[2])
local i = 4
redis.call('HINCRBY', KEYS[1], 'VERSION', 1)
for j = 1, tonumber(ARGV[3]) do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('EXPIRE', KEYS[1], ttl)
for k = 2, #KEYS, 2 do
  redis.call('SET', KEYS[k], ARGV[i], 'EX', ttl)
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  for j = 1, n do
    redis.call('RPUSH', KEYS[k + 1], ARGV[i])
    i = i + 1
  end
  if n > 0 then
    redis.call('LTRIM', KEYS[k + 1], -HISTORY_LEN, -1)
    redis.call('EXPIRE', KEYS[k + 1], ttl)
  end
end
return 1
";

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// Redis did not answer.
    #[error(transparent)]
    Unreachable(#[from] Unreachable),
    /// The store holds a value this service did not write.
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
    /// The load script answered something other than its array.
    #[error("unexpected answer from the load script")]
    Shape,
}

/// A Redis state store.
#[derive(Debug)]
pub(crate) struct RedisStore {
    redis: Arc<Redis>,
    load: redis::Script,
    commit: redis::Script,
}

impl RedisStore {
    /// A store in `redis`.
    pub fn new(redis: Arc<Redis>) -> RedisStore {
        let commit = COMMIT
            .replace("VERSION", VERSION)
            .replace("HISTORY_LEN", &HISTORY_LEN.to_string());
        RedisStore {
            redis,
            load: redis::Script::new(LOAD),
            commit: redis::Script::new(&commit),
        }
    }

    /// Reads `agent`'s state with `sessions`.
    pub async fn load(&self, agent: &str, sessions: &[&str]) -> Result<Snapshot, StoreError> {
        let mut invocation = self.load.key(agent_key(agent));
        for session in sessions {
            invocation
                .key(session_key(agent, session))
                .key(history_key(agent, session));
        }
        let reply: Vec<String> = self.redis.invoke(&invocation).await?;
        let mut reply = reply.into_iter();
        let fields_len = reply
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or(StoreError::Shape)?;
        let mut fields = Vec::with_capacity(fields_len);
        for _ in 0..fields_len {
            let (Some(name), Some(value)) = (reply.next(), reply.next()) else {
                return Err(StoreError::Shape);
            };
            fields.push((name, value));
        }
        let mut loaded = Vec::with_capacity(sessions.len());
        for session in sessions {
            let value = reply.next().ok_or(StoreError::Shape)?;
            let entries = reply
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or(StoreError::Shape)?;
            let history: Vec<String> = reply.by_ref().take(entries).collect();
            if history.len() != entries {
                return Err(StoreError::Shape);
            }
            loaded.push(((*session).to_owned(), value, history));
        }
        Ok(Snapshot::parse(agent, &fields, loaded)?)
    }

    /// Writes back what `snapshot`'s decisions changed, if the agent is still at the version
    /// read; `Ok(false)`: another decision changed it first, and nothing was written.
    pub async fn commit(&self, agent: &str, snapshot: &Snapshot) -> Result<bool, StoreError> {
        let writes = snapshot.writes();
        let mut invocation = self.commit.key(agent_key(agent));
        invocation
            .arg(snapshot.version())
            .arg(STATE_TTL.as_secs())
            .arg(writes.fields.len());
        for (name, value) in &writes.fields {
            invocation.arg(name).arg(value);
        }
        for (session, value, entries) in &writes.sessions {
            invocation
                .key(session_key(agent, session))
                .key(history_key(agent, session))
                .arg(value)
                .arg(entries.len());
            for entry in entries {
                invocation.arg(entry);
            }
        }
        let written: i64 = self.redis.invoke(&invocation).await?;
        Ok(written == 1)
    }

    /// Whether Redis answers `PING` within the timeout.
    pub async fn reachable(&self) -> Result<(), StoreError> {
        Ok(self.redis.ping().await?)
    }
}

/// The agent's hash: version, day, rate-limit windows and budget days.
fn agent_key(agent: &str) -> String {
    format!("fpl:{{{agent}}}")
}

/// A session's calls and spend.
fn session_key(agent: &str, session: &str) -> String {
    format!("fpl:{{{agent}}}:s:{session}")
}

/// A session's history, oldest first.
fn history_key(agent: &str, session: &str) -> String {
    format!("fpl:{{{agent}}}:h:{session}")
}
