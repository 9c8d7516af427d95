//! The shape of a document: its symbols, the workspace's symbols, folding and selection ranges.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentSymbolParams, DocumentSymbolResponse, FoldingRange, FoldingRangeParams, OneOf, Range,
    SelectionRange, SelectionRangeParams, WorkspaceSymbol, WorkspaceSymbolParams,
    WorkspaceSymbolResponse,
};

use crate::convert;
use crate::server::Backend;
use crate::server::state::lock;

/// The agents, rules and other items of a document, nested.
pub(in crate::server) async fn document_symbol(
    backend: &Backend,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    backend
        .query(&params.text_document.uri, |ctx| {
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

/// The symbols of every known file whose names match the query.
pub(in crate::server) async fn workspace_symbol(
    backend: &Backend,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let any = lock(&backend.shared.documents)
        .by_uri
        .keys()
        .next()
        .cloned();
    let Some(uri) = any else {
        return Ok(None);
    };
    let query = params.query;
    backend
        .query(&uri, move |ctx| {
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

/// The blocks of a document that can be folded.
pub(in crate::server) async fn folding_range(
    backend: &Backend,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>> {
    backend
        .query(&params.text_document.uri, |ctx| {
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

/// For each position, the syntax ranges around it from the innermost out.
pub(in crate::server) async fn selection_range(
    backend: &Backend,
    params: SelectionRangeParams,
) -> Result<Option<Vec<SelectionRange>>> {
    let positions = params.positions;
    backend
        .query(&params.text_document.uri, move |ctx| {
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
