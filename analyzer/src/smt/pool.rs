//! Sample points of a group of rules: concrete requests built from the literals of each rule,
//! evaluated on every rule of the group. Most claims a check makes ("this condition can
//! hold", "this rule is reached", "these rules differ") are refuted by a sample, and a sample
//! that shows a finding is its witness; only what no sample settles goes to the solver.
//!
//! For each rule, the values its atoms compare with (and their neighbours: `amount > 30`
//! gives 30.000001 and 30) are combined over the request paths the rule reads, the other paths
//! holding neutral values of the type the group reads them as (so that other rules' conditions
//! evaluate without error). Of these, a few points that show the rule matching, not matching
//! and erring are kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use super::cells::Cells;
use super::concrete::{Point, Program, Val};
use super::encode::{self, PathVars};
use super::term::{Re, T, Term};
use super::time;

/// Points tried per rule.
const TRIED_PER_RULE: usize = 64;

/// Points kept over a whole group.
const MAX_POINTS: usize = 4096;

/// The time of sample points that no condition on time asks otherwise: 2026-01-01T00:00:00Z.
const BASE_MICROS: i128 = 1_767_225_600_000_000;

/// Bits of a rule's status at a point.
const SCOPE: u8 = 1;
const APPLIES: u8 = 2;
const OK: u8 = 4;
const VAL: u8 = 8;

/// How the rules of a group stand at one point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Status {
    bits: Vec<u8>,
    /// The position of the first rule that decides (matches or errs), or the group's size.
    pub decider: usize,
}

impl Status {
    /// Reads the status of every rule (by position) from a run of `program`.
    pub fn of(program: &Program, components: &[[T; 4]], values: &[Option<Val>]) -> Option<Status> {
        let mut bits = Vec::with_capacity(components.len());
        for parts in components {
            let mut rule = 0;
            for (bit, part) in [SCOPE, APPLIES, OK, VAL].into_iter().zip(parts) {
                if program.bool_in(part, values)? {
                    rule |= bit;
                }
            }
            bits.push(rule);
        }
        let decider = (0..bits.len())
            .find(|&at| hits(bits[at]))
            .unwrap_or(bits.len());
        Some(Status { bits, decider })
    }

    /// The rule is in scope for the phase.
    pub fn scope(&self, at: usize) -> bool {
        self.bits[at] & SCOPE != 0
    }

    /// Its pattern and selectors match.
    pub fn applies(&self, at: usize) -> bool {
        self.bits[at] & APPLIES != 0
    }

    /// Its condition evaluates.
    pub fn ok(&self, at: usize) -> bool {
        self.bits[at] & OK != 0
    }

    /// Its condition's value.
    pub fn val(&self, at: usize) -> bool {
        self.bits[at] & VAL != 0
    }

    /// It matches.
    pub fn matches(&self, at: usize) -> bool {
        self.bits[at] == SCOPE | APPLIES | OK | VAL
    }

    /// It decides when reached (matches or errs).
    pub fn hits(&self, at: usize) -> bool {
        hits(self.bits[at])
    }
}

fn hits(bits: u8) -> bool {
    bits & (SCOPE | APPLIES) == SCOPE | APPLIES && (bits & OK == 0 || bits & VAL != 0)
}

/// The sample points of a group with the status of every rule at each.
#[derive(Debug)]
pub(crate) struct Pool {
    /// The points.
    pub points: Vec<Point>,
    /// The status of the rules at each point.
    pub statuses: Vec<Status>,
    /// Whether each point has the state of a fresh evaluator (so it is a replayable witness).
    pub fresh: Vec<bool>,
    /// Neutral values of every variable: what a solver's model is completed with.
    pub base: Point,
}

/// What the pool is built from.
pub(crate) struct Sources<'a> {
    /// The group's formulas, axioms and fresh-state facts.
    pub program: &'a Program,
    /// Scope, applies, ok and val of each rule, by position.
    pub components: &'a [[T; 4]],
    /// The facts every request satisfies.
    pub axioms: &'a [T],
    /// The facts of a fresh evaluator.
    pub fresh: &'a [T],
    /// The argument and principal paths of the agent.
    pub paths: &'a BTreeMap<String, PathVars>,
    /// The cells of the group's string variables.
    pub cells: &'a Cells,
}

