//! Hover: keyword and block documentation, a rule's effect in words, what a bare path reads, a
//! pattern's meaning.

use fpl_syntax::ast::{self, AstNode};
use fpl_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

use super::{docs, token_at};
use crate::hir;

/// Hover text for a range of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverInfo {
    /// What the hover is about.
    pub range: TextRange,
    /// Markdown.
    pub markdown: String,
}

type RuleLookup<'a> = &'a dyn Fn(TextSize) -> Option<(String, hir::Rule)>;

pub(super) fn hover(
    root: &SyntaxNode,
    offset: TextSize,
    rule_at: RuleLookup<'_>,
) -> Option<HoverInfo> {
    let token = token_at(root, offset)?;
    let parent = token.parent()?;
    let markdown = match parent.kind() {
        SyntaxKind::EFFECT => rule_hover(&parent, rule_at)?,
        SyntaxKind::TOOL_PATTERN => pattern_hover(&token),
        SyntaxKind::PATH_EXPR => path_hover(&parent, &token)?,
        _ if parent.kind() == SyntaxKind::NAME => name_hover(&parent)?,
        _ if token.kind() == SyntaxKind::STRING
            && parent.kind() == SyntaxKind::LITERAL
            && is_regex_operand(&parent) =>
        {
            "A regular expression (Rust `regex` syntax), matched anywhere in the string."
                .to_string()
        }
        _ => word_hover(&token)?,
    };
    Some(HoverInfo {
        range: token.text_range(),
        markdown,
    })
}

fn word_hover(token: &SyntaxToken) -> Option<String> {
    if let Some(call) = token
        .parent()
        .and_then(|p| p.ancestors().find_map(ast::CallExpr::cast))
        && call.callee().is_some_and(|callee| {
            callee
                .syntax()
                .text_range()
                .contains_range(token.text_range())
        })
    {
        return docs::function(token.text()).map(str::to_string);
    }
    if let Some(block) = config_key_block(token) {
        return Some(config_key_hover(&block, token.text()));
    }
    docs::keyword(token.text()).map(str::to_string)
}

/// For the key of a configuration entry, the keyword of its block.
fn config_key_block(token: &SyntaxToken) -> Option<String> {
    let entry = token
        .parent()
        .filter(|p| p.kind() == SyntaxKind::CONFIG_ENTRY)?;
    let key = entry
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| !token.kind().is_trivia())?;
    if key.text_range() != token.text_range() {
        return None;
    }
    let item = entry.parent()?.parent()?;
    let keyword = item
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == SyntaxKind::KEYWORD)?;
    Some(keyword.text().to_string())
}

