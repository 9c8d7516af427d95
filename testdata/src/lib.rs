//! Generated FPL policies for benchmarks and tests: deterministic, in the SPEC's style.

pub mod lsp_client;
pub mod registry;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The shared upstream policy corpus (`shared/corpus/upstream`, beside the repository).
pub fn corpus_dir() -> PathBuf {
    repository_dir().join("../shared/corpus/upstream")
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

/// The repository's root: the nearest directory with `Cargo.lock` above the running test's
/// crate. Read at run time (cargo sets `CARGO_MANIFEST_DIR` for the tests it runs), so a test
/// binary built in one clone and run from another reads the files of the clone it runs in.
pub fn repository_dir() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map_or(manifest.clone(), Path::to_path_buf)
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
        let count = per_agent.min(rules.saturating_sub(written)).max(1);
        write_agent(&mut out, agent, count);
        written += count;
    }
    out
}

/// The agents of [`large_policy`] in one: a single agent with all `rules` rules, the shape in
/// which per-rule work that looks at the whole agent shows as quadratic time.
pub fn one_agent_policy(rules: usize) -> String {
    let mut out = String::with_capacity(rules * 80);
    out.push_str("# Generated one-agent policy for benchmarks.\n");
    write_agent(&mut out, 0, rules.max(1));
    out
}

/// Writes agent `bench-{agent}` with a default, a budget, a rate limit, a `deny!` and
/// `rules - 1` more rules, a condition on every other one.
fn write_agent(out: &mut String, agent: usize, rules: usize) {
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
    for index in 1..rules {
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
    }
    out.push_str("  }\n}\n");
}

/// One agent whose `rules` rules all apply to `stripe/charge` and overlap one another: amount
/// ranges that intersect their neighbours', currencies and customer-id conditions (`in`,
/// `starts_with`, a regular expression) shared by many rules, and every effect. The worst case
/// of the SMT analysis, which compares each rule with all the rules before it.
pub fn overlapping_policy(rules: usize) -> String {
    const CURRENCIES: [&str; 4] = ["usd", "eur", "gbp", "jpy"];
    let mut out = String::with_capacity(rules * 120);
    out.push_str("# Generated: mutually overlapping rules for SMT benchmarks.\n");
    out.push_str("agent overlap {\n  default deny\n  rules {\n");
    for index in 0..rules {
        let effect = ["permit", "defer", "deny"][index % 3];
        let low = (index * 37) % 1_000;
        let high = low + 250;
        let currency = CURRENCIES[index % CURRENCIES.len()];
        let other = CURRENCIES[(index + 1) % CURRENCIES.len()];
        let _ = match index % 3 {
            0 => writeln!(
                out,
                "    {effect} stripe/charge when amount > {low} and amount <= {high} and currency == \"{currency}\""
            ),
            1 => writeln!(
                out,
                "    {effect} stripe/charge when amount >= {low} and currency in [\"{currency}\", \"{other}\"] and customer starts_with \"cus_{}\"",
                index % 10
            ),
            _ => writeln!(
                out,
                "    {effect} stripe/charge when amount < {high} and customer matches \"^cus_[0-9]*{}$\"",
                index % 10
            ),
        };
    }
    out.push_str("  }\n}\n");
    out
}

/// One agent with one rule comparing an argument with a string literal of `chars` characters.
pub fn long_string_policy(chars: usize) -> String {
    let text: String = "abcdefghij".chars().cycle().take(chars).collect();
    format!(
        "agent long {{\n  default deny\n  permit files/write when content == \"{text}\" or content contains \"{text}x\"\n}}\n"
    )
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

    #[test]
    fn one_agent_holds_every_rule() {
        let text = super::one_agent_policy(250);
        assert_eq!(text.matches("\nagent ").count(), 1);
        assert_eq!(text.matches(" svc0/op").count(), 249);
        assert!(text.contains("deny! shell/*"));
    }

    #[test]
    fn overlapping_rules_all_apply_to_one_tool() {
        let text = super::overlapping_policy(40);
        assert_eq!(text.matches("stripe/charge when").count(), 40);
    }

    #[test]
    fn long_string_has_its_length() {
        let text = super::long_string_policy(1_000);
        assert!(text.contains(&"abcdefghij".repeat(100)));
    }
}
