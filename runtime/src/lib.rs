//! Lean runtime evaluator for compiled FPL policies.
//!
//! The analyzer lowers a policy into [`ir::Policy`] (plus a [`ir::SourceMap`] of rule
//! positions), wraps both in an [`ir::CompiledPolicy`], and hands it to [`Evaluator::new`].
//! [`Evaluator::decide`] applies SPEC §6 to a [`Request`] and returns a [`Decision`] that
//! borrows from the evaluator; the hot path allocates nothing. [`log`] keeps the hash-chained
//! decision log of §8; [`bundle`] writes and verifies the signed bundles of §10.

pub mod base64;
pub mod batch;
pub mod bundle;
mod canonical;
mod decimal;
mod decision;
mod error;
mod eval;
pub mod files;
pub mod hex;
mod host;
pub mod ir;
mod json;
pub mod lines;
pub mod log;
mod path;
pub mod pattern;
pub mod regex_source;
mod request;
pub mod state;
mod time;
pub mod url_secrets;

pub use decimal::{Decimal, DecimalError};
pub use decision::{
    APPROVAL_INVALID, BUDGET_EXCEEDED, BUDGET_WARNING, Decision, Reason, ReasonCode, RuleRef,
};
pub use error::{LoadError, ValidationError, ValidationKind, root_cause};
pub use eval::{ApprovalCheck, ConditionError, Evaluator};
pub use host::{HostError, HostPattern, read_host, read_url_host};
pub use json::{JsonDoc, JsonError, JsonKind, JsonRef, MAX_DEPTH, MAX_VALUES};
pub use path::{ClimbsAboveRoot, normalize_path};
pub use request::{MAX_REQUEST_BYTES, Request, check_tool_name};
pub use time::{Civil, Rfc3339, Timestamp};

/// The [`JsonError::message`]s for input beyond the JSON reader's limits or not UTF-8.
pub mod json_limits {
    pub use crate::json::{INVALID_UTF8, TOO_DEEP, TOO_MANY_VALUES};
}

/// Canonical JSON (RFC 8785) helpers shared with the toolchain.
pub mod canonical_json {
    pub use crate::canonical::{compare_keys, to_canonical_string, write_json, write_string};
}
