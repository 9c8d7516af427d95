//! Benchmarks of the SMT analysis: all findings, and the semantic diff, on 1,000-rule policies.

fn main() {}
