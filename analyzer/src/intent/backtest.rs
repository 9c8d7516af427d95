//! The backtest: past requests with their recorded decisions are decided again by a new policy,
//! in order and with shared state (rate limits count as they would have), and every decision
//! that flips is counted, with examples.
//!
//! A history is JSONL in one of two forms, line by line:
//! - **decision records** as `faramesh eval --log` writes them (SPEC §8): `agent`, `tool`,
//!   `session`, `time`, `effect` and only a digest of the arguments. A record is compared only
//!   when the new policy decides its tool without reading arguments (its first matching rule
//!   has no condition and no selector, and the agent has no `egress`); the others are counted
//!   as not comparable.
//! - **requests with a recorded effect**: a request of SPEC §5 (`agent`, `tool`, `args`, …)
//!   with an `effect` field (`permit`, `deny`, `defer`). These compare fully.
//!
//! Budgets see a `cost` only in the second form; decision records carry none.

use std::collections::BTreeMap;

use fpl_runtime::ir::{self, Effect};
use fpl_runtime::pattern::Pattern;
use fpl_runtime::{Evaluator, Request};
use serde_json::{Map, Value};

/// Lines longer than this are refused (the CLI reads no more of a line).
pub const MAX_LINE: usize = 1024 * 1024;

/// How many examples each kind of flip keeps.
pub const EXAMPLES_PER_FLIP: usize = 3;

/// One line of a history, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    /// The agent.
    pub agent: String,
    /// The tool.
    pub tool: String,
    /// The recorded effect.
    pub effect: Effect,
    /// The request to decide again (for a decision record: without arguments).
    pub request: String,
    /// The arguments as JSON, when the line holds them.
    pub args: Option<String>,
    /// Whether the line is a decision record (arguments only as a digest).
    pub digest_only: bool,
}

/// Why a line is not a history record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Over [`MAX_LINE`] bytes.
    #[error("longer than {} KiB", MAX_LINE / 1024)]
    TooLong,
    /// Not JSON.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// A required key is missing.
    #[error("no `{0}`")]
    Missing(&'static str),
    /// A key is not a non-empty string.
    #[error("`{0}` is not a non-empty string")]
    NotAString(&'static str),
    /// `effect` is not an effect.
    #[error("`effect` is `{0}`, not permit, deny or defer")]
    UnknownEffect(String),
    /// A decision service's record of an approval's change of state (`"event": "approval"`,
    /// SPEC §17): it decides nothing, and a backtest skips it.
    #[error("a record of an approval, not of a decision")]
    NotADecision,
}

/// Reads one line of a history.
pub fn parse_line(line: &str) -> Result<HistoryRecord, LineError> {
    if line.len() > MAX_LINE {
        return Err(LineError::TooLong);
    }
    let value: Value =
        serde_json::from_str(line).map_err(|error| LineError::NotJson(error.to_string()))?;
    let Value::Object(map) = value else {
        return Err(LineError::NotAnObject);
    };
    let text = |key: &'static str| -> Result<String, LineError> {
        match map.get(key) {
            Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
            Some(_) => Err(LineError::NotAString(key)),
            None => Err(LineError::Missing(key)),
        }
    };
    if map.contains_key("event") {
        return Err(LineError::NotADecision);
    }
    let agent = text("agent")?;
    let tool = text("tool")?;
    let effect = match text("effect")?.as_str() {
        "permit" => Effect::Permit,
        "deny" => Effect::Deny,
        "defer" => Effect::Defer,
        other => return Err(LineError::UnknownEffect(other.to_string())),
    };
    let digest_only = map.contains_key("args_digest") && !map.contains_key("args");
    let (request, args) = if digest_only {
        let mut request = Map::new();
        for key in ["agent", "tool", "session", "time"] {
            if let Some(value) = map.get(key) {
                request.insert(key.to_string(), value.clone());
            }
        }
        (Value::Object(request).to_string(), None)
    } else {
        let args = map.get("args").map(Value::to_string);
        (line.to_string(), args)
    };
    Ok(HistoryRecord {
        agent,
        tool,
        effect,
        request,
        args,
        digest_only,
    })
}

/// The tool a history line names, if it is a valid line (for the vocabulary).
pub fn line_tool(line: &str) -> Option<String> {
    parse_line(line).ok().map(|record| record.tool)
}

/// A backtest in progress: feed it lines with [`Backtest::line`], then take the report.
pub struct Backtest {
    evaluator: Evaluator,
    agent: Option<ir::Agent>,
    report: BacktestReport,
}

