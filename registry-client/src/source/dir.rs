//! A registry in a local directory; symlinks that lead outside it are refused.

use std::path::{Path, PathBuf};

use super::ReadError;
use crate::files::read_limited;
use crate::registry_path::RegistryPath;

/// A registry directory.
#[derive(Debug)]
pub struct DirSource {
    root: PathBuf,
}

impl DirSource {
    /// The registry at `root`.
    pub fn new(root: &Path) -> DirSource {
        DirSource {
            root: root.to_path_buf(),
        }
    }

    /// Reads `path` if it exists and stays inside the registry once symlinks are resolved.
    pub fn read(&self, path: &RegistryPath, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
        let root = self.root.canonicalize().map_err(|error| {
            ReadError::Failed(format!(
                "registry directory `{}`: {error}",
                self.root.display()
            ))
        })?;
        let file = match root.join(path.as_str()).canonicalize() {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(ReadError::Failed(error.to_string())),
        };
        if !file.starts_with(&root) {
            return Err(ReadError::Escapes(format!(
                "a symlink leads outside the registry, to `{}`",
                file.display()
            )));
        }
        if !file.is_file() {
            return Err(ReadError::Failed(format!("`{path}` is not a file")));
        }
        read_limited(&file, limit)
            .map_err(|error| ReadError::Failed(error.to_string()))?
            .map(Some)
            .ok_or(ReadError::TooLarge(limit))
    }
}
