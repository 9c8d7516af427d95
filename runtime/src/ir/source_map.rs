//! The side table of rule source positions, kept out of the policy so digests ignore layout.

use serde::{Deserialize, Serialize};

/// Where each rule was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMap {
    /// File paths as given to the toolchain; [`Position::file`] indexes this list.
    pub files: Vec<String>,
    /// Per agent (parallel to `Policy::agents`), per rule (parallel to `Agent::rules`).
    /// May be empty (no positions at all); otherwise its shape must match the policy.
    pub rules: Vec<Vec<Option<Position>>>,
}

/// A rule's position: 1-based line and column (columns counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Index into [`SourceMap::files`].
    pub file: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

impl SourceMap {
    /// The position of rule `rule` of agent `agent`, with its file path.
    pub fn position(&self, agent: usize, rule: usize) -> Option<(&str, Position)> {
        let pos = (*self.rules.get(agent)?.get(rule)?)?;
        Some((self.files.get(pos.file as usize)?.as_str(), pos))
    }
}
