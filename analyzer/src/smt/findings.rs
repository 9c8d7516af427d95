//! The `S0301`–`S0306` checks over the encoding of each agent, with replayed witnesses.

use std::collections::HashMap;

use super::axioms::Axioms;
use super::cache;
use super::encode::{Encoder, RuleFormulas};
use super::glob;
use super::replay::{Outcome, Replayer};
use super::solver::{SatResult, Solver, Z3Context, Z3Solver};
use super::term::{self, T};
use super::union_find::UnionFind;
use super::{InternalError, SmtError, SmtOptions, SmtReport};
use crate::analysis::Analysis;
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Fix, Severity, Span, TextEdit};
use crate::hir::{self, EffectKind};

/// Runs every SMT check on an error-free analysed policy.
pub fn analyze_smt(analysis: &Analysis, options: &SmtOptions) -> Result<SmtReport, SmtError> {
    analyze_smt_until(analysis, options, &|| false)
}

/// [`analyze_smt`], giving up with [`SmtError::Stopped`] as soon as `stop` says so; it is asked
/// before each group of rules, so an editor can drop a run its user has typed past.
pub fn analyze_smt_until(
    analysis: &Analysis,
    options: &SmtOptions,
    stop: &dyn Fn() -> bool,
) -> Result<SmtReport, SmtError> {
    if analysis.has_errors() {
        return Err(SmtError::PolicyHasErrors);
    }
    let replayer = Replayer::new(analysis)?;
    let mut report = SmtReport::default();
    let mut missing = Vec::new();
    for agent in &analysis.policy.agents {
        let mut groups = Vec::new();
        for component in components(agent) {
            let key = cache::group_key(analysis, agent, &component, options);
            let spans = rule_spans(agent, &component);
            match cache::get(key, &spans) {
                Some(cached) => report.diagnostics.extend(cached),
                None => groups.push((key, component, spans)),
            }
        }
        if !groups.is_empty() {
            missing.push((agent, groups));
        }
    }
    // z3 is set up only when the cache leaves something to check.
    if !missing.is_empty() {
        let context = Z3Context::new();
        context.with_watchdog(|watchdog| {
            let mut solver = Z3Solver::new(&context, watchdog, options.timeout);
            for (agent, groups) in missing {
                // The agent is encoded once for all the groups the cache did not answer.
                let mut checker = AgentChecker::new(agent, &mut solver, &replayer);
                for (key, component, spans) in groups {
                    if stop() {
                        return Err(SmtError::Stopped);
                    }
                    let complete = checker.run(&component);
                    let (diagnostics, internal) = checker.take_findings();
                    if internal.is_empty() && complete {
                        cache::put(key, spans, diagnostics.clone());
                    }
                    report.diagnostics.extend(diagnostics);
                    report.internal_errors.extend(internal);
                }
                report.diagnostics.extend(checker.budget_finding());
            }
            Ok(())
        })?;
    }
    crate::analysis::sort_diagnostics(&mut report.diagnostics);
    Ok(report)
}

/// Where the rules of a group are, in the group's order.
fn rule_spans(agent: &hir::Agent, group: &[usize]) -> Vec<Span> {
    group.iter().map(|&index| agent.rules[index].span).collect()
}

