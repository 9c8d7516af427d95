//! The words sent to a language model: a summary of the FPL grammar and meaning (SPEC §3, §6),
//! the task with the project's tool vocabulary, and the feedback after a failed answer.

use super::vocabulary::Vocabulary;

/// Vocabulary lines sent at most (a large decision history can name many tools).
const MAX_VOCABULARY_LINES: usize = 400;

/// The grammar summary of SPEC §3 that the model writes against.
const GRAMMAR: &str = r#"FPL grammar (EBNF; quoted words are keywords; whitespace and newlines are insignificant; # starts a comment):

agent        = "agent" name "{" { agent_item } "}" ;
agent_item   = "default" ( "permit" | "deny" | "defer" )
             | budget | rules_block | rule | rate_limit | redact | alert | audit ;
budget       = "budget" ( "session" | "daily" ) "{" { budget_item } "}" ;
budget_item  = ( "max" | "daily" ) MONEY | "max_calls" NUMBER | "warn_at" NUMBER (between 0 and 1)
             | "on_exceed" ( "deny" | "defer" ) ;
rules_block  = "rules" "{" { rule } "}" ;
rate_limit   = "rate_limit" pattern ":" NUMBER "per" ( "second" | "minute" | "hour" | "day" ) ;
redact       = "redact" pattern "args" ":" "[" STRING { "," STRING } "]" ;
alert        = "alert" "{" "on" "=" STRING "notify" "=" STRING "}" ;   (notify is a slack://, email://, pagerduty:// or webhook:// URL)
audit        = "audit" "{" { "include" IDENT } "}" ;
rule         = effect pattern { clause } ;
effect       = "permit" | "deny" | "deny!" | "defer" ;
clause       = "when" expr | "host" ":" pattern { "," pattern } | "method" ":" IDENT
             | "reason" ":" STRING | "notify" ":" STRING ;
pattern      = tool pattern: segments of [A-Za-z0-9_.-] separated by "/", "*" inside a segment matches
               any run of characters, a final "/*" matches one or more segments, "*" alone matches every tool ;
expr         = operand [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in" | "contains"
               | "starts_with" | "ends_with" | "matches" ) operand ] { ( "and" | "or" ) expr } | "not" expr ;
operand      = STRING | NUMBER | MONEY ($500) | "true" | "false" | "null" | "[" literal { "," literal } "]"
             | path (amount, customer.tier, principal.role: a path without a root reads the call's args) ;

Meaning: a call is decided by the agent named in it. Every deny! rule is tried first and cannot be
overridden. Then the other rules are tried in order and the FIRST rule that matches decides, so
specific rules must come before general ones. No rule matches: the agent's default decides.
Rate limits and budgets apply only to calls a rule permits."#;

/// The system message.
pub(crate) fn system() -> String {
    format!(
        "You write policies in FPL, the Faramesh Policy Language, which decides before an AI agent's \
         tool call runs whether it is permitted, denied or deferred to a human.\n\n{GRAMMAR}\n\n\
         Answer with exactly one ```fpl code block holding one agent and nothing else. Give every \
         rule the sentence it comes from as its reason. Use the tool patterns of the vocabulary; \
         never invent a tool the statements do not name."
    )
}

/// The first user message: the agent, the vocabulary and the statements.
pub(crate) fn task(intent: &str, agent: &str, vocabulary: &Vocabulary) -> String {
    let entries = vocabulary.entries();
    let mut lines: Vec<String> = entries
        .iter()
        .take(MAX_VOCABULARY_LINES)
        .map(|entry| {
            format!(
                "- \"{}\" → {} ({})",
                entry.phrase,
                entry.patterns.join(", "),
                entry.source.as_str()
            )
        })
        .collect();
    if entries.len() > MAX_VOCABULARY_LINES {
        lines.push(format!(
            "- … and {} more",
            entries.len() - MAX_VOCABULARY_LINES
        ));
    }
    format!(
        "Write the policy of the agent `{agent}`.\n\nTool vocabulary (phrase → tool patterns):\n{}\n\n\
         Policy statements, one per line:\n{}",
        lines.join("\n"),
        intent.trim()
    )
}

/// The message after an answer that did not pass.
pub(crate) fn feedback(problems: &[String]) -> String {
    format!(
        "The policy did not pass `faramesh check`:\n{}\n\nAnswer again with the whole corrected policy \
         in one ```fpl code block.",
        problems
            .iter()
            .map(|problem| format!("- {problem}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}
