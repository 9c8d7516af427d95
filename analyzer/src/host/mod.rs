//! The analysis host: a salsa database of file texts that the language server, the CLI and the
//! Action query. [`AnalysisHost::apply_change`] sets inputs; a [`Snapshot`] answers queries on
//! another thread and returns [`Cancelled`] when a newer change arrives.
//!
//! ```
//! use fpl_analyzer::host::{AnalysisHost, Change};
//! use fpl_analyzer::{FileId, SourceFile};
//!
//! let mut host = AnalysisHost::default();
//! let mut change = Change::default();
//! change.set_file(FileId(0), SourceFile::new("a.fpl", "agent a { permit x }"));
//! host.apply_change(change)?;
//! let diagnostics = host.snapshot().diagnostics(FileId(0))?;
//! assert_eq!(diagnostics[0].code.as_str(), "W0230");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod db;
pub mod ide;
mod reparse;
mod shift;
mod smt_layer;
#[cfg(test)]
mod tests;
mod whole;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

pub use salsa::Cancelled;

use fpl_syntax::TextRange;
use salsa::Setter;

pub use self::db::FileParse;
use self::db::{FileInput, PolicyInput, RootDatabase};
use self::reparse::ReparseHint;
pub use self::smt_layer::SmtInput;
use crate::analysis::{Analysis, AnalyzedFile};
use crate::checks::CheckOptions;
use crate::diagnostic::Diagnostic;
use crate::project::Project;
use crate::source::{FileId, SourceFile};

/// Why a change could not be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChangeError {
    /// An edit names a file the host does not have.
    #[error("no file with id {0:?}")]
    UnknownFile(FileId),
    /// An edit's range is outside the file or splits a character.
    #[error("edit range {range:?} is not inside file {file:?}")]
    BadRange {
        /// The file.
        file: FileId,
        /// The range.
        range: TextRange,
    },
}

/// A batch of changes to apply at once: whole files, edits and the grouping into policies.
#[derive(Debug, Clone, Default)]
pub struct Change {
    operations: Vec<Operation>,
    policies: Option<Vec<Vec<FileId>>>,
}

#[derive(Debug, Clone)]
enum Operation {
    Set(FileId, SourceFile),
    Edit(FileId, TextRange, String),
    Remove(FileId),
}

impl Change {
    /// Adds a file or replaces its whole text.
    pub fn set_file(&mut self, file: FileId, source: SourceFile) {
        self.operations.push(Operation::Set(file, source));
    }

    /// Replaces the bytes `range` of a file's current text (edits apply in order).
    pub fn edit_file(&mut self, file: FileId, range: TextRange, replacement: impl Into<String>) {
        self.operations
            .push(Operation::Edit(file, range, replacement.into()));
    }

    /// Removes a file.
    pub fn remove_file(&mut self, file: FileId) {
        self.operations.push(Operation::Remove(file));
    }

    /// Groups files into policies, each in policy order. A file in no group is a policy of its
    /// own (a loose file).
    pub fn set_policies(&mut self, policies: Vec<Vec<FileId>>) {
        self.policies = Some(policies);
    }
}

type QueryLog = Arc<Mutex<Vec<salsa::DatabaseKeyIndex>>>;

/// Owns the database; the only place inputs change.
pub struct AnalysisHost {
    db: RootDatabase,
    files: HashMap<FileId, FileInput>,
    groups: Vec<Vec<FileId>>,
    policies: HashMap<Vec<FileId>, PolicyInput>,
    file_policy: Arc<HashMap<FileId, PolicyInput>>,
    inputs: Arc<HashMap<FileId, FileInput>>,
    require_env: bool,
    log: Option<QueryLog>,
    /// The SMT findings cache (`smt_layer.rs`), shared with every snapshot.
    smt_cache: Arc<crate::smt::Cache>,
}

impl Default for AnalysisHost {
    fn default() -> Self {
        AnalysisHost::new(false, None)
    }
}

impl std::fmt::Debug for AnalysisHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalysisHost")
            .field("files", &self.files.len())
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

