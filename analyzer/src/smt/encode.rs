//! The encoding of an agent's rules over a symbolic request, following SPEC §6.1–§6.4.
//!
//! Every rule gets four formulas: in scope (phase), applies (tool pattern and selectors), and
//! for its condition `ok` (evaluates without error) and `val` (its value when ok). A rule
//! matches when all hold with `val`, decides `CONDITION_ERROR` when it applies and `ok` fails.
//! Anything the encoding cannot state exactly (history, regexes outside the fragment, list
//! contents, case mapping) is a free value, and the encoder records that it approximated.

use std::collections::BTreeMap;

use super::glob;
use super::input::{self, Cond, VarValue};
use super::regex;
use super::solver::{Model, ModelValue};
use super::term::{self, Re, T, Term};
use super::time;
use super::witness::{self, Witness};
use crate::hir::{BinaryOp, Builtin, Callee, Literal, Root, SelectorKind};

/// Type tag: absent or `null`.
pub(crate) const NULL: i128 = 0;
/// Type tag: a boolean.
pub(crate) const BOOL: i128 = 1;
/// Type tag: an exact number.
pub(crate) const NUM: i128 = 2;
/// Type tag: a string.
pub(crate) const STR: i128 = 3;
/// Type tag: an object.
pub(crate) const OBJ: i128 = 4;
/// Type tag: a list.
pub(crate) const LIST: i128 = 5;
/// Type tag: a number a request cannot hold exactly.
pub(crate) const INEXACT: i128 = 6;

/// The longest list a witness writes out (a model may ask for any length).
const MAX_WITNESS_LIST: usize = 100_000;

/// String literals longer than this are free strings to the solver: z3 4.8 spends minutes on
/// a query over a literal of thousands of characters, whatever its time limit. The rule is
/// then approximate: a witness that does not replay is `S0306`, and a proof over the free
/// string holds for the literal too.
const LONG_LITERAL: usize = 256;

/// One rule's formulas.
#[derive(Debug, Clone)]
pub struct RuleFormulas {
    /// The rule is in scope for the request's phase.
    pub scope: T,
    /// Tool pattern and selector clauses match.
    pub applies: T,
    /// The condition evaluates without error.
    pub ok: T,
    /// The condition's value when it evaluates.
    pub val: T,
    /// Whether anything in it was approximated.
    pub approximate: bool,
    matches: T,
    hits: T,
}

impl RuleFormulas {
    fn new(scope: T, applies: T, ok: T, val: T, approximate: bool) -> Self {
        let matches = term::and([scope.clone(), applies.clone(), ok.clone(), val.clone()]);
        let hits = term::and([
            scope.clone(),
            applies.clone(),
            term::or2(&term::not(&ok), &val),
        ]);
        RuleFormulas {
            scope,
            applies,
            ok,
            val,
            approximate,
            matches,
            hits,
        }
    }

    /// The rule matches. Built once, so every query shares (and translates once) the term.
    pub fn matches(&self) -> T {
        self.matches.clone()
    }

    /// The rule decides the request when it is reached (matches or errors).
    pub fn hits(&self) -> T {
        self.hits.clone()
    }
}

/// The variables of one argument or principal path: its type tag and a value of each type.
#[derive(Debug, Clone)]
pub(crate) struct PathVars {
    /// `args` or `principal`.
    pub root: Root,
    /// The names after the root.
    pub segments: Vec<String>,
    /// The type tag: [`NULL`] … [`INEXACT`].
    pub tag: T,
    /// The value when a boolean.
    pub b: T,
    /// The value when a number, in millionths.
    pub n: T,
    /// The value when a string.
    pub s: T,
    /// The length when a list.
    pub len: T,
}

/// A symbolic operand.
#[derive(Clone)]
struct Sym {
    err: T,
    tag: T,
    b: T,
    n: T,
    s: T,
    literal_null: bool,
    list: Option<Vec<Literal>>,
}

