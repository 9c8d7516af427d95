//! `faramesh.toml` (SPEC §9.1): registries and trusted keys, read and edited with `toml_edit`
//! so that comments and order survive an edit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::error::Error;
use crate::files::{read_limited, write_atomic};
use crate::reference::PUBLIC_REGISTRY;
use crate::trust::TrustedKey;

/// The manifest's file name.
pub const MANIFEST: &str = "faramesh.toml";

/// The largest manifest accepted, in bytes.
pub const MAX_MANIFEST_SIZE: u64 = 1024 * 1024;

/// The default time limit of one registry request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A project's `faramesh.toml`, empty when the file does not exist.
#[derive(Debug, Clone)]
pub struct Manifest {
    path: PathBuf,
    document: DocumentMut,
}

/// One `[registries.<name>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// The table's name.
    pub name: String,
    /// The registry id its references start with (`default`: the public registry).
    pub id: String,
    /// An `https://` base URL, a `git+https://` or `git+file://` repository or a local directory.
    pub url: String,
    /// The time limit of one request (`timeout`, in seconds).
    pub timeout: Duration,
}

impl RegistryConfig {
    /// The URL as messages and `faramesh.lock` show it: without its credentials
    /// ([`fpl_runtime::url_secrets::redact_url`]).
    pub fn shown_url(&self) -> String {
        fpl_runtime::url_secrets::redact_url(&self.url)
    }
}

impl Manifest {
    /// Reads `<root>/faramesh.toml`; a missing file is an empty manifest.
    pub fn load(root: &Path) -> Result<Manifest, Error> {
        let path = root.join(MANIFEST);
        let text = match read_limited(&path, MAX_MANIFEST_SIZE) {
            Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|_| Error::InvalidProjectFile {
                path: path.clone(),
                message: "not UTF-8".to_string(),
            })?,
            Ok(None) => {
                return Err(Error::InvalidProjectFile {
                    path,
                    message: format!("larger than {MAX_MANIFEST_SIZE} bytes"),
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(cause) => return Err(Error::Io { path, cause }),
        };
        Manifest::parse(path, &text)
    }

    /// The manifest of `text`, read elsewhere (a git tree); `path` names it in errors.
    pub fn parse(path: PathBuf, text: &str) -> Result<Manifest, Error> {
        let document = text
            .parse::<DocumentMut>()
            .map_err(|error| Error::InvalidProjectFile {
                path: path.clone(),
                message: error.to_string(),
            })?;
        Ok(Manifest { path, document })
    }

    /// Every configured registry, in file order.
    pub fn registries(&self) -> Result<Vec<RegistryConfig>, Error> {
        let Some(item) = self.document.get("registries") else {
            return Ok(Vec::new());
        };
        let table = item
            .as_table_like()
            .ok_or_else(|| self.invalid("`registries` must be a table"))?;
        table
            .iter()
            .map(|(name, item)| self.registry(name, item))
            .collect()
    }

    /// The registry that serves references of registry id `id`.
    pub fn registry_for(&self, id: &str) -> Result<Option<RegistryConfig>, Error> {
        Ok(self.registries()?.into_iter().find(|r| r.id == id))
    }

    /// The registry named `name`.
    pub fn registry_named(&self, name: &str) -> Result<Option<RegistryConfig>, Error> {
        Ok(self.registries()?.into_iter().find(|r| r.name == name))
    }

    /// The keys of `[trust] keys`.
    pub fn trusted_keys(&self) -> Result<Vec<TrustedKey>, Error> {
        let Some(keys) = self
            .document
            .get("trust")
            .and_then(|trust| trust.get("keys"))
        else {
            return Ok(Vec::new());
        };
        let keys = keys
            .as_array()
            .ok_or_else(|| self.invalid("`trust.keys` must be a list of strings"))?;
        keys.iter()
            .map(|key| {
                let text = key
                    .as_str()
                    .ok_or_else(|| self.invalid("`trust.keys` must be a list of strings"))?;
                TrustedKey::parse_entry(text)
                    .map_err(|message| self.invalid(&format!("`trust.keys`: {message}")))
            })
            .collect()
    }

    /// `[bundle] signing_key`: the path of the private key that signs bundles (relative to the
    /// project directory), when set.
    pub fn signing_key(&self) -> Result<Option<PathBuf>, Error> {
        let Some(item) = self
            .document
            .get("bundle")
            .and_then(|bundle| bundle.get("signing_key"))
        else {
            return Ok(None);
        };
        let path = item
            .as_str()
            .ok_or_else(|| self.invalid("`bundle.signing_key` must be a string"))?;
        Ok(Some(PathBuf::from(path)))
    }

    /// Sets `[registries.<name>] url`, creating the table; every other line is kept as written.
    pub fn set_registry_url(&mut self, name: &str, url: &str) {
        self.set_registry_key(name, "url", url);
    }

    /// Sets `[registries.<name>] id`, creating the table.
    pub fn set_registry_id(&mut self, name: &str, id: &str) {
        self.set_registry_key(name, "id", id);
    }

    fn set_registry_key(&mut self, name: &str, key: &str, text: &str) {
        let registries = self.document.entry("registries").or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        });
        if let Some(registries) = registries.as_table_like_mut() {
            let registry = registries
                .entry(name)
                .or_insert_with(|| Item::Table(Table::new()));
            if let Some(registry) = registry.as_table_like_mut() {
                registry.insert(key, value(text));
            }
        }
    }

