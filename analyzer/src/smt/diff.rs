//! The semantic diff of two versions of a policy (SPEC §7): the regions of requests whose
//! decision changed, each with a witness replayed on both sides, and structural limit changes.

use std::collections::BTreeSet;

use super::encode::{Encoder, RuleFormulas};
use super::findings::components;
use super::glob;
use super::replay::{Outcome, Replayer};
use super::solver::{SatResult, Solver, Z3Context, Z3Solver};
use super::term::{self, T};
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
    pub witness: String,
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
    let old_replayer = Replayer::new(old)?;
    let new_replayer = Replayer::new(new)?;
    let context = Z3Context::new();
    context.with_watchdog(|watchdog| {
        let mut solver = Z3Solver::new(&context, watchdog, options.timeout);
        diff_agents(old, new, (&old_replayer, &new_replayer), &mut solver)
    })
}

/// Compares every agent of the two versions.
fn diff_agents(
    old: &Analysis,
    new: &Analysis,
    replayers: (&Replayer, &Replayer),
    solver: &mut dyn Solver,
) -> Result<DiffReport, SmtError> {
    let (old_replayer, new_replayer) = replayers;
    let mut report = DiffReport::default();
    let names: BTreeSet<&str> = old
        .policy
        .agents
        .iter()
        .chain(&new.policy.agents)
        .map(|agent| agent.name.as_str())
        .collect();
    for name in names {
        match (old.policy.agent(name), new.policy.agent(name)) {
            (Some(old_agent), Some(new_agent)) => {
                let mut differ = AgentDiff {
                    old: old_agent,
                    new: new_agent,
                    solver: &mut *solver,
                    replayers,
                    report: &mut report,
                };
                differ.run();
                limits(old_agent, new_agent, &mut report);
            }
            _ => {
                let witness = format!(
                    "{{\"agent\":{},\"tool\":\"faramesh-diff/any\"}}",
                    serde_json::to_string(name).unwrap_or_default()
                );
                if let (Some(before), Some(after)) =
                    (old_replayer.decide(&witness), new_replayer.decide(&witness))
                {
                    report.regions.push(RegionChange {
                        agent: name.to_string(),
                        old: side(name, &before),
                        new: side(name, &after),
                        witness,
                    });
                }
            }
        }
    }
    Ok(report)
}

fn side(agent: &str, outcome: &Outcome) -> Side {
    Side {
        effect: outcome.effect.clone(),
        reason_code: outcome.reason_code.clone(),
        rule: outcome.rule.map(|n| format!("{agent}/{n}")),
    }
}

struct AgentDiff<'a, 's> {
    old: &'a hir::Agent,
    new: &'a hir::Agent,
    solver: &'s mut dyn Solver,
    replayers: (&'s Replayer, &'s Replayer),
    report: &'s mut DiffReport,
}

/// The decision of one version as formulas: which rule fires, and the effect.
struct Decision {
    /// (rule number, matches, errs) of each rule reached, in evaluation order.
    fires: Vec<(usize, T, T)>,
    /// No rule fires.
    none: T,
    permit: T,
    defer: T,
}

fn decision(agent: &hir::Agent, formulas: &[RuleFormulas], order: &[usize]) -> Decision {
    let mut reached = term::bool(true);
    let mut fires = Vec::new();
    let mut permit = Vec::new();
    let mut defer = Vec::new();
    for &index in order {
        let rule = &agent.rules[index];
        let formula = &formulas[index];
        let matched = term::and2(&reached, &formula.matches());
        let errs = term::and([
            reached.clone(),
            formula.scope.clone(),
            formula.applies.clone(),
            term::not(&formula.ok),
        ]);
        if !rule.mandatory {
            match rule.effect {
                EffectKind::Permit => permit.push(matched.clone()),
                EffectKind::Defer => defer.push(matched.clone()),
                EffectKind::Deny => {}
            }
        }
        fires.push((rule.number, matched.clone(), errs));
        reached = term::and2(&reached, &term::not(&formula.hits()));
    }
    match agent.default_effect() {
        EffectKind::Permit => permit.push(reached.clone()),
        EffectKind::Defer => defer.push(reached.clone()),
        EffectKind::Deny => {}
    }
    Decision {
        fires,
        none: reached,
        permit: term::or(permit),
        defer: term::or(defer),
    }
}

