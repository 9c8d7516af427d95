//! The position-free values the SMT analysis reads: an agent's facts and its rules, projected
//! from the semantic model without a single source position.
//!
//! The encoding reads these values and nothing else, so two groups of rules with equal values
//! (compared structurally: `Eq` + `Hash`) have equal findings wherever they are written, and the
//! findings cache can be keyed by them. Witnesses are replayed on the agent compiled from the
//! model; what the compiled agent holds beyond these values (budgets, rate limits, redactions,
//! the hosts of an egress block) never changes the rule that decides a witness: limits act after
//! a rule decided and keep it as the deciding rule (SPEC §6.1 step 6), and a witness names no
//! host when the agent has an egress block ([`crate::smt::encode::Encoder::fresh_state`]).
//! A phase's `tools` are here: they decide `OUT_OF_PHASE_TOOL_CALL` before the ordinary rules
//! (§6.1 step 4), so the encoding keeps every ordinary rule out of those requests.

use std::sync::Arc;

use crate::hir::{self, BinaryOp, Callee, EffectKind, Literal, Root, SelectorKind, ValueKind};

/// What the findings of an agent's rules depend on besides the rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Agent {
    /// The agent's name (`agent.name` reads it; witnesses name it).
    pub name: String,
    /// The effect when no rule matches.
    pub default: EffectKind,
    /// Phase names in order.
    pub phases: Vec<String>,
    /// Per phase (parallel to `phases`): the tool patterns of its `tools`, if it has them.
    pub phase_tools: Vec<Option<Vec<String>>>,
    /// `var`s, as the compiled policy holds them.
    pub vars: Vec<(String, VarValue)>,
    /// Whether the agent has an `egress` block.
    pub egress: bool,
}

/// A `var`'s value as the runtime reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum VarValue {
    /// `null` (an `env(…)` value the compiled policy does not hold).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (money, durations and sizes included), in millionths.
    Number(i128),
    /// A string, identifier or bare pattern.
    Text(String),
    /// A list.
    List(Vec<VarValue>),
}

/// A rule as the encoding reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Rule {
    /// 1-based number within the agent.
    pub number: usize,
    /// What it decides.
    pub effect: EffectKind,
    /// `deny!`
    pub mandatory: bool,
    /// The index of its phase in the agent's phases.
    pub phase: Option<usize>,
    /// The tool pattern.
    pub pattern: String,
    /// Selector clauses: what each reads and its alternatives.
    pub selectors: Vec<(SelectorKind, Vec<String>)>,
    /// The condition.
    pub condition: Option<Cond>,
}

/// A condition without positions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Cond {
    /// A literal.
    Literal(Literal),
    /// A list of literals.
    List(Vec<Literal>),
    /// A path into the request.
    Path(Root, Vec<String>),
    /// `not x`
    Not(Box<Cond>),
    /// `lhs op rhs`
    Binary(BinaryOp, Box<Cond>, Box<Cond>),
    /// `name(args)`
    Call(Callee, Vec<Cond>),
    /// A piece the parser could not read.
    Missing,
}

/// An agent's facts and rules (in source order), shared by the groups of the agent.
#[derive(Debug, Clone)]
pub(crate) struct AgentRules {
    /// The facts.
    pub agent: Arc<Agent>,
    /// The rules, index `i` being rule number `i + 1`.
    pub rules: Vec<Arc<Rule>>,
}

impl AgentRules {
    /// The projection of `agent`.
    pub fn of(agent: &hir::Agent) -> AgentRules {
        AgentRules {
            agent: Arc::new(Agent {
                name: agent.name.clone(),
                default: agent.default_effect(),
                phases: agent
                    .phases
                    .iter()
                    .map(|phase| phase.name.clone())
                    .collect(),
                phase_tools: agent.phases.iter().map(hir::Phase::tools).collect(),
                vars: agent
                    .vars
                    .iter()
                    .map(|var| (var.name.clone(), VarValue::of(&var.value.kind)))
                    .collect(),
                egress: agent.blocks_named("egress").next().is_some(),
            }),
            rules: agent
                .rules
                .iter()
                .map(|rule| Arc::new(Rule::of(rule)))
                .collect(),
        }
    }
}

