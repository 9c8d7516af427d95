//! The kinds of tokens and nodes in the FPL syntax tree, and the rowan language binding.

macro_rules! syntax_kinds {
    ($($(#[$doc:meta])* $kind:ident,)*) => {
        /// Every kind of token and node in an FPL syntax tree.
        ///
        /// Keywords are contextual (SPEC §2): the lexer yields `IDENT` and the parser remaps a word
        /// it reads as a keyword to `KEYWORD`, so the tree says how each word was understood.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        #[allow(non_camel_case_types, missing_docs)]
        pub enum SyntaxKind {
            $($(#[$doc])* $kind,)*
        }

        /// Every kind, indexed by its discriminant.
        const SYNTAX_KINDS: &[SyntaxKind] = &[$(SyntaxKind::$kind),*];
    };
}

syntax_kinds! {
    // Trivia.
    WHITESPACE,
    COMMENT,
    // Tokens.
    IDENT,
    KEYWORD,
    STRING,
    NUMBER,
    MONEY,
    DURATION,
    SIZE,
    PATTERN,
    /// A public key written without quotes after `key "id"` in `trust` (SPEC §3 note 7).
    PUBLIC_KEY,
    L_BRACE,
    R_BRACE,
    L_PAREN,
    R_PAREN,
    L_BRACK,
    R_BRACK,
    COMMA,
    COLON,
    EQ,
    DOT,
    SLASH,
    STAR,
    BANG,
    EQ2,
    NEQ,
    LT,
    LTE,
    GT,
    GTE,
    MATCH,
    NOT_MATCH,
    AMP2,
    PIPE2,
    /// Bytes the lexer could not read (a bad character, or a run skipped by error recovery).
    ERROR_TOKEN,
    EOF,
    // Nodes.
    SOURCE_FILE,
    IMPORT,
    RUNTIME,
    PROVIDER,
    IDENTITY,
    TRUST,
    TRUST_KEY,
    TRUST_DELEGATION,
    TRUST_INBOUND,
    /// Another trust entry, `IDENT STRING entries…` (e.g. `spiffe_federated`), carried as written.
    TRUST_ENTRY,
    SYSTEM,
    MANIFEST,
    AGENT,
    NAME,
    DEFAULT_DECL,
    ATTRIBUTE,
    VAR_DECL,
    BUDGET,
    BUDGET_ITEM,
    PHASE,
    PHASE_ATTR,
    RULES_BLOCK,
    RULE,
    EFFECT,
    TOOL_PATTERN,
    CONDITION_CLAUSE,
    SELECTOR_CLAUSE,
    KEYED_SELECTOR_CLAUSE,
    TEXT_CLAUSE,
    REEVAL_CLAUSE,
    SELECTOR_VALUE,
    RATE_LIMIT,
    REDACT,
    EGRESS,
    ALERT,
    AUDIT,
    AUDIT_INCLUDE,
    CREDENTIAL,
    CREDENTIAL_SCOPE,
    CREDENTIAL_ATTR,
    DELEGATE,
    SELECTOR,
    AMBIENT,
    NAMED_CONFIG,
    CONFIG_BLOCK,
    CONFIG_ENTRY,
    VALUE_LITERAL,
    VALUE_LIST,
    ENV_CALL,
    BIN_EXPR,
    PREFIX_EXPR,
    PAREN_EXPR,
    PATH_EXPR,
    LITERAL,
    LIST_EXPR,
    CALL_EXPR,
    ARG_LIST,
    /// Arguments of a call that cannot be a built-in (`session.sum(…)`), kept as raw tokens.
    TOKEN_TREE,
    /// Text the parser could not place; it always comes with a syntax error.
    ERROR,
}

impl SyntaxKind {
    /// Whitespace and comments: kept in the tree, ignored by the grammar.
    pub fn is_trivia(self) -> bool {
        matches!(self, SyntaxKind::WHITESPACE | SyntaxKind::COMMENT)
    }

    /// Tokens that are literal values in a condition or a block.
    pub fn is_literal_token(self) -> bool {
        matches!(
            self,
            SyntaxKind::STRING
                | SyntaxKind::NUMBER
                | SyntaxKind::MONEY
                | SyntaxKind::DURATION
                | SyntaxKind::SIZE
        )
    }

    const LAST: u16 = SyntaxKind::ERROR as u16;
}

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        rowan::SyntaxKind(kind as u16)
    }
}

/// The rowan language tag of FPL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FplLanguage {}

impl rowan::Language for FplLanguage {
    type Kind = SyntaxKind;

    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        assert!(
            raw.0 <= SyntaxKind::LAST,
            "raw syntax kind {} out of range",
            raw.0
        );
        // SAFETY-free conversion: the enum is `repr(u16)` with contiguous discriminants.
        SYNTAX_KINDS[raw.0 as usize]
    }

    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        kind.into()
    }
}

/// A node of the untyped syntax tree.
pub type SyntaxNode = rowan::SyntaxNode<FplLanguage>;
/// A token of the untyped syntax tree.
pub type SyntaxToken = rowan::SyntaxToken<FplLanguage>;
/// A node or a token.
pub type SyntaxElement = rowan::SyntaxElement<FplLanguage>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_table_matches_discriminants() {
        for (index, kind) in SYNTAX_KINDS.iter().enumerate() {
            assert_eq!(*kind as usize, index, "{kind:?}");
        }
        assert_eq!(SYNTAX_KINDS.len(), SyntaxKind::LAST as usize + 1);
    }
}
