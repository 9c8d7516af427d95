//! Agent hygiene: a missing `default` (W0230) and `default permit` (W0231).

use fpl_syntax::TextRange;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Fix, TextEdit};
use crate::hir::{self, EffectKind};

pub(super) fn check(policy: &hir::Policy, out: &mut Vec<Diagnostic>) {
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
