//! The hash-chained decision log (§8): one canonical JSON record a line, each record's `hash`
//! covering the previous hash and its own canonical bytes. Append, verify and repair.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical;
use crate::decision::Decision;
use crate::hex::to_hex;
use crate::request::Request;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The text that replaces a redacted argument value.
pub const REDACTED: &str = "[REDACTED]";

/// Errors of the decision log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Reading or writing the file failed.
    #[error("decision log i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The existing log does not verify.
    #[error("decision log does not verify: {0}")]
    Broken(LogProblem),
    /// An earlier write failed; the log must be reopened (and repaired) before appending.
    #[error("decision log unusable after a failed write")]
    Poisoned,
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

/// An open decision log, positioned after its last record.
#[derive(Debug)]
pub struct DecisionLog {
    file: File,
    path: PathBuf,
    seq: u64,
    prev: String,
    options: LogOptions,
    poisoned: bool,
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
}

impl fmt::Display for LogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProblemKind::Changed => "was changed",
            ProblemKind::Removed => "follows removed records",
            ProblemKind::Reordered => "is out of order",
            ProblemKind::TornLastLine => "is a torn last line",
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
        let regular = fs::metadata(path).map(|m| m.is_file());
        let report = if matches!(regular, Ok(true)) {
            verify(path)?
        } else {
            VerifyReport {
                records: 0,
                last_hash: GENESIS.to_owned(),
                problem: None,
            }
        };
        if let Some(problem) = report.problem {
            return Err(LogError::Broken(problem));
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(DecisionLog {
            file,
            path: path.to_owned(),
            seq: report.records,
            prev: report.last_hash,
            options,
            poisoned: false,
        })
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.seq
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the record of `decision` for `request` (and fsyncs it when configured).
    pub fn append(&mut self, request: &Request, decision: &Decision<'_>) -> Result<(), LogError> {
        if self.poisoned {
            return Err(LogError::Poisoned);
        }
        let seq = self.seq + 1;
        let mut record = record_fields(seq, request, decision);
        record.insert("prev".into(), Value::String(self.prev.clone()));
        let hash = chain_hash(&self.prev, &Value::Object(record.clone()));
        record.insert("hash".into(), Value::String(hash.clone()));
        let mut line = canonical::to_canonical_string(&Value::Object(record));
        line.push('\n');
        let written = self.file.write_all(line.as_bytes()).and_then(|()| {
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
        self.seq = seq;
        self.prev = hash;
        Ok(())
    }
}

/// The record's fields other than `prev` and `hash`.
fn record_fields(seq: u64, request: &Request, decision: &Decision<'_>) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("seq".into(), Value::from(seq));
    record.insert("time".into(), Value::String(decision.time.to_string()));
    record.insert("agent".into(), Value::String(request.agent().to_owned()));
    record.insert(
        "session".into(),
        Value::String(request.session().to_owned()),
    );
    record.insert("tool".into(), Value::String(request.tool().to_owned()));
    record.insert(
        "args_digest".into(),
        Value::String(args_digest(request, decision)),
    );
    record.insert(
        "effect".into(),
        Value::String(decision.effect.as_str().to_owned()),
    );
    record.insert(
        "reason_code".into(),
        Value::String(decision.reason_code.as_str().to_owned()),
    );
    record.insert(
        "rule".into(),
        decision
            .rule
            .map_or(Value::Null, |r| Value::String(r.to_string())),
    );
    record.insert("policy".into(), Value::String(decision.policy.to_owned()));
    record
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

/// Hex SHA-256 of ASCII hex `prev` followed by the canonical bytes of `record` (without `hash`).
fn chain_hash(prev: &str, record: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(canonical::to_canonical_string(record).as_bytes());
    to_hex(&hasher.finalize())
}

/// Recomputes the chain and reports the first changed, removed, reordered or torn record.
pub fn verify(path: &Path) -> Result<VerifyReport, LogError> {
    let bytes = fs::read(path)?;
    Ok(verify_bytes(&bytes).0)
}

/// Verification over bytes; also returns the byte length of the verified prefix.
fn verify_bytes(bytes: &[u8]) -> (VerifyReport, usize) {
    let mut report = VerifyReport {
        records: 0,
        last_hash: GENESIS.to_owned(),
        problem: None,
    };
    let mut offset = 0usize;
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // `split` yields a final empty piece after a trailing newline; anything else is torn.
    let torn = matches!(lines.pop(), Some(last) if !last.is_empty());
    let seqs: Vec<Option<u64>> = lines
        .iter()
        .map(|line| parse_record(line).map(|(seq, ..)| seq))
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let number = i as u64 + 1;
        let fail = |kind| {
            Some(LogProblem {
                record: number,
                kind,
            })
        };
        let Some((seq, prev, hash, computed)) = parse_record(line) else {
            report.problem = fail(ProblemKind::Changed);
            return (report, offset);
        };
        if hash != computed {
            report.problem = fail(ProblemKind::Changed);
            return (report, offset);
        }
        if seq != number {
            let reordered = seq < number || seqs[i + 1..].contains(&Some(number));
            report.problem = fail(if reordered {
                ProblemKind::Reordered
            } else {
                ProblemKind::Removed
            });
            return (report, offset);
        }
        if prev != report.last_hash {
            // This record is intact, so the one before it was rewritten with a fresh hash.
            report.problem = Some(LogProblem {
                record: number.saturating_sub(1).max(1),
                kind: ProblemKind::Changed,
            });
            return (report, offset);
        }
        report.records = number;
        report.last_hash = hash;
        offset += line.len() + 1;
    }
    if torn {
        report.problem = Some(LogProblem {
            record: report.records + 1,
            kind: ProblemKind::TornLastLine,
        });
    }
    (report, offset)
}

/// Parses one line: `(seq, prev, hash, recomputed hash)`.
fn parse_record(line: &[u8]) -> Option<(u64, String, String, String)> {
    let text = std::str::from_utf8(line).ok()?;
    let mut value: Value = serde_json::from_str(text).ok()?;
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

/// Cuts a torn last line off atomically (temp file, fsync, rename). Any other damage is
/// refused with [`LogError::Broken`]: repair never hides tampering.
pub fn repair(path: &Path) -> Result<RepairReport, LogError> {
    let bytes = fs::read(path)?;
    let (report, keep) = verify_bytes(&bytes);
    match report.problem {
        None => {
            return Ok(RepairReport {
                records: report.records,
                bytes_removed: 0,
            });
        }
        Some(LogProblem {
            kind: ProblemKind::TornLastLine,
            ..
        }) => {}
        Some(problem) => return Err(LogError::Broken(problem)),
    }
    let mut temp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    temp_name.push(".repair.tmp");
    let temp = path.with_file_name(temp_name);
    {
        let mut file = File::create(&temp)?;
        file.write_all(&bytes[..keep])?;
        file.sync_all()?;
    }
    fs::rename(&temp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(RepairReport {
        records: report.records,
        bytes_removed: (bytes.len() - keep) as u64,
    })
}
