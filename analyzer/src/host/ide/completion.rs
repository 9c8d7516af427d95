//! Completion by context: the block the cursor is in and the token before it decide what fits.

use fpl_syntax::keywords;
use fpl_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextSize};

use super::db::ItemNames;
use crate::config_keys::{KeyType, PROVIDER_TYPES, known_keys};
use crate::hir::Root;

/// What a completion inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    /// A keyword.
    Keyword,
    /// A block written out as a snippet.
    Snippet,
    /// A configuration key.
    Key,
    /// A value of a key.
    Value,
    /// A path root or field.
    Field,
    /// An argument name seen in the workspace.
    Argument,
    /// A built-in function.
    Function,
    /// A tool name or pattern.
    Tool,
    /// An agent, phase or provider name.
    Name,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What the list shows.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short description.
    pub detail: Option<String>,
    /// Snippet text (`$1`, `$0` placeholders) to insert instead of the label.
    pub snippet: Option<String>,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind) -> Self {
        Completion {
            label: label.into(),
            kind,
            detail: None,
            snippet: None,
        }
    }

    /// The snippet as plain text, for a client without snippet support.
    pub fn snippet_as_text(&self) -> Option<String> {
        self.snippet.as_deref().map(super::snippet::snippet_as_text)
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

pub(super) fn completions(
    root: &SyntaxNode,
    offset: TextSize,
    names: &ItemNames,
) -> Vec<Completion> {
    let mut out = Vec::new();
    let previous = previous_token(root, offset);
    if let Some(previous) = &previous
        && after_token(previous, names, &mut out)
    {
        return dedup(out);
    }
    if in_condition(root, offset, previous.as_ref()) {
        condition_operands(names, &mut out);
        return dedup(out);
    }
    let block = enclosing_block(root, offset);
    let in_rule = previous.as_ref().is_some_and(|token| {
        token
            .parent_ancestors()
            .any(|node| node.kind() == SyntaxKind::RULE)
            && same_block(token, &block)
    });
    if in_rule {
        words(
            keywords::CLAUSES,
            CompletionKind::Keyword,
            "clause",
            &mut out,
        );
    }
    match block.as_ref().map(SyntaxNode::kind) {
        None | Some(SyntaxKind::SOURCE_FILE) => {
            words(
                keywords::TOP_LEVEL,
                CompletionKind::Keyword,
                "statement",
                &mut out,
            );
            words(
                keywords::EFFECTS,
                CompletionKind::Keyword,
                "flat rule",
                &mut out,
            );
            snippets(TOP_SNIPPETS, &mut out);
        }
        Some(SyntaxKind::AGENT) => {
            words(
                keywords::AGENT_ITEMS,
                CompletionKind::Keyword,
                "agent item",
                &mut out,
            );
            words(keywords::EFFECTS, CompletionKind::Keyword, "rule", &mut out);
            out.push(Completion::new("deny!", CompletionKind::Keyword).detail("mandatory deny"));
            snippets(AGENT_SNIPPETS, &mut out);
        }
        Some(SyntaxKind::PHASE) => {
            words(
                keywords::PHASE_ITEMS,
                CompletionKind::Keyword,
                "phase item",
                &mut out,
            );
            words(keywords::EFFECTS, CompletionKind::Keyword, "rule", &mut out);
        }
        Some(SyntaxKind::RULES_BLOCK) => {
            words(keywords::EFFECTS, CompletionKind::Keyword, "rule", &mut out);
            out.push(Completion::new("deny!", CompletionKind::Keyword).detail("mandatory deny"));
        }
        Some(SyntaxKind::CREDENTIAL) => words(
            keywords::CREDENTIAL_ITEMS,
            CompletionKind::Key,
            "credential item",
            &mut out,
        ),
        Some(SyntaxKind::BUDGET) => words(
            keywords::BUDGET_ITEMS,
            CompletionKind::Key,
            "budget item",
            &mut out,
        ),
        Some(SyntaxKind::TRUST) => words(
            keywords::TRUST_ITEMS,
            CompletionKind::Keyword,
            "trust item",
            &mut out,
        ),
        Some(SyntaxKind::AUDIT) => words(
            &["include"],
            CompletionKind::Keyword,
            "audit item",
            &mut out,
        ),
        Some(SyntaxKind::CONFIG_BLOCK) => {
            if let Some(keyword) = block.as_ref().and_then(block_keyword) {
                config_keys(&keyword, &mut out);
            }
        }
        Some(_) => {}
    }
    dedup(out)
}

/// Whether `token` is inside the list of a budget's or a phase's `tools`.
pub(super) fn in_tools_list(token: &SyntaxToken) -> bool {
    token
        .parent_ancestors()
        .take_while(|node| node.kind() != SyntaxKind::AGENT)
        .find(|node| {
            matches!(
                node.kind(),
                SyntaxKind::BUDGET_ITEM | SyntaxKind::PHASE_ATTR
            )
        })
        .and_then(|item| item.first_token())
        .is_some_and(|keyword| keyword.text() == "tools")
        && token
            .parent_ancestors()
            .any(|node| node.kind() == SyntaxKind::VALUE_LIST)
}

/// Completions decided by the token just before the cursor; true when they are all there is.
fn after_token(previous: &SyntaxToken, names: &ItemNames, out: &mut Vec<Completion>) -> bool {
    let parent = previous.parent().map(|p| p.kind());
    let text = previous.text();
    if previous.kind() == SyntaxKind::DOT {
        if let Some(root) = previous
            .prev_token()
            .and_then(|token| Root::from_name(token.text()))
        {
            match root.builtin_fields() {
                Some(fields) => words(fields, CompletionKind::Field, root.as_str(), out),
                None if root == Root::Args => names.args.iter().for_each(|arg| {
                    out.push(
                        Completion::new(arg.clone(), CompletionKind::Argument)
                            .detail("argument seen in the workspace"),
                    )
                }),
                None if root == Root::Vars => agent_vars(previous, out),
                None => {}
            }
            return true;
        }
        return false;
    }
    if parent == Some(SyntaxKind::EFFECT)
        || matches!(text, "rate_limit" | "redact" | "scope")
        || (matches!(previous.kind(), SyntaxKind::L_BRACK | SyntaxKind::COMMA)
            && in_tools_list(previous))
    {
        for tool in &names.tools {
            out.push(
                Completion::new(tool.clone(), CompletionKind::Tool)
                    .detail("tool used in the workspace"),
            );
        }
        return true;
    }
    let key = if previous.kind() == SyntaxKind::EQ {
        previous
            .prev_token()
            .and_then(|token| non_trivia_before(&token, true))
    } else {
        Some(previous.clone())
    };
    let Some(key) = key else {
        return false;
    };
    match key.text() {
        "default" | "on_exceed" if key.kind() == SyntaxKind::KEYWORD => {
            let effects: &[&str] = if key.text() == "default" {
                keywords::EFFECT_WORDS
            } else {
                keywords::ON_EXCEED_VALUES
            };
            words(effects, CompletionKind::Value, "effect", out);
            true
        }
        "next" if key.kind() == SyntaxKind::KEYWORD => {
            if let Some(agent) = key
                .parent_ancestors()
                .find(|n| n.kind() == SyntaxKind::AGENT)
            {
                for phase in agent.children().filter(|n| n.kind() == SyntaxKind::PHASE) {
                    if let Some(name) = phase.children().find(|n| n.kind() == SyntaxKind::NAME) {
                        out.push(
                            Completion::new(name.text().to_string(), CompletionKind::Name)
                                .detail("phase"),
                        );
                    }
                }
            }
            true
        }
        "backend" if key.kind() == SyntaxKind::KEYWORD => {
            for provider in names
                .providers
                .iter()
                .map(String::as_str)
                .chain(["vault", "env"])
            {
                out.push(Completion::new(provider, CompletionKind::Name).detail("provider"));
            }
            true
        }
        "grant" | "to" | "orchestrator"
            if key.kind() == SyntaxKind::KEYWORD
                && key
                    .parent_ancestors()
                    .any(|n| n.kind() == SyntaxKind::MANIFEST) =>
        {
            for agent in &names.agents {
                out.push(Completion::new(agent.clone(), CompletionKind::Name).detail("agent"));
            }
            true
        }
        "per" => {
            words(
                &["second", "minute", "hour", "day"],
                CompletionKind::Value,
                "window",
                out,
            );
            true
        }
        "budget" if key.kind() == SyntaxKind::KEYWORD => {
            words(
                &["session", "daily"],
                CompletionKind::Value,
                "budget scope",
                out,
            );
            true
        }
        _ if key
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::CONFIG_ENTRY)
            && previous.kind() == SyntaxKind::EQ =>
        {
            let Some(block) = key
                .parent()
                .and_then(|entry| entry.parent())
                .and_then(|b| block_keyword(&b))
            else {
                return false;
            };
            config_values(&block, key.text(), out);
            true
        }
        _ => false,
    }
}

