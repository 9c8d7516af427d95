//! The phrase tables of the intent language: effect phrases, built-in tool words, the words that
//! carry no meaning of their own, environments, audit fields, alert events, and the example
//! phrases offered when a sentence is not understood. `docs/intent.md` documents every table.

use super::words::{Token, phrase_stems, stem};

/// The effect a phrase gives a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `permit`
    Permit,
    /// `deny`
    Deny,
    /// `defer`
    Defer,
}

impl Effect {
    /// The FPL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Deny => "deny",
            Effect::Defer => "defer",
        }
    }
}

/// An effect phrase: its words, effect, whether it makes a mandatory deny (`never`), and whether
/// the words after it name who approves (`go to finance`).
pub(crate) struct EffectPhrase {
    pub words: &'static str,
    pub effect: Effect,
    pub mandatory: bool,
    pub target_follows: bool,
}

const fn phrase(words: &'static str, effect: Effect) -> EffectPhrase {
    EffectPhrase {
        words,
        effect,
        mandatory: false,
        target_follows: false,
    }
}

const fn never(words: &'static str) -> EffectPhrase {
    EffectPhrase {
        words,
        effect: Effect::Deny,
        mandatory: true,
        target_follows: false,
    }
}

const fn routed(words: &'static str) -> EffectPhrase {
    EffectPhrase {
        words,
        effect: Effect::Defer,
        mandatory: false,
        target_follows: true,
    }
}

/// Every effect phrase (matched on stems, longest first at a position).
pub(crate) const EFFECT_PHRASES: &[EffectPhrase] = &[
    phrase("allow", Effect::Permit),
    phrase("permit", Effect::Permit),
    phrase("let", Effect::Permit),
    phrase("can", Effect::Permit),
    phrase("may", Effect::Permit),
    phrase("is free to", Effect::Permit),
    phrase("are free to", Effect::Permit),
    phrase("is fine", Effect::Permit),
    phrase("are fine", Effect::Permit),
    phrase("deny", Effect::Deny),
    phrase("block", Effect::Deny),
    phrase("forbid", Effect::Deny),
    phrase("forbidden", Effect::Deny),
    phrase("reject", Effect::Deny),
    phrase("disallow", Effect::Deny),
    phrase("prohibit", Effect::Deny),
    phrase("refuse", Effect::Deny),
    phrase("must not", Effect::Deny),
    phrase("may not", Effect::Deny),
    phrase("cannot", Effect::Deny),
    phrase("can not", Effect::Deny),
    phrase("can't", Effect::Deny),
    phrase("should not", Effect::Deny),
    phrase("shouldn't", Effect::Deny),
    phrase("mustn't", Effect::Deny),
    phrase("do not", Effect::Deny),
    phrase("don't", Effect::Deny),
    phrase("does not", Effect::Deny),
    phrase("doesn't", Effect::Deny),
    phrase("do not allow", Effect::Deny),
    phrase("don't allow", Effect::Deny),
    phrase("does not allow", Effect::Deny),
    phrase("doesn't allow", Effect::Deny),
    phrase("not allowed", Effect::Deny),
    phrase("not permitted", Effect::Deny),
    never("never"),
    never("never allow"),
    never("must never"),
    never("should never"),
    never("may never"),
    never("can never"),
    never("never allowed"),
    never("never permitted"),
    phrase("defer", Effect::Defer),
    phrase("require_approval", Effect::Defer),
    phrase("require approval", Effect::Defer),
    phrase("require human approval", Effect::Defer),
    phrase("require human review", Effect::Defer),
    phrase("require review", Effect::Defer),
    phrase("require a human", Effect::Defer),
    phrase("require sign-off", Effect::Defer),
    phrase("need approval", Effect::Defer),
    phrase("need human approval", Effect::Defer),
    phrase("need human review", Effect::Defer),
    phrase("need review", Effect::Defer),
    phrase("need a human", Effect::Defer),
    phrase("need sign-off", Effect::Defer),
    phrase("escalate", Effect::Defer),
    phrase("ask for approval", Effect::Defer),
    phrase("ask a human", Effect::Defer),
    phrase("must be approved", Effect::Defer),
    phrase("be approved", Effect::Defer),
    phrase("hold for approval", Effect::Defer),
    routed("go to"),
    routed("are sent to"),
    routed("is sent to"),
    routed("route to"),
];

/// Phrases that make a deny mandatory wherever they stand in the sentence.
pub(crate) const MANDATORY_MARKERS: &[&str] = &[
    "no exceptions",
    "no exception",
    "without exception",
    "without exceptions",
    "under no circumstances",
    "ever",
];

