//! `S0303` never-matches: the rule's condition can never hold where the rule applies.
//!
//! Proved when `applies ∧ ok ∧ val` is unsatisfiable (phase left out: the condition on its
//! own). The witness, when one exists, reaches the rule and is not decided by it (the rule can
//! only decide by erring).

use super::analysis_unknown::unknown;
use super::{Flow, remove};
use crate::codes::Code;
use crate::smt::finding::Finding;
use crate::smt::group::{Check, Claim, Group, Prop};

/// Runs the check on the rule at `at`.
pub(super) fn check(group: &mut Group<'_, '_>, at: usize) -> Flow {
    if group.rule(at).condition.is_none() {
        return Flow::Next;
    }
    let holds = Prop::And(vec![Prop::Applies(at), Prop::Ok(at), Prop::Val(at)]);
    match group.prove(&holds) {
        Check::Refuted => Flow::Next,
        Check::Unknown => {
            unknown(group, at, "can match");
            Flow::Done
        }
        Check::Proved => {
            let mut finding = Finding::new(
                Code::S0303,
                group.order[at],
                format!("the condition of `{}` can never hold", group.id(at)),
            )
            .with_note("no request makes the condition true, so the rule never matches")
            .with_fix(remove(group, at));
            let reached = Prop::And(vec![
                Prop::Reached(at),
                Prop::Applies(at),
                Prop::Ok(at),
                Prop::not(Prop::Val(at)),
            ]);
            if let Some((witness, _)) = group.witness(&reached) {
                let claim = Claim::NotBy(group.rule(at).number);
                let approximate = group.approximate(at);
                if !group.confirm(at, &witness, &claim, approximate) {
                    return Flow::Done;
                }
                finding = finding.with_note(format!(
                    "for example this request reaches the rule and is not decided by it: {witness}"
                ));
            }
            group.findings.push(finding);
            Flow::Done
        }
    }
}
