//! Replays witness requests through `fpl-runtime`: a finding is shown only when the real
//! evaluator reproduces the decision the finding claims.

use fpl_runtime::Evaluator;
use fpl_runtime::ir::CompiledPolicy;

use super::SmtError;
use crate::analysis::Analysis;
use crate::compile::compile;

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

/// A compiled policy to replay witnesses on.
pub struct Replayer {
    compiled: CompiledPolicy,
}

impl Replayer {
    /// Compiles the analysed policy.
    pub fn new(analysis: &Analysis) -> Result<Replayer, SmtError> {
        let compiled = compile(analysis).map_err(|_| SmtError::PolicyHasErrors)?;
        Evaluator::from_compiled(&compiled).map_err(|error| SmtError::Load(error.to_string()))?;
        Ok(Replayer { compiled })
    }

    /// Decides one request on a fresh evaluator.
    pub fn decide(&self, request: &str) -> Option<Outcome> {
        let mut evaluator = Evaluator::from_compiled(&self.compiled).ok()?;
        let decision = evaluator.decide_json(request);
        Some(Outcome {
            effect: decision.effect.as_str().to_string(),
            reason_code: decision.reason_code.as_str().to_string(),
            rule: decision.rule.map(|rule| rule.n as usize),
        })
    }
}
