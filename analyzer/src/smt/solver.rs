//! The solver trait the analysis talks to, and its z3 implementation (the only place z3 is used).
//!
//! Strings reach z3 with every character outside printable ASCII written as a `\u{…}` escape:
//! z3 4.8 reads the bytes of a plain string as characters, so `é` would be two. z3's strings
//! hold characters up to U+2FFFF; a literal with a larger one is not translated (the query is
//! unknown), and character ranges are cut at U+2FFFF. Requests may hold such characters, but
//! every character class the encoding uses treats alike all the word characters above U+2FFFF
//! and those of CJK Extension B, and all the other characters above U+2FFFF and those of the
//! private-use area (`smt::regex`). So each of them behaves like some smaller character of its
//! group that no literal uses, and the answers stay exact.
//!
//! A regular-expression membership is written in SMT-LIB text (the z3 crate builds character
//! ranges from raw bytes only) defining a fresh boolean, and a query asserts the definitions of
//! the memberships it reads, in its own scope, and no others: definitions asserted once for all
//! queries, even behind guards, made z3's string solver slower with every rule it had seen.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use z3::ast::{self, Ast as _};

use super::term::{self, Re, T, Term};

/// The largest character z3 4.8's strings hold.
const MAX_CHAR: u32 = 0x2FFFF;

/// The time limit of one query (SPEC §7); the run's budget may cut it shorter.
pub(crate) const QUERY_LIMIT: Duration = Duration::from_secs(2);

/// A value a model gives a free variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModelValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A string.
    Str(String),
}

/// A satisfying assignment of the free variables of a query.
pub(crate) type Model = HashMap<String, ModelValue>;

/// What a solver says about a formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SatResult {
    /// Satisfiable, with a model.
    Sat(Model),
    /// Unsatisfiable: the negated property is proved.
    Unsat,
    /// The solver gave up (time limit or incompleteness).
    Unknown,
}

/// A satisfiability checker for formulas of [`Term`]s.
pub(crate) trait Solver {
    /// Checks the conjunction of `formulas`.
    fn check(&mut self, formulas: &[T]) -> SatResult;

    /// Whether the run's time budget is spent: every later query answers unknown at once.
    fn exhausted(&self) -> bool;
}

/// Makes the solver of one run. The analysis is handed a backend rather than building z3
/// itself, so tests can give it another solver.
pub(crate) trait Backend {
    /// Runs `work` with a solver whose queries together stop after `budget`.
    fn run(&self, budget: Duration, work: &mut dyn FnMut(&mut dyn Solver));
}

/// The z3 backend: one context, one solver and a watchdog thread per run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Z3Backend;

impl Backend for Z3Backend {
    fn run(&self, budget: Duration, work: &mut dyn FnMut(&mut dyn Solver)) {
        let context = Z3Context::new();
        context.with_watchdog(|watchdog| {
            let mut solver = Z3Solver::new(&context, watchdog, budget);
            work(&mut solver);
        });
    }
}

/// A z3 context: terms are translated into it once and reused by every query of a
/// [`Z3Solver`] borrowing it, which saves setting up z3 for each query.
pub(crate) struct Z3Context {
    ctx: z3::Context,
}

impl Z3Context {
    /// A fresh context.
    pub fn new() -> Self {
        Z3Context {
            ctx: z3::Context::new(&z3::Config::new()),
        }
    }

    /// Runs `work` beside a watchdog thread that interrupts z3 when a query outlives its limit:
    /// z3's own `timeout` is not looked at in every long computation (a string literal of
    /// thousands of characters), an interrupt is.
    pub fn with_watchdog<R>(&self, work: impl FnOnce(&Watchdog) -> R) -> R {
        let watchdog = Watchdog::default();
        let handle = self.ctx.handle();
        std::thread::scope(|scope| {
            scope.spawn(|| watchdog.watch(&handle));
            // Shut the watchdog down however `work` ends: the scope waits for it, so a panic
            // that left it running would never return.
            let _stop = ShutDown(&watchdog);
            work(&watchdog)
        })
    }
}

impl Default for Z3Context {
    fn default() -> Self {
        Z3Context::new()
    }
}

/// Shuts a watchdog down when dropped.
struct ShutDown<'w>(&'w Watchdog);

impl Drop for ShutDown<'_> {
    fn drop(&mut self) {
        self.0.shut_down();
    }
}

/// Interrupts z3 when the query it is armed for runs past its deadline.
#[derive(Default)]
pub(crate) struct Watchdog {
    state: Mutex<WatchState>,
    wake: Condvar,
}

#[derive(Default)]
struct WatchState {
    deadline: Option<Instant>,
    stop: bool,
}