    /// Writes the manifest back atomically.
    pub fn save(&self) -> Result<(), Error> {
        write_atomic(&self.path, self.text().as_bytes())
    }

    /// The manifest as it would be written.
    pub fn text(&self) -> String {
        self.document.to_string()
    }

    fn registry(&self, name: &str, item: &Item) -> Result<RegistryConfig, Error> {
        let table = item
            .as_table_like()
            .ok_or_else(|| self.invalid(&format!("`registries.{name}` must be a table")))?;
        let text = |key: &str| -> Result<Option<String>, Error> {
            match table.get(key) {
                None => Ok(None),
                Some(item) => item.as_str().map(|s| Some(s.to_string())).ok_or_else(|| {
                    self.invalid(&format!("`registries.{name}.{key}` must be a string"))
                }),
            }
        };
        let url = text("url")?
            .ok_or_else(|| self.invalid(&format!("`registries.{name}` has no `url`")))?;
        let id = match (text("id")?, name) {
            (Some(id), _) => id,
            (None, "default") => PUBLIC_REGISTRY.to_string(),
            (None, _) => {
                return Err(self.invalid(&format!(
                    "`registries.{name}` needs `id`, the registry id its references start with"
                )));
            }
        };
        let timeout = match table.get("timeout") {
            None => DEFAULT_TIMEOUT,
            Some(item) => item
                .as_float()
                .or_else(|| item.as_integer().map(|i| i as f64))
                .filter(|seconds| *seconds > 0.0 && *seconds <= 3600.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    self.invalid(&format!(
                        "`registries.{name}.timeout` must be a number of seconds in (0, 3600]"
                    ))
                })?,
        };
        Ok(RegistryConfig {
            name: name.to_string(),
            id,
            url,
            timeout,
        })
    }

    fn invalid(&self, message: &str) -> Error {
        Error::InvalidProjectFile {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Manifest {
        Manifest {
            path: PathBuf::from("faramesh.toml"),
            document: text.parse().expect("toml"),
        }
    }

    #[test]
    fn reads_registries_and_defaults() {
        let manifest = manifest(
            "[registries.default]\nurl = \"https://r.example\"\n\n[registries.acme]\nid = \"git.acme.io/p\"\nurl = \"../reg\"\ntimeout = 0.5\n",
        );
        let registries = manifest.registries().expect("valid");
        assert_eq!(registries[0].id, PUBLIC_REGISTRY);
        assert_eq!(registries[0].timeout, DEFAULT_TIMEOUT);
        assert_eq!(registries[1].timeout, Duration::from_millis(500));
        assert_eq!(
            manifest
                .registry_for("git.acme.io/p")
                .expect("valid")
                .map(|r| r.name),
            Some("acme".to_string())
        );
    }

    #[test]
    fn editing_keeps_comments_and_order() {
        let mut manifest =
            manifest("# the project\n[policy]\nfiles = [\"a.fpl\"] # mine\n\n[trust]\nkeys = []\n");
        manifest.set_registry_url("default", "https://r.example");
        assert_eq!(
            manifest.text(),
            "# the project\n[policy]\nfiles = [\"a.fpl\"] # mine\n\n[trust]\nkeys = []\n\n[registries.default]\nurl = \"https://r.example\"\n"
        );
        manifest.set_registry_url("default", "../mirror");
        assert!(manifest.text().contains("url = \"../mirror\""));
    }

    #[test]
    fn malformed_entries_are_errors() {
        for text in [
            "registries = 1",
            "[registries.acme]\nurl = \"x\"",
            "[registries.default]\nurl = 1",
            "[registries.default]\nurl = \"x\"\ntimeout = -1",
        ] {
            assert!(manifest(text).registries().is_err(), "{text}");
        }
        assert!(
            manifest("[trust]\nkeys = [\"k:notbase64!\"]")
                .trusted_keys()
                .is_err()
        );
    }
}