/// Phrases that make a rule the fallback for its tools (ordered after every other rule), or with
/// no tool, the agent's `default`.
pub(crate) const DEFAULT_MARKERS: &[&str] = &["by default", "as a default", "otherwise"];

/// Phrases naming "every tool not named elsewhere": the agent's `default`.
pub(crate) const REST_PHRASES: &[&str] = &[
    "everything else",
    "anything else",
    "all other tools",
    "all other actions",
    "all other calls",
    "any other tool",
    "any other action",
    "every other tool",
    "every other action",
    "other tools",
    "other actions",
    "the rest",
    "all else",
    "everything not listed",
    "anything not listed",
    "everything not mentioned",
    "anything not mentioned",
    "everything not named",
    "anything not named",
];

/// Phrases naming every tool: `*`.
pub(crate) const EVERY_TOOL_PHRASES: &[&str] = &[
    "everything",
    "anything",
    "every action",
    "all actions",
    "any action",
    "actions",
    "every tool",
    "all tools",
    "any tool",
    "every tool call",
    "all tool calls",
    "tool calls",
    "every call",
    "all calls",
    "calls",
];

/// The built-in tool words: phrase → tool patterns.
pub(crate) const BUILTIN_TOOLS: &[(&str, &[&str])] = &[
    ("shell commands", &["shell/*"]),
    ("shell", &["shell/*"]),
    ("terminal commands", &["shell/*"]),
    ("refunds", &["stripe/refund"]),
    ("charges", &["stripe/charge"]),
    ("card charges", &["stripe/charge"]),
    ("payouts", &["stripe/payouts"]),
    ("database writes", &["db/write"]),
    ("db writes", &["db/write"]),
    ("writes to the database", &["db/write"]),
    ("database reads", &["db/read"]),
    ("db reads", &["db/read"]),
    ("reads from the database", &["db/read"]),
    ("databases", &["db/*"]),
    ("the database", &["db/*"]),
    ("http get requests", &["http/get", "http/get/*"]),
    ("read-only http get requests", &["http/get", "http/get/*"]),
    ("read-only http requests", &["http/get", "http/get/*"]),
    ("get requests", &["http/get", "http/get/*"]),
    ("http post requests", &["http/post", "http/post/*"]),
    ("post requests", &["http/post", "http/post/*"]),
    ("http requests", &["http/*"]),
    ("emails", &["email/send"]),
    ("file writes", &["fs/write"]),
    ("writes to files", &["fs/write"]),
    ("file reads", &["fs/read"]),
    ("reads from files", &["fs/read"]),
    ("files", &["fs/*"]),
    ("the file system", &["fs/*"]),
    ("the filesystem", &["fs/*"]),
];

/// Words that only introduce a tool: "all", "any", "the", "every" …
pub(crate) const DETERMINERS: &[&str] = &[
    "all", "any", "every", "each", "the", "a", "an", "its", "their", "some", "these", "those",
];

/// Verbs that only say "use this tool": "run shell commands", "send emails", "touch databases".
pub(crate) const TOOL_VERBS: &[&str] = &[
    "run", "use", "call", "make", "send", "perform", "execute", "touch", "access", "do", "invoke",
    "trigger", "issue", "process", "give",
];

/// Words between a subject and its verb, or before a passive effect: "is", "must", "always" …
pub(crate) const LINKING_WORDS: &[&str] = &[
    "is", "are", "be", "must", "should", "will", "shall", "always", "only", "also", "to", "please",
    "then",
];

/// The last word of a subject: "the support agent", "the payments bot".
pub(crate) const SUBJECT_HEADS: &[&str] = &["agent", "bot", "assistant", "agents", "bots"];

/// A subject that is one word.
pub(crate) const PRONOUNS: &[&str] = &["it", "they", "we"];

/// Environments: "in staging", "production databases" → `environment == "…"`.
pub(crate) const ENVIRONMENTS: &[&str] = &[
    "production",
    "prod",
    "staging",
    "stage",
    "development",
    "dev",
    "test",
    "testing",
    "qa",
    "sandbox",
];

/// The argument that environment words compare.
pub(crate) const ENVIRONMENT_ARG: &str = "environment";

/// The argument that money amounts compare when none is named.
pub(crate) const AMOUNT_ARG: &str = "amount";

/// Words that name a person who approves rather than a team, or say how: dropped from notify
/// targets ("a finance reviewer" is `finance`, "explicit approval" names no one).
pub(crate) const APPROVER_WORDS: &[&str] = &[
    "reviewer",
    "reviewers",
    "approver",
    "approvers",
    "human",
    "humans",
    "person",
    "someone",
    "member",
    "members",
    "explicit",
    "prior",
    "written",
    "manual",
    "additional",
    "extra",
    "separate",
];

