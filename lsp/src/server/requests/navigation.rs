//! Go to definition, references and rename.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, Position, PrepareRenameResponse, Range,
    ReferenceParams, RenameParams, TextDocumentPositionParams, Uri, WorkspaceEdit,
};

use super::hover::import_at;
use crate::convert;
use crate::server::Backend;

/// Where the name under the cursor is defined; on an import, the start of its cached file.
pub(in crate::server) async fn goto_definition(
    backend: &Backend,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let position = params.text_document_position_params.position;
    let uri = params.text_document_position_params.text_document.uri;
    let document = uri.to_file_path().map(|path| path.into_owned());
    backend
        .query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            if let Some(import) = import_at(ctx, document.as_deref(), offset)
                && let Some(target) = Uri::from_file_path(&import.cached)
            {
                let start = Position::new(0, 0);
                return Ok(Some(GotoDefinitionResponse::Scalar(Location {
                    uri: target,
                    range: Range::new(start, start),
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

/// Every use of the name under the cursor (and its definition, when asked).
pub(in crate::server) async fn references(
    backend: &Backend,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>> {
    let position = params.text_document_position.position;
    let uri = params.text_document_position.text_document.uri;
    let include = params.context.include_declaration;
    backend
        .query(&uri, move |ctx| {
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

/// The range of the name a rename at the cursor would change.
pub(in crate::server) async fn prepare_rename(
    backend: &Backend,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let position = params.position;
    backend
        .query(&params.text_document.uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            Ok(ctx
                .snapshot
                .prepare_rename(ctx.file, offset)?
                .map(|(range, _)| PrepareRenameResponse::Range(ctx.lines.range(range))))
        })
        .await
}

/// The edits that rename the name under the cursor everywhere.
pub(in crate::server) async fn rename(
    backend: &Backend,
    params: RenameParams,
) -> Result<Option<WorkspaceEdit>> {
    let position = params.text_document_position.position;
    let uri = params.text_document_position.text_document.uri;
    let new_name = params.new_name;
    backend
        .query(&uri, move |ctx| {
            let offset = ctx.lines.offset(position);
            let Some(edits) = ctx.snapshot.rename(ctx.file, offset, &new_name)? else {
                return Ok(None);
            };
            Ok(convert::workspace_edit(ctx, &edits))
        })
        .await
}
