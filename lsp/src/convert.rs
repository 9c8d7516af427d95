//! Analyzer data → LSP types: diagnostics, completions, symbols, tokens, edits, capabilities.

use std::collections::HashMap;

use fpl_analyzer::host::ide::{
    Assist, AssistKind, Completion, CompletionKind, Fold, FoldKind, HighlightKind,
    InlayHint as Hint, Symbol, SymbolKind as Kind, TokenHighlight,
};
use fpl_analyzer::{Diagnostic as FplDiagnostic, Severity};
use tower_lsp_server::ls_types::*;

use crate::client_support::ClientSupport;
use crate::lines::DocumentLines;
use crate::server::{Ctx, FileViews, code_href};

/// What the server can do for a client that supports `support`.
pub(crate) fn capabilities(support: &ClientSupport) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(support.position_encoding()),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), " ".to_string(), "=".to_string()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: vec![
                        SemanticTokenModifier::DECLARATION,
                        SemanticTokenModifier::DEFAULT_LIBRARY,
                        SemanticTokenModifier::new("mandatory"),
                    ],
                },
                full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::REGEXP,
    SemanticTokenType::CLASS,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PARAMETER,
];

fn token_type(kind: HighlightKind) -> (u32, u32) {
    match kind {
        HighlightKind::Keyword => (0, 0),
        HighlightKind::String => (1, 0),
        HighlightKind::Number => (2, 0),
        HighlightKind::Comment => (3, 0),
        HighlightKind::Operator => (4, 0),
        HighlightKind::Pattern => (5, 0),
        HighlightKind::Declaration => (6, 1),
        HighlightKind::Property => (7, 0),
        HighlightKind::Root => (8, 2),
        HighlightKind::Function => (9, 2),
        HighlightKind::Key => (10, 0),
    }
}

/// Diagnostics of the analyzer as LSP diagnostics of one file.
pub(crate) fn diagnostics(ctx: &Ctx, diagnostics: &[FplDiagnostic]) -> Vec<Diagnostic> {
    diagnostics_of(&ctx.files, ctx.file, diagnostics)
}

/// Diagnostics of the analyzer as LSP diagnostics of `file`.
pub(crate) fn diagnostics_of(
    files: &FileViews,
    file: fpl_analyzer::FileId,
    diagnostics: &[FplDiagnostic],
) -> Vec<Diagnostic> {
    let Some(view) = files.get(file) else {
        return Vec::new();
    };
    diagnostics
        .iter()
        .filter(|d| d.span.file == file)
        .map(|d| diagnostic(files, &view.lines, d))
        .collect()
}

fn diagnostic(files: &FileViews, lines: &DocumentLines, d: &FplDiagnostic) -> Diagnostic {
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: files.location(label.span.file, label.span.range)?,
                message: label.message.clone(),
            })
        })
        .collect();
    let code = d.code.as_str();
    Diagnostic {
        range: lines.range(d.span.range),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: code_href(code).map(|href| CodeDescription { href }),
        source: Some("faramesh".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        // `Unnecessary` is kept for rules proved unreachable (S0301).
        tags: (code == "S0301").then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

/// A completion item; a snippet is sent as plain text unless the client takes `snippets`.
pub(crate) fn completion(item: Completion, snippets: bool) -> CompletionItem {
    let kind = match item.kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Snippet => CompletionItemKind::SNIPPET,
        CompletionKind::Key => CompletionItemKind::PROPERTY,
        CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::Argument => CompletionItemKind::VARIABLE,
        CompletionKind::Function => CompletionItemKind::FUNCTION,
        CompletionKind::Tool => CompletionItemKind::VALUE,
        CompletionKind::Name => CompletionItemKind::REFERENCE,
    };
    let (insert_text, format) = match &item.snippet {
        Some(snippet) if snippets => (Some(snippet.clone()), InsertTextFormat::SNIPPET),
        _ => (item.snippet_as_text(), InsertTextFormat::PLAIN_TEXT),
    };
    CompletionItem {
        label: item.label,
        kind: Some(kind),
        detail: item.detail,
        insert_text_format: insert_text.is_some().then_some(format),
        insert_text,
        ..CompletionItem::default()
    }
}

/// A document symbol and its children.
#[allow(deprecated)]
pub(crate) fn document_symbol(lines: &DocumentLines, symbol: Symbol) -> DocumentSymbol {
    let children: Vec<DocumentSymbol> = symbol
        .children
        .into_iter()
        .map(|child| document_symbol(lines, child))
        .collect();
    DocumentSymbol {
        name: symbol.name,
        detail: symbol.detail,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: lines.range(symbol.range),
        selection_range: lines.range(symbol.selection),
        children: (!children.is_empty()).then_some(children),
    }
}

/// The LSP kind of an outline entry.
pub(crate) fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Agent => SymbolKind::CLASS,
        Kind::Phase => SymbolKind::ENUM_MEMBER,
        Kind::Rule => SymbolKind::FUNCTION,
        Kind::Credential => SymbolKind::KEY,
        Kind::Budget => SymbolKind::NUMBER,
        Kind::Provider => SymbolKind::MODULE,
        Kind::Var => SymbolKind::CONSTANT,
        Kind::Block => SymbolKind::OBJECT,
    }
}

