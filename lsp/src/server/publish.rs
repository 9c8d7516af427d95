//! Publishing diagnostics in layers: syntax at once, then every diagnostic of the file's
//! policy, then, once typing pauses, the same with fresh SMT findings.

use std::sync::Arc;
use std::time::Duration;

use fpl_analyzer::FileId;
use fpl_analyzer::smt::{SmtError, SmtOptions};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Diagnostic, NumberOrString, Uri};

use super::Backend;
use super::dispatch::run_blocking;
use super::state::{Ctx, Shared, lock};
use crate::convert;

/// How long the SMT layer waits for typing to pause before it starts the solver.
const SMT_DEBOUNCE: Duration = Duration::from_millis(300);

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
pub(super) async fn send(
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

impl Backend {
    /// Publishes the diagnostics of `uri` in layers: its syntax diagnostics at once, then every
    /// diagnostic of each file of its policy, then (in the background, once typing pauses) the
    /// same with new SMT findings. Until those arrive, the last findings, moved with the edits,
    /// stand in for them. A layer computed on a snapshot that a newer change has overtaken is
    /// dropped: that change publishes its own. A file is published only when its diagnostics
    /// changed. An imported artifact's diagnostics are never published: they are not the
    /// user's to fix (its problems are reported at the `import`).
    pub(super) async fn publish(&self, uri: Uri) {
        let Some(ctx) = self.shared.context(&uri) else {
            return;
        };
        if ctx.files.get(ctx.file).is_some_and(|view| view.imported) {
            return;
        }
        let generation = ctx.generation;
        let mut kept = self.shared.current_smt(ctx.file);
        kept.extend(self.shared.current_imports(ctx.file));
        let syntax = run_blocking(move || {
            let mut diagnostics = ctx.snapshot.syntax_diagnostics(ctx.file)?;
            diagnostics.extend(kept);
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
                let mut diagnostics = ctx.snapshot.diagnostics(file)?;
                if let Some(view) = ctx.files.get(file).filter(|view| !view.imported) {
                    diagnostics.extend(shared.current_imports(file));
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
