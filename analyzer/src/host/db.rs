//! The salsa database of the analysis host: file texts and policies as inputs, and the layered
//! queries parse → items → item model → rule slots → per-rule checks → file diagnostics.
//!
//! Every item (top-level statement) is lowered on its own, with ranges relative to its start, and
//! every rule is checked on its own, with ranges relative to the rule's start. So an edit inside
//! one rule changes the inputs of that rule's check only: the other rules' checks are validated,
//! not re-run, even when the edit moves them.

use std::collections::HashMap;
use std::sync::Arc;

use fpl_syntax::ast::{self, AstNode};
use fpl_syntax::{GreenNode, SyntaxError, SyntaxKind, SyntaxNode, TextRange, TextSize};

use super::reparse::{self, ReparseHint};
use super::shift;
use crate::checks::{self, CheckOptions};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Fix, Span, TextEdit};
use crate::form;
use crate::hir;
use crate::lower::PolicyBuilder;
use crate::source::{FileId, Origin, SourceFile};

/// The database: salsa's storage and nothing else.
#[salsa::db]
#[derive(Clone)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for RootDatabase {}

impl RootDatabase {
    /// A database that reports salsa's events to `callback`.
    pub fn new(callback: Option<Box<dyn Fn(salsa::Event) + Send + Sync + 'static>>) -> Self {
        RootDatabase {
            storage: salsa::Storage::new(callback),
        }
    }
}

/// One source file: its id, path and text.
#[salsa::input]
pub struct FileInput {
    /// The file's id within the host.
    #[returns(copy)]
    pub id: FileId,
    /// The path as given.
    #[returns(ref)]
    pub path: String,
    /// The text.
    #[returns(ref)]
    pub text: Arc<str>,
    /// Where the original bytes stopped being UTF-8, if they did.
    #[returns(copy)]
    pub invalid_utf8_at: Option<usize>,
    /// The file was too large to be read (`E0006`); its text is empty.
    #[returns(copy)]
    pub too_large: bool,
    /// Whether the file is the project's own or imported.
    #[returns(ref)]
    pub origin: Origin,
    /// The previous parse and the edit that led to this text, for incremental reparsing.
    #[returns(ref)]
    pub hint: Option<Arc<ReparseHint>>,
}

/// A file input as the source file it was made from.
pub fn source_file(db: &dyn salsa::Database, file: FileInput) -> SourceFile {
    SourceFile {
        path: file.path(db).clone(),
        text: file.text(db).to_string(),
        invalid_utf8_at: file.invalid_utf8_at(db),
        too_large: file.too_large(db),
        origin: file.origin(db).clone(),
    }
}

/// The files of one policy, in order, and the options of its checks.
#[salsa::input]
pub struct PolicyInput {
    /// The files in policy order.
    #[returns(ref)]
    pub files: Vec<FileInput>,
    /// `--require-env`.
    #[returns(copy)]
    pub require_env: bool,
}

/// A green tree compared by identity first: unchanged items keep their `Arc`s across reparses,
/// so comparing them costs nothing.
#[derive(Debug, Clone, Eq)]
pub struct Green(pub GreenNode);

impl PartialEq for Green {
    fn eq(&self, other: &Self) -> bool {
        same_green(&self.0, &other.0)
    }
}

/// Structural equality of two green trees that skips shared subtrees: after an incremental
/// reparse an item differs from its old tree in one path only, so the comparison costs one
/// pointer test per unchanged child instead of a walk over the whole item.
fn same_green(a: &fpl_syntax::GreenNodeData, b: &fpl_syntax::GreenNodeData) -> bool {
    use fpl_syntax::NodeOrToken;
    if std::ptr::eq(a, b) {
        return true;
    }
    a.kind() == b.kind()
        && a.text_len() == b.text_len()
        && a.children().len() == b.children().len()
        && a.children().zip(b.children()).all(|pair| match pair {
            (NodeOrToken::Node(a), NodeOrToken::Node(b)) => same_green(a, b),
            (NodeOrToken::Token(a), NodeOrToken::Token(b)) => a == b,
            _ => false,
        })
}