fn in_condition(root: &SyntaxNode, offset: TextSize, previous: Option<&SyntaxToken>) -> bool {
    let Some(previous) = previous else {
        return false;
    };
    let operator = matches!(
        previous.text(),
        "when"
            | "if"
            | "and"
            | "or"
            | "not"
            | "&&"
            | "||"
            | "!"
            | "("
            | ","
            | "=="
            | "!="
            | "<"
            | "<="
            | ">"
            | ">="
            | "in"
            | "contains"
            | "starts_with"
            | "ends_with"
            | "matches"
            | "=~"
            | "!~"
            | "["
    );
    let in_expression = previous.parent_ancestors().any(|node| {
        matches!(
            node.kind(),
            SyntaxKind::CONDITION_CLAUSE | SyntaxKind::CALL_EXPR | SyntaxKind::BIN_EXPR
        )
    });
    let typing_path = root
        .token_at_offset(offset)
        .left_biased()
        .and_then(|token| token.parent())
        .is_some_and(|parent| parent.kind() == SyntaxKind::PATH_EXPR);
    (operator && in_expression) || typing_path
}

fn condition_operands(names: &ItemNames, out: &mut Vec<Completion>) {
    for root in [
        "args",
        "principal",
        "session",
        "time",
        "tool",
        "agent",
        "vars",
    ] {
        out.push(Completion::new(root, CompletionKind::Field).detail("root"));
    }
    for root in [Root::Session, Root::Time, Root::Tool, Root::Agent] {
        for field in root.builtin_fields().unwrap_or_default() {
            out.push(
                Completion::new(format!("{}.{field}", root.as_str()), CompletionKind::Field)
                    .detail("built-in value"),
            );
        }
    }
    for arg in &names.args {
        out.push(
            Completion::new(arg.clone(), CompletionKind::Argument).detail(format!("args.{arg}")),
        );
    }
    for builtin in crate::hir::Builtin::ALL {
        let mut completion =
            Completion::new(builtin.as_str(), CompletionKind::Function).detail("built-in function");
        completion.snippet = Some(format!("{}($1)$0", builtin.as_str()));
        out.push(completion);
    }
    words(
        &["true", "false", "null"],
        CompletionKind::Keyword,
        "literal",
        out,
    );
}