/// What a backtest found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BacktestReport {
    /// The agent compared.
    pub agent: String,
    /// Non-empty lines read.
    pub lines: usize,
    /// Records decided again and compared.
    pub compared: usize,
    /// Of those, records whose decision is the same.
    pub unchanged: usize,
    /// Decision records the new policy decides by their arguments, which the log holds only
    /// as a digest.
    pub not_comparable: usize,
    /// Records of other agents, by agent (skipped).
    pub other_agents: BTreeMap<String, usize>,
    /// Lines that are not history records: how many, and the first few with why.
    pub invalid: usize,
    /// The first invalid lines: (line number, why).
    pub invalid_examples: Vec<(usize, String)>,
    /// Decisions that changed, by (recorded, new) effect.
    pub flips: Vec<Flip>,
}

/// One kind of changed decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flip {
    /// The recorded effect.
    pub recorded: Effect,
    /// The new policy's effect.
    pub new: Effect,
    /// How many records.
    pub count: usize,
    /// The first few.
    pub examples: Vec<FlipExample>,
}

/// A record whose decision changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlipExample {
    /// 1-based line of the history.
    pub line: usize,
    /// The tool.
    pub tool: String,
    /// The arguments as JSON, when the history holds them.
    pub args: Option<String>,
    /// The new decision's reason code.
    pub reason_code: String,
    /// The new deciding rule's id.
    pub rule: Option<String>,
    /// The new decision's reason.
    pub reason: Option<String>,
}

impl Backtest {
    /// A backtest of `agent` of `compiled`, from empty state.
    pub fn new(
        compiled: &ir::CompiledPolicy,
        agent: &str,
    ) -> Result<Backtest, fpl_runtime::LoadError> {
        Ok(Backtest {
            evaluator: Evaluator::from_compiled(compiled)?,
            agent: compiled
                .policy
                .agents
                .iter()
                .find(|candidate| candidate.name == agent)
                .cloned(),
            report: BacktestReport {
                agent: agent.to_string(),
                ..BacktestReport::default()
            },
        })
    }

    /// Reads line `number` (1-based) of the history.
    pub fn line(&mut self, number: usize, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let parsed = parse_line(line);
        if matches!(parsed, Err(LineError::NotADecision)) {
            return;
        }
        self.report.lines += 1;
        let record = match parsed {
            Ok(record) => record,
            Err(why) => {
                self.report.invalid += 1;
                if self.report.invalid_examples.len() < EXAMPLES_PER_FLIP {
                    self.report.invalid_examples.push((number, why.to_string()));
                }
                return;
            }
        };
        if record.agent != self.report.agent {
            *self.report.other_agents.entry(record.agent).or_default() += 1;
            return;
        }
        if record.digest_only && !self.decided_by_tool(&record.tool) {
            self.report.not_comparable += 1;
            return;
        }
        let request = Request::parse(&record.request);
        let decision = self.evaluator.decide(&request);
        self.report.compared += 1;
        if decision.effect == record.effect {
            self.report.unchanged += 1;
            return;
        }
        let example = FlipExample {
            line: number,
            tool: record.tool,
            args: record.args,
            reason_code: decision.reason_code.as_str().to_string(),
            rule: decision.rule.map(|rule| rule.to_string()),
            reason: decision.reason.map(|reason| reason.to_string()),
        };
        let flips = &mut self.report.flips;
        let index = match flips
            .iter()
            .position(|f| f.recorded == record.effect && f.new == decision.effect)
        {
            Some(index) => index,
            None => {
                flips.push(Flip {
                    recorded: record.effect,
                    new: decision.effect,
                    count: 0,
                    examples: Vec::new(),
                });
                flips.len() - 1
            }
        };
        let flip = &mut flips[index];
        flip.count += 1;
        if flip.examples.len() < EXAMPLES_PER_FLIP {
            flip.examples.push(example);
        }
    }

    /// The report, flips ordered by count (largest first).
    pub fn finish(mut self) -> BacktestReport {
        self.report.flips.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(effect_rank(a).cmp(&effect_rank(b)))
        });
        self.report
    }

    /// Whether the agent decides `tool` without reading the request's arguments: its first
    /// matching rule (mandatory denies first) has no condition, selector or phase, and there is
    /// no `egress` block.
    fn decided_by_tool(&self, tool: &str) -> bool {
        let Some(agent) = &self.agent else {
            return true;
        };
        if agent.egress.is_some() {
            return false;
        }
        let matches = |rule: &&ir::Rule| Pattern::tool(&rule.tool).is_ok_and(|p| p.matches(tool));
        let first = agent
            .rules
            .iter()
            .filter(|rule| rule.mandatory)
            .find(matches)
            .or_else(|| {
                agent
                    .rules
                    .iter()
                    .filter(|rule| !rule.mandatory)
                    .find(matches)
            });
        first.is_none_or(|rule| {
            rule.condition.is_none()
                && rule.phase.is_none()
                && rule.selectors == ir::Selectors::default()
        })
    }
}