/// Builds formulas for the rules of one agent over one symbolic request. Two encoders name
/// their variables alike, so they share the request (used by the diff).
pub struct Encoder<'a> {
    agent: &'a input::Agent,
    /// The tool name.
    pub tool: T,
    /// 0: no phase (or one naming no phase of the agent); i: the agent's phase i-1.
    pub phase: T,
    paths: BTreeMap<String, PathVars>,
    free: BTreeMap<String, T>,
    long_literals: std::collections::HashMap<String, T>,
    approximate: bool,
    /// Variables that read the evaluator's state, with their value in a fresh evaluator.
    fresh_state: Vec<(T, T)>,
    /// The names the phase variable ranges over (1-based).
    phase_names: Vec<String>,
    /// [`Self::out_of_phase`], built on first use.
    out_of_phase: Option<T>,
}

impl<'a> Encoder<'a> {
    /// An encoder for `agent`'s rules.
    pub fn new(agent: &'a input::Agent) -> Self {
        Encoder {
            agent,
            tool: term::str_var("tool"),
            phase: term::int_var("phase"),
            paths: BTreeMap::new(),
            free: BTreeMap::new(),
            long_literals: std::collections::HashMap::new(),
            approximate: false,
            fresh_state: Vec::new(),
            phase_names: agent.phases.clone(),
            out_of_phase: None,
        }
    }

    /// An encoder whose phase variable ranges over `phase_names` (a superset of the agent's
    /// phases), so that two versions of an agent share one symbolic request.
    pub fn with_phases(agent: &'a input::Agent, phase_names: &[String]) -> Self {
        Encoder {
            phase_names: phase_names.to_vec(),
            ..Encoder::new(agent)
        }
    }

    /// The argument and principal paths the rules encoded so far read, by key (`args.amount`).
    pub fn paths(&self) -> &BTreeMap<String, PathVars> {
        &self.paths
    }

    /// Encodes one rule.
    pub fn rule(&mut self, rule: &input::Rule) -> RuleFormulas {
        self.approximate = false;
        let scope = match rule.phase {
            None => term::bool(true),
            Some(index) => {
                let name = self.agent.phases.get(index).map(String::as_str);
                match self
                    .phase_names
                    .iter()
                    .position(|known| Some(known.as_str()) == name)
                {
                    Some(at) => term::eq(&self.phase, &term::int(at as i128 + 1)),
                    None => term::bool(false),
                }
            }
        };
        // Ordinary rules are tried only after the phase's `tools` let the tool through.
        let scope = if rule.mandatory {
            scope
        } else {
            term::and2(&scope, &term::not(&self.out_of_phase()))
        };
        let mut applies = vec![self.tool_matches(&rule.pattern)];
        for (kind, values) in &rule.selectors {
            applies.push(self.selector(kind, values));
        }
        let (ok, val) = match &rule.condition {
            None => (term::bool(true), term::bool(true)),
            Some(condition) => {
                let sym = self.expr(condition);
                (term::and2(&term::not(&sym.err), &is(&sym.tag, BOOL)), sym.b)
            }
        };
        RuleFormulas::new(scope, term::and(applies), ok, val, self.approximate)
    }

    /// The request names a phase with `tools` and its tool matches none of them: it is decided
    /// `deny`, `OUT_OF_PHASE_TOOL_CALL`, after the mandatory denies and egress and before every
    /// other rule (SPEC §6.1 step 4). A phase name written twice selects its first phase, as
    /// in the runtime.
    pub fn out_of_phase(&mut self) -> T {
        if let Some(blocked) = &self.out_of_phase {
            return blocked.clone();
        }
        let mut blocked = Vec::new();
        for (index, (name, tools)) in self
            .agent
            .phases
            .iter()
            .zip(&self.agent.phase_tools)
            .enumerate()
        {
            let first = self.agent.phases.iter().position(|other| other == name) == Some(index);
            let at = self.phase_names.iter().position(|known| known == name);
            if let (Some(tools), Some(at), true) = (tools, at, first) {
                let allowed = term::or(tools.iter().map(|pattern| self.tool_matches(pattern)));
                blocked.push(term::and2(
                    &term::eq(&self.phase, &term::int(at as i128 + 1)),
                    &term::not(&allowed),
                ));
            }
        }
        let blocked = term::or(blocked);
        self.out_of_phase = Some(blocked.clone());
        blocked
    }