impl AnalysisHost {
    /// A host whose checks report unset `env("X")` (`--require-env`).
    pub fn with_require_env() -> Self {
        AnalysisHost::new(true, None)
    }

    /// A host that records which queries execute, for tests of incrementality
    /// ([`AnalysisHost::take_executed`]).
    pub fn with_query_log() -> Self {
        AnalysisHost::new(false, Some(QueryLog::default()))
    }

    fn new(require_env: bool, log: Option<QueryLog>) -> Self {
        let callback = log.clone().map(|log| {
            Box::new(move |event: salsa::Event| {
                if let salsa::EventKind::WillExecute { database_key } = event.kind
                    && let Ok(mut log) = log.lock()
                {
                    log.push(database_key);
                }
            }) as Box<dyn Fn(salsa::Event) + Send + Sync>
        });
        AnalysisHost {
            db: RootDatabase::new(callback),
            files: HashMap::new(),
            groups: Vec::new(),
            policies: HashMap::new(),
            file_policy: Arc::default(),
            inputs: Arc::default(),
            require_env,
            log,
            smt_cache: Arc::default(),
        }
    }

    /// Applies a change. Blocks until every snapshot taken before has been dropped; their
    /// running queries return [`Cancelled`].
    pub fn apply_change(&mut self, change: Change) -> Result<(), ChangeError> {
        let mut files_changed = false;
        for operation in change.operations {
            match operation {
                Operation::Set(file, source) => files_changed |= self.set_file(file, source),
                Operation::Edit(file, range, replacement) => {
                    self.edit_file(file, range, &replacement)?
                }
                Operation::Remove(file) => files_changed |= self.files.remove(&file).is_some(),
            }
        }
        if let Some(groups) = change.policies {
            self.groups = groups;
            files_changed = true;
        }
        if files_changed {
            self.regroup();
        }
        Ok(())
    }

    /// A snapshot of the current state for queries on another thread.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            db: self.db.clone(),
            files: self.inputs.clone(),
            file_policy: self.file_policy.clone(),
            smt_cache: self.smt_cache.clone(),
        }
    }

    /// The names of the queries executed since the last call, as `name(key)`; empty unless the
    /// host was made with [`AnalysisHost::with_query_log`].
    pub fn take_executed(&self) -> Vec<String> {
        use salsa::Database as _;
        let Some(log) = &self.log else {
            return Vec::new();
        };
        let keys = match log.lock() {
            Ok(mut log) => std::mem::take(&mut *log),
            Err(_) => return Vec::new(),
        };
        keys.into_iter()
            .map(|key| {
                format!(
                    "{}({:?})",
                    self.db.ingredient_debug_name(key.ingredient_index()),
                    key.key_index()
                )
            })
            .collect()
    }

    fn set_file(&mut self, file: FileId, source: SourceFile) -> bool {
        let text: Arc<str> = Arc::from(source.text);
        match self.files.get(&file) {
            Some(input) => {
                if input.path(&self.db) != &source.path {
                    input.set_path(&mut self.db).to(source.path);
                }
                input.set_text(&mut self.db).to(text);
                input
                    .set_invalid_utf8_at(&mut self.db)
                    .to(source.invalid_utf8_at);
                if input.too_large(&self.db) != source.too_large {
                    input.set_too_large(&mut self.db).to(source.too_large);
                }
                if input.origin(&self.db) != &source.origin {
                    input.set_origin(&mut self.db).to(source.origin);
                }
                input.set_hint(&mut self.db).to(None);
                false
            }
            None => {
                let input = FileInput::new(
                    &self.db,
                    file,
                    source.path,
                    text,
                    source.invalid_utf8_at,
                    source.too_large,
                    source.origin,
                    None,
                );
                self.files.insert(file, input);
                true
            }
        }
    }

    fn edit_file(
        &mut self,
        file: FileId,
        range: TextRange,
        replacement: &str,
    ) -> Result<(), ChangeError> {
        let input = *self
            .files
            .get(&file)
            .ok_or(ChangeError::UnknownFile(file))?;
        let old_text = input.text(&self.db).clone();
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        if end > old_text.len()
            || !old_text.is_char_boundary(start)
            || !old_text.is_char_boundary(end)
        {
            return Err(ChangeError::BadRange { file, range });
        }
        let mut text = String::with_capacity(old_text.len() + replacement.len());
        text.push_str(&old_text[..start]);
        text.push_str(replacement);
        text.push_str(&old_text[end..]);
        let old = db::parse(&self.db, input).clone();
        let hint = ReparseHint {
            old,
            edit: range,
            inserted: fpl_syntax::TextSize::from(replacement.len() as u32),
        };
        input.set_text(&mut self.db).to(Arc::from(text));
        input.set_hint(&mut self.db).to(Some(Arc::new(hint)));
        input.set_invalid_utf8_at(&mut self.db).to(None);
        if input.too_large(&self.db) {
            input.set_too_large(&mut self.db).to(false);
        }
        Ok(())
    }

    /// Recomputes which policy each file belongs to, reusing policy inputs that did not change.
    fn regroup(&mut self) {
        let mut grouped: Vec<Vec<FileId>> = self
            .groups
            .iter()
            .map(|group| {
                group
                    .iter()
                    .copied()
                    .filter(|file| self.files.contains_key(file))
                    .collect::<Vec<_>>()
            })
            .filter(|group| !group.is_empty())
            .collect();
        let mut loose: Vec<FileId> = self
            .files
            .keys()
            .copied()
            .filter(|file| !grouped.iter().any(|group| group.contains(file)))
            .collect();
        loose.sort();
        grouped.extend(loose.into_iter().map(|file| vec![file]));
        let mut policies = HashMap::new();
        let mut file_policy = HashMap::new();
        for group in grouped {
            let input = match self.policies.remove(&group) {
                Some(input) => input,
                None => {
                    let files = group.iter().map(|file| self.files[file]).collect();
                    PolicyInput::new(&self.db, files, self.require_env)
                }
            };
            for file in &group {
                file_policy.insert(*file, input);
            }
            policies.insert(group, input);
        }
        self.policies = policies;
        self.file_policy = Arc::new(file_policy);
        self.inputs = Arc::new(self.files.clone());
    }
}