/// The tree and syntax errors of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileParse {
    /// The green tree.
    pub green: Green,
    /// The syntax errors in source order.
    pub errors: Vec<SyntaxError>,
}

impl FileParse {
    /// The root of the syntax tree.
    pub fn syntax(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.0.clone())
    }

    /// The typed root.
    pub fn tree(&self) -> Option<ast::SourceFile> {
        ast::SourceFile::cast(self.syntax())
    }
}

/// The FPL text of a YAML/JSON policy file and its map back into the file; `None` for an FPL
/// file.
#[salsa::tracked(returns(ref))]
pub fn form_front_end(db: &dyn salsa::Database, file: FileInput) -> Option<form::FrontEnd> {
    form::is_form_file(file.path(db)).then(|| form::front_end(file.text(db)))
}

/// Moves ranges of a file's parse, relative to `offset`, into the file: the identity for FPL
/// (`front` is `None`), the position map of a YAML/JSON policy.
fn mover(front: Option<&form::FrontEnd>, offset: TextSize) -> impl Fn(TextRange) -> TextRange {
    move |range| match front {
        Some(front) => front.map.map(range + offset),
        None => range + offset,
    }
}

/// Diagnostics of a file's parse, relative to `offset`, moved into the file. A YAML/JSON
/// policy's diagnostics lose their fixes: they are edits of FPL text.
fn diagnostics_in_file<'a>(
    db: &'a dyn salsa::Database,
    file: FileInput,
    diagnostics: impl IntoIterator<Item = Diagnostic> + 'a,
    offset: TextSize,
) -> impl Iterator<Item = Diagnostic> + 'a {
    let front = form_front_end(db, file).as_ref();
    let moved = mover(front, offset);
    diagnostics.into_iter().map(move |mut diagnostic| {
        if front.is_some() {
            diagnostic.fixes.clear();
        }
        shift::diagnostic(&mut diagnostic, &moved);
        diagnostic
    })
}

/// Parses a file, reusing the previous tree when the edit stayed inside one block. A YAML/JSON
/// policy is parsed as the FPL text it stands for.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: FileInput) -> FileParse {
    if let Some(front) = form_front_end(db, file) {
        let parse = fpl_syntax::parse(&front.fpl);
        return FileParse {
            green: Green(parse.green().clone()),
            errors: parse.errors().to_vec(),
        };
    }
    let text = file.text(db);
    if let Some(reparsed) = file
        .hint(db)
        .as_deref()
        .and_then(|hint| reparse::incremental(hint, text))
    {
        return reparsed;
    }
    let parse = fpl_syntax::parse(text);
    FileParse {
        green: Green(parse.green().clone()),
        errors: parse.errors().to_vec(),
    }
}

/// The lexical and syntax diagnostics of a file: bytes that were not UTF-8 (`E0001`), a file
/// too large to read (`E0006`), then the parser's errors.
#[salsa::tracked(returns(ref))]
pub fn syntax_diagnostics(db: &dyn salsa::Database, file: FileInput) -> Vec<Diagnostic> {
    let id = file.id(db);
    let mut out = Vec::new();
    if let Some(offset) = file.invalid_utf8_at(db) {
        let at = TextRange::empty(TextSize::from(offset as u32));
        out.push(Diagnostic::new(
            Code::E0001,
            Span {
                file: id,
                range: at,
            },
            "file is not valid UTF-8",
        ));
    }
    if file.too_large(db) {
        out.push(syntax_diagnostic(id, &SyntaxError::file_too_large()));
    }
    if let Some(front) = form_front_end(db, file) {
        out.extend(front.errors.iter().map(|error| {
            let span = Span {
                file: id,
                range: error.range,
            };
            Diagnostic::new(error.code, span, error.message.clone())
        }));
    }
    let errors = parse(db, file)
        .errors
        .iter()
        .map(|error| syntax_diagnostic(id, error));
    out.extend(diagnostics_in_file(db, file, errors, TextSize::from(0)));
    out
}