impl VarValue {
    /// The value the compiled policy holds for `kind` (see `compile.rs`).
    fn of(kind: &ValueKind) -> VarValue {
        match kind {
            ValueKind::Bool(flag) => VarValue::Bool(*flag),
            ValueKind::Number(n)
            | ValueKind::Money(n)
            | ValueKind::Duration(n)
            | ValueKind::Size(n) => VarValue::Number(n.millionths()),
            ValueKind::String(text) | ValueKind::Ident(text) | ValueKind::Pattern(text) => {
                VarValue::Text(text.clone())
            }
            ValueKind::List(items) => {
                VarValue::List(items.iter().map(|item| VarValue::of(&item.kind)).collect())
            }
            ValueKind::Env(_) | ValueKind::Invalid | ValueKind::OutOfRange => VarValue::Null,
        }
    }
}

impl Rule {
    /// The projection of `rule`.
    pub fn of(rule: &hir::Rule) -> Rule {
        Rule {
            number: rule.number,
            effect: rule.effect,
            mandatory: rule.mandatory,
            phase: rule.phase,
            pattern: rule.pattern.clone(),
            selectors: rule
                .selectors
                .iter()
                .map(|selector| (selector.kind.clone(), selector.values.clone()))
                .collect(),
            condition: rule.condition.as_ref().map(Cond::of),
        }
    }

    /// Whether it decides every request the way `other` does wherever both are tried: equal
    /// but for the number (rules that moved).
    pub fn decides_like(&self, other: &Rule) -> bool {
        let Rule {
            number: _,
            effect,
            mandatory,
            phase,
            pattern,
            selectors,
            condition,
        } = self;
        *effect == other.effect
            && *mandatory == other.mandatory
            && *phase == other.phase
            && *pattern == other.pattern
            && *selectors == other.selectors
            && *condition == other.condition
    }

    /// The effect it decides when it matches (mandatory denies decide `deny`).
    pub fn effect_when_matched(&self) -> EffectKind {
        if self.mandatory {
            EffectKind::Deny
        } else {
            self.effect
        }
    }
}

impl Cond {
    /// The projection of `expr`.
    pub fn of(expr: &hir::Expr) -> Cond {
        match &expr.kind {
            hir::ExprKind::Literal(literal) => Cond::Literal(literal.clone()),
            hir::ExprKind::List(items) => Cond::List(items.clone()),
            hir::ExprKind::Path(path) => Cond::Path(path.root, path.segments.clone()),
            hir::ExprKind::Not(inner) => Cond::Not(Box::new(Cond::of(inner))),
            hir::ExprKind::Binary { op, lhs, rhs } => {
                Cond::Binary(*op, Box::new(Cond::of(lhs)), Box::new(Cond::of(rhs)))
            }
            hir::ExprKind::Call { function, args } => {
                Cond::Call(function.clone(), args.iter().map(Cond::of).collect())
            }
            hir::ExprKind::Missing | hir::ExprKind::OutOfRange => Cond::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AgentRules;
    use crate::host::check_policy;
    use crate::{CheckOptions, SourceFile};

    fn rules_of(text: &str) -> AgentRules {
        let analysis = check_policy(
            vec![SourceFile::new("p.fpl", text)],
            &CheckOptions::default(),
        );
        AgentRules::of(&analysis.policy.agents[0])
    }

    #[test]
    fn equal_rules_written_elsewhere_project_equal() {
        let text = "agent a {\n  default deny\n  var limit = $5\n  permit x when (amount) < vars.limit\n}\n";
        let moved = format!(
            "# a comment\n\n{}",
            text.replace("when (amount)", "when  amount ")
        );
        let (before, after) = (rules_of(text), rules_of(&moved));
        assert_eq!(before.agent, after.agent);
        assert_eq!(before.rules, after.rules);
        let changed = rules_of(&text.replace("< vars", "<= vars"));
        assert_ne!(before.rules, changed.rules);
    }
}
