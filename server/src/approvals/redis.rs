//! Approvals in Redis, shared by every replica that names the same Redis (`--state redis://…`).
//! Each operation that changes an approval is one Lua script, so it is atomic across replicas:
//! an approval is resolved once (the second resolution is a conflict) and an approved approval
//! is used once, whichever replicas the calls reach.
//!
//! Keys all carry the hash tag `{approvals}`: `fpl:{approvals}:a:<id>` (a hash per approval),
//! one sorted set per state by creation time (`fpl:{approvals}:pending`, …: `list` reads the
//! states asked for, never the keyspace), `fpl:{approvals}:due` (pending ones by expiry),
//! `fpl:{approvals}:ended` (ended ones by the time they ended, to forget them after `keep`, or
//! the oldest first once more than the bound are kept)
//! `fpl:{approvals}:changes` (a counter every change bumps), and the live approvals (created and
//! not past their expiry) by expiry, `fpl:{approvals}:live` for all and
//! `fpl:{approvals}:live:<agent>` for each agent: the bounds of [`ApprovalLimits`] hold for
//! every replica together, besides each replica's own [`super::Quota`]. An agent's set expires
//! with its last approval. On Redis Cluster one hash tag
//! puts them in one slot, which a script needs (all its keys in one slot) to change an approval
//! and its indexes together, and which `list` and `expire` need since they span every agent.
//! Approvals are human-paced, so one slot holds them easily. `list` and `expire` read ids from an
//! index first, then name those approvals' keys: every script declares each key it touches,
//! as Redis Cluster asks.
//!
//! Long polls wait on a `watch` channel that this process bumps after its own changes, and that
//! a background task bumps when it sees the counter in Redis change (another replica changed
//! an approval). The task polls every [`POLL`] while anybody waits, and stops when nobody does.
//!
//! The scripts repeat the state machine of [`Approval`] (resolve, claim, release, expire) in
//! Lua: Redis runs them, so they cannot call it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fpl_runtime::Timestamp;
use fpl_runtime::log::Record;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{
    Approval, ApprovalLimits, ApprovalStore, Binding, Claim, Inserted, Resolution, ResolveError,
    State, StoreError, StoreFuture, Stored, person,
};
use crate::state::{Redis, Unreachable};

/// How often the change counter is read while a long poll waits.
const POLL: Duration = Duration::from_millis(150);
/// The most approvals one `expire` marks or forgets; the next sweep does the rest.
const EXPIRE_BATCH: usize = 1000;
/// The prefix of every key.
const PREFIX: &str = "fpl:{approvals}:";
/// The states, in the order of their index keys after the approval key.
const STATES: [State; 5] = [
    State::Pending,
    State::Approved,
    State::Denied,
    State::Expired,
    State::Used,
];

/// Shared by every script: KEYS[1] is an approval's key (or the prefix of approval keys), then
/// the index of each state, the due, ended and changes keys. `at` is the state at `now`: a
/// pending approval past its expiry is expired. `forget` deletes an approval and its entries in
/// the indexes.
const PRELUDE: &str = r"
local index = {pending = KEYS[2], approved = KEYS[3], denied = KEYS[4], expired = KEYS[5],
  used = KEYS[6]}
local due, ended, changes = KEYS[7], KEYS[8], KEYS[9]
local function at(key, now)
  local state = redis.call('HGET', key, 'state')
  if state == 'pending' and tonumber(redis.call('HGET', key, 'expires')) <= now then
    return 'expired'
  end
  return state
end
-- Redis keeps the writes a failing script made: the write that fails on a malformed approval
-- (no id or created) goes first, so nothing is half changed.
local function move(key, from, to)
  local id = redis.call('HGET', key, 'id')
  redis.call('ZADD', index[to], redis.call('HGET', key, 'created'), id)
  redis.call('ZREM', index[from], id)
  redis.call('HSET', key, 'state', to)
  return id
end
local function forget(key, id)
  redis.call('DEL', key)
  for _, name in pairs(index) do redis.call('ZREM', name, id) end
  redis.call('ZREM', due, id)
  redis.call('ZREM', ended, id)
end
";

