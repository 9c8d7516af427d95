//! `S0306` analysis-unknown: what the analysis could not decide within its time limits, or
//! where a rule's approximated encoding gave a witness the runtime does not reproduce. Never a
//! pass: the rule is named, and the note says so.

use crate::codes::Code;
use crate::smt::finding::Finding;
use crate::smt::group::Group;
use crate::smt::input;
use crate::smt::solver::QUERY_LIMIT;

/// The solver could not decide whether the rule at `at` has `property`. Nothing is reported
/// once the run's budget is spent: the agent's budget finding names the rule.
pub(crate) fn unknown(group: &mut Group<'_, '_>, at: usize, property: &str) {
    if group.exhausted() {
        return;
    }
    let finding = Finding::new(
        Code::S0306,
        group.order[at],
        format!(
            "the solver could not decide whether `{}` {property}",
            group.id(at)
        ),
    )
    .with_note("the query ran out of time or left the decidable fragment; this is not a pass")
    .with_help(format!(
        "each query may take {} s; simplify the condition, or split the rule",
        QUERY_LIMIT.as_secs()
    ));
    group.findings.push(finding);
}

/// The rule at `at` reads something the encoding approximates, and a candidate witness did not
/// reproduce.
pub(crate) fn not_conclusive(group: &Group<'_, '_>, at: usize) -> Finding {
    Finding::new(
        Code::S0306,
        group.order[at],
        format!("the analysis of `{}` is not conclusive", group.id(at)),
    )
    .with_note(
        "the rule uses something the solver models only approximately (session history, a regular expression outside the supported fragment, list contents or case mapping), and the candidate witness did not reproduce",
    )
}

/// One finding for the rules (indexes) of `agent` the run's time budget left unanalysed: a
/// reader sees once that the budget ran out and which rules it left, instead of one warning
/// per rule.
pub(crate) fn budget(agent: &input::AgentRules, mut rules: Vec<usize>) -> Option<Finding> {
    if rules.is_empty() {
        return None;
    }
    rules.sort_unstable();
    rules.dedup();
    const LISTED: usize = 10;
    let mut listed: Vec<String> = rules
        .iter()
        .take(LISTED)
        .map(|index| format!("`{}/{}`", agent.agent.name, agent.rules[*index].number))
        .collect();
    if rules.len() > LISTED {
        listed.push(format!("and {} more", rules.len() - LISTED));
    }
    Some(Finding {
        rule: None,
        ..Finding::new(
            Code::S0306,
            0,
            format!(
                "the SMT analysis of `{}` ran out of time: {} of its {} rules were not analysed",
                agent.agent.name,
                rules.len(),
                agent.rules.len()
            ),
        )
        .with_note(format!(
            "not analysed: {}; this is not a pass",
            listed.join(", ")
        ))
        .with_help("raise the time budget of the whole analysis with `--smt-timeout <SECONDS>`")
    })
}
