//! The semantic diff of two versions of a policy (SPEC §7): the regions of requests whose
//! decision changed, each with a witness replayed on both sides, and structural limit changes.

use std::collections::BTreeSet;

use super::components::components;
use super::encode::{Encoder, RuleFormulas};
use super::glob;
use super::input::{self, AgentRules};
use super::replay::{Outcome, Replayer};
use super::solver::{Backend, SatResult, Solver, Z3Backend};
use super::term::{self, T};
use super::witness::Witness;
use super::{SmtError, SmtOptions};
use crate::analysis::Analysis;
use crate::hir::{self, EffectKind};

/// One side of a changed decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// `permit`, `deny` or `defer`.
    pub effect: String,
    /// The reason code.
    pub reason_code: String,
    /// The deciding rule's id, `<agent>/<n>`.
    pub rule: Option<String>,
}

/// A region of requests whose decision changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChange {
    /// The agent.
    pub agent: String,
    /// The decision of the old version.
    pub old: Side,
    /// The decision of the new version.
    pub new: Side,
    /// A request in the region (replayed on both sides).
    pub witness: Witness,
}

/// A structural change of a rate limit or budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitChange {
    /// The agent.
    pub agent: String,
    /// What changed, e.g. "rate_limit `svc/*` 100 per minute removed".
    pub description: String,
}

/// Everything that changed between two versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffReport {
    /// Changed regions of decisions.
    pub regions: Vec<RegionChange>,
    /// Changed limits.
    pub limits: Vec<LimitChange>,
    /// Regions the solver could not finish (per agent), never taken as "no change".
    pub unknown: Vec<String>,
}

impl DiffReport {
    /// Whether nothing changed (and nothing is unknown).
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty() && self.limits.is_empty() && self.unknown.is_empty()
    }
}

const MAX_REGIONS_PER_GROUP: usize = 16;

/// Compares two error-free analysed versions of a policy.
pub fn semantic_diff(
    old: &Analysis,
    new: &Analysis,
    options: &SmtOptions,
) -> Result<DiffReport, SmtError> {
    if old.has_errors() || new.has_errors() {
        return Err(SmtError::PolicyHasErrors);
    }
    diff_policies(&old.policy, &new.policy, &Z3Backend, options)
}