/// KEYS after the shared ones: the live approvals of all agents and of this one. ARGV: id,
/// created, expires (microseconds), the bound per agent and in all, then the hash's fields and
/// values. 0 when a bound is reached, and nothing is written.
const INSERT: &str = r"
local live, mine = KEYS[10], KEYS[11]
redis.call('ZREMRANGEBYSCORE', live, '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', mine, '-inf', ARGV[2])
if redis.call('ZCARD', mine) >= tonumber(ARGV[4]) or redis.call('ZCARD', live) >= tonumber(ARGV[5])
then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('ZADD', index.pending, ARGV[2], ARGV[1])
redis.call('ZADD', due, ARGV[3], ARGV[1])
redis.call('ZADD', live, ARGV[3], ARGV[1])
redis.call('ZADD', mine, ARGV[3], ARGV[1])
local last = redis.call('ZRANGE', mine, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', mine, math.floor(tonumber(last[2]) / 1000) + 1)
redis.call('INCR', changes)
return 1
";

/// KEYS after the shared ones: the live approvals of all agents and of the approval's. ARGV: id.
const WITHDRAW: &str = r"
forget(KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[10], ARGV[1])
redis.call('ZREM', KEYS[11], ARGV[1])
redis.call('INCR', changes)
return 1
";

/// ARGV: the state to enter, approver, comment, whether there is a comment (`1`), now, the
/// approver as a person (`person`, compared with the principal's).
const RESOLVE: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'missing'} end
local now = tonumber(ARGV[5])
local state = at(key, now)
if state ~= 'pending' then return {'conflict', state} end
local principal = redis.call('HGET', key, 'principal_person') or redis.call('HGET', key, 'principal')
if principal == ARGV[6] then return {'self'} end
local id = move(key, 'pending', ARGV[1])
redis.call('HSET', key, 'approver', ARGV[2], 'resolved', ARGV[5])
if ARGV[4] == '1' then redis.call('HSET', key, 'comment', ARGV[3]) end
redis.call('ZREM', due, id)
if ARGV[1] == 'denied' then redis.call('ZADD', ended, ARGV[5], id) end
redis.call('INCR', changes)
return {'ok', unpack(redis.call('HGETALL', key))}
";

/// ARGV: the binding of the call, now.
const CLAIM: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'invalid'} end
if redis.call('HGET', key, 'binding') ~= ARGV[1] then return {'invalid'} end
local state = at(key, tonumber(ARGV[2]))
if state == 'approved' then
  local id = move(key, 'approved', 'used')
  redis.call('ZADD', ended, redis.call('HGET', key, 'resolved'), id)
  redis.call('INCR', changes)
elseif state ~= 'pending' and state ~= 'denied' then
  return {'invalid'}
end
return {state, unpack(redis.call('HGETALL', key))}
";

/// No ARGV.
const RELEASE: &str = r"
local key = KEYS[1]
if redis.call('HGET', key, 'state') ~= 'used' then return 0 end
local id = move(key, 'used', 'approved')
redis.call('ZREM', ended, id)
redis.call('INCR', changes)
return 1
";

