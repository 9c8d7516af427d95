//! Generated FPL policies for benchmarks and tests: deterministic, in the SPEC's style.

pub mod lsp_client;
pub mod registry;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The shared upstream policy corpus (`shared/corpus/upstream`, beside the repository).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/upstream")
}

/// The `*.fpl` and `*.fms` files of `dir`, sorted. Panics when `dir` cannot be read, so a
/// missing corpus fails the test that needs it instead of letting it pass unchecked.
pub fn policy_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "fpl" || ext == "fms")
        })
        .collect();
    files.sort();
    files
}

/// The corpus policies that are meant to parse (`faramesh-core` and `fpl-lang`).
pub fn upstream_policies() -> Vec<PathBuf> {
    ["faramesh-core", "fpl-lang"]
        .iter()
        .flat_map(|repo| policy_files(&corpus_dir().join(repo)))
        .collect()
}

/// The corpus policies that are invalid on purpose.
pub fn invalid_policies() -> Vec<PathBuf> {
    policy_files(&corpus_dir().join("invalid"))
}

/// The example policies of the repository (`examples/`).
pub fn example_policies() -> Vec<PathBuf> {
    policy_files(&repository_dir().join("examples"))
}

/// The parser fixtures of `fpl-syntax` that must parse without errors (`fixtures/ok`).
pub fn parser_fixtures_ok() -> Vec<PathBuf> {
    policy_files(&repository_dir().join("analyzer/syntax/tests/fixtures/ok"))
}

fn repository_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A policy with `rules` rules spread over several agents; every other rule has a condition.
///
/// Each agent has a default, a budget, a rate limit and a `deny!`, so the text exercises the
/// parser, the checks and the evaluator the way a large real policy would.
pub fn large_policy(rules: usize) -> String {
    const AGENTS: usize = 10;
    let per_agent = rules.div_ceil(AGENTS);
    let mut out = String::with_capacity(rules * 80);
    out.push_str("# Generated policy for benchmarks.\n");
    let mut written = 0;
    for agent in 0..AGENTS {
        let _ = writeln!(
            out,
            "\nagent bench-{agent} {{\n  default deny\n  model \"gpt-4o\"\n"
        );
        let _ = writeln!(
            out,
            "  budget session {{\n    max $500\n    max_calls 1000\n    on_exceed deny\n  }}\n"
        );
        let _ = writeln!(
            out,
            "  rate_limit svc{agent}/*: 100 per minute\n\n  rules {{"
        );
        let _ = writeln!(out, "    deny! shell/* reason: \"never shell\"");
        written += 1;
        for index in 1..per_agent {
            if written >= rules {
                break;
            }
            let effect = ["permit", "defer", "deny"][index % 3];
            let tool = format!("svc{agent}/op{index}");
            if index % 2 == 0 {
                let _ = writeln!(out, "    {effect} {tool}");
            } else {
                let _ = writeln!(
                    out,
                    "    {effect} {tool} when amount > {} and principal.role == \"r{}\" reason: \"rule {index}\"",
                    index * 10,
                    index % 7
                );
            }
            written += 1;
        }
        out.push_str("  }\n}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_rules() {
        let text = super::large_policy(100);
        let rules = text.lines().filter(|line| {
            let line = line.trim_start();
            ["permit ", "defer ", "deny "]
                .iter()
                .any(|effect| line.starts_with(effect))
                || line.starts_with("deny! ")
        });
        assert_eq!(rules.count(), 100);
    }
}
