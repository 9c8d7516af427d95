//! `faramesh.lock` (SPEC §9.3): every import, transitive ones included, pinned by reference,
//! source, git commit, artifact path, SHA-256 and signing key. Written sorted and atomically,
//! so the same resolution always gives the same bytes.

use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::error::Error;
use crate::files::{read_limited, write_atomic};

/// The lockfile's name.
pub const LOCKFILE: &str = "faramesh.lock";

/// The largest lockfile accepted, in bytes.
pub const MAX_LOCKFILE_SIZE: u64 = 4 * 1024 * 1024;

/// The format version written in the file.
const FORMAT_VERSION: i64 = 1;

/// Who vouched for an artifact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signer {
    /// Verified against the trusted key with this id.
    Key(String),
    /// Accepted without a valid signature because `--allow-unsigned` was given.
    Unsigned,
}

/// One pinned import.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LockedImport {
    /// The exact reference.
    pub reference: String,
    /// The registry URL as configured.
    pub source: String,
    /// The git commit, for git registries.
    pub commit: Option<String>,
    /// The artifact's path relative to the registry's `catalog/`.
    pub path: String,
    /// The hex SHA-256 of the artifact's bytes.
    pub sha256: String,
    /// The key that signed it, or `Unsigned`.
    pub signer: Signer,
}

/// A parsed lockfile: imports sorted by reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lockfile {
    imports: Vec<LockedImport>,
}

impl Lockfile {
    /// A lockfile of these imports (sorted, duplicates removed).
    pub fn new(mut imports: Vec<LockedImport>) -> Lockfile {
        imports.sort();
        imports.dedup();
        Lockfile { imports }
    }

    /// Reads `<root>/faramesh.lock`; `Ok(None)` when there is none.
    pub fn load(root: &Path) -> Result<Option<Lockfile>, Error> {
        let path = root.join(LOCKFILE);
        let invalid = |message: String| Error::InvalidProjectFile {
            path: path.clone(),
            message,
        };
        let bytes = match read_limited(&path, MAX_LOCKFILE_SIZE) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(invalid(format!("larger than {MAX_LOCKFILE_SIZE} bytes"))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(cause) => return Err(Error::Io { path, cause }),
        };
        let text = String::from_utf8(bytes).map_err(|_| invalid("not UTF-8".to_string()))?;
        Lockfile::parse(&text).map(Some).map_err(invalid)
    }

