//! The SMT layer of the analysis host. A snapshot gives the position-free value the analysis
//! reads ([`Snapshot::smt_input`]); the caller drops the snapshot and solves
//! ([`SmtInput::solve`]): the solver may run for seconds, and a held snapshot would hold up
//! every edit until it finished. The host owns the findings cache, keyed by that value, so
//! rules that did not change (or only moved) are answered without a solver query.

use std::sync::Arc;

use salsa::Cancelled;

use super::{Snapshot, db};
use crate::smt::{self, Cache, PolicyInput, SmtError, SmtOptions, SmtReport};
use crate::source::FileId;

/// What the SMT analysis of one policy of the host reads, with the host's cache.
#[derive(Debug, Clone)]
pub struct SmtInput {
    input: PolicyInput,
    cache: Arc<Cache>,
}

impl SmtInput {
    /// Runs the analysis (the `S03xx` findings of SPEC §7, spans in the host's file ids),
    /// giving up with [`SmtError::Stopped`] as soon as `stop` says so.
    pub fn solve(
        &self,
        options: &SmtOptions,
        stop: &dyn Fn() -> bool,
    ) -> Result<SmtReport, SmtError> {
        smt::analyze_input(&self.input, &self.cache, options, stop)
    }
}

impl Snapshot {
    /// The SMT input of the policy `file` belongs to; `Err(SmtError::PolicyHasErrors)` (inside
    /// `Ok`) when a file of the policy has an error diagnostic.
    pub fn smt_input(&self, file: FileId) -> Result<Result<SmtInput, SmtError>, Cancelled> {
        let Some((_, policy)) = self.inputs(file) else {
            return Ok(Err(SmtError::PolicyHasErrors));
        };
        self.with(|db| {
            let has_errors = policy.files(db).iter().any(|input| {
                db::file_diagnostics(db, policy, *input)
                    .iter()
                    .any(crate::Diagnostic::is_error)
            });
            if has_errors {
                return Err(SmtError::PolicyHasErrors);
            }
            let model = db::policy_model(db, policy);
            let texts: Vec<(FileId, Arc<str>)> = policy
                .files(db)
                .iter()
                .map(|input| (input.id(db), input.text(db).clone()))
                .collect();
            let input = PolicyInput::new(model, |file| {
                texts
                    .iter()
                    .find(|(id, _)| *id == file)
                    .map(|(_, text)| text.clone())
            });
            Ok(SmtInput {
                input,
                cache: self.smt_cache.clone(),
            })
        })
    }
}
