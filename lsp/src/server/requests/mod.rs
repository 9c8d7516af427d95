//! Handlers that only read: each answers from a snapshot of the analysis, on a blocking thread.

pub(super) mod edits;
pub(super) mod hover;
pub(super) mod navigation;
pub(super) mod symbols;
pub(super) mod tokens;
