//! FPL rules from annotations in application code: `faramesh extract python PATHS…` reads
//! Python sources with tree-sitter-python (`python`), turns each Faramesh decorator on a
//! function into the rules of one tool (`annotation`) and writes them as one formatted
//! policy that the analyzer has checked (`emit`). Every mistake is reported at its Python
//! file, line and column; a policy is written only when there is none. `docs/annotations.md`
//! documents the mapping.
//!
//! ```
//! use fpl_analyzer::SourceFile;
//!
//! let source = "import faramesh\n\n@faramesh.tool(name=\"stripe/refund\", defer_above=500)\ndef refund(amount): ...\n";
//! let policy = fpl_extract::extract_python(&[SourceFile::new("app.py", source)], &Default::default())?;
//! assert!(policy.contains("when amount > 500\n"));
//! assert!(policy.contains("  permit stripe/refund\n"));
//! # Ok::<(), fpl_extract::ExtractError>(())
//! ```

mod annotation;
mod emit;
mod files;
mod python;

use fpl_analyzer::{LineCol, LineIndex, SourceFile};

pub use self::annotation::DEFAULT_FIELD;
pub use self::files::{is_python_file, python_files};

/// The agent of the rules of decorators that name none, when `--agent` is not given.
pub const DEFAULT_AGENT: &str = "default";

/// How to extract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The agent every rule goes to (`--agent`), instead of `agent_id=` or [`DEFAULT_AGENT`].
    pub agent: Option<String>,
}

/// A mistake in a Python source, at its line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct Problem {
    /// The file's path.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

/// Why no policy was extracted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The sources have mistakes (in file order, then position order).
    #[error("{} problem(s) in the Python sources", .0.len())]
    Problems(Vec<Problem>),
    /// No source has a Faramesh decorator.
    #[error(
        "no `@faramesh.tool` or `@governed_tool` decorator in {files} Python file(s) (decorators count only where the file imports them from `faramesh`)"
    )]
    NothingFound {
        /// How many files were read.
        files: usize,
    },
}

/// The policy the Faramesh decorators of `files` stand for, formatted.
pub fn extract_python(files: &[SourceFile], options: &Options) -> Result<String, ExtractError> {
    let mut problems: Vec<(usize, u32, String)> = Vec::new();
    let mut tools = Vec::new();
    for (index, file) in files.iter().enumerate() {
        if file.too_large {
            let limit = fpl_syntax::MAX_FILE_SIZE / (1024 * 1024);
            problems.push((index, 0, format!("file larger than {limit} MiB (not read)")));
            continue;
        }
        if let Some(at) = file.invalid_utf8_at {
            problems.push((index, at as u32, "not valid UTF-8".to_string()));
            continue;
        }
        let (decorators, mistakes) = python::decorators(&file.text);
        problems.extend(mistakes.into_iter().map(|m| (index, m.at, m.message)));
        for decorator in &decorators {
            let (policy, mistakes) = annotation::read(decorator);
            problems.extend(mistakes.into_iter().map(|m| (index, m.at, m.message)));
            tools.push((index, policy));
        }
    }
    let lines: Vec<LineIndex> = files
        .iter()
        .map(|file| LineIndex::new(&file.text))
        .collect();
    let position = |file: usize, offset: u32| LineCol::of(&lines[file], offset.into());
    if problems.is_empty() && tools.is_empty() {
        return Err(ExtractError::NothingFound { files: files.len() });
    }
    // The valid decorators are checked by the analyzer even when others have mistakes, so
    // one run reports every mistake.
    if !tools.is_empty() {
        let located: Vec<emit::Located<'_>> = tools
            .iter()
            .map(|(file, policy)| emit::Located {
                file: *file,
                origin: format!("{}:{}", files[*file].path, position(*file, policy.at).line),
                agent: options
                    .agent
                    .as_deref()
                    .or(policy.agent.as_deref())
                    .unwrap_or(DEFAULT_AGENT),
                policy,
            })
            .collect();
        match emit::policy(&located) {
            Ok(policy) if problems.is_empty() => return Ok(policy),
            Ok(_) => {}
            Err(errors) => problems.extend(
                errors
                    .into_iter()
                    .map(|error| (error.at.file, error.at.offset, error.message)),
            ),
        }
    }
    problems.sort_by_key(|(file, offset, _)| (*file, *offset));
    // A `when` shared by a tool's rules gives its mistake once.
    problems.dedup();
    Err(ExtractError::Problems(
        problems
            .into_iter()
            .map(|(file, offset, message)| {
                let at = position(file, offset);
                Problem {
                    path: files[file].path.clone(),
                    line: at.line,
                    column: at.column,
                    message,
                }
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests;
