//! The language server: documents and workspace state, the analysis host, and one handler per
//! LSP request. Every analysis runs on a blocking thread inside `catch_unwind`, so a panic or a
//! cancellation answers the request with an error instead of stopping the server.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use fpl_analyzer::host::{AnalysisHost, Cancelled, Change, Snapshot};
use fpl_analyzer::smt::{SmtError, SmtOptions};
use fpl_analyzer::{Diagnostic as FplDiagnostic, FileId, SourceFile};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::client_support::ClientSupport;
use crate::convert;
use crate::documents::{Document, Documents, identity_of, indexed};
use crate::lines::DocumentLines;
use fpl_analyzer::host::ide::moved;

/// A file as the handlers see it: its address, line index and document version.
#[derive(Debug, Clone)]
pub(crate) struct FileView {
    pub(crate) uri: Uri,
    pub(crate) lines: Arc<DocumentLines>,
    pub(crate) version: Option<i32>,
}

/// Every file the server knows, by id, at the moment a snapshot was taken.
#[derive(Debug, Default)]
pub(crate) struct FileViews(HashMap<FileId, FileView>);

impl FileViews {
    /// The views of these files.
    pub(crate) fn of(views: impl IntoIterator<Item = (FileId, FileView)>) -> Self {
        FileViews(views.into_iter().collect())
    }

    pub(crate) fn get(&self, file: FileId) -> Option<&FileView> {
        self.0.get(&file)
    }

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
    generation: u64,
}

/// The import under the cursor, when the document is a file with a locked, cached import there.
fn import_at(
    ctx: &Ctx,
    document: Option<&std::path::Path>,
    offset: fpl_syntax::TextSize,
) -> Option<crate::imports::ImportInfo> {
    // The snapshot's tree: hover and go to definition must not parse the file again.
    let tree = ctx.snapshot.parse(ctx.file).ok()??.tree()?;
    crate::imports::import_at(document?, &tree, offset)
}

impl Ctx {
    pub(crate) fn location(&self, file: FileId, range: fpl_syntax::TextRange) -> Option<Location> {
        self.files.location(file, range)
    }
}

/// The diagnostics of one file, ready to publish.
#[derive(Clone)]
struct Published {
    file: FileId,
    uri: Uri,
    /// Every diagnostic but the SMT findings.
    diagnostics: Vec<Diagnostic>,
    version: Option<i32>,
}

/// Publishes `diagnostics` for `uri` unless the client has exactly these already, for the same
/// version of the document.
async fn send(
    client: &Client,
    shared: &Shared,
    uri: Uri,
    diagnostics: Vec<Diagnostic>,
    version: Option<i32>,
) {
    if shared.record(&uri, &diagnostics, version) {
        client.publish_diagnostics(uri, diagnostics, version).await;
    }
}

#[derive(Default)]
struct SemanticCache {
    next_id: u64,
    last: HashMap<Uri, (String, Vec<SemanticToken>)>,
}

/// The diagnostics a file has in the client and the document version they were sent for.
type Sent = (Option<i32>, Vec<Diagnostic>);

/// The state handlers and background publishing share.
struct Shared {
    host: Mutex<AnalysisHost>,
    documents: Mutex<Documents>,
    /// How many changes have been applied; results of an older snapshot are not published.
    generation: AtomicU64,
    /// The last SMT findings of each file, moved along with every edit since they were
    /// computed: published (and their fixes offered) until the next run replaces them.
    smt: Mutex<HashMap<FileId, Vec<FplDiagnostic>>>,
    /// The diagnostics each file has in the client, with the document version they were sent
    /// for: a file whose diagnostics and version are unchanged is not published again.
    published: Mutex<HashMap<Uri, Sent>>,
    /// Held while the solver runs: one SMT run at a time, so pauses in typing do not pile runs up.
    solver: tokio::sync::Mutex<()>,
}

impl Shared {
    /// Applies `change` (the caller holds the documents lock, so changes keep their order).
    fn apply(&self, change: Change) -> bool {
        let applied = lock(&self.host).apply_change(change).is_ok();
        self.generation.fetch_add(1, Ordering::SeqCst);
        applied
    }

