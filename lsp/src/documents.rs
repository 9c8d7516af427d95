//! The document store: every file the server knows (open in the editor or part of a workspace
//! policy) under the URI the client uses for it, the workspace folders and their policies, and
//! loading those policies with the project loader and their imports with the
//! [`ImportResolver`]. Files are matched by identity (their canonical path), never by spelling,
//! so a workspace opened through a symlink keeps the client's URIs. An imported artifact is
//! known by the URI of its file in the cache, the one go to definition on its `import` opens.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fpl_analyzer::host::Change;
use fpl_analyzer::project::{Project, ProjectFile};
use fpl_analyzer::{Diagnostic as FplDiagnostic, FileId, Origin, SourceFile};
use fpl_syntax::ColumnUnit;
use tower_lsp_server::ls_types::{Diagnostic, Uri};

use crate::ImportResolver;
use crate::client_support::ClientSupport;
use crate::convert;
use crate::lines::DocumentLines;
use crate::overlay::Overlay;
use crate::server::{FileView, FileViews};

/// One file the server knows: open in the editor, or part of a workspace policy.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) file: FileId,
    pub(crate) version: Option<i32>,
    pub(crate) lines: Arc<DocumentLines>,
    pub(crate) open: bool,
    pub(crate) in_project: bool,
    /// The file's canonical path on disk, when it has one: two URIs naming the same file
    /// (through a symlink) have the same identity.
    pub(crate) identity: Option<PathBuf>,
    /// An artifact a workspace policy imports, from the cache: part of the policy's analysis,
    /// but read-only, and its diagnostics are not published (they are the publisher's).
    pub(crate) imported: bool,
}

/// Every document, the workspace folders and the policies they hold.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    pub(crate) by_uri: HashMap<Uri, Document>,
    pub(crate) uris: HashMap<FileId, Uri>,
    next_file: u32,
    /// The workspace folders as the client names them.
    pub(crate) folders: Vec<PathBuf>,
    /// The files of each folder's policy, in policy order.
    pub(crate) projects: Vec<Vec<FileId>>,
    /// The manifests whose mistakes were published last, to clear them once fixed.
    manifests: HashSet<Uri>,
    /// What the client supports (set by `initialize`).
    pub(crate) support: ClientSupport,
    /// Reads each policy's imports.
    resolver: ImportResolver,
    /// Each folder's last failure to read its policy's imports, told once.
    failures: HashMap<PathBuf, String>,
}

/// What a reload of the workspace changed: the host's change, and what to publish.
#[derive(Debug, Default)]
pub(crate) struct Reload {
    /// Texts and policies for the analysis host.
    pub(crate) change: Change,
    /// One file of each policy and every open file outside one: publishing them covers all.
    pub(crate) publish: Vec<Uri>,
    /// Files the server forgot: their diagnostics are cleared.
    pub(crate) forgotten: Vec<Uri>,
    /// Each manifest's diagnostics (empty for a manifest whose mistakes are fixed).
    pub(crate) manifests: Vec<(Uri, Vec<Diagnostic>)>,
    /// The imports that could not be read, by the file of their `import` statement.
    pub(crate) imports: HashMap<FileId, Vec<FplDiagnostic>>,
    /// New failures to read a folder's imports, to tell the user.
    pub(crate) failures: Vec<String>,
}

impl Documents {
    /// No documents yet; policies' imports are read with `resolver`.
    pub(crate) fn new(resolver: ImportResolver) -> Self {
        Documents {
            resolver,
            ..Documents::default()
        }
    }

    /// `text` indexed for the columns the client and the server agreed on.
    pub(crate) fn lines(&self, text: &str) -> Arc<DocumentLines> {
        indexed(text, self.support.columns)
    }

    /// A new file id for `uri`.
    pub(crate) fn new_file(&mut self, uri: &Uri) -> FileId {
        let file = FileId(self.next_file);
        self.next_file += 1;
        self.uris.insert(file, uri.clone());
        file
    }

    /// The URI under which the server knows the file `uri` names: `uri` itself, or another
    /// spelling of the same file on disk.
    pub(crate) fn known_as(&self, uri: &Uri) -> Option<Uri> {
        if self.by_uri.contains_key(uri) {
            return Some(uri.clone());
        }
        let identity = identity_of(uri)?;
        self.by_uri
            .iter()
            .find(|(_, document)| document.identity.as_ref() == Some(&identity))
            .map(|(known, _)| known.clone())
    }

