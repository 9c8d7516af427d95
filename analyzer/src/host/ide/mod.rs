//! Editor features over a snapshot, as plain data with byte offsets: hover, completion,
//! navigation, structure (symbols, folding, selection, highlighting, inlay hints) and code
//! actions. The language server converts them to protocol types.

mod assists;
mod completion;
mod docs;
mod hover;
pub mod moved;
mod navigation;
mod snippet;
mod structure;
#[cfg(test)]
mod tests;

use fpl_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

pub use completion::{Completion, CompletionKind};
pub use hover::HoverInfo;
pub use navigation::{FileRange, NameKind, SymbolRef};
pub use structure::{Fold, FoldKind, HighlightKind, InlayHint, Symbol, SymbolKind, TokenHighlight};

use super::db::{self, ItemNames};
use super::{Cancelled, Snapshot};
use crate::diagnostic::{Diagnostic, TextEdit};
use crate::source::FileId;

/// A named group of edits, e.g. a quick fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assist {
    /// What it does.
    pub title: String,
    /// A diagnostic's fix or a refactoring.
    pub kind: AssistKind,
    /// The edits.
    pub edits: Vec<TextEdit>,
}

/// What an assist is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssistKind {
    /// Fixes a diagnostic.
    Fix,
    /// Rewrites code without changing what it means.
    Refactor,
}

/// The fixes of those `diagnostics` whose primary span touches `range`, as assists.
fn fixes_at(diagnostics: &[Diagnostic], range: TextRange) -> Vec<Assist> {
    diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic.span.range.start() <= range.end()
                && range.start() <= diagnostic.span.range.end()
        })
        .flat_map(|diagnostic| &diagnostic.fixes)
        .map(|fix| Assist {
            title: fix.title.clone(),
            kind: AssistKind::Fix,
            edits: fix.edits.clone(),
        })
        .collect()
}

impl Snapshot {
    fn root(&self, file: FileId) -> Result<Option<SyntaxNode>, Cancelled> {
        Ok(self.parse(file)?.map(|parse| parse.syntax()))
    }

    /// What to show when hovering `offset`.
    pub fn hover(&self, file: FileId, offset: TextSize) -> Result<Option<HoverInfo>, Cancelled> {
        let Some((input, policy)) = self.inputs(file) else {
            return Ok(None);
        };
        self.with(|db| {
            let root = db::parse(db, input).syntax();
            hover::hover(&root, offset, &|start| {
                db::rule_at(db, policy, input, start)
            })
        })
    }

    /// Completions at `offset`.
    pub fn completions(
        &self,
        file: FileId,
        offset: TextSize,
    ) -> Result<Vec<Completion>, Cancelled> {
        let Some((input, _)) = self.inputs(file) else {
            return Ok(Vec::new());
        };
        self.with(|db| {
            let root = db::parse(db, input).syntax();
            let mut names = ItemNames::default();
            for other in self.files.values() {
                names.extend(db::file_names(db, *other));
            }
            completion::completions(&root, offset, &names)
        })
    }

