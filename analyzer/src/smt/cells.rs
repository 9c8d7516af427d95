//! String variables as finitely many cells. When every atom a group's formulas hold about a
//! string variable compares it with constants only (`== "usd"`, `starts_with`, `ends_with`,
//! `contains`, a regular expression, a tool pattern), the values of the variable fall into
//! finitely many cells: sets of strings on which every atom has the same truth. The cells are
//! computed exactly, each with a witness string, by exploring the product of the atoms'
//! automata over an alphabet of character classes; the solver then chooses a cell (an integer)
//! instead of a string, and every atom is the set of cells where it holds. Queries over such
//! variables need no string reasoning (z3's string solver took tens of milliseconds a query
//! over a handful of regular expressions), and the answers stay exact: a cell the product
//! exploration did not reach holds no string.
//!
//! The alphabet is every Unicode scalar value, as the runtime's `regex` crate reads strings.
//! A variable whose automata are too large to explore keeps its string encoding.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use super::solver::{Model, ModelValue};
use super::term::{self, Re, T, Term};

/// Product states explored per variable before its string encoding is kept.
const MAX_STATES: usize = 20_000;

/// The largest Unicode scalar value.
const MAX_CHAR: u32 = 0x10_FFFF;

/// The cells of a group's string variables, and each atom rewritten over them.
#[derive(Debug, Default)]
pub(crate) struct Cells {
    vars: Vec<CellVar>,
    /// The replacement of each atom and of each term rewritten so far, by address (the
    /// originals are kept alive in `kept`).
    rewritten: HashMap<*const Term, T>,
    kept: Vec<T>,
    /// The variable (index) and the cells where it holds, of each atom.
    atoms: HashMap<*const Term, (usize, Vec<usize>)>,
}

#[derive(Debug)]
struct CellVar {
    /// The string variable.
    name: String,
    /// The integer variable choosing its cell.
    cell: T,
    /// A string of each cell.
    witnesses: Vec<String>,
}

/// What an atom says about its variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Lang {
    Exactly(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Regex(Re),
}

impl Lang {
    fn re(&self) -> Re {
        let literal = |text: &str| Re::Literal(text.to_string());
        match self {
            Lang::Exactly(text) => literal(text),
            Lang::Prefix(text) => Re::Concat(vec![literal(text), Re::All]),
            Lang::Suffix(text) => Re::Concat(vec![Re::All, literal(text)]),
            Lang::Contains(text) => Re::Concat(vec![Re::All, literal(text), Re::All]),
            Lang::Regex(re) => re.clone(),
        }
    }
}

impl Cells {
    /// The cells of the string variables of the terms under `roots` that only constants are
    /// compared with.
    pub fn new(roots: &[T]) -> Cells {
        let mut atoms: HashMap<String, Vec<(T, Lang)>> = HashMap::new();
        let mut excluded: BTreeSet<String> = BTreeSet::new();
        let mut seen: std::collections::HashSet<*const Term> = std::collections::HashSet::new();
        let mut stack: Vec<&T> = roots.iter().collect();
        while let Some(next) = stack.pop() {
            if !seen.insert(Rc::as_ptr(next)) {
                continue;
            }
            let children = term::children(next);
            match atom(next) {
                Some((name, lang)) => atoms.entry(name).or_default().push((next.clone(), lang)),
                None => {
                    for child in &children {
                        if let Term::StrVar(name) = &***child {
                            excluded.insert(name.clone());
                        }
                    }
                }
            }
            stack.extend(children);
        }
        let mut cells = Cells::default();
        let mut names: Vec<&String> = atoms
            .keys()
            .filter(|name| !excluded.contains(*name))
            .collect();
        names.sort();
        for name in names {
            let var_atoms = &atoms[name];
            let mut languages: Vec<Lang> = Vec::new();
            let mut index_of = Vec::with_capacity(var_atoms.len());
            for (_, lang) in var_atoms {
                let at = languages
                    .iter()
                    .position(|known| known == lang)
                    .unwrap_or_else(|| {
                        languages.push(lang.clone());
                        languages.len() - 1
                    });
                index_of.push(at);
            }
            let Some(found) = explore(&languages) else {
                continue;
            };
            let cell = term::int_var(format!("cell#{name}"));
            for ((atom_term, _), &lang) in var_atoms.iter().zip(&index_of) {
                let holding: Vec<usize> = found
                    .iter()
                    .enumerate()
                    .filter(|(_, (truth, _))| truth[lang])
                    .map(|(at, _)| at)
                    .collect();
                let holds = term::or(
                    holding
                        .iter()
                        .map(|at| term::eq(&cell, &term::int(*at as i128))),
                );
                cells.rewritten.insert(Rc::as_ptr(atom_term), holds);
                cells
                    .atoms
                    .insert(Rc::as_ptr(atom_term), (cells.vars.len(), holding));
                cells.kept.push(atom_term.clone());
            }
            cells.vars.push(CellVar {
                name: name.clone(),
                cell,
                witnesses: found.into_iter().map(|(_, witness)| witness).collect(),
            });
        }
        cells
    }

