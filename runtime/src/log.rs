//! The hash-chained decision log (§8): one canonical JSON record a line, each record's `hash`
//! covering the previous hash and its own canonical bytes. Append (under an exclusive file
//! lock, so concurrent writers extend one chain), verify (streaming, strict JSON) and repair.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical;
use crate::decision::{Decision, ReasonCode};
use crate::hex::to_hex;
use crate::ir::Effect;
use crate::json::JsonDoc;
use crate::lines::{BoundedLines, Line};
use crate::request::Request;
use crate::time::Timestamp;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The text that replaces a redacted argument value.
pub const REDACTED: &str = "[REDACTED]";

/// Errors of the decision log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Reading or writing the file failed.
    #[error("decision log i/o: {0}")]
    Io(std::io::Error),
    /// The existing log does not verify.
    #[error("decision log does not verify: {0}")]
    Broken(LogProblem),
    /// An earlier write failed; the log must be reopened (and repaired) before appending.
    #[error("decision log unusable after a failed write")]
    Poisoned,
    /// [`DecisionLog::open_exclusive`]: another process holds the log.
    #[error("the decision log is locked by another writer")]
    Locked,
}

/// By hand rather than `#[from]`: the message already shows the I/O error, so it is not also
/// the error's `source()`, which would print it twice.
impl From<std::io::Error> for LogError {
    fn from(error: std::io::Error) -> Self {
        LogError::Io(error)
    }
}

/// Options for [`DecisionLog::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// `fsync` each record before the decision is returned.
    pub sync: bool,
}

impl Default for LogOptions {
    fn default() -> LogOptions {
        LogOptions { sync: true }
    }
}

/// An open decision log. Appends hold an exclusive lock on the file and first read what other
/// writers appended since, so any number of processes extend one chain.
#[derive(Debug)]
pub struct DecisionLog {
    file: File,
    path: PathBuf,
    /// The chain as far as this log has read or written it.
    chain: Chain,
    options: LogOptions,
    poisoned: bool,
    /// A regular file, locked and read back; anything else (a pipe) is only appended to.
    regular: bool,
    /// The lock is held from open to drop, so nobody else appends ([`DecisionLog::open_exclusive`]).
    exclusive: bool,
}

/// One decision record before it is chained: every field of §8 but `seq`, `prev` and `hash`,
/// owned, so a record can be made while the evaluator is borrowed and written later (a group
/// commit writes many with one write and one `fsync`). A decision service also records each
/// change of an approval's state (§17) in the same chain, with [`Record::approval_event`].
/// A record serialises (serde) so a decision service can keep the record an approval was
/// created from in a store shared by its replicas.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    time: String,
    agent: String,
    session: String,
    tool: String,
    args_digest: String,
    entry: Entry,
    rule: Option<String>,
    policy: Option<String>,
    decision_id: Option<String>,
}

/// What a record is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Entry {
    /// A decision: its effect and reason code.
    Decision {
        #[serde(deserialize_with = "effect_name")]
        effect: Name,
        #[serde(deserialize_with = "reason_code_name")]
        reason_code: Name,
    },
    /// A change of an approval's state.
    Approval(ApprovalEvent),
}

/// A change of an approval's state (§17), recorded as `"event": "approval"` with an `approval`
/// object in place of a decision's `effect` and `reason_code`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApprovalEvent {
    /// The approval's id.
    pub id: String,
    /// The state it entered: one of [`APPROVAL_STATES`].
    #[serde(deserialize_with = "approval_state_name")]
    pub state: Name,
    /// Who approved or denied it.
    pub approver: Option<String>,
    /// The approver's comment.
    pub comment: Option<String>,
}

/// A name from a fixed set (an effect, a reason code, an approval state). An alias, so serde's
/// derive reads it with the functions below instead of borrowing it from the input.
type Name = &'static str;

/// The states an approval enters: `pending` (created), `approved`, `denied`, `expired`, `used`.
pub const APPROVAL_STATES: [&str; 5] = ["pending", "approved", "denied", "expired", "used"];

/// An effect's name read back as the `&'static str` [`Effect::as_str`] gives.
fn effect_name<'de, D: serde::Deserializer<'de>>(reader: D) -> Result<&'static str, D::Error> {
    <Effect as serde::Deserialize>::deserialize(reader).map(Effect::as_str)
}

/// A reason code read back as the `&'static str` [`ReasonCode::as_str`] gives.
fn reason_code_name<'de, D: serde::Deserializer<'de>>(reader: D) -> Result<&'static str, D::Error> {
    <ReasonCode as serde::Deserialize>::deserialize(reader).map(ReasonCode::as_str)
}

