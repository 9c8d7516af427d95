//! Typed errors for loading a compiled policy, and [`root_cause`], how every crate of the
//! workspace names what is at the bottom of another library's error.

/// Why compiled policy bytes or an IR value cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes do not start with the compiled-policy magic.
    #[error("not a compiled FPL policy (bad magic)")]
    BadMagic,
    /// The format version is not one this runtime reads.
    #[error("unsupported compiled policy format version {found} (this runtime reads {supported})")]
    UnsupportedFormat {
        /// The version in the bytes.
        found: u16,
        /// The version this runtime reads.
        supported: u16,
    },
    /// The IR schema version is not one this runtime reads.
    #[error("unsupported IR version {found} (this runtime reads {supported})")]
    UnsupportedIr {
        /// The version in the policy.
        found: u32,
        /// The version this runtime reads.
        supported: u32,
    },
    /// The binary encoding is malformed.
    #[error("malformed compiled policy: {0}")]
    Decode(postcard::Error),
    /// The policy decoded but is not well formed.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

/// A policy that decoded but breaks an invariant the evaluator relies on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy at {at}: {kind}")]
pub struct ValidationError {
    /// Where: `agent "x"`, `agent "x" rule 3`, `source map`.
    pub at: String,
    /// What is wrong.
    pub kind: ValidationKind,
}

/// The invariant a [`ValidationError`] breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationKind {
    /// Two agents with the same name.
    #[error("duplicate agent name")]
    DuplicateAgent,
    /// Rule numbers must be positive and strictly increasing.
    #[error("rule number {0} is not greater than the previous one")]
    RuleNumber(u32),
    /// A `deny!` rule whose effect is not deny.
    #[error("a mandatory rule must deny")]
    MandatoryNotDeny,
    /// An index pointing outside its table.
    #[error("{what} index {index} out of range (length {len})")]
    IndexOutOfRange {
        /// Which table.
        what: &'static str,
        /// The index.
        index: u64,
        /// The table's length.
        len: u64,
    },
    /// A malformed tool, path, or value pattern.
    #[error("bad pattern `{pattern}`: {why}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// Why.
        why: &'static str,
    },
    /// A host pattern other than exact, `*.suffix` or `*`.
    #[error("bad host pattern `{0}`: use an exact host, `*.suffix` or `*`")]
    BadHostPattern(String),
    /// A port selector that is not a port or an ascending range.
    #[error("bad port selector `{0}`")]
    BadPort(String),
    /// A regular expression that does not compile within 1 MiB.
    #[error("bad regular expression `{pattern}`: {why}")]
    BadRegex {
        /// The source.
        pattern: String,
        /// The compiler's message.
        why: String,
    },
    /// A `matches` whose right side is not the string literal of its regex.
    #[error("`matches` right side must be the string literal of regex {0}")]
    RegexOperand(u32),
    /// Expression or list nesting deeper than 64.
    #[error("expression nested deeper than {0}")]
    TooDeep(usize),
    /// A bare root or an unknown built-in field (`session.foo`).
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// `vars.x` for an undeclared var.
    #[error("undeclared var `{0}`")]
    UndeclaredVar(String),
    /// A built-in called with the wrong number or kind of arguments.
    #[error("`{function}` {why}")]
    BadCall {
        /// The function.
        function: &'static str,
        /// What is wrong.
        why: &'static str,
    },
    /// A rate limit of zero.
    #[error("rate limit must be positive")]
    ZeroRateLimit,
    /// `warn_at` outside (0, 1).
    #[error("warn_at must be between 0 and 1")]
    BadWarnAt,
    /// A negative budget cap.
    #[error("budget caps must not be negative")]
    NegativeCap,
    /// The source map's shape does not match the policy.
    #[error("source map does not match the policy")]
    SourceMapShape,
}

/// The innermost cause of `error`, in its own words: what a person needs of a chain such as
/// reqwest's `error sending request for url (…)` → `client error (Connect)` → `Connection
/// refused (os error 111)`.
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