    fn is_current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    /// Replaces the SMT findings of the files `files`.
    fn remember_smt(&self, files: &[FileId], findings: &[FplDiagnostic]) {
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
    fn current_smt(&self, file: FileId) -> Vec<FplDiagnostic> {
        lock(&self.smt).get(&file).cloned().unwrap_or_default()
    }

    /// Moves the kept SMT findings over an edit of `file` (`None`: its whole text replaced).
    fn move_smt(&self, file: FileId, edit: Option<(fpl_syntax::TextRange, usize)>) {
        for findings in lock(&self.smt).values_mut() {
            match edit {
                Some((range, inserted)) => {
                    let inserted = fpl_syntax::TextSize::from(inserted as u32);
                    moved::move_with_edit(findings, file, range, inserted);
                }
                None => moved::forget_file(findings, file),
            }
        }
    }

    /// Records that the client is sent `diagnostics` for `uri` at `version`; false when it has
    /// them already. An edited document's version changes, so its layers are always sent.
    fn record(&self, uri: &Uri, diagnostics: &[Diagnostic], version: Option<i32>) -> bool {
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

    fn context(&self, uri: &Uri) -> Option<Ctx> {
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

/// The server state shared by all handlers.
pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
    /// Set by `shutdown`: the exit status tells whether the client shut the server down.
    shut_down: Arc<AtomicBool>,
    semantic: Mutex<SemanticCache>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn content_modified() -> Error {
    Error {
        code: ErrorCode::ServerError(-32801),
        message: "content modified".into(),
        data: None,
    }
}

/// How long the SMT layer waits for typing to pause before it starts the solver.
const SMT_DEBOUNCE: Duration = Duration::from_millis(300);

impl Backend {
    /// A server that talks to `client` and sets `shut_down` when asked to shut down.
    pub fn new(client: Client, shut_down: Arc<AtomicBool>) -> Self {
        Backend {
            client,
            shut_down,
            shared: Arc::new(Shared {
                host: Mutex::new(AnalysisHost::default()),
                documents: Mutex::new(Documents::default()),
                generation: AtomicU64::new(0),
                smt: Mutex::default(),
                published: Mutex::default(),
                solver: tokio::sync::Mutex::new(()),
            }),
            semantic: Mutex::new(SemanticCache::default()),
        }
    }

    /// Runs `handler` on a blocking thread with a snapshot of `uri`'s file: a panic becomes an
    /// internal error, a cancellation "content modified", an unknown document `None`.
    async fn query<T: Send + 'static>(
        &self,
        uri: &Uri,
        handler: impl FnOnce(&Ctx) -> std::result::Result<Option<T>, Cancelled> + Send + 'static,
    ) -> Result<Option<T>> {
        let Some(ctx) = self.shared.context(uri) else {
            return Ok(None);
        };
        // A YAML/JSON policy gets diagnostics only: the editor features read FPL syntax.
        let path = ctx.snapshot.path(ctx.file).unwrap_or_default();
        if fpl_analyzer::form::is_form_file(&path) {
            return Ok(None);
        }
        let joined = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| handler(&ctx)))
        })
        .await;
        match joined {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(_cancelled))) => Err(content_modified()),
            Ok(Err(panic)) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                Err(Error {
                    code: ErrorCode::InternalError,
                    message: format!("the analysis failed: {what}").into(),
                    data: None,
                })
            }
            Err(join) => Err(Error {
                code: ErrorCode::InternalError,
                message: format!("the analysis failed: {join}").into(),
                data: None,
            }),
        }
    }

    /// Reads the workspace folders' policies again and publishes what changed: each policy,
    /// the manifests' mistakes, and empty diagnostics for files the server forgot.
    async fn reload_workspace(&self) {
        let reload = {
            let mut documents = lock(&self.shared.documents);
            let mut reload = documents.reload();
            self.shared.apply(std::mem::take(&mut reload.change));
            reload
        };
        for uri in reload.forgotten {
            send(&self.client, &self.shared, uri, Vec::new(), None).await;
        }
        for (uri, diagnostics) in reload.manifests {
            send(&self.client, &self.shared, uri, diagnostics, None).await;
        }
        for uri in reload.publish {
            self.publish(uri).await;
        }
    }

    /// Publishes the diagnostics of `uri` in layers: its syntax diagnostics at once, then every
    /// diagnostic of each file of its policy, then (in the background, once typing pauses) the
    /// same with new SMT findings. Until those arrive, the last findings, moved with the edits,
    /// stand in for them. A layer computed on a snapshot that a newer change has overtaken is
    /// dropped: that change publishes its own. A file is published only when its diagnostics
    /// changed.
    async fn publish(&self, uri: Uri) {
        let Some(ctx) = self.shared.context(&uri) else {
            return;
        };
        let generation = ctx.generation;
        let smt = self.shared.current_smt(ctx.file);
        let syntax = run_blocking(move || {
            let mut diagnostics = ctx.snapshot.syntax_diagnostics(ctx.file)?;
            diagnostics.extend(smt);
            let version = ctx.files.get(ctx.file).and_then(|view| view.version);
            Ok((convert::diagnostics(&ctx, &diagnostics), version))
        })
        .await;
        let Some((syntax, version)) = syntax else {
            return;
        };
        if !self.shared.is_current(generation) {
            return;
        }
        send(&self.client, &self.shared, uri.clone(), syntax, version).await;
        let Some(ctx) = self.shared.context(&uri) else {
            return;
        };
        let generation = ctx.generation;
        let shared = self.shared.clone();
        let semantic = run_blocking(move || {
            let mut out = Vec::new();
            for file in ctx.snapshot.policy_files(ctx.file)? {
                let diagnostics = ctx.snapshot.diagnostics(file)?;
                if let Some(view) = ctx.files.get(file) {
                    let smt = shared.current_smt(file);
                    out.push((
                        Published {
                            file,
                            uri: view.uri.clone(),
                            diagnostics: convert::diagnostics_of(&ctx.files, file, &diagnostics),
                            version: view.version,
                        },
                        convert::diagnostics_of(&ctx.files, file, &smt),
                    ));
                }
            }
            Ok(out)
        })
        .await;
        let Some(semantic) = semantic else {
            return;
        };
        if !self.shared.is_current(generation) {
            return;
        }
        let mut layer = Vec::with_capacity(semantic.len());
        for (published, smt) in semantic {
            let mut diagnostics = published.diagnostics.clone();
            diagnostics.extend(smt);
            let uri = published.uri.clone();
            send(
                &self.client,
                &self.shared,
                uri,
                diagnostics,
                published.version,
            )
            .await;
            layer.push(published);
        }
        let semantic = layer;
        tokio::spawn(publish_smt(
            self.client.clone(),
            self.shared.clone(),
            uri,
            generation,
            semantic,
        ));
    }
}

