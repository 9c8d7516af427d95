//! A workspace folder as the editor sees it: the files on disk, except that a file open in the
//! editor reads as its unsaved text. Loading a policy through it makes the imports typed but not
//! yet saved the ones resolved, as rust-analyzer reads open files from its VFS.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fpl_analyzer::project::{Contents, Disk, EntryKind, FileSource, ProjectError};

/// A folder on disk with the open documents' texts, by their canonical paths, over it.
pub(crate) struct Overlay<'a> {
    disk: Disk,
    open: &'a HashMap<PathBuf, Arc<str>>,
}

impl<'a> Overlay<'a> {
    /// `folder` with `open` (canonical path → the editor's text) over it.
    pub(crate) fn new(folder: &Path, open: &'a HashMap<PathBuf, Arc<str>>) -> Self {
        Overlay {
            disk: Disk::new(folder),
            open,
        }
    }

    /// The editor's text of `path`, when the file is open.
    fn open_text(&self, path: &Path) -> Option<&Arc<str>> {
        if self.open.is_empty() {
            return None;
        }
        let canonical = self.disk.disk_path(path)?.canonicalize().ok()?;
        self.open.get(&canonical)
    }
}

impl FileSource for Overlay<'_> {
    fn kind(&self, path: &Path) -> Result<Option<EntryKind>, ProjectError> {
        self.disk.kind(path)
    }

    fn entries(&self, dir: &Path) -> Result<Vec<(OsString, EntryKind)>, ProjectError> {
        self.disk.entries(dir)
    }

    fn read(&self, path: &Path, limit: usize) -> Result<Contents, ProjectError> {
        match self.open_text(path) {
            Some(text) if text.len() > limit => Ok(Contents::TooLarge),
            Some(text) => Ok(Contents::Bytes(text.as_bytes().to_vec())),
            None => self.disk.read(path, limit),
        }
    }

    fn display(&self, path: &Path) -> String {
        self.disk.display(path)
    }

    fn disk_path(&self, path: &Path) -> Option<PathBuf> {
        self.disk.disk_path(path)
    }
}

/// The lines of `text` that can hold part of an import: FPL `import` statements, and the
/// `imports`/`ref` of the YAML/JSON form. An edit that leaves them as they were cannot change
/// what the policy imports, so only other edits read the imports again.
pub(crate) fn import_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| line.contains("import") || line.contains("ref"))
        .map(str::trim)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_file_reads_as_the_editor_s_text_and_others_from_disk() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("open.fpl"), "on disk").expect("file");
        std::fs::write(dir.path().join("closed.fpl"), "closed").expect("file");
        let canonical = dir
            .path()
            .join("open.fpl")
            .canonicalize()
            .expect("canonical");
        let open = HashMap::from([(canonical, Arc::<str>::from("in the editor"))]);
        let overlay = Overlay::new(dir.path(), &open);
        let read = |name: &str, limit: usize| overlay.read(Path::new(name), limit).expect("read");
        assert_eq!(
            read("open.fpl", 100),
            Contents::Bytes(b"in the editor".to_vec())
        );
        assert_eq!(read("open.fpl", 5), Contents::TooLarge);
        assert_eq!(read("closed.fpl", 100), Contents::Bytes(b"closed".to_vec()));
    }

    #[test]
    fn only_edits_of_import_lines_change_the_import_lines() {
        let before = "import \"r/policies/a@1.0.0\"\nagent x {\n  default deny\n}\n";
        let body_edit = before.replace("deny", "permit");
        assert_eq!(import_lines(before), import_lines(&body_edit));
        let import_edit = before.replace("1.0.0", "1.1.0");
        assert_ne!(import_lines(before), import_lines(&import_edit));
        let yaml = "imports:\n  - ref: r/policies/a@1.0.0\n";
        assert_ne!(
            import_lines(yaml),
            import_lines(&yaml.replace("1.0.0", "2.0.0"))
        );
    }
}
