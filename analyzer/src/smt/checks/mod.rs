//! The SMT checks of a group of rules, one finding kind per file (`S0301`–`S0307`; SPEC §7),
//! each documented with what it proves and the decision its witness must reproduce. The
//! documentation users read, with an invalid and a valid example run as tests, is the code's
//! in `codes.rs`.
//!
//! Every rule of a group is checked in evaluation order by each check in turn; a check that
//! settles the rule (it can never match, is fully overridden, duplicates or is unreachable)
//! ends its checks.

pub(super) mod always_true_condition;
pub(super) mod analysis_unknown;
pub(super) mod duplicate_rule;
pub(super) mod never_matches;
pub(super) mod overridden_by_mandatory_deny;
pub(super) mod stricter_rule_partly_shadowed;
pub(super) mod unreachable_rule;

use super::finding::FixPlan;
use super::group::Group;

/// Whether the remaining checks of a rule run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Go on with the next check.
    Next,
    /// The rule is settled.
    Done,
}

type Check = fn(&mut Group<'_, '_>, usize) -> Flow;

/// The checks, in the order they run on each rule.
const CHECKS: [Check; 6] = [
    never_matches::check,
    always_true_condition::check,
    overridden_by_mandatory_deny::check,
    duplicate_rule::check,
    unreachable_rule::check,
    stricter_rule_partly_shadowed::check,
];

/// Checks every rule of `group`; returns the positions of the rules the run's time budget left
/// unanalysed (or analysed in part).
pub(super) fn run(group: &mut Group<'_, '_>) -> Vec<usize> {
    let mut not_analysed = Vec::new();
    for at in 0..group.len() {
        if !group.exhausted() {
            for check in CHECKS {
                if check(group, at) == Flow::Done {
                    break;
                }
            }
        }
        if group.exhausted() {
            not_analysed.push(at);
        }
    }
    not_analysed
}

/// The fix that deletes the rule at `at`.
fn remove(group: &Group<'_, '_>, at: usize) -> FixPlan {
    FixPlan::Remove(group.order[at])
}
