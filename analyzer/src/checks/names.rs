//! Names: unique agents and phases, `next` targets, credential backends, `env("X")` (E0201–E0204),
//! and local agents that replace imported ones (W0401).

use std::collections::HashMap;

use fpl_syntax::keywords::did_you_mean;

use super::CheckOptions;
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::hir::{self, span};

pub(super) fn check(policy: &hir::Policy, options: &CheckOptions, out: &mut Vec<Diagnostic>) {
    duplicate_agents(policy, out);
    shadowed_imports(policy, out);
    for agent in &policy.agents {
        phases(agent, out);
        budgets(agent, out);
        credential_backends(policy, agent, out);
    }
    if options.require_env {
        unset_env(policy, out);
    }
}

fn duplicate_agents(policy: &hir::Policy, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, &hir::Agent> = HashMap::new();
    for agent in policy.agents.iter().filter(|agent| !agent.name.is_empty()) {
        let Some(previous) = first.get(agent.name.as_str()) else {
            first.insert(&agent.name, agent);
            continue;
        };
        let diagnostic = if agent.is_flat || previous.is_flat {
            let (flat, explicit) = if agent.is_flat {
                (agent, *previous)
            } else {
                (*previous, agent)
            };
            Diagnostic::new(
                Code::E0201,
                flat.name_span,
                "rules outside an agent form agent `default`, which is also declared",
            )
            .with_label(explicit.name_span, "`agent default` declared here")
            .with_help("move the flat rules into the `agent default` block")
        } else {
            Diagnostic::new(
                Code::E0201,
                agent.name_span,
                format!("agent `{}` is declared twice", agent.name),
            )
            .with_label(previous.name_span, "first declared here")
            .with_note("agent names are global across all files of a policy")
        };
        out.push(diagnostic);
    }
}

/// `W0401`: a local agent replaces an imported agent of the same name.
fn shadowed_imports(policy: &hir::Policy, out: &mut Vec<Diagnostic>) {
    for shadowed in &policy.shadowed {
        let Some(local) = policy.agent(&shadowed.agent.name) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::W0401,
                local.name_span,
                format!(
                    "agent `{}` replaces the agent of the same name imported from `{}`",
                    local.name, shadowed.import
                ),
            )
            .with_label(shadowed.agent.name_span, "imported agent, not used")
            .with_note(
                "a local agent wins over an imported one; the imported agent's rules are ignored",
            )
            .with_help("rename the local agent to keep both, or remove it to use the imported one"),
        );
    }
}

/// The names written a second time, each with where it is and where it was first written.
fn repeated<'a>(
    named: impl Iterator<Item = (&'a str, Span)>,
) -> impl Iterator<Item = (&'a str, Span, Span)> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    named.filter_map(move |(name, at)| match seen.get(name) {
        Some(first) => Some((name, at, *first)),
        None => {
            seen.insert(name, at);
            None
        }
    })
}

/// Budget ids are unique per agent (`E0205`).
fn budgets(agent: &hir::Agent, out: &mut Vec<Diagnostic>) {
    let ids = agent
        .budgets
        .iter()
        .filter(|budget| !budget.scope.is_empty())
        .map(|budget| (budget.scope.as_str(), budget.span));
    for (id, at, first) in repeated(ids) {
        out.push(
            Diagnostic::new(Code::E0205, at, format!("budget `{id}` is declared twice"))
                .with_label(first, "first declared here")
                .with_help("merge the two blocks, or give one of them an id of its own"),
        );
    }
}

fn phases(agent: &hir::Agent, out: &mut Vec<Diagnostic>) {
    let names = agent
        .phases
        .iter()
        .map(|phase| (phase.name.as_str(), phase.span));
    for (name, at, first) in repeated(names) {
        out.push(
            Diagnostic::new(Code::E0203, at, format!("phase `{name}` is declared twice"))
                .with_label(first, "first declared here"),
        );
    }
    for phase in &agent.phases {
        for (key, value) in &phase.attributes {
            let Some(target) = value.as_text().filter(|_| key == "next") else {
                continue;
            };
            if agent.phases.iter().any(|phase| phase.name == target) {
                continue;
            }
            let value_span = span(phase.span.file, value.range);
            let mut diagnostic = Diagnostic::new(
                Code::E0203,
                value_span,
                format!(
                    "`next` names `{target}`, which is no phase of agent `{}`",
                    agent.name
                ),
            );
            if let Some(suggestion) =
                did_you_mean(target, agent.phases.iter().map(|p| p.name.as_str()))
            {
                diagnostic =
                    diagnostic.with_replacement(format!("replace with `{suggestion}`"), suggestion);
            }
            out.push(diagnostic);
        }
    }
}

fn credential_backends(policy: &hir::Policy, agent: &hir::Agent, out: &mut Vec<Diagnostic>) {
    let providers: Vec<&str> = policy.providers().chain(["vault", "env"]).collect();
    for credential in &agent.credentials {
        for (key, value) in &credential.attributes {
            let Some(backend) = value.as_text().filter(|_| key == "backend") else {
                continue;
            };
            if providers.contains(&backend) {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                Code::E0202,
                span(credential.span.file, value.range),
                format!("credential backend `{backend}` names no provider"),
            )
            .with_help("declare `provider <name> { type = … }` or use `vault` or `env`");
            if let Some(suggestion) = did_you_mean(backend, providers.iter().copied()) {
                diagnostic =
                    diagnostic.with_replacement(format!("replace with `{suggestion}`"), suggestion);
            }
            out.push(diagnostic);
        }
    }
}

fn unset_env(policy: &hir::Policy, out: &mut Vec<Diagnostic>) {
    super::values::each_value(policy, &mut |file, value| {
        visit_env(value, &mut |name, range| {
            if std::env::var_os(name).is_none() {
                out.push(Diagnostic::new(
                    Code::E0204,
                    span(file, range),
                    format!("environment variable `{name}` is not set"),
                ));
            }
        });
    });
}

fn visit_env(value: &hir::Value, visit: &mut impl FnMut(&str, fpl_syntax::TextRange)) {
    match &value.kind {
        hir::ValueKind::Env(name) => visit(name, value.range),
        hir::ValueKind::List(items) => items.iter().for_each(|item| visit_env(item, visit)),
        _ => {}
    }
}
