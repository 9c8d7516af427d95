//! Files of the workspace: reading files of untrusted size (never more than one byte past a
//! limit) and replacing files atomically. The one bounded reader and the one atomic writer of
//! the workspace (project loader, registry client, bundles, the CLI's outputs, the decision
//! service and the decision log's repair).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read as _, Write as _};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Reads the file at `path` if it holds at most `limit` bytes; `Ok(None)` when it holds more.
/// A regular file's length says it is too large without reading it, and a device or a pipe
/// (length 0, perhaps endless like `/dev/zero`) is read up to one byte past the limit.
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = File::open(path)?;
    if file.metadata()?.len() > limit {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Replaces (or creates) `path` with `bytes` atomically; see [`write_atomic_with`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Replaces (or creates) `path` with what `fill` writes, so that a reader sees the old file or
/// the new one, never a part, and a crash or an error leaves the old file as it was: `fill`
/// writes a new file beside it, which is flushed to disk and renamed over it, and the directory
/// is flushed too. Missing parent directories are created. A symbolic link is kept and its
/// target replaced; a replaced file keeps its permissions (the new file has them before `fill`
/// writes a byte), and a new one gets those of `File::create` (0o666 less the umask).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(error) if error.kind() == ErrorKind::NotFound => path.to_path_buf(),
        Err(error) => return Err(error),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(error) if error.kind() == ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    let mode = existing.as_ref().map_or(0o666, |kept| kept.mode() & 0o777);
    let staged = Staged::create(&target, mode, |file| {
        if let Some(kept) = existing {
            file.set_permissions(kept)?;
        }
        fill(file)
    })?;
    std::fs::rename(&staged.path, &target)?;
    staged.committed(&target)
}

/// Creates `path` with `bytes` and the permission bits `mode` (set before any byte is written,
/// so a secret is never readable by others), atomically as [`write_atomic_with`]; refuses with
/// [`ErrorKind::AlreadyExists`] when a file is there, also one that appeared meanwhile.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let staged = Staged::create(path, mode, |file| {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)
    })?;
    // A hard link never replaces a file: it fails with `AlreadyExists` when one is there.
    std::fs::hard_link(&staged.path, path)?;
    std::fs::remove_file(&staged.path)?;
    staged.committed(path)
}

/// A new file beside the one it will become, removed when dropped before it is committed.
struct Staged {
    path: PathBuf,
    file: File,
    committed: bool,
}

impl Staged {
    /// Creates a fresh file with at most the permission bits `mode` in `target`'s directory
    /// (creating the directory when missing), lets `fill` write it, and flushes it to disk.
    fn create(
        target: &Path,
        mode: u32,
        fill: impl FnOnce(&mut File) -> std::io::Result<()>,
    ) -> std::io::Result<Staged> {
        /// Tells apart the files one process stages.
        static STAGED: AtomicU64 = AtomicU64::new(0);
        let dir = directory_of(target);
        std::fs::create_dir_all(dir)?;
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let mut tries = 0;
        let mut staged = loop {
            let path = dir.join(format!(
                ".{name}.{}.{}.tmp",
                std::process::id(),
                STAGED.fetch_add(1, Ordering::Relaxed)
            ));
            let opened = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&path);
            match opened {
                Ok(file) => {
                    break Staged {
                        path,
                        file,
                        committed: false,
                    };
                }
                // Left behind by a process of the same pid that was killed mid-write.
                Err(error) if error.kind() == ErrorKind::AlreadyExists && tries < 64 => {
                    tries += 1;
                }
                Err(error) => return Err(error),
            }
        };
        fill(&mut staged.file)?;
        staged.file.sync_all()?;
        Ok(staged)
    }

    /// The staged file now lives at `target`, under its name only: the directory is flushed,
    /// so the new name survives a crash.
    fn committed(mut self, target: &Path) -> std::io::Result<()> {
        self.committed = true;
        File::open(directory_of(target))?.sync_all()
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted: a write leaves nothing of its own beside the file.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("readable")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into()
            })
            .collect();
        names.sort();
        names
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn creates_the_file_and_its_missing_directories_with_file_create_permissions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys/deeper/policy.fmb");
        write_atomic(&path, b"bundle").expect("written");
        assert_eq!(std::fs::read(&path).expect("readable"), b"bundle");
        assert_eq!(names(&path.with_file_name("")), ["policy.fmb"]);
        let plain = dir.path().join("plain");
        File::create(&plain).expect("created");
        assert_eq!(mode(&path), mode(&plain));
    }

    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_link_its_target() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("governance.fms");
        std::fs::write(&target, "old").expect("written");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("set");
        let link = dir.path().join("link.fms");
        std::os::unix::fs::symlink(&target, &link).expect("linked");
        write_atomic(&link, b"new").expect("written");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("exists")
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).expect("readable"), "new");
        assert_eq!(mode(&target), 0o640);
        assert_eq!(names(dir.path()), ["governance.fms", "link.fms"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("decisions.log");
        std::fs::write(&path, "whole").expect("written");
        let failed = write_atomic_with(&path, |file| {
            file.write_all(b"par")?;
            Err(std::io::Error::other("the disk is full"))
        });
        assert_eq!(failed.expect_err("fails").to_string(), "the disk is full");
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), "whole");
        assert_eq!(names(dir.path()), ["decisions.log"]);
    }

    #[test]
    fn a_new_file_has_its_mode_and_never_replaces_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys/bundle.ed25519");
        write_new(&path, b"secret", 0o600).expect("written");
        assert_eq!(mode(&path), 0o600);
        let again = write_new(&path, b"other", 0o600).expect_err("refused");
        assert_eq!(again.kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).expect("readable"), b"secret");
        assert_eq!(names(&dir.path().join("keys")), ["bundle.ed25519"]);
    }
}