    /// `term` with every abstracted atom replaced by the cells where it holds.
    pub fn rewrite(&mut self, term: &T) -> T {
        if self.vars.is_empty() {
            return term.clone();
        }
        if let Some(done) = self.rewritten.get(&Rc::as_ptr(term)) {
            return done.clone();
        }
        let out = match &**term {
            Term::Not(inner) => {
                let inner2 = self.rewrite(inner);
                if Rc::ptr_eq(inner, &inner2) {
                    term.clone()
                } else {
                    Rc::new(Term::Not(inner2))
                }
            }
            Term::And(items) | Term::Or(items) => {
                let items2: Vec<T> = items.iter().map(|item| self.rewrite(item)).collect();
                if items.iter().zip(&items2).all(|(a, b)| Rc::ptr_eq(a, b)) {
                    term.clone()
                } else if matches!(**term, Term::And(_)) {
                    Rc::new(Term::And(items2))
                } else {
                    Rc::new(Term::Or(items2))
                }
            }
            Term::Eq(a, b) => {
                let (a2, b2) = (self.rewrite(a), self.rewrite(b));
                if Rc::ptr_eq(a, &a2) && Rc::ptr_eq(b, &b2) {
                    term.clone()
                } else {
                    Rc::new(Term::Eq(a2, b2))
                }
            }
            _ => term.clone(),
        };
        self.rewritten.insert(Rc::as_ptr(term), out.clone());
        self.kept.push(term.clone());
        out
    }

    /// The ranges of the cell variables `terms` read.
    pub fn facts(&self, terms: &[T]) -> Vec<T> {
        let read: BTreeSet<String> = term::free_vars(terms)
            .iter()
            .filter_map(|var| term::var_name(var).map(str::to_string))
            .collect();
        self.vars
            .iter()
            .filter(|var| term::var_name(&var.cell).is_some_and(|name| read.contains(name)))
            .flat_map(|var| {
                [
                    term::bin(Term::Le, &term::int(0), &var.cell),
                    term::bin(Term::Lt, &var.cell, &term::int(var.witnesses.len() as i128)),
                ]
            })
            .collect()
    }

    /// The string of each abstracted variable whose cell `model` chooses.
    pub fn strings(&self, model: &Model) -> Vec<(&str, &str)> {
        self.vars
            .iter()
            .filter_map(|var| {
                let name = term::var_name(&var.cell)?;
                let Some(ModelValue::Int(at)) = model.get(name) else {
                    return None;
                };
                let witness = var.witnesses.get(usize::try_from(*at).ok()?)?;
                Some((var.name.as_str(), witness.as_str()))
            })
            .collect()
    }

    /// Strings for which `atom` (a term of the roots) holds, the first `count` of them, and one
    /// for which it does not; empty when its variable is not abstracted.
    pub fn examples(&self, atom: &T, count: usize) -> Vec<&str> {
        let Some((var, holding)) = self.atoms.get(&Rc::as_ptr(atom)) else {
            return Vec::new();
        };
        let witnesses = &self.vars[*var].witnesses;
        let mut out: Vec<&str> = holding
            .iter()
            .take(count)
            .map(|at| witnesses[*at].as_str())
            .collect();
        if let Some(other) = (0..witnesses.len()).find(|at| !holding.contains(at)) {
            out.push(&witnesses[other]);
        }
        out
    }
}

