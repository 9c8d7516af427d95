//! `S0305` duplicate-rule: an earlier rule with the same effect (and phase, and `!`) matches
//! exactly the same requests.
//!
//! Proved when "one matches and the other does not" is unsatisfiable, the earlier rule decides
//! wherever this one would by erring, and the rule can match; the witness reaches the earlier
//! rule and is decided by it.

use super::{Flow, remove};
use crate::codes::Code;
use crate::smt::finding::Finding;
use crate::smt::group::{Check, Claim, Group, Prop};

/// Runs the check on the rule at `at`.
pub(super) fn check(group: &mut Group<'_, '_>, at: usize) -> Flow {
    for q in group.before(at) {
        let (rule, other) = (group.rule(at), group.rule(q));
        if other.effect != rule.effect
            || other.mandatory != rule.mandatory
            || other.phase != rule.phase
        {
            continue;
        }
        let (mine, theirs) = (Prop::matches(at), Prop::matches(q));
        let differ = Prop::Or(vec![
            Prop::And(vec![mine.clone(), Prop::not(theirs.clone())]),
            Prop::And(vec![theirs.clone(), Prop::not(mine.clone())]),
        ]);
        // Where this rule would decide by erring, the earlier one must decide too: then
        // removing it changes nothing.
        let errs_alone = Prop::And(vec![Prop::hits(at), Prop::not(Prop::hits(q))]);
        if group.prove(&differ) != Check::Proved
            || group.prove(&errs_alone) != Check::Proved
            || group.prove(&mine) != Check::Refuted
        {
            continue;
        }
        let Some((witness, _)) = group.witness(&Prop::decided(q)) else {
            continue;
        };
        let approximate = group.approximate(at) || group.approximate(q);
        let claim = Claim::DecidedBy(vec![group.rule(q).number]);
        if !group.confirm(at, &witness, &claim, approximate) {
            return Flow::Done;
        }
        let finding = Finding::new(
            Code::S0305,
            group.order[at],
            format!("`{}` duplicates `{}`", group.id(at), group.id(q)),
        )
        .with_label(
            group.order[q],
            format!("`{}` matches the same requests", group.id(q)),
        )
        .with_note(format!(
            "for example this request is decided by `{}`: {witness}",
            group.id(q)
        ))
        .with_fix(remove(group, at));
        group.findings.push(finding);
        return Flow::Done;
    }
    Flow::Next
}
