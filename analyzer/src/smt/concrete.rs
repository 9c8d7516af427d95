//! Concrete evaluation of [`Term`]s: the value of every formula of a group of rules under one
//! assignment of the encoding's variables. A point where a query's formulas all evaluate true
//! is a model of the query, exactly as the solver's would be (integer division and remainder
//! are Euclidean, as in SMT-LIB; a regular-expression membership is decided by the `regex`
//! crate on the same language). So checks refute most claims on sample points, and refine
//! queries with the rules a solver's model turns out to reach, without a solver call.

use std::collections::HashMap;
use std::rc::Rc;

use regex::Regex;

use super::solver::{Model, ModelValue};
use super::term::{Re, T, Term};

/// A value of a variable or a term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Val {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A string.
    Str(Rc<str>),
}

/// The sort of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sort {
    /// Boolean.
    Bool,
    /// Integer.
    Int,
    /// String.
    Str,
}

impl Sort {
    /// The value a variable takes when nothing says otherwise (as [`super::encode::Encoder::witness`]
    /// reads a model that leaves it out).
    pub fn default_value(self) -> Val {
        match self {
            Sort::Bool => Val::Bool(false),
            Sort::Int => Val::Int(0),
            Sort::Str => Val::Str(Rc::from("")),
        }
    }
}

/// One assignment of the program's variables, by slot.
pub(crate) type Point = Vec<Val>;

#[derive(Debug)]
enum Op {
    Const(Val),
    Var(usize),
    Not(usize),
    And(Vec<usize>),
    Or(Vec<usize>),
    Eq(usize, usize),
    Lt(usize, usize),
    Le(usize, usize),
    Div(usize, i128),
    Mod(usize, i128),
    AddConst(usize, i128),
    MulConst(usize, i128),
    InRe(usize, Option<Regex>),
    Contains(usize, usize),
    StartsWith(usize, usize),
    EndsWith(usize, usize),
}

/// The formulas of a group as one list of operations in dependency order, over numbered
/// variables. Terms are identified by address: the encoding shares every subformula it reuses.
#[derive(Debug)]
pub(crate) struct Program {
    ops: Vec<Op>,
    /// The operation of each term, by the term's address (the terms are kept alive in `terms`).
    index: HashMap<*const Term, usize>,
    terms: Vec<T>,
    vars: Vec<(String, Sort)>,
    slot: HashMap<String, usize>,
}

impl Program {
    /// The program computing every term reachable from `roots`.
    pub fn new(roots: &[T]) -> Program {
        let mut program = Program {
            ops: Vec::new(),
            index: HashMap::new(),
            terms: Vec::new(),
            vars: Vec::new(),
            slot: HashMap::new(),
        };
        for root in roots {
            program.add(root);
        }
        program
    }

    /// The variables, by slot.
    pub fn vars(&self) -> &[(String, Sort)] {
        &self.vars
    }

