//! The order of generated rules, so that first-match-wins gives each sentence its meaning:
//! mandatory denies first, then every rule before any rule that matches strictly more requests
//! (a narrower tool pattern, or the same pattern with a narrower condition), and where two
//! rules may match the same call but neither is narrower, the stricter first (deny, then defer,
//! then permit: the safe reading); fallback rules ("by default") last. Rules with no such
//! relation keep the order of their sentences.

use fpl_runtime::pattern::Pattern;

use super::lexicon::Effect;
use super::statement::{Condition, Op, Value};
use crate::smt::glob::overlap;

/// What ordering needs to know of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ordered<'a> {
    /// What it decides.
    pub effect: Effect,
    /// `deny!`
    pub mandatory: bool,
    /// Written as "… by default".
    pub fallback: bool,
    /// The tool pattern.
    pub pattern: &'a str,
    /// The conditions, joined with `and`.
    pub conditions: &'a [Condition],
    /// `host:` values.
    pub hosts: &'a [String],
}

/// The order in which to write `rules`: indexes into `rules`.
pub(crate) fn order(rules: &[Ordered<'_>]) -> Vec<usize> {
    let mut out: Vec<usize> = rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.mandatory)
        .map(|(index, _)| index)
        .collect();
    for fallback in [false, true] {
        let mut remaining: Vec<usize> = (0..rules.len())
            .filter(|index| !rules[*index].mandatory && rules[*index].fallback == fallback)
            .collect();
        // The first rule, in sentence order, that no remaining rule must precede. The
        // relation has no cycle through narrower rules; should the safe-reading preferences
        // close one, the first remaining rule breaks it.
        while !remaining.is_empty() {
            let next = remaining
                .iter()
                .position(|rule| {
                    !remaining
                        .iter()
                        .any(|other| other != rule && goes_before(&rules[*other], &rules[*rule]))
                })
                .unwrap_or(0);
            out.push(remaining.remove(next));
        }
    }
    out
}

/// Whether `first` must be written before `second`.
fn goes_before(first: &Ordered<'_>, second: &Ordered<'_>) -> bool {
    let first_in_second = covers(second, first);
    let second_in_first = covers(first, second);
    if first_in_second || second_in_first {
        return first_in_second && !second_in_first;
    }
    strictness(first.effect) > strictness(second.effect)
        && overlap(first.pattern, second.pattern)
        && !disjoint(first.conditions, second.conditions)
}

/// Whether no request meets both sets of conditions, as far as single comparisons of one
/// argument tell (`amount <= $500` and `amount > $500`; `environment == "staging"` and
/// `environment == "production"`).
fn disjoint(first: &[Condition], second: &[Condition]) -> bool {
    first.iter().any(|a| {
        second
            .iter()
            .any(|b| a.arg == b.arg && (excludes(a, b) || excludes(b, a)))
    })
}

/// Whether `a` and `b`, on the same argument, cannot both hold.
fn excludes(a: &Condition, b: &Condition) -> bool {
    let single = |condition: &Condition| match condition.values.as_slice() {
        [value] => value.number(),
        _ => None,
    };
    match (a.op, b.op, single(a), single(b)) {
        (Op::Lt | Op::Le, Op::Gt | Op::Ge, Some(upper), Some(lower)) => {
            upper < lower || (upper == lower && !(a.op == Op::Le && b.op == Op::Ge))
        }
        (Op::Eq, Op::Eq, _, _) => !a.values.iter().any(|value| contains(&b.values, value)),
        (Op::Eq, Op::Ne, _, _) => a.values.iter().all(|value| contains(&b.values, value)),
        _ => false,
    }
}

fn strictness(effect: Effect) -> u8 {
    match effect {
        Effect::Permit => 0,
        Effect::Defer => 1,
        Effect::Deny => 2,
    }
}

/// Whether every request `specific` matches is matched by `general`.
fn covers(general: &Ordered<'_>, specific: &Ordered<'_>) -> bool {
    pattern_covers(general.pattern, specific.pattern)
        && (general.hosts.is_empty() || general.hosts == specific.hosts)
        && general.conditions.iter().all(|wide| {
            specific
                .conditions
                .iter()
                .any(|narrow| implies(narrow, wide))
        })
}

/// Whether every tool `specific` matches is matched by `general`.
fn pattern_covers(general: &str, specific: &str) -> bool {
    if general == specific || general == "*" {
        return true;
    }
    if !specific.contains(['*', '?']) {
        return Pattern::tool(general).is_ok_and(|pattern| pattern.matches(specific));
    }
    match general.strip_suffix("/*") {
        Some(prefix) if !prefix.contains(['*', '?']) => specific
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1),
        _ => false,
    }
}