/// Checks one policy through a fresh host: file `i` of `sources` gets id `FileId(i)`. The
/// files are parsed by the host's queries and the policy is checked in one pass (no edit will
/// follow), which gives what a language server's host gives after any edits.
pub fn check_policy(sources: Vec<SourceFile>, options: &CheckOptions) -> Analysis {
    let host = policy_host(sources, options.require_env);
    host.snapshot()
        .analysis()
        .ok()
        .flatten()
        .unwrap_or_else(|| Analysis::new(Vec::new(), Default::default(), Vec::new()))
}

/// Checks a project the way `faramesh check` does: its policy through [`check_policy`], then
/// the diagnostics of reading it (mistakes in `faramesh.toml`, imports that could not be read),
/// without the warnings located in imported files.
pub fn check_project(project: Project, options: &CheckOptions) -> Analysis {
    let parts = project.into_parts();
    let mut analysis = check_policy(parts.policy, options);
    for manifest in parts.manifests {
        analysis.attach(manifest);
    }
    analysis.add_diagnostics(parts.diagnostics);
    analysis
}

/// A host holding one policy made of `sources`, file `i` with id `FileId(i)`.
fn policy_host(sources: Vec<SourceFile>, require_env: bool) -> AnalysisHost {
    let mut host = AnalysisHost::new(require_env, None);
    let mut change = Change::default();
    let ids: Vec<FileId> = (0..sources.len() as u32).map(FileId).collect();
    for (id, source) in ids.iter().zip(sources) {
        change.set_file(*id, source);
    }
    change.set_policies(vec![ids]);
    // Whole files only: nothing can be out of range, and no snapshot exists to cancel.
    let _ = host.apply_change(change);
    host
}