/// A syntax error as a diagnostic of `file`, with its fix.
fn syntax_diagnostic(file: FileId, error: &SyntaxError) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::from_syntax(error.code),
        Span {
            file,
            range: error.range,
        },
        error.message.clone(),
    );
    match &error.fix {
        Some(fix) => diagnostic.with_fix(Fix {
            title: fix.title.clone(),
            edits: fix
                .edits
                .iter()
                .map(|edit| TextEdit {
                    file,
                    range: edit.range,
                    replacement: edit.replacement.clone(),
                })
                .collect(),
        }),
        None => diagnostic,
    }
}

/// What identifies an item across edits: its kind, name and how many items of the same kind
/// and name come before it in the file.
///
/// The ordinal is what salsa would use to tell such items apart anyway; being part of the key,
/// it also gives them distinct hashes, so salsa's identity table stays a hash table instead of
/// one long probe chain (which made files of many flat rules quadratic).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    /// The node kind.
    pub kind: SyntaxKind,
    /// The item's name, if it has one.
    pub name: String,
    /// The number of earlier items of the file with the same kind and name.
    pub ordinal: u32,
}

/// A top-level statement of a file.
#[salsa::tracked]
pub struct Item<'db> {
    /// The file it is in.
    pub file: FileInput,
    /// Its kind and name.
    #[returns(ref)]
    pub key: ItemKey,
    /// Its green tree.
    #[tracked]
    #[returns(ref)]
    pub green: Green,
    /// Where it starts in the file.
    #[tracked]
    #[returns(copy)]
    pub offset: TextSize,
}

/// The top-level statements of a file, in order.
#[salsa::tracked(returns(ref))]
pub fn file_items<'db>(db: &'db dyn salsa::Database, file: FileInput) -> Vec<Item<'db>> {
    let mut seen: HashMap<(SyntaxKind, String), u32> = HashMap::new();
    parse(db, file)
        .syntax()
        .children()
        .map(|node| {
            let name = node
                .children()
                .find_map(ast::Name::cast)
                .map(|name| name.text())
                .unwrap_or_default();
            let count = seen.entry((node.kind(), name.clone())).or_default();
            let key = ItemKey {
                kind: node.kind(),
                name,
                ordinal: *count,
            };
            *count += 1;
            Item::new(
                db,
                file,
                key,
                Green(node.green().to_owned()),
                node.text_range().start(),
            )
        })
        .collect()
}

/// An item's tree as the root of its own tree (a `SOURCE_FILE` holding the one item), so that
/// ranges are relative to the item's start.
fn item_root<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Option<ast::SourceFile> {
    let green = GreenNode::new(
        SyntaxKind::SOURCE_FILE.into(),
        [item.green(db).0.clone().into()],
    );
    ast::SourceFile::cast(SyntaxNode::new_root(green))
}

/// The semantic model of one item, with ranges relative to the item's start: its skeleton with
/// the rules of its agent put back, each lowered on its own.
#[salsa::tracked(returns(ref))]
pub fn item_hir<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> hir::Policy {
    let mut policy = item_skeleton(db, item).clone();
    let Some(agent) = policy.agents.iter_mut().find(|agent| !agent.is_flat) else {
        return policy;
    };
    for entry in item_rules(db, item) {
        let Some(rule) = rule_model(db, entry.node) else {
            continue;
        };
        let mut rule = rule.clone();
        shift::rule(&mut rule, &|range| range + entry.offset);
        rule.number = agent.rules.len() + 1;
        rule.phase = entry.phase.map(|phase| phase as usize);
        agent.rules.push(rule);
    }
    policy
}

/// The model the policy-level checks need from an item: everything but the rules of explicit
/// agents (flat rules stay: the implicit agent is placed by its first rule).
#[salsa::tracked(returns(ref))]
pub fn item_skeleton<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> hir::Policy {
    let mut builder = PolicyBuilder::without_agent_rules();
    if let Some(root) = item_root(db, item) {
        builder.add_file(item.file(db).id(db), &root);
    }
    builder.finish()
}