fn config_key_hover(block: &str, key: &str) -> String {
    use crate::config_keys::{KeyType, known_keys};
    let Some(keys) = known_keys(block) else {
        return format!("`{key}`: a key of `{block}`, which accepts any key.");
    };
    match keys.iter().find(|(name, _)| *name == key) {
        Some((_, key_type)) => {
            let takes = match key_type {
                KeyType::OneOf(words) => format!(
                    "one of {}",
                    words
                        .iter()
                        .map(|w| format!("`{w}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                KeyType::Duration => "a duration (`15m`, `1h30m`)".to_string(),
                KeyType::Integer => "a non-negative integer".to_string(),
                KeyType::Bool => "`true` or `false`".to_string(),
                KeyType::Text => "a string".to_string(),
                KeyType::StringList => "a list of strings".to_string(),
                KeyType::HostPatterns => {
                    "a list of host patterns (`example.com`, `*.example.com`, `*`)".to_string()
                }
                KeyType::Url(schemes) => format!(
                    "a URL with scheme {}",
                    schemes
                        .iter()
                        .map(|s| format!("`{s}://`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                KeyType::Patterns => "a pattern or a list of patterns".to_string(),
            };
            format!("`{block}.{key}` takes {takes}.")
        }
        None => format!("`{key}` is not a key of `{block}` (`W0211`)."),
    }
}

fn rule_hover(effect: &SyntaxNode, rule_at: RuleLookup<'_>) -> Option<String> {
    let rule = effect.parent().filter(|p| p.kind() == SyntaxKind::RULE)?;
    let (agent, lowered) = rule_at(rule.text_range().start())?;
    let verb = match (lowered.effect, lowered.mandatory) {
        (_, true) => {
            "is **always denied** (mandatory deny: tried before every other rule, nothing overrides it)"
        }
        (hir::EffectKind::Permit, _) => "is **permitted** (then rate limits and budgets apply)",
        (hir::EffectKind::Deny, _) => "is **denied**",
        (hir::EffectKind::Defer, _) => "is **deferred** for human approval",
    };
    let mut out = format!(
        "**Rule `{agent}/{}`**\n\nA call of a tool matching `{}`",
        lowered.number, lowered.pattern
    );
    for selector in &lowered.selectors {
        let what = match &selector.kind {
            hir::SelectorKind::Method => "`args.method`".to_string(),
            hir::SelectorKind::Host => "`args.host`".to_string(),
            hir::SelectorKind::Path => "`args.path`".to_string(),
            hir::SelectorKind::Port => "`args.port`".to_string(),
            hir::SelectorKind::Query(key) => format!("`args.query.{key}`"),
            hir::SelectorKind::Header(key) => format!("`args.headers.{key}`"),
        };
        out.push_str(&format!(
            ", with {what} matching `{}`",
            selector.values.join("`, `")
        ));
    }
    if let Some(condition) = rule
        .children()
        .find(|node| node.kind() == SyntaxKind::CONDITION_CLAUSE)
        .and_then(|clause| clause.children().next())
    {
        out.push_str(&format!(", when `{}`", expand_paths(&condition)));
    }
    out.push_str(&format!(", {verb}"));
    if let Some(phase) = lowered.phase {
        out.push_str(&format!(" — only in phase #{}", phase + 1));
    }
    out.push('.');
    if let Some(reason) = &lowered.reason {
        out.push_str(&format!("\n\nReason: {reason}"));
    }
    Some(out)
}

/// The text of a condition with bare paths written out (`amount` → `args.amount`).
fn expand_paths(condition: &SyntaxNode) -> String {
    let mut out = String::new();
    for element in condition.descendants_with_tokens() {
        let Some(token) = element.into_token() else {
            continue;
        };
        if token.kind().is_trivia() {
            out.push(' ');
            continue;
        }
        let first_of_bare_path = token.parent().is_some_and(|parent| {
            parent.kind() == SyntaxKind::PATH_EXPR
                && parent.first_token().as_ref() == Some(&token)
                && hir::Root::from_name(token.text()).is_none()
                && parent
                    .parent()
                    .is_none_or(|p| p.kind() != SyntaxKind::CALL_EXPR)
        });
        if first_of_bare_path {
            out.push_str("args.");
        }
        out.push_str(token.text());
    }
    let collapsed: Vec<&str> = out.split_whitespace().collect();
    collapsed.join(" ")
}

fn pattern_hover(token: &SyntaxToken) -> String {
    let text = ast::token_value(token);
    let mut out = format!("Tool pattern `{text}`: ");
    if text == "*" {
        out.push_str("matches every tool.");
        return out;
    }
    let segments: Vec<&str> = text.split('/').collect();
    let mut parts = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        parts.push(if last && *segment == "*" && segments.len() > 1 {
            "then **one or more** segments of any name".to_string()
        } else if segment.contains(['*', '?']) {
            format!("a segment like `{segment}` (`*` any run of characters, `?` one character, never crossing `/`)")
        } else {
            format!("`{segment}`")
        });
    }
    out.push_str(&format!("matches tool names made of {}.", parts.join(", ")));
    out.push_str("\n\nMatching is case-sensitive; segments are split at `/`.");
    out
}

fn path_hover(path: &SyntaxNode, token: &SyntaxToken) -> Option<String> {
    if path
        .parent()
        .is_some_and(|p| p.kind() == SyntaxKind::CALL_EXPR)
    {
        return docs::function(token.text()).map(str::to_string);
    }
    let segments = ast::PathExpr::cast(path.clone())?.segments();
    let first = segments.first()?;
    let shown = segments.join(".");
    match hir::Root::from_name(first) {
        Some(root) => {
            let mut out = format!("`{shown}`");
            if let Some(doc) = docs::root(root.as_str()) {
                out.push_str(&format!("\n\n{doc}"));
            }
            Some(out)
        }
        None => Some(format!(
            "`{shown}` reads **`args.{shown}`**: a path whose first name is not a root (`args`, `principal`, `session`, `time`, `tool`, `agent`, `vars`) reads the request's arguments.\n\nAn absent argument reads as null; comparing it with `<` is a `CONDITION_ERROR` (deny)."
        )),
    }
}

fn name_hover(name: &SyntaxNode) -> Option<String> {
    let owner = name.parent()?;
    let text = ast::Name::cast(name.clone())?.text();
    Some(match owner.kind() {
        SyntaxKind::AGENT => format!("**agent** `{text}`"),
        SyntaxKind::PHASE => format!("**phase** `{text}`"),
        SyntaxKind::PROVIDER => format!("**provider** `{text}`: credentials name it as `backend`."),
        SyntaxKind::CREDENTIAL => format!("**credential** `{text}`"),
        SyntaxKind::VAR_DECL => format!("**var** `{text}`: read as `vars.{text}`."),
        SyntaxKind::BUDGET => docs::keyword("budget")?.to_string(),
        _ => format!("`{text}`"),
    })
}

fn is_regex_operand(literal: &SyntaxNode) -> bool {
    literal.parent().is_some_and(|parent| {
        parent.kind() == SyntaxKind::BIN_EXPR
            && parent
                .children_with_tokens()
                .filter_map(|element| element.into_token())
                .any(|token| matches!(token.text(), "matches" | "=~" | "!~"))
    })
}
