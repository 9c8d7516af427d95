//! The solver-independent formula language the encoding produces and every backend reads.

use std::collections::HashSet;
use std::rc::Rc;

/// A shared term; sharing keeps formulas linear in the size of the policy.
pub type T = Rc<Term>;

/// A term of sort Bool, Int or String.
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// A boolean constant.
    Bool(bool),
    /// An integer constant.
    Int(i128),
    /// A string constant.
    Str(String),
    /// A free boolean.
    BoolVar(String),
    /// A free integer.
    IntVar(String),
    /// A free string.
    StrVar(String),
    /// Negation.
    Not(T),
    /// Conjunction.
    And(Vec<T>),
    /// Disjunction.
    Or(Vec<T>),
    /// Equality of two terms of one sort.
    Eq(T, T),
    /// Integer `<`.
    Lt(T, T),
    /// Integer `<=`.
    Le(T, T),
    /// Integer division by a positive constant.
    Div(T, i128),
    /// Integer remainder by a positive constant.
    Mod(T, i128),
    /// Integer plus a constant.
    AddConst(T, i128),
    /// Integer times a constant.
    MulConst(T, i128),
    /// String membership in a regular expression.
    InRe(T, Re),
    /// `a` contains `b`.
    Contains(T, T),
    /// `a` starts with `b`.
    StartsWith(T, T),
    /// `a` ends with `b`.
    EndsWith(T, T),
}

/// A regular expression over characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Re {
    /// Exactly this text.
    Literal(String),
    /// One character in the inclusive range.
    Range(char, char),
    /// One character in any of the inclusive ranges (one step of an automaton however many
    /// ranges a Unicode class has).
    Class(Vec<(char, char)>),
    /// Any one character except those listed (all ASCII); `AnyExcept("\n")` is the `.` of a
    /// regular expression.
    AnyExcept(String),
    /// Any string.
    All,
    /// Nothing.
    Empty,
    /// Sequence.
    Concat(Vec<Re>),
    /// Alternatives.
    Union(Vec<Re>),
    /// Zero or more.
    Star(Box<Re>),
    /// Between `min` and `max` repetitions.
    Loop(Box<Re>, u32, u32),
}

/// A boolean constant.
pub fn bool(value: bool) -> T {
    Rc::new(Term::Bool(value))
}

/// An integer constant.
pub fn int(value: i128) -> T {
    Rc::new(Term::Int(value))
}

/// A string constant.
pub fn string(value: &str) -> T {
    Rc::new(Term::Str(value.to_string()))
}

/// A free boolean.
pub fn bool_var(name: impl Into<String>) -> T {
    Rc::new(Term::BoolVar(name.into()))
}

/// A free integer.
pub fn int_var(name: impl Into<String>) -> T {
    Rc::new(Term::IntVar(name.into()))
}

/// A free string.
pub fn str_var(name: impl Into<String>) -> T {
    Rc::new(Term::StrVar(name.into()))
}

/// Negation, folding constants.
pub fn not(term: &T) -> T {
    match &**term {
        Term::Bool(value) => bool(!value),
        Term::Not(inner) => inner.clone(),
        _ => Rc::new(Term::Not(term.clone())),
    }
}

/// Conjunction, folding constants.
pub fn and(terms: impl IntoIterator<Item = T>) -> T {
    let mut kept = Vec::new();
    for term in terms {
        match &*term {
            Term::Bool(true) => {}
            Term::Bool(false) => return bool(false),
            _ => kept.push(term),
        }
    }
    match kept.len() {
        0 => bool(true),
        1 => kept.pop().unwrap_or_else(|| bool(true)),
        _ => Rc::new(Term::And(kept)),
    }
}

/// Disjunction, folding constants.
pub fn or(terms: impl IntoIterator<Item = T>) -> T {
    let mut kept = Vec::new();
    for term in terms {
        match &*term {
            Term::Bool(false) => {}
            Term::Bool(true) => return bool(true),
            _ => kept.push(term),
        }
    }
    match kept.len() {
        0 => bool(false),
        1 => kept.pop().unwrap_or_else(|| bool(false)),
        _ => Rc::new(Term::Or(kept)),
    }
}

/// `a ∧ b`
pub fn and2(a: &T, b: &T) -> T {
    and([a.clone(), b.clone()])
}

