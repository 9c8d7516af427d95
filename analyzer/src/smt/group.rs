//! One group of rules under check (rules whose patterns overlap, in evaluation order), and the
//! questions the checks ask about it: whether a [`Prop`] over the rules can hold, and a
//! replayed witness when it can.
//!
//! A question is answered by the group's sample points first ([`super::pool`]), then by the
//! solver. "The rule is reached" (no earlier rule decides) is refined lazily: the solver first
//! sees only the earlier rules known to matter, and every model it returns is evaluated on all
//! the rules; the earlier rules that decide the model join the query and the solver is asked
//! again. A query over a few rules is proved where one over all the earlier rules of a large
//! group would run out of time, and a proof over some of the earlier rules holds over all.

use std::collections::{BTreeSet, HashMap};

use super::agent::AgentContext;
use super::cells::Cells;
use super::concrete::{Point, Program, Val};
use super::diff;
use super::finding::Finding;
use super::pool::{self, Pool, Status};
use super::replay::{Outcome, Replayer};
use super::solver::{SatResult, Solver};
use super::term::{self, T};
use super::witness::Witness;
use super::{InternalError, SmtError};
use crate::hir::EffectKind;

/// A proposition about a request, over the rules of a group (named by position).
#[derive(Debug, Clone)]
pub(crate) enum Prop {
    /// The rule is in scope for the request's phase.
    Scope(usize),
    /// Its pattern and selectors match.
    Applies(usize),
    /// Its condition evaluates without error.
    Ok(usize),
    /// Its condition's value (when it evaluates).
    Val(usize),
    /// No earlier rule of the group decides the request.
    Reached(usize),
    /// Moving the rule at `moved` right above the one at `above` changes the effect the rules
    /// from `above` to `moved` give the request, given that it reaches `above` (the diff
    /// engine's encoding of the two orders).
    Moved {
        /// The rule that would go up.
        moved: usize,
        /// The rule it would go above.
        above: usize,
    },
    /// Negation.
    Not(Box<Prop>),
    /// Conjunction, evaluated left to right.
    And(Vec<Prop>),
    /// Disjunction.
    Or(Vec<Prop>),
}

impl Prop {
    /// The rule matches.
    pub fn matches(at: usize) -> Prop {
        Prop::And(vec![
            Prop::Scope(at),
            Prop::Applies(at),
            Prop::Ok(at),
            Prop::Val(at),
        ])
    }

    /// The rule decides the request when reached (matches, or its condition errs).
    pub fn hits(at: usize) -> Prop {
        Prop::And(vec![
            Prop::Scope(at),
            Prop::Applies(at),
            Prop::Or(vec![Prop::not(Prop::Ok(at)), Prop::Val(at)]),
        ])
    }

    /// The rule decides the request by matching it.
    pub fn decided(at: usize) -> Prop {
        Prop::And(vec![Prop::Reached(at), Prop::matches(at)])
    }

    /// Negation.
    pub fn not(inner: Prop) -> Prop {
        Prop::Not(Box::new(inner))
    }

    /// Whether it holds where the rules stand as `status` says.
    fn holds(&self, status: &Status, ctx: &Effects<'_>) -> bool {
        match self {
            Prop::Scope(at) => status.scope(*at),
            Prop::Applies(at) => status.applies(*at),
            Prop::Ok(at) => status.ok(*at),
            Prop::Val(at) => status.val(*at),
            Prop::Reached(at) => status.decider >= *at,
            Prop::Moved { moved, above } => {
                if !status.hits(*moved) {
                    return false;
                }
                let first = if status.decider >= *above {
                    status.decider
                } else {
                    (*above..*moved)
                        .find(|&at| status.hits(at))
                        .unwrap_or(*moved)
                };
                first < *moved && ctx.effect(first, status) != ctx.effect(*moved, status)
            }
            Prop::Not(inner) => !inner.holds(status, ctx),
            Prop::And(items) => items.iter().all(|item| item.holds(status, ctx)),
            Prop::Or(items) => items.iter().any(|item| item.holds(status, ctx)),
        }
    }

    /// The earlier rules that decide the request where a `Reached` of this proposition fails.
    fn blockers(&self, status: &Status, out: &mut BTreeSet<usize>) {
        match self {
            Prop::Reached(at) if status.decider < *at => {
                out.extend((status.decider..*at).filter(|&q| status.hits(q)));
            }
            Prop::Not(inner) => inner.blockers(status, out),
            Prop::And(items) | Prop::Or(items) => {
                for item in items {
                    item.blockers(status, out);
                }
            }
            _ => {}
        }
    }

