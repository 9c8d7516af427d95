//! Lean runtime evaluator for compiled FPL policies.