/// One rule whose checks run on their own: a rule of an agent, or a flat rule item.
#[salsa::tracked]
pub struct RuleNode<'db> {
    /// The item it is in.
    pub item: Item<'db>,
    /// The rule's index among the item's rules. It identifies the node as salsa's disambiguator
    /// would, and gives the nodes of one item distinct hashes: without it every node of a
    /// 10,000-rule agent landed in one probe chain of salsa's identity table (quadratic time).
    pub index: u32,
    /// Its green tree.
    #[tracked]
    #[returns(ref)]
    pub green: Green,
}

/// A rule of an item and where it is.
#[derive(Clone, Copy, PartialEq, Eq, salsa::SalsaValue)]
pub struct RuleEntry<'db> {
    /// The rule.
    pub node: RuleNode<'db>,
    /// Where it starts, relative to the item.
    pub offset: TextSize,
    /// The index of its phase among the agent's phases.
    pub phase: Option<u32>,
}

/// The rules of an item in numbering order: the rules of its agent, or the item itself when it
/// is a flat rule. Finding them walks the syntax tree only; nothing is lowered.
///
/// Positions are part of the answer, not fields of the nodes: one dependency then carries the
/// positions of every rule, instead of one per rule that each edit would make salsa verify.
#[salsa::tracked(returns(ref))]
pub fn item_rules<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Vec<RuleEntry<'db>> {
    let Some(root) = item_root(db, item) else {
        return Vec::new();
    };
    let rules: Vec<(ast::Rule, Option<usize>)> = root
        .items()
        .flat_map(|item| match item {
            ast::Item::Agent(agent) => crate::lower::agent_rules(&agent),
            ast::Item::Rule(rule) => vec![(rule, None)],
            _ => Vec::new(),
        })
        .collect();
    rules
        .into_iter()
        .enumerate()
        .map(|(index, (rule, phase))| {
            let syntax = rule.syntax();
            RuleEntry {
                node: RuleNode::new(db, item, index as u32, Green(syntax.green().to_owned())),
                offset: syntax.text_range().start(),
                phase: phase.map(|phase| phase as u32),
            }
        })
        .collect()
}

/// One rule lowered on its own, relative to its start, numbered 0 and in no phase.
#[salsa::tracked(returns(ref))]
pub fn rule_model<'db>(db: &'db dyn salsa::Database, node: RuleNode<'db>) -> Option<hir::Rule> {
    lower_rule_node(db, node)
}

fn lower_rule_node(db: &dyn salsa::Database, node: RuleNode<'_>) -> Option<hir::Rule> {
    let rule = ast::Rule::cast(SyntaxNode::new_root(node.green(db).0.clone()))?;
    crate::lower::lower_lone_rule(node.item(db).file(db).id(db), &rule)
}

/// What the checks of an item's rules read of their agent: its name and `var`s, without
/// positions. Unchanged by edits of the rules, so their checks stay valid.
#[salsa::tracked(returns(ref))]
pub fn rule_context<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Option<hir::Agent> {
    item_skeleton(db, item).agents.first().map(agent_context)
}

/// The diagnostics of one rule, relative to its start. It lowers the rule itself rather than
/// read [`rule_model`]: each memo on this path is one more that every edit makes salsa verify.
#[salsa::tracked(returns(ref))]
pub fn rule_diagnostics<'db>(db: &'db dyn salsa::Database, node: RuleNode<'db>) -> Vec<Diagnostic> {
    match (rule_context(db, *node.item(db)), lower_rule_node(db, node)) {
        (Some(agent), Some(rule)) => checks::run_rule(agent, &rule),
        _ => Vec::new(),
    }
}

/// The per-rule diagnostics of an item, relative to the item's start.
#[salsa::tracked(returns(ref))]
pub fn item_diagnostics<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for entry in item_rules(db, item) {
        for diagnostic in rule_diagnostics(db, entry.node) {
            let mut diagnostic = diagnostic.clone();
            shift::diagnostic(&mut diagnostic, &|range| range + entry.offset);
            out.push(diagnostic);
        }
    }
    out
}

/// The policy without the rules of explicit agents, with absolute positions: what the
/// policy-level checks read.
#[salsa::tracked(returns(ref))]
pub fn policy_skeleton(db: &dyn salsa::Database, policy: PolicyInput) -> hir::Policy {
    join_files(db, policy, |item| item_skeleton(db, item).clone())
}

