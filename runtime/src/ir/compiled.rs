//! `CompiledPolicy`: the policy plus its source map, its binary form and its digest.

use serde::{Deserialize, Serialize};

use super::{Expr, Policy, RegexId, SourceMap, Value};
use crate::canonical;
use crate::error::LoadError;

/// The first bytes of every compiled policy.
pub const FORMAT_MAGIC: &[u8; 8] = b"FPLPOLC\0";
/// The binary format version written by [`CompiledPolicy::to_bytes`].
pub const FORMAT_VERSION: u16 = 1;

/// What the evaluator loads: the position-free policy and the side table of rule positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledPolicy {
    /// The policy.
    pub policy: Policy,
    /// Rule positions.
    pub source_map: SourceMap,
}

impl CompiledPolicy {
    /// Pairs a policy with its source map.
    pub fn new(policy: Policy, source_map: SourceMap) -> CompiledPolicy {
        CompiledPolicy { policy, source_map }
    }

    /// The self-describing binary form: magic, little-endian format version, postcard body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(FORMAT_MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        // Serializing plain data into a Vec cannot fail.
        if let Ok(body) = postcard::to_allocvec(self) {
            out.extend_from_slice(&body);
        }
        out
    }

    /// Decodes and validates the binary form. Never panics on any input.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompiledPolicy, LoadError> {
        let compiled = CompiledPolicy::decode(bytes)?;
        compiled.validate()?;
        Ok(compiled)
    }

    /// Decodes the binary form without validating it (for loaders that validate while they
    /// compile). Never panics on any input.
    pub(crate) fn decode(bytes: &[u8]) -> Result<CompiledPolicy, LoadError> {
        let rest = bytes
            .strip_prefix(FORMAT_MAGIC.as_slice())
            .ok_or(LoadError::BadMagic)?;
        let (version, body) = rest.split_first_chunk::<2>().ok_or(LoadError::BadMagic)?;
        let found = u16::from_le_bytes(*version);
        if found != FORMAT_VERSION {
            return Err(LoadError::UnsupportedFormat {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let (compiled, tail): (CompiledPolicy, &[u8]) =
            postcard::take_from_bytes(body).map_err(LoadError::Decode)?;
        if !tail.is_empty() {
            return Err(LoadError::Decode(postcard::Error::DeserializeBadEncoding));
        }
        Ok(compiled)
    }

    /// Checks every invariant the evaluator relies on (what [`crate::Evaluator::new`] checks).
    pub fn validate(&self) -> Result<(), LoadError> {
        if self.policy.version != super::IR_VERSION {
            return Err(LoadError::UnsupportedIr {
                found: self.policy.version,
                supported: super::IR_VERSION,
            });
        }
        // Validation needs no digest.
        crate::eval::compile::compile(self, String::new())?;
        Ok(())
    }

    /// The policy digest (see [`Policy::digest`]).
    pub fn digest(&self) -> String {
        self.policy.digest()
    }
}

impl Policy {
    /// An empty policy of the current IR version.
    pub fn new() -> Policy {
        Policy {
            version: super::IR_VERSION,
            agents: Vec::new(),
            regexes: Vec::new(),
            approval_ttl_ms: None,
        }
    }

    /// The canonical JSON (RFC 8785) of the policy: what [`Policy::digest`] hashes.
    pub fn canonical_json(&self) -> String {
        match serde_json::to_value(self) {
            Ok(value) => canonical::to_canonical_string(&value),
            // Only non-string map keys can fail; the IR has none.
            Err(_) => String::new(),
        }
    }

    /// `sha256:` and the hex SHA-256 of [`Policy::canonical_json`].
    pub fn digest(&self) -> String {
        crate::hex::sha256_digest(self.canonical_json().as_bytes())
    }

    /// Assigns every `matches` comparison the id of its regex, taken from its right-hand string
    /// literal, and rebuilds [`Policy::regexes`] without duplicates, in first-use order.
    pub fn intern_regexes(&mut self) {
        let mut pool: Vec<String> = Vec::new();
        for agent in &mut self.agents {
            for rule in &mut agent.rules {
                if let Some(cond) = &mut rule.condition {
                    intern_in(cond, &self.regexes, &mut pool);
                }
            }
        }
        self.regexes = pool;
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::new()
    }
}

fn intern_in(expr: &mut Expr, old: &[String], pool: &mut Vec<String>) {
    match expr {
        Expr::Literal(_) | Expr::Path(_) => {}
        Expr::Not(e) => intern_in(e, old, pool),
        Expr::And(items) | Expr::Or(items) | Expr::Call { args: items, .. } => {
            for item in items {
                intern_in(item, old, pool);
            }
        }
        Expr::Compare { op, left, right } => {
            intern_in(left, old, pool);
            intern_in(right, old, pool);
            if let super::CompareOp::Matches(id) | super::CompareOp::NotMatches(id) = op {
                let source = match &**right {
                    Expr::Literal(Value::String(s)) => Some(s.clone()),
                    _ => old.get(id.0 as usize).cloned(),
                };
                if let Some(source) = source {
                    let index = match pool.iter().position(|p| *p == source) {
                        Some(i) => i,
                        None => {
                            pool.push(source);
                            pool.len() - 1
                        }
                    };
                    *id = RegexId(index as u32);
                }
            }
        }
    }
}