impl Watchdog {
    fn lock(&self) -> MutexGuard<'_, WatchState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn arm(&self, deadline: Instant) {
        self.lock().deadline = Some(deadline);
        self.wake.notify_one();
    }

    fn disarm(&self) {
        self.lock().deadline = None;
    }

    fn shut_down(&self) {
        self.lock().stop = true;
        self.wake.notify_one();
    }

    fn watch(&self, handle: &z3::ContextHandle<'_>) {
        let mut state = self.lock();
        while !state.stop {
            state = match state.deadline {
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        // An interrupt that arrives after the query ended is harmless: z3
                        // clears it when the next query starts.
                        handle.interrupt();
                        state.deadline = None;
                        state
                    } else {
                        self.wake
                            .wait_timeout(state, deadline - now)
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .0
                    }
                }
            };
        }
    }
}

/// The z3 solver: each query runs in its own scope of one solver over the shared context and
/// translation memo, limited to [`QUERY_LIMIT`] and to what is left of the run's budget.
pub(crate) struct Z3Solver<'c> {
    solver: z3::Solver<'c>,
    translator: Translator<'c>,
    watchdog: &'c Watchdog,
    deadline: Instant,
    exhausted: bool,
    /// The timeout z3 was last given, in milliseconds.
    timeout: Option<u32>,
}

impl<'c> Z3Solver<'c> {
    /// A solver over `context` whose queries together stop after `budget`.
    pub fn new(context: &'c Z3Context, watchdog: &'c Watchdog, budget: Duration) -> Self {
        let ctx = &context.ctx;
        let solver = z3::Solver::new(ctx);
        Z3Solver {
            translator: Translator {
                ctx,
                memberships: HashMap::new(),
                memo: HashMap::new(),
            },
            solver,
            watchdog,
            deadline: Instant::now() + budget,
            exhausted: false,
            timeout: None,
        }
    }