/// The whole policy with absolute positions, rules included.
#[salsa::tracked(returns(ref))]
pub fn policy_model(db: &dyn salsa::Database, policy: PolicyInput) -> hir::Policy {
    join_files(db, policy, |item| item_hir(db, item).clone())
}

/// Joins the models of a policy's items, with absolute positions: the local files into one
/// policy, each imported file into its own, then the imports into the local one.
fn join_files<'db>(
    db: &'db dyn salsa::Database,
    policy: PolicyInput,
    model: impl Fn(Item<'db>) -> hir::Policy,
) -> hir::Policy {
    let mut local = Merged::default();
    let mut imported = Vec::new();
    for file in policy.files(db) {
        let mut own = Merged::default();
        let merged = match file.origin(db) {
            Origin::Local => &mut local,
            Origin::Import(_) => &mut own,
        };
        let front = form_front_end(db, *file).as_ref();
        for item in file_items(db, *file) {
            let mut part = model(*item);
            shift::policy(&mut part, &mover(front, item.offset(db)));
            merged.add(part);
        }
        if let Origin::Import(reference) = file.origin(db) {
            imported.push((reference.clone(), own.finish()));
        }
    }
    let mut joined = local.finish();
    joined.join_imports(imported);
    joined
}

/// The diagnostics of the checks that look at the whole policy (names, values, hygiene).
#[salsa::tracked(returns(ref))]
pub fn policy_diagnostics(db: &dyn salsa::Database, policy: PolicyInput) -> Vec<Diagnostic> {
    let require_env = policy.require_env(db);
    if require_env {
        db.report_untracked_read();
    }
    checks::run_policy_level(policy_skeleton(db, policy), &CheckOptions { require_env })
}

/// Every diagnostic of a file, sorted by position and code.
#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(
    db: &dyn salsa::Database,
    policy: PolicyInput,
    file: FileInput,
) -> Vec<Diagnostic> {
    let id = file.id(db);
    let mut out = syntax_diagnostics(db, file).clone();
    out.extend(
        policy_diagnostics(db, policy)
            .iter()
            .filter(|diagnostic| diagnostic.span.file == id)
            .cloned(),
    );
    if form_front_end(db, file).is_some() {
        for diagnostic in &mut out {
            diagnostic.fixes.clear();
        }
    }
    for item in file_items(db, file) {
        let offset = item.offset(db);
        let diagnostics = item_diagnostics(db, *item).iter().cloned();
        out.extend(diagnostics_in_file(db, file, diagnostics, offset));
    }
    out.sort_by_key(|diagnostic| (diagnostic.span.range.start(), diagnostic.code));
    out
}

/// An agent with only what rule checks read: name and `var`s, positions cleared.
fn agent_context(agent: &hir::Agent) -> hir::Agent {
    let nowhere = Span {
        file: agent.name_span.file,
        range: TextRange::default(),
    };
    let mut context = hir::Agent::new(agent.name.clone(), nowhere, agent.is_flat);
    context.vars = agent.vars.clone();
    for var in &mut context.vars {
        var.span = nowhere;
        shift::value(&mut var.value, &|_| TextRange::default());
    }
    context
}

/// Joins the models of items in policy order, as `PolicyBuilder` does for whole files.
#[derive(Default)]
struct Merged {
    policy: hir::Policy,
    flat: Option<hir::Agent>,
}

impl Merged {
    fn add(&mut self, part: hir::Policy) {
        self.policy.imports.extend(part.imports);
        self.policy.blocks.extend(part.blocks);
        for agent in part.agents {
            if !agent.is_flat {
                self.policy.agents.push(agent);
                continue;
            }
            match &mut self.flat {
                None => self.flat = Some(agent),
                Some(flat) => {
                    for mut rule in agent.rules {
                        rule.number = flat.rules.len() + 1;
                        flat.rules.push(rule);
                    }
                }
            }
        }
    }

