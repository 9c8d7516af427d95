//! The registry's `catalog/catalog.json`: its id and, per kind, entries with their versions.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::reference::{Kind, Package, compare_versions};

/// The largest catalog accepted, in bytes.
pub const MAX_CATALOG_SIZE: u64 = 8 * 1024 * 1024;

/// A parsed catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    /// The registry's id, the prefix of its references.
    pub registry_id: String,
    /// Policy entries.
    #[serde(default)]
    pub policies: Vec<Entry>,
    /// Framework entries.
    #[serde(default)]
    pub frameworks: Vec<Entry>,
    /// Provider entries.
    #[serde(default)]
    pub providers: Vec<Entry>,
}

/// One entry of a catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// The name, namespace included (`faramesh/stripe`).
    pub name: String,
    /// The version the publisher calls latest.
    #[serde(default)]
    pub latest_version: Option<String>,
    /// A one-line description.
    #[serde(default)]
    pub description: String,
    /// The publisher's trust tier (informational only: trust comes from keys).
    #[serde(default)]
    pub trust_tier: Option<String>,
    /// The category.
    #[serde(default)]
    pub category: Option<String>,
    /// Version → artifact path relative to `catalog/`.
    pub versions: BTreeMap<String, String>,
}

impl Catalog {
    /// Parses catalog JSON; the message says where it is malformed.
    pub fn parse(bytes: &[u8]) -> Result<Catalog, String> {
        serde_json::from_slice(bytes).map_err(|error| error.to_string())
    }

    /// The entries of one kind.
    pub fn entries(&self, kind: Kind) -> &[Entry] {
        match kind {
            Kind::Frameworks => &self.frameworks,
            Kind::Policies => &self.policies,
            Kind::Providers => &self.providers,
        }
    }

    /// The entry a package names.
    pub fn find(&self, package: &Package) -> Option<&Entry> {
        self.entries(package.kind)
            .iter()
            .find(|entry| entry.name == package.name)
    }

    /// Every entry with its kind, in catalog order.
    pub fn all(&self) -> impl Iterator<Item = (Kind, &Entry)> {
        Kind::ALL
            .into_iter()
            .flat_map(|kind| self.entries(kind).iter().map(move |entry| (kind, entry)))
    }
}

impl Entry {
    /// The latest version: `latest_version` when the catalog lists it, else the highest.
    pub fn latest(&self) -> Option<&str> {
        self.latest_version
            .as_deref()
            .filter(|latest| self.versions.contains_key(*latest))
            .or_else(|| {
                self.versions
                    .keys()
                    .max_by(|a, b| compare_versions(a, b))
                    .map(String::as_str)
            })
    }

    /// The versions, oldest first.
    pub fn sorted_versions(&self) -> Vec<&str> {
        let mut versions: Vec<&str> = self.versions.keys().map(String::as_str).collect();
        versions.sort_by(|a, b| compare_versions(a, b));
        versions
    }

    /// Whether `text` occurs (ignoring case) in the name, description or category.
    pub fn matches(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        [
            self.name.as_str(),
            self.description.as_str(),
            self.category.as_deref().unwrap_or(""),
        ]
        .iter()
        .any(|field| field.to_lowercase().contains(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_public_layout() {
        let catalog = Catalog::parse(
            br#"{"registry_id": "github.com/faramesh/faramesh-registry",
                 "policies": [{"name": "faramesh/stripe", "latest_version": "1.1.0",
                   "description": "Stripe payments", "trust_tier": "official", "category": "payments",
                   "versions": {"1.0.0": "artifacts/policies/faramesh/stripe/1.0.0/policy.fpl",
                                "1.1.0": "artifacts/policies/faramesh/stripe/1.1.0/policy.fpl"}}],
                 "frameworks": [], "providers": [], "packs": [], "extra": 1}"#,
        )
        .expect("valid");
        let entry = &catalog.policies[0];
        assert_eq!(entry.latest(), Some("1.1.0"));
        assert!(entry.matches("STRIPE"));
        assert_eq!(catalog.all().count(), 1);
    }

    #[test]
    fn malformed_catalogs_say_where() {
        let error =
            Catalog::parse(b"{\"registry_id\": \"x\",\n \"policies\": [1]}").expect_err("bad");
        assert!(error.contains("line 2"), "{error}");
        assert!(Catalog::parse(b"[]").is_err());
    }
}