/// The variable and language of a term that compares a string variable with a constant.
fn atom(term: &T) -> Option<(String, Lang)> {
    let var = |term: &T| match &**term {
        Term::StrVar(name) => Some(name.clone()),
        _ => None,
    };
    let text = |term: &T| match &**term {
        Term::Str(text) => Some(text.clone()),
        _ => None,
    };
    match &**term {
        Term::Eq(a, b) => match (var(a), text(b), text(a), var(b)) {
            (Some(name), Some(text), _, _) | (_, _, Some(text), Some(name)) => {
                Some((name, Lang::Exactly(text)))
            }
            _ => None,
        },
        Term::StartsWith(a, b) => Some((var(a)?, Lang::Prefix(text(b)?))),
        Term::EndsWith(a, b) => Some((var(a)?, Lang::Suffix(text(b)?))),
        Term::Contains(a, b) => Some((var(a)?, Lang::Contains(text(b)?))),
        Term::InRe(a, re) => Some((var(a)?, Lang::Regex(re.clone()))),
        _ => None,
    }
}

/// Sets of characters as sorted, disjoint inclusive ranges of scalar values.
type CharSet = Vec<(u32, u32)>;

/// A Thompson automaton over character sets.
struct Nfa {
    /// Epsilon moves of each state.
    epsilon: Vec<Vec<usize>>,
    /// The character move of each state: (set, next).
    step: Vec<Option<(usize, usize)>>,
    start: usize,
    accept: usize,
}

struct Builder<'s> {
    nfa: Nfa,
    sets: &'s mut Vec<CharSet>,
}

impl Builder<'_> {
    fn state(&mut self) -> usize {
        self.nfa.epsilon.push(Vec::new());
        self.nfa.step.push(None);
        self.nfa.epsilon.len() - 1
    }

    fn set(&mut self, set: CharSet) -> usize {
        match self.sets.iter().position(|known| *known == set) {
            Some(at) => at,
            None => {
                self.sets.push(set);
                self.sets.len() - 1
            }
        }
    }

    /// A fragment for `re`: (entry, exit).
    fn fragment(&mut self, re: &Re) -> (usize, usize) {
        match re {
            Re::Literal(text) => {
                let entry = self.state();
                let mut at = entry;
                for c in text.chars() {
                    let set = self.set(vec![(c as u32, c as u32)]);
                    let next = self.state();
                    self.nfa.step[at] = Some((set, next));
                    at = next;
                }
                (entry, at)
            }
            Re::Range(low, high) => self.char_move(vec![(*low as u32, *high as u32)]),
            Re::Class(ranges) => self.char_move(
                ranges
                    .iter()
                    .map(|&(low, high)| (low as u32, high as u32))
                    .collect(),
            ),
            Re::AnyExcept(excluded) => {
                let mut points: Vec<u32> = excluded.chars().map(|c| c as u32).collect();
                points.sort_unstable();
                points.dedup();
                let mut set = Vec::new();
                let mut next = 0;
                for point in points {
                    if point > next {
                        set.push((next, point - 1));
                    }
                    next = point + 1;
                }
                set.push((next, MAX_CHAR));
                self.char_move(set)
            }
            Re::All => self.fragment(&Re::Star(Box::new(Re::AnyExcept(String::new())))),
            Re::Empty => {
                let (entry, exit) = (self.state(), self.state());
                (entry, exit)
            }
            Re::Concat(items) => {
                let entry = self.state();
                let mut at = entry;
                for item in items {
                    let (inner_entry, inner_exit) = self.fragment(item);
                    self.nfa.epsilon[at].push(inner_entry);
                    at = inner_exit;
                }
                (entry, at)
            }
            Re::Union(items) => {
                let (entry, exit) = (self.state(), self.state());
                for item in items {
                    let (inner_entry, inner_exit) = self.fragment(item);
                    self.nfa.epsilon[entry].push(inner_entry);
                    self.nfa.epsilon[inner_exit].push(exit);
                }
                (entry, exit)
            }
            Re::Star(inner) => {
                let (entry, exit) = (self.state(), self.state());
                let (inner_entry, inner_exit) = self.fragment(inner);
                self.nfa.epsilon[entry].extend([inner_entry, exit]);
                self.nfa.epsilon[inner_exit].extend([inner_entry, exit]);
                (entry, exit)
            }
            Re::Loop(inner, min, max) => {
                let entry = self.state();
                let mut at = entry;
                let mut optional_exits = Vec::new();
                for round in 0..*max {
                    let (inner_entry, inner_exit) = self.fragment(inner);
                    if round >= *min {
                        optional_exits.push(at);
                    }
                    self.nfa.epsilon[at].push(inner_entry);
                    at = inner_exit;
                }
                for exit in optional_exits {
                    self.nfa.epsilon[exit].push(at);
                }
                (entry, at)
            }
        }
    }

    fn char_move(&mut self, set: CharSet) -> (usize, usize) {
        let set = self.set(set);
        let (entry, exit) = (self.state(), self.state());
        self.nfa.step[entry] = Some((set, exit));
        (entry, exit)
    }
}