/// The SMT layer: waits for typing to pause, runs the solver on the policy's texts without
/// holding a snapshot, and republishes each file's diagnostics with its findings added.
async fn publish_smt(
    client: Client,
    shared: Arc<Shared>,
    uri: Uri,
    generation: u64,
    semantic: Vec<Published>,
) {
    tokio::time::sleep(SMT_DEBOUNCE).await;
    if !shared.is_current(generation) {
        return;
    }
    let _solver = shared.solver.lock().await;
    if !shared.is_current(generation) {
        return;
    }
    let Some(ctx) = shared.context(&uri) else {
        return;
    };
    let progress = if lock(&shared.documents).support.progress {
        let token = NumberOrString::String(format!("faramesh/smt/{generation}"));
        match client.create_work_done_progress(token.clone()).await {
            Ok(()) => Some(
                client
                    .progress(token, "faramesh")
                    .with_message("proving the policy's rules with the SMT solver")
                    .begin()
                    .await,
            ),
            Err(_refused) => None,
        }
    } else {
        None
    };
    let stop = {
        let shared = shared.clone();
        move || !shared.is_current(generation)
    };
    let findings = run_blocking(move || {
        let Ctx {
            snapshot,
            file,
            files,
            ..
        } = ctx;
        let input = snapshot.smt_input(file)?;
        drop(snapshot);
        // A policy with errors has no findings; a run the user typed past has none to show.
        let findings = match input.and_then(|input| input.solve(&SmtOptions::default(), &stop)) {
            Ok(report) => Some(report.diagnostics),
            Err(SmtError::Stopped) => None,
            Err(_) => Some(Vec::new()),
        };
        Ok((findings, files))
    })
    .await;
    if let Some(progress) = progress {
        progress.finish().await;
    }
    // Stopped by a newer edit, or overtaken by one: that edit's run replaces the findings.
    let Some((Some(findings), files)) = findings else {
        return;
    };
    let ids: Vec<FileId> = semantic.iter().map(|published| published.file).collect();
    {
        // Under the documents lock no edit can move the kept findings meanwhile.
        let _documents = lock(&shared.documents);
        if !shared.is_current(generation) {
            return;
        }
        shared.remember_smt(&ids, &findings);
    }
    for published in semantic {
        let mut diagnostics = published.diagnostics;
        diagnostics.extend(convert::diagnostics_of(&files, published.file, &findings));
        send(
            &client,
            &shared,
            published.uri,
            diagnostics,
            published.version,
        )
        .await;
    }
}

