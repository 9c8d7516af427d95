//! The contextual keywords of each block (SPEC §3) and "did you mean" suggestions.

/// Effect words that start a rule.
pub const EFFECTS: &[&str] = &[
    "permit",
    "allow",
    "approve",
    "deny",
    "block",
    "reject",
    "defer",
    "require_approval",
];

/// Words that start a top-level item (flat rules start with an effect).
pub const TOP_LEVEL: &[&str] = &[
    "import", "runtime", "provider", "identity", "trust", "system", "agent", "manifest",
];

/// Words that start an item inside an `agent` block (rules start with an effect).
pub const AGENT_ITEMS: &[&str] = &[
    "default",
    "model",
    "framework",
    "version",
    "var",
    "budget",
    "phase",
    "rules",
    "rate_limit",
    "redact",
    "egress",
    "alert",
    "audit",
    "credential",
    "delegate",
    "selector",
    "ambient",
    "model_policy",
    "session",
    "spawn",
    "completion_gate",
    "enforcement",
];

/// Agent items that take a free-form configuration block.
pub const NAMED_CONFIG_ITEMS: &[&str] = &[
    "model_policy",
    "session",
    "spawn",
    "completion_gate",
    "enforcement",
];

/// Words that start a clause of a rule.
pub const CLAUSES: &[&str] = &[
    "when", "if", "method", "host", "path", "port", "query", "header", "headers", "reason",
    "notify", "reeval",
];

/// Items of a `budget` block.
pub const BUDGET_ITEMS: &[&str] = &["max", "daily", "max_calls", "warn_at", "on_exceed", "tools"];

/// Items of a `phase` block besides rules.
pub const PHASE_ITEMS: &[&str] = &["duration", "next", "tools", "rules"];

/// Items of a `credential` block.
pub const CREDENTIAL_ITEMS: &[&str] = &["scope", "backend", "path", "ttl", "max_scope"];

/// Items of a `trust` block.
pub const TRUST_ITEMS: &[&str] = &["key", "delegation", "inbound"];

/// Words reserved inside expressions (SPEC §3 note 5).
pub const EXPR_RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "matches",
    "contains",
    "starts_with",
    "ends_with",
    "true",
    "false",
    "null",
    "nil",
];

/// The effect words of `default` and `on_exceed`.
pub const EFFECT_WORDS: &[&str] = &["permit", "deny", "defer"];

/// The values of a budget's `on_exceed`: an effect, or `audit` (permit with a warning).
pub const ON_EXCEED_VALUES: &[&str] = &["deny", "defer", "audit"];

/// The candidate closest to `word`, if it is close enough to be a likely misspelling.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("defualt", AGENT_ITEMS.iter().copied()),
            Some("default")
        );
        assert_eq!(
            did_you_mean("rate_limt", AGENT_ITEMS.iter().copied()),
            Some("rate_limit")
        );
        assert_eq!(did_you_mean("zzzzzz", AGENT_ITEMS.iter().copied()), None);
    }
}
