//! The state every handler shares: the analysis host, the document store, the generation of
//! changes, the kept SMT findings and what the client was sent; and the view of it a request
//! handler gets (`Ctx`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use fpl_analyzer::host::ide::moved;
use fpl_analyzer::host::{AnalysisHost, Change, Snapshot};
use fpl_analyzer::{Diagnostic as FplDiagnostic, FileId};
use tower_lsp_server::ls_types::{Diagnostic, Location, Uri};

use crate::ImportResolver;
use crate::documents::Documents;
use crate::lines::DocumentLines;

/// A file as the handlers see it: its address, line index and document version.
#[derive(Debug, Clone)]
pub(crate) struct FileView {
    pub(crate) uri: Uri,
    pub(crate) lines: Arc<DocumentLines>,
    pub(crate) version: Option<i32>,
    /// An imported artifact from the cache: read-only, and its diagnostics are not published.
    pub(crate) imported: bool,
}

/// Every file the server knows, by id, at the moment a snapshot was taken.
#[derive(Debug, Default)]
pub(crate) struct FileViews(HashMap<FileId, FileView>);

impl FileViews {
    /// The views of these files.
    pub(crate) fn of(views: impl IntoIterator<Item = (FileId, FileView)>) -> Self {
        FileViews(views.into_iter().collect())
    }

    /// The view of `file`, when the server knows it.
    pub(crate) fn get(&self, file: FileId) -> Option<&FileView> {
        self.0.get(&file)
    }

    /// The client's location of `range` in `file`.
    pub(crate) fn location(&self, file: FileId, range: fpl_syntax::TextRange) -> Option<Location> {
        let view = self.get(file)?;
        Some(Location::new(view.uri.clone(), view.lines.range(range)))
    }
}

/// What a request handler gets: a snapshot and the line indexes of the files it may mention.
pub(crate) struct Ctx {
    pub(crate) snapshot: Snapshot,
    pub(crate) file: FileId,
    pub(crate) lines: Arc<DocumentLines>,
    pub(crate) files: Arc<FileViews>,
    /// The number of changes applied when the snapshot was taken.
    pub(super) generation: u64,
}

impl Ctx {
    /// The client's location of `range` in `file`.
    pub(crate) fn location(&self, file: FileId, range: fpl_syntax::TextRange) -> Option<Location> {
        self.files.location(file, range)
    }
}

/// The diagnostics a file has in the client and the document version they were sent for.
type Sent = (Option<i32>, Vec<Diagnostic>);

/// The state handlers and background publishing share.
pub(super) struct Shared {
    host: Mutex<AnalysisHost>,
    pub(super) documents: Mutex<Documents>,
    /// How many changes have been applied; results of an older snapshot are not published.
    generation: AtomicU64,
    /// The last SMT findings of each file, moved along with every edit since they were
    /// computed: published (and their fixes offered) until the next run replaces them.
    smt: Mutex<HashMap<FileId, Vec<FplDiagnostic>>>,
    /// The imports of each file that could not be read, from the last reload, moved along with
    /// every edit since.
    imports: Mutex<HashMap<FileId, Vec<FplDiagnostic>>>,
    /// The diagnostics each file has in the client, with the document version they were sent
    /// for: a file whose diagnostics and version are unchanged is not published again.
    published: Mutex<HashMap<Uri, Sent>>,
    /// Held while the solver runs: one SMT run at a time, so pauses in typing do not pile runs up.
    pub(super) solver: tokio::sync::Mutex<()>,
}