/// Words after a tool or a notify target that add nothing: "to finance for approval",
/// "refunds only up to $100 per transaction".
pub(crate) const TARGET_TAIL: &[&str] = &[
    "for approval",
    "for review",
    "for sign-off",
    "first",
    "before running",
    "only",
    "per transaction",
    "per call",
    "per request",
    "each time",
    "at a time",
];

/// Audit fields: phrase → the field `audit { include … }` records.
pub(crate) const AUDIT_FIELDS: &[(&str, &str)] = &[
    ("the requesting user", "actor_id"),
    ("the user", "actor_id"),
    ("the requester", "actor_id"),
    ("the actor", "actor_id"),
    ("the caller", "actor_id"),
    ("the principal", "actor_id"),
    ("the session", "session_id"),
    ("the tenant", "tenant_id"),
    ("the agent", "agent_id"),
    ("the cost", "cost"),
];

/// Alert events: phrase → the `on` value of an `alert` block.
pub(crate) const ALERT_EVENTS: &[(&str, &str)] = &[
    ("denial", "deny"),
    ("deny", "deny"),
    ("blocked call", "deny"),
    ("deferral", "defer"),
    ("approval request", "defer"),
    ("permitted call", "permit"),
    ("budget warning", "budget_warning"),
    ("exceeded budget", "budget_exceeded"),
    ("budget overrun", "budget_exceeded"),
    ("rate limit hit", "rate_exceeded"),
    ("mandatory deny", "mandatory_deny"),
];

/// Example sentences of every statement kind, offered when a sentence is not understood.
pub(crate) const EXAMPLES: &[&str] = &[
    "deny all shell commands, no exceptions",
    "never issue payouts",
    "block database writes in production",
    "allow read-only http get requests by default",
    "allow refunds up to $100",
    "defer refunds over $500 to a finance reviewer",
    "require approval for any database write",
    "charges over $500 need approval from finance",
    "allow emails when the domain is example.com",
    "allow slack messages to channel #support",
    "defer tickets for priority high or blocker",
    "at most 20 charges per minute",
    "a daily budget of $50,000, warn at 80%",
    "a session budget of $200, require approval when exceeded",
    "never log card numbers",
    "log every action with the requesting user",
    "alert #payments-security on every denial",
    "deny everything else",
    "everything else needs human review",
    "the agent is called payments-bot",
];

/// Matches `phrase` (as stems) at `tokens[at..]`; the index after it.
pub(crate) fn match_at(tokens: &[Token], at: usize, phrase: &[String]) -> Option<usize> {
    let end = at.checked_add(phrase.len())?;
    let window = tokens.get(at..end)?;
    window
        .iter()
        .zip(phrase)
        .all(|(token, word)| token.is_word() && token.stem == *word)
        .then_some(end)
}

/// The longest of `phrases` at `tokens[at..]`: its index in `phrases` and the index after it.
pub(crate) fn longest_at(
    tokens: &[Token],
    at: usize,
    phrases: &[Vec<String>],
) -> Option<(usize, usize)> {
    phrases
        .iter()
        .enumerate()
        .filter_map(|(index, phrase)| match_at(tokens, at, phrase).map(|end| (index, end)))
        .max_by_key(|(_, end)| *end)
}

/// Stems of each phrase of a table.
pub(crate) fn stems_of<'a>(phrases: impl IntoIterator<Item = &'a str>) -> Vec<Vec<String>> {
    phrases.into_iter().map(phrase_stems).collect()
}

/// Whether `token` is one of `words` (compared as stems).
pub(crate) fn is_one_of(token: &Token, words: &[&str]) -> bool {
    token.is_word() && words.iter().any(|word| stem(word) == token.stem)
}

/// Every word the grammar knows, for "did you mean" on an unknown word.
pub(crate) fn grammar_words() -> Vec<String> {
    let mut words: Vec<String> = EFFECT_PHRASES
        .iter()
        .map(|phrase| phrase.words)
        .chain(MANDATORY_MARKERS.iter().copied())
        .chain(DEFAULT_MARKERS.iter().copied())
        .chain(REST_PHRASES.iter().copied())
        .chain(EVERY_TOOL_PHRASES.iter().copied())
        .chain(ENVIRONMENTS.iter().copied())
        .chain(EXAMPLES.iter().copied())
        .flat_map(|phrase| {
            phrase
                .split_whitespace()
                .map(|word| word.trim_matches(',').to_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|word| word.chars().all(char::is_alphabetic) && word.len() > 2)
        .collect();
    words.sort();
    words.dedup();
    words
}
