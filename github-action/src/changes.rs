//! The lines a pull request changed: the hunks of the diff of the base tree to the head tree,
//! read with git2, so that annotations on changed lines come first.

use std::collections::HashMap;
use std::path::Path;

/// Why the changed lines could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the lines changed between the revisions: {}", .0.message())]
pub struct ChangesError(git2::Error);

/// By hand rather than `#[from]`: the message already shows git's message, so the git error is
/// not also the `source()`, which would print it twice.
impl From<git2::Error> for ChangesError {
    fn from(error: git2::Error) -> Self {
        ChangesError(error)
    }
}

/// For each file of the head revision (path relative to the repository), the 1-based,
/// inclusive ranges of lines added or changed since the base.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedLines(HashMap<String, Vec<(u32, u32)>>);

impl ChangedLines {
    /// The changed lines between two revisions of the repository around `dir`.
    pub fn between(dir: &Path, base: &str, head: &str) -> Result<ChangedLines, ChangesError> {
        let repository = git2::Repository::discover(dir)?;
        let tree = |revision: &str| repository.revparse_single(revision)?.peel_to_tree();
        let (old, new) = (tree(base)?, tree(head)?);
        let mut options = git2::DiffOptions::new();
        options.context_lines(0);
        let diff = repository.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut options))?;
        let mut changed: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        diff.foreach(
            &mut |_, _| true,
            None,
            Some(&mut |delta, hunk| {
                if let Some(path) = delta.new_file().path() {
                    let first = hunk.new_start().max(1);
                    let last = first + hunk.new_lines().max(1) - 1;
                    changed
                        .entry(path.to_string_lossy().into_owned())
                        .or_default()
                        .push((first, last));
                }
                true
            }),
            None,
        )?;
        Ok(ChangedLines(changed))
    }

    /// Whether any line from `first` to `last` of `path` changed.
    pub fn touches(&self, path: &str, first: u32, last: u32) -> bool {
        self.0
            .get(path)
            .is_some_and(|ranges| ranges.iter().any(|&(a, b)| a <= last && first <= b))
    }
}