/// Runs `work` on a blocking thread; `None` when it was cancelled or panicked.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::result::Result<T, Cancelled> + Send + 'static,
) -> Option<T> {
    let joined =
        tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(work))).await;
    match joined {
        Ok(Ok(Ok(value))) => Some(value),
        _ => None,
    }
}

/// The paths of workspace folders, as the client spells them.
fn paths(folders: &[WorkspaceFolder]) -> Vec<PathBuf> {
    folders
        .iter()
        .filter_map(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
        .collect()
}

/// The registration of file watchers for manifests and policy files.
fn watchers() -> Registration {
    let watch = |glob: &str| FileSystemWatcher {
        glob_pattern: GlobPattern::String(glob.to_string()),
        kind: None,
    };
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![
            watch("**/faramesh.toml"),
            watch("**/*.fpl"),
            watch("**/*.fms"),
            watch("**/*.fpl.yaml"),
            watch("**/*.fpl.yml"),
            watch("**/*.fpl.json"),
            watch("**/*.fms.yaml"),
            watch("**/*.fms.yml"),
        ],
    };
    Registration {
        id: "faramesh-watched-files".to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: serde_json::to_value(options).ok(),
    }
}

/// The workspace folders of `initialize` (the root URI when the client sent none).
fn folders(params: &InitializeParams) -> Vec<PathBuf> {
    let mut out = paths(params.workspace_folders.as_deref().unwrap_or_default());
    #[allow(deprecated)]
    if out.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(|uri| uri.to_file_path())
    {
        out.push(root.into_owned());
    }
    out
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let support = ClientSupport::new(&params.capabilities);
        {
            let mut documents = lock(&self.shared.documents);
            documents.support = support;
            documents.folders = folders(&params);
        }
        Ok(InitializeResult {
            capabilities: convert::capabilities(&support),
            server_info: Some(ServerInfo {
                name: "faramesh-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if lock(&self.shared.documents).support.watch_files {
            let client = self.client.clone();
            tokio::spawn(async move {
                // A client that refuses still gets every change through its open documents.
                let _refused = client.register_capability(vec![watchers()]).await;
            });
        }
        self.reload_workspace().await;
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.reload_workspace().await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut documents = lock(&self.shared.documents);
            let removed = paths(&params.event.removed);
            documents.folders.retain(|folder| !removed.contains(folder));
            documents.folders.extend(paths(&params.event.added));
        }
        self.reload_workspace().await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let uri = params.text_document.uri;
        let text = params.text_document.text;
        let respelled = {
            let mut documents = lock(&self.shared.documents);
            // The client may name a workspace file differently (through a symlink): from now
            // on the server uses the client's URI.
            let respelled = documents.known_as(&uri).filter(|known| *known != uri);
            if let Some(known) = &respelled {
                documents.rename(known, &uri);
            }
            let known = documents.by_uri.get(&uri).cloned();
            let file = known
                .as_ref()
                .map_or_else(|| documents.new_file(&uri), |doc| doc.file);
            let path = uri
                .to_file_path()
                .map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string());
            let lines = documents.lines(&text);
            let in_project = known.as_ref().is_some_and(|doc| doc.in_project);
            let identity = known
                .and_then(|doc| doc.identity)
                .or_else(|| identity_of(&uri));
            documents.by_uri.insert(
                uri.clone(),
                Document {
                    file,
                    version: Some(params.text_document.version),
                    lines,
                    open: true,
                    in_project,
                    identity,
                },
            );
            let mut change = Change::default();
            change.set_file(file, SourceFile::new(path, text));
            if !in_project {
                change.set_policies(documents.projects.clone());
            }
            self.shared.apply(change);
            respelled
        };
        if let Some(old) = respelled {
            send(&self.client, &self.shared, old, Vec::new(), None).await;
        }
        self.publish(uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let refused = 'apply: {
            let mut documents = lock(&self.shared.documents);
            let columns = documents.support.columns;
            let Some(document) = documents.by_uri.get_mut(&uri) else {
                return;
            };
            if let Some(current) = document.version.filter(|&current| version <= current) {
                // An old or repeated change: applying it would make the server's text and the
                // editor's diverge. The client is told; the document stays as it is.
                break 'apply Some(format!(
                    "faramesh: ignored a change to {} at version {version}: the document is at \
                     version {current}",
                    uri.as_str()
                ));
            }
            let mut change = Change::default();
            let mut lines = document.lines.clone();
            let mut moves = Vec::new();
            for content in params.content_changes {
                let mut text = lines.text().to_string();
                match content.range {
                    Some(range) => {
                        let range = lines.text_range(range);
                        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
                        text.replace_range(start..end, &content.text);
                        moves.push(Some((range, content.text.len())));
                        change.edit_file(document.file, range, content.text);
                    }
                    None => {
                        text = content.text.clone();
                        moves.push(None);
                        let path = uri
                            .to_file_path()
                            .map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string());
                        change.set_file(document.file, SourceFile::new(path, content.text));
                    }
                }
                lines = indexed(&text, columns);
            }
            document.version = Some(version);
            if !self.shared.apply(change) {
                // The host kept its text: so does the server, and the editor is told.
                if let Some(text) = lock(&self.shared.host).snapshot().text(document.file) {
                    document.lines = indexed(&text, columns);
                }
                break 'apply Some(format!(
                    "faramesh: could not apply the change to {} at version {version}",
                    uri.as_str()
                ));
            }
            document.lines = lines;
            for edit in moves {
                self.shared.move_smt(document.file, edit);
            }
            None
        };
        match refused {
            Some(message) => self.client.log_message(MessageType::ERROR, message).await,
            None => self.publish(uri).await,
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let removed = {
            let mut documents = lock(&self.shared.documents);
            let columns = documents.support.columns;
            let Some(document) = documents.by_uri.get_mut(&uri) else {
                return;
            };
            document.open = false;
            document.version = None;
            let file = document.file;
            let mut change = Change::default();
            let removed = if document.in_project {
                if let Some(path) = uri.to_file_path()
                    && let Ok(bytes) = std::fs::read(&path)
                {
                    let source = SourceFile::from_bytes(path.display().to_string(), &bytes);
                    document.lines = indexed(&source.text, columns);
                    change.set_file(file, source);
                }
                false
            } else {
                documents.by_uri.remove(&uri);
                documents.uris.remove(&file);
                change.remove_file(file);
                true
            };
            self.shared.apply(change);
            removed
        };
        if removed {
            send(&self.client, &self.shared, uri, Vec::new(), None).await;
        } else {
            self.publish(uri).await;
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params.position;
        let uri = params.text_document_position_params.text_document.uri;
        let document = uri.to_file_path().map(|path| path.into_owned());
        self.query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            if let Some(import) = import_at(ctx, document.as_deref(), offset) {
                return Ok(Some(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: import.markdown,
                    }),
                    range: Some(ctx.lines.range(import.range)),
                }));
            }
            Ok(ctx.snapshot.hover(ctx.file, offset)?.map(|info| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: info.markdown,
                }),
                range: Some(ctx.lines.range(info.range)),
            }))
        })
        .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position.position;
        let uri = params.text_document_position.text_document.uri;
        let snippets = lock(&self.shared.documents).support.snippets;
        self.query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            let items = ctx.snapshot.completions(ctx.file, offset)?;
            Ok(Some(CompletionResponse::Array(
                items
                    .into_iter()
                    .map(|item| convert::completion(item, snippets))
                    .collect(),
            )))
        })
        .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let position = params.text_document_position_params.position;
        let uri = params.text_document_position_params.text_document.uri;
        let document = uri.to_file_path().map(|path| path.into_owned());
        self.query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            if let Some(import) = import_at(ctx, document.as_deref(), offset)
                && let Some(target) = Uri::from_file_path(&import.cached)
            {
                let start = tower_lsp_server::ls_types::Position::new(0, 0);
                return Ok(Some(GotoDefinitionResponse::Scalar(Location {
                    uri: target,
                    range: tower_lsp_server::ls_types::Range::new(start, start),
                })));
            }
            let targets = ctx.snapshot.definition(ctx.file, offset)?;
            let locations: Vec<Location> = targets
                .into_iter()
                .filter_map(|target| ctx.location(target.file, target.range))
                .collect();
            Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
        })
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let position = params.text_document_position.position;
        let uri = params.text_document_position.text_document.uri;
        let include = params.context.include_declaration;
        self.query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            let found = ctx.snapshot.references(ctx.file, offset, include)?;
            Ok(Some(
                found
                    .into_iter()
                    .filter_map(|target| ctx.location(target.file, target.range))
                    .collect(),
            ))
        })
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let position = params.position;
        self.query(&params.text_document.uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            Ok(ctx
                .snapshot
                .prepare_rename(ctx.file, offset)?
                .map(|(range, _)| PrepareRenameResponse::Range(ctx.lines.range(range))))
        })
        .await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let position = params.text_document_position.position;
        let uri = params.text_document_position.text_document.uri;
        let new_name = params.new_name;
        self.query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            let Some(edits) = ctx.snapshot.rename(ctx.file, offset, &new_name)? else {
                return Ok(None);
            };
            Ok(Some(convert::workspace_edit(ctx, &edits)))
        })
        .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.query(&params.text_document.uri, |ctx| {
            let symbols = ctx.snapshot.document_symbols(ctx.file)?;
            Ok(Some(DocumentSymbolResponse::Nested(
                symbols
                    .into_iter()
                    .map(|symbol| convert::document_symbol(&ctx.lines, symbol))
                    .collect(),
            )))
        })
        .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let any = lock(&self.shared.documents).by_uri.keys().next().cloned();
        let Some(uri) = any else {
            return Ok(None);
        };
        let query = params.query;
        self.query(&uri, move |ctx| {
            let found = ctx.snapshot.workspace_symbols(&query)?;
            Ok(Some(WorkspaceSymbolResponse::Nested(
                found
                    .into_iter()
                    .filter_map(|(file, symbol)| {
                        let location = ctx.location(file, symbol.selection)?;
                        Some(WorkspaceSymbol {
                            name: symbol.name,
                            kind: convert::symbol_kind(symbol.kind),
                            tags: None,
                            container_name: None,
                            location: OneOf::Left(location),
                            data: None,
                        })
                    })
                    .collect(),
            )))
        })
        .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.query(&params.text_document.uri, |ctx| {
            let folds = ctx.snapshot.folding_ranges(ctx.file)?;
            Ok(Some(
                folds
                    .into_iter()
                    .filter_map(|fold| convert::folding_range(&ctx.lines, fold))
                    .collect(),
            ))
        })
        .await
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let positions = params.positions;
        self.query(&params.text_document.uri, move |ctx| {
            let mut out = Vec::new();
            for position in positions {
                let ranges = ctx
                    .snapshot
                    .selection_ranges(ctx.file, ctx.lines.offset(position))?;
                let mut nested: Option<SelectionRange> = None;
                for range in ranges.into_iter().rev() {
                    nested = Some(SelectionRange {
                        range: ctx.lines.range(range),
                        parent: nested.map(Box::new),
                    });
                }
                out.push(nested.unwrap_or(SelectionRange {
                    range: Range::new(position, position),
                    parent: None,
                }));
            }
            Ok(Some(out))
        })
        .await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        let tokens = self.semantic_tokens(&uri).await?;
        let Some(tokens) = tokens else {
            return Ok(None);
        };
        let id = self.remember_tokens(&uri, tokens.clone());
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: Some(id),
            data: tokens,
        })))
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let uri = params.text_document.uri;
        let previous = lock(&self.semantic)
            .last
            .get(&uri)
            .filter(|(id, _)| *id == params.previous_result_id)
            .map(|(_, tokens)| tokens.clone());
        let tokens = self.semantic_tokens(&uri).await?;
        let Some(tokens) = tokens else {
            return Ok(None);
        };
        let id = self.remember_tokens(&uri, tokens.clone());
        Ok(Some(match previous {
            Some(previous) => SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
                result_id: Some(id),
                edits: convert::token_edits(&previous, &tokens),
            }),
            None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                result_id: Some(id),
                data: tokens,
            }),
        }))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.query(&params.text_document.uri, move |ctx| {
            let range = ctx.lines.text_range(range);
            let hints = ctx.snapshot.inlay_hints(ctx.file, range)?;
            Ok(Some(
                hints
                    .into_iter()
                    .map(|hint| convert::inlay_hint(&ctx.lines, hint))
                    .collect(),
            ))
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        let uri = params.text_document.uri;
        let smt = lock(&self.shared.documents)
            .by_uri
            .get(&uri)
            .map(|document| self.shared.current_smt(document.file))
            .unwrap_or_default();
        self.query(&uri, move |ctx| {
            let range = ctx.lines.text_range(range);
            let mut assists = ctx.snapshot.assists(ctx.file, range)?;
            assists.extend(ctx.snapshot.fixes(&smt, range));
            Ok(Some(
                assists
                    .into_iter()
                    .map(|assist| convert::code_action(ctx, assist))
                    .collect(),
            ))
        })
        .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let formatted = self
            .query(&params.text_document.uri, |ctx| {
                let edits = fpl_fmt::format_edits(ctx.lines.text());
                Ok(Some(text_edits(ctx, edits)))
            })
            .await?;
        self.edits_or_message(formatted).await
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let range = params.range;
        let formatted = self
            .query(&params.text_document.uri, move |ctx| {
                let range = ctx.lines.text_range(range);
                let edits = fpl_fmt::format_range(ctx.lines.text(), range);
                Ok(Some(text_edits(ctx, edits)))
            })
            .await?;
        self.edits_or_message(formatted).await
    }
}