    /// The slot of a variable.
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.slot.get(name).copied()
    }

    /// The operation computing `term`, if the program has it.
    pub fn node(&self, term: &T) -> Option<usize> {
        self.index.get(&Rc::as_ptr(term)).copied()
    }

    /// Adds `term` (and what it reads) unless it is there; returns its operation.
    fn add(&mut self, term: &T) -> usize {
        if let Some(&at) = self.index.get(&Rc::as_ptr(term)) {
            return at;
        }
        // Post-order without recursion: formulas nest as deep as conditions do.
        let mut stack: Vec<(T, bool)> = vec![(term.clone(), false)];
        while let Some((next, expanded)) = stack.pop() {
            if self.index.contains_key(&Rc::as_ptr(&next)) {
                continue;
            }
            if !expanded {
                stack.push((next.clone(), true));
                for child in super::term::children(&next).into_iter().rev() {
                    if !self.index.contains_key(&Rc::as_ptr(child)) {
                        stack.push((child.clone(), false));
                    }
                }
                continue;
            }
            let op = self.op(&next);
            self.index.insert(Rc::as_ptr(&next), self.ops.len());
            self.ops.push(op);
            self.terms.push(next);
        }
        self.index[&Rc::as_ptr(term)]
    }

    fn op(&mut self, term: &T) -> Op {
        let at = |program: &Program, child: &T| program.index[&Rc::as_ptr(child)];
        match &**term {
            Term::Bool(value) => Op::Const(Val::Bool(*value)),
            Term::Int(value) => Op::Const(Val::Int(*value)),
            Term::Str(value) => Op::Const(Val::Str(Rc::from(value.as_str()))),
            Term::BoolVar(name) => Op::Var(self.var(name, Sort::Bool)),
            Term::IntVar(name) => Op::Var(self.var(name, Sort::Int)),
            Term::StrVar(name) => Op::Var(self.var(name, Sort::Str)),
            Term::Not(inner) => Op::Not(at(self, inner)),
            Term::And(items) => Op::And(items.iter().map(|item| at(self, item)).collect()),
            Term::Or(items) => Op::Or(items.iter().map(|item| at(self, item)).collect()),
            Term::Eq(a, b) => Op::Eq(at(self, a), at(self, b)),
            Term::Lt(a, b) => Op::Lt(at(self, a), at(self, b)),
            Term::Le(a, b) => Op::Le(at(self, a), at(self, b)),
            Term::Div(a, by) => Op::Div(at(self, a), *by),
            Term::Mod(a, by) => Op::Mod(at(self, a), *by),
            Term::AddConst(a, by) => Op::AddConst(at(self, a), *by),
            Term::MulConst(a, by) => Op::MulConst(at(self, a), *by),
            Term::InRe(a, re) => Op::InRe(
                at(self, a),
                Regex::new(&format!("^(?:{})$", re.to_regex_source())).ok(),
            ),
            Term::Contains(a, b) => Op::Contains(at(self, a), at(self, b)),
            Term::StartsWith(a, b) => Op::StartsWith(at(self, a), at(self, b)),
            Term::EndsWith(a, b) => Op::EndsWith(at(self, a), at(self, b)),
        }
    }

    fn var(&mut self, name: &str, sort: Sort) -> usize {
        if let Some(&slot) = self.slot.get(name) {
            return slot;
        }
        self.vars.push((name.to_string(), sort));
        self.slot.insert(name.to_string(), self.vars.len() - 1);
        self.vars.len() - 1
    }

    /// Every variable at its default value.
    pub fn default_point(&self) -> Point {
        self.vars
            .iter()
            .map(|(_, sort)| sort.default_value())
            .collect()
    }

    /// `model` as a point: its values for the variables it names, defaults (or `base`) for the
    /// others.
    pub fn point_of(&self, model: &Model, base: Option<&Point>) -> Point {
        self.vars
            .iter()
            .enumerate()
            .map(|(slot, (name, sort))| match model.get(name) {
                Some(ModelValue::Bool(value)) => Val::Bool(*value),
                Some(ModelValue::Int(value)) => Val::Int(*value),
                Some(ModelValue::Str(value)) => Val::Str(Rc::from(value.as_str())),
                None => base.map_or_else(|| sort.default_value(), |base| base[slot].clone()),
            })
            .collect()
    }

    /// `point` as a model naming every variable.
    pub fn model_of(&self, point: &Point) -> Model {
        self.vars
            .iter()
            .zip(point)
            .map(|((name, _), value)| {
                let value = match value {
                    Val::Bool(value) => ModelValue::Bool(*value),
                    Val::Int(value) => ModelValue::Int(*value),
                    Val::Str(value) => ModelValue::Str(value.to_string()),
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// The value of every operation at `point`; `None` where a value is undefined (an
    /// arithmetic overflow, a regular expression the `regex` crate refuses).
    pub fn run(&self, point: &Point) -> Vec<Option<Val>> {
        let mut values: Vec<Option<Val>> = Vec::with_capacity(self.ops.len());
        for op in &self.ops {
            let value = self.step(op, point, &values);
            values.push(value);
        }
        values
    }

    /// The operations computing `roots` (and what they read), in dependency order.
    pub fn cone(&self, roots: &[T]) -> Vec<usize> {
        let mut needed = vec![false; self.ops.len()];
        let mut stack: Vec<usize> = roots.iter().filter_map(|root| self.node(root)).collect();
        while let Some(at) = stack.pop() {
            if std::mem::replace(&mut needed[at], true) {
                continue;
            }
            stack.extend(
                super::term::children(&self.terms[at])
                    .into_iter()
                    .filter_map(|child| self.node(child)),
            );
        }
        (0..self.ops.len()).filter(|&at| needed[at]).collect()
    }

    /// [`Self::run`] of the operations of `cone` (from [`Self::cone`]) only; the others are
    /// `None`.
    pub fn run_cone(&self, point: &Point, cone: &[usize]) -> Vec<Option<Val>> {
        let mut values: Vec<Option<Val>> = vec![None; self.ops.len()];
        for &at in cone {
            values[at] = self.step(&self.ops[at], point, &values);
        }
        values
    }

    fn step(&self, op: &Op, point: &Point, values: &[Option<Val>]) -> Option<Val> {
        let bool_at = |at: usize| match values[at] {
            Some(Val::Bool(value)) => Some(value),
            _ => None,
        };
        let int_at = |at: usize| match values[at] {
            Some(Val::Int(value)) => Some(value),
            _ => None,
        };
        let str_at = |at: usize| match &values[at] {
            Some(Val::Str(value)) => Some(value.clone()),
            _ => None,
        };
        Some(match op {
            Op::Const(value) => value.clone(),
            Op::Var(slot) => point[*slot].clone(),
            Op::Not(at) => Val::Bool(!bool_at(*at)?),
            Op::And(items) => {
                let mut all = true;
                for item in items {
                    all &= bool_at(*item)?;
                }
                Val::Bool(all)
            }
            Op::Or(items) => {
                let mut any = false;
                for item in items {
                    any |= bool_at(*item)?;
                }
                Val::Bool(any)
            }
            Op::Eq(a, b) => Val::Bool(values[*a].as_ref()? == values[*b].as_ref()?),
            Op::Lt(a, b) => Val::Bool(int_at(*a)? < int_at(*b)?),
            Op::Le(a, b) => Val::Bool(int_at(*a)? <= int_at(*b)?),
            Op::Div(a, by) => Val::Int(int_at(*a)?.checked_div_euclid(*by)?),
            Op::Mod(a, by) => Val::Int(int_at(*a)?.checked_rem_euclid(*by)?),
            Op::AddConst(a, by) => Val::Int(int_at(*a)?.checked_add(*by)?),
            Op::MulConst(a, by) => Val::Int(int_at(*a)?.checked_mul(*by)?),
            Op::InRe(a, regex) => Val::Bool(regex.as_ref()?.is_match(&str_at(*a)?)),
            Op::Contains(a, b) => Val::Bool(str_at(*a)?.contains(&*str_at(*b)?)),
            Op::StartsWith(a, b) => Val::Bool(str_at(*a)?.starts_with(&*str_at(*b)?)),
            Op::EndsWith(a, b) => Val::Bool(str_at(*a)?.ends_with(&*str_at(*b)?)),
        })
    }

    /// The value of `term` given the values of a run, if the program has the term.
    pub fn bool_in(&self, term: &T, values: &[Option<Val>]) -> Option<bool> {
        match values.get(self.node(term)?)? {
            Some(Val::Bool(value)) => Some(*value),
            _ => None,
        }
    }
}

impl Re {
    /// The language as a `regex` crate expression (unanchored text; anchor it to match whole
    /// strings).
    pub fn to_regex_source(&self) -> String {
        match self {
            Re::Literal(text) => regex::escape(text),
            Re::Range(low, high) => format!("[\\x{{{:x}}}-\\x{{{:x}}}]", *low as u32, *high as u32),
            Re::Class(ranges) if ranges.is_empty() => Re::Empty.to_regex_source(),
            Re::Class(ranges) => format!(
                "[{}]",
                ranges
                    .iter()
                    .map(|&(low, high)| format!("\\x{{{:x}}}-\\x{{{:x}}}", low as u32, high as u32))
                    .collect::<String>()
            ),
            Re::AnyExcept(set) if set.is_empty() => "(?s:.)".to_string(),
            Re::AnyExcept(set) => format!("[^{}]", regex::escape(set)),
            Re::All => "(?s:.)*".to_string(),
            Re::Empty => "[^\\s\\S]".to_string(),
            Re::Union(items) if items.is_empty() => Re::Empty.to_regex_source(),
            Re::Union(items) => format!(
                "(?:{})",
                items
                    .iter()
                    .map(Re::to_regex_source)
                    .collect::<Vec<_>>()
                    .join("|")
            ),
            Re::Concat(items) => items
                .iter()
                .map(|item| format!("(?:{})", item.to_regex_source()))
                .collect(),
            Re::Star(inner) => format!("(?:{})*", inner.to_regex_source()),
            Re::Loop(inner, min, max) => format!("(?:{}){{{min},{max}}}", inner.to_regex_source()),
        }
    }
}