/// ARGV: now, forget what ended before this, the most to mark or forget, the most ended
/// approvals to keep. The ids of the pending approvals due, and of the ended ones to forget
/// (those that ended before the cut, then the oldest beyond the bound), as two lists:
/// [`EXPIRE`] then changes them with their keys declared.
const DUE: &str = r"
local limit = tonumber(ARGV[3])
local expiring = redis.call('ZRANGEBYSCORE', due, '-inf', ARGV[1], 'LIMIT', 0, limit)
local forgetting = redis.call('ZRANGEBYSCORE', ended, '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit)
local old = #forgetting
local over = math.min(redis.call('ZCARD', ended) - old - tonumber(ARGV[4]), limit)
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', ended, old, old + over - 1)) do
    forgetting[#forgetting + 1] = id
  end
end
return {expiring, forgetting}
";

/// KEYS after the shared ones: the approval keys of the ids in ARGV. ARGV: now, how many ids
/// to expire, then those ids, then the ids to forget. An id is expired only while it is still
/// due and pending, and forgotten only while it has still ended: another replica may have
/// changed it since [`DUE`] read it. The expired approvals' hashes.
const EXPIRE: &str = r"
local now = tonumber(ARGV[1])
local expiring = tonumber(ARGV[2])
local out = {}
for i = 1, expiring do
  local id, key = ARGV[2 + i], KEYS[9 + i]
  local at = redis.call('ZSCORE', due, id)
  if at and tonumber(at) <= now then
    redis.call('ZREM', due, id)
    if redis.call('HGET', key, 'state') == 'pending' and redis.call('HEXISTS', key, 'created') == 1
    then
      move(key, 'pending', 'expired')
      redis.call('ZADD', ended, redis.call('HGET', key, 'expires'), id)
      out[#out + 1] = redis.call('HGETALL', key)
    end
  end
end
for i = expiring + 1, #ARGV - 2 do
  local id, key = ARGV[2 + i], KEYS[9 + i]
  if redis.call('ZSCORE', ended, id) then forget(key, id) end
end
if #out > 0 then redis.call('INCR', changes) end
return out
";

/// ARGV: the states whose approvals to read. Their ids, read at one instant; `list` then reads
/// each approval's hash.
const LIST: &str = r"
local out = {}
for i = 1, #ARGV do
  for _, id in ipairs(redis.call('ZRANGE', index[ARGV[i]], 0, -1)) do out[#out + 1] = id end
end
return out
";

/// The parts of an approval that never change, as JSON in its hash's `body`.
#[derive(Debug, Serialize, Deserialize)]
struct Body {
    id: String,
    binding: Binding,
    rule: Option<String>,
    reason: Option<String>,
    notify: Option<String>,
    /// Microseconds since the epoch.
    created: i64,
    /// Microseconds since the epoch.
    expires: i64,
    principal: Option<String>,
    record: Record,
}

/// The scripts, each with [`PRELUDE`].
#[derive(Debug)]
struct Scripts {
    insert: redis::Script,
    resolve: redis::Script,
    claim: redis::Script,
    release: redis::Script,
    withdraw: redis::Script,
    due: redis::Script,
    expire: redis::Script,
    list: redis::Script,
}

/// Approvals kept in Redis.
#[derive(Debug)]
pub(crate) struct RedisApprovals {
    redis: Arc<Redis>,
    scripts: Scripts,
    /// Bumped after each change this process makes, and by the poller for other replicas'.
    changes: Arc<watch::Sender<u64>>,
    /// Whether the poller runs; held while subscribing so a poller never stops unseen.
    polling: Arc<Mutex<bool>>,
    /// The bounds on live approvals, for every replica together.
    limits: ApprovalLimits,
    /// How many ended approvals are kept at most (each sweep forgets the oldest beyond it).
    max_ended: usize,
}

impl RedisApprovals {
    /// Approvals kept in `redis` within `limits`, with at most about `max_ended` ended ones.
    pub fn new(redis: Arc<Redis>, limits: ApprovalLimits, max_ended: usize) -> RedisApprovals {
        let script = |body: &str| redis::Script::new(&format!("{PRELUDE}{body}"));
        RedisApprovals {
            redis,
            scripts: Scripts {
                insert: script(INSERT),
                resolve: script(RESOLVE),
                claim: script(CLAIM),
                release: script(RELEASE),
                withdraw: script(WITHDRAW),
                due: script(DUE),
                expire: script(EXPIRE),
                list: script(LIST),
            },
            changes: Arc::new(watch::Sender::new(0)),
            polling: Arc::new(Mutex::new(false)),
            limits,
            max_ended,
        }
    }

    /// `script` with an approval key (or the prefix of approval keys) and the index keys.
    fn invocation<'s>(&self, script: &'s redis::Script, key: &str) -> redis::ScriptInvocation<'s> {
        let mut invocation = script.key(key);
        for state in STATES {
            invocation.key(format!("{PREFIX}{state}"));
        }
        invocation
            .key(format!("{PREFIX}due"))
            .key(format!("{PREFIX}ended"))
            .key(changes_key());
        invocation
    }

    /// The hashes of the approvals `ids` (field, value, …; empty for one that is gone), read
    /// in one round trip.
    async fn hashes(&self, ids: &[String]) -> Stored<Vec<Vec<String>>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipeline = redis::pipe();
        for id in ids {
            pipeline.cmd("HGETALL").arg(approval_key(id));
        }
        let mut connection = self.redis.connection().await?;
        self.redis
            .within(async {
                let hashes = pipeline
                    .query_async(&mut connection)
                    .await
                    .map_err(Unreachable::from)?;
                Ok::<_, StoreError>(hashes)
            })
            .await
    }

    /// Tells this process's long polls that something changed.
    fn changed(&self) {
        self.changes
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    async fn insert(&self, approval: Approval) -> Stored<Inserted> {
        let key = approval_key(&approval.id);
        let body = Body {
            id: approval.id.clone(),
            binding: approval.binding.clone(),
            rule: approval.rule.clone(),
            reason: approval.reason.clone(),
            notify: approval.notify.clone(),
            created: approval.created.unix_micros(),
            expires: approval.expires.unix_micros(),
            principal: approval.principal.clone(),
            record: approval.record.clone(),
        };
        let body = serde_json::to_string(&body).map_err(|error| malformed(&key, &error))?;
        let binding =
            serde_json::to_string(&approval.binding).map_err(|error| malformed(&key, &error))?;
        let mut invocation = self.invocation(&self.scripts.insert, &key);
        live_keys(&mut invocation, &approval.binding.agent)
            .arg(&approval.id)
            .arg(approval.created.unix_micros())
            .arg(approval.expires.unix_micros())
            .arg(self.limits.per_agent)
            .arg(self.limits.total)
            .arg("id")
            .arg(&approval.id)
            .arg("state")
            .arg(approval.state.as_str())
            .arg("binding")
            .arg(binding)
            .arg("created")
            .arg(approval.created.unix_micros())
            .arg("expires")
            .arg(approval.expires.unix_micros())
            .arg("body")
            .arg(body);
        if let Some(principal) = &approval.principal {
            invocation.arg("principal").arg(principal);
            invocation.arg("principal_person").arg(person(principal));
        }
        let kept: i64 = self.redis.invoke(&invocation).await?;
        if kept == 0 {
            return Ok(Inserted::AtBound);
        }
        self.changed();
        Ok(Inserted::Kept)
    }

    async fn get(&self, id: &str, now: Timestamp) -> Stored<Option<Approval>> {
        let fields = self.hashes(&[id.to_owned()]).await?.pop();
        match fields {
            Some(fields) if !fields.is_empty() => Ok(Some(decode_pairs(fields)?.at(now))),
            _ => Ok(None),
        }
    }

    async fn list(&self, state: Option<State>, now: Timestamp) -> Stored<Vec<Approval>> {
        // A pending approval past its expiry is expired, whether or not it was marked yet.
        let read: &[State] = match state {
            None => &STATES,
            Some(State::Expired) => &[State::Pending, State::Expired],
            Some(State::Pending) => &[State::Pending],
            Some(State::Approved) => &[State::Approved],
            Some(State::Denied) => &[State::Denied],
            Some(State::Used) => &[State::Used],
        };
        let mut invocation = self.invocation(&self.scripts.list, &approval_key(""));
        for state in read {
            invocation.arg(state.as_str());
        }
        let ids: Vec<String> = self.redis.invoke(&invocation).await?;
        let replies = self.hashes(&ids).await?;
        let mut found = Vec::with_capacity(replies.len());
        // One forgotten since its id was read has no fields left.
        for reply in replies.into_iter().filter(|reply| !reply.is_empty()) {
            let approval = decode_pairs(reply)?.at(now);
            if state.is_none_or(|state| approval.state == state) {
                found.push(approval);
            }
        }
        found.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Ok(found)
    }

    async fn resolve(
        &self,
        id: &str,
        resolution: Resolution,
        approver: &str,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Stored<Result<Approval, ResolveError>> {
        let key = approval_key(id);
        let entered = match resolution {
            Resolution::Approve => State::Approved,
            Resolution::Deny => State::Denied,
        };
        let mut invocation = self.invocation(&self.scripts.resolve, &key);
        invocation
            .arg(entered.as_str())
            .arg(approver)
            .arg(comment.unwrap_or(""))
            .arg(if comment.is_some() { "1" } else { "0" })
            .arg(now.unix_micros())
            .arg(person(approver));
        let mut reply: Vec<String> = self.redis.invoke(&invocation).await?;
        let status = status(&key, &mut reply)?;
        Ok(match status.as_str() {
            "ok" => {
                self.changed();
                Ok(decode_pairs(reply)?)
            }
            "missing" => Err(ResolveError::NotFound(id.to_owned())),
            "self" => Err(ResolveError::SelfApproval(approver.to_owned())),
            "conflict" => {
                let state = reply
                    .first()
                    .and_then(|state| State::parse(state))
                    .ok_or_else(|| malformed(&key, &"a conflict without a state"))?;
                Err(ResolveError::Conflict {
                    id: id.to_owned(),
                    state,
                })
            }
            other => return Err(malformed(&key, &format!("unknown answer `{other}`"))),
        })
    }

    async fn claim(&self, id: &str, binding: &Binding, now: Timestamp) -> Stored<Claim> {
        let key = approval_key(id);
        let binding = serde_json::to_string(binding).map_err(|error| malformed(&key, &error))?;
        let mut invocation = self.invocation(&self.scripts.claim, &key);
        invocation.arg(binding).arg(now.unix_micros());
        let mut reply: Vec<String> = self.redis.invoke(&invocation).await?;
        let status = status(&key, &mut reply)?;
        if status == "invalid" {
            return Ok(Claim::Invalid);
        }
        let approval = decode_pairs(reply)?;
        Ok(match status.as_str() {
            "approved" => {
                self.changed();
                Claim::Approved(approval)
            }
            "pending" => Claim::Pending(approval),
            "denied" => Claim::Denied(approval),
            other => return Err(malformed(&key, &format!("unknown answer `{other}`"))),
        })
    }

    async fn release(&self, id: &str) -> Stored<()> {
        let invocation = self.invocation(&self.scripts.release, &approval_key(id));
        let released: i64 = self.redis.invoke(&invocation).await?;
        if released == 1 {
            self.changed();
        }
        Ok(())
    }

    async fn withdraw(&self, id: &str, agent: &str) -> Stored<()> {
        let mut invocation = self.invocation(&self.scripts.withdraw, &approval_key(id));
        live_keys(&mut invocation, agent).arg(id);
        let _: i64 = self.redis.invoke(&invocation).await?;
        self.changed();
        Ok(())
    }

    async fn expire(&self, now: Timestamp, keep: Duration) -> Stored<Vec<Approval>> {
        let keep = i64::try_from(keep.as_micros()).unwrap_or(i64::MAX);
        let mut invocation = self.invocation(&self.scripts.due, &approval_key(""));
        invocation
            .arg(now.unix_micros())
            .arg(now.unix_micros().saturating_sub(keep))
            .arg(EXPIRE_BATCH)
            .arg(self.max_ended);
        let (expiring, forgetting): (Vec<String>, Vec<String>) =
            self.redis.invoke(&invocation).await?;
        if expiring.is_empty() && forgetting.is_empty() {
            return Ok(Vec::new());
        }
        // Every approval the script changes is a declared key, as Redis Cluster asks.
        let mut invocation = self.invocation(&self.scripts.expire, &approval_key(""));
        for id in expiring.iter().chain(&forgetting) {
            invocation.key(approval_key(id));
        }
        invocation.arg(now.unix_micros()).arg(expiring.len());
        for id in expiring.iter().chain(&forgetting) {
            invocation.arg(id);
        }
        let replies: Vec<Vec<String>> = self.redis.invoke(&invocation).await?;
        let expired = replies
            .into_iter()
            .map(decode_pairs)
            .collect::<Stored<Vec<_>>>()?;
        if !expired.is_empty() {
            self.changed();
        }
        Ok(expired)
    }

    /// Polls the change counter every [`POLL`] and bumps `changes` when another replica
    /// changed an approval, until nobody waits. A failed read is skipped: long polls still end
    /// at their deadline, and see the store fail when they read.
    fn spawn_poller(&self) {
        let redis = Arc::clone(&self.redis);
        let changes = Arc::clone(&self.changes);
        let polling = Arc::clone(&self.polling);
        tokio::spawn(async move {
            // The first read wakes every waiter (a waiter checks again and waits on): a change
            // made between a waiter's subscribing and that read is not missed.
            let mut seen: Option<u64> = None;
            let mut ticks = tokio::time::interval(POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                {
                    let mut polling = locked(&polling);
                    if changes.receiver_count() == 0 {
                        *polling = false;
                        return;
                    }
                }
                let Ok(count) = read_changes(&redis).await else {
                    continue;
                };
                if seen != Some(count) {
                    changes.send_modify(|count| *count = count.wrapping_add(1));
                }
                seen = Some(count);
            }
        });
    }
}

impl ApprovalStore for RedisApprovals {
    fn insert(&self, approval: Approval) -> StoreFuture<'_, Stored<Inserted>> {
        Box::pin(self.insert(approval))
    }

    fn get<'a>(&'a self, id: &'a str, now: Timestamp) -> StoreFuture<'a, Stored<Option<Approval>>> {
        Box::pin(self.get(id, now))
    }

    fn list(&self, state: Option<State>, now: Timestamp) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        Box::pin(self.list(state, now))
    }

    fn resolve<'a>(
        &'a self,
        id: &'a str,
        resolution: Resolution,
        approver: &'a str,
        comment: Option<&'a str>,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Result<Approval, ResolveError>>> {
        Box::pin(self.resolve(id, resolution, approver, comment, now))
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        binding: &'a Binding,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Claim>> {
        Box::pin(self.claim(id, binding, now))
    }

    fn release<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Stored<()>> {
        Box::pin(self.release(id))
    }

    fn withdraw<'a>(&'a self, id: &'a str, agent: &'a str) -> StoreFuture<'a, Stored<()>> {
        Box::pin(self.withdraw(id, agent))
    }

    fn expire(&self, now: Timestamp, keep: Duration) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        Box::pin(self.expire(now, keep))
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        let mut polling = locked(&self.polling);
        let receiver = self.changes.subscribe();
        if !*polling {
            *polling = true;
            self.spawn_poller();
        }
        receiver
    }
}