/// An approval state read back as one of [`APPROVAL_STATES`].
fn approval_state_name<'de, D: serde::Deserializer<'de>>(
    reader: D,
) -> Result<&'static str, D::Error> {
    let name = <String as serde::Deserialize>::deserialize(reader)?;
    APPROVAL_STATES
        .into_iter()
        .find(|state| *state == name)
        .ok_or_else(|| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&name), &"an approval state")
        })
}

impl Record {
    /// The record of `decision` for `request`.
    pub fn of(request: &Request, decision: &Decision<'_>) -> Record {
        Record {
            time: decision.time.rfc3339().as_str().to_owned(),
            agent: request.agent().to_owned(),
            session: request.session().to_owned(),
            tool: request.tool().to_owned(),
            args_digest: args_digest(request, decision),
            entry: Entry::Decision {
                effect: decision.effect.as_str(),
                reason_code: decision.reason_code.as_str(),
            },
            rule: decision.rule.map(|rule| rule.to_string()),
            policy: Some(decision.policy.to_owned()),
            decision_id: None,
        }
    }

    /// The record of a decision no policy made (a decision service without a valid bundle):
    /// `deny` with `reason_code`, no rule, `policy` null. Without a policy nothing names a path
    /// to redact, so the arguments are digested as they are.
    pub fn without_policy(request: &Request, time: Timestamp, reason_code: ReasonCode) -> Record {
        Record {
            time: time.rfc3339().as_str().to_owned(),
            agent: request.agent().to_owned(),
            session: request.session().to_owned(),
            tool: request.tool().to_owned(),
            args_digest: unredacted_args_digest(request),
            entry: Entry::Decision {
                effect: Effect::Deny.as_str(),
                reason_code: reason_code.as_str(),
            },
            rule: None,
            policy: None,
            decision_id: None,
        }
    }

    /// Names the decision as a decision service answered it (SPEC §17: `decision_id` is also
    /// written to the decision record).
    pub fn with_decision_id(mut self, id: String) -> Record {
        self.decision_id = Some(id);
        self
    }

    /// The record of an approval's change of state at `time`, about the call this decision
    /// record is about (its agent, session, tool, redacted `args_digest`, rule and policy), so
    /// redacted values never reach the log through an approval either. `decision_id` names the
    /// decision that caused the change, when one did (created, used).
    pub fn approval_event(
        &self,
        time: Timestamp,
        event: ApprovalEvent,
        decision_id: Option<String>,
    ) -> Record {
        Record {
            time: time.rfc3339().as_str().to_owned(),
            entry: Entry::Approval(event),
            decision_id,
            ..self.clone()
        }
    }

    /// The record's fields other than `prev` and `hash`.
    fn fields(&self, seq: u64) -> Map<String, Value> {
        let text = |s: &str| Value::String(s.to_owned());
        let mut record = Map::new();
        record.insert("seq".into(), Value::from(seq));
        record.insert("time".into(), text(&self.time));
        record.insert("agent".into(), text(&self.agent));
        record.insert("session".into(), text(&self.session));
        record.insert("tool".into(), text(&self.tool));
        record.insert("args_digest".into(), text(&self.args_digest));
        match &self.entry {
            Entry::Decision {
                effect,
                reason_code,
            } => {
                record.insert("effect".into(), text(effect));
                record.insert("reason_code".into(), text(reason_code));
            }
            Entry::Approval(event) => {
                let mut approval = Map::new();
                approval.insert("id".into(), text(&event.id));
                approval.insert("state".into(), text(event.state));
                if let Some(approver) = &event.approver {
                    approval.insert("approver".into(), text(approver));
                }
                if let Some(comment) = &event.comment {
                    approval.insert("comment".into(), text(comment));
                }
                record.insert("event".into(), text("approval"));
                record.insert("approval".into(), Value::Object(approval));
            }
        }
        record.insert(
            "rule".into(),
            self.rule.as_deref().map_or(Value::Null, text),
        );
        record.insert(
            "policy".into(),
            self.policy.as_deref().map_or(Value::Null, text),
        );
        if let Some(id) = &self.decision_id {
            record.insert("decision_id".into(), text(id));
        }
        record
    }
}

/// Where a verified chain ends.
#[derive(Debug, Clone)]
struct Chain {
    records: u64,
    last_hash: String,
    /// Bytes of the file holding those records.
    bytes: u64,
    /// The last record ends with `\n` (a complete record may lack it after a crash).
    newline: bool,
}

