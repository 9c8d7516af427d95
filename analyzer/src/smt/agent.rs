//! An agent under check: its rules encoded once for all its groups.

use std::sync::Arc;

use super::axioms::Axioms;
use super::encode::{Encoder, RuleFormulas};
use super::input;
use super::term::T;
use crate::hir;

/// An agent's facts, rules and formulas.
pub(crate) struct AgentContext<'a> {
    /// The agent's facts.
    pub facts: &'a input::Agent,
    /// Its rules, by index.
    pub rules: &'a [Arc<input::Rule>],
    /// The agent in the semantic model, to compile for replays.
    pub hir: &'a hir::Agent,
    /// The agent without rules: a rule is replayed alone on it.
    pub skeleton: hir::Agent,
    /// The encoder (which writes witnesses).
    pub encoder: Encoder<'a>,
    /// The formulas of each rule, by index.
    pub formulas: Vec<RuleFormulas>,
    /// The facts every request satisfies.
    pub axioms: Axioms,
    /// The facts of a fresh evaluator.
    pub fresh: Vec<T>,
}

impl<'a> AgentContext<'a> {
    /// Encodes every rule of an agent.
    pub fn new(facts: &'a input::AgentRules, hir: &'a hir::Agent) -> Self {
        let mut encoder = Encoder::new(&facts.agent);
        let formulas = facts.rules.iter().map(|rule| encoder.rule(rule)).collect();
        let mut skeleton = hir.clone();
        skeleton.rules.clear();
        AgentContext {
            facts: &facts.agent,
            rules: &facts.rules,
            hir,
            skeleton,
            axioms: Axioms::new(encoder.axioms()),
            fresh: encoder.fresh_state(),
            encoder,
            formulas,
        }
    }
}
