//! `[policy] files` of `faramesh.toml` (SPEC §9.1), with every mistake a diagnostic at its place
//! in the manifest.

use std::path::PathBuf;

use fpl_syntax::{TextRange, TextSize};

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::source::FileId;

/// The manifest's file name.
pub const MANIFEST: &str = "faramesh.toml";

/// The largest manifest read, in bytes (the registry client's limit too).
pub(super) const MAX_MANIFEST_SIZE: usize = 1024 * 1024;

/// The files `[policy] files` lists, each with where it is written, relative to the manifest's
/// directory; `None` when the manifest does not say (the directory's default applies).
pub(super) type Listed = Option<Vec<(PathBuf, TextRange)>>;

/// Reads `[policy] files` of the manifest `text`, which is the file `file` of the diagnostics.
/// Every mistake is a diagnostic; a manifest that cannot be read lists no file (the loader does
/// not guess), a list with a bad entry still lists its good ones.
pub(super) fn policy_files(text: &str, file: FileId) -> (Listed, Vec<Diagnostic>) {
    let at = |range: Option<std::ops::Range<usize>>, message: String| {
        let range = text_range(range);
        Diagnostic::new(Code::E0409, Span { file, range }, message)
    };
    let nothing = |problem| (Some(Vec::new()), vec![problem]);
    let document = match toml_edit::Document::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let message = format!("`{MANIFEST}` is not valid TOML: {}", error.message().trim());
            return nothing(at(error.span(), message));
        }
    };
    let Some(policy) = document.get("policy") else {
        return (None, Vec::new());
    };
    if !policy.is_table_like() {
        return nothing(at(policy.span(), "`policy` must be a table".into()));
    }
    let Some(files) = policy.get("files") else {
        return (None, Vec::new());
    };
    let not_a_list = || "`policy.files` must be a list of strings".to_string();
    let Some(array) = files.as_array() else {
        return nothing(at(files.span(), not_a_list()));
    };
    let mut listed = Vec::new();
    let mut problems = Vec::new();
    for item in array.iter() {
        let range = item.span();
        match item.as_str() {
            None => problems.push(at(range, not_a_list())),
            Some(entry) => match inside(entry) {
                Some(path) => listed.push((path, text_range(range))),
                None => problems.push(at(
                    range,
                    format!(
                        "`{entry}` is not a path inside the project; list files below the \
                         directory of `{MANIFEST}`"
                    ),
                )),
            },
        }
    }
    (Some(listed), problems)
}

/// `entry` as a relative path that stays below the manifest's directory: no absolute path, no
/// `..`; `.` and empty components are dropped.
fn inside(entry: &str) -> Option<PathBuf> {
    if entry.starts_with('/') || entry.starts_with('\\') {
        return None;
    }
    let mut path = PathBuf::new();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => path.push(part),
        }
    }
    (!path.as_os_str().is_empty()).then_some(path)
}

/// A byte range of the manifest (at most [`MAX_MANIFEST_SIZE`] bytes); the start when unknown.
fn text_range(range: Option<std::ops::Range<usize>>) -> TextRange {
    let offset = |at: usize| TextSize::from(u32::try_from(at).unwrap_or(u32::MAX));
    range.map_or_else(TextRange::default, |range| {
        TextRange::new(offset(range.start), offset(range.end))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The listed files with their ranges, and each problem's text and message.
    fn listed(text: &str) -> (Option<Vec<String>>, Vec<(String, String)>) {
        let (listed, problems) = policy_files(text, FileId(0));
        let listed = listed.map(|files| {
            files
                .into_iter()
                .map(|(path, range)| format!("{} {:?}", path.display(), range))
                .collect()
        });
        let problems = problems
            .into_iter()
            .map(|diagnostic| {
                let range = std::ops::Range::<usize>::from(diagnostic.span.range);
                (text[range].to_string(), diagnostic.message)
            })
            .collect();
        (listed, problems)
    }

    #[test]
    fn listed_files_are_relative_paths_with_their_places() {
        let files = ["a.fpl 18..25".to_string(), "sub/b.fms 27..41".to_string()];
        assert_eq!(
            listed("[policy]\nfiles = [\"a.fpl\", \"./sub//b.fms\"]\n"),
            (Some(files.to_vec()), vec![])
        );
        assert_eq!(
            listed("[registries.default]\nurl = \"x\"\n"),
            (None, vec![])
        );
        assert_eq!(listed("[policy]\nname = \"p\"\n"), (None, vec![]));
    }

    #[test]
    fn every_mistake_is_reported_where_it_is_written() {
        let (files, problems) =
            listed("[policy]\nfiles = [\"../x.fpl\", 3, \"a.fpl\", \"/etc/passwd\"]\n");
        assert_eq!(
            files,
            Some(vec!["a.fpl 33..40".to_string()]),
            "good entries stay"
        );
        let places: Vec<&str> = problems.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(places, ["\"../x.fpl\"", "3", "\"/etc/passwd\""]);
        assert!(problems[0].1.contains("not a path inside the project"));
        assert_eq!(problems[1].1, "`policy.files` must be a list of strings");
        let (files, problems) = listed("[policy]\nfiles = \"a.fpl\"\n");
        assert_eq!((files, problems[0].0.as_str()), (Some(vec![]), "\"a.fpl\""));
        let (files, problems) = listed("policy = 1\n");
        assert_eq!(files, Some(vec![]));
        assert_eq!(problems, [("1".into(), "`policy` must be a table".into())]);
    }

    #[test]
    fn invalid_toml_lists_nothing_and_is_reported_at_the_error() {
        let (files, problems) = listed("[policy]\nfiles = [\"a.fpl\"\n");
        assert_eq!(files, Some(vec![]));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .1
                .starts_with("`faramesh.toml` is not valid TOML: "),
            "{problems:?}"
        );
    }
}
