//! `--trust KEY`: a public key line (`"<key_id>:<base64>"`, as in `[trust] keys`) or a file
//! holding such lines, one a line (`faramesh keygen` writes `KEY.pub`).

use std::path::{Path, PathBuf};

use fpl_runtime::bundle::{KeyError, TrustedKey};

/// The largest key file read.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Why a `--trust` value is not a trusted key.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A line that is not a key.
    #[error("--trust `{value}`: {cause}")]
    Key {
        /// The line.
        value: String,
        /// What is wrong.
        cause: KeyError,
    },
    /// A key file that could not be read.
    #[error("--trust `{path}`: cannot read it: {cause}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// A key file that is too large or holds no key.
    #[error("--trust `{path}`: {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// The keys of every `--trust` value: a file when one exists at that path, else a key line.
pub fn trusted_keys(values: &[String]) -> Result<Vec<TrustedKey>, TrustError> {
    let mut keys = Vec::new();
    for value in values {
        let path = Path::new(value);
        if path.is_file() {
            keys.extend(file_keys(path)?);
        } else {
            keys.push(parse_line(value).map_err(|source| TrustError::Key {
                value: value.clone(),
                cause: source,
            })?);
        }
    }
    Ok(keys)
}

/// One key line, with or without the double quotes of its TOML string.
fn parse_line(line: &str) -> Result<TrustedKey, KeyError> {
    let line = line.trim();
    let line = line
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(line);
    TrustedKey::parse_entry(line)
}

fn file_keys(path: &Path) -> Result<Vec<TrustedKey>, TrustError> {
    let file_error = |problem: String| TrustError::File {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = fpl_registry::files::read_limited(path, MAX_KEY_FILE)
        .map_err(|source| TrustError::Read {
            path: path.to_path_buf(),
            cause: source,
        })?
        .ok_or_else(|| file_error(format!("larger than {MAX_KEY_FILE} bytes")))?;
    let text = String::from_utf8(bytes).map_err(|_| file_error("not UTF-8 text".to_owned()))?;
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let key =
            parse_line(line).map_err(|error| file_error(format!("line {}: {error}", index + 1)))?;
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(file_error("holds no key line".to_owned()));
    }
    Ok(keys)
}