    /// Moves the document known as `from` to `to`, the client's spelling of it.
    pub(crate) fn rename(&mut self, from: &Uri, to: &Uri) {
        if let Some(document) = self.by_uri.remove(from) {
            self.uris.insert(document.file, to.clone());
            self.by_uri.insert(to.clone(), document);
        }
    }

    /// Reads every workspace folder's policy again, with its imports, as `faramesh check`
    /// reads it, but open documents as the editor has them: the imports resolved are those
    /// typed, saved or not. Closed files that no policy holds any more are forgotten; an open
    /// file that left every policy is checked on its own. A folder whose imports cannot be read
    /// at all is analysed without them, and the failure told.
    pub(crate) fn reload(&mut self) -> Reload {
        let mut reload = Reload::default();
        let mut projects = Vec::new();
        let mut manifests = HashMap::new();
        let mut failures = HashMap::new();
        let open: HashMap<PathBuf, Arc<str>> = self
            .by_uri
            .values()
            .filter(|document| document.open && !document.imported)
            .filter_map(|document| {
                let identity = document.identity.clone()?;
                Some((identity, document.lines.text().clone()))
            })
            .collect();
        for folder in self.folders.clone() {
            // A folder that cannot be read (gone, or without policy files) holds no policy.
            let Ok(mut project) = Project::load_dir(&Overlay::new(&folder, &open), Path::new(""))
            else {
                continue;
            };
            if let Err(error) = self.resolver.resolve(&mut project) {
                let mut message = format!(
                    "faramesh: the imports of {} could not be read, so its policy is checked \
                     without them: {error}",
                    folder.display()
                );
                if let Some(help) = error.help() {
                    message.push_str(&format!(" (help: {help})"));
                }
                failures.insert(folder.clone(), message);
            }
            let files: Vec<Option<FileId>> = project
                .files()
                .iter()
                .map(|file| self.add_policy_file(&folder, file, &mut reload.change))
                .collect();
            self.keep_import_diagnostics(&project, &files, &mut reload.imports);
            let group: Vec<FileId> = files.into_iter().flatten().collect();
            if let Some(first) = group.first().and_then(|file| self.uris.get(file)) {
                reload.publish.push(first.clone());
            }
            if !group.is_empty() {
                projects.push(group);
            }
            manifests.extend(manifest_diagnostics(&project, self.support.columns));
        }
        let in_policy: HashSet<FileId> = projects.iter().flatten().copied().collect();
        let mut left: Vec<(Uri, FileId, bool, bool)> = self
            .by_uri
            .iter_mut()
            .filter(|(_, document)| !in_policy.contains(&document.file))
            .map(|(uri, document)| {
                document.in_project = false;
                let imported = std::mem::take(&mut document.imported);
                (uri.clone(), document.file, document.open, imported)
            })
            .collect();
        left.sort_by_key(|(_, file, _, _)| *file);
        for (uri, file, open, imported) in left {
            if open {
                reload.publish.push(uri);
            } else {
                self.by_uri.remove(&uri);
                self.uris.remove(&file);
                reload.change.remove_file(file);
                // An imported artifact's diagnostics were never published.
                if !imported {
                    reload.forgotten.push(uri);
                }
            }
        }
        for uri in std::mem::take(&mut self.manifests) {
            if !manifests.contains_key(&uri) {
                reload.manifests.push((uri, Vec::new()));
            }
        }
        self.manifests = manifests.keys().cloned().collect();
        for (folder, message) in &failures {
            if self.failures.get(folder) != Some(message) {
                reload.failures.push(message.clone());
            }
        }
        self.failures = failures;
        reload.manifests.extend(manifests);
        reload.change.set_policies(projects.clone());
        self.projects = projects;
        reload
    }

    /// Adds or refreshes `file` of the policy of `folder`: a file of the folder by its path
    /// there, an imported artifact by its path in the cache.
    fn add_policy_file(
        &mut self,
        folder: &Path,
        file: &ProjectFile,
        change: &mut Change,
    ) -> Option<FileId> {
        if let Origin::Import(_) = file.source.origin {
            let path = PathBuf::from(&file.source.path);
            return self.add_project_file(&path, file.source.clone(), true, change);
        }
        let path = file.disk_path.as_ref()?;
        let source = SourceFile {
            path: path
                .strip_prefix(folder)
                .unwrap_or(path)
                .display()
                .to_string(),
            ..file.source.clone()
        };
        self.add_project_file(path, source, false, change)
    }

