//! A run of the SMT analysis over a policy: each agent's rules in groups, the groups the
//! cache does not know checked with one solver, and the findings placed where the rules are.

use std::collections::HashMap;
use std::sync::Arc;

use super::agent::AgentContext;
use super::cache::{Cache, GroupKey};
use super::checks;
use super::components::components;
use super::finding::Finding;
use super::group::Group;
use super::input::{self, AgentRules};
use super::replay::Replayer;
use super::solver::Backend;
use super::{InternalError, SmtError, SmtOptions, SmtReport};
use crate::diagnostic::Diagnostic;
use crate::hir;
use crate::source::FileId;

/// What the analysis of one error-free policy reads, taken from the semantic model: each agent
/// with its position-free rules, and the texts of its files for the edits of fixes. It owns
/// everything, so it can be taken from an analysis host's snapshot and solved after the
/// snapshot is gone.
#[derive(Debug, Clone)]
pub(crate) struct PolicyInput {
    agents: Vec<(AgentRules, hir::Agent)>,
    texts: HashMap<FileId, Arc<str>>,
}

impl PolicyInput {
    /// The input of `policy`, whose files' texts `text` gives.
    pub fn new(policy: &hir::Policy, text: impl Fn(FileId) -> Option<Arc<str>>) -> PolicyInput {
        let mut texts = HashMap::new();
        for rule in policy.agents.iter().flat_map(|agent| &agent.rules) {
            let file = rule.span.file;
            if !texts.contains_key(&file)
                && let Some(found) = text(file)
            {
                texts.insert(file, found);
            }
        }
        PolicyInput {
            agents: policy
                .agents
                .iter()
                .map(|agent| (AgentRules::of(agent), agent.clone()))
                .collect(),
            texts,
        }
    }
}

/// The groups of one agent that the cache did not answer.
struct Missing<'a> {
    rules: &'a AgentRules,
    agent: &'a hir::Agent,
    groups: Vec<(GroupKey, Vec<usize>)>,
}

/// Runs every check on `input`, answering what `cache` knows from it and remembering the
/// rest; gives up with [`SmtError::Stopped`] as soon as `stop` says so (it is asked before
/// each group the solver checks).
pub(crate) fn analyze(
    input: &PolicyInput,
    cache: &Cache,
    backend: &dyn Backend,
    options: &SmtOptions,
    stop: &dyn Fn() -> bool,
) -> Result<SmtReport, SmtError> {
    let text = |file: FileId| input.texts.get(&file).map(|text| &**text);
    let mut report = SmtReport::default();
    let mut missing = Vec::new();
    for (rules, agent) in &input.agents {
        let refs: Vec<&input::Rule> = rules.rules.iter().map(|rule| &**rule).collect();
        let mut groups = Vec::new();
        for order in components(&refs) {
            let key = GroupKey {
                agent: rules.agent.clone(),
                rules: order
                    .iter()
                    .map(|&index| rules.rules[index].clone())
                    .collect(),
            };
            match cache.get(&key) {
                Some(found) => render(&found, agent, &text, &mut report.diagnostics),
                None => groups.push((key, order)),
            }
        }
        if !groups.is_empty() {
            missing.push(Missing {
                rules,
                agent,
                groups,
            });
        }
    }
    // The solver is set up only when the cache leaves something to check.
    if !missing.is_empty() {
        let mut failed = None;
        backend.run(options.timeout, &mut |solver| {
            for agent in &missing {
                let context = AgentContext::new(agent.rules, agent.agent);
                let mut replayer = match Replayer::new(&[agent.agent]) {
                    Ok(replayer) => replayer,
                    Err(error) => {
                        failed = Some(error);
                        return;
                    }
                };
                let mut not_analysed = Vec::new();
                for (key, order) in &agent.groups {
                    if stop() {
                        failed = Some(SmtError::Stopped);
                        return;
                    }
                    let mut group =
                        Group::new(&context, order.clone(), &mut *solver, &mut replayer);
                    let left = checks::run(&mut group);
                    let (findings, internal): (Vec<Finding>, Vec<InternalError>) =
                        (group.findings, group.internal);
                    render(&findings, agent.agent, &text, &mut report.diagnostics);
                    if internal.is_empty() && left.is_empty() {
                        cache.put(key.clone(), findings.into());
                    }
                    report.internal_errors.extend(internal);
                    not_analysed.extend(left.into_iter().map(|at| order[at]));
                }
                if let Some(budget) = checks::analysis_unknown::budget(agent.rules, not_analysed) {
                    render(&[budget], agent.agent, &text, &mut report.diagnostics);
                }
            }
        });
        if let Some(error) = failed {
            return Err(error);
        }
    }
    crate::analysis::sort_diagnostics(&mut report.diagnostics);
    Ok(report)
}

fn render<'t>(
    findings: &[Finding],
    agent: &hir::Agent,
    text: &dyn Fn(FileId) -> Option<&'t str>,
    out: &mut Vec<Diagnostic>,
) {
    out.extend(findings.iter().map(|finding| finding.render(agent, text)));
}