impl Pool {
    /// Builds the points of a group.
    pub fn new(sources: &Sources<'_>) -> Pool {
        let program = sources.program;
        let dims = Dims::new(program, sources.paths);
        let mut all_candidates = Candidates::default();
        let per_rule: Vec<Candidates> = sources
            .components
            .iter()
            .map(|parts| {
                let mut candidates = Candidates::default();
                candidates.collect(parts, program, sources.cells);
                all_candidates.merge(&candidates);
                candidates
            })
            .collect();
        let mut base = dims.base(program, &all_candidates, sources.fresh);
        dims.repair(&mut base);
        let valid = |point: &Point| -> Option<(Status, bool)> {
            let values = program.run(point);
            for axiom in sources.axioms {
                if program.bool_in(axiom, &values) != Some(true) {
                    return None;
                }
            }
            let fresh = sources
                .fresh
                .iter()
                .all(|fact| program.bool_in(fact, &values) == Some(true));
            Some((Status::of(program, sources.components, &values)?, fresh))
        };
        let mut pool = Pool {
            points: Vec::new(),
            statuses: Vec::new(),
            fresh: Vec::new(),
            base: base.clone(),
        };
        if valid(&base).is_none() {
            pool.base = program.default_point();
        }
        let mut seen: HashSet<Point> = HashSet::new();
        for (position, candidates) in per_rule.iter().enumerate() {
            let mut kept = Kept::default();
            // A point is first run on the axioms and this rule alone; only a point the rule
            // wants is run on the whole group (most are not, and a group can be large).
            let own = &sources.components[position..=position];
            let mut roots: Vec<T> = sources.axioms.to_vec();
            roots.extend(own.iter().flatten().cloned());
            let cone = program.cone(&roots);
            for point in dims.combinations(candidates, &pool.base) {
                if kept.full() || pool.points.len() >= MAX_POINTS {
                    break;
                }
                if seen.contains(&point) {
                    continue;
                }
                let values = program.run_cone(&point, &cone);
                let satisfies_axioms = sources
                    .axioms
                    .iter()
                    .all(|axiom| program.bool_in(axiom, &values) == Some(true));
                let Some(alone) = Status::of(program, own, &values).filter(|_| satisfies_axioms)
                else {
                    continue;
                };
                let mut next = kept;
                if !next.wants(&alone, 0) {
                    continue;
                }
                let Some((status, fresh)) = valid(&point) else {
                    continue;
                };
                kept = next;
                seen.insert(point.clone());
                pool.points.push(point);
                pool.statuses.push(status);
                pool.fresh.push(fresh);
            }
        }
        pool
    }
}

/// Which points of one rule are kept: two where it matches, one where its condition is false
/// and one where it errs.
#[derive(Default, Clone, Copy)]
struct Kept {
    matches: usize,
    fails: bool,
    errs: bool,
}

impl Kept {
    fn full(&self) -> bool {
        self.matches >= 2 && self.fails && self.errs
    }

    fn wants(&mut self, status: &Status, at: usize) -> bool {
        if !status.applies(at) {
            return false;
        }
        if !status.ok(at) {
            return !std::mem::replace(&mut self.errs, true);
        }
        if !status.val(at) {
            return !std::mem::replace(&mut self.fails, true);
        }
        if self.matches < 2 && status.scope(at) {
            self.matches += 1;
            return true;
        }
        false
    }
}

/// The values the atoms of some formulas compare variables with, by variable, in the order
/// met (a value that satisfies an atom before one that does not).
#[derive(Default, Debug)]
struct Candidates {
    values: BTreeMap<usize, Vec<Val>>,
}

impl Candidates {
    fn push(&mut self, slot: usize, value: Val) {
        let list = self.values.entry(slot).or_default();
        if !list.contains(&value) {
            list.push(value);
        }
    }

    fn merge(&mut self, other: &Candidates) {
        for (slot, values) in &other.values {
            for value in values {
                self.push(*slot, value.clone());
            }
        }
    }

    fn of(&self, slot: usize) -> &[Val] {
        self.values.get(&slot).map_or(&[], Vec::as_slice)
    }

