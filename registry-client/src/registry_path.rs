//! Paths inside a registry, checked before any source reads them: relative, no `.` or `..`
//! segments, only `[A-Za-z0-9._-]` characters, so no path can leave the registry or be read
//! differently by a file system, a git tree and a URL.

use std::fmt;

/// A checked path relative to the registry's root, e.g. `catalog/catalog.json`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistryPath(String);

impl RegistryPath {
    /// The catalog's path.
    pub fn catalog() -> RegistryPath {
        RegistryPath("catalog/catalog.json".to_string())
    }

    /// An artifact path as the catalog writes it (relative to `catalog/`).
    pub fn artifact(catalog_path: &str) -> Result<RegistryPath, String> {
        RegistryPath::parse(catalog_path)?;
        Ok(RegistryPath(format!("catalog/{catalog_path}")))
    }

    /// Any path relative to the registry's root, e.g. one a mirror is asked for.
    pub fn parse(path: &str) -> Result<RegistryPath, String> {
        if path.starts_with('/') || path.starts_with('\\') {
            return Err("it is absolute".to_string());
        }
        for segment in path.split('/') {
            match segment {
                "" => return Err("it has an empty segment".to_string()),
                "." | ".." => return Err(format!("it has a `{segment}` segment")),
                _ => {}
            }
            if let Some(bad) = segment
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
            {
                return Err(format!("it contains `{}`", bad.escape_default()));
            }
        }
        Ok(RegistryPath(path.to_string()))
    }

    /// The detached signature beside this file (`policy.fpl.sig`).
    pub fn signature(&self) -> RegistryPath {
        RegistryPath(format!("{}.sig", self.0))
    }

    /// The path as text, `/`-separated.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path relative to `catalog/`, as the catalog and the lockfile write it.
    pub fn in_catalog(&self) -> &str {
        self.0.strip_prefix("catalog/").unwrap_or(&self.0)
    }

    /// The last segment (`policy.fpl`).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The segments.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for RegistryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_registry() {
        for path in [
            "../etc/passwd",
            "artifacts/../../x",
            "/etc/passwd",
            "\\x",
            "a//b",
            "a/./b",
            "a/b%2e%2e",
            "C:/x",
            "a/b\\..\\c",
            "",
        ] {
            assert!(RegistryPath::artifact(path).is_err(), "{path}");
        }
        let path = RegistryPath::artifact("artifacts/policies/faramesh/stripe/1.0.0/policy.fpl")
            .expect("valid");
        assert_eq!(
            path.as_str(),
            "catalog/artifacts/policies/faramesh/stripe/1.0.0/policy.fpl"
        );
        assert_eq!(path.file_name(), "policy.fpl");
        assert_eq!(
            path.signature().in_catalog(),
            "artifacts/policies/faramesh/stripe/1.0.0/policy.fpl.sig"
        );
    }
}
