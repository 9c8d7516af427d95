//! `S0307` stricter-rule-partly-shadowed: a `deny` or `defer` rule matches requests that an
//! earlier, looser rule (a `permit`, or a `defer` before a `deny`) decides first, so there the
//! stricter rule never applies (first match wins). One finding per stricter rule, naming the
//! earliest looser rule found to shadow it: both fixes act on the stricter rule, and a finding
//! per pair of rules would grow with the square of a policy's size (626 findings for 100
//! mutually overlapping rules) and cost as many solver queries.
//!
//! Candidate pairs come from the sample points first (a point the looser rule decides by
//! matching and the stricter one matches), then from the solver ("the stricter rule matches
//! and one of the looser rules not yet examined decides"). They are examined from the earliest
//! looser rule on; the first that also decides requests the stricter rule does not match is
//! the finding (an exception written before a general rule, as first match wins means, is
//! not). A witness must be decided by the looser rule matching, and matched by the stricter
//! rule replayed alone. Rules proved unreachable (`S0301`) are not reported again, and
//! unreachable looser rules decide nothing.
//!
//! Fixes: moving the stricter rule right above the looser one, offered only when that changes
//! no decision outside their overlap (the diff engine's encoding of the two orders, proved
//! unsatisfiable outside it), and for a `deny`, making it `deny!`.

use super::Flow;
use super::analysis_unknown::unknown;
use crate::codes::Code;
use crate::hir::EffectKind;
use crate::smt::concrete::Point;
use crate::smt::finding::{Finding, FixPlan};
use crate::smt::group::{Check, Claim, Group, Prop, Search};

/// What the check says when the solver cannot decide it.
const UNDECIDED: &str = "is partly shadowed by an earlier, looser rule";

/// Runs the check on the rule at `at`.
pub(super) fn check(group: &mut Group<'_, '_>, at: usize) -> Flow {
    let rule = group.rule(at);
    if rule.mandatory || rule.effect == EffectKind::Permit {
        return Flow::Next;
    }
    let effect = rule.effect;
    let mut looser: Vec<usize> = group
        .before(at)
        .into_iter()
        .filter(|&i| {
            let earlier = group.rule(i);
            !earlier.mandatory
                && !group.unreachable[i]
                && (earlier.effect == EffectKind::Permit
                    || (earlier.effect == EffectKind::Defer && effect == EffectKind::Deny))
        })
        .collect();
    if looser.is_empty() {
        return Flow::Next;
    }
    let mut pairs: Vec<(usize, Point)> = Vec::new();
    for (point, status, fresh) in group.samples() {
        let decider = status.decider;
        if fresh
            && looser.contains(&decider)
            && status.matches(decider)
            && status.matches(at)
            && !pairs.iter().any(|(paired, _)| *paired == decider)
        {
            pairs.push((decider, point.clone()));
        }
    }
    pairs.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    loop {
        // The earliest pair known so far first.
        while let Some((i, point)) = pairs.pop() {
            looser.retain(|&l| l != i);
            match also_decides_elsewhere(group, i, at) {
                Check::Refuted => {
                    report(group, i, at, &point);
                    return Flow::Next;
                }
                Check::Proved => {}
                Check::Unknown => {
                    unknown(group, at, UNDECIDED);
                    return Flow::Next;
                }
            }
        }
        if looser.is_empty() {
            return Flow::Next;
        }
        let shadowed = Prop::And(vec![
            Prop::matches(at),
            Prop::Or(looser.iter().map(|&i| Prop::decided(i)).collect()),
        ]);
        match group.search(&shadowed, true) {
            Search::Found(point) => {
                let Some(decider) = group.status(&point).map(|status| status.decider) else {
                    return Flow::Next;
                };
                if !looser.contains(&decider) {
                    // The search's point satisfies the question, so its decider is one of the
                    // looser rules; anything else would loop.
                    unknown(group, at, UNDECIDED);
                    return Flow::Next;
                }
                pairs.push((decider, point));
            }
            Search::None => return Flow::Next,
            Search::Unknown => {
                unknown(group, at, UNDECIDED);
                return Flow::Next;
            }
        }
    }
}

/// Whether the looser rule decides requests the stricter one does not match: `Refuted` when it
/// does (the pair is a finding), `Proved` when every request it decides is one the stricter
/// rule matches (an exception written before a general rule, as first match wins means).
fn also_decides_elsewhere(group: &mut Group<'_, '_>, looser: usize, stricter: usize) -> Check {
    group.prove(&Prop::And(vec![
        Prop::decided(looser),
        Prop::not(Prop::matches(stricter)),
    ]))
}

/// Replays the witness of the pair (`looser`, `stricter`) and reports it.
fn report(group: &mut Group<'_, '_>, looser: usize, stricter: usize, point: &Point) {
    let Some(witness) = group.witness_of(point) else {
        return;
    };
    let approximate = group.approximate(looser) || group.approximate(stricter);
    let decided = Claim::MatchedBy(group.rule(looser).number);
    if !group.confirm(stricter, &witness, &decided, approximate)
        || !group.confirm_alone(stricter, &witness, approximate)
    {
        return;
    }
    let (earlier, later) = (group.rule(looser).clone(), group.rule(stricter).clone());
    let mut finding = Finding::new(
        Code::S0307,
        group.order[stricter],
        format!(
            "`{}` is partly shadowed by the earlier `{}`",
            group.id(stricter),
            group.id(looser)
        ),
    )
    .with_label(
        group.order[looser],
        format!("`{}` decides first", group.id(looser)),
    )
    .with_note(format!(
        "first match wins: where both rules match, `{}` ({}) decides and the stricter `{}` ({}) never applies",
        group.id(looser),
        effect_word(earlier.effect),
        group.id(stricter),
        effect_word(later.effect),
    ))
    .with_note(format!("for example: {witness}"))
    .with_help("move the stricter rule above the looser one, or make it `deny!`");
    if earlier.phase == later.phase && moving_changes_only_the_overlap(group, looser, stricter) {
        finding = finding.with_fix(FixPlan::MoveAbove {
            rule: group.order[stricter],
            above: group.order[looser],
        });
    }
    if later.effect == EffectKind::Deny {
        finding = finding.with_fix(FixPlan::MakeMandatory(group.order[stricter]));
    }
    group.findings.push(finding);
}

/// Whether moving the rule at `stricter` right above `looser` changes the effect of no
/// request but those both rules match and `looser` decides.
fn moving_changes_only_the_overlap(
    group: &mut Group<'_, '_>,
    looser: usize,
    stricter: usize,
) -> bool {
    let elsewhere = Prop::And(vec![
        Prop::Reached(looser),
        Prop::Moved {
            moved: stricter,
            above: looser,
        },
        Prop::not(Prop::And(vec![
            Prop::matches(looser),
            Prop::matches(stricter),
        ])),
    ]);
    matches!(group.search(&elsewhere, false), Search::None)
}

fn effect_word(effect: EffectKind) -> &'static str {
    match effect {
        EffectKind::Permit => "permit",
        EffectKind::Deny => "deny",
        EffectKind::Defer => "defer",
    }
}