    /// Collects the values of the atoms under `roots` (and strings of the cells of atoms on
    /// abstracted string variables).
    fn collect(&mut self, roots: &[T], program: &Program, cells: &Cells) {
        let mut seen: HashSet<*const Term> = HashSet::new();
        let mut stack: Vec<&T> = roots.iter().collect();
        while let Some(term) = stack.pop() {
            if !seen.insert(Rc::as_ptr(term)) {
                continue;
            }
            let examples = cells.examples(term, 2);
            if !examples.is_empty()
                && let Some(slot) =
                    term_subject(term).and_then(|subject| var_slot(subject, program))
            {
                for example in examples {
                    self.push(slot, Val::Str(Rc::from(example)));
                }
            }
            match &**term {
                Term::Not(inner) => stack.push(inner),
                Term::And(items) | Term::Or(items) => stack.extend(items.iter()),
                Term::BoolVar(name) => {
                    if let Some(slot) = program.slot(name) {
                        self.push(slot, Val::Bool(true));
                        self.push(slot, Val::Bool(false));
                    }
                }
                Term::Eq(a, b) => self.equal(a, b, program),
                Term::Lt(a, b) => self.order(a, b, true, program),
                Term::Le(a, b) => self.order(a, b, false, program),
                Term::StartsWith(subject, part) => self.strings(subject, part, program, |part| {
                    [part.to_string(), format!("{part}x")]
                }),
                Term::EndsWith(subject, part) => self.strings(subject, part, program, |part| {
                    [part.to_string(), format!("x{part}")]
                }),
                Term::Contains(subject, part) => self.strings(subject, part, program, |part| {
                    [part.to_string(), format!("x{part}x")]
                }),
                Term::InRe(subject, re) => {
                    if let (Some(slot), Some(member)) = (var_slot(subject, program), member(re)) {
                        self.push(slot, Val::Str(Rc::from(member.as_str())));
                    }
                }
                _ => {}
            }
        }
    }

    fn equal(&mut self, a: &T, b: &T, program: &Program) {
        let (var, constant) = match (&**a, &**b) {
            (_, Term::Int(_) | Term::Str(_) | Term::Bool(_)) => (a, b),
            (Term::Int(_) | Term::Str(_) | Term::Bool(_), _) => (b, a),
            _ => return,
        };
        match &**constant {
            Term::Int(value) => {
                for (name, value) in invert(var, *value) {
                    if let Some(slot) = program.slot(&name) {
                        self.push(slot, Val::Int(value));
                    }
                }
            }
            Term::Str(value) => {
                if let Some(slot) = var_slot(var, program) {
                    self.push(slot, Val::Str(Rc::from(value.as_str())));
                }
            }
            Term::Bool(value) => {
                if let Some(slot) = var_slot(var, program) {
                    self.push(slot, Val::Bool(*value));
                }
            }
            _ => {}
        }
    }

    /// `a < b` (`strict`) or `a <= b` with one side constant: the boundary and its neighbour.
    fn order(&mut self, a: &T, b: &T, strict: bool, program: &Program) {
        let (var, bound, var_below) = match (&**a, &**b) {
            (_, Term::Int(bound)) => (a, *bound, true),
            (Term::Int(bound), _) => (b, *bound, false),
            _ => return,
        };
        // The value just inside the bound first, then the one just outside.
        let inside = match (strict, var_below) {
            (true, true) => bound.checked_sub(1),
            (true, false) => bound.checked_add(1),
            (false, _) => Some(bound),
        };
        let outside = match (strict, var_below) {
            (true, _) => Some(bound),
            (false, true) => bound.checked_add(1),
            (false, false) => bound.checked_sub(1),
        };
        for target in [inside, outside].into_iter().flatten() {
            for (name, value) in invert(var, target) {
                if let Some(slot) = program.slot(&name) {
                    self.push(slot, Val::Int(value));
                }
            }
        }
    }

    fn strings<const N: usize>(
        &mut self,
        subject: &T,
        part: &T,
        program: &Program,
        make: impl Fn(&str) -> [String; N],
    ) {
        if let (Some(slot), Term::Str(part)) = (var_slot(subject, program), &**part) {
            for value in make(part) {
                self.push(slot, Val::Str(Rc::from(value.as_str())));
            }
        }
    }
}

/// The string an atom compares (the first operand of the string atoms, either of an equality).
fn term_subject(term: &T) -> Option<&T> {
    match &**term {
        Term::Eq(a, b) => Some(if matches!(**a, Term::StrVar(_)) { a } else { b }),
        Term::StartsWith(a, _) | Term::EndsWith(a, _) | Term::Contains(a, _) | Term::InRe(a, _) => {
            Some(a)
        }
        _ => None,
    }
}

fn var_slot(term: &T, program: &Program) -> Option<usize> {
    program.slot(super::term::var_name(term)?)
}