    fn has_reached(&self) -> bool {
        match self {
            Prop::Reached(_) => true,
            Prop::Not(inner) => inner.has_reached(),
            Prop::And(items) | Prop::Or(items) => items.iter().any(Prop::has_reached),
            _ => false,
        }
    }
}

/// The effects rules give when they decide.
struct Effects<'a> {
    effects: &'a [EffectKind],
}

impl Effects<'_> {
    /// The effect of the rule at `at` deciding a request where the rules stand as `status`
    /// says: its own when it matches, deny when its condition errs.
    fn effect(&self, at: usize, status: &Status) -> EffectKind {
        if status.ok(at) {
            self.effects[at]
        } else {
            EffectKind::Deny
        }
    }
}

/// The answer to a question.
#[derive(Debug)]
pub(crate) enum Search {
    /// A request where the proposition holds.
    Found(Point),
    /// Proved: no request.
    None,
    /// Neither within the time limits.
    Unknown,
}

/// The answer to a question asked for a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// No request satisfies it.
    Proved,
    /// Some request does.
    Refuted,
    /// Not decided.
    Unknown,
}

/// What a witness must reproduce.
pub(crate) enum Claim {
    /// Decided by one of these rules (numbers).
    DecidedBy(Vec<usize>),
    /// Decided by this rule (number) matching, not by its condition erring.
    MatchedBy(usize),
    /// Decided by a `deny!`.
    Mandatory,
    /// Not decided by this rule.
    NotBy(usize),
}

impl Claim {
    fn holds(&self, outcome: &Outcome) -> bool {
        match self {
            Claim::DecidedBy(rules) => outcome.rule.is_some_and(|rule| rules.contains(&rule)),
            Claim::MatchedBy(rule) => {
                outcome.rule == Some(*rule) && outcome.reason_code != "CONDITION_ERROR"
            }
            Claim::Mandatory => outcome.reason_code == "MANDATORY_DENY",
            Claim::NotBy(rule) => outcome.rule != Some(*rule),
        }
    }

    fn describe(&self) -> String {
        match self {
            Claim::DecidedBy(rules) => format!("a decision by rule {rules:?}"),
            Claim::MatchedBy(rule) => format!("a decision by rule {rule} matching"),
            Claim::Mandatory => "MANDATORY_DENY".to_string(),
            Claim::NotBy(rule) => format!("a decision not by rule {rule}"),
        }
    }
}

/// A group of an agent's rules and what its checks found so far.
pub(crate) struct Group<'g, 'a> {
    /// The agent.
    pub agent: &'g AgentContext<'a>,
    /// The rules (indexes in the agent), in evaluation order: positions index this.
    pub order: Vec<usize>,
    components: Vec<[T; 4]>,
    effects: Vec<EffectKind>,
    program: Program,
    pool: Pool,
    cells: Cells,
    solver: &'g mut dyn Solver,
    replayer: &'g mut Replayer,
    probes: HashMap<usize, Replayer>,
    /// The findings so far.
    pub findings: Vec<Finding>,
    /// Witnesses that did not reproduce.
    pub internal: Vec<InternalError>,
    /// Rules (positions) proved unreachable.
    pub unreachable: Vec<bool>,
}