/// The counter every change bumps (0 before the first).
async fn read_changes(redis: &Redis) -> Result<u64, Unreachable> {
    let mut connection = redis.connection().await?;
    redis
        .within(async {
            let count: Option<u64> = redis::cmd("GET")
                .arg(changes_key())
                .query_async(&mut connection)
                .await?;
            Ok(count.unwrap_or(0))
        })
        .await
}

fn locked(polling: &Mutex<bool>) -> std::sync::MutexGuard<'_, bool> {
    polling
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Adds the keys of the live approvals of all agents and of `agent` to `invocation`.
fn live_keys<'i, 's>(
    invocation: &'i mut redis::ScriptInvocation<'s>,
    agent: &str,
) -> &'i mut redis::ScriptInvocation<'s> {
    invocation
        .key(format!("{PREFIX}live"))
        .key(format!("{PREFIX}live:{agent}"))
}

/// The hash of approval `id`.
fn approval_key(id: &str) -> String {
    format!("{PREFIX}a:{id}")
}

fn changes_key() -> String {
    format!("{PREFIX}changes")
}

/// A script's first element, its status; `reply` keeps the rest.
fn status(key: &str, reply: &mut Vec<String>) -> Stored<String> {
    if reply.is_empty() {
        return Err(malformed(key, &"an empty answer"));
    }
    Ok(reply.remove(0))
}