impl Nfa {
    fn of(re: &Re, sets: &mut Vec<CharSet>) -> Nfa {
        let mut builder = Builder {
            nfa: Nfa {
                epsilon: Vec::new(),
                step: Vec::new(),
                start: 0,
                accept: 0,
            },
            sets,
        };
        let (start, accept) = builder.fragment(re);
        builder.nfa.start = start;
        builder.nfa.accept = accept;
        builder.nfa
    }

    fn closure(&self, states: impl IntoIterator<Item = usize>) -> Vec<u32> {
        let mut out: BTreeSet<usize> = BTreeSet::new();
        let mut stack: Vec<usize> = states.into_iter().collect();
        while let Some(state) = stack.pop() {
            if out.insert(state) {
                stack.extend(&self.epsilon[state]);
            }
        }
        out.into_iter().map(|state| state as u32).collect()
    }
}

/// The character classes every set splits the scalar values into: (the sets holding the class,
/// a character of it).
fn classes(sets: &[CharSet]) -> Vec<(Vec<bool>, char)> {
    let mut points: BTreeSet<u32> = BTreeSet::from([0, 0xD800, 0xE000]);
    for set in sets {
        for &(low, high) in set {
            points.insert(low);
            if high < MAX_CHAR {
                points.insert(high + 1);
            }
        }
    }
    let points: Vec<u32> = points.into_iter().collect();
    let mut out: Vec<(Vec<bool>, char)> = Vec::new();
    for (at, &low) in points.iter().enumerate() {
        let high = points.get(at + 1).map_or(MAX_CHAR, |next| next - 1);
        if (0xD800..0xE000).contains(&low) {
            continue;
        }
        let member: Vec<bool> = sets
            .iter()
            .map(|set| set.iter().any(|&(l, h)| l <= low && low <= h))
            .collect();
        // A printable character where the class has one.
        let pick = (low..=high)
            .take(128)
            .find(|&code| code >= 0x20 && code != 0x7F)
            .unwrap_or(low);
        let Some(pick) = char::from_u32(pick) else {
            continue;
        };
        match out.iter_mut().find(|(known, _)| *known == member) {
            Some((_, current)) => {
                // Prefer an ASCII letter or digit as the class's character.
                if !current.is_ascii_alphanumeric() && pick.is_ascii_alphanumeric() {
                    *current = pick;
                }
            }
            None => out.push((member, pick)),
        }
    }
    out
}

