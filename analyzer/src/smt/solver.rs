//! The solver trait the analysis talks to, and its z3 implementation (the only place z3 is used).

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use z3::ast::{self, Ast as _};

use super::term::{self, Re, T, Term};

/// A value a model gives a free variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A string.
    Str(String),
}

/// A satisfying assignment of the free variables of a query.
pub type Model = HashMap<String, ModelValue>;

/// What a solver says about a formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SatResult {
    /// Satisfiable, with a model.
    Sat(Model),
    /// Unsatisfiable: the negated property is proved.
    Unsat,
    /// The solver gave up (time limit or incompleteness).
    Unknown,
}

/// A satisfiability checker for formulas of [`Term`]s.
pub trait Solver {
    /// Checks the conjunction of `formulas`.
    fn check(&mut self, formulas: &[T]) -> SatResult;
}

/// A z3 context: terms are translated into it once and reused by every query of a
/// [`Z3Solver`] borrowing it, which saves setting up z3 for each query.
pub struct Z3Context {
    ctx: z3::Context,
}

impl Z3Context {
    /// A fresh context.
    pub fn new() -> Self {
        Z3Context {
            ctx: z3::Context::new(&z3::Config::new()),
        }
    }
}

impl Default for Z3Context {
    fn default() -> Self {
        Z3Context::new()
    }
}

/// The z3 solver with a per-query time limit. Each query runs on a fresh z3 solver (so no
/// query sees another's assertions) over the shared context and translation memo.
pub struct Z3Solver<'c> {
    solver: z3::Solver<'c>,
    translator: Translator<'c>,
}

impl<'c> Z3Solver<'c> {
    /// A solver over `context` giving up after `timeout` per query.
    pub fn new(context: &'c Z3Context, timeout: Duration) -> Self {
        let ctx = &context.ctx;
        let mut params = z3::Params::new(ctx);
        let millis = u32::try_from(timeout.as_millis())
            .unwrap_or(u32::MAX)
            .max(1);
        params.set_u32("timeout", millis);
        let solver = z3::Solver::new(ctx);
        solver.set_params(&params);
        Z3Solver {
            solver,
            translator: Translator {
                ctx,
                memo: HashMap::new(),
            },
        }
    }

    /// Asserts `formulas` (on a pushed scope) and checks them.
    fn check_pushed(&mut self, formulas: &[T]) -> SatResult {
        for formula in formulas {
            match self.translator.bool(formula) {
                Some(term) => self.solver.assert(&term),
                None => return SatResult::Unknown,
            }
        }
        match self.solver.check() {
            z3::SatResult::Unsat => SatResult::Unsat,
            z3::SatResult::Unknown => SatResult::Unknown,
            z3::SatResult::Sat => match self.solver.get_model() {
                Some(model) => self.model_values(&model, formulas),
                None => SatResult::Unknown,
            },
        }
    }

    /// The values `model` gives the free variables of `formulas`.
    fn model_values(&mut self, model: &z3::Model<'c>, formulas: &[T]) -> SatResult {
        let mut values = Model::new();
        for var in term::free_vars(formulas) {
            let (Some(name), Some(translated)) = (term::var_name(&var), self.translator.term(&var))
            else {
                return SatResult::Unknown;
            };
            let value = match translated {
                Dyn::Bool(term) => model
                    .eval(&term, true)
                    .and_then(|value| value.as_bool())
                    .map(ModelValue::Bool),
                Dyn::Int(term) => model
                    .eval(&term, true)
                    .and_then(|value| parse_int(&value.to_string()))
                    .map(ModelValue::Int),
                Dyn::Str(term) => model
                    .eval(&term, true)
                    .and_then(|value| value.as_string())
                    .map(|text| ModelValue::Str(unescape(&text))),
            };
            match value {
                Some(value) => {
                    values.insert(name.to_string(), value);
                }
                None => return SatResult::Unknown,
            }
        }
        SatResult::Sat(values)
    }
}

impl Solver for Z3Solver<'_> {
    fn check(&mut self, formulas: &[T]) -> SatResult {
        self.solver.push();
        let result = self.check_pushed(formulas);
        self.solver.pop(1);
        result
    }
}

