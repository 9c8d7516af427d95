//! Nothing but the benchmark in `benches/compare.rs`.
