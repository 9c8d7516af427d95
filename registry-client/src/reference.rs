//! Import references: `<registry>/<kind>/<name>@<version>` (SPEC §9.2), versions exact.

use std::fmt;

/// The id of the public Faramesh registry, served by `[registries.default]` unless it says
/// otherwise.
pub const PUBLIC_REGISTRY: &str = "github.com/faramesh/faramesh-registry";

/// What a registry entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Framework profiles (`profile.fpl`).
    Frameworks,
    /// Policies (`policy.fpl`).
    Policies,
    /// Provider binaries for the daemon: resolved, verified and locked, but not FPL.
    Providers,
}

impl Kind {
    /// Every kind, in catalog order.
    pub const ALL: [Kind; 3] = [Kind::Policies, Kind::Frameworks, Kind::Providers];

    /// The kind as written in references and catalogs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Frameworks => "frameworks",
            Kind::Policies => "policies",
            Kind::Providers => "providers",
        }
    }

    /// The kind named `text`.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Whether artifacts of this kind are FPL sources that join the policy.
    pub fn is_fpl(self) -> bool {
        self != Kind::Providers
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A catalog entry named without a version: `<registry>/<kind>/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Package {
    /// The registry id, e.g. `github.com/faramesh/faramesh-registry`.
    pub registry: String,
    /// The kind.
    pub kind: Kind,
    /// The catalog name, namespace included (`faramesh/stripe`).
    pub name: String,
}

impl Package {
    /// This package at `version`.
    pub fn at(&self, version: &str) -> Reference {
        Reference {
            package: self.clone(),
            version: version.to_string(),
        }
    }
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.registry, self.kind, self.name)
    }
}

/// An exact import reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// What is imported.
    pub package: Package,
    /// The exact version.
    pub version: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.package, self.version)
    }
}

/// Why a reference is not exact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// Not of the form `<registry>/<kind>/<name>@<version>`.
    #[error("{0}")]
    Malformed(String),
    /// No `@<version>`.
    #[error("the reference has no version; imports name an exact version")]
    NoVersion(Package),
    /// `@latest`.
    #[error("`@latest` is not allowed; imports name an exact version")]
    Latest(Package),
}

impl Reference {
    /// Parses an exact reference.
    pub fn parse(text: &str) -> Result<Reference, ReferenceError> {
        match parse_loose(text)? {
            (package, None) => Err(ReferenceError::NoVersion(package)),
            (package, Some("latest")) => Err(ReferenceError::Latest(package)),
            (package, Some(version)) if is_exact_version(version) => Ok(package.at(version)),
            (_, Some(version)) => Err(ReferenceError::Malformed(format!(
                "`{version}` is not an exact version such as `1.0.0`"
            ))),
        }
    }
}

/// Parses `<registry>/<kind>/<name>` with an optional `@<version>` (checked by the caller).
pub fn parse_loose(text: &str) -> Result<(Package, Option<&str>), ReferenceError> {
    let (path, version) = match text.rsplit_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (text, None),
    };
    let segments: Vec<&str> = path.split('/').collect();
    let Some(kind_at) = segments
        .iter()
        .skip(1)
        .position(|segment| Kind::parse(segment).is_some())
        .map(|at| at + 1)
    else {
        return Err(ReferenceError::Malformed(
            "expected `<registry>/<frameworks|policies|providers>/<name>@<version>`".to_string(),
        ));
    };
    let (registry, rest) = segments.split_at(kind_at);
    let name = &rest[1..];
    if name.is_empty() {
        return Err(ReferenceError::Malformed(
            "the reference names no entry after its kind".to_string(),
        ));
    }
    if let Some(bad) = registry.iter().chain(name).find(|s| !is_name_segment(s)) {
        return Err(ReferenceError::Malformed(format!(
            "`{bad}` is not a valid path segment (letters, digits, `.`, `_`, `-`)"
        )));
    }
    if version.is_some_and(str::is_empty) {
        return Err(ReferenceError::Malformed(
            "nothing follows `@`; write an exact version such as `1.0.0`".to_string(),
        ));
    }
    let kind = Kind::parse(rest[0]).unwrap_or(Kind::Policies);
    let package = Package {
        registry: registry.join("/"),
        kind,
        name: name.join("/"),
    };
    Ok((package, version))
}

/// Whether `segment` may appear in a registry id or catalog name.
fn is_name_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre` and `+build` of `[0-9A-Za-z.-]`.
pub fn is_exact_version(version: &str) -> bool {
    let (core, suffix) = match version.find(['-', '+']) {
        Some(at) => version.split_at(at),
        None => (version, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        && suffix
            .bytes()
            .skip(1)
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        && suffix.len() != 1
}

/// Orders versions by their numeric core, then by text (a pre-release before its release).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(version: &str) -> (Vec<u64>, bool, &str) {
        let (core, suffix) = match version.find(['-', '+']) {
            Some(at) => version.split_at(at),
            None => (version, ""),
        };
        let numbers = core
            .split('.')
            .map(|part| part.parse().unwrap_or(0))
            .collect();
        (numbers, !suffix.starts_with('-'), suffix)
    }
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_references() {
        let reference = Reference::parse(
            "github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.0.0",
        )
        .expect("valid");
        assert_eq!(reference.package.registry, PUBLIC_REGISTRY);
        assert_eq!(reference.package.kind, Kind::Policies);
        assert_eq!(reference.package.name, "faramesh/stripe");
        assert_eq!(reference.version, "1.0.0");
        assert_eq!(
            reference.to_string(),
            "github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.0.0"
        );
    }

    #[test]
    fn refuses_inexact_references() {
        let cases = [
            ("r.io/policies/x@latest", "latest"),
            ("r.io/policies/x", "no version"),
            ("r.io/policies/x@^1.0", "exact"),
            ("r.io/policies/x@1.0", "exact"),
            ("r.io/policies/x@", "nothing follows"),
            ("r.io/things/x@1.0.0", "expected"),
            ("policies/x@1.0.0", "expected"),
            ("r.io/policies@1.0.0", "no entry"),
            ("r.io/policies/../x@1.0.0", "segment"),
            ("r.io/policies/a//b@1.0.0", "segment"),
        ];
        for (text, expected) in cases {
            let error = Reference::parse(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn versions_order_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("1.10.0", "1.9.0"), Greater);
        assert_eq!(compare_versions("1.0.0-rc.1", "1.0.0"), Less);
        assert!(is_exact_version("1.0.0-rc.1+build.5"));
        assert!(!is_exact_version("1.0.0-"));
    }
}
