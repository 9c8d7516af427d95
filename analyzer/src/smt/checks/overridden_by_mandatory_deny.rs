//! `S0302` overridden-by-mandatory-deny: a `permit` or `defer` rule matches requests that a
//! `deny!` decides first (mandatory denies are tried before every other rule).
//!
//! An error when every request the rule would decide (by matching, or by its condition erring)
//! is denied by a mandatory deny (`hits ∧ ¬(some deny! decides)` unsatisfiable, and the rule
//! can match), so removing it changes nothing; a warning, with a witness of the overlap, when
//! some requests it matches are. Either witness must be decided `MANDATORY_DENY`.

use super::analysis_unknown::unknown;
use super::{Flow, remove};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::hir::EffectKind;
use crate::smt::finding::Finding;
use crate::smt::group::{Check, Claim, Group, Prop};

/// Runs the check on the rule at `at`.
pub(super) fn check(group: &mut Group<'_, '_>, at: usize) -> Flow {
    let rule = group.rule(at);
    if rule.mandatory || rule.effect == EffectKind::Deny {
        return Flow::Next;
    }
    let mandatory: Vec<usize> = group
        .before(at)
        .into_iter()
        .filter(|&q| group.rule(q).mandatory)
        .collect();
    if mandatory.is_empty() {
        return Flow::Next;
    }
    let approximate = group.approximate(at) || mandatory.iter().any(|&q| group.approximate(q));
    let own = Prop::matches(at);
    let denied = Prop::Or(mandatory.iter().map(|&q| Prop::hits(q)).collect());
    // Fully overridden when every request the rule would decide (matching it, or erring) is
    // decided first by a mandatory deny: then removing it changes nothing.
    match group.prove(&Prop::And(vec![Prop::hits(at), Prop::not(denied.clone())])) {
        Check::Proved => {
            if group.prove(&own) != Check::Refuted {
                return Flow::Next;
            }
            let Some((witness, _)) = group.witness(&Prop::And(vec![own, denied])) else {
                unknown(group, at, "is overridden by a `deny!`");
                return Flow::Done;
            };
            if !group.confirm(at, &witness, &Claim::Mandatory, approximate) {
                return Flow::Done;
            }
            let mut finding = Finding::new(
                Code::S0302,
                group.order[at],
                format!(
                    "`{}` is overridden by `deny!` everywhere it matches",
                    group.id(at)
                ),
            )
            .with_note(
                "mandatory denies are tried before every other rule, so this rule can never decide",
            )
            .with_note(format!("for example: {witness}"))
            .with_fix(remove(group, at));
            for &q in &mandatory {
                finding =
                    finding.with_label(group.order[q], format!("`{}` denies first", group.id(q)));
            }
            group.findings.push(finding);
            Flow::Done
        }
        Check::Unknown => {
            unknown(group, at, "is overridden by a `deny!`");
            Flow::Done
        }
        Check::Refuted => {
            let overlap = Prop::And(vec![
                own,
                Prop::Or(mandatory.iter().map(|&q| Prop::matches(q)).collect()),
            ]);
            if let Some((witness, _)) = group.witness(&overlap)
                && group.confirm(at, &witness, &Claim::Mandatory, approximate)
            {
                let mut finding = Finding::new(
                    Code::S0302,
                    group.order[at],
                    format!("`{}` is partly overridden by `deny!`", group.id(at)),
                )
                .with_note("some requests this rule matches are denied first by a mandatory deny")
                .with_note(format!("for example: {witness}"));
                finding.severity = Severity::Warning;
                for &q in &mandatory {
                    finding =
                        finding.with_label(group.order[q], format!("`{}` overlaps", group.id(q)));
                }
                group.findings.push(finding);
            }
            Flow::Next
        }
    }
}
