//! The parser's machinery: lookahead, token consumption, nodes, errors and recovery.
//!
//! The grammar itself lives in `grammar/`. Trivia are flushed into the enclosing node before a
//! node starts, so every node begins and ends with a real token and comments sit between nodes.

use rowan::{Checkpoint, GreenNode, GreenNodeBuilder, TextRange, TextSize};

use crate::SyntaxKind::{self, *};
use crate::error::{ErrorCode, SyntaxEdit, SyntaxError, SyntaxFix};
use crate::lexer::{self, RawToken};
use crate::line_index;

/// Deepest nesting of blocks, lists and expressions (SPEC §3 note 6).
pub(crate) const MAX_DEPTH: u32 = 64;

/// A token found by lookahead: where it starts and what it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookahead {
    pub start: usize,
    pub token: RawToken,
}

/// The recursive-descent parser's state.
pub(crate) struct Parser<'t> {
    text: &'t str,
    /// Everything before `pos` is in the tree.
    pos: usize,
    next: Option<Lookahead>,
    builder: GreenNodeBuilder<'static>,
    errors: Vec<SyntaxError>,
    depth: u32,
    /// Parentheses and brackets opened and not yet closed.
    open_brackets: u32,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Parser {
            text,
            pos: 0,
            next: None,
            builder: GreenNodeBuilder::new(),
            errors: Vec::new(),
            depth: 0,
            open_brackets: 0,
        }
    }

    pub(crate) fn finish(self) -> (GreenNode, Vec<SyntaxError>) {
        (self.builder.finish(), self.errors)
    }

    // ---- lookahead -------------------------------------------------------------------------

    fn scan(&self, mut pos: usize) -> Lookahead {
        loop {
            if pos >= self.text.len() {
                return Lookahead {
                    start: self.text.len(),
                    token: RawToken {
                        kind: EOF,
                        len: 0,
                        error: None,
                    },
                };
            }
            let token = lexer::lex(self.text, pos);
            if !token.kind.is_trivia() {
                return Lookahead { start: pos, token };
            }
            pos += token.len;
        }
    }

    /// The next non-trivia token in normal mode.
    pub(crate) fn peek(&mut self) -> Lookahead {
        match self.next {
            Some(next) => next,
            None => {
                let next = self.scan(self.pos);
                self.next = Some(next);
                next
            }
        }
    }

    /// The kind of the next token.
    pub(crate) fn current(&mut self) -> SyntaxKind {
        self.peek().token.kind
    }

    /// The text of the next token.
    pub(crate) fn current_text(&mut self) -> &'t str {
        let next = self.peek();
        &self.text[next.start..next.start + next.token.len]
    }

    /// The kind and text of the token `n` places after the next one (`nth(0)` is the next).
    pub(crate) fn nth(&mut self, n: usize) -> (SyntaxKind, &'t str) {
        let mut look = self.peek();
        for _ in 0..n {
            if look.token.kind == EOF {
                break;
            }
            look = self.scan(look.start + look.token.len);
        }
        (
            look.token.kind,
            &self.text[look.start..look.start + look.token.len],
        )
    }

    pub(crate) fn at(&mut self, kind: SyntaxKind) -> bool {
        self.current() == kind
    }

    /// Whether the next token is the identifier `word`.
    pub(crate) fn at_word(&mut self, word: &str) -> bool {
        self.current() == IDENT && self.current_text() == word
    }

    /// Whether the next token is one of the identifiers in `words`.
    pub(crate) fn at_any_word(&mut self, words: &[&str]) -> bool {
        self.current() == IDENT && words.contains(&self.current_text())
    }

    /// Whether a line break separates the next token from the previous one.
    pub(crate) fn at_line_start(&mut self) -> bool {
        let start = self.peek().start;
        self.pos == 0 || line_index::has_line_end(&self.text[self.pos..start])
    }

    /// Whether the next token starts right after the previous one, with no trivia between.
    pub(crate) fn next_is_glued(&mut self) -> bool {
        self.peek().start == self.pos
    }

    // ---- consuming tokens ------------------------------------------------------------------

    fn flush_trivia(&mut self) {
        let start = self.peek().start;
        while self.pos < start {
            let token = lexer::lex(self.text, self.pos);
            self.report_hidden_chars(self.pos, token.len, token.kind);
            self.emit(token.kind, token.len);
        }
    }

    fn emit(&mut self, kind: SyntaxKind, len: usize) {
        let text = &self.text[self.pos..self.pos + len];
        self.builder.token(kind.into(), text);
        self.pos += len;
        self.next = None;
    }

    fn report_lex_error(&mut self, start: usize, token: RawToken) {
        if let Some(error) = token.error {
            self.push_error(
                error.code,
                error.message.to_string(),
                start,
                start + token.len,
                None,
            );
        }
        self.report_hidden_chars(start, token.len, token.kind);
    }

    /// Reports the characters that could hide text from a reader (SPEC §2) inside the comment
    /// or string token of `kind` at `start..start + len`, one error per run.
    fn report_hidden_chars(&mut self, start: usize, len: usize, kind: SyntaxKind) {
        let what = match kind {
            COMMENT => "comment",
            STRING => "string",
            _ => return,
        };
        let text = self.text;
        for (range, first) in lexer::hidden_char_runs(&text[start..start + len]) {
            self.push_error(
                ErrorCode::E0001,
                lexer::hidden_char_message(first, what),
                start + range.start,
                start + range.end,
                None,
            );
        }
    }

    /// Consumes the next token as it lexed.
    pub(crate) fn bump(&mut self) {
        let kind = self.current();
        self.bump_as(kind);
    }

    /// Consumes the next token, recording it with `kind` (e.g. an identifier as `KEYWORD`).
    pub(crate) fn bump_as(&mut self, kind: SyntaxKind) {
        let next = self.peek();
        if next.token.kind == EOF {
            return;
        }
        self.flush_trivia();
        self.report_lex_error(next.start, next.token);
        match next.token.kind {
            L_PAREN | L_BRACK => self.open_brackets += 1,
            R_PAREN | R_BRACK => self.open_brackets = self.open_brackets.saturating_sub(1),
            _ => {}
        }
        self.emit(kind, next.token.len);
    }

    /// Consumes a pattern (SPEC §2): the longest run of pattern characters, or a string.
    /// Returns false, without consuming anything, when neither is there.
    pub(crate) fn bump_pattern(&mut self) -> bool {
        let next = self.peek();
        if next.token.kind == STRING {
            self.bump();
            return true;
        }
        let len = lexer::pattern_len(self.text, next.start);
        if len == 0 {
            return false;
        }
        self.flush_trivia();
        self.emit(PATTERN, len);
        true
    }

    /// Consumes a public key (SPEC §3 note 7): a string, or an unquoted run of key characters
    /// as one `PUBLIC_KEY` token. Returns false, without consuming anything, when neither is there.
    pub(crate) fn bump_public_key(&mut self) -> bool {
        let next = self.peek();
        if next.token.kind == STRING {
            self.bump();
            return true;
        }
        let len = match next.token.kind {
            EOF => 0,
            _ => lexer::public_key_len(self.text, next.start),
        };
        if len == 0 {
            return false;
        }
        self.flush_trivia();
        self.emit(PUBLIC_KEY, len);
        true
    }

    /// Whether a pattern (a run of pattern characters or a string) comes next.
    pub(crate) fn at_pattern(&mut self) -> bool {
        let next = self.peek();
        next.token.kind == STRING
            || (next.token.kind != EOF && lexer::pattern_len(self.text, next.start) > 0)
    }

    /// Consumes a scalar value: one literal token when the run lexes as one, else a PATTERN.
    pub(crate) fn bump_value_token(&mut self) -> bool {
        let next = self.peek();
        let run = lexer::pattern_len(self.text, next.start);
        let is_literal = next.token.kind.is_literal_token() || next.token.kind == IDENT;
        if is_literal && (run == 0 || run == next.token.len) {
            self.bump();
            return true;
        }
        if run == 0 {
            return false;
        }
        self.flush_trivia();
        self.emit(PATTERN, run);
        true
    }

    /// Consumes the next token if it has `kind`.
    pub(crate) fn eat(&mut self, kind: SyntaxKind) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes the identifier `word` as a keyword if it is next.
    pub(crate) fn eat_word(&mut self, word: &str) -> bool {
        if self.at_word(word) {
            self.bump_as(KEYWORD);
            true
        } else {
            false
        }
    }

    /// Consumes `kind` or reports that `what` was expected.
    pub(crate) fn expect(&mut self, kind: SyntaxKind, what: &str) -> bool {
        if self.eat(kind) {
            return true;
        }
        self.error_expected(what);
        false
    }

    // ---- nodes -----------------------------------------------------------------------------

    /// Starts the root node, before any trivia.
    pub(crate) fn start_root(&mut self) {
        self.builder.start_node(SOURCE_FILE.into());
    }

    pub(crate) fn start_node(&mut self, kind: SyntaxKind) {
        self.flush_trivia();
        self.builder.start_node(kind.into());
    }

    pub(crate) fn checkpoint(&mut self) -> Checkpoint {
        self.flush_trivia();
        self.builder.checkpoint()
    }

    pub(crate) fn start_node_at(&mut self, checkpoint: Checkpoint, kind: SyntaxKind) {
        self.builder.start_node_at(checkpoint, kind.into());
    }

    pub(crate) fn finish_node(&mut self) {
        self.builder.finish_node();
    }

    /// Flushes the trivia left at the end of the file into the root node.
    pub(crate) fn flush_trailing_trivia(&mut self) {
        self.flush_trivia();
    }

    // ---- errors ----------------------------------------------------------------------------

    fn push_error(
        &mut self,
        code: ErrorCode,
        message: String,
        start: usize,
        end: usize,
        fix: Option<SyntaxFix>,
    ) {
        let range = TextRange::new(TextSize::from(start as u32), TextSize::from(end as u32));
        // Unwinding out of many unclosed blocks reports the same thing at the same place once.
        if self
            .errors
            .last()
            .is_some_and(|last| last.range == range && last.message == message)
        {
            return;
        }
        self.errors.push(SyntaxError {
            code,
            message,
            range,
            fix,
        });
    }

    /// Reports an error on the next token (or at the end of the file).
    pub(crate) fn error(&mut self, code: ErrorCode, message: impl Into<String>) {
        let next = self.peek();
        let (start, end) = match next.token.kind {
            EOF => (self.pos, self.pos),
            _ => (next.start, next.start + next.token.len),
        };
        self.push_error(code, message.into(), start, end, None);
    }

    /// Reports an error with a suggested replacement for the next token.
    pub(crate) fn error_with_suggestion(
        &mut self,
        code: ErrorCode,
        message: String,
        suggestion: Option<String>,
    ) {
        self.error(code, message);
        if let (Some(last), Some(suggestion)) = (self.errors.last_mut(), suggestion) {
            last.fix = Some(SyntaxFix {
                title: format!("replace with `{suggestion}`"),
                edits: vec![SyntaxEdit {
                    range: last.range,
                    replacement: suggestion,
                }],
            });
        }
    }

    /// Reports an error over a range of text already consumed, with a fix.
    pub(crate) fn error_with_fix(
        &mut self,
        code: ErrorCode,
        message: impl Into<String>,
        range: TextRange,
        fix: SyntaxFix,
    ) {
        self.error_at(code, message, range);
        if let Some(last) = self.errors.last_mut() {
            last.fix = Some(fix);
        }
    }

    /// The text being parsed.
    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// Reports an error over a range of text already consumed.
    pub(crate) fn error_at(
        &mut self,
        code: ErrorCode,
        message: impl Into<String>,
        range: TextRange,
    ) {
        self.push_error(
            code,
            message.into(),
            range.start().into(),
            range.end().into(),
            None,
        );
    }

    /// Reports that `what` was expected where the next token stands.
    pub(crate) fn error_expected(&mut self, what: &str) {
        let next = self.peek();
        if let (ERROR_TOKEN, Some(error)) = (next.token.kind, next.token.error) {
            self.error(error.code, error.message);
            return;
        }
        let found = self.describe_current();
        self.error(ErrorCode::E0101, format!("expected {what}, found {found}"));
    }

    fn describe_current(&mut self) -> String {
        match self.current() {
            EOF => "end of file".to_string(),
            _ => {
                let text = self.current_text();
                let shown: String = text.chars().take(24).collect();
                format!("`{}`", shown.escape_debug())
            }
        }
    }

    /// The byte position just past the last consumed token.
    pub(crate) fn position(&self) -> TextSize {
        TextSize::from(self.pos as u32)
    }

    /// The range of the next token.
    pub(crate) fn current_range(&mut self) -> TextRange {
        let next = self.peek();
        TextRange::at(
            TextSize::from(next.start as u32),
            TextSize::from(next.token.len as u32),
        )
    }

    // ---- recovery --------------------------------------------------------------------------

    /// Skips tokens, keeping `{}`, `()` and `[]` balanced, until `stop` holds at the starting
    /// bracket depth (or the end of the file). The skipped text becomes one `ERROR_TOKEN` inside
    /// an `ERROR` node, so a long run of junk costs one token and one error.
    pub(crate) fn skip_until(&mut self, mut stop: impl FnMut(&mut Self) -> bool) {
        let base = self.open_brackets;
        let mut braces: u32 = 0;
        let start = self.peek().start;
        let mut end = start;
        let mut probe = start;
        loop {
            let look = self.scan(probe);
            self.next = Some(look);
            let at_base = braces == 0 && self.open_brackets <= base;
            if look.token.kind == EOF || (at_base && self.stop_at(look, &mut stop)) {
                break;
            }
            match look.token.kind {
                L_BRACE => braces += 1,
                R_BRACE => braces = braces.saturating_sub(1),
                L_PAREN | L_BRACK => self.open_brackets += 1,
                R_PAREN | R_BRACK => self.open_brackets = self.open_brackets.saturating_sub(1),
                _ => {}
            }
            end = look.start + look.token.len;
            probe = end;
        }
        self.open_brackets = self.open_brackets.min(base);
        self.next = None;
        let mut pos = start;
        while pos < end {
            let token = lexer::lex(self.text, pos);
            self.report_hidden_chars(pos, token.len, token.kind);
            pos += token.len;
        }
        if end > start {
            self.start_node(ERROR);
            self.emit(ERROR_TOKEN, end - start);
            self.finish_node();
        }
    }

    /// Evaluates `stop` as if `look` were the next token, with line-start detection working.
    fn stop_at(&mut self, look: Lookahead, stop: &mut impl FnMut(&mut Self) -> bool) -> bool {
        let saved_pos = self.pos;
        // Pretend everything up to the token's leading trivia was consumed.
        self.pos = self.last_token_end_before(look.start, saved_pos);
        self.next = Some(look);
        let result = stop(self);
        self.pos = saved_pos;
        self.next = Some(look);
        result
    }

    fn last_token_end_before(&self, start: usize, floor: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = start;
        // Walk back over whitespace; comments end at a newline, which is whitespace.
        while end > floor && matches!(bytes[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
            end -= 1;
        }
        end
    }

    /// Enters one level of nesting; reports `E0005` and returns false past the limit.
    pub(crate) fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.error(
                ErrorCode::E0005,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            );
            return false;
        }
        self.depth += 1;
        true
    }

    /// Leaves a level entered with [`Parser::enter`].
    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips one bracketed group (the next token must open it) as an error node.
    pub(crate) fn skip_group(&mut self) {
        let mut first = true;
        self.skip_until(|_| !std::mem::replace(&mut first, false));
    }
}