    /// Whether the tool matches `pattern`.
    pub fn tool_matches(&self, pattern: &str) -> T {
        if glob::is_literal(pattern) {
            if !glob::is_valid_tool(pattern) {
                return term::bool(false);
            }
            return term::eq(&self.tool, &term::string(pattern));
        }
        std::rc::Rc::new(Term::InRe(self.tool.clone(), glob::pattern_regex(pattern)))
    }

    /// The facts every request satisfies (well-formed values). The tool needs none: it is
    /// read only together with a rule pattern that must match it, and [`Self::tool_matches`]
    /// holds for valid tool names only (leaving the fact out spares z3 a costly regex
    /// intersection per query).
    pub fn axioms(&self) -> Vec<T> {
        let mut out = vec![
            term::bin(Term::Le, &term::int(0), &self.phase),
            term::bin(
                Term::Le,
                &self.phase,
                &term::int(self.phase_names.len() as i128),
            ),
        ];
        // Exactly the numbers a request can hold (SPEC §2: i128 millionths); any other number
        // in a request is INEXACT.
        let high = term::int(fpl_runtime::Decimal::MAX.millionths());
        let low = term::int(-fpl_runtime::Decimal::MAX.millionths());
        for (key, vars) in &self.paths {
            out.push(term::bin(Term::Le, &term::int(NULL), &vars.tag));
            out.push(term::bin(Term::Le, &vars.tag, &term::int(INEXACT)));
            out.push(term::bin(Term::Le, &vars.n, &high));
            out.push(term::bin(Term::Le, &low, &vars.n));
            out.push(term::bin(Term::Le, &term::int(0), &vars.len));
            if vars.segments.is_empty() {
                out.push(is(&vars.tag, OBJ));
            }
            // A root is always an object, so only a nested path needs the link to its parent
            // (leaving the root out keeps unrelated top-level arguments in separate groups).
            if let Some((_, parent_key)) = parent_key(key)
                && let Some(parent) = self.paths.get(&parent_key)
                && !parent.segments.is_empty()
            {
                out.push(term::implies(
                    &term::not(&is(&vars.tag, NULL)),
                    &is(&parent.tag, OBJ),
                ));
            }
        }
        let (first, last) = time::range();
        let micros = term::int_var(time::VAR);
        out.push(term::bin(Term::Le, &term::int(first), &micros));
        out.push(term::bin(Term::Le, &micros, &term::int(last)));
        for (name, var) in &self.free {
            if let Some((low, high)) = bounds(name) {
                out.push(term::bin(Term::Le, &term::int(low), var));
                out.push(term::bin(Term::Le, var, &term::int(high)));
            }
        }
        out
    }

    /// Extra facts that make a witness replayable on a fresh evaluator with one request.
    pub fn fresh_state(&self) -> Vec<T> {
        let mut out: Vec<T> = self
            .fresh_state
            .iter()
            .map(|(var, value)| term::eq(var, value))
            .collect();
        if self.agent.egress {
            for name in ["host", "url"] {
                if let Some(vars) = self.paths.get(&format!("args.{name}")) {
                    out.push(is(&vars.tag, NULL));
                }
            }
        }
        out
    }

    /// Takes on the argument paths `other` reads (over the same request), so that
    /// [`Self::witness`] writes them too.
    pub fn adopt_paths(&mut self, other: &Encoder<'_>) {
        for (key, vars) in &other.paths {
            self.paths
                .entry(key.clone())
                .or_insert_with(|| vars.clone());
        }
    }

