//! Replays witness requests through `fpl-runtime`: a finding is shown only when the real
//! evaluator reproduces the decision the finding claims. One evaluator per agent (its patterns
//! and regexes compiled once) decides every witness, its state reset before each so that every
//! witness is decided as the first request of a fresh evaluator.

use fpl_runtime::Evaluator;
use fpl_runtime::ir::{self, CompiledPolicy};

use super::SmtError;
use super::witness::Witness;
use crate::compile::lower_agent;
use crate::hir;

/// The parts of a decision a finding talks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `permit`, `deny`, `defer`.
    pub effect: String,
    /// The reason code.
    pub reason_code: String,
    /// The deciding rule's number.
    pub rule: Option<usize>,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.effect, self.reason_code)?;
        if let Some(rule) = self.rule {
            write!(f, " by rule {rule}")?;
        }
        Ok(())
    }
}

/// An evaluator of some agents of a policy (as a rule one: the agent a finding is about) to
/// replay witnesses on.
pub struct Replayer {
    evaluator: Evaluator,
}

impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayer").finish_non_exhaustive()
    }
}

impl Replayer {
    /// Compiles `agents` (agents of an error-free policy); a request naming another agent is
    /// `UNKNOWN_AGENT`.
    pub fn new(agents: &[&hir::Agent]) -> Result<Replayer, SmtError> {
        let mut policy = ir::Policy::new();
        policy
            .agents
            .extend(agents.iter().map(|agent| lower_agent(agent)));
        policy.intern_regexes();
        let compiled = CompiledPolicy::new(policy, ir::SourceMap::default());
        let evaluator = Evaluator::from_compiled(&compiled)
            .map_err(|error| SmtError::Load(error.to_string()))?;
        Ok(Replayer { evaluator })
    }

    /// Decides one request as the first request of a fresh evaluator.
    pub fn decide(&mut self, witness: &Witness) -> Outcome {
        self.evaluator.reset_state();
        let decision = self.evaluator.decide_json(&witness.to_json());
        Outcome {
            effect: decision.effect.as_str().to_string(),
            reason_code: decision.reason_code.as_str().to_string(),
            rule: decision.rule.map(|rule| rule.n as usize),
        }
    }
}
