//! The groups of an agent's rules that the checks and the diff take one at a time: rules of
//! different groups match no common tool, so no request is decided by rules of two groups.

use std::collections::HashMap;

use super::glob;
use super::input;
use super::union_find::UnionFind;

/// Groups `rules` (by index) so that rules of different groups match no common tool. Each
/// group is in evaluation order: mandatory denies first, then the others, in the given order.
pub(crate) fn components(rules: &[&input::Rule]) -> Vec<Vec<usize>> {
    let count = rules.len();
    let mut sets = UnionFind::new(count);
    // Literal patterns group by exact name; globs are compared with everything.
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let globs: Vec<usize> = (0..count)
        .filter(|index| !glob::is_literal(&rules[*index].pattern))
        .collect();
    for (index, rule) in rules.iter().enumerate() {
        if glob::is_literal(&rule.pattern) {
            match by_name.get(rule.pattern.as_str()) {
                Some(first) => sets.union(*first, index),
                None => {
                    by_name.insert(&rule.pattern, index);
                }
            }
        }
    }
    for &g in &globs {
        for index in 0..count {
            if index != g && glob::overlap(&rules[g].pattern, &rules[index].pattern) {
                sets.union(g, index);
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for index in 0..count {
        groups.entry(sets.find(index)).or_default().push(index);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    for group in &mut out {
        group.sort_by_key(|index| (!rules[*index].mandatory, *index));
    }
    out.sort();
    out
}