    /// The request a model describes; `None` when it names a list too long to write out or a
    /// time outside RFC 3339.
    pub fn witness(&self, model: &Model) -> Option<Witness> {
        let int = |name: &str| match model.get(name) {
            Some(ModelValue::Int(value)) => *value,
            _ => 0,
        };
        let text = |name: &str| match model.get(name) {
            Some(ModelValue::Str(value)) => value.clone(),
            _ => String::new(),
        };
        let mut args = witness::Object::new();
        let mut principal = witness::Object::new();
        for (key, vars) in &self.paths {
            let value = match int(&format!("{key}#tag")) {
                BOOL => witness::Value::Bool(matches!(
                    model.get(&format!("{key}#b")),
                    Some(ModelValue::Bool(true))
                )),
                NUM => witness::Value::Number(witness::Number::exact(
                    fpl_runtime::Decimal::from_millionths(int(&format!("{key}#n"))),
                )),
                STR => witness::Value::String(text(&format!("{key}#s"))),
                OBJ => witness::Value::Object(witness::Object::new()),
                LIST => {
                    let len = usize::try_from(int(&format!("{key}#len")))
                        .ok()
                        .filter(|len| *len <= MAX_WITNESS_LIST)?;
                    witness::Value::List(vec![witness::Value::Null; len])
                }
                INEXACT => witness::Value::Number(witness::Number::inexact()),
                _ => continue,
            };
            let root = match vars.root {
                Root::Principal => &mut principal,
                _ => &mut args,
            };
            insert(root, &vars.segments, value);
        }
        let phase = int("phase");
        let session = text("session.id");
        Some(Witness {
            phase: usize::try_from(phase)
                .ok()
                .and_then(|phase| phase.checked_sub(1))
                .and_then(|index| self.phase_names.get(index).cloned()),
            session: (!session.is_empty()).then_some(session),
            time: Some(time::rfc3339(int(time::VAR))?),
            args: Some(args),
            principal: Some(principal),
            ..Witness::bare(&self.agent.name, &text("tool"))
        })
    }

    fn selector(&mut self, kind: &SelectorKind, values: &[String]) -> T {
        if *kind == SelectorKind::Method {
            return self.method_selector(values);
        }
        let (name, string_typed) = match kind {
            SelectorKind::Method => ("method".to_string(), true),
            SelectorKind::Host => ("host".to_string(), true),
            SelectorKind::Path => ("path".to_string(), true),
            SelectorKind::Port => ("port".to_string(), false),
            SelectorKind::Query(_) => ("query".to_string(), false),
            SelectorKind::Header(_) => ("headers".to_string(), false),
        };
        let vars = self.path_vars(Root::Args, &[name]);
        let mut values = values.to_vec();
        values.sort();
        // Identical selectors share one variable, so identical rules compare equal.
        let key = format!("selector:{kind:?}:{}", values.join(","));
        let chosen = self.free_bool(&key);
        self.approximate = true;
        let typed = if string_typed {
            is(&vars.tag, STR)
        } else {
            term::not(&is(&vars.tag, NULL))
        };
        term::and2(&chosen, &typed)
    }

