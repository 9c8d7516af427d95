//! Agent hygiene: a missing `default` (W0230), `default permit` (W0231) and phase rules that
//! the phase's `tools` never let through (W0232).

use fpl_syntax::TextRange;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Fix, TextEdit};
use crate::hir::{self, EffectKind};

pub(super) fn check(policy: &hir::Policy, out: &mut Vec<Diagnostic>) {
    for agent in &policy.agents {
        outside_phase_tools(agent, out);
    }
    for agent in policy.agents.iter().filter(|agent| !agent.is_flat) {
        match agent.default {
            None => {
                let mut diagnostic = Diagnostic::new(
                    Code::W0230,
                    agent.name_span,
                    format!("agent `{}` has no `default`", agent.name),
                )
                .with_note("requests that no rule matches are denied");
                if let Some(brace) = agent.open_brace {
                    let at = TextRange::empty(brace.end());
                    diagnostic = diagnostic.with_fix(Fix {
                        title: "add `default deny`".to_string(),
                        edits: vec![TextEdit {
                            file: agent.name_span.file,
                            range: at,
                            replacement: "\n  default deny".to_string(),
                        }],
                    });
                }
                out.push(diagnostic);
            }
            Some((EffectKind::Permit, span)) => out.push(
                Diagnostic::new(
                    Code::W0231,
                    span,
                    format!("agent `{}` permits every tool no rule names", agent.name),
                )
                .with_note("tools added to the agent later are permitted without review")
                .with_help("use `default deny` and permit the tools the agent needs")
                .with_replacement("replace with `default deny`", "default deny"),
            ),
            Some(_) => {}
        }
    }
}

/// `W0232` on every ordinary rule of a phase whose pattern overlaps none of the phase's `tools`:
/// those tools are denied before the rules (SPEC §6.1 step 4), so it never decides.
fn outside_phase_tools(agent: &hir::Agent, out: &mut Vec<Diagnostic>) {
    for rule in agent.rules.iter().filter(|rule| !rule.mandatory) {
        let Some(phase) = rule.phase.and_then(|index| agent.phases.get(index)) else {
            continue;
        };
        let Some(tools) = phase.tools() else {
            continue;
        };
        if tools
            .iter()
            .any(|tool| crate::smt::glob::overlap(tool, &rule.pattern))
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::W0232,
                hir::span(rule.span.file, rule.pattern_range),
                format!(
                    "`{}` never decides: phase `{}` allows only {}",
                    rule.pattern,
                    phase.name,
                    tools
                        .iter()
                        .map(|tool| format!("`{tool}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_note("while the phase is active, other tools are denied with `OUT_OF_PHASE_TOOL_CALL` before any rule")
            .with_help(format!("add `{}` to the phase's `tools`, or move the rule out of the phase", rule.pattern)),
        );
    }
}
