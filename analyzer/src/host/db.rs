//! The salsa database of the analysis host: file texts and policies as inputs, and the layered
//! queries parse → items → item model → rule slots → per-rule checks → file diagnostics.
//!
//! Every item (top-level statement) is lowered on its own, with ranges relative to its start, and
//! every rule is checked on its own, with ranges relative to the rule's start. So an edit inside
//! one rule changes the inputs of that rule's check only: the other rules' checks are validated,
//! not re-run, even when the edit moves them.

use std::sync::Arc;

use fpl_syntax::ast::{self, AstNode};
use fpl_syntax::{GreenNode, SyntaxError, SyntaxKind, SyntaxNode, TextRange, TextSize};

use super::reparse::{self, ReparseHint};
use super::shift;
use crate::checks::{self, CheckOptions};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Fix, Span, TextEdit};
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
        std::ptr::eq(&*self.0, &*other.0) || self.0 == other.0
    }
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

/// Parses a file, reusing the previous tree when the edit stayed inside one block.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: FileInput) -> FileParse {
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
    out.extend(
        parse(db, file)
            .errors
            .iter()
            .map(|error| syntax_diagnostic(id, error)),
    );
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

/// What identifies an item across edits: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    /// The node kind.
    pub kind: SyntaxKind,
    /// The item's name, if it has one.
    pub name: String,
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
    parse(db, file)
        .syntax()
        .children()
        .map(|node| {
            let name = node
                .children()
                .find_map(ast::Name::cast)
                .map(|name| name.text())
                .unwrap_or_default();
            let key = ItemKey {
                kind: node.kind(),
                name,
            };
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

/// The semantic model of one item, with ranges relative to the item's start.
#[salsa::tracked(returns(ref))]
pub fn item_hir<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> hir::Policy {
    let green = GreenNode::new(
        SyntaxKind::SOURCE_FILE.into(),
        [item.green(db).0.clone().into()],
    );
    let mut builder = PolicyBuilder::default();
    if let Some(root) = ast::SourceFile::cast(SyntaxNode::new_root(green)) {
        builder.add_file(item.file(db).id(db), &root);
    }
    builder.finish()
}

/// The model the policy-level checks need from an item: everything but the rules of explicit
/// agents (flat rules stay: the implicit agent is placed by its first rule).
#[salsa::tracked(returns(ref))]
pub fn item_skeleton<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> hir::Policy {
    let mut policy = item_hir(db, item).clone();
    for agent in policy.agents.iter_mut().filter(|agent| !agent.is_flat) {
        agent.rules.clear();
    }
    policy
}

/// One rule of an item, with what its checks read, relative to the rule's start.
#[salsa::tracked]
pub struct RuleSlot<'db> {
    /// The item it is in.
    pub item: Item<'db>,
    /// The rule, rebased to its own start, without number or phase.
    #[tracked]
    #[returns(ref)]
    pub rule: hir::Rule,
    /// The agent's name and `var`s, without positions.
    #[tracked]
    #[returns(ref)]
    pub context: Arc<hir::Agent>,
}

/// The rules of an item and where each starts, relative to the item.
#[salsa::tracked(returns(ref))]
pub fn rule_slots<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Vec<(RuleSlot<'db>, u32)> {
    let mut out = Vec::new();
    for agent in &item_hir(db, item).agents {
        let context = Arc::new(agent_context(agent));
        for rule in &agent.rules {
            let start = rule.span.range.start();
            let mut rebased = rule.clone();
            shift::rule(&mut rebased, &|range| shift::back(range, start));
            rebased.number = 0;
            rebased.phase = None;
            out.push((
                RuleSlot::new(db, item, rebased, context.clone()),
                u32::from(start),
            ));
        }
    }
    out
}

/// The diagnostics of one rule, relative to its start.
#[salsa::tracked(returns(ref))]
pub fn rule_diagnostics<'db>(db: &'db dyn salsa::Database, slot: RuleSlot<'db>) -> Vec<Diagnostic> {
    checks::run_rule(slot.context(db), slot.rule(db))
}

/// The per-rule diagnostics of an item, relative to the item's start.
#[salsa::tracked(returns(ref))]
pub fn item_diagnostics<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (slot, start) in rule_slots(db, item) {
        for diagnostic in rule_diagnostics(db, *slot) {
            let mut diagnostic = diagnostic.clone();
            let start = TextSize::from(*start);
            shift::diagnostic(&mut diagnostic, &|range| range + start);
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
        for item in file_items(db, *file) {
            let offset = item.offset(db);
            let mut part = model(*item);
            shift::policy(&mut part, &|range| range + offset);
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
    for item in file_items(db, file) {
        let offset = item.offset(db);
        for diagnostic in item_diagnostics(db, *item) {
            let mut diagnostic = diagnostic.clone();
            shift::diagnostic(&mut diagnostic, &|range| range + offset);
            out.push(diagnostic);
        }
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
    for candidate in policy.files(db) {
        for item in file_items(db, *candidate) {
            let offset = item.offset(db);
            let model = item_hir(db, *item);
            for agent in &model.agents {
                for rule in &agent.rules {
                    if *candidate == file && rule.span.range.start() + offset == start {
                        let mut rule = rule.clone();
                        shift::rule(&mut rule, &|range| range + offset);
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
