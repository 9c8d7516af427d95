//! Named approvers (`faramesh serve --approvers FILE`): each person who resolves approvals holds
//! a bearer token of their own, and the file keeps only its SHA-256, as an htpasswd file keeps
//! hashes. A resolution made with an approver's token is made by that name, so "the approver is
//! never the call's `principal.id`" (SPEC §17) holds for who the approver is, not for a name
//! they typed.
//!
//! ```toml
//! [approvers]
//! "lead@example.com" = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! ```

use std::ops::Range;
use std::path::Path;

use sha2::{Digest as _, Sha256};
use toml_edit::{Document, Item};

use crate::approvals::person;
use crate::config::ConfigFileError;

/// The approvers and the digests of their tokens.
#[derive(Clone, Default)]
pub struct Approvers {
    named: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for Approvers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.named.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Approvers").field("names", &names).finish()
    }
}

/// A mistake in the approvers file, at its place in the file.
pub type ApproversError = ConfigFileError;

impl Approvers {
    /// Reads `text`, the approvers file at `path`: one `[approvers]` table of name →
    /// `"sha256:<64 hex digits>"`, the digest of that approver's token.
    pub fn from_toml(path: &Path, text: &str) -> Result<Approvers, ApproversError> {
        let error = |span: Option<Range<usize>>, message: String| {
            ConfigFileError::at(path, text, span.map(|span| span.start), message)
        };
        let document =
            Document::parse(text).map_err(|e| error(e.span(), e.message().trim_end().into()))?;
        let root = document.as_table();
        if let Some((key, _)) = root.iter().find(|(key, _)| *key != "approvers") {
            let span = root.key(key).and_then(|key| key.span());
            return Err(error(
                span,
                format!("unknown key `{key}`: the file holds one `[approvers]` table"),
            ));
        }
        let table = root
            .get("approvers")
            .and_then(Item::as_table_like)
            .ok_or_else(|| {
                error(
                    None,
                    "no `[approvers]` table of name = \"sha256:<hex>\"".to_owned(),
                )
            })?;
        let mut named: Vec<(String, [u8; 32])> = Vec::new();
        for (name, item) in table.iter() {
            let span = table
                .get_key_value(name)
                .and_then(|(key, _)| key.span())
                .or(item.span());
            if name.trim().is_empty() {
                return Err(error(span, "an approver's name must not be empty".into()));
            }
            let digest = item.as_str().and_then(parse_digest).ok_or_else(|| {
                error(
                    item.span().or(span.clone()),
                    format!(
                        "approver `{name}` must be \"sha256:<64 hex digits>\", the SHA-256 \
                             of their token (`printf %s \"$TOKEN\" | sha256sum`)"
                    ),
                )
            })?;
            if let Some((other, _)) = named.iter().find(|(_, known)| *known == digest) {
                return Err(error(
                    span,
                    format!("approvers `{other}` and `{name}` have the same token"),
                ));
            }
            if let Some((other, _)) = named
                .iter()
                .find(|(known, _)| person(known) == person(name))
            {
                return Err(error(
                    span,
                    format!(
                        "approvers `{other}` and `{name}` are one person to the rule that an \
                         approver is not the call's principal (names compare without case)"
                    ),
                ));
            }
            named.push((name.to_owned(), digest));
        }
        if named.is_empty() {
            return Err(error(None, "`[approvers]` names no approver".into()));
        }
        Ok(Approvers { named })
    }

    /// Whether no approver is named (then the admin token resolves, with a declared name).
    pub fn is_empty(&self) -> bool {
        self.named.is_empty()
    }

    /// The approver whose token is `token`, if any.
    pub fn name_of(&self, token: &str) -> Option<&str> {
        self.named(&digest(token.as_bytes()))
    }

    /// The approver whose token has SHA-256 `digest`. Every digest is compared in full, so the
    /// time taken says nothing about which one, or how much of one, matched.
    pub(crate) fn named(&self, digest: &[u8; 32]) -> Option<&str> {
        let mut found = None;
        for (name, known) in &self.named {
            if same(digest, known) {
                found = Some(name.as_str());
            }
        }
        found
    }
}

/// Whether two digests are equal, compared in constant time.
pub(crate) fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The SHA-256 of a token.
pub(crate) fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// `sha256:<64 hex digits>` as bytes.
fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let hex = text.strip_prefix("sha256:")?;
    fpl_runtime::hex::decode(hex)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEAD: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn read(text: &str) -> Result<Approvers, String> {
        Approvers::from_toml(Path::new("approvers.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_token_names_its_approver() {
        let approvers =
            read(&format!("[approvers]\n\"lead@example.com\" = \"{LEAD}\"\n")).expect("valid");
        assert_eq!(approvers.named(&digest(b"test")), Some("lead@example.com"));
        assert_eq!(approvers.named(&digest(b"guess")), None);
    }

    #[test]
    fn mistakes_are_reported_where_they_are() {
        assert_eq!(
            read("[approvers]\nlead = \"sha256:abc\"\n").expect_err("refused"),
            "approvers.toml:2:8: approver `lead` must be \"sha256:<64 hex digits>\", the \
             SHA-256 of their token (`printf %s \"$TOKEN\" | sha256sum`)"
        );
        assert_eq!(
            read(&format!("[approvers]\na = \"{LEAD}\"\nb = \"{LEAD}\"\n")).expect_err("refused"),
            "approvers.toml:3:1: approvers `a` and `b` have the same token"
        );
        assert_eq!(
            read("admin = 1\n").expect_err("refused"),
            "approvers.toml:1:1: unknown key `admin`: the file holds one `[approvers]` table"
        );
        assert!(
            read("[approvers]\n")
                .expect_err("refused")
                .contains("names no approver")
        );
        let other = LEAD.replace("9f86", "0f86");
        assert!(
            read(&format!(
                "[approvers]\nAlice = \"{LEAD}\"\nalice = \"{other}\"\n"
            ))
            .expect_err("refused")
            .contains("are one person")
        );
        assert!(
            read("[approvers\n")
                .expect_err("refused")
                .starts_with("approvers.toml:1:")
        );
    }
}
