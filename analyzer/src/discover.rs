//! Finding a policy's files on disk: explicit files, directories, and `faramesh.toml` (§1, §9.1).

use std::path::{Path, PathBuf};

use crate::source::SourceFile;

/// Why the files of a policy could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `faramesh.toml` is malformed.
    #[error("invalid manifest `{path}`: {message}")]
    Manifest {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A directory holds no policy file.
    #[error("no policy files (`governance.fms`, `*.fpl`, `*.fms`) under `{0}`")]
    NoPolicyFiles(PathBuf),
}

/// Whether `path` names an FPL source file.
pub fn is_policy_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "fpl" || ext == "fms")
}

/// The policy files that `paths` name, in a stable order: files as given, directories through
/// their `faramesh.toml`, their `governance.fms`, or every `*.fpl`/`*.fms` below them.
pub fn policy_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        if !metadata.is_dir() {
            out.push(path.clone());
            continue;
        }
        let found = directory_policy(path)?;
        if found.is_empty() {
            return Err(LoadError::NoPolicyFiles(path.clone()));
        }
        out.extend(found);
    }
    Ok(out)
}

/// Reads the files, keeping the paths as given; invalid UTF-8 is reported later, not here.
/// A file is read up to one byte past [`fpl_syntax::MAX_FILE_SIZE`], so a larger one (or an
/// endless one such as `/dev/zero`) is refused by the parser with `E0006`.
pub fn load(paths: &[PathBuf]) -> Result<Vec<SourceFile>, LoadError> {
    paths
        .iter()
        .map(|path| {
            let bytes = read_capped(path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            Ok(SourceFile::from_bytes(display_path(path), &bytes))
        })
        .collect()
}

/// Reads at most [`fpl_syntax::MAX_FILE_SIZE`] + 1 bytes of a file: enough to tell that it is
/// too large without reading all of it.
pub fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(fpl_syntax::MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

fn directory_policy(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let manifest = dir.join("faramesh.toml");
    if manifest.is_file()
        && let Some(files) = manifest_files(&manifest)?
    {
        return Ok(files.into_iter().map(|file| dir.join(file)).collect());
    }
    let governance = dir.join("governance.fms");
    if governance.is_file() {
        return Ok(vec![governance]);
    }
    let mut found = Vec::new();
    walk(dir, &mut found)?;
    found.sort();
    Ok(found)
}

/// `[policy] files = [...]` of a manifest, if present.
fn manifest_files(manifest: &Path) -> Result<Option<Vec<String>>, LoadError> {
    let text = std::fs::read_to_string(manifest).map_err(|source| LoadError::Io {
        path: manifest.to_path_buf(),
        source,
    })?;
    let document: toml_edit::DocumentMut =
        text.parse()
            .map_err(|error: toml_edit::TomlError| LoadError::Manifest {
                path: manifest.to_path_buf(),
                message: error.to_string(),
            })?;
    let Some(files) = document
        .get("policy")
        .and_then(|policy| policy.get("files"))
    else {
        return Ok(None);
    };
    let invalid = || LoadError::Manifest {
        path: manifest.to_path_buf(),
        message: "`policy.files` must be a list of strings".to_string(),
    };
    let array = files.as_array().ok_or_else(invalid)?;
    array
        .iter()
        .map(|item| item.as_str().map(str::to_string).ok_or_else(invalid))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let file_type = entry.file_type().map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() && !hidden && entry.file_name() != "target" {
            walk(&path, out)?;
        } else if file_type.is_file() && is_policy_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}
