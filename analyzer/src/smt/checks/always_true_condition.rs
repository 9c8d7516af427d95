//! `S0304` always-true-condition: wherever the rule's condition evaluates, it is true, so the
//! rule behaves as if it had none (except where the condition errs).
//!
//! Proved when `applies ∧ ok ∧ ¬val` is unsatisfiable; the witness is decided by the rule.

use super::Flow;
use super::analysis_unknown::unknown;
use crate::codes::Code;
use crate::smt::finding::Finding;
use crate::smt::group::{Check, Claim, Group, Prop};

/// Runs the check on the rule at `at`.
pub(super) fn check(group: &mut Group<'_, '_>, at: usize) -> Flow {
    if group.rule(at).condition.is_none() {
        return Flow::Next;
    }
    let fails = Prop::And(vec![
        Prop::Applies(at),
        Prop::Ok(at),
        Prop::not(Prop::Val(at)),
    ]);
    match group.prove(&fails) {
        Check::Refuted => {}
        Check::Unknown => unknown(group, at, "has an always-true condition"),
        Check::Proved => {
            let mut finding = Finding::new(
                Code::S0304,
                group.order[at],
                format!("the condition of `{}` is always true", group.id(at)),
            )
            .with_note("whenever the condition can be evaluated it is true; the rule behaves as if it had no condition (except for requests where the condition is an error)");
            if let Some((witness, _)) = group.witness(&Prop::decided(at)) {
                let claim = Claim::DecidedBy(vec![group.rule(at).number]);
                let approximate = group.approximate(at);
                if !group.confirm(at, &witness, &claim, approximate) {
                    return Flow::Done;
                }
                finding = finding.with_note(format!("for example: {witness}"));
            }
            group.findings.push(finding);
        }
    }
    Flow::Next
}