impl Chain {
    fn genesis() -> Chain {
        Chain {
            records: 0,
            last_hash: GENESIS.to_owned(),
            bytes: 0,
            newline: true,
        }
    }
}

/// The first problem found by [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogProblem {
    /// 1-based record (line) number.
    pub record: u64,
    /// What is wrong with it.
    pub kind: ProblemKind,
}

/// Kinds of log damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The record's content does not match its hash, or is not a record.
    Changed,
    /// One or more records before this one are missing.
    Removed,
    /// Records are out of order (or duplicated).
    Reordered,
    /// The last line is incomplete (a crash while writing); [`repair`] cuts it off.
    TornLastLine,
    /// The log ends before this record, which was read or written earlier: records were cut off
    /// the end.
    Truncated,
}

impl fmt::Display for LogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProblemKind::Changed => "was changed",
            ProblemKind::Removed => "follows removed records",
            ProblemKind::Reordered => "is out of order",
            ProblemKind::TornLastLine => "is a torn last line",
            ProblemKind::Truncated => "was cut off the end of the log",
        };
        write!(f, "record {} {what}", self.record)
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Complete records that verified before the first problem.
    pub records: u64,
    /// The hash of the last verified record (or [`GENESIS`]).
    pub last_hash: String,
    /// The first problem, if any.
    pub problem: Option<LogProblem>,
}

impl DecisionLog {
    /// Opens (or creates) a log for appending; an existing regular file must verify. A path that
    /// is not a regular file (a pipe, a device) is appended to without reading it.
    pub fn open(path: &Path, options: LogOptions) -> Result<DecisionLog, LogError> {
        let regular = match fs::metadata(path) {
            Ok(metadata) => metadata.is_file(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
            Err(error) => return Err(error.into()),
        };
        let file = OpenOptions::new()
            .create(true)
            .read(regular)
            .append(true)
            .open(path)?;
        let mut log = DecisionLog::new(file, path, options, regular, false);
        if regular {
            log.file.lock()?;
            let caught_up = log.catch_up();
            log.file.unlock()?;
            caught_up?;
        }
        Ok(log)
    }

    /// Opens (or creates) a regular-file log and keeps it locked until the log is dropped: one
    /// writer per file. Fails with [`LogError::Locked`] at once when another process holds the
    /// lock; appends then skip re-reading the file, since nobody else can extend it.
    pub fn open_exclusive(path: &Path, options: LogOptions) -> Result<DecisionLog, LogError> {
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(LogError::Locked),
            Err(std::fs::TryLockError::Error(error)) => return Err(error.into()),
        }
        let mut log = DecisionLog::new(file, path, options, true, true);
        log.catch_up()?;
        Ok(log)
    }

    /// A log that has read nothing yet.
    fn new(
        file: File,
        path: &Path,
        options: LogOptions,
        regular: bool,
        exclusive: bool,
    ) -> DecisionLog {
        DecisionLog {
            file,
            path: path.to_owned(),
            chain: Chain::genesis(),
            options,
            poisoned: false,
            regular,
            exclusive,
        }
    }