    /// `method V, W`, exactly: `args.method` is a string equal to one of the values ignoring
    /// ASCII case (SPEC §6.1), each value the language of its ASCII case variants.
    fn method_selector(&mut self, values: &[String]) -> T {
        let vars = self.path_vars(Root::Args, &["method".to_string()]);
        let any_case = |value: &str| {
            Re::Concat(
                value
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphabetic() {
                            let (lower, upper) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
                            Re::Union(vec![Re::Range(lower, lower), Re::Range(upper, upper)])
                        } else {
                            Re::Literal(c.to_string())
                        }
                    })
                    .collect(),
            )
        };
        let chosen = term::or(
            values
                .iter()
                .map(|value| std::rc::Rc::new(Term::InRe(vars.s.clone(), any_case(value)))),
        );
        term::and2(&is(&vars.tag, STR), &chosen)
    }

    fn literal_sym(&mut self, literal: &Literal) -> Sym {
        match literal {
            Literal::String(text) => string_sym(self.string_literal(text)),
            other => literal_sym(other),
        }
    }

    /// A string literal, or for a long one a free string (the same for equal literals).
    fn string_literal(&mut self, text: &str) -> T {
        if text.len() <= LONG_LITERAL {
            return term::string(text);
        }
        self.approximate = true;
        let count = self.long_literals.len();
        self.long_literals
            .entry(text.to_string())
            .or_insert_with(|| term::str_var(format!("long-literal#{count}")))
            .clone()
    }

    fn free_bool(&mut self, key: &str) -> T {
        self.free
            .entry(key.to_string())
            .or_insert_with(|| term::bool_var(key))
            .clone()
    }

    fn free_int(&mut self, key: &str) -> T {
        self.free
            .entry(key.to_string())
            .or_insert_with(|| term::int_var(key))
            .clone()
    }

    fn free_str(&mut self, key: &str) -> T {
        self.free
            .entry(key.to_string())
            .or_insert_with(|| term::str_var(key))
            .clone()
    }

    fn path_vars(&mut self, root: Root, segments: &[String]) -> PathVars {
        let key = path_key(root, segments);
        if let Some(found) = self.paths.get(&key) {
            return found.clone();
        }
        if !segments.is_empty() {
            self.path_vars(root, &segments[..segments.len() - 1]);
        }
        let vars = PathVars {
            root,
            segments: segments.to_vec(),
            tag: term::int_var(format!("{key}#tag")),
            b: term::bool_var(format!("{key}#b")),
            n: term::int_var(format!("{key}#n")),
            s: term::str_var(format!("{key}#s")),
            len: term::int_var(format!("{key}#len")),
        };
        self.paths.insert(key, vars.clone());
        vars
    }

    fn expr(&mut self, expr: &Cond) -> Sym {
        match expr {
            Cond::Literal(literal) => self.literal_sym(literal),
            Cond::List(items) => Sym {
                list: Some(items.clone()),
                ..constant(LIST)
            },
            Cond::Path(root, segments) => self.path(*root, segments),
            Cond::Not(inner) => {
                let inner = self.expr(inner);
                boolean(
                    term::or2(&inner.err, &term::not(&is(&inner.tag, BOOL))),
                    term::not(&inner.b),
                )
            }
            Cond::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs),
            Cond::Call(function, args) => self.call(function, args),
            Cond::Missing => boolean(term::bool(true), term::bool(false)),
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Cond, rhs: &Cond) -> Sym {
        let left = self.expr(lhs);
        let right = self.expr(rhs);
        let left_err = term::or2(&left.err, &term::not(&is(&left.tag, BOOL)));
        let right_err = term::or2(&right.err, &term::not(&is(&right.tag, BOOL)));
        match op {
            BinaryOp::And => {
                return boolean(
                    term::or2(&left_err, &term::and2(&left.b, &right_err)),
                    term::and2(&left.b, &right.b),
                );
            }
            BinaryOp::Or => {
                return boolean(
                    term::or2(&left_err, &term::and2(&term::not(&left.b), &right_err)),
                    term::or2(&left.b, &right.b),
                );
            }
            _ => {}
        }
        let operands_err = term::or2(&left.err, &right.err);
        match op {
            BinaryOp::Eq | BinaryOp::NotEq => {
                let (err, value) = self.equal(&left, &right);
                let value = if op == BinaryOp::Eq {
                    value
                } else {
                    term::not(&value)
                };
                boolean(term::or2(&operands_err, &err), value)
            }
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                let numbers = term::and2(&is(&left.tag, NUM), &is(&right.tag, NUM));
                let value = match op {
                    BinaryOp::Lt => term::bin(Term::Lt, &left.n, &right.n),
                    BinaryOp::LtEq => term::bin(Term::Le, &left.n, &right.n),
                    BinaryOp::Gt => term::bin(Term::Lt, &right.n, &left.n),
                    _ => term::bin(Term::Le, &right.n, &left.n),
                };
                boolean(term::or2(&operands_err, &term::not(&numbers)), value)
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let (err, found) = match &right.list {
                    Some(items) => {
                        let mut errs = Vec::new();
                        let mut founds = Vec::new();
                        for item in items {
                            let item_sym = Sym {
                                literal_null: *item == Literal::Null,
                                ..self.literal_sym(item)
                            };
                            let (err, eq) = self.equal(&left, &item_sym);
                            // Short circuit: an item is compared only if no earlier one was equal.
                            errs.push(term::and2(&term::not(&term::or(founds.clone())), &err));
                            founds.push(eq);
                        }
                        (term::or(errs), term::or(founds))
                    }
                    None => {
                        self.approximate = true;
                        let key = format!("in:{lhs:?}:{rhs:?}");
                        (term::not(&is(&right.tag, LIST)), self.free_bool(&key))
                    }
                };
                let value = if op == BinaryOp::In {
                    found
                } else {
                    term::not(&found)
                };
                boolean(term::or2(&operands_err, &err), value)
            }
            BinaryOp::Matches | BinaryOp::NotMatches => {
                let strings = term::and2(&is(&left.tag, STR), &is(&right.tag, STR));
                let value = match rhs {
                    Cond::Literal(Literal::String(pattern)) => {
                        let language = if pattern.len() <= LONG_LITERAL {
                            regex::search_language(pattern)
                        } else {
                            None
                        };
                        match language {
                            Some(language) => {
                                std::rc::Rc::new(Term::InRe(left.s.clone(), language))
                            }
                            None => {
                                self.approximate = true;
                                self.free_bool(&format!("matches:{lhs:?}:{pattern}"))
                            }
                        }
                    }
                    _ => {
                        self.approximate = true;
                        self.free_bool(&format!("matches:{lhs:?}:{rhs:?}"))
                    }
                };
                let value = if op == BinaryOp::Matches {
                    value
                } else {
                    term::not(&value)
                };
                boolean(term::or2(&operands_err, &term::not(&strings)), value)
            }
            BinaryOp::Contains => {
                let strings = term::and2(&is(&left.tag, STR), &is(&right.tag, STR));
                let list = is(&left.tag, LIST);
                self.approximate = true;
                let in_list = self.free_bool(&format!("contains:{lhs:?}:{rhs:?}"));
                let value = term::or2(
                    &term::and2(&strings, &term::bin(Term::Contains, &left.s, &right.s)),
                    &term::and2(&list, &in_list),
                );
                boolean(
                    term::or2(&operands_err, &term::not(&term::or2(&strings, &list))),
                    value,
                )
            }
            BinaryOp::StartsWith | BinaryOp::EndsWith => {
                let strings = term::and2(&is(&left.tag, STR), &is(&right.tag, STR));
                let make = if op == BinaryOp::StartsWith {
                    Term::StartsWith
                } else {
                    Term::EndsWith
                };
                boolean(
                    term::or2(&operands_err, &term::not(&strings)),
                    term::bin(make, &left.s, &right.s),
                )
            }
            BinaryOp::And | BinaryOp::Or => boolean(term::bool(true), term::bool(false)),
        }
    }

    /// `==` with the null rule; returns (error, value).
    fn equal(&mut self, left: &Sym, right: &Sym) -> (T, T) {
        if left.literal_null && right.literal_null {
            return (term::bool(false), term::bool(true));
        }
        if left.literal_null {
            return (term::bool(false), is(&right.tag, NULL));
        }
        if right.literal_null {
            return (term::bool(false), is(&left.tag, NULL));
        }
        let numberish = |sym: &Sym| term::or2(&is(&sym.tag, NUM), &is(&sym.tag, INEXACT));
        let err = term::and([
            numberish(left),
            numberish(right),
            term::or2(&is(&left.tag, INEXACT), &is(&right.tag, INEXACT)),
        ]);
        let both = |tag: i128| term::and2(&is(&left.tag, tag), &is(&right.tag, tag));
        let mut cases = vec![
            term::and2(&both(BOOL), &term::eq(&left.b, &right.b)),
            term::and2(&both(NUM), &term::eq(&left.n, &right.n)),
            term::and2(&both(STR), &term::eq(&left.s, &right.s)),
        ];
        let structured = term::or2(&both(OBJ), &both(LIST));
        if !term::is_false(&structured) {
            self.approximate = true;
            let fresh = self.free_bool(&format!("eq:{}", self.free.len()));
            cases.push(term::and2(&structured, &fresh));
        }
        (err, term::or(cases))
    }

    fn path(&mut self, root: Root, segments: &[String]) -> Sym {
        let field = segments.first().map(String::as_str).unwrap_or_default();
        match root {
            Root::Args | Root::Principal => {
                let vars = self.path_vars(root, segments);
                Sym {
                    err: term::bool(false),
                    tag: vars.tag.clone(),
                    b: vars.b.clone(),
                    n: vars.n.clone(),
                    s: vars.s.clone(),
                    literal_null: false,
                    list: None,
                }
            }
            Root::Tool => string_sym(self.tool.clone()),
            Root::Agent => string_sym(self.string_literal(&self.agent.name)),
            Root::Vars => {
                let var = self.agent.vars.iter().find(|(name, _)| name == field);
                let single = segments.len() == 1;
                match var.map(|(_, value)| value) {
                    Some(VarValue::Null) if single => constant(NULL),
                    Some(VarValue::Bool(flag)) if single => Sym {
                        b: term::bool(*flag),
                        ..constant(BOOL)
                    },
                    Some(VarValue::Number(n)) if single => Sym {
                        n: term::int(*n),
                        ..constant(NUM)
                    },
                    Some(VarValue::Text(text)) if single => string_sym(self.string_literal(text)),
                    Some(_) => {
                        self.approximate = true;
                        self.opaque(&format!("vars.{field}"))
                    }
                    None => Sym {
                        err: term::bool(true),
                        ..constant(NULL)
                    },
                }
            }
            Root::Session => match field {
                "id" => string_sym(self.free_str("session.id")),
                _ => {
                    let var = self.free_int(&format!("session.{field}"));
                    self.fresh_state.push((var.clone(), term::int(0)));
                    Sym {
                        n: var,
                        ..constant(NUM)
                    }
                }
            },
            Root::Time => {
                let micros = self.free_int(time::VAR);
                let seconds = std::rc::Rc::new(Term::Div(micros.clone(), 1_000_000));
                let whole = match field {
                    "hour" => std::rc::Rc::new(Term::Div(
                        std::rc::Rc::new(Term::Mod(seconds, 86_400)),
                        3600,
                    )),
                    "weekday" => std::rc::Rc::new(Term::AddConst(
                        std::rc::Rc::new(Term::Mod(
                            std::rc::Rc::new(Term::AddConst(
                                std::rc::Rc::new(Term::Div(seconds, 86_400)),
                                3,
                            )),
                            7,
                        )),
                        1,
                    )),
                    "day" | "month" => {
                        self.approximate = true;
                        self.free_int(&format!("time.{field}"))
                    }
                    // `time.unix` is exact seconds: in millionths, the microseconds.
                    _ => {
                        return Sym {
                            n: micros,
                            ..constant(NUM)
                        };
                    }
                };
                Sym {
                    n: std::rc::Rc::new(Term::MulConst(whole, 1_000_000)),
                    ..constant(NUM)
                }
            }
        }
    }

    fn opaque(&mut self, key: &str) -> Sym {
        Sym {
            err: term::bool(false),
            tag: self.free_int(&format!("{key}#tag")),
            b: self.free_bool(&format!("{key}#b")),
            n: self.free_int(&format!("{key}#n")),
            s: self.free_str(&format!("{key}#s")),
            literal_null: false,
            list: None,
        }
    }

    fn call(&mut self, callee: &Callee, args: &[Cond]) -> Sym {
        let key = format!("call:{}:{args:?}", callee.name());
        let evaluated: Vec<Sym> = args.iter().map(|arg| self.expr(arg)).collect();
        let args_err = term::or(evaluated.iter().map(|sym| sym.err.clone()));
        let builtin = match callee {
            Callee::Builtin(builtin) => *builtin,
            // An unknown function is an error (E0224) wherever it is evaluated.
            Callee::Unknown(_) => {
                return Sym {
                    err: term::bool(true),
                    ..constant(NULL)
                };
            }
        };
        match builtin {
            Builtin::HistoryContainsWithin | Builtin::HistorySequence => {
                self.approximate = true;
                let var = self.free_bool(&key);
                let fresh = builtin == Builtin::HistorySequence && args.is_empty();
                self.fresh_state.push((var.clone(), term::bool(fresh)));
                Sym {
                    err: args_err,
                    b: var,
                    ..constant(BOOL)
                }
            }
            Builtin::HistoryToolCount | Builtin::DenyCountWithin => {
                self.approximate = true;
                let var = self.free_int(&key);
                self.fresh_state.push((var.clone(), term::int(0)));
                Sym {
                    err: args_err,
                    n: std::rc::Rc::new(Term::MulConst(var, 1_000_000)),
                    ..constant(NUM)
                }
            }
            Builtin::Purpose => {
                let vars = self.path_vars(Root::Args, &["purpose".to_string()]);
                self.approximate = true;
                let same = self.free_bool(&key);
                let wanted = evaluated.first().map(|sym| sym.s.clone());
                let exact = match wanted {
                    Some(wanted) => term::eq(&vars.s, &wanted),
                    None => term::bool(false),
                };
                Sym {
                    err: term::or2(
                        &args_err,
                        &term::not(&term::or2(&is(&vars.tag, NULL), &is(&vars.tag, STR))),
                    ),
                    b: term::and2(&is(&vars.tag, STR), &term::or2(&exact, &same)),
                    ..constant(BOOL)
                }
            }
            Builtin::ArgsArrayLen => {
                let name = match args.first() {
                    Some(Cond::Literal(Literal::String(name))) => name.clone(),
                    _ => String::new(),
                };
                let vars = self.path_vars(Root::Args, &[name]);
                Sym {
                    err: term::or2(&args_err, &term::not(&is(&vars.tag, LIST))),
                    n: std::rc::Rc::new(Term::MulConst(vars.len.clone(), 1_000_000)),
                    ..constant(NUM)
                }
            }
            Builtin::Len | Builtin::Lower | Builtin::Upper => {
                // Typed results, values left free.
                self.approximate = true;
                let (tag, ok) = match evaluated.first() {
                    Some(arg) if builtin == Builtin::Len => {
                        (NUM, term::or2(&is(&arg.tag, STR), &is(&arg.tag, LIST)))
                    }
                    Some(arg) => (STR, is(&arg.tag, STR)),
                    None => (NULL, term::bool(false)),
                };
                let n = self.free_int(&format!("{key}#n"));
                let s = self.free_str(&format!("{key}#s"));
                Sym {
                    err: term::or2(&args_err, &term::not(&ok)),
                    n,
                    s,
                    ..constant(tag)
                }
            }
        }
    }
}

