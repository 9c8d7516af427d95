//! The one seam through which imported artifacts join a project (SPEC §9.2). The caller reads
//! them (the CLI from `faramesh.lock` and the cache, with `fpl-registry`) and hands them over as
//! data; the analyzer reads no lockfile and never the network.

use std::collections::HashMap;

use fpl_syntax::TextRange;

use super::{Project, ProjectFile};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::source::{FileId, SourceFile};

/// What a project imports: the artifacts that could be read, and the imports that could not.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The artifacts, each once.
    pub files: Vec<ImportedFile>,
    /// Imports that could not be read, each at its `import` statement.
    pub problems: Vec<ImportProblem>,
}

/// One imported artifact.
#[derive(Debug, Clone)]
pub struct ImportedFile {
    /// The reference it is imported by (`registry/kind/name@version`).
    pub reference: String,
    /// Where it was read, as diagnostics show it.
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The file of the `import` statement that first imports it.
    pub site: ImportSite,
    /// The reference string's range in that file.
    pub range: TextRange,
}

/// The file an `import` statement is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSite {
    /// The project's own file with this index (in [`Project::files`] order).
    Local(usize),
    /// The imported artifact of this reference (an import of an import).
    Import(String),
}

/// An import that could not be read.
#[derive(Debug, Clone)]
pub struct ImportProblem {
    /// The file of the `import` statement.
    pub site: ImportSite,
    /// The reference string's range in that file.
    pub range: TextRange,
    /// The `E04xx` code of the problem.
    pub code: Code,
    /// What went wrong.
    pub message: String,
    /// What to do, when known.
    pub help: Option<String>,
}

impl Project {
    /// Adds the imported artifacts after the project's own files (their agents join the
    /// policy, SPEC §9.2), remembers where each is imported ([`Project::imported_at`]) and
    /// reports each problem at its `import` statement. A problem in a file the project does not
    /// hold is dropped: its artifact could not be read either, and that is reported where it is
    /// imported.
    pub fn add_imports(&mut self, imported: Imported) {
        let local = self.files.len();
        let mut file_of: HashMap<String, FileId> = HashMap::new();
        for (index, file) in imported.files.iter().enumerate() {
            file_of.insert(file.reference.clone(), FileId((local + index) as u32));
        }
        let span_of = |site: &ImportSite, range: TextRange| {
            let file = match site {
                ImportSite::Local(index) if *index < local => FileId(*index as u32),
                ImportSite::Local(_) => return None,
                ImportSite::Import(reference) => *file_of.get(reference)?,
            };
            Some(Span { file, range })
        };
        for file in imported.files {
            if let Some(span) = span_of(&file.site, file.range) {
                self.imported_at
                    .insert(FileId(self.files.len() as u32), span);
            }
            self.files.push(ProjectFile {
                source: SourceFile::from_bytes(file.path, &file.bytes).imported_as(file.reference),
                disk_path: None,
            });
        }
        for problem in imported.problems {
            let Some(span) = span_of(&problem.site, problem.range) else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(problem.code, span, problem.message);
            if let Some(help) = problem.help {
                diagnostic = diagnostic.with_help(help);
            }
            self.diagnostics.push(diagnostic);
        }
    }
}
