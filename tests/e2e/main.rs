//! End-to-end tests: each module drives the real `faramesh` binary (built by
//! [`faramesh_e2e::binary`]) through one command or feature, with real files, git repositories
//! in temporary directories and servers on 127.0.0.1; `corpus` runs every corpus policy through
//! it. One test executable, so the binary is located and built once.

mod action;
mod alert_support;
mod approvals;
mod approvals_redis;
mod audit;
mod bundle;
mod check;
mod ci;
mod closed_output;
mod corpus;
mod diff;
mod egress;
mod eval;
mod extract;
mod fmt;
mod fmt_meaning;
mod fmtest;
mod form;
mod line_ends;
mod lsp;
mod lsp_editors;
mod lsp_framing;
mod os_errors;
mod policy_compile;
mod project;
mod redis_support;
mod registry;
mod requests;
mod schema;
mod serve;
mod serve_alerts;
mod serve_origin;
mod serve_state;
mod serve_support;
mod support;