/// Whether `narrow` holding makes `wide` hold.
fn implies(narrow: &Condition, wide: &Condition) -> bool {
    if narrow.arg != wide.arg {
        return false;
    }
    if narrow == wide {
        return true;
    }
    let single = |condition: &Condition| match condition.values.as_slice() {
        [value] => value.number(),
        _ => None,
    };
    match (narrow.op, wide.op, single(narrow), single(wide)) {
        (Op::Gt | Op::Ge, Op::Gt | Op::Ge, Some(n), Some(w)) => {
            n > w || (n == w && (narrow.op == Op::Gt || wide.op == Op::Ge))
        }
        (Op::Lt | Op::Le, Op::Lt | Op::Le, Some(n), Some(w)) => {
            n < w || (n == w && (narrow.op == Op::Lt || wide.op == Op::Le))
        }
        (Op::Eq, Op::Eq, _, _) => narrow
            .values
            .iter()
            .all(|value| contains(&wide.values, value)),
        _ => false,
    }
}

fn contains(values: &[Value], value: &Value) -> bool {
    values
        .iter()
        .any(|other| match (other.number(), value.number()) {
            (Some(a), Some(b)) => a == b,
            _ => other == value,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(op: Op, dollars: i128) -> Condition {
        Condition {
            arg: "amount".into(),
            op,
            values: vec![Value::Money(dollars * 1_000_000)],
        }
    }

    fn rule<'a>(pattern: &'a str, conditions: &'a [Condition]) -> Ordered<'a> {
        Ordered {
            effect: Effect::Permit,
            mandatory: false,
            fallback: false,
            pattern,
            conditions,
            hosts: &[],
        }
    }

    #[test]
    fn narrower_rules_move_before_wider_ones() {
        let over_500 = [amount(Op::Gt, 500)];
        let over_10k = [amount(Op::Gt, 10_000)];
        let rules = [
            rule("stripe/*", &[]),
            rule("stripe/refund", &over_500),
            rule("*", &[]),
            rule("stripe/refund", &over_10k),
            rule("http/get", &[]),
        ];
        assert_eq!(order(&rules), vec![3, 1, 0, 4, 2]);
    }

    #[test]
    fn mandatory_first_fallback_last_incomparable_in_sentence_order() {
        let mut wide = rule("*", &[]);
        wide.fallback = true;
        let mut never = rule("shell/*", &[]);
        never.mandatory = true;
        let rules = [wide, rule("b", &[]), never, rule("a", &[])];
        assert_eq!(order(&rules), vec![2, 1, 3, 0]);
    }

    #[test]
    fn where_neither_is_narrower_the_stricter_goes_first() {
        let gold = [Condition {
            arg: "tier".into(),
            op: Op::Eq,
            values: vec![Value::Text("gold".into())],
        }];
        let large = [amount(Op::Gt, 1000)];
        let mut deny = rule("stripe/refund", &large);
        deny.effect = Effect::Deny;
        let mut defer_other_tool = rule("email/send", &[]);
        defer_other_tool.effect = Effect::Defer;
        let rules = [rule("stripe/refund", &gold), defer_other_tool, deny];
        assert_eq!(order(&rules), vec![1, 2, 0]);
    }

    #[test]
    fn disjoint_conditions_keep_their_order() {
        let small = [amount(Op::Le, 500)];
        let large = [amount(Op::Gt, 500)];
        let mut defer = rule("stripe/charge", &large);
        defer.effect = Effect::Defer;
        assert_eq!(order(&[rule("stripe/charge", &small), defer]), vec![0, 1]);
        assert!(disjoint(&small, &large));
        assert!(!disjoint(&[amount(Op::Le, 500)], &[amount(Op::Ge, 500)]));
        let env = |name: &str| Condition {
            arg: "environment".into(),
            op: Op::Eq,
            values: vec![Value::Text(name.into())],
        };
        assert!(disjoint(&[env("staging")], &[env("production")]));
        assert!(!disjoint(&[env("staging")], &[env("staging")]));
    }

    #[test]
    fn pattern_cover() {
        assert!(pattern_covers("stripe/*", "stripe/refund"));
        assert!(pattern_covers("stripe/*", "stripe/refund/*"));
        assert!(!pattern_covers("stripe/refund", "stripe/*"));
        assert!(!pattern_covers("http/get", "http/get/*"));
        assert!(pattern_covers("*", "http/get/*"));
        assert!(!pattern_covers("read_*", "read/x"));
    }

    #[test]
    fn implications_between_bounds_and_values() {
        assert!(implies(&amount(Op::Gt, 600), &amount(Op::Ge, 500)));
        assert!(implies(&amount(Op::Gt, 500), &amount(Op::Ge, 500)));
        assert!(!implies(&amount(Op::Ge, 500), &amount(Op::Gt, 500)));
        assert!(implies(&amount(Op::Le, 100), &amount(Op::Lt, 200)));
        assert!(!implies(&amount(Op::Le, 100), &amount(Op::Gt, 50)));
        let one = Condition {
            arg: "priority".into(),
            op: Op::Eq,
            values: vec![Value::Text("high".into())],
        };
        let two = Condition {
            values: vec![Value::Text("high".into()), Value::Text("blocker".into())],
            ..one.clone()
        };
        assert!(implies(&one, &two));
        assert!(!implies(&two, &one));
    }
}
