//! The SMT findings of one policy of the host, computed without a snapshot: the solver may run
//! for seconds, and a held snapshot would hold up every edit until it finished.

use super::check_policy;
use crate::checks::CheckOptions;
use crate::diagnostic::Diagnostic;
use crate::smt::{self, SmtError, SmtOptions};
use crate::source::{FileId, SourceFile};

/// The `S03xx` findings (SPEC §7) of the policy made of `sources` (in policy order, as
/// [`super::Snapshot::policy_sources`] lists them), with every span in the host's file ids.
/// Empty when the policy has errors; `None` when `stop` said to give up first.
pub fn smt_findings(
    sources: Vec<(FileId, SourceFile)>,
    check: &CheckOptions,
    options: &SmtOptions,
    stop: &dyn Fn() -> bool,
) -> Option<Vec<Diagnostic>> {
    let (ids, files): (Vec<FileId>, Vec<SourceFile>) = sources.into_iter().unzip();
    let analysis = check_policy(files, check);
    let host_id = |file: FileId| ids.get(file.0 as usize).copied().unwrap_or(file);
    match smt::analyze_smt_until(&analysis, options, stop) {
        Ok(report) => Some(
            report
                .diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.map_files(host_id))
                .collect(),
        ),
        Err(SmtError::Stopped) => None,
        Err(_) => Some(Vec::new()),
    }
}
