//! Fuzzes the backtest's reading of history lines: any line is a record or an error, never a
//! panic, and a backtest over any lines counts each non-empty line once.
#![no_main]

use std::sync::OnceLock;

use fpl_analyzer::intent::backtest::Backtest;
use fpl_analyzer::{CheckOptions, SourceFile, compile::compile, host::check_policy};
use fpl_runtime::ir::CompiledPolicy;
use libfuzzer_sys::fuzz_target;

fn policy() -> &'static CompiledPolicy {
    static POLICY: OnceLock<CompiledPolicy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let text = "agent bot {\n  default deny\n  rate_limit t/*: 2 per minute\n  deny! shell/*\n  permit t/* when amount < 10\n  permit http/get\n}\n";
        let analysis = check_policy(vec![SourceFile::new("p.fpl", text)], &CheckOptions::default());
        compile(&analysis).expect("the fuzz policy compiles")
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut backtest = Backtest::new(policy(), "bot").expect("loads");
    let mut lines = 0;
    for (index, line) in text.split('\n').enumerate() {
        if !line.trim().is_empty() {
            lines += 1;
        }
        backtest.line(index + 1, line);
    }
    let report = backtest.finish();
    let flipped: usize = report.flips.iter().map(|flip| flip.count).sum();
    assert_eq!(report.lines, lines);
    assert_eq!(
        report.compared + report.not_comparable + report.invalid + report.other_agents.values().sum::<usize>(),
        lines
    );
    assert_eq!(report.compared, report.unchanged + flipped);
});