/// An approval from its hash as `field, value, …`.
pub(crate) fn decode_pairs(pairs: Vec<String>) -> Stored<Approval> {
    let mut fields = HashMap::with_capacity(pairs.len() / 2);
    let mut pairs = pairs.into_iter();
    while let (Some(name), Some(value)) = (pairs.next(), pairs.next()) {
        fields.insert(name, value);
    }
    decode(fields)
}

/// An approval from its hash's fields.
fn decode(mut fields: HashMap<String, String>) -> Stored<Approval> {
    let key = &approval_key(fields.get("id").map_or("?", String::as_str));
    let body = fields
        .get("body")
        .ok_or_else(|| malformed(key, &"no `body`"))?;
    let body: Body = serde_json::from_str(body).map_err(|error| malformed(key, &error))?;
    let state = fields
        .get("state")
        .and_then(|state| State::parse(state))
        .ok_or_else(|| malformed(key, &"no valid `state`"))?;
    let resolved = match fields.get("resolved") {
        None => None,
        Some(micros) => Some(
            micros
                .parse::<i64>()
                .map_err(|error| malformed(key, &error))?,
        ),
    };
    Ok(Approval {
        id: body.id,
        state,
        binding: body.binding,
        rule: body.rule,
        reason: body.reason,
        notify: body.notify,
        created: from_micros(body.created),
        expires: from_micros(body.expires),
        principal: body.principal,
        approver: fields.remove("approver"),
        comment: fields.remove("comment"),
        resolved: resolved.map(from_micros),
        record: body.record,
    })
}

fn from_micros(micros: i64) -> Timestamp {
    Timestamp::from_unix(fpl_runtime::Decimal::from_millionths(i128::from(micros)))
}

/// [`StoreError::Malformed`] at `key`.
fn malformed(key: &str, problem: &dyn std::fmt::Display) -> StoreError {
    StoreError::Malformed {
        key: key.to_owned(),
        problem: problem.to_string(),
    }
}
