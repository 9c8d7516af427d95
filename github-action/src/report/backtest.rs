//! The backtest of a pull request: recorded requests (JSONL, one request of SPEC §5 a line, as
//! `faramesh eval --requests` reads them) are decided in order by the base and by the head
//! policy, each with its own state as the runtime keeps it, and every request whose effect
//! differs is counted by (base effect, head effect), with examples.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fpl_analyzer::Analysis;
use fpl_runtime::lines::{BoundedLines, Line};
use fpl_runtime::{Evaluator, MAX_REQUEST_BYTES, Request};
use serde::Serialize;

/// How many examples each kind of flip keeps.
pub const EXAMPLES_PER_FLIP: usize = 3;

/// The most characters of a request an example shows.
const EXAMPLE_CHARS: usize = 300;

/// What the backtest found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Backtest {
    /// The log, as given.
    pub log: String,
    /// Non-blank lines read.
    pub requests: usize,
    /// Lines that are not requests (decided `INVALID_REQUEST` by both sides), too long ones
    /// included.
    pub invalid: usize,
    /// Decision records of `faramesh eval --log` (arguments only as a digest): not replayed.
    pub not_comparable: usize,
    /// Requests decided with a different effect, by kind, largest first.
    pub flips: Vec<Flip>,
}

/// One kind of changed decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    /// The base's effect.
    pub base: &'static str,
    /// The head's effect.
    pub head: &'static str,
    /// How many requests.
    pub count: usize,
    /// The first few.
    pub examples: Vec<FlipExample>,
}

/// A request whose decision changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlipExample {
    /// 1-based line of the log.
    pub line: usize,
    /// The request (at most 300 characters of it).
    pub request: String,
    /// The base's deciding rule.
    pub base_rule: Option<String>,
    /// The head's deciding rule.
    pub head_rule: Option<String>,
}

/// Why the backtest could not run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The log could not be read.
    #[error("cannot read the decision log `{path}`: {cause}")]
    Read {
        /// The log.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// A revision could not be compiled for the runtime.
    #[error("cannot compile the {side} revision for the backtest: {message}")]
    Compile {
        /// `base` or `head`.
        side: &'static str,
        /// Why.
        message: String,
    },
}

/// Replays every request of `log` through the base and the head policy (both error-free).
pub fn backtest(base: &Analysis, head: &Analysis, log: &Path) -> Result<Backtest, BacktestError> {
    let evaluator = |analysis: &Analysis, side: &'static str| {
        let compile_error = |message: String| BacktestError::Compile { side, message };
        let compiled = fpl_analyzer::compile::compile(analysis)
            .map_err(|error| compile_error(error.to_string()))?;
        Evaluator::from_compiled(&compiled).map_err(|error| compile_error(error.to_string()))
    };
    let (mut before, mut after) = (evaluator(base, "base")?, evaluator(head, "head")?);
    let read_error = |cause| BacktestError::Read {
        path: log.to_path_buf(),
        cause,
    };
    let file = std::fs::File::open(log).map_err(read_error)?;
    let mut lines = BoundedLines::new(file, MAX_REQUEST_BYTES);
    let mut result = Backtest {
        log: log.display().to_string(),
        ..Backtest::default()
    };
    let mut flips: BTreeMap<(&'static str, &'static str), Flip> = BTreeMap::new();
    let mut number = 0;
    let mut request = Request::default();
    while let Some(line) = lines.next_line(&mut || Ok(())).map_err(read_error)? {
        number += 1;
        let bytes = match line {
            Line::Text(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Text(bytes) => bytes,
            Line::TooLong => {
                result.requests += 1;
                result.invalid += 1;
                continue;
            }
        };
        result.requests += 1;
        if is_decision_record(bytes) {
            result.not_comparable += 1;
            continue;
        }
        request.parse_bytes_into(bytes);
        let old = before.decide(&request);
        if old.reason_code.as_str() == "INVALID_REQUEST" {
            result.invalid += 1;
            continue;
        }
        let (old_effect, old_rule) = (old.effect.as_str(), old.rule.map(|r| r.to_string()));
        let new = after.decide(&request);
        let new_effect = new.effect.as_str();
        if old_effect == new_effect {
            continue;
        }
        let flip = flips.entry((old_effect, new_effect)).or_insert(Flip {
            base: old_effect,
            head: new_effect,
            count: 0,
            examples: Vec::new(),
        });
        flip.count += 1;
        if flip.examples.len() < EXAMPLES_PER_FLIP {
            flip.examples.push(FlipExample {
                line: number,
                request: String::from_utf8_lossy(bytes)
                    .chars()
                    .take(EXAMPLE_CHARS)
                    .collect(),
                base_rule: old_rule,
                head_rule: new.rule.map(|r| r.to_string()),
            });
        }
    }
    result.flips = flips.into_values().collect();
    result
        .flips
        .sort_by_key(|flip| std::cmp::Reverse(flip.count));
    Ok(result)
}

/// Whether a line is a decision record (it has `args_digest`): its arguments are not there to
/// decide it again.
fn is_decision_record(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        args_digest: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|probe| probe.args_digest.is_some())
}
