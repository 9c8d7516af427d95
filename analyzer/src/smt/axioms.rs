//! The facts every request satisfies, and the choice of the facts one query needs.
//!
//! Facts over variables a query does not read cannot change its answer (each group of facts is
//! satisfiable on its own), so a query carries only the facts connected to its variables: a
//! rule about `stripe/refund` is not checked against the well-formedness of every argument path
//! of the agent.

use std::collections::HashMap;

use super::term::{self, T};
use super::union_find::UnionFind;

/// An agent's facts, grouped by the variables they share.
pub struct Axioms {
    /// The facts of each group.
    groups: Vec<Vec<T>>,
    /// The group of each variable that occurs in a fact.
    group_of: HashMap<String, usize>,
}

impl Axioms {
    /// Groups `facts`: two facts are in one group when they share a variable, directly or
    /// through other facts.
    pub fn new(facts: Vec<T>) -> Self {
        let vars: Vec<Vec<String>> = facts
            .iter()
            .map(|fact| {
                term::free_vars(std::slice::from_ref(fact))
                    .iter()
                    .filter_map(|var| term::var_name(var).map(str::to_string))
                    .collect()
            })
            .collect();
        let mut sets = UnionFind::new(facts.len());
        let mut first_fact: HashMap<&str, usize> = HashMap::new();
        for (at, names) in vars.iter().enumerate() {
            for name in names {
                match first_fact.get(name.as_str()) {
                    Some(&other) => sets.union(at, other),
                    None => {
                        first_fact.insert(name, at);
                    }
                }
            }
        }
        let mut group_of_root: HashMap<usize, usize> = HashMap::new();
        let mut groups: Vec<Vec<T>> = Vec::new();
        let mut group_of_fact = Vec::with_capacity(facts.len());
        for (at, fact) in facts.into_iter().enumerate() {
            let top = sets.find(at);
            let group = *group_of_root.entry(top).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[group].push(fact);
            group_of_fact.push(group);
        }
        let group_of = first_fact
            .into_iter()
            .map(|(name, at)| (name.to_string(), group_of_fact[at]))
            .collect();
        Axioms { groups, group_of }
    }

    /// The facts connected to the variables of `goal`, in a fixed order.
    pub fn relevant(&self, goal: &[T]) -> Vec<T> {
        let mut chosen: Vec<usize> = term::free_vars(goal)
            .iter()
            .filter_map(|var| term::var_name(var).and_then(|name| self.group_of.get(name)))
            .copied()
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        chosen
            .into_iter()
            .flat_map(|group| self.groups[group].iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Axioms;
    use crate::smt::term::{self, Term};

    #[test]
    fn a_query_gets_the_facts_connected_to_its_variables() {
        let (a, b, c) = (term::int_var("a"), term::int_var("b"), term::int_var("c"));
        let a_below_b = term::bin(Term::Lt, &a, &b);
        let b_small = term::bin(Term::Le, &b, &term::int(3));
        let c_small = term::bin(Term::Le, &c, &term::int(3));
        let axioms = Axioms::new(vec![a_below_b.clone(), c_small.clone(), b_small.clone()]);
        let goal = term::eq(&term::int_var("a"), &term::int(1));
        assert_eq!(axioms.relevant(&[goal]), [a_below_b.clone(), b_small]);
        assert_eq!(axioms.relevant(&[c]), [c_small]);
        assert!(axioms.relevant(&[term::int_var("d")]).is_empty());
    }
}