fn is(tag: &T, kind: i128) -> T {
    match &**tag {
        Term::Int(value) => term::bool(*value == kind),
        _ => term::eq(tag, &term::int(kind)),
    }
}

fn constant(tag: i128) -> Sym {
    Sym {
        err: term::bool(false),
        tag: term::int(tag),
        b: term::bool(false),
        n: term::int(0),
        s: term::string(""),
        literal_null: false,
        list: None,
    }
}

fn boolean(err: T, value: T) -> Sym {
    Sym {
        err,
        b: value,
        ..constant(BOOL)
    }
}

fn string_sym(value: T) -> Sym {
    Sym {
        s: value,
        ..constant(STR)
    }
}

fn literal_sym(literal: &Literal) -> Sym {
    match literal {
        Literal::String(text) => string_sym(term::string(text)),
        Literal::Null => Sym {
            literal_null: true,
            ..constant(NULL)
        },
        Literal::Bool(flag) => Sym {
            b: term::bool(*flag),
            ..constant(BOOL)
        },
        Literal::Number(value) => Sym {
            n: term::int(value.millionths()),
            ..constant(NUM)
        },
    }
}

fn path_key(root: Root, segments: &[String]) -> String {
    let mut key = root.as_str().to_string();
    for segment in segments {
        key.push('.');
        key.push_str(segment);
    }
    key
}

fn parent_key(key: &str) -> Option<(&str, String)> {
    let (parent, last) = key.rsplit_once('.')?;
    Some((last, parent.to_string()))
}

fn bounds(name: &str) -> Option<(i128, i128)> {
    match name {
        "time.day" => Some((1, 31)),
        "time.month" => Some((1, 12)),
        _ => None,
    }
}

/// Puts `value` at `segments` of `object`, making the objects on the way; an object never
/// replaces a value already there (a path and a longer path through it).
fn insert(object: &mut witness::Object, segments: &[String], value: witness::Value) {
    match segments {
        [] => {}
        [last] => {
            let keep = matches!(value, witness::Value::Object(_))
                && matches!(object.get(last), Some(witness::Value::Object(_)));
            if !keep {
                object.insert(last.clone(), value);
            }
        }
        [first, rest @ ..] => {
            let entry = object
                .entry(first.clone())
                .or_insert_with(|| witness::Value::Object(witness::Object::new()));
            if let witness::Value::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}
