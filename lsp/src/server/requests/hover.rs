//! Hover and completion.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CompletionParams, CompletionResponse, Hover, HoverContents, HoverParams, MarkupContent,
    MarkupKind,
};

use crate::convert;
use crate::imports::ImportInfo;
use crate::server::Backend;
use crate::server::state::{Ctx, lock};

/// The import under the cursor, when the document is a file with a locked, cached import there.
pub(super) fn import_at(
    ctx: &Ctx,
    document: Option<&std::path::Path>,
    offset: fpl_syntax::TextSize,
) -> Option<ImportInfo> {
    // The snapshot's tree: hover and go to definition must not parse the file again.
    let tree = ctx.snapshot.parse(ctx.file).ok()??.tree()?;
    crate::imports::import_at(document?, &tree, offset)
}

/// Markdown hover contents.
fn markdown(value: String) -> HoverContents {
    HoverContents::Markup(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

/// What the name under the cursor is: an import's lock entry, or the analysis's hover.
pub(in crate::server) async fn hover(
    backend: &Backend,
    params: HoverParams,
) -> Result<Option<Hover>> {
    let position = params.text_document_position_params.position;
    let uri = params.text_document_position_params.text_document.uri;
    let document = uri.to_file_path().map(|path| path.into_owned());
    backend
        .query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            if let Some(import) = import_at(ctx, document.as_deref(), offset) {
                return Ok(Some(Hover {
                    contents: markdown(import.markdown),
                    range: Some(ctx.lines.range(import.range)),
                }));
            }
            Ok(ctx.snapshot.hover(ctx.file, offset)?.map(|info| Hover {
                contents: markdown(info.markdown),
                range: Some(ctx.lines.range(info.range)),
            }))
        })
        .await
}

/// Completions at the cursor, as snippets when the client supports them.
pub(in crate::server) async fn completion(
    backend: &Backend,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position.position;
    let uri = params.text_document_position.text_document.uri;
    let snippets = lock(&backend.shared.documents).support.snippets;
    backend
        .query(&uri, move |ctx| {
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