/// An integer as z3 prints it: `42`, or `(- 42)` when negative.
fn parse_int(text: &str) -> Option<i128> {
    match text
        .strip_prefix("(-")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(magnitude) => magnitude.trim().parse::<i128>().ok().map(|value| -value),
        None => text.parse().ok(),
    }
}

/// z3 4.8 prints non-printable characters of string values as `\u{…}` escapes.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        match after.find('}').and_then(|end| {
            u32::from_str_radix(&after[..end], 16)
                .ok()
                .and_then(char::from_u32)
                .map(|c| (c, end))
        }) {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[derive(Clone)]
enum Dyn<'c> {
    Bool(ast::Bool<'c>),
    Int(ast::Int<'c>),
    Str(ast::String<'c>),
}

/// Translates terms into z3 terms. The memo is keyed by the address of a term and keeps the
/// term alive, so an address is never reused for another term while the memo lives.
struct Translator<'c> {
    ctx: &'c z3::Context,
    memo: HashMap<*const Term, (T, Dyn<'c>)>,
}

impl<'c> Translator<'c> {
    fn bool(&mut self, term: &T) -> Option<ast::Bool<'c>> {
        match self.term(term)? {
            Dyn::Bool(value) => Some(value),
            _ => None,
        }
    }

    fn int(&mut self, term: &T) -> Option<ast::Int<'c>> {
        match self.term(term)? {
            Dyn::Int(value) => Some(value),
            _ => None,
        }
    }

    fn str(&mut self, term: &T) -> Option<ast::String<'c>> {
        match self.term(term)? {
            Dyn::Str(value) => Some(value),
            _ => None,
        }
    }

    fn int_const(&self, value: i128) -> Option<ast::Int<'c>> {
        ast::Int::from_str(self.ctx, &value.to_string())
    }

    fn term(&mut self, term: &T) -> Option<Dyn<'c>> {
        let key = Rc::as_ptr(term);
        if let Some((_, done)) = self.memo.get(&key) {
            return Some(done.clone());
        }
        let ctx = self.ctx;
        let result = match &**term {
            Term::Bool(value) => Dyn::Bool(ast::Bool::from_bool(ctx, *value)),
            Term::Int(value) => Dyn::Int(self.int_const(*value)?),
            Term::Str(value) => Dyn::Str(ast::String::from_str(ctx, value).ok()?),
            Term::BoolVar(name) => Dyn::Bool(ast::Bool::new_const(ctx, name.as_str())),
            Term::IntVar(name) => Dyn::Int(ast::Int::new_const(ctx, name.as_str())),
            Term::StrVar(name) => Dyn::Str(ast::String::new_const(ctx, name.as_str())),
            Term::Not(inner) => Dyn::Bool(self.bool(inner)?.not()),
            Term::And(items) | Term::Or(items) => {
                let items = items
                    .iter()
                    .map(|item| self.bool(item))
                    .collect::<Option<Vec<_>>>()?;
                let refs: Vec<&ast::Bool<'c>> = items.iter().collect();
                Dyn::Bool(if matches!(**term, Term::And(_)) {
                    ast::Bool::and(ctx, &refs)
                } else {
                    ast::Bool::or(ctx, &refs)
                })
            }
            Term::Eq(a, b) => match (self.term(a)?, self.term(b)?) {
                (Dyn::Bool(a), Dyn::Bool(b)) => Dyn::Bool(a._eq(&b)),
                (Dyn::Int(a), Dyn::Int(b)) => Dyn::Bool(a._eq(&b)),
                (Dyn::Str(a), Dyn::Str(b)) => Dyn::Bool(a._eq(&b)),
                _ => return None,
            },
            Term::Lt(a, b) => Dyn::Bool(self.int(a)?.lt(&self.int(b)?)),
            Term::Le(a, b) => Dyn::Bool(self.int(a)?.le(&self.int(b)?)),
            Term::Div(a, by) => Dyn::Int(self.int(a)?.div(&self.int_const(*by)?)),
            Term::Mod(a, by) => Dyn::Int(self.int(a)?.modulo(&self.int_const(*by)?)),
            Term::AddConst(a, by) => {
                Dyn::Int(ast::Int::add(ctx, &[&self.int(a)?, &self.int_const(*by)?]))
            }
            Term::MulConst(a, by) => {
                Dyn::Int(ast::Int::mul(ctx, &[&self.int(a)?, &self.int_const(*by)?]))
            }
            Term::InRe(a, re) => {
                let regex = self.regex(re);
                Dyn::Bool(self.str(a)?.regex_matches(&regex))
            }
            Term::Contains(a, b) => Dyn::Bool(self.str(a)?.contains(&self.str(b)?)),
            Term::StartsWith(a, b) => Dyn::Bool(self.str(b)?.prefix(&self.str(a)?)),
            Term::EndsWith(a, b) => Dyn::Bool(self.str(b)?.suffix(&self.str(a)?)),
        };
        self.memo.insert(key, (term.clone(), result.clone()));
        Some(result)
    }

    fn regex(&self, re: &Re) -> ast::Regexp<'c> {
        let ctx = self.ctx;
        match re {
            Re::Literal(text) => ast::Regexp::literal(ctx, text),
            Re::Range(low, high) => ast::Regexp::range(ctx, low, high),
            Re::AnyChar => ast::Regexp::range(ctx, &'\u{1}', &'\u{ff}'),
            Re::All => ast::Regexp::full(ctx),
            Re::Empty => ast::Regexp::empty(ctx),
            Re::Concat(items) | Re::Union(items) => {
                let items: Vec<_> = items.iter().map(|item| self.regex(item)).collect();
                let refs: Vec<&ast::Regexp<'c>> = items.iter().collect();
                match (re, refs.len()) {
                    (Re::Concat(_), 0) => ast::Regexp::literal(ctx, ""),
                    (Re::Union(_), 0) => ast::Regexp::empty(ctx),
                    (_, 1) => items[0].clone(),
                    (Re::Concat(_), _) => ast::Regexp::concat(ctx, &refs),
                    _ => ast::Regexp::union(ctx, &refs),
                }
            }
            Re::Star(inner) => self.regex(inner).star(),
            Re::Loop(inner, min, max) => self.regex(inner).r#loop(*min, *max),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ModelValue, SatResult, Solver, Z3Context, Z3Solver, parse_int, unescape};
    use crate::smt::term::{self, T, Term};

    /// Ten pigeons in nine holes: unsatisfiable, and far beyond a short time limit.
    fn pigeonhole() -> T {
        let holes = 9;
        let pigeons: Vec<T> = (0..=holes)
            .map(|i| term::int_var(format!("pigeon{i}")))
            .collect();
        let mut facts = Vec::new();
        for (at, pigeon) in pigeons.iter().enumerate() {
            facts.push(term::bin(Term::Le, &term::int(0), pigeon));
            facts.push(term::bin(Term::Lt, pigeon, &term::int(holes)));
            for other in &pigeons[at + 1..] {
                facts.push(term::not(&term::eq(pigeon, other)));
            }
        }
        term::and(facts)
    }

    #[test]
    fn a_timeout_is_unknown_and_the_solver_goes_on() {
        let context = Z3Context::new();
        let mut solver = Z3Solver::new(&context, Duration::from_millis(100));
        assert_eq!(solver.check(&[pigeonhole()]), SatResult::Unknown);
        let x = term::int_var("x");
        let small = term::bin(Term::Lt, &x, &term::int(-3));
        match solver.check(std::slice::from_ref(&small)) {
            SatResult::Sat(model) => {
                assert!(matches!(model.get("x"), Some(ModelValue::Int(value)) if *value < -3));
            }
            other => panic!("expected a model, got {other:?}"),
        }
        assert_eq!(
            solver.check(&[small, term::bin(Term::Lt, &term::int(0), &x)]),
            SatResult::Unsat
        );
    }

    #[test]
    fn parses_integers_as_z3_prints_them() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("(- 42)"), Some(-42));
        assert_eq!(
            parse_int("(- 1000000000000000000000)"),
            Some(-1_000_000_000_000_000_000_000)
        );
        assert_eq!(parse_int("x"), None);
    }

    #[test]
    fn unescapes_string_values() {
        assert_eq!(unescape("rm -rf\\u{17}ls"), "rm -rf\u{17}ls");
        assert_eq!(unescape("a\\u{zz}b"), "a\\u{zz}b");
    }
}