/// `a ∨ b`
pub fn or2(a: &T, b: &T) -> T {
    or([a.clone(), b.clone()])
}

/// `a ⇒ b`
pub fn implies(a: &T, b: &T) -> T {
    or([not(a), b.clone()])
}

/// Equality.
pub fn eq(a: &T, b: &T) -> T {
    Rc::new(Term::Eq(a.clone(), b.clone()))
}

/// Builds a binary term.
pub fn bin(make: fn(T, T) -> Term, a: &T, b: &T) -> T {
    Rc::new(make(a.clone(), b.clone()))
}

/// The free variables of `terms`, each name once, in the order they are first met.
pub fn free_vars(terms: &[T]) -> Vec<T> {
    let mut seen: HashSet<*const Term> = HashSet::new();
    let mut names: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    let mut stack: Vec<&T> = terms.iter().rev().collect();
    while let Some(term) = stack.pop() {
        if !seen.insert(Rc::as_ptr(term)) {
            continue;
        }
        match &**term {
            Term::Bool(_) | Term::Int(_) | Term::Str(_) => {}
            Term::BoolVar(name) | Term::IntVar(name) | Term::StrVar(name) => {
                if names.insert(name) {
                    out.push(term.clone());
                }
            }
            Term::Not(inner)
            | Term::Div(inner, _)
            | Term::Mod(inner, _)
            | Term::AddConst(inner, _)
            | Term::MulConst(inner, _)
            | Term::InRe(inner, _) => stack.push(inner),
            Term::And(items) | Term::Or(items) => stack.extend(items.iter().rev()),
            Term::Eq(a, b)
            | Term::Lt(a, b)
            | Term::Le(a, b)
            | Term::Contains(a, b)
            | Term::StartsWith(a, b)
            | Term::EndsWith(a, b) => {
                stack.push(b);
                stack.push(a);
            }
        }
    }
    out
}

/// The regular-expression memberships in `terms`, each once.
pub fn regex_atoms(terms: &[T]) -> Vec<T> {
    let mut seen: HashSet<*const Term> = HashSet::new();
    let mut out = Vec::new();
    let mut stack: Vec<&T> = terms.iter().collect();
    while let Some(term) = stack.pop() {
        if !seen.insert(Rc::as_ptr(term)) {
            continue;
        }
        match &**term {
            Term::InRe(..) => out.push(term.clone()),
            Term::Not(inner) => stack.push(inner),
            Term::And(items) | Term::Or(items) => stack.extend(items.iter()),
            Term::Eq(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            _ => {}
        }
    }
    out
}

/// The name of a free variable, `None` for any other term.
pub fn var_name(term: &Term) -> Option<&str> {
    match term {
        Term::BoolVar(name) | Term::IntVar(name) | Term::StrVar(name) => Some(name),
        _ => None,
    }
}

/// Whether the term is the constant `false`.
pub fn is_false(term: &T) -> bool {
    matches!(**term, Term::Bool(false))
}

/// The terms `term` reads directly.
pub fn children(term: &T) -> Vec<&T> {
    match &**term {
        Term::Bool(_)
        | Term::Int(_)
        | Term::Str(_)
        | Term::BoolVar(_)
        | Term::IntVar(_)
        | Term::StrVar(_) => Vec::new(),
        Term::Not(inner)
        | Term::Div(inner, _)
        | Term::Mod(inner, _)
        | Term::AddConst(inner, _)
        | Term::MulConst(inner, _)
        | Term::InRe(inner, _) => vec![inner],
        Term::And(items) | Term::Or(items) => items.iter().collect(),
        Term::Eq(a, b)
        | Term::Lt(a, b)
        | Term::Le(a, b)
        | Term::Contains(a, b)
        | Term::StartsWith(a, b)
        | Term::EndsWith(a, b) => vec![a, b],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_vars_are_listed_once_in_order() {
        let x = int_var("x");
        let shared = bin(Term::Lt, &x, &int_var("y"));
        let formula = and([shared.clone(), not(&shared), eq(&int_var("x"), &int(1))]);
        let names: Vec<String> = free_vars(&[formula, bool_var("b")])
            .iter()
            .filter_map(|var| var_name(var).map(str::to_string))
            .collect();
        assert_eq!(names, ["x", "y", "b"]);
    }
}
