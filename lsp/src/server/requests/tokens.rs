//! What the editor paints over the text: semantic tokens (whole, or as a delta against the
//! last result the client holds) and inlay hints.

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    InlayHint, InlayHintParams, SemanticToken, SemanticTokens, SemanticTokensDelta,
    SemanticTokensDeltaParams, SemanticTokensFullDeltaResult, SemanticTokensParams,
    SemanticTokensResult, Uri,
};

use crate::convert;
use crate::server::Backend;
use crate::server::state::lock;

/// The last semantic tokens sent for each document, by result id, to answer delta requests.
#[derive(Default)]
pub(in crate::server) struct SemanticCache {
    next_id: u64,
    last: HashMap<Uri, (String, Vec<SemanticToken>)>,
}

/// The semantic tokens of `uri`'s file, encoded.
async fn semantic_tokens(backend: &Backend, uri: &Uri) -> Result<Option<Vec<SemanticToken>>> {
    backend
        .query(uri, |ctx| {
            let highlights = ctx.snapshot.highlights(ctx.file)?;
            Ok(Some(convert::semantic_tokens(&ctx.lines, &highlights)))
        })
        .await
}

/// Keeps `tokens` as the last result for `uri`; returns its new result id.
fn remember_tokens(backend: &Backend, uri: &Uri, tokens: Vec<SemanticToken>) -> String {
    let mut cache = lock(&backend.semantic);
    cache.next_id += 1;
    let id = cache.next_id.to_string();
    cache.last.insert(uri.clone(), (id.clone(), tokens));
    id
}

/// Every semantic token of a document.
pub(in crate::server) async fn semantic_tokens_full(
    backend: &Backend,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let uri = params.text_document.uri;
    let Some(tokens) = semantic_tokens(backend, &uri).await? else {
        return Ok(None);
    };
    let id = remember_tokens(backend, &uri, tokens.clone());
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: Some(id),
        data: tokens,
    })))
}

/// The edits from the client's last tokens to the current ones (all tokens when the server
/// no longer has the result the client names).
pub(in crate::server) async fn semantic_tokens_full_delta(
    backend: &Backend,
    params: SemanticTokensDeltaParams,
) -> Result<Option<SemanticTokensFullDeltaResult>> {
    let uri = params.text_document.uri;
    let previous = lock(&backend.semantic)
        .last
        .get(&uri)
        .filter(|(id, _)| *id == params.previous_result_id)
        .map(|(_, tokens)| tokens.clone());
    let Some(tokens) = semantic_tokens(backend, &uri).await? else {
        return Ok(None);
    };
    let id = remember_tokens(backend, &uri, tokens.clone());
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

/// The inlay hints within the requested range.
pub(in crate::server) async fn inlay_hint(
    backend: &Backend,
    params: InlayHintParams,
) -> Result<Option<Vec<InlayHint>>> {
    let range = params.range;
    backend
        .query(&params.text_document.uri, move |ctx| {
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
