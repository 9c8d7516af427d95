//! The analysis with a solver double: what sample points settle needs no solver, and what
//! they do not is never taken as a pass when the solver cannot answer.

use std::cell::Cell;
use std::time::Duration;

use super::cache::Cache;
use super::run::{self, PolicyInput};
use super::solver::{Backend, SatResult, Solver};
use super::term::T;
use super::{SmtOptions, SmtReport};
use crate::host::check_policy;
use crate::{CheckOptions, SourceFile};

/// A backend whose solver answers every query "unknown" and counts them.
#[derive(Default)]
struct Unknowing {
    queries: Cell<usize>,
}

struct UnknowingSolver<'a> {
    queries: &'a Cell<usize>,
}

impl Backend for Unknowing {
    fn run(&self, _budget: Duration, work: &mut dyn FnMut(&mut dyn Solver)) {
        work(&mut UnknowingSolver {
            queries: &self.queries,
        });
    }
}

impl Solver for UnknowingSolver<'_> {
    fn check(&mut self, _formulas: &[T]) -> SatResult {
        self.queries.set(self.queries.get() + 1);
        SatResult::Unknown
    }

    fn exhausted(&self) -> bool {
        false
    }
}

fn analysed_with(backend: &dyn Backend, text: &str) -> SmtReport {
    let analysis = check_policy(
        vec![SourceFile::new("p.fpl", text)],
        &CheckOptions::default(),
    );
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let input = PolicyInput::new(&analysis.policy, |_| None);
    run::analyze(
        &input,
        &Cache::default(),
        backend,
        &SmtOptions::default(),
        &|| false,
    )
    .expect("the analysis runs")
}

fn codes(report: &SmtReport) -> Vec<&str> {
    report.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn claims_the_samples_refute_need_no_solver() {
    let backend = Unknowing::default();
    let report = analysed_with(&backend, &fpl_testdata::large_policy(200));
    assert_eq!(codes(&report), Vec::<&str>::new());
    assert_eq!(backend.queries.get(), 0);
}

#[test]
fn a_proof_the_solver_cannot_give_is_unknown_never_a_pass() {
    let backend = Unknowing::default();
    // Unreachable (S0301) with z3; a proof no sample point can give.
    let report = analysed_with(
        &backend,
        "agent a {\n  default deny\n  permit shell/*\n  deny shell/ls\n}\n",
    );
    assert_eq!(codes(&report), ["S0306"]);
    assert!(
        report.diagnostics[0].message.contains("`a/2` is reachable"),
        "{:?}",
        report.diagnostics
    );
    assert!(backend.queries.get() > 0);
}