/// A folding range, if it spans lines.
pub(crate) fn folding_range(lines: &DocumentLines, fold: Fold) -> Option<FoldingRange> {
    let range = lines.range(fold.range);
    (range.start.line < range.end.line).then_some(FoldingRange {
        start_line: range.start.line,
        start_character: None,
        end_line: range.end.line,
        end_character: None,
        kind: Some(match fold.kind {
            FoldKind::Block => FoldingRangeKind::Region,
            FoldKind::Comment => FoldingRangeKind::Comment,
        }),
        collapsed_text: None,
    })
}

/// Semantic tokens, relative-encoded.
pub(crate) fn semantic_tokens(
    lines: &DocumentLines,
    highlights: &[TokenHighlight],
) -> Vec<SemanticToken> {
    let mut out = Vec::with_capacity(highlights.len());
    let (mut line, mut start) = (0, 0);
    for highlight in highlights {
        let range = lines.range(highlight.range);
        if range.start.line != range.end.line {
            continue;
        }
        let (token_type, mut modifiers) = token_type(highlight.kind);
        if highlight.mandatory {
            modifiers |= 4;
        }
        let delta_line = range.start.line - line;
        let delta_start = if delta_line == 0 {
            range.start.character - start
        } else {
            range.start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: range.end.character - range.start.character,
            token_type,
            token_modifiers_bitset: modifiers,
        });
        line = range.start.line;
        start = range.start.character;
    }
    out
}

/// One edit turning `old` tokens into `new` ones: the changed middle between common ends.
pub(crate) fn token_edits(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    if prefix == old.len() && prefix == new.len() {
        return Vec::new();
    }
    vec![SemanticTokensEdit {
        start: (prefix * 5) as u32,
        delete_count: ((old.len() - prefix - suffix) * 5) as u32,
        data: Some(new[prefix..new.len() - suffix].to_vec()),
    }]
}

/// An inlay hint.
pub(crate) fn inlay_hint(lines: &DocumentLines, hint: Hint) -> InlayHint {
    InlayHint {
        position: lines.position(hint.offset),
        label: InlayHintLabel::String(hint.label),
        kind: Some(if hint.is_path {
            InlayHintKind::PARAMETER
        } else {
            InlayHintKind::TYPE
        }),
        text_edits: None,
        tooltip: None,
        padding_left: Some(!hint.is_path),
        padding_right: None,
        data: None,
    }
}

/// Analyzer edits as a workspace edit; `None` when one would change an imported artifact, which
/// is read-only (the rest alone would leave the policy half changed).
pub(crate) fn workspace_edit(ctx: &Ctx, edits: &[fpl_analyzer::TextEdit]) -> Option<WorkspaceEdit> {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        if ctx.files.get(edit.file).is_some_and(|view| view.imported) {
            return None;
        }
        if let Some(location) = ctx.location(edit.file, edit.range) {
            changes
                .entry(location.uri)
                .or_default()
                .push(TextEdit::new(location.range, edit.replacement.clone()));
        }
    }
    Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}

/// A code action; `None` when it would change an imported artifact.
pub(crate) fn code_action(ctx: &Ctx, assist: Assist) -> Option<CodeActionOrCommand> {
    let kind = match assist.kind {
        AssistKind::Fix => CodeActionKind::QUICKFIX,
        AssistKind::Refactor => CodeActionKind::REFACTOR_REWRITE,
    };
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: assist.title,
        kind: Some(kind),
        edit: Some(workspace_edit(ctx, &assist.edits)?),
        ..CodeAction::default()
    }))
}