    /// Parses lockfile text.
    pub fn parse(text: &str) -> Result<Lockfile, String> {
        let document: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| e.to_string())?;
        match document.get("version").and_then(Item::as_integer) {
            Some(FORMAT_VERSION) => {}
            Some(other) => return Err(format!("format version {other} is not supported")),
            None => return Err("`version` is missing".to_string()),
        }
        let Some(item) = document.get("import") else {
            return Ok(Lockfile::default());
        };
        let tables = item
            .as_array_of_tables()
            .ok_or("`import` must be an array of tables")?;
        let imports = tables
            .iter()
            .enumerate()
            .map(|(index, table)| entry(table).map_err(|e| format!("import #{}: {e}", index + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Lockfile::new(imports))
    }

    /// The lockfile's text.
    pub fn to_text(&self) -> String {
        let mut document = DocumentMut::new();
        document.insert("version", value(FORMAT_VERSION));
        let mut tables = ArrayOfTables::new();
        for import in &self.imports {
            let mut table = Table::new();
            table.insert("reference", value(&import.reference));
            table.insert("source", value(&import.source));
            if let Some(commit) = &import.commit {
                table.insert("commit", value(commit));
            }
            table.insert("path", value(&import.path));
            table.insert("sha256", value(&import.sha256));
            match &import.signer {
                Signer::Key(id) => table.insert("key_id", value(id)),
                Signer::Unsigned => table.insert("unsigned", value(true)),
            };
            tables.push(table);
        }
        if !tables.is_empty() {
            document.insert("import", Item::ArrayOfTables(tables));
        }
        format!(
            "# Written by `faramesh lock` and `faramesh import`; do not edit by hand.\n{document}"
        )
    }

    /// Writes `<root>/faramesh.lock` atomically.
    pub fn save(&self, root: &Path) -> Result<(), Error> {
        write_atomic(&root.join(LOCKFILE), self.to_text().as_bytes())
    }

    /// The pinned imports, sorted by reference.
    pub fn imports(&self) -> &[LockedImport] {
        &self.imports
    }

    /// The entry of `reference`.
    pub fn get(&self, reference: &str) -> Option<&LockedImport> {
        self.imports
            .binary_search_by(|import| import.reference.as_str().cmp(reference))
            .ok()
            .map(|at| &self.imports[at])
    }

    /// What differs from `old`, one phrase per reference (`added …`, `removed …`, `changed …`).
    pub fn changes_from(&self, old: &Lockfile) -> Vec<String> {
        let mut changes = Vec::new();
        for import in &self.imports {
            match old.get(&import.reference) {
                None => changes.push(format!("added `{}`", import.reference)),
                Some(previous) if previous != import => {
                    changes.push(format!("changed `{}`", import.reference))
                }
                Some(_) => {}
            }
        }
        for import in &old.imports {
            if self.get(&import.reference).is_none() {
                changes.push(format!("removed `{}`", import.reference));
            }
        }
        changes
    }
}

fn entry(table: &Table) -> Result<LockedImport, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match table.get(key) {
            None => Ok(None),
            Some(item) => item
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or(format!("`{key}` must be a string")),
        }
    };
    let required = |key: &str| text(key)?.ok_or(format!("`{key}` is missing"));
    let sha256 = required("sha256")?;
    if sha256.len() != 64
        || !sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err("`sha256` must be 64 lowercase hex digits".to_string());
    }
    let unsigned = table.get("unsigned").and_then(Item::as_bool) == Some(true);
    let signer = match (text("key_id")?, unsigned) {
        (Some(id), false) => Signer::Key(id),
        (None, true) => Signer::Unsigned,
        _ => return Err("exactly one of `key_id` and `unsigned = true` is required".to_string()),
    };
    Ok(LockedImport {
        reference: required("reference")?,
        source: required("source")?,
        commit: text("commit")?,
        path: required("path")?,
        sha256,
        signer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(reference: &str, signer: Signer) -> LockedImport {
        LockedImport {
            reference: reference.to_string(),
            source: "git+file:///r".to_string(),
            commit: Some("0".repeat(40)),
            path: "artifacts/p/policy.fpl".to_string(),
            sha256: "a".repeat(64),
            signer,
        }
    }

    #[test]
    fn round_trips_sorted() {
        let lock = Lockfile::new(vec![
            import("r/policies/b@1.0.0", Signer::Unsigned),
            import("r/policies/a@1.0.0", Signer::Key("k".into())),
        ]);
        let text = lock.to_text();
        assert!(text.find("policies/a").expect("a") < text.find("policies/b").expect("b"));
        assert!(text.contains("unsigned = true"));
        assert_eq!(Lockfile::parse(&text).expect("parses"), lock);
        assert_eq!(Lockfile::parse(&text).expect("parses").to_text(), text);
    }

    #[test]
    fn reports_changes_and_malformed_entries() {
        let old = Lockfile::new(vec![import("r/policies/a@1.0.0", Signer::Unsigned)]);
        let new = Lockfile::new(vec![import("r/policies/b@1.0.0", Signer::Unsigned)]);
        assert_eq!(
            new.changes_from(&old),
            vec!["added `r/policies/b@1.0.0`", "removed `r/policies/a@1.0.0`"]
        );
        for text in [
            "",
            "version = 2",
            "version = 1\nimport = 3",
            "version = 1\n[[import]]\nreference = \"x\"",
            "version = 1\n[[import]]\nreference = \"x\"\nsource = \"s\"\npath = \"p\"\nsha256 = \"zz\"\nunsigned = true",
        ] {
            assert!(Lockfile::parse(text).is_err(), "{text}");
        }
    }
}