/// Formatter edits as LSP edits, or why the file cannot be formatted.
fn text_edits(
    ctx: &Ctx,
    edits: std::result::Result<Vec<fpl_fmt::TextEdit>, fpl_fmt::FormatError>,
) -> std::result::Result<Vec<TextEdit>, String> {
    match edits {
        Ok(edits) => Ok(edits
            .into_iter()
            .map(|edit| TextEdit::new(ctx.lines.range(edit.range), edit.new_text))
            .collect()),
        Err(fpl_fmt::FormatError::Syntax(errors)) => {
            let first = errors.first().map_or_else(String::new, |error| {
                let at = ctx.lines.position(error.range.start());
                format!(
                    "; the first at {}:{}: {}",
                    at.line + 1,
                    at.character + 1,
                    error.message
                )
            });
            Err(format!(
                "faramesh: not formatted: the file has {} syntax error(s){first}",
                errors.len()
            ))
        }
        Err(error) => Err(format!("faramesh: not formatted: {error}")),
    }
}

impl Backend {
    /// The edits, or `None` with the reason shown to the user (`window/showMessage`).
    async fn edits_or_message(
        &self,
        formatted: Option<std::result::Result<Vec<TextEdit>, String>>,
    ) -> Result<Option<Vec<TextEdit>>> {
        match formatted {
            Some(Ok(edits)) => Ok(Some(edits)),
            Some(Err(message)) => {
                self.client
                    .show_message(MessageType::WARNING, message)
                    .await;
                Ok(None)
            }
            None => Ok(None),
        }
    }
}

impl Backend {
    /// The semantic tokens of `uri`'s file, encoded.
    async fn semantic_tokens(&self, uri: &Uri) -> Result<Option<Vec<SemanticToken>>> {
        self.query(uri, |ctx| {
            let highlights = ctx.snapshot.highlights(ctx.file)?;
            Ok(Some(convert::semantic_tokens(&ctx.lines, &highlights)))
        })
        .await
    }

    fn remember_tokens(&self, uri: &Uri, tokens: Vec<SemanticToken>) -> String {
        let mut cache = lock(&self.semantic);
        cache.next_id += 1;
        let id = cache.next_id.to_string();
        cache.last.insert(uri.clone(), (id.clone(), tokens));
        id
    }
}

/// The address of a code's documentation.
pub(crate) fn code_href(code: &str) -> Option<Uri> {
    Uri::from_str(&format!(
        "{}#{}",
        crate::CODE_DOCS,
        code.to_ascii_lowercase()
    ))
    .ok()
}