    /// Asserts `formulas` (on a pushed scope) and checks them.
    fn check_translated(
        &mut self,
        formulas: &[ast::Bool<'c>],
        definitions: &[String],
        originals: &[T],
    ) -> SatResult {
        let now = Instant::now();
        if now >= self.deadline {
            self.exhausted = true;
            return SatResult::Unknown;
        }
        let limit = QUERY_LIMIT.min(self.deadline - now);
        // Setting parameters costs z3 about as much as an easy query: only when they change
        // (the last stretch of the budget; the watchdog enforces the limit in any case).
        let millis = u32::try_from(limit.as_millis()).unwrap_or(u32::MAX).max(1);
        if self.timeout != Some(millis) {
            let mut params = z3::Params::new(self.translator.ctx);
            params.set_u32("timeout", millis);
            self.solver.set_params(&params);
            self.timeout = Some(millis);
        }
        self.solver.push();
        // One at a time, as each declares its subject.
        for definition in definitions {
            self.solver.from_string(definition.as_str());
        }
        for formula in formulas {
            self.solver.assert(formula);
        }
        self.watchdog.arm(now + limit);
        let result = self.solver.check();
        self.watchdog.disarm();
        let out = match result {
            z3::SatResult::Unsat => SatResult::Unsat,
            z3::SatResult::Unknown => SatResult::Unknown,
            z3::SatResult::Sat => match self.solver.get_model() {
                Some(model) => self.model_values(&model, originals),
                None => SatResult::Unknown,
            },
        };
        self.solver.pop(1);
        if out == SatResult::Unknown && Instant::now() >= self.deadline {
            self.exhausted = true;
        }
        out
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
                Dyn::Str(term) => self.model_string(model, &term).map(ModelValue::Str),
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

    /// The value of a string variable. z3 prints `\u{…}` escapes but a backslash as itself, so
    /// the text is ambiguous when it holds a backslash: the reading the model agrees with wins.
    fn model_string(&self, model: &z3::Model<'c>, var: &ast::String<'c>) -> Option<String> {
        let text = model.eval(var, true)?.as_string()?;
        let mut readings = vec![unescape(&text)];
        if text.contains('\\') {
            readings.push(text);
        }
        readings.into_iter().find(|reading| {
            escape(reading)
                .and_then(|escaped| ast::String::from_str(self.translator.ctx, &escaped).ok())
                .and_then(|constant| model.eval(&var._eq(&constant), true))
                .and_then(|same| same.as_bool())
                == Some(true)
        })
    }
}

impl Solver for Z3Solver<'_> {
    fn check(&mut self, formulas: &[T]) -> SatResult {
        if self.exhausted {
            return SatResult::Unknown;
        }
        let mut translated = Vec::with_capacity(formulas.len());
        for formula in formulas {
            match self.translator.bool(formula) {
                Some(term) => translated.push(term),
                None => return SatResult::Unknown,
            }
        }
        let definitions: Vec<String> = term::regex_atoms(formulas)
            .iter()
            .filter_map(|atom| self.translator.memberships.get(&Rc::as_ptr(atom)).cloned())
            .collect();
        self.check_translated(&translated, &definitions, formulas)
    }

    fn exhausted(&self) -> bool {
        self.exhausted
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

/// `text` as z3 reads a string: printable ASCII but `\` and `"` as itself, anything else as
/// `\u{…}`. `None` when a character is beyond what z3's strings hold.
fn escape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = u32::from(c);
        if code > MAX_CHAR {
            return None;
        }
        if (0x20..0x7f).contains(&code) && c != '\\' && c != '"' {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{{{code:x}}}");
        }
    }
    Some(out)
}

/// z3 4.8 prints characters outside printable ASCII as `\u{…}` escapes (and everything else
/// as itself, so an escape of a printable character is text that was in the string).
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
                .filter(|c| !(' '..='~').contains(c))
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
    /// The SMT-LIB definition of each membership term's boolean.
    memberships: HashMap<*const Term, String>,
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
            Term::Str(value) => Dyn::Str(ast::String::from_str(ctx, &escape(value)?).ok()?),
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
            Term::InRe(a, re) => Dyn::Bool(self.membership(key, a, re)?),
            Term::Contains(a, b) => Dyn::Bool(self.str(a)?.contains(&self.str(b)?)),
            Term::StartsWith(a, b) => Dyn::Bool(self.str(b)?.prefix(&self.str(a)?)),
            Term::EndsWith(a, b) => Dyn::Bool(self.str(b)?.suffix(&self.str(a)?)),
        };
        self.memo.insert(key, (term.clone(), result.clone()));
        Some(result)
    }

    /// `subject ∈ re` as a fresh boolean, whose definition a query reading it asserts.
    fn membership(&mut self, key: *const Term, subject: &T, re: &Re) -> Option<ast::Bool<'c>> {
        let regex = regex_text(re)?;
        let (declaration, subject) = match &**subject {
            Term::StrVar(name) if !name.contains(['|', '\\']) => (
                format!("(declare-const |{name}| String)"),
                format!("|{name}|"),
            ),
            Term::Str(text) => (String::new(), format!("\"{}\"", escape(text)?)),
            _ => return None,
        };
        let atom = format!("re!{}", self.memberships.len());
        self.memberships.insert(
            key,
            format!(
                "{declaration}(declare-const |{atom}| Bool)\
                 (assert (= |{atom}| (str.in_re {subject} {regex})))"
            ),
        );
        Some(ast::Bool::new_const(self.ctx, atom.as_str()))
    }
}

/// A regular expression in SMT-LIB syntax, `None` when it holds a character z3 cannot.
fn regex_text(re: &Re) -> Option<String> {
    let char_text = |c: char| escape(&c.to_string()).map(|text| format!("\"{text}\""));
    Some(match re {
        Re::Literal(text) => format!("(str.to_re \"{}\")", escape(text)?),
        Re::Class(ranges) => join(
            "re.union",
            "re.none",
            ranges
                .iter()
                .map(|&(low, high)| regex_text(&Re::Range(low, high)))
                .collect::<Option<_>>()?,
        ),
        Re::Range(low, _) if u32::from(*low) > MAX_CHAR => "re.none".to_string(),
        Re::Range(low, high) => {
            let high = char::from_u32(u32::from(*high).min(MAX_CHAR))?;
            format!("(re.range {} {})", char_text(*low)?, char_text(high)?)
        }
        Re::AnyExcept(excluded) => {
            let mut ranges = Vec::new();
            let mut next = 0u32;
            let mut excluded: Vec<u32> = excluded.chars().map(u32::from).collect();
            excluded.sort_unstable();
            for code in excluded.into_iter().chain([MAX_CHAR + 1]) {
                if code > next {
                    ranges.push(format!(
                        "(re.range {} {})",
                        char_text(char::from_u32(next)?)?,
                        char_text(char::from_u32(code - 1)?)?
                    ));
                }
                next = next.max(code + 1);
            }
            join("re.union", "re.none", ranges)
        }
        Re::All => "re.all".to_string(),
        Re::Empty => "re.none".to_string(),
        Re::Concat(items) => join(
            "re.++",
            "(str.to_re \"\")",
            items.iter().map(regex_text).collect::<Option<_>>()?,
        ),
        Re::Union(items) => join(
            "re.union",
            "re.none",
            items.iter().map(regex_text).collect::<Option<_>>()?,
        ),
        Re::Star(inner) => format!("(re.* {})", regex_text(inner)?),
        Re::Loop(inner, min, max) => format!("((_ re.loop {min} {max}) {})", regex_text(inner)?),
    })
}