/// Values of the variable under `term` that make `term` equal `target` (or come close, when
/// integer division makes that impossible): `time.hour` is a quotient of a remainder of the
/// time variable, and so on.
fn invert(term: &T, target: i128) -> Vec<(String, i128)> {
    match &**term {
        Term::IntVar(name) => vec![(name.clone(), target)],
        Term::AddConst(inner, by) => target
            .checked_sub(*by)
            .map_or_else(Vec::new, |target| invert(inner, target)),
        Term::MulConst(inner, by) if *by > 0 => {
            let low = target.div_euclid(*by);
            let mut out = invert(inner, low);
            if target.rem_euclid(*by) != 0
                && let Some(high) = low.checked_add(1)
            {
                out.extend(invert(inner, high));
            }
            out
        }
        Term::Div(inner, by) => target
            .checked_mul(*by)
            .map_or_else(Vec::new, |target| invert(inner, target)),
        // A remainder: the same remainder within the period holding the base time.
        Term::Mod(inner, by) => {
            let base = base_value(inner).unwrap_or(0);
            base.checked_rem_euclid(*by)
                .and_then(|offset| base.checked_sub(offset))
                .zip(target.checked_rem_euclid(*by))
                .and_then(|(start, offset)| start.checked_add(offset))
                .map_or_else(Vec::new, |target| invert(inner, target))
        }
        _ => Vec::new(),
    }
}

/// The value of an integer term over the time variable at the base time.
fn base_value(term: &T) -> Option<i128> {
    match &**term {
        Term::IntVar(name) if name == time::VAR => Some(BASE_MICROS),
        Term::Int(value) => Some(*value),
        Term::AddConst(inner, by) => base_value(inner)?.checked_add(*by),
        Term::MulConst(inner, by) => base_value(inner)?.checked_mul(*by),
        Term::Div(inner, by) => base_value(inner)?.checked_div_euclid(*by),
        Term::Mod(inner, by) => base_value(inner)?.checked_rem_euclid(*by),
        _ => None,
    }
}

/// A string in the language of `re`, if it has one.
fn member(re: &Re) -> Option<String> {
    Some(match re {
        Re::Literal(text) => text.clone(),
        Re::Range(low, _) => low.to_string(),
        // A printable character where the class has one.
        Re::Class(ranges) => ranges
            .iter()
            .find(|(_, high)| *high >= ' ')
            .or(ranges.first())
            .map(|&(low, _)| low.max(' '))?
            .to_string(),
        Re::AnyExcept(excluded) => ['a', 'b', 'c', 'x', ' ']
            .into_iter()
            .find(|c| !excluded.contains(*c))?
            .to_string(),
        Re::All | Re::Star(_) => String::new(),
        Re::Empty => return None,
        Re::Concat(items) => items.iter().map(member).collect::<Option<String>>()?,
        Re::Union(items) => items.iter().find_map(member)?,
        Re::Loop(inner, min, _) => member(inner)?.repeat(*min as usize),
    })
}

/// A request path (its tag and values) or a single variable: what a point chooses a value of
/// at once.
#[derive(Debug)]
enum Dim {
    Path {
        tag: usize,
        b: Option<usize>,
        n: Option<usize>,
        s: Option<usize>,
        len: Option<usize>,
        /// The tag slots of the paths it is inside (not the root).
        parents: Vec<usize>,
    },
    Var(usize),
}

/// The dimensions of a group's variables.
struct Dims {
    dims: Vec<Dim>,
    /// The dimension of each slot.
    of_slot: HashMap<usize, usize>,
}

impl Dims {
    fn new(program: &Program, paths: &BTreeMap<String, PathVars>) -> Dims {
        let mut dims = Vec::new();
        let mut of_slot = HashMap::new();
        let slot = |term: &T| var_slot(term, program);
        for (key, vars) in paths {
            let Some(tag) = slot(&vars.tag) else {
                continue;
            };
            let mut parents = Vec::new();
            let mut prefix = key.as_str();
            while let Some((parent, _)) = prefix.rsplit_once('.') {
                if let Some(parent_vars) = paths.get(parent)
                    && !parent_vars.segments.is_empty()
                    && let Some(parent_tag) = slot(&parent_vars.tag)
                {
                    parents.push(parent_tag);
                }
                prefix = parent;
            }
            let dim = Dim::Path {
                tag,
                b: slot(&vars.b),
                n: slot(&vars.n),
                s: slot(&vars.s),
                len: slot(&vars.len),
                parents,
            };
            for used in [
                Some(tag),
                slot(&vars.b),
                slot(&vars.n),
                slot(&vars.s),
                slot(&vars.len),
            ]
            .into_iter()
            .flatten()
            {
                of_slot.insert(used, dims.len());
            }
            dims.push(dim);
        }
        for at in 0..program.vars().len() {
            if let std::collections::hash_map::Entry::Vacant(entry) = of_slot.entry(at) {
                entry.insert(dims.len());
                dims.push(Dim::Var(at));
            }
        }
        Dims { dims, of_slot }
    }