/// Groups an agent's rules (by index) so that rules of different groups match no common tool.
/// Each group is in evaluation order: mandatory denies first, then the others, in source order.
pub fn components(agent: &hir::Agent) -> Vec<Vec<usize>> {
    let count = agent.rules.len();
    let mut sets = UnionFind::new(count);
    // Literal patterns group by exact name; globs are compared with everything.
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let globs: Vec<usize> = (0..count)
        .filter(|index| !glob::is_literal(&agent.rules[*index].pattern))
        .collect();
    for (index, rule) in agent.rules.iter().enumerate() {
        if glob::is_literal(&rule.pattern) {
            match by_name.get(rule.pattern.as_str()) {
                Some(first) => sets.union(*first, index),
                None => {
                    by_name.insert(&rule.pattern, index);
                }
            }
        }
    }
    for &g in &globs {
        for index in 0..count {
            if index != g && glob::overlap(&agent.rules[g].pattern, &agent.rules[index].pattern) {
                sets.union(g, index);
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for index in 0..count {
        groups.entry(sets.find(index)).or_default().push(index);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    for group in &mut out {
        group.sort_by_key(|index| (!agent.rules[*index].mandatory, *index));
    }
    out.sort();
    out
}

/// What a witness must reproduce.
enum Claim {
    /// Decided by one of these rules (numbers).
    DecidedBy(Vec<usize>),
    /// Decided by a `deny!`.
    Mandatory,
    /// Not decided by this rule.
    NotBy(usize),
}

impl Claim {
    fn holds(&self, outcome: &Outcome) -> bool {
        match self {
            Claim::DecidedBy(rules) => outcome.rule.is_some_and(|rule| rules.contains(&rule)),
            Claim::Mandatory => outcome.reason_code == "MANDATORY_DENY",
            Claim::NotBy(rule) => outcome.rule != Some(*rule),
        }
    }

    fn describe(&self) -> String {
        match self {
            Claim::DecidedBy(rules) => format!("a decision by rule {rules:?}"),
            Claim::Mandatory => "MANDATORY_DENY".to_string(),
            Claim::NotBy(rule) => format!("a decision not by rule {rule}"),
        }
    }
}

enum Check {
    Proved,
    Refuted,
    Unknown,
}

struct AgentChecker<'a, 's> {
    agent: &'a hir::Agent,
    encoder: Encoder<'a>,
    formulas: Vec<RuleFormulas>,
    axioms: Axioms,
    fresh_state: Vec<T>,
    solver: &'s mut dyn Solver,
    replayer: &'s Replayer,
    out: Vec<Diagnostic>,
    internal: Vec<InternalError>,
    /// Rules the run's time budget left unanalysed (or analysed in part).
    not_analysed: Vec<usize>,
}

impl<'a, 's> AgentChecker<'a, 's> {
    /// Encodes every rule of `agent` once, for all its groups.
    fn new(agent: &'a hir::Agent, solver: &'s mut dyn Solver, replayer: &'s Replayer) -> Self {
        let mut encoder = Encoder::new(agent);
        let formulas = agent.rules.iter().map(|rule| encoder.rule(rule)).collect();
        AgentChecker {
            agent,
            axioms: Axioms::new(encoder.axioms()),
            fresh_state: encoder.fresh_state(),
            encoder,
            formulas,
            solver,
            replayer,
            out: Vec::new(),
            internal: Vec::new(),
            not_analysed: Vec::new(),
        }
    }
}

impl AgentChecker<'_, '_> {
    /// Checks the rules of one group, in evaluation order; false when the run's time budget
    /// ran out before every rule was checked.
    fn run(&mut self, component: &[usize]) -> bool {
        let mut complete = true;
        for (position, &index) in component.iter().enumerate() {
            if !self.solver.exhausted() {
                let earlier = &component[..position];
                self.check_rule(index, earlier);
            }
            if self.solver.exhausted() {
                self.not_analysed.push(index);
                complete = false;
            }
        }
        complete
    }

    /// One `S0306` for the rules of the agent the run's time budget left unanalysed: a reader
    /// sees once that the budget ran out and which rules it left, instead of one warning per
    /// rule.
    fn budget_finding(&mut self) -> Option<Diagnostic> {
        if self.not_analysed.is_empty() {
            return None;
        }
        let mut rules: Vec<usize> = std::mem::take(&mut self.not_analysed)
            .into_iter()
            .map(|index| self.agent.rules[index].number)
            .collect();
        rules.sort_unstable();
        rules.dedup();
        const LISTED: usize = 10;
        let mut listed: Vec<String> = rules
            .iter()
            .take(LISTED)
            .map(|number| format!("`{}/{number}`", self.agent.name))
            .collect();
        if rules.len() > LISTED {
            listed.push(format!("and {} more", rules.len() - LISTED));
        }
        Some(
            Diagnostic::new(
                Code::S0306,
                self.agent.name_span,
                format!(
                    "the SMT analysis of `{}` ran out of time: {} of its {} rules were not analysed",
                    self.agent.name,
                    rules.len(),
                    self.agent.rules.len()
                ),
            )
            .with_note(format!("not analysed: {}; this is not a pass", listed.join(", ")))
            .with_help("raise the time budget of the whole analysis with `--smt-timeout <SECONDS>`"),
        )
    }

    /// The findings since the last call, and the witnesses that did not reproduce.
    fn take_findings(&mut self) -> (Vec<Diagnostic>, Vec<InternalError>) {
        (
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.internal),
        )
    }

    /// `Unsat` of the goal: proved; `Sat`: refuted.
    fn prove_unsat(&mut self, goal: &[T]) -> Check {
        match self.solve(goal.to_vec()) {
            SatResult::Unsat => Check::Proved,
            SatResult::Sat(_) => Check::Refuted,
            SatResult::Unknown => Check::Unknown,
        }
    }

    /// A replayable witness of `goal`, if the solver finds one.
    fn witness(&mut self, goal: &[T]) -> Option<String> {
        let mut query = goal.to_vec();
        query.extend(self.fresh_state.iter().cloned());
        match self.solve(query) {
            SatResult::Sat(model) => self.encoder.witness(&model),
            _ => None,
        }
    }

    /// Checks `goal` with the facts about the variables it reads.
    fn solve(&mut self, goal: Vec<T>) -> SatResult {
        let mut query = self.axioms.relevant(&goal);
        query.extend(goal);
        self.solver.check(&query)
    }

    /// Replays a witness; `None` when it did not reproduce (recorded as an internal error, or
    /// as `S0306` when the encoding of the rules involved was approximate).
    fn confirm(&mut self, index: usize, witness: &str, claim: &Claim, approximate: bool) -> bool {
        let outcome = self.replayer.decide(witness);
        if let Some(outcome) = &outcome
            && claim.holds(outcome)
        {
            return true;
        }
        let rule = &self.agent.rules[index];
        if approximate {
            self.out.push(
                Diagnostic::new(
                    Code::S0306,
                    rule.span,
                    format!("the analysis of `{}/{}` is not conclusive", self.agent.name, rule.number),
                )
                .with_note(
                    "the rule uses something the solver models only approximately (session history, a regular expression outside the supported fragment, list contents or case mapping), and the candidate witness did not reproduce",
                ),
            );
        } else {
            self.internal.push(InternalError {
                agent: self.agent.name.clone(),
                rule: rule.number,
                witness: witness.to_string(),
                expected: claim.describe(),
                actual: outcome.map_or_else(|| "nothing".to_string(), |o| o.to_string()),
            });
        }
        false
    }

    fn unknown(&mut self, index: usize, property: &str) {
        if self.solver.exhausted() {
            // The budget finding of the agent names the rule.
            return;
        }
        let rule = &self.agent.rules[index];
        self.out.push(
            Diagnostic::new(
                Code::S0306,
                rule.span,
                format!(
                    "the solver could not decide whether `{}/{}` {property}",
                    self.agent.name, rule.number
                ),
            )
            .with_note(
                "the query ran out of time or left the decidable fragment; this is not a pass",
            )
            .with_help(format!(
                "each query may take {} s; simplify the condition, or split the rule",
                super::solver::QUERY_LIMIT.as_secs()
            )),
        );
    }

    fn id(&self, index: usize) -> String {
        format!("{}/{}", self.agent.name, self.agent.rules[index].number)
    }

    fn remove_fix(&self, index: usize) -> Fix {
        let span = self.agent.rules[index].span;
        Fix {
            title: "remove the rule".to_string(),
            edits: vec![TextEdit {
                file: span.file,
                range: span.range,
                replacement: String::new(),
            }],
        }
    }

    fn check_rule(&mut self, index: usize, earlier: &[usize]) {
        let rule = &self.agent.rules[index];
        let formulas = self.formulas[index].clone();
        let approximate = formulas.approximate;
        // S0303 / S0304: the condition on its own.
        if rule.condition.is_some() {
            let holds = term::and([
                formulas.applies.clone(),
                formulas.ok.clone(),
                formulas.val.clone(),
            ]);
            match self.prove_unsat(std::slice::from_ref(&holds)) {
                Check::Proved => {
                    let mut diagnostic = Diagnostic::new(
                        Code::S0303,
                        rule.span,
                        format!("the condition of `{}` can never hold", self.id(index)),
                    )
                    .with_note("no request makes the condition true, so the rule never matches")
                    .with_fix(self.remove_fix(index));
                    let goal = [
                        self.reached(index, earlier),
                        formulas.applies.clone(),
                        formulas.ok.clone(),
                        term::not(&formulas.val),
                    ];
                    if let Some(witness) = self.witness(&goal) {
                        if !self.confirm(index, &witness, &Claim::NotBy(rule.number), approximate) {
                            return;
                        }
                        diagnostic = diagnostic.with_note(format!("for example this request reaches the rule and is not decided by it: {witness}"));
                    }
                    self.out.push(diagnostic);
                    return;
                }
                Check::Unknown => {
                    self.unknown(index, "can match");
                    return;
                }
                Check::Refuted => {}
            }
            let fails = term::and([
                formulas.applies.clone(),
                formulas.ok.clone(),
                term::not(&formulas.val),
            ]);
            match self.prove_unsat(std::slice::from_ref(&fails)) {
                Check::Proved => {
                    let mut diagnostic = Diagnostic::new(
                        Code::S0304,
                        rule.span,
                        format!("the condition of `{}` is always true", self.id(index)),
                    )
                    .with_note("whenever the condition can be evaluated it is true; the rule behaves as if it had no condition (except for requests where the condition is an error)");
                    if let Some(witness) =
                        self.witness(&[self.reached(index, earlier), formulas.matches()])
                    {
                        if !self.confirm(
                            index,
                            &witness,
                            &Claim::DecidedBy(vec![rule.number]),
                            approximate,
                        ) {
                            return;
                        }
                        diagnostic = diagnostic.with_note(format!("for example: {witness}"));
                    }
                    self.out.push(diagnostic);
                }
                Check::Unknown => self.unknown(index, "has an always-true condition"),
                Check::Refuted => {}
            }
        }
        // Earlier rules whose patterns share no tool with this one cannot decide its requests:
        // they need no query.
        let before: Vec<usize> = earlier
            .iter()
            .copied()
            .filter(|q| self.overlaps(*q, index))
            .collect();
        // S0302: permit or defer against mandatory denies.
        let mandatory: Vec<usize> = before
            .iter()
            .copied()
            .filter(|q| self.agent.rules[*q].mandatory)
            .collect();
        if !rule.mandatory && rule.effect != EffectKind::Deny && !mandatory.is_empty() {
            let mandatory_hits = term::or(mandatory.iter().map(|q| self.formulas[*q].hits()));
            let mandatory_matches = term::or(mandatory.iter().map(|q| self.formulas[*q].matches()));
            let approx = approximate || mandatory.iter().any(|q| self.formulas[*q].approximate);
            let own = formulas.matches();
            match self.prove_unsat(&[own.clone(), term::not(&mandatory_hits)]) {
                Check::Proved => {
                    if matches!(self.prove_unsat(std::slice::from_ref(&own)), Check::Refuted) {
                        let Some(witness) = self.witness(&[own.clone(), mandatory_hits.clone()])
                        else {
                            return self.unknown(index, "is overridden by a `deny!`");
                        };
                        if !self.confirm(index, &witness, &Claim::Mandatory, approx) {
                            return;
                        }
                        let mut diagnostic = Diagnostic::new(
                            Code::S0302,
                            rule.span,
                            format!("`{}` is overridden by `deny!` everywhere it matches", self.id(index)),
                        )
                        .with_note("mandatory denies are tried before every other rule, so this rule can never decide")
                        .with_note(format!("for example: {witness}"))
                        .with_fix(self.remove_fix(index));
                        for q in &mandatory {
                            diagnostic = diagnostic.with_label(
                                self.agent.rules[*q].span,
                                format!("`{}` denies first", self.id(*q)),
                            );
                        }
                        self.out.push(diagnostic);
                        return;
                    }
                }
                Check::Unknown => return self.unknown(index, "is overridden by a `deny!`"),
                Check::Refuted => {
                    if let Check::Refuted =
                        self.prove_unsat(&[own.clone(), mandatory_matches.clone()])
                        && let Some(witness) =
                            self.witness(&[own.clone(), mandatory_matches.clone()])
                        && self.confirm(index, &witness, &Claim::Mandatory, approx)
                    {
                        {
                            let mut diagnostic = Diagnostic::new(
                                Code::S0302,
                                rule.span,
                                format!("`{}` is partly overridden by `deny!`", self.id(index)),
                            )
                            .with_note("some requests this rule matches are denied first by a mandatory deny")
                            .with_note(format!("for example: {witness}"));
                            diagnostic.severity = Severity::Warning;
                            for q in &mandatory {
                                diagnostic = diagnostic.with_label(
                                    self.agent.rules[*q].span,
                                    format!("`{}` overlaps", self.id(*q)),
                                );
                            }
                            self.out.push(diagnostic);
                        }
                    }
                }
            }
        }
        let hits = formulas.hits();
        // S0305: an earlier rule with the same effect and the same match set.
        for &q in &before {
            let other = &self.agent.rules[q];
            if other.effect != rule.effect
                || other.mandatory != rule.mandatory
                || other.phase != rule.phase
            {
                continue;
            }
            let (mine, theirs) = (formulas.matches(), self.formulas[q].matches());
            let differ = term::or2(
                &term::and2(&mine, &term::not(&theirs)),
                &term::and2(&theirs, &term::not(&mine)),
            );
            if let Check::Proved = self.prove_unsat(std::slice::from_ref(&differ)) {
                if !matches!(
                    self.prove_unsat(std::slice::from_ref(&mine)),
                    Check::Refuted
                ) {
                    continue;
                }
                let approx = approximate || self.formulas[q].approximate;
                let reached = self.reached(
                    q,
                    &earlier[..earlier.iter().position(|e| *e == q).unwrap_or(0)],
                );
                let Some(witness) = self.witness(&[reached, theirs.clone()]) else {
                    continue;
                };
                if !self.confirm(
                    index,
                    &witness,
                    &Claim::DecidedBy(vec![other.number]),
                    approx,
                ) {
                    return;
                }
                self.out.push(
                    Diagnostic::new(
                        Code::S0305,
                        rule.span,
                        format!("`{}` duplicates `{}`", self.id(index), self.id(q)),
                    )
                    .with_label(
                        other.span,
                        format!("`{}` matches the same requests", self.id(q)),
                    )
                    .with_note(format!(
                        "for example this request is decided by `{}`: {witness}",
                        self.id(q)
                    ))
                    .with_fix(self.remove_fix(index)),
                );
                return;
            }
        }
        // S0301: covered by earlier rules (errors included).
        if before.is_empty() {
            return;
        }
        let reached = self.reached(index, earlier);
        match self.prove_unsat(&[hits.clone(), reached]) {
            Check::Proved => {
                if !matches!(
                    self.prove_unsat(std::slice::from_ref(&hits)),
                    Check::Refuted
                ) {
                    return;
                }
                let mut covering = Vec::new();
                for &q in &before {
                    if covering.len() >= 8 {
                        break;
                    }
                    if let Check::Refuted =
                        self.prove_unsat(&[hits.clone(), self.formulas[q].hits()])
                    {
                        covering.push(q);
                    }
                }
                let approx = approximate || covering.iter().any(|q| self.formulas[*q].approximate);
                let Some(witness) = self.witness(std::slice::from_ref(&hits)) else {
                    return self.unknown(index, "is reachable");
                };
                let numbers = before.iter().map(|q| self.agent.rules[*q].number).collect();
                if !self.confirm(index, &witness, &Claim::DecidedBy(numbers), approx) {
                    return;
                }
                let mut diagnostic = Diagnostic::new(
                    Code::S0301,
                    rule.span,
                    format!("`{}` is unreachable", self.id(index)),
                )
                .with_note("every request this rule matches is decided earlier (a condition that errors decides too)")
                .with_note(format!("for example: {witness}"))
                .with_fix(self.remove_fix(index));
                for q in covering {
                    diagnostic = diagnostic.with_label(
                        self.agent.rules[q].span,
                        format!("`{}` decides first", self.id(q)),
                    );
                }
                self.out.push(diagnostic);
            }
            Check::Unknown => self.unknown(index, "is reachable"),
            Check::Refuted => {}
        }
    }

    /// No earlier rule decides the request, given that rule `index` applies to it (so rules
    /// whose patterns share no tool with it are left out).
    fn reached(&self, index: usize, earlier: &[usize]) -> T {
        term::and(
            earlier
                .iter()
                .filter(|q| self.overlaps(**q, index))
                .map(|q| term::not(&self.formulas[*q].hits())),
        )
    }

    /// Whether the patterns of two rules match a common tool.
    fn overlaps(&self, a: usize, b: usize) -> bool {
        glob::overlap(&self.agent.rules[a].pattern, &self.agent.rules[b].pattern)
    }
}
