//! Requests that answer with edits: code actions (assists and the fixes of kept SMT
//! findings) and formatting of a document or a range.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, DocumentFormattingParams, DocumentRangeFormattingParams,
    MessageType, TextEdit,
};

use crate::convert;
use crate::server::Backend;
use crate::server::state::{Ctx, lock};

/// The assists at the range, and the fixes of the SMT findings there.
pub(in crate::server) async fn code_action(
    backend: &Backend,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let range = params.range;
    let uri = params.text_document.uri;
    let smt = lock(&backend.shared.documents)
        .by_uri
        .get(&uri)
        .map(|document| backend.shared.current_smt(document.file))
        .unwrap_or_default();
    backend
        .query(&uri, move |ctx| {
            let range = ctx.lines.text_range(range);
            let mut assists = ctx.snapshot.assists(ctx.file, range)?;
            assists.extend(ctx.snapshot.fixes(&smt, range));
            Ok(Some(
                assists
                    .into_iter()
                    .filter_map(|assist| convert::code_action(ctx, assist))
                    .collect(),
            ))
        })
        .await
}

/// The minimal edits that format the whole document.
pub(in crate::server) async fn formatting(
    backend: &Backend,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>> {
    let formatted = backend
        .query(&params.text_document.uri, |ctx| {
            let edits = fpl_fmt::format_edits(ctx.lines.text());
            Ok(Some(text_edits(ctx, edits)))
        })
        .await?;
    edits_or_message(backend, formatted).await
}

/// The minimal edits that format the lines of the range.
pub(in crate::server) async fn range_formatting(
    backend: &Backend,
    params: DocumentRangeFormattingParams,
) -> Result<Option<Vec<TextEdit>>> {
    let range = params.range;
    let formatted = backend
        .query(&params.text_document.uri, move |ctx| {
            let range = ctx.lines.text_range(range);
            let edits = fpl_fmt::format_range(ctx.lines.text(), range);
            Ok(Some(text_edits(ctx, edits)))
        })
        .await?;
    edits_or_message(backend, formatted).await
}

/// Formatter edits as LSP edits, or why the file cannot be formatted (an imported artifact
/// is read-only).
fn text_edits(
    ctx: &Ctx,
    edits: std::result::Result<Vec<fpl_fmt::TextEdit>, fpl_fmt::FormatError>,
) -> std::result::Result<Vec<TextEdit>, String> {
    if ctx.files.get(ctx.file).is_some_and(|view| view.imported) {
        return Err(
            "faramesh: not formatted: the file is an artifact the policy imports, read-only"
                .to_string(),
        );
    }
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

/// The edits, or `None` with the reason shown to the user (`window/showMessage`).
async fn edits_or_message(
    backend: &Backend,
    formatted: Option<std::result::Result<Vec<TextEdit>, String>>,
) -> Result<Option<Vec<TextEdit>>> {
    match formatted {
        Some(Ok(edits)) => Ok(Some(edits)),
        Some(Err(message)) => {
            backend
                .client
                .show_message(MessageType::WARNING, message)
                .await;
            Ok(None)
        }
        None => Ok(None),
    }
}