    /// Neutral values: each path holds a value of the first type the group compares it with
    /// (empty string, zero, false), the time is [`BASE_MICROS`], the tool a name the group's
    /// first pattern matches, and the state that of a fresh evaluator.
    fn base(&self, program: &Program, candidates: &Candidates, fresh: &[T]) -> Point {
        let mut point = program.default_point();
        for dim in &self.dims {
            match dim {
                Dim::Path { tag, .. } => {
                    let kind = candidates.of(*tag).iter().find_map(|value| match value {
                        Val::Int(kind) if *kind != encode::NULL => Some(*kind),
                        _ => None,
                    });
                    if let Some(kind) = kind {
                        point[*tag] = Val::Int(kind);
                    }
                }
                Dim::Var(slot) => {
                    let (name, sort) = &program.vars()[*slot];
                    if name == time::VAR {
                        point[*slot] = Val::Int(BASE_MICROS);
                    } else if name == "tool"
                        && let Some(first) = candidates.of(*slot).first()
                    {
                        point[*slot] = first.clone();
                    } else {
                        point[*slot] = sort.default_value();
                    }
                }
            }
        }
        for fact in fresh {
            if let Term::Eq(var, value) = &**fact
                && let Some(slot) = var_slot(var, program)
            {
                match &**value {
                    Term::Int(value) => point[slot] = Val::Int(*value),
                    Term::Bool(value) => point[slot] = Val::Bool(*value),
                    _ => {}
                }
            }
        }
        point
    }

    /// Makes every path inside a present value an object.
    fn repair(&self, point: &mut Point) {
        for dim in &self.dims {
            if let Dim::Path { tag, parents, .. } = dim
                && point[*tag] != Val::Int(encode::NULL)
            {
                for parent in parents {
                    point[*parent] = Val::Int(encode::OBJ);
                }
            }
        }
    }

    /// The choices of one dimension from a rule's candidates: each (slot, value) list is one
    /// choice. A path's last choice is absent (`null`).
    fn choices(&self, dim: &Dim, candidates: &Candidates) -> Vec<Vec<(usize, Val)>> {
        match dim {
            Dim::Var(slot) => candidates
                .of(*slot)
                .iter()
                .map(|value| vec![(*slot, value.clone())])
                .collect(),
            Dim::Path {
                tag, b, n, s, len, ..
            } => {
                let mut out = Vec::new();
                for kind in candidates.of(*tag) {
                    let Val::Int(kind) = kind else { continue };
                    let payload = match *kind {
                        encode::BOOL => *b,
                        encode::NUM => *n,
                        encode::STR => *s,
                        encode::LIST => *len,
                        _ => None,
                    };
                    let values: Vec<Val> = match payload {
                        Some(slot) if !candidates.of(slot).is_empty() => {
                            candidates.of(slot).to_vec()
                        }
                        _ => vec![neutral(*kind)],
                    };
                    for value in values {
                        let mut choice = vec![(*tag, Val::Int(*kind))];
                        if let Some(slot) = payload {
                            choice.push((slot, value));
                        }
                        out.push(choice);
                    }
                }
                if !out.is_empty() {
                    out.push(vec![(*tag, Val::Int(encode::NULL))]);
                }
                out
            }
        }
    }

    /// Up to [`TRIED_PER_RULE`] points that combine a rule's candidates, the first choices
    /// varying slowest, over `base`.
    fn combinations(&self, candidates: &Candidates, base: &Point) -> Vec<Point> {
        let mut used: Vec<usize> = candidates
            .values
            .keys()
            .filter_map(|slot| self.of_slot.get(slot).copied())
            .collect();
        used.sort_unstable();
        used.dedup();
        let choices: Vec<Vec<Vec<(usize, Val)>>> = used
            .iter()
            .map(|&dim| self.choices(&self.dims[dim], candidates))
            .filter(|choices| !choices.is_empty())
            .collect();
        let mut out = Vec::new();
        let mut counter = vec![0usize; choices.len()];
        loop {
            let mut point = base.clone();
            for (dim, &at) in choices.iter().zip(&counter) {
                for (slot, value) in &dim[at] {
                    point[*slot] = value.clone();
                }
            }
            self.repair(&mut point);
            out.push(point);
            if out.len() >= TRIED_PER_RULE {
                break;
            }
            // The next combination: the last dimension varies fastest.
            let mut carry = true;
            for (at, dim) in counter.iter_mut().zip(&choices).rev() {
                if !carry {
                    break;
                }
                *at += 1;
                carry = *at == dim.len();
                if carry {
                    *at = 0;
                }
            }
            if carry {
                break;
            }
        }
        out
    }
}

/// A neutral payload of a type tag.
fn neutral(kind: i128) -> Val {
    match kind {
        encode::BOOL => Val::Bool(false),
        encode::STR => Val::Str(Rc::from("")),
        _ => Val::Int(0),
    }
}