impl AgentDiff<'_, '_> {
    fn run(&mut self) {
        let mut phases: Vec<String> = Vec::new();
        for phase in self.old.phases.iter().chain(&self.new.phases) {
            if !phases.contains(&phase.name) {
                phases.push(phase.name.clone());
            }
        }
        let mut old_encoder = Encoder::with_phases(self.old, &phases);
        let mut new_encoder = Encoder::with_phases(self.new, &phases);
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
        let mut axioms = old_encoder.axioms();
        axioms.extend(new_encoder.axioms());
        let mut fresh = old_encoder.fresh_state();
        fresh.extend(new_encoder.fresh_state());
        // Witnesses are written by the old version's encoder: it must know every argument the
        // new version reads too.
        old_encoder.adopt_paths(&new_encoder);

        // Group the rules of both versions by pattern overlap.
        let mut combined = hir::Agent::new(self.old.name.clone(), self.old.name_span, false);
        combined.rules = self
            .old
            .rules
            .iter()
            .chain(&self.new.rules)
            .cloned()
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
                    .all(|(a, b)| same_rule(&self.old.rules[*a], &self.new.rules[*b]))
                && self.old.default_effect() == self.new.default_effect()
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
                    .map(|i| old_encoder.tool_matches(&combined.rules[*i].pattern)),
            );
            let before = decision(self.old, &old_formulas, &old_indices);
            let after = decision(self.new, &new_formulas, &new_indices);
            let changed = term::or2(
                &term::not(&term::eq(&before.permit, &after.permit)),
                &term::not(&term::eq(&before.defer, &after.defer)),
            );
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
                                "`{}`: a change needs session history to show; not confirmed",
                                self.old.name
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
                            "`{}`: the solver could not finish comparing rules of `{}`",
                            self.old.name, combined.rules[group[0]].pattern
                        ));
                        break;
                    }
                };
                let Some(witness) = old_encoder.witness(&model) else {
                    self.report.unknown.push(format!(
                        "`{}`: a change needs a request too large to show; not confirmed",
                        self.old.name
                    ));
                    break;
                };
                let (Some(old_outcome), Some(new_outcome)) = (
                    self.replayers.0.decide(&witness),
                    self.replayers.1.decide(&witness),
                ) else {
                    break;
                };
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
                        agent: self.old.name.clone(),
                        old: side(&self.old.name, &old_outcome),
                        new: side(&self.new.name, &new_outcome),
                        witness,
                    });
                }
            }
        }
        if cut {
            self.report.unknown.push(format!(
                "`{}`: the time budget (`--smt-timeout`) ran out before every rule was compared",
                self.old.name
            ));
        }
        // Tools no pattern of either version matches: the defaults decide.
        if self.old.default_effect() != self.new.default_effect() {
            let tool = "faramesh-diff-unmatched/tool";
            if !combined
                .rules
                .iter()
                .any(|rule| glob::overlap(&rule.pattern, tool))
            {
                let witness = format!(
                    "{{\"agent\":{},\"tool\":\"{tool}\"}}",
                    serde_json::to_string(&self.old.name).unwrap_or_default()
                );
                if let (Some(before), Some(after)) = (
                    self.replayers.0.decide(&witness),
                    self.replayers.1.decide(&witness),
                ) && before.effect != after.effect
                {
                    self.report.regions.push(RegionChange {
                        agent: self.old.name.clone(),
                        old: side(&self.old.name, &before),
                        new: side(&self.new.name, &after),
                        witness,
                    });
                }
            }
        }
    }
}

/// Two rules that decide the same way wherever they apply (positions ignored).
fn same_rule(a: &hir::Rule, b: &hir::Rule) -> bool {
    a.effect == b.effect
        && a.mandatory == b.mandatory
        && a.pattern == b.pattern
        && a.phase == b.phase
        && format!(
            "{:?}",
            a.selectors
                .iter()
                .map(|s| (&s.kind, &s.values))
                .collect::<Vec<_>>()
        ) == format!(
            "{:?}",
            b.selectors
                .iter()
                .map(|s| (&s.kind, &s.values))
                .collect::<Vec<_>>()
        )
        && strip(&a.condition) == strip(&b.condition)
}

fn strip(condition: &Option<hir::Expr>) -> String {
    // The Debug text without ranges: ranges are the only position data in an expression.
    let text = format!("{condition:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("range: ") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find(['}', ',']).map_or(after.len(), |end| end + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
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
    let before: Vec<String> = old
        .rate_limits
        .iter()
        .map(describe_rate)
        .chain(old.budgets.iter().map(describe_budget))
        .collect();
    let after: Vec<String> = new
        .rate_limits
        .iter()
        .map(describe_rate)
        .chain(new.budgets.iter().map(describe_budget))
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