    /// Files `files` of `project` (by index) with their diagnostics of imports that could not
    /// be read, added to `imports`, each in the project's own file ([`at_own_import`]), when
    /// the text they were found in is still the document's.
    fn keep_import_diagnostics(
        &self,
        project: &Project,
        files: &[Option<FileId>],
        imports: &mut HashMap<FileId, Vec<FplDiagnostic>>,
    ) {
        let file_of = |index: FileId| files.get(index.0 as usize).copied().flatten();
        for diagnostic in project.import_diagnostics() {
            let Some(mut diagnostic) = at_own_import(project, diagnostic) else {
                continue;
            };
            let index = diagnostic.span.file.0 as usize;
            let Some(file) = file_of(diagnostic.span.file) else {
                continue;
            };
            let current = self
                .uris
                .get(&file)
                .and_then(|uri| self.by_uri.get(uri))
                .is_some_and(|document| {
                    **document.lines.text() == *project.files()[index].source.text
                });
            if current {
                diagnostic
                    .labels
                    .retain(|label| file_of(label.span.file).is_some());
                let diagnostic = diagnostic.map_files(|index| file_of(index).unwrap_or(file));
                imports.entry(file).or_default().push(diagnostic);
            }
        }
    }

    /// Adds or refreshes the project file at `path` (the folder's spelling, or an imported
    /// artifact's in the cache); an open document of the same file keeps the editor's text,
    /// unless it is `imported` (read-only: the artifact's text stands).
    fn add_project_file(
        &mut self,
        path: &Path,
        source: SourceFile,
        imported: bool,
        change: &mut Change,
    ) -> Option<FileId> {
        let uri = Uri::from_file_path(path)?;
        let known = self.known_as(&uri);
        if let Some(document) = known.as_ref().and_then(|known| self.by_uri.get_mut(known)) {
            document.in_project = true;
            document.imported = imported;
            if !document.open || imported {
                document.lines = indexed(source.text.as_str(), self.support.columns);
                change.set_file(document.file, source);
            }
            return Some(document.file);
        }
        let file = self.new_file(&uri);
        let document = Document {
            file,
            version: None,
            lines: self.lines(&source.text),
            open: false,
            in_project: true,
            identity: path.canonicalize().ok(),
            imported,
        };
        change.set_file(file, source);
        self.by_uri.insert(uri, document);
        Some(file)
    }
}

/// `diagnostic` of an import that could not be read, where the user can fix it: as it is in a
/// file of the project's own; in an imported artifact (an import of an import), at the import
/// of the project's own files that brings that artifact in, with the place in the artifact as
/// a label. `None` when no such import is known.
fn at_own_import(project: &Project, diagnostic: &FplDiagnostic) -> Option<FplDiagnostic> {
    let mut span = diagnostic.span;
    let mut artifact = None;
    // Each step leaves one imported file; more steps than files would be a cycle.
    for _ in 0..=project.files().len() {
        let Origin::Import(reference) = &project.files().get(span.file.0 as usize)?.source.origin
        else {
            let Some(artifact) = artifact else {
                return Some(diagnostic.clone());
            };
            let mut lifted = diagnostic.clone();
            lifted.message = format!(
                "{} (in `{artifact}`, which this import brings in)",
                diagnostic.message
            );
            lifted.span = span;
            return Some(lifted.with_label(diagnostic.span, "the import in the artifact"));
        };
        artifact.get_or_insert(reference);
        span = project.imported_at(span.file)?;
    }
    None
}

/// `text` indexed for positions counted in `columns`.
pub(crate) fn indexed(text: impl Into<Arc<str>>, columns: ColumnUnit) -> Arc<DocumentLines> {
    Arc::new(DocumentLines::with_unit(text.into(), columns))
}

/// The identity of the file `uri` names: its canonical path, when it exists on disk.
pub(crate) fn identity_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path()?.canonicalize().ok()
}

/// The mistakes of a project's manifests as LSP diagnostics, by the manifest's address.
fn manifest_diagnostics(project: &Project, columns: ColumnUnit) -> Vec<(Uri, Vec<Diagnostic>)> {
    let mut out = Vec::new();
    for (index, manifest) in project.manifests().iter().enumerate() {
        let Some(path) = &manifest.disk_path else {
            continue;
        };
        let Some(uri) = Uri::from_file_path(path) else {
            continue;
        };
        let file = FileId(index as u32);
        let view = FileView {
            uri: uri.clone(),
            lines: indexed(manifest.source.text.as_str(), columns),
            version: None,
            imported: false,
        };
        let views = FileViews::of([(file, view)]);
        let diagnostics = convert::diagnostics_of(&views, file, project.manifest_diagnostics());
        out.push((uri, diagnostics));
    }
    out
}