fn config_keys(block: &str, out: &mut Vec<Completion>) {
    if block == "provider" {
        out.push(Completion::new("type", CompletionKind::Key).detail("provider type"));
        return;
    }
    if let Some(keys) = known_keys(block) {
        for (key, _) in keys {
            out.push(Completion::new(*key, CompletionKind::Key).detail(format!("`{block}` key")));
        }
    }
}

fn config_values(block: &str, key: &str, out: &mut Vec<Completion>) {
    if block == "provider" && key == "type" {
        words(PROVIDER_TYPES, CompletionKind::Value, "provider type", out);
        return;
    }
    let Some((_, key_type)) =
        known_keys(block).and_then(|keys| keys.iter().find(|(k, _)| *k == key))
    else {
        return;
    };
    match key_type {
        KeyType::OneOf(values) => words(values, CompletionKind::Value, key, out),
        KeyType::Bool => words(&["true", "false"], CompletionKind::Value, key, out),
        KeyType::Url(schemes) => {
            for scheme in *schemes {
                out.push(
                    Completion::new(format!("\"{scheme}://\""), CompletionKind::Value)
                        .detail("URL"),
                );
            }
        }
        _ => {}
    }
}

const TOP_SNIPPETS: &[(&str, &str)] = &[
    (
        "agent block",
        "agent ${1:name} {\n  default deny\n\n  $0\n}",
    ),
    (
        "provider block",
        "provider ${1:vault} {\n  type = \"${2:vault}\"\n}",
    ),
    ("runtime block", "runtime {\n  mode = \"${1:enforce}\"\n}"),
];