fn effect_rank(flip: &Flip) -> (u8, u8) {
    let rank = |effect: Effect| match effect {
        Effect::Permit => 0,
        Effect::Defer => 1,
        Effect::Deny => 2,
    };
    (rank(flip.recorded), rank(flip.new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::validate::{ValidateOptions, validate};

    fn compiled(text: &str) -> ir::CompiledPolicy {
        validate(
            text,
            &ValidateOptions {
                path: "p.fpl".into(),
                agent: "bot".into(),
                smt: crate::smt::SmtOptions::default(),
            },
        )
        .expect("valid policy")
        .compiled
    }

    const POLICY: &str = "agent bot {\n  default deny\n  defer stripe/refund when amount > $500 reason: \"big\"\n  permit stripe/refund\n  permit http/get\n}\n";

    #[test]
    fn requests_with_effects_flip_and_keep_examples() {
        let mut backtest = Backtest::new(&compiled(POLICY), "bot").expect("loads");
        let lines = [
            r#"{"agent":"bot","tool":"stripe/refund","args":{"amount":800},"effect":"permit"}"#,
            r#"{"agent":"bot","tool":"stripe/refund","args":{"amount":80},"effect":"permit"}"#,
            r#"{"agent":"bot","tool":"shell/exec","args":{},"effect":"permit"}"#,
            "",
            "not json",
            r#"{"agent":"other","tool":"x","effect":"deny"}"#,
        ];
        for (index, line) in lines.iter().enumerate() {
            backtest.line(index + 1, line);
        }
        let report = backtest.finish();
        assert_eq!(report.lines, 5);
        assert_eq!(report.compared, 3);
        assert_eq!(report.unchanged, 1);
        assert_eq!(report.invalid, 1);
        assert_eq!(report.invalid_examples[0].0, 5);
        assert_eq!(report.other_agents.get("other"), Some(&1));
        assert_eq!(report.flips.len(), 2);
        let defer = &report.flips[0];
        assert_eq!(
            (defer.recorded, defer.new, defer.count),
            (Effect::Permit, Effect::Defer, 1)
        );
        assert_eq!(defer.examples[0].rule.as_deref(), Some("bot/1"));
        assert_eq!(defer.examples[0].reason.as_deref(), Some("big"));
        assert_eq!(defer.examples[0].args.as_deref(), Some(r#"{"amount":800}"#));
        assert_eq!(report.flips[1].new, Effect::Deny);
        assert_eq!(report.flips[1].examples[0].reason_code, "DEFAULT_DENY");
    }

    #[test]
    fn decision_records_compare_only_where_arguments_do_not_matter() {
        let mut backtest = Backtest::new(&compiled(POLICY), "bot").expect("loads");
        let record = |tool: &str, effect: &str| {
            format!(
                r#"{{"seq":1,"time":"2026-01-01T00:00:00Z","agent":"bot","session":"","tool":"{tool}","args_digest":"00","effect":"{effect}","reason_code":"RULE_PERMIT","rule":null,"policy":"sha256:x","prev":"0","hash":"1"}}"#
            )
        };
        backtest.line(1, &record("stripe/refund", "permit"));
        backtest.line(2, &record("http/get", "deny"));
        backtest.line(3, &record("fs/read", "deny"));
        // An approval's change of state in a decision service's log is no decision.
        backtest.line(
            4,
            r#"{"seq":2,"time":"2026-01-01T00:00:00Z","agent":"bot","session":"","tool":"fs/read","args_digest":"00","event":"approval","approval":{"id":"ab","state":"pending"},"rule":null,"policy":"sha256:x","prev":"1","hash":"2"}"#,
        );
        let report = backtest.finish();
        assert_eq!(report.lines, 3);
        assert_eq!(report.invalid, 0);
        assert_eq!(report.not_comparable, 1);
        assert_eq!(report.compared, 2);
        assert_eq!(report.unchanged, 1);
        assert_eq!(report.flips[0].recorded, Effect::Deny);
        assert_eq!(report.flips[0].new, Effect::Permit);
        assert_eq!(report.flips[0].examples[0].args, None);
    }

    #[test]
    fn bad_lines_say_why() {
        assert_eq!(parse_line("[1]"), Err(LineError::NotAnObject));
        assert_eq!(
            parse_line(r#"{"agent":"a","tool":"t"}"#),
            Err(LineError::Missing("effect"))
        );
        assert_eq!(
            parse_line(r#"{"agent":"a","tool":"t","effect":"maybe"}"#)
                .map_err(|error| error.to_string()),
            Err("`effect` is `maybe`, not permit, deny or defer".into())
        );
        assert_eq!(
            line_tool(r#"{"agent":"a","tool":"t/x","effect":"deny"}"#).as_deref(),
            Some("t/x")
        );
    }
}