    /// The declarations of the name at `offset`.
    pub fn definition(&self, file: FileId, offset: TextSize) -> Result<Vec<FileRange>, Cancelled> {
        let Some(symbol) = self.symbol_at(file, offset)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .occurrences(file, &symbol)?
            .into_iter()
            .filter(|(_, declaration)| *declaration)
            .map(|(range, _)| range)
            .collect())
    }

    /// Every occurrence of the name at `offset` in its policy; declarations only when asked.
    pub fn references(
        &self,
        file: FileId,
        offset: TextSize,
        include_declaration: bool,
    ) -> Result<Vec<FileRange>, Cancelled> {
        let Some(symbol) = self.symbol_at(file, offset)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .occurrences(file, &symbol)?
            .into_iter()
            .filter(|(_, declaration)| include_declaration || !*declaration)
            .map(|(range, _)| range)
            .collect())
    }

    /// The name at `offset` that can be renamed, with the range of its text.
    pub fn prepare_rename(
        &self,
        file: FileId,
        offset: TextSize,
    ) -> Result<Option<(TextRange, SymbolRef)>, Cancelled> {
        let Some(root) = self.root(file)? else {
            return Ok(None);
        };
        Ok(navigation::symbol_at(&root, offset))
    }

    /// The edits that rename the name at `offset` to `new_name` everywhere in its policy.
    pub fn rename(
        &self,
        file: FileId,
        offset: TextSize,
        new_name: &str,
    ) -> Result<Option<Vec<TextEdit>>, Cancelled> {
        let Some(symbol) = self.symbol_at(file, offset)? else {
            return Ok(None);
        };
        // `vars.<name>` reads an identifier: a var cannot take a quoted name.
        if symbol.kind == NameKind::Var && !fpl_syntax::is_identifier(new_name) {
            return Ok(None);
        }
        let mut edits = Vec::new();
        for file in self.policy_files(file)? {
            let Some(root) = self.root(file)? else {
                continue;
            };
            for (token, _) in navigation::occurrences(&root, &symbol) {
                edits.push(TextEdit {
                    file,
                    range: token.text_range(),
                    replacement: navigation::spell_name(new_name, &token),
                });
            }
        }
        Ok(Some(edits))
    }

    fn symbol_at(&self, file: FileId, offset: TextSize) -> Result<Option<SymbolRef>, Cancelled> {
        let Some(root) = self.root(file)? else {
            return Ok(None);
        };
        Ok(navigation::symbol_at(&root, offset).map(|(_, symbol)| symbol))
    }

    fn occurrences(
        &self,
        file: FileId,
        symbol: &SymbolRef,
    ) -> Result<Vec<(FileRange, bool)>, Cancelled> {
        let mut out = Vec::new();
        for file in self.policy_files(file)? {
            let Some(root) = self.root(file)? else {
                continue;
            };
            out.extend(navigation::occurrences(&root, symbol).into_iter().map(
                |(token, declaration)| {
                    let range = FileRange {
                        file,
                        range: navigation::name_range(&token),
                    };
                    (range, declaration)
                },
            ));
        }
        Ok(out)
    }

    /// The outline of a file.
    pub fn document_symbols(&self, file: FileId) -> Result<Vec<Symbol>, Cancelled> {
        Ok(self
            .root(file)?
            .map(|root| structure::symbols(&root))
            .unwrap_or_default())
    }

    /// Agents, phases, providers and credentials of every file whose name contains `query`
    /// (case-insensitive), with their files.
    pub fn workspace_symbols(&self, query: &str) -> Result<Vec<(FileId, Symbol)>, Cancelled> {
        let query = query.to_lowercase();
        let mut out = Vec::new();
        for file in self.files() {
            let Some(root) = self.root(file)? else {
                continue;
            };
            let mut stack = structure::symbols(&root);
            while let Some(mut symbol) = stack.pop() {
                stack.append(&mut symbol.children);
                if symbol.kind != SymbolKind::Rule && symbol.name.to_lowercase().contains(&query) {
                    out.push((file, symbol));
                }
            }
        }
        Ok(out)
    }

    /// Foldable regions: blocks and runs of comments.
    pub fn folding_ranges(&self, file: FileId) -> Result<Vec<Fold>, Cancelled> {
        Ok(self
            .root(file)?
            .map(|root| structure::folds(&root))
            .unwrap_or_default())
    }

    /// The ranges around `offset`, innermost first.
    pub fn selection_ranges(
        &self,
        file: FileId,
        offset: TextSize,
    ) -> Result<Vec<TextRange>, Cancelled> {
        Ok(self
            .root(file)?
            .map(|root| structure::selection(&root, offset))
            .unwrap_or_default())
    }

    /// A highlight class for every token that has one, in order.
    pub fn highlights(&self, file: FileId) -> Result<Vec<TokenHighlight>, Cancelled> {
        Ok(self
            .root(file)?
            .map(|root| structure::highlights(&root))
            .unwrap_or_default())
    }

    /// Inlay hints inside `range`: `args.` before bare paths and rule ids after rules.
    pub fn inlay_hints(&self, file: FileId, range: TextRange) -> Result<Vec<InlayHint>, Cancelled> {
        let Some((input, policy)) = self.inputs(file) else {
            return Ok(Vec::new());
        };
        self.with(|db| {
            let root = db::parse(db, input).syntax();
            structure::inlay_hints(&root, range, &|start| db::rule_at(db, policy, input, start))
        })
    }

    /// Fixes of diagnostics touching `range`, and refactorings at `range`.
    pub fn assists(&self, file: FileId, range: TextRange) -> Result<Vec<Assist>, Cancelled> {
        let mut out = self.fixes(&self.diagnostics(file)?, range);
        if let Some(root) = self.root(file)? {
            out.extend(assists::refactorings(&root, file, range));
        }
        Ok(out)
    }
}

impl Snapshot {
    /// The fixes of those `diagnostics` (e.g. SMT findings computed apart) whose primary span
    /// touches `range`. A removal that would leave a line holding only whitespace removes the
    /// whole line.
    pub fn fixes(&self, diagnostics: &[Diagnostic], range: TextRange) -> Vec<Assist> {
        let mut fixes = fixes_at(diagnostics, range);
        for edit in fixes.iter_mut().flat_map(|fix| &mut fix.edits) {
            if edit.replacement.is_empty()
                && let Some(text) = self.text(edit.file)
            {
                edit.range = assists::whole_line_removal(&text, edit.range);
            }
        }
        fixes
    }
}

/// The most interesting token at `offset`: a word or literal touching it, else any token.
pub(crate) fn token_at(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxToken> {
    if offset > root.text_range().end() {
        return None;
    }
    let at = root.token_at_offset(offset);
    let is_word = |token: &SyntaxToken| {
        matches!(
            token.kind(),
            SyntaxKind::IDENT
                | SyntaxKind::KEYWORD
                | SyntaxKind::PATTERN
                | SyntaxKind::STRING
                | SyntaxKind::NUMBER
                | SyntaxKind::MONEY
                | SyntaxKind::DURATION
                | SyntaxKind::SIZE
        )
    };
    let mut candidates: Vec<SyntaxToken> = at.collect();
    candidates.sort_by_key(|token| !is_word(token));
    candidates
        .into_iter()
        .find(|token| !token.kind().is_trivia())
        .or_else(|| root.token_at_offset(offset).right_biased())
}