impl<'g, 'a> Group<'g, 'a> {
    /// Sets up the group of `agent`'s rules `order` (in evaluation order).
    pub fn new(
        agent: &'g AgentContext<'a>,
        order: Vec<usize>,
        solver: &'g mut dyn Solver,
        replayer: &'g mut Replayer,
    ) -> Self {
        let components: Vec<[T; 4]> = order
            .iter()
            .map(|&index| {
                let formulas = &agent.formulas[index];
                [
                    formulas.scope.clone(),
                    formulas.applies.clone(),
                    formulas.ok.clone(),
                    formulas.val.clone(),
                ]
            })
            .collect();
        let flat: Vec<T> = components.iter().flatten().cloned().collect();
        let axioms = agent.axioms.relevant(&flat);
        let mut roots = flat;
        roots.extend(axioms.iter().cloned());
        roots.extend(agent.fresh.iter().cloned());
        let program = Program::new(&roots);
        let cells = Cells::new(&roots);
        let pool = Pool::new(&pool::Sources {
            program: &program,
            components: &components,
            axioms: &axioms,
            fresh: &agent.fresh,
            paths: agent.encoder.paths(),
            cells: &cells,
        });
        let effects = order
            .iter()
            .map(|&index| agent.rules[index].effect_when_matched())
            .collect();
        let unreachable = vec![false; order.len()];
        Group {
            agent,
            order,
            components,
            effects,
            program,
            pool,
            cells,
            solver,
            replayer,
            probes: HashMap::new(),
            findings: Vec::new(),
            internal: Vec::new(),
            unreachable,
        }
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The rule at `at`.
    pub fn rule(&self, at: usize) -> &super::input::Rule {
        &self.agent.rules[self.order[at]]
    }

    /// `agent/number` of the rule at `at`.
    pub fn id(&self, at: usize) -> String {
        format!("{}/{}", self.agent.facts.name, self.rule(at).number)
    }

    /// Whether the rule at `at`'s formulas approximate something.
    pub fn approximate(&self, at: usize) -> bool {
        self.agent.formulas[self.order[at]].approximate
    }

    /// Whether the run's time budget is spent.
    pub fn exhausted(&self) -> bool {
        self.solver.exhausted()
    }

    /// Whether the patterns of two rules match a common tool.
    pub fn overlaps(&self, a: usize, b: usize) -> bool {
        super::glob::overlap(&self.rule(a).pattern, &self.rule(b).pattern)
    }

    /// The earlier rules whose patterns share a tool with the rule at `at`.
    pub fn before(&self, at: usize) -> Vec<usize> {
        (0..at).filter(|&q| self.overlaps(q, at)).collect()
    }

    /// Whether `prop` is unsatisfiable.
    pub fn prove(&mut self, prop: &Prop) -> Check {
        match self.search(prop, false) {
            Search::Found(_) => Check::Refuted,
            Search::None => Check::Proved,
            Search::Unknown => Check::Unknown,
        }
    }

    /// A request where `prop` holds: a sample point, else a solver's model. With `fresh`, the
    /// request has the state of a fresh evaluator, so it can be replayed as a witness.
    pub fn search(&mut self, prop: &Prop, fresh: bool) -> Search {
        let effects = Effects {
            effects: &self.effects,
        };
        for (at, status) in self.pool.statuses.iter().enumerate() {
            if (!fresh || self.pool.fresh[at]) && prop.holds(status, &effects) {
                return Search::Found(self.pool.points[at].clone());
            }
        }
        let mut blockers = BTreeSet::new();
        if prop.has_reached() {
            // The rules that decide the sample points closest to the question come first.
            let unreached = prop.without_reached();
            for status in &self.pool.statuses {
                if blockers.len() >= 32 {
                    break;
                }
                if unreached.holds(status, &effects) && status.decider < self.len() {
                    blockers.insert(status.decider);
                }
            }
        }
        loop {
            if self.solver.exhausted() {
                return Search::Unknown;
            }
            let mut goal = vec![self.translate(prop, &blockers)];
            if fresh {
                goal.extend(self.agent.fresh.iter().cloned());
            }
            let mut query = self.agent.axioms.relevant(&goal);
            query.extend(goal);
            let mut query: Vec<T> = query.iter().map(|term| self.cells.rewrite(term)).collect();
            query.extend(self.cells.facts(&query));
            let model = match self.solver.check(&query) {
                SatResult::Unsat => return Search::None,
                SatResult::Unknown => return Search::Unknown,
                SatResult::Sat(model) => model,
            };
            let mut point = self.program.point_of(&model, Some(&self.pool.base));
            for (name, text) in self.cells.strings(&model) {
                if let Some(slot) = self.program.slot(name) {
                    point[slot] = Val::Str(std::rc::Rc::from(text));
                }
            }
            let Some(status) = self.status(&point) else {
                return Search::Unknown;
            };
            let effects = Effects {
                effects: &self.effects,
            };
            if prop.holds(&status, &effects) {
                return Search::Found(point);
            }
            let before = blockers.len();
            prop.blockers(&status, &mut blockers);
            if blockers.len() == before {
                // The model satisfies the query but not the proposition: the two disagree
                // (only an approximation can do that); do not guess.
                return Search::Unknown;
            }
        }
    }

    /// The status of the rules at `point`.
    pub fn status(&self, point: &Point) -> Option<Status> {
        Status::of(&self.program, &self.components, &self.program.run(point))
    }

    /// The witness request of `point`.
    pub fn witness_of(&self, point: &Point) -> Option<Witness> {
        self.agent.encoder.witness(&self.program.model_of(point))
    }

    /// A replayable witness of `prop`, if one is found.
    pub fn witness(&mut self, prop: &Prop) -> Option<(Witness, Point)> {
        match self.search(prop, true) {
            Search::Found(point) => Some((self.witness_of(&point)?, point)),
            _ => None,
        }
    }

    /// `prop` as a formula, with `Reached` over the `blockers` that precede it.
    fn translate(&self, prop: &Prop, blockers: &BTreeSet<usize>) -> T {
        let formulas = |at: usize| &self.agent.formulas[self.order[at]];
        match prop {
            Prop::Scope(at) => formulas(*at).scope.clone(),
            Prop::Applies(at) => formulas(*at).applies.clone(),
            Prop::Ok(at) => formulas(*at).ok.clone(),
            Prop::Val(at) => formulas(*at).val.clone(),
            Prop::Reached(at) => term::and(
                blockers
                    .range(..*at)
                    .map(|q| term::not(&formulas(*q).hits())),
            ),
            Prop::Moved { moved, above } => {
                let rules: Vec<(EffectKind, &super::encode::RuleFormulas)> = (*above..=*moved)
                    .map(|at| (self.effects[at], formulas(at)))
                    .collect();
                let mut reordered = vec![rules[rules.len() - 1]];
                reordered.extend_from_slice(&rules[..rules.len() - 1]);
                diff::changed(&diff::decision(&rules), &diff::decision(&reordered))
            }
            Prop::Not(inner) => term::not(&self.translate(inner, blockers)),
            Prop::And(items) => term::and(items.iter().map(|item| self.translate(item, blockers))),
            Prop::Or(items) => term::or(items.iter().map(|item| self.translate(item, blockers))),
        }
    }

    /// Replays `witness`; false when it does not reproduce `claim` (recorded as an internal
    /// error, or as `S0306` when the rules involved are `approximate`).
    pub fn confirm(
        &mut self,
        at: usize,
        witness: &Witness,
        claim: &Claim,
        approximate: bool,
    ) -> bool {
        let outcome = self.replayer.decide(witness);
        if claim.holds(&outcome) {
            return true;
        }
        self.disproved(at, witness, claim, approximate, outcome);
        false
    }

    /// Replays `witness` on the rule at `at` alone: whether that rule matches it.
    pub fn confirm_alone(&mut self, at: usize, witness: &Witness, approximate: bool) -> bool {
        let index = self.order[at];
        let number = self.rule(at).number;
        if !self.probes.contains_key(&index) {
            let mut alone = self.agent.skeleton.clone();
            alone.rules.push(self.agent.hir.rules[index].clone());
            match Replayer::new(&[&alone]) {
                Ok(replayer) => {
                    self.probes.insert(index, replayer);
                }
                Err(SmtError::Load(message)) => {
                    self.internal.push(InternalError {
                        agent: self.agent.facts.name.clone(),
                        rule: number,
                        witness: witness.clone(),
                        expected: "a rule that loads alone".to_string(),
                        actual: message,
                    });
                    return false;
                }
                Err(_) => return false,
            }
        }
        let Some(probe) = self.probes.get_mut(&index) else {
            return false;
        };
        let outcome = probe.decide(witness);
        let claim = Claim::MatchedBy(number);
        if claim.holds(&outcome) {
            return true;
        }
        self.disproved(at, witness, &claim, approximate, outcome);
        false
    }

    fn disproved(
        &mut self,
        at: usize,
        witness: &Witness,
        claim: &Claim,
        approximate: bool,
        outcome: Outcome,
    ) {
        if approximate {
            self.findings
                .push(super::checks::analysis_unknown::not_conclusive(self, at));
        } else {
            self.internal.push(InternalError {
                agent: self.agent.facts.name.clone(),
                rule: self.rule(at).number,
                witness: witness.clone(),
                expected: claim.describe(),
                actual: outcome.to_string(),
            });
        }
    }

    /// The statuses of the sample points, for checks that scan them directly.
    pub fn samples(&self) -> impl Iterator<Item = (&Point, &Status, bool)> {
        self.pool
            .points
            .iter()
            .zip(&self.pool.statuses)
            .zip(&self.pool.fresh)
            .map(|((point, status), fresh)| (point, status, *fresh))
    }
}

impl Prop {
    /// The proposition with every `Reached` taken as true.
    fn without_reached(&self) -> Prop {
        match self {
            Prop::Reached(_) => Prop::And(Vec::new()),
            Prop::Not(inner) => Prop::not(inner.without_reached()),
            Prop::And(items) => Prop::And(items.iter().map(Prop::without_reached).collect()),
            Prop::Or(items) => Prop::Or(items.iter().map(Prop::without_reached).collect()),
            other => other.clone(),
        }
    }
}