/// Compares every agent of two error-free versions with the solver of `backend`.
pub(crate) fn diff_policies(
    old: &hir::Policy,
    new: &hir::Policy,
    backend: &dyn Backend,
    options: &SmtOptions,
) -> Result<DiffReport, SmtError> {
    let mut report = DiffReport::default();
    let names: BTreeSet<&str> = old
        .agents
        .iter()
        .chain(&new.agents)
        .map(|agent| agent.name.as_str())
        .collect();
    let mut failed = None;
    backend.run(options.timeout, &mut |solver| {
        for name in &names {
            let (old_agent, new_agent) = (old.agent(name), new.agent(name));
            let replayers = (
                Replayer::new(&old_agent.into_iter().collect::<Vec<_>>()),
                Replayer::new(&new_agent.into_iter().collect::<Vec<_>>()),
            );
            let (mut old_replayer, mut new_replayer) = match replayers {
                (Ok(old), Ok(new)) => (old, new),
                (Err(error), _) | (_, Err(error)) => {
                    failed = Some(error);
                    return;
                }
            };
            match (old_agent, new_agent) {
                (Some(old_agent), Some(new_agent)) => {
                    let (old_rules, new_rules) =
                        (AgentRules::of(old_agent), AgentRules::of(new_agent));
                    let mut differ = AgentDiff {
                        old: &old_rules,
                        new: &new_rules,
                        solver: &mut *solver,
                        replayers: (&mut old_replayer, &mut new_replayer),
                        report: &mut report,
                    };
                    differ.run();
                    limits(old_agent, new_agent, &mut report);
                }
                _ => {
                    let witness = Witness::bare(name, "faramesh-diff/any");
                    let (before, after) =
                        (old_replayer.decide(&witness), new_replayer.decide(&witness));
                    report.regions.push(RegionChange {
                        agent: name.to_string(),
                        old: side(name, &before),
                        new: side(name, &after),
                        witness,
                    });
                }
            }
        }
    });
    match failed {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

fn side(agent: &str, outcome: &Outcome) -> Side {
    Side {
        effect: outcome.effect.clone(),
        reason_code: outcome.reason_code.clone(),
        rule: outcome.rule.map(|n| format!("{agent}/{n}")),
    }
}

struct AgentDiff<'a, 's> {
    old: &'a AgentRules,
    new: &'a AgentRules,
    solver: &'s mut dyn Solver,
    replayers: (&'s mut Replayer, &'s mut Replayer),
    report: &'s mut DiffReport,
}

/// The decision of some rules as formulas: which rule fires, and the effect.
pub(crate) struct Decision {
    /// (rule number, matches, errs) of each rule reached, in evaluation order.
    fires: Vec<(usize, T, T)>,
    /// No rule fires.
    none: T,
    permit: T,
    defer: T,
}

/// The decision of `rules` (each with its effect when it matches and its formulas), tried in
/// order, when none of them deciding leaves the decision to something they share (the rules
/// after them, or the default): the diff of two orders of the same rules.
pub(crate) fn decision(rules: &[(EffectKind, &RuleFormulas)]) -> Decision {
    decide(
        rules
            .iter()
            .map(|(effect, formulas)| (0, *effect, *formulas)),
        None,
    )
}

/// Whether two decisions differ in effect.
pub(crate) fn changed(before: &Decision, after: &Decision) -> T {
    term::or2(
        &term::not(&term::eq(&before.permit, &after.permit)),
        &term::not(&term::eq(&before.defer, &after.defer)),
    )
}

/// The decision of `rules` (number, effect when matched, formulas) and then `default`.
fn decide<'f>(
    rules: impl Iterator<Item = (usize, EffectKind, &'f RuleFormulas)>,
    default: Option<EffectKind>,
) -> Decision {
    let mut reached = term::bool(true);
    let mut fires = Vec::new();
    let mut permit = Vec::new();
    let mut defer = Vec::new();
    for (number, effect, formula) in rules {
        let matched = term::and2(&reached, &formula.matches());
        let errs = term::and([
            reached.clone(),
            formula.scope.clone(),
            formula.applies.clone(),
            term::not(&formula.ok),
        ]);
        match effect {
            EffectKind::Permit => permit.push(matched.clone()),
            EffectKind::Defer => defer.push(matched.clone()),
            EffectKind::Deny => {}
        }
        fires.push((number, matched, errs));
        reached = term::and2(&reached, &term::not(&formula.hits()));
    }
    match default {
        Some(EffectKind::Permit) => permit.push(reached.clone()),
        Some(EffectKind::Defer) => defer.push(reached.clone()),
        Some(EffectKind::Deny) | None => {}
    }
    Decision {
        fires,
        none: reached,
        permit: term::or(permit),
        defer: term::or(defer),
    }
}

/// The decision of `agent`'s rules `order` (indexes, in evaluation order) and its default,
/// which requests `blocked` (a phase's `tools` deny them first) never reach.
fn agent_decision(
    agent: &AgentRules,
    formulas: &[RuleFormulas],
    order: &[usize],
    blocked: &T,
) -> Decision {
    let mut decision = decide(
        order.iter().map(|&index| {
            let rule = &agent.rules[index];
            (rule.number, rule.effect_when_matched(), &formulas[index])
        }),
        None,
    );
    let reaches_default = term::and2(&decision.none, &term::not(blocked));
    match agent.agent.default {
        EffectKind::Permit => decision.permit = term::or2(&decision.permit, &reaches_default),
        EffectKind::Defer => decision.defer = term::or2(&decision.defer, &reaches_default),
        EffectKind::Deny => {}
    }
    decision.none = reaches_default;
    decision
}

impl AgentDiff<'_, '_> {
    fn run(&mut self) {
        let (old_name, new_name) = (&self.old.agent.name, &self.new.agent.name);
        let mut phases: Vec<String> = Vec::new();
        for phase in self.old.agent.phases.iter().chain(&self.new.agent.phases) {
            if !phases.contains(phase) {
                phases.push(phase.clone());
            }
        }
        let mut old_encoder = Encoder::with_phases(&self.old.agent, &phases);
        let mut new_encoder = Encoder::with_phases(&self.new.agent, &phases);
        let old_formulas: Vec<RuleFormulas> = self
            .old
            .rules
            .iter()
            .map(|rule| old_encoder.rule(rule))
            .collect();
        let new_formulas: Vec<RuleFormulas> = self
            .new
            .rules
            .iter()
            .map(|rule| new_encoder.rule(rule))
            .collect();
        let (old_blocked, new_blocked) = (old_encoder.out_of_phase(), new_encoder.out_of_phase());
        let mut axioms = old_encoder.axioms();
        axioms.extend(new_encoder.axioms());
        let mut fresh = old_encoder.fresh_state();
        fresh.extend(new_encoder.fresh_state());
        // Witnesses are written by the old version's encoder: it must know every argument the
        // new version reads too.
        old_encoder.adopt_paths(&new_encoder);

        // Group the rules of both versions by pattern overlap.
        let combined: Vec<&input::Rule> = self
            .old
            .rules
            .iter()
            .chain(&self.new.rules)
            .map(|rule| &**rule)
            .collect();
        let old_count = self.old.rules.len();
        let mut cut = false;
        for group in components(&combined) {
            let old_indices: Vec<usize> =
                group.iter().copied().filter(|i| *i < old_count).collect();
            let new_indices: Vec<usize> = group
                .iter()
                .copied()
                .filter(|i| *i >= old_count)
                .map(|i| i - old_count)
                .collect();
            if old_indices.len() == new_indices.len()
                && old_indices
                    .iter()
                    .zip(&new_indices)
                    .all(|(a, b)| self.old.rules[*a].decides_like(&self.new.rules[*b]))
                && self.old.agent.default == self.new.agent.default
                && same_phase_tools(&self.old.agent, &self.new.agent)
            {
                continue;
            }
            if self.solver.exhausted() {
                cut = true;
                break;
            }
            let in_group = term::or(
                group
                    .iter()
                    .map(|i| old_encoder.tool_matches(&combined[*i].pattern)),
            );
            let before = agent_decision(self.old, &old_formulas, &old_indices, &old_blocked);
            let after = agent_decision(self.new, &new_formulas, &new_indices, &new_blocked);
            let changed = changed(&before, &after);
            let mut blocked: Vec<T> = Vec::new();
            for _ in 0..MAX_REGIONS_PER_GROUP {
                let mut query = axioms.clone();
                query.push(in_group.clone());
                query.push(changed.clone());
                query.extend(blocked.iter().cloned());
                let mut with_fresh = query.clone();
                with_fresh.extend(fresh.iter().cloned());
                let model = match self.solver.check(&with_fresh) {
                    SatResult::Sat(model) => model,
                    SatResult::Unsat => match self.solver.check(&query) {
                        SatResult::Unsat => break,
                        _ => {
                            self.report.unknown.push(format!(
                                "`{old_name}`: a change needs session history to show; not confirmed"
                            ));
                            break;
                        }
                    },
                    SatResult::Unknown if self.solver.exhausted() => {
                        cut = true;
                        break;
                    }
                    SatResult::Unknown => {
                        self.report.unknown.push(format!(
                            "`{old_name}`: the solver could not finish comparing rules of `{}`",
                            combined[group[0]].pattern
                        ));
                        break;
                    }
                };
                let Some(witness) = old_encoder.witness(&model) else {
                    self.report.unknown.push(format!(
                        "`{old_name}`: a change needs a request too large to show; not confirmed"
                    ));
                    break;
                };
                let (old_outcome, new_outcome) = (
                    self.replayers.0.decide(&witness),
                    self.replayers.1.decide(&witness),
                );
                // The requests decided the way this witness was (the same rule, by matching or
                // by erring) on both sides need no other witness.
                let fired = |decision: &Decision, outcome: &Outcome| match outcome.rule {
                    Some(n) => decision
                        .fires
                        .iter()
                        .find(|(number, _, _)| *number == n)
                        .map_or_else(
                            || term::bool(true),
                            |(_, matches, errs)| {
                                if outcome.reason_code == "CONDITION_ERROR" {
                                    errs.clone()
                                } else {
                                    matches.clone()
                                }
                            },
                        ),
                    None => decision.none.clone(),
                };
                blocked.push(term::not(&term::and2(
                    &fired(&before, &old_outcome),
                    &fired(&after, &new_outcome),
                )));
                if old_outcome.effect != new_outcome.effect {
                    self.report.regions.push(RegionChange {
                        agent: old_name.clone(),
                        old: side(old_name, &old_outcome),
                        new: side(new_name, &new_outcome),
                        witness,
                    });
                }
            }
        }
        if cut {
            self.report.unknown.push(format!(
                "`{old_name}`: the time budget (`--smt-timeout`) ran out before every rule was compared"
            ));
        }
        // Tools no pattern of either version matches: the defaults decide.
        if self.old.agent.default != self.new.agent.default {
            let tool = "faramesh-diff-unmatched/tool";
            if !combined
                .iter()
                .any(|rule| glob::overlap(&rule.pattern, tool))
            {
                let witness = Witness::bare(old_name, tool);
                let (before, after) = (
                    self.replayers.0.decide(&witness),
                    self.replayers.1.decide(&witness),
                );
                if before.effect != after.effect {
                    self.report.regions.push(RegionChange {
                        agent: old_name.clone(),
                        old: side(old_name, &before),
                        new: side(new_name, &after),
                        witness,
                    });
                }
            }
        }
    }
}

/// Whether the two versions restrict the tools of their phases alike.
fn same_phase_tools(old: &input::Agent, new: &input::Agent) -> bool {
    let restricted = |agent: &input::Agent| -> Vec<(String, Vec<String>)> {
        agent
            .phases
            .iter()
            .zip(&agent.phase_tools)
            .filter_map(|(name, tools)| Some((name.clone(), tools.clone()?)))
            .collect()
    };
    restricted(old) == restricted(new)
}

fn limits(old: &hir::Agent, new: &hir::Agent, report: &mut DiffReport) {
    let describe_rate = |limit: &hir::RateLimit| {
        format!(
            "rate_limit `{}` {} per {}",
            limit.pattern,
            limit
                .limit
                .as_ref()
                .map_or_else(|| "?".to_string(), value_text),
            limit.window.as_deref().unwrap_or("?")
        )
    };
    let describe_budget = |budget: &hir::Budget| {
        let items: Vec<String> = budget
            .items
            .iter()
            .map(|(key, value)| format!("{key} {}", value_text(value)))
            .collect();
        format!("budget {} {{ {} }}", budget.scope, items.join(", "))
    };
    // A phase's `tools` is also compared as written: it denies before the rules, and a
    // change to it is named even where no rule changed.
    let describe_phases = |agent: &hir::Agent| -> Vec<String> {
        agent
            .phases
            .iter()
            .filter_map(|phase| {
                let tools = phase.tools()?;
                Some(format!("phase {} tools [{}]", phase.name, tools.join(", ")))
            })
            .collect()
    };
    let before: Vec<String> = old
        .rate_limits
        .iter()
        .map(describe_rate)
        .chain(old.budgets.iter().map(describe_budget))
        .chain(describe_phases(old))
        .collect();
    let after: Vec<String> = new
        .rate_limits
        .iter()
        .map(describe_rate)
        .chain(new.budgets.iter().map(describe_budget))
        .chain(describe_phases(new))
        .collect();
    for removed in before.iter().filter(|item| !after.contains(item)) {
        report.limits.push(LimitChange {
            agent: old.name.clone(),
            description: format!("removed {removed}"),
        });
    }
    for added in after.iter().filter(|item| !before.contains(item)) {
        report.limits.push(LimitChange {
            agent: new.name.clone(),
            description: format!("added {added}"),
        });
    }
}

fn value_text(value: &hir::Value) -> String {
    use hir::ValueKind::*;
    match &value.kind {
        Bool(flag) => flag.to_string(),
        Number(n) => n.to_string(),
        Money(n) => format!("${n}"),
        Duration(n) => format!("{n}s"),
        Size(n) => format!("{n}b"),
        String(text) | Ident(text) | Pattern(text) => text.clone(),
        List(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Env(name) => format!("env({name})"),
        Invalid | OutOfRange => "?".to_string(),
    }
}
