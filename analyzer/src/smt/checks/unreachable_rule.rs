//! `S0301` unreachable-rule: every request the rule matches (or errs on) is decided earlier,
//! by earlier rules (a condition that errs decides too) or by mandatory denies.
//!
//! Proved when `hits ∧ reached` is unsatisfiable and the rule can hit; the covering rules are
//! those that share a request with it, and the witness, a request the rule would decide, is
//! decided by one of the earlier rules.

use super::analysis_unknown::unknown;
use super::{Flow, remove};
use crate::codes::Code;
use crate::smt::finding::Finding;
use crate::smt::group::{Check, Claim, Group, Prop};

/// The covering rules named at most.
const COVERING: usize = 8;

/// Runs the check on the rule at `at`.
pub(super) fn check(group: &mut Group<'_, '_>, at: usize) -> Flow {
    let before = group.before(at);
    if before.is_empty() {
        return Flow::Next;
    }
    let hits = Prop::hits(at);
    match group.prove(&Prop::And(vec![hits.clone(), Prop::Reached(at)])) {
        Check::Refuted => Flow::Next,
        Check::Unknown => {
            unknown(group, at, "is reachable");
            Flow::Done
        }
        Check::Proved => {
            if group.prove(&hits) != Check::Refuted {
                return Flow::Done;
            }
            let mut covering = Vec::new();
            for &q in &before {
                if covering.len() >= COVERING {
                    break;
                }
                if group.prove(&Prop::And(vec![hits.clone(), Prop::hits(q)])) == Check::Refuted {
                    covering.push(q);
                }
            }
            let approximate =
                group.approximate(at) || covering.iter().any(|&q| group.approximate(q));
            let Some((witness, _)) = group.witness(&hits) else {
                unknown(group, at, "is reachable");
                return Flow::Done;
            };
            let numbers = before.iter().map(|&q| group.rule(q).number).collect();
            if !group.confirm(at, &witness, &Claim::DecidedBy(numbers), approximate) {
                return Flow::Done;
            }
            group.unreachable[at] = true;
            let mut finding = Finding::new(
                Code::S0301,
                group.order[at],
                format!("`{}` is unreachable", group.id(at)),
            )
            .with_note("every request this rule matches is decided earlier (a condition that errs decides too)")
            .with_note(format!("for example: {witness}"))
            .with_fix(remove(group, at));
            for q in covering {
                finding =
                    finding.with_label(group.order[q], format!("`{}` decides first", group.id(q)));
            }
            group.findings.push(finding);
            Flow::Done
        }
    }
}