/// Every truth assignment of `languages` that some string realizes, with the shortest such
/// string; `None` when the product of their automata is too large to explore.
fn explore(languages: &[Lang]) -> Option<Vec<(Vec<bool>, String)>> {
    let mut sets: Vec<CharSet> = Vec::new();
    let automata: Vec<Nfa> = languages
        .iter()
        .map(|lang| Nfa::of(&lang.re(), &mut sets))
        .collect();
    let alphabet = classes(&sets);
    let start: Vec<Vec<u32>> = automata
        .iter()
        .map(|nfa| nfa.closure([nfa.start]))
        .collect();
    let mut index: HashMap<Vec<Vec<u32>>, usize> = HashMap::from([(start.clone(), 0)]);
    let mut states = vec![start];
    let mut parent: Vec<Option<(usize, char)>> = vec![None];
    let mut found: Vec<(Vec<bool>, usize)> = Vec::new();
    let mut next_unexplored = 0;
    while next_unexplored < states.len() {
        let at = next_unexplored;
        next_unexplored += 1;
        let truth: Vec<bool> = automata
            .iter()
            .zip(&states[at])
            .map(|(nfa, set)| set.contains(&(nfa.accept as u32)))
            .collect();
        if !found.iter().any(|(known, _)| *known == truth) {
            found.push((truth, at));
        }
        if states[at].iter().all(Vec::is_empty) {
            continue;
        }
        for (member, c) in &alphabet {
            let next: Vec<Vec<u32>> = automata
                .iter()
                .zip(&states[at])
                .map(|(nfa, set)| {
                    nfa.closure(
                        set.iter()
                            .filter_map(|&state| match nfa.step[state as usize] {
                                Some((set, to)) if member[set] => Some(to),
                                _ => None,
                            }),
                    )
                })
                .collect();
            if !index.contains_key(&next) {
                if states.len() >= MAX_STATES {
                    return None;
                }
                index.insert(next.clone(), states.len());
                states.push(next);
                parent.push(Some((at, *c)));
            }
        }
    }
    Some(
        found
            .into_iter()
            .map(|(truth, mut at)| {
                let mut chars = Vec::new();
                while let Some((from, c)) = parent[at] {
                    chars.push(c);
                    at = from;
                }
                (truth, chars.into_iter().rev().collect())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Lang, explore};

    fn regex(pattern: &str) -> Lang {
        Lang::Regex(crate::smt::regex::search_language(pattern).expect("in the fragment"))
    }

    #[test]
    fn cells_are_every_realizable_combination_with_a_witness() {
        let languages = [
            Lang::Prefix("cus_1".into()),
            regex("^cus_[0-9]*2$"),
            Lang::Exactly("cus_1".into()),
        ];
        let cells = explore(&languages).expect("small");
        let truths: Vec<&Vec<bool>> = cells.iter().map(|(truth, _)| truth).collect();
        // Nothing; the prefix alone; prefix and pattern ("cus_12"); prefix and equality; the
        // pattern without the prefix ("cus_2").
        assert_eq!(cells.len(), 5, "{cells:?}");
        assert!(truths.contains(&&vec![true, true, false]));
        assert!(truths.contains(&&vec![false, true, false]));
        assert!(!truths.contains(&&vec![false, false, true]));
        let pattern = regex::Regex::new("^cus_[0-9]*2$").expect("valid");
        for (truth, witness) in &cells {
            let runtime = [
                witness.starts_with("cus_1"),
                pattern.is_match(witness),
                witness == "cus_1",
            ];
            assert_eq!(truth.as_slice(), runtime, "{witness:?}");
        }
    }

    /// A language over `ab` and its meaning as the runtime reads it.
    fn language() -> impl Strategy<Value = (Lang, String)> {
        let text = "[ab]{0,3}";
        prop_oneof![
            text.prop_map(|t| (Lang::Exactly(t.clone()), format!("^{t}$"))),
            text.prop_map(|t| (Lang::Prefix(t.clone()), format!("^{t}"))),
            text.prop_map(|t| (Lang::Suffix(t.clone()), format!("{t}$"))),
            text.prop_map(|t| (Lang::Contains(t.clone()), t)),
            "\\^?(a|b|ab|[ab]|b\\*|a\\+|\\.|a\\{2\\}|b\\?a)(a|b|\\.)?\\$?".prop_filter_map(
                "in the fragment",
                |pattern| {
                    let re = crate::smt::regex::search_language(&pattern)?;
                    Some((Lang::Regex(re), pattern))
                }
            ),
        ]
    }

    proptest! {
        /// The cells are complete (every string lands in a found cell) and each witness is in
        /// its cell, checked on every string of up to five characters over `abc`.
        #[test]
        fn every_string_lands_in_a_found_cell(languages in prop::collection::vec(language(), 1..5)) {
            let (langs, patterns): (Vec<Lang>, Vec<String>) = languages.into_iter().unzip();
            let compiled: Vec<regex::Regex> = patterns
                .iter()
                .map(|pattern| regex::Regex::new(pattern).expect("valid"))
                .collect();
            let truth_of = |text: &str| -> Vec<bool> {
                compiled.iter().map(|re| re.is_match(text)).collect()
            };
            let cells = explore(&langs).expect("small");
            for (truth, witness) in &cells {
                prop_assert_eq!(truth, &truth_of(witness), "{:?}", witness);
            }
            let mut texts = vec![String::new()];
            for _ in 0..5 {
                let longer: Vec<String> = texts
                    .iter()
                    .filter(|text| text.len() == texts.last().map_or(0, String::len))
                    .flat_map(|text| ['a', 'b', 'c'].map(|c| format!("{text}{c}")))
                    .collect();
                texts.extend(longer);
            }
            for text in &texts {
                let truth = truth_of(text);
                prop_assert!(
                    cells.iter().any(|(found, _)| *found == truth),
                    "{:?} has {:?}, not among {:?}",
                    text,
                    truth,
                    cells
                );
            }
        }
    }
}