const AGENT_SNIPPETS: &[(&str, &str)] = &[
    ("rules block", "rules {\n  $0\n}"),
    ("phase block", "phase ${1:name} {\n  $0\n}"),
    (
        "budget block",
        "budget ${1|session,daily|} {\n  max ${2:\\$100}\n  on_exceed ${3|deny,defer|}\n}",
    ),
    (
        "credential block",
        "credential ${1:name} {\n  scope ${2:tool/*}\n  backend = ${3:vault}\n}",
    ),
    (
        "egress block",
        "egress {\n  allow = [\"${1:api.example.com}\"]\n}",
    ),
    (
        "alert block",
        "alert {\n  on = \"${1:deny}\"\n  notify = \"${2:slack://#alerts}\"\n}",
    ),
    (
        "rate_limit",
        "rate_limit ${1:tool/*}: ${2:10} per ${3|second,minute,hour,day|}",
    ),
];

fn snippets(snippets: &[(&str, &str)], out: &mut Vec<Completion>) {
    for (label, body) in snippets {
        let mut completion = Completion::new(*label, CompletionKind::Snippet).detail("snippet");
        completion.snippet = Some(body.to_string());
        out.push(completion);
    }
}

/// The `var`s of the agent around `token`, each with its declaration as detail.
fn agent_vars(token: &SyntaxToken, out: &mut Vec<Completion>) {
    let Some(agent) = token
        .parent_ancestors()
        .find(|node| node.kind() == SyntaxKind::AGENT)
    else {
        return;
    };
    for declaration in agent
        .descendants()
        .filter(|node| node.kind() == SyntaxKind::VAR_DECL)
    {
        let Some(name) = declaration
            .children()
            .find(|node| node.kind() == SyntaxKind::NAME)
        else {
            continue;
        };
        out.push(
            Completion::new(name.text().to_string(), CompletionKind::Name)
                .detail(declaration.text().to_string().trim().to_string()),
        );
    }
}

fn words(words: &[&str], kind: CompletionKind, detail: &str, out: &mut Vec<Completion>) {
    out.extend(
        words
            .iter()
            .map(|word| Completion::new(*word, kind).detail(detail)),
    );
}

fn dedup(mut completions: Vec<Completion>) -> Vec<Completion> {
    let mut seen = std::collections::HashSet::new();
    completions.retain(|completion| seen.insert((completion.label.clone(), completion.kind)));
    completions
}

/// The last non-trivia token that ends before the word the cursor is in.
fn previous_token(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxToken> {
    let token = root.token_at_offset(offset).left_biased()?;
    let word = matches!(
        token.kind(),
        SyntaxKind::IDENT | SyntaxKind::KEYWORD | SyntaxKind::PATTERN | SyntaxKind::ERROR_TOKEN
    ) && token.text_range().end() >= offset;
    if word {
        return token.prev_token().and_then(|t| non_trivia_before(&t, true));
    }
    non_trivia_before(&token, true)
}

fn non_trivia_before(token: &SyntaxToken, inclusive: bool) -> Option<SyntaxToken> {
    let mut current = if inclusive {
        Some(token.clone())
    } else {
        token.prev_token()
    };
    while let Some(token) = current {
        if !token.kind().is_trivia() {
            return Some(token);
        }
        current = token.prev_token();
    }
    None
}

/// The innermost block whose braces hold `offset`.
fn enclosing_block(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxNode> {
    let token = root.token_at_offset(offset).left_biased()?;
    let start = token.parent()?;
    for node in start.ancestors() {
        if node.kind() == SyntaxKind::SOURCE_FILE {
            return Some(node);
        }
        let braces: Vec<SyntaxToken> = node
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| matches!(token.kind(), SyntaxKind::L_BRACE | SyntaxKind::R_BRACE))
            .collect();
        let open = braces.iter().find(|t| t.kind() == SyntaxKind::L_BRACE);
        let close = braces
            .iter()
            .rev()
            .find(|t| t.kind() == SyntaxKind::R_BRACE);
        if let Some(open) = open
            && open.text_range().end() <= offset
            && close.is_none_or(|close| offset <= close.text_range().start())
        {
            return Some(node);
        }
    }
    None
}

fn same_block(token: &SyntaxToken, block: &Option<SyntaxNode>) -> bool {
    let Some(block) = block else {
        return true;
    };
    token
        .parent_ancestors()
        .find(|node| node.kind() == SyntaxKind::RULE)
        .and_then(|rule| rule.parent())
        .is_some_and(|parent| &parent == block)
}

/// The keyword of the item that owns a configuration block (`egress`, `provider`, …).
fn block_keyword(block: &SyntaxNode) -> Option<String> {
    let item = block.parent()?;
    item.children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == SyntaxKind::KEYWORD)
        .map(|token| token.text().to_string())
}