/// A consistent view of the host at one moment. Queries return [`Cancelled`] once the host
/// applies a newer change; drop the snapshot then and take a new one.
#[derive(Clone)]
pub struct Snapshot {
    db: RootDatabase,
    files: Arc<HashMap<FileId, FileInput>>,
    file_policy: Arc<HashMap<FileId, PolicyInput>>,
    smt_cache: Arc<crate::smt::Cache>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// Runs `query` on the database, turning salsa's cancellation into `Err(Cancelled)`.
    fn with<T>(&self, query: impl FnOnce(&RootDatabase) -> T) -> Result<T, Cancelled> {
        Cancelled::catch(AssertUnwindSafe(|| query(&self.db)))
    }

    fn inputs(&self, file: FileId) -> Option<(FileInput, PolicyInput)> {
        Some((*self.files.get(&file)?, *self.file_policy.get(&file)?))
    }

    /// The ids of every file, sorted.
    pub fn files(&self) -> Vec<FileId> {
        let mut files: Vec<FileId> = self.files.keys().copied().collect();
        files.sort();
        files
    }

    /// The files of the policy `file` belongs to, in policy order.
    pub fn policy_files(&self, file: FileId) -> Result<Vec<FileId>, Cancelled> {
        let Some((_, policy)) = self.inputs(file) else {
            return Ok(Vec::new());
        };
        self.with(|db| policy.files(db).iter().map(|file| file.id(db)).collect())
    }

    /// The files of the policy `file` belongs to, with their paths and texts, in policy order.
    pub fn policy_sources(&self, file: FileId) -> Result<Vec<(FileId, SourceFile)>, Cancelled> {
        let Some((_, policy)) = self.inputs(file) else {
            return Ok(Vec::new());
        };
        self.with(|db| {
            policy
                .files(db)
                .iter()
                .map(|input| (input.id(db), db::source_file(db, *input)))
                .collect()
        })
    }

    /// A file's current text.
    pub fn text(&self, file: FileId) -> Option<Arc<str>> {
        let input = self.files.get(&file)?;
        Cancelled::catch(AssertUnwindSafe(|| input.text(&self.db).clone())).ok()
    }

    /// A file's path as given.
    pub fn path(&self, file: FileId) -> Option<String> {
        let input = self.files.get(&file)?;
        Cancelled::catch(AssertUnwindSafe(|| input.path(&self.db).clone())).ok()
    }

    /// A file's tree and syntax errors.
    pub fn parse(&self, file: FileId) -> Result<Option<FileParse>, Cancelled> {
        let Some(input) = self.files.get(&file) else {
            return Ok(None);
        };
        self.with(|db| Some(db::parse(db, *input).clone()))
    }

    /// The lexical and syntax diagnostics of a file: the first layer to publish.
    pub fn syntax_diagnostics(&self, file: FileId) -> Result<Vec<Diagnostic>, Cancelled> {
        let Some(input) = self.files.get(&file) else {
            return Ok(Vec::new());
        };
        self.with(|db| db::syntax_diagnostics(db, *input).clone())
    }

    /// Every diagnostic of a file — syntax and semantic — sorted by position and code.
    pub fn diagnostics(&self, file: FileId) -> Result<Vec<Diagnostic>, Cancelled> {
        let Some((input, policy)) = self.inputs(file) else {
            return Ok(Vec::new());
        };
        self.with(|db| db::file_diagnostics(db, policy, input).clone())
    }

    /// The whole analysis, in one pass, of the policy whose files are `0..n` in policy order
    /// (as [`policy_host`] sets them up).
    fn analysis(&self) -> Result<Option<Analysis>, Cancelled> {
        let Some((_, policy)) = self.inputs(FileId(0)) else {
            return Ok(None);
        };
        self.with(|db| {
            let inputs = policy.files(db);
            let files = inputs
                .iter()
                .map(|input| AnalyzedFile::new(db::source_file(db, *input)))
                .collect();
            let (model, diagnostics) = whole::check(db, policy);
            Some(Analysis::new(files, model, diagnostics))
        })
    }

    /// The semantic model of the policy `file` belongs to, with absolute positions.
    pub fn policy_model(&self, file: FileId) -> Result<Option<crate::hir::Policy>, Cancelled> {
        let Some((_, policy)) = self.inputs(file) else {
            return Ok(None);
        };
        self.with(|db| Some(db::policy_model(db, policy).clone()))
    }
}
