//! The Python files that `faramesh extract python PATHS…` reads: a file as given, a directory's
//! `*.py` files below it (through the project loader's one directory search), leaving out what
//! the loader leaves out (hidden directories such as `.venv` and `.git`, `target`,
//! `node_modules`), `__pycache__` and virtual environments (directories holding `pyvenv.cfg`).
//! Files come sorted by path within each directory, each read at most once, each up to
//! [`fpl_syntax::MAX_FILE_SIZE`] bytes.

use std::path::{Path, PathBuf};

use fpl_analyzer::SourceFile;
use fpl_analyzer::project::{
    Contents, Disk, EntryKind, FileSource, ProjectError, files_below_where, skipped_path,
};

/// The Python sources `paths` name, read.
pub fn python_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>, ProjectError> {
    let disk = Disk::new(PathBuf::new());
    let mut found: Vec<PathBuf> = Vec::new();
    for path in paths {
        match disk.kind(path)? {
            Some(EntryKind::File) => found.push(path.clone()),
            Some(EntryKind::Dir) => {
                let skip = |dir: &Path| skipped_dir(&disk, dir);
                let mut below = files_below_where(&disk, path, &skip, &is_python_file)?;
                below.sort();
                found.extend(below);
            }
            kind => {
                let cause = match kind {
                    // The system's own words ("No such file or directory"), not the bare
                    // "entity not found" of an error made from its kind.
                    None => std::fs::metadata(path)
                        .err()
                        .unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)),
                    Some(_) => std::io::Error::other("not a file or a directory"),
                };
                return Err(ProjectError::Io {
                    path: path.clone(),
                    cause,
                });
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|path| seen.insert(path.clone()));
    found
        .iter()
        .map(|path| {
            let display = disk.display(path);
            Ok(match disk.read(path, fpl_syntax::MAX_FILE_SIZE)? {
                Contents::Bytes(bytes) => SourceFile::from_bytes(display, &bytes),
                Contents::TooLarge => SourceFile::too_large(display),
            })
        })
        .collect()
}

/// Whether `path` names a Python source (`*.py`).
pub fn is_python_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "py")
}

fn skipped_dir(disk: &Disk, dir: &Path) -> bool {
    skipped_path(dir)
        || dir.file_name().is_some_and(|name| name == "__pycache__")
        || matches!(
            disk.kind(&dir.join("pyvenv.cfg")),
            Ok(Some(EntryKind::File))
        )
}