    fn finish(mut self) -> hir::Policy {
        if let Some(flat) = self.flat {
            self.policy.agents.push(flat);
        }
        self.policy
    }
}

/// Names an item uses, without positions: what completion offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemNames {
    /// Argument names read by conditions (`amount` of `args.amount`).
    pub args: std::collections::BTreeSet<String>,
    /// Tool patterns of rules, rate limits, redactions and credential scopes.
    pub tools: std::collections::BTreeSet<String>,
    /// Agent names.
    pub agents: std::collections::BTreeSet<String>,
    /// Phase names.
    pub phases: std::collections::BTreeSet<String>,
    /// Provider names.
    pub providers: std::collections::BTreeSet<String>,
}

impl ItemNames {
    /// Adds every name of `other`.
    pub fn extend(&mut self, other: &ItemNames) {
        self.args.extend(other.args.iter().cloned());
        self.tools.extend(other.tools.iter().cloned());
        self.agents.extend(other.agents.iter().cloned());
        self.phases.extend(other.phases.iter().cloned());
        self.providers.extend(other.providers.iter().cloned());
    }
}

/// The names one item uses.
#[salsa::tracked(returns(ref))]
pub fn item_names<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> ItemNames {
    let model = item_hir(db, item);
    let mut names = ItemNames::default();
    names
        .providers
        .extend(model.providers().map(str::to_string));
    for agent in &model.agents {
        if !agent.is_flat {
            names.agents.insert(agent.name.clone());
        }
        names
            .phases
            .extend(agent.phases.iter().map(|phase| phase.name.clone()));
        for rule in &agent.rules {
            names.tools.insert(rule.pattern.clone());
            if let Some(condition) = &rule.condition {
                collect_args(condition, &mut names.args);
            }
        }
        names
            .tools
            .extend(agent.rate_limits.iter().map(|limit| limit.pattern.clone()));
        names
            .tools
            .extend(agent.redacts.iter().map(|redact| redact.pattern.clone()));
        for credential in &agent.credentials {
            names.tools.extend(credential.scopes.iter().cloned());
        }
    }
    names.tools.retain(|tool| !tool.is_empty());
    names
}

/// The names every item of a file uses.
#[salsa::tracked(returns(ref))]
pub fn file_names(db: &dyn salsa::Database, file: FileInput) -> ItemNames {
    let mut names = ItemNames::default();
    for item in file_items(db, file) {
        names.extend(item_names(db, *item));
    }
    names
}

fn collect_args(expr: &hir::Expr, out: &mut std::collections::BTreeSet<String>) {
    match &expr.kind {
        hir::ExprKind::Path(path) if path.root == hir::Root::Args => {
            if let Some(first) = path.segments.first() {
                out.insert(first.clone());
            }
        }
        hir::ExprKind::Not(operand) => collect_args(operand, out),
        hir::ExprKind::Binary { lhs, rhs, .. } => {
            collect_args(lhs, out);
            collect_args(rhs, out);
        }
        hir::ExprKind::Call { args, .. } => args.iter().for_each(|arg| collect_args(arg, out)),
        _ => {}
    }
}

/// The rule whose syntax starts at `start` in a file, with its agent's name and its number
/// within the agent (flat rules numbered across the policy).
pub fn rule_at(
    db: &dyn salsa::Database,
    policy: PolicyInput,
    file: FileInput,
    start: TextSize,
) -> Option<(String, hir::Rule)> {
    let mut flat_before = 0;
    let front = form_front_end(db, file).as_ref();
    for candidate in policy.files(db) {
        for item in file_items(db, *candidate) {
            let offset = item.offset(db);
            let model = item_hir(db, *item);
            for agent in &model.agents {
                for rule in &agent.rules {
                    let moved = mover(front, offset);
                    if *candidate == file && moved(rule.span.range).start() == start {
                        let mut rule = rule.clone();
                        shift::rule(&mut rule, &moved);
                        if agent.is_flat {
                            rule.number = flat_before + 1;
                        }
                        return Some((agent.name.clone(), rule));
                    }
                    if agent.is_flat {
                        flat_before += 1;
                    }
                }
            }
        }
    }
    None
}
