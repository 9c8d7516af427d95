//! Where a project's files are read from, behind one small trait: a directory on disk
//! ([`Disk`]) or a git tree ([`super::GitTree`]), so the loader reads both the same way.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::ProjectError;

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else: a symbolic link met while listing a directory, a submodule, a device.
    Other,
}

/// A file's bytes, or the fact that it holds more than the limit (then it was not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// The whole file.
    Bytes(Vec<u8>),
    /// The file holds more bytes than the limit.
    TooLarge,
}

/// A tree of files. Paths are relative to the source's root; the empty path is the root.
pub trait FileSource {
    /// What `path` names (on disk, following symbolic links); `None` when nothing is there.
    fn kind(&self, path: &Path) -> Result<Option<EntryKind>, ProjectError>;

    /// The names and kinds of the entries of directory `dir` (symbolic links not followed).
    fn entries(&self, dir: &Path) -> Result<Vec<(OsString, EntryKind)>, ProjectError>;

    /// Reads the file `path` if it holds at most `limit` bytes, reading no more than
    /// `limit + 1` bytes otherwise.
    fn read(&self, path: &Path, limit: usize) -> Result<Contents, ProjectError>;

    /// The path as diagnostics show it.
    fn display(&self, path: &Path) -> String;

    /// Where the file is on disk, for commands that write it back or open it; `None` for a
    /// git tree.
    fn disk_path(&self, path: &Path) -> Option<PathBuf>;
}

/// A directory on disk.
#[derive(Debug, Clone)]
pub struct Disk {
    root: PathBuf,
}

impl Disk {
    /// The files under `root`; with an empty `root`, paths are used as given.
    pub fn new(root: impl Into<PathBuf>) -> Disk {
        Disk { root: root.into() }
    }

    fn full(&self, path: &Path) -> PathBuf {
        if path.as_os_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(path)
        }
    }

    fn io(&self, path: &Path) -> impl Fn(std::io::Error) -> ProjectError {
        let path = self.full(path);
        move |cause| ProjectError::Io {
            path: path.clone(),
            cause,
        }
    }
}

impl FileSource for Disk {
    fn kind(&self, path: &Path) -> Result<Option<EntryKind>, ProjectError> {
        match std::fs::metadata(self.full(path)) {
            Ok(metadata) if metadata.is_file() => Ok(Some(EntryKind::File)),
            Ok(metadata) if metadata.is_dir() => Ok(Some(EntryKind::Dir)),
            Ok(_) => Ok(Some(EntryKind::Other)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.io(path)(error)),
        }
    }

    fn entries(&self, dir: &Path) -> Result<Vec<(OsString, EntryKind)>, ProjectError> {
        let io = self.io(dir);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.full(dir)).map_err(&io)? {
            let entry = entry.map_err(&io)?;
            let file_type = entry.file_type().map_err(&io)?;
            let kind = if file_type.is_dir() {
                EntryKind::Dir
            } else if file_type.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            out.push((entry.file_name(), kind));
        }
        Ok(out)
    }

    fn read(&self, path: &Path, limit: usize) -> Result<Contents, ProjectError> {
        read_capped(&self.full(path), limit).map_err(self.io(path))
    }

    fn display(&self, path: &Path) -> String {
        let full = self.full(path);
        let text = full.to_string_lossy();
        text.strip_prefix("./").unwrap_or(&text).to_string()
    }

    fn disk_path(&self, path: &Path) -> Option<PathBuf> {
        Some(self.full(path))
    }
}

/// Reads the file at `path` if it holds at most `limit` bytes, reading no more than `limit + 1`
/// bytes: the length of a regular file says it is too large without reading it, and a device
/// or a pipe (length 0, perhaps endless like `/dev/zero`) is read up to one byte past the limit.
pub fn read_capped(path: &Path, limit: usize) -> std::io::Result<Contents> {
    Ok(
        match fpl_runtime::files::read_limited(path, limit as u64)? {
            Some(bytes) => Contents::Bytes(bytes),
            None => Contents::TooLarge,
        },
    )
}
