//! The whole-policy pass of a host that will see no edit (`faramesh check`, the Action): the
//! files are parsed by the host's queries, then lowered in one pass and checked over the whole
//! model, with no item or rule tracked on its own. The layered queries of [`super::db`] give
//! the same model and diagnostics (the host's tests compare both on every corpus file); they
//! cost a tracked struct per rule, which only pays off when edits follow.

use crate::checks::{self, CheckOptions};
use crate::diagnostic::Diagnostic;
use crate::hir;
use crate::lower::PolicyBuilder;
use crate::source::Origin;

use super::db::{self, PolicyInput};

/// The model of a policy and every diagnostic (unsorted): each file's syntax diagnostics in
/// policy order, then every check over the model. The local files are lowered into one policy,
/// each imported file into its own, and the imports joined into the local one.
pub fn check(db: &dyn salsa::Database, policy: PolicyInput) -> (hir::Policy, Vec<Diagnostic>) {
    if policy
        .files(db)
        .iter()
        .any(|file| db::form_front_end(db, *file).is_some())
    {
        return layered(db, policy);
    }
    let mut local = PolicyBuilder::default();
    let mut imported = Vec::new();
    let mut diagnostics = Vec::new();
    for file in policy.files(db) {
        diagnostics.extend_from_slice(db::syntax_diagnostics(db, *file));
        let Some(tree) = db::parse(db, *file).tree() else {
            continue;
        };
        match file.origin(db) {
            Origin::Local => local.add_file(file.id(db), &tree),
            Origin::Import(reference) => {
                let mut own = PolicyBuilder::default();
                own.add_file(file.id(db), &tree);
                imported.push((reference.clone(), own.finish()));
            }
        }
    }
    let mut model = local.finish();
    model.join_imports(imported);
    // Not memoized, so the environment `--require-env` reads is read afresh on every call.
    let options = CheckOptions {
        require_env: policy.require_env(db),
    };
    diagnostics.extend(checks::run(&model, &options));
    (model, diagnostics)
}

/// The model and diagnostics of a policy with a YAML/JSON file, from the layered queries: they
/// move each file's ranges into the file, which a whole-policy lowering cannot.
fn layered(db: &dyn salsa::Database, policy: PolicyInput) -> (hir::Policy, Vec<Diagnostic>) {
    let model = db::policy_model(db, policy).clone();
    let diagnostics = policy
        .files(db)
        .iter()
        .flat_map(|file| db::file_diagnostics(db, policy, *file).iter().cloned())
        .collect();
    (model, diagnostics)
}
