//! The content-addressed cache under `$XDG_CACHE_HOME/faramesh/` (else `$HOME/.cache/faramesh/`):
//! `artifacts/<sha256>/<file name>` with its `.sig` beside it, re-hashed on every read, and the
//! last catalog read from each registry, for offline listing and the language server.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::files::{read_limited, sha256_hex, write_atomic};
use crate::trust::signature_path;

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What the cache holds for a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// The bytes, whose SHA-256 is the digest asked for.
    Hit(Vec<u8>),
    /// Nothing.
    Miss,
    /// A file whose bytes hash to something else (`actual`): never used.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Its digest.
        actual: String,
    },
}

impl Cache {
    /// The cache of this user: `$XDG_CACHE_HOME/faramesh`, else `$HOME/.cache/faramesh`.
    pub fn from_env() -> Result<Cache, Error> {
        let from = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
        };
        match from("XDG_CACHE_HOME").or_else(|| from("HOME").map(|home| home.join(".cache"))) {
            Some(base) => Ok(Cache::at(base.join("faramesh"))),
            None => Err(Error::Io {
                path: PathBuf::from("$XDG_CACHE_HOME"),
                cause: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "neither XDG_CACHE_HOME nor HOME is an absolute path",
                ),
            }),
        }
    }

    /// A cache rooted at `root`.
    pub fn at(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the artifact with this digest and file name is kept.
    pub fn artifact_path(&self, sha256: &str, file_name: &str) -> PathBuf {
        self.root.join("artifacts").join(sha256).join(file_name)
    }

    /// Reads an artifact and checks its digest; `limit` caps what is read.
    pub fn artifact(&self, sha256: &str, file_name: &str, limit: u64) -> Result<Cached, Error> {
        let path = self.artifact_path(sha256, file_name);
        let bytes = match read_limited(&path, limit) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Ok(Cached::Corrupt {
                    path,
                    actual: format!("(more than {limit} bytes)"),
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Cached::Miss),
            Err(cause) => return Err(Error::Io { path, cause }),
        };
        let actual = sha256_hex(&bytes);
        Ok(if actual == sha256 {
            Cached::Hit(bytes)
        } else {
            Cached::Corrupt { path, actual }
        })
    }

    /// The `.sig` kept beside an artifact, if any.
    pub fn signature(&self, sha256: &str, file_name: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = signature_path(&self.artifact_path(sha256, file_name));
        match read_limited(&path, crate::trust::MAX_SIGNATURE_SIZE) {
            Ok(bytes) => Ok(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(cause) => Err(Error::Io { path, cause }),
        }
    }

    /// Stores an artifact (its digest is computed here) and its signature; returns its path.
    pub fn store(
        &self,
        file_name: &str,
        bytes: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<PathBuf, Error> {
        let path = self.artifact_path(&sha256_hex(bytes), file_name);
        if let Some(signature) = signature {
            write_atomic(&signature_path(&path), signature)?;
        }
        write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// Where the last catalog read from `source` is kept.
    pub fn catalog_path(&self, source: &str) -> PathBuf {
        self.root
            .join("catalogs")
            .join(format!("{}.json", sha256_hex(source.as_bytes())))
    }

    /// Keeps the catalog last read from `source`.
    pub fn store_catalog(&self, source: &str, bytes: &[u8]) -> Result<(), Error> {
        write_atomic(&self.catalog_path(source), bytes)
    }

    /// The catalog last read from `source`, if any.
    pub fn catalog(&self, source: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.catalog_path(source);
        match read_limited(&path, crate::catalog::MAX_CATALOG_SIZE) {
            Ok(bytes) => Ok(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(cause) => Err(Error::Io { path, cause }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_rehashed_on_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::at(dir.path());
        let path = cache
            .store("policy.fpl", b"agent a {}", Some(b"{}"))
            .expect("stored");
        let sha = sha256_hex(b"agent a {}");
        assert_eq!(
            cache.artifact(&sha, "policy.fpl", 100).expect("reads"),
            Cached::Hit(b"agent a {}".to_vec())
        );
        assert_eq!(
            cache.signature(&sha, "policy.fpl").expect("reads"),
            Some(b"{}".to_vec())
        );
        std::fs::write(&path, b"agent evil {}").expect("tamper");
        assert!(matches!(
            cache.artifact(&sha, "policy.fpl", 100).expect("reads"),
            Cached::Corrupt { .. }
        ));
        assert_eq!(
            cache
                .artifact(&"0".repeat(64), "policy.fpl", 100)
                .expect("reads"),
            Cached::Miss
        );
    }
}