/// `(op a b …)`, the only item alone, or `empty` when there is none.
fn join(op: &str, empty: &str, mut items: Vec<String>) -> String {
    match items.len() {
        0 => empty.to_string(),
        1 => items.pop().unwrap_or_default(),
        _ => format!("({op} {})", items.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use std::rc::Rc;

    use super::{ModelValue, SatResult, Solver, Z3Context, Z3Solver, parse_int, unescape};
    use crate::smt::term::{self, Re, T, Term};

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

    /// Checks `formulas` on a fresh solver with `budget`, and whether the budget is spent.
    fn solve(budget: Duration, queries: &[&[T]]) -> Vec<(SatResult, bool)> {
        let context = Z3Context::new();
        context.with_watchdog(|watchdog| {
            let mut solver = Z3Solver::new(&context, watchdog, budget);
            queries
                .iter()
                .map(|formulas| (solver.check(formulas), solver.exhausted()))
                .collect()
        })
    }

    #[test]
    fn a_spent_budget_is_unknown_for_every_later_query() {
        let easy = term::bin(Term::Lt, &term::int_var("x"), &term::int(-3));
        let results = solve(Duration::from_millis(200), &[&[pigeonhole()], &[easy]]);
        assert_eq!(
            results,
            [(SatResult::Unknown, true), (SatResult::Unknown, true)]
        );
    }

    #[test]
    fn queries_within_the_budget_are_solved() {
        let x = term::int_var("x");
        let small = term::bin(Term::Lt, &x, &term::int(-3));
        let results = solve(
            Duration::from_secs(30),
            &[
                std::slice::from_ref(&small),
                &[small.clone(), term::bin(Term::Lt, &term::int(0), &x)],
            ],
        );
        match &results[0].0 {
            SatResult::Sat(model) => {
                assert!(matches!(model.get("x"), Some(ModelValue::Int(value)) if *value < -3));
            }
            other => panic!("expected a model, got {other:?}"),
        }
        assert_eq!(results[1], (SatResult::Unsat, false));
    }

    #[test]
    fn numbers_are_unbounded() {
        let x = term::int_var("x");
        let huge = term::int(1_000_000_000_000_000_000_000_000_000_000);
        let results = solve(
            Duration::from_secs(30),
            &[&[term::bin(Term::Lt, &huge, &x)]],
        );
        assert!(
            matches!(&results[0].0, SatResult::Sat(model) if matches!(model.get("x"), Some(ModelValue::Int(v)) if *v > 1_000_000_000_000_000_000_000_000_000_000)),
            "{results:?}"
        );
    }

    #[test]
    fn a_character_beyond_ascii_is_one_character() {
        let s = term::str_var("s");
        let dot = |text: &str| {
            vec![
                term::eq(&s, &term::string(text)),
                Rc::new(Term::InRe(
                    s.clone(),
                    Re::Concat(vec![Re::AnyExcept("\n".into())]),
                )),
            ]
        };
        let results = solve(
            Duration::from_secs(30),
            &[&dot("é"), &dot("\u{20000}"), &dot("\n"), &dot("ab")],
        );
        let answers: Vec<&SatResult> = results.iter().map(|(result, _)| result).collect();
        assert!(
            matches!(answers[0], SatResult::Sat(model) if model.get("s") == Some(&ModelValue::Str("é".into())))
        );
        assert!(
            matches!(answers[1], SatResult::Sat(model) if model.get("s") == Some(&ModelValue::Str("\u{20000}".into())))
        );
        assert_eq!(answers[2..], [&SatResult::Unsat, &SatResult::Unsat]);
    }

    #[test]
    fn strings_with_backslashes_and_large_characters() {
        let s = term::str_var("s");
        let text = "a\\u{41}\u{0}\"";
        let results = solve(
            Duration::from_secs(30),
            &[
                &[term::eq(&s, &term::string(text))],
                &[term::eq(&s, &term::string("\u{10ffff}"))],
            ],
        );
        assert!(
            matches!(&results[0].0, SatResult::Sat(model) if model.get("s") == Some(&ModelValue::Str(text.into()))),
            "{results:?}"
        );
        assert_eq!(results[1].0, SatResult::Unknown);
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
        assert_eq!(unescape("a\\u{41}\\u{e9}"), "a\\u{41}é");
    }
}