/// Locks `mutex`; a handler that panicked while holding it left the state usable.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// Empty state: no documents, no analysis; workspace policies' imports are read with
    /// `imports`.
    pub(super) fn new(imports: ImportResolver) -> Self {
        Shared {
            host: Mutex::new(AnalysisHost::default()),
            documents: Mutex::new(Documents::new(imports)),
            generation: AtomicU64::new(0),
            smt: Mutex::default(),
            imports: Mutex::default(),
            published: Mutex::default(),
            solver: tokio::sync::Mutex::new(()),
        }
    }

    /// Applies `change` (the caller holds the documents lock, so changes keep their order).
    pub(super) fn apply(&self, change: Change) -> bool {
        let applied = lock(&self.host).apply_change(change).is_ok();
        self.generation.fetch_add(1, Ordering::SeqCst);
        applied
    }

    /// The text the analysis has for `file`: the one copy of every document's text.
    pub(super) fn text(&self, file: FileId) -> Option<Arc<str>> {
        lock(&self.host).snapshot().text(file)
    }

    /// Whether no change was applied since `generation`.
    pub(super) fn is_current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    /// Replaces the SMT findings of the files `files`.
    pub(super) fn remember_smt(&self, files: &[FileId], findings: &[FplDiagnostic]) {
        let mut smt = lock(&self.smt);
        for &file in files {
            let own = findings
                .iter()
                .filter(|finding| finding.span.file == file)
                .cloned()
                .collect();
            smt.insert(file, own);
        }
    }

    /// The last SMT findings of `file`, where they are in its current text.
    pub(super) fn current_smt(&self, file: FileId) -> Vec<FplDiagnostic> {
        lock(&self.smt).get(&file).cloned().unwrap_or_default()
    }

    /// Replaces every file's diagnostics of imports that could not be read.
    pub(super) fn set_imports(&self, imports: HashMap<FileId, Vec<FplDiagnostic>>) {
        *lock(&self.imports) = imports;
    }

    /// The diagnostics of `file`'s imports that could not be read, where they are in its
    /// current text.
    pub(super) fn current_imports(&self, file: FileId) -> Vec<FplDiagnostic> {
        lock(&self.imports).get(&file).cloned().unwrap_or_default()
    }

    /// Moves the kept SMT findings and import diagnostics over an edit of `file` (`None`: its
    /// whole text replaced).
    pub(super) fn move_kept(&self, file: FileId, edit: Option<(fpl_syntax::TextRange, usize)>) {
        for kept in [&self.smt, &self.imports] {
            for findings in lock(kept).values_mut() {
                match edit {
                    Some((range, inserted)) => {
                        let inserted = fpl_syntax::TextSize::from(inserted as u32);
                        moved::move_with_edit(findings, file, range, inserted);
                    }
                    None => moved::forget_file(findings, file),
                }
            }
        }
    }

    /// Records that the client is sent `diagnostics` for `uri` at `version`; false when it has
    /// them already. An edited document's version changes, so its layers are always sent.
    pub(super) fn record(
        &self,
        uri: &Uri,
        diagnostics: &[Diagnostic],
        version: Option<i32>,
    ) -> bool {
        let mut published = lock(&self.published);
        if published
            .get(uri)
            .is_some_and(|(sent, last)| *sent == version && last == diagnostics)
        {
            return false;
        }
        published.insert(uri.clone(), (version, diagnostics.to_vec()));
        true
    }

    /// A snapshot of the analysis with the views of every known file, for `uri`'s file.
    pub(super) fn context(&self, uri: &Uri) -> Option<Ctx> {
        let documents = lock(&self.documents);
        let document = documents.by_uri.get(uri)?;
        let snapshot = lock(&self.host).snapshot();
        let generation = self.generation.load(Ordering::SeqCst);
        let files = documents
            .by_uri
            .iter()
            .map(|(uri, doc)| {
                let view = FileView {
                    uri: uri.clone(),
                    lines: doc.lines.clone(),
                    version: doc.version,
                    imported: doc.imported,
                };
                (doc.file, view)
            })
            .collect();
        Some(Ctx {
            snapshot,
            file: document.file,
            lines: document.lines.clone(),
            files: Arc::new(FileViews(files)),
            generation,
        })
    }
}