    /// The number of records in the log as far as this writer has seen it.
    pub fn records(&self) -> u64 {
        self.chain.records
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the record of `decision` for `request` (and fsyncs it when configured), after
    /// the records other writers appended since this one last wrote.
    pub fn append(&mut self, request: &Request, decision: &Decision<'_>) -> Result<(), LogError> {
        self.append_records(&[Record::of(request, decision)])
    }

    /// Writes `records` in order with one write (and one `fsync` when configured): a group
    /// commit. Either all of them are written or the log is poisoned.
    pub fn append_records(&mut self, records: &[Record]) -> Result<(), LogError> {
        if self.poisoned {
            return Err(LogError::Poisoned);
        }
        if !self.regular || self.exclusive {
            return self.write_records(records);
        }
        self.file.lock()?;
        let written = self.catch_up().and_then(|()| self.write_records(records));
        let unlocked = self.file.unlock();
        written?;
        Ok(unlocked?)
    }

    /// Reads and verifies what was appended after `self.chain` (the whole file at first), and
    /// ends a last record that lacks its newline. Called with the lock held.
    fn catch_up(&mut self) -> Result<(), LogError> {
        let length = self.file.metadata()?.len();
        if length < self.chain.bytes {
            return Err(LogError::Broken(LogProblem {
                record: self.chain.records,
                kind: ProblemKind::Truncated,
            }));
        }
        if length > self.chain.bytes {
            let mut reader = &self.file;
            reader.seek(SeekFrom::Start(self.chain.bytes))?;
            let mut chain = self.chain.clone();
            let problem = verify_from(reader.take(length - self.chain.bytes), &mut chain, None)?;
            if let Some(problem) = problem {
                return Err(LogError::Broken(problem));
            }
            self.chain = chain;
        }
        if !self.chain.newline {
            self.write_line(b"\n")?;
            self.chain.bytes += 1;
            self.chain.newline = true;
        }
        Ok(())
    }

    /// Chains `records` after `self.chain` and writes them at once; the chain advances only
    /// when the write succeeded.
    fn write_records(&mut self, records: &[Record]) -> Result<(), LogError> {
        let mut chain = self.chain.clone();
        let mut lines = String::new();
        for record in records {
            let seq = chain.records + 1;
            let mut fields = record.fields(seq);
            fields.insert("prev".into(), Value::String(chain.last_hash.clone()));
            let mut fields = Value::Object(fields);
            let hash = chain_hash(&chain.last_hash, &fields);
            if let Value::Object(map) = &mut fields {
                map.insert("hash".into(), Value::String(hash.clone()));
            }
            let start = lines.len();
            canonical::write_serde(&mut lines, &fields);
            lines.push('\n');
            chain = Chain {
                records: seq,
                last_hash: hash,
                bytes: chain.bytes + (lines.len() - start) as u64,
                newline: true,
            };
        }
        self.write_line(lines.as_bytes())?;
        self.chain = chain;
        Ok(())
    }

    /// Appends bytes (fsynced when configured); a failure poisons the log.
    fn write_line(&mut self, bytes: &[u8]) -> Result<(), LogError> {
        let written = self.file.write_all(bytes).and_then(|()| {
            if self.options.sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(error) = written {
            self.poisoned = true;
            return Err(error.into());
        }
        Ok(())
    }
}

/// The canonical JSON of the request's arguments with every redacted path replaced.
pub fn redacted_args_json(request: &Request, redact: &[&str]) -> String {
    let Some(args) = request.args() else {
        return "{}".to_owned();
    };
    let paths: Vec<Vec<&str>> = redact.iter().map(|p| p.split('.').collect()).collect();
    let mut out = String::new();
    canonical::write_json(&mut out, args, &mut Vec::new(), &|path: &[&str]| {
        paths
            .iter()
            .any(|p| p.as_slice() == path)
            .then_some(REDACTED)
    });
    out
}

/// Hex SHA-256 of [`redacted_args_json`] for the decision's redact list.
pub fn args_digest(request: &Request, decision: &Decision<'_>) -> String {
    let redact: Vec<&str> = decision.redact().collect();
    to_hex(&Sha256::digest(
        redacted_args_json(request, &redact).as_bytes(),
    ))
}

/// Hex SHA-256 of the RFC 8785 JSON of the request's arguments as they are (`{}` when absent):
/// what binds an approval to its call (§17), and the digest of a record no policy redacted.
pub fn unredacted_args_digest(request: &Request) -> String {
    to_hex(&Sha256::digest(redacted_args_json(request, &[]).as_bytes()))
}

/// Hex SHA-256 of ASCII hex `prev` followed by the canonical bytes of `record` (without `hash`).
fn chain_hash(prev: &str, record: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(canonical::to_canonical_string(record).as_bytes());
    to_hex(&hasher.finalize())
}

/// Longest line a record can take: its texts come from one request.
const MAX_RECORD_BYTES: usize = crate::request::MAX_REQUEST_BYTES + 4096;

/// Recomputes the chain and reports the first changed, removed, reordered or torn record.
/// Reads one bounded line at a time, so a log of any size (or a device) is read in constant
/// memory. A complete last record without its newline verifies.
pub fn verify(path: &Path) -> Result<VerifyReport, LogError> {
    Ok(verify_reader(File::open(path)?, None)?.0)
}

/// [`verify`], also finding the record whose hash is `head`, if given (ignoring ASCII case): a
/// head noted earlier that is no longer in the chain means records were cut off the end.
pub fn verify_anchored(
    path: &Path,
    head: Option<&str>,
) -> Result<(VerifyReport, Option<u64>), LogError> {
    verify_reader(File::open(path)?, head)
}

/// [`verify`] over any reader, also finding the record whose hash is `head`, if given.
pub fn verify_reader(
    input: impl Read,
    head: Option<&str>,
) -> Result<(VerifyReport, Option<u64>), LogError> {
    let mut chain = Chain::genesis();
    let mut found = None;
    let problem = verify_from(input, &mut chain, head.map(|head| (head, &mut found)))?;
    let report = VerifyReport {
        records: chain.records,
        last_hash: chain.last_hash,
        problem,
    };
    Ok((report, found))
}

/// Verifies the records of `input` as the continuation of `chain`, advancing it over every
/// record that verifies; returns the first problem. `anchor` is a hash to look for and where
/// its record number goes.
fn verify_from(
    input: impl Read,
    chain: &mut Chain,
    mut anchor: Option<(&str, &mut Option<u64>)>,
) -> Result<Option<LogProblem>, LogError> {
    let mut lines = BoundedLines::new(input, MAX_RECORD_BYTES);
    let first = chain.records;
    while let Some(line) = lines.next_line(&mut || Ok(()))? {
        let number = chain.records + 1;
        let fail = |kind| {
            Ok(Some(LogProblem {
                record: number,
                kind,
            }))
        };
        let (parsed, length) = match line {
            Line::Text(bytes) => (parse_record(bytes), Some(bytes.len() as u64)),
            Line::TooLong => (None, None),
        };
        let newline = lines.ended_with_newline();
        let Some((seq, prev, hash, computed)) = parsed else {
            let last = !newline && length.is_some();
            return fail(if last {
                ProblemKind::TornLastLine
            } else {
                ProblemKind::Changed
            });
        };
        if hash != computed {
            return fail(ProblemKind::Changed);
        }
        if seq != number {
            let reordered = seq < number || later_seq(&mut lines, number)?;
            return fail(if reordered {
                ProblemKind::Reordered
            } else {
                ProblemKind::Removed
            });
        }
        if prev != chain.last_hash {
            // This record is intact, so the one before it was rewritten with a fresh hash.
            return Ok(Some(LogProblem {
                record: number.saturating_sub(1).max(first + 1).max(1),
                kind: ProblemKind::Changed,
            }));
        }
        if let Some((head, found)) = anchor.as_mut()
            && hash.eq_ignore_ascii_case(head)
        {
            **found = Some(number);
        }
        *chain = Chain {
            records: number,
            last_hash: hash,
            bytes: chain.bytes + length.unwrap_or(0) + u64::from(newline),
            newline,
        };
    }
    Ok(None)
}

/// Whether a later line holds record `number` (so it was moved, not removed).
fn later_seq<R: Read>(lines: &mut BoundedLines<R>, number: u64) -> Result<bool, LogError> {
    while let Some(line) = lines.next_line(&mut || Ok(()))? {
        if let Line::Text(bytes) = line
            && parse_record(bytes).is_some_and(|(seq, ..)| seq == number)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Parses one line: `(seq, prev, hash, recomputed hash)`. A line with duplicate keys (or any
/// other strict-JSON fault) is not a record.
fn parse_record(line: &[u8]) -> Option<(u64, String, String, String)> {
    JsonDoc::parse(std::str::from_utf8(line).ok()?).ok()?;
    let mut value: Value = serde_json::from_slice(line).ok()?;
    let map = value.as_object_mut()?;
    let hash = map.remove("hash")?.as_str()?.to_owned();
    let seq = map.get("seq")?.as_u64()?;
    let prev = map.get("prev")?.as_str()?.to_owned();
    let computed = chain_hash(&prev, &value);
    Some((seq, prev, hash, computed))
}

/// What [`repair`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairReport {
    /// Records kept.
    pub records: u64,
    /// Bytes cut off the end.
    pub bytes_removed: u64,
}

/// Cuts a torn last line off atomically (`files::write_atomic_with`). Any other damage is
/// refused with [`LogError::Broken`]: repair never hides tampering.
pub fn repair(path: &Path) -> Result<RepairReport, LogError> {
    let mut file = File::open(path)?;
    let length = file.metadata()?.len();
    let mut chain = Chain::genesis();
    match verify_from(&file, &mut chain, None)? {
        None => {
            return Ok(RepairReport {
                records: chain.records,
                bytes_removed: 0,
            });
        }
        Some(LogProblem {
            kind: ProblemKind::TornLastLine,
            ..
        }) => {}
        Some(problem) => return Err(LogError::Broken(problem)),
    }
    crate::files::write_atomic_with(path, |out| {
        file.seek(SeekFrom::Start(0))?;
        std::io::copy(&mut (&file).take(chain.bytes), out).map(drop)
    })?;
    Ok(RepairReport {
        records: chain.records,
        bytes_removed: length - chain.bytes,
    })
}
