//! Loading, checking and compiling a policy (with its locked imports) for the commands that
//! evaluate it.

use std::path::PathBuf;

use fpl_analyzer::{CheckOptions, compile::compile, host::check_project};
use fpl_runtime::ir::CompiledPolicy;

/// Why a policy could not be compiled; the diagnostics were already printed.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Files, the lockfile or the cache could not be read.
    #[error(transparent)]
    Load(#[from] super::imports::LoadError),
    /// The policy has errors (printed to stderr).
    #[error("the policy has {0} error(s)")]
    Invalid(usize),
}

/// Reads, checks and compiles the policy in `paths`; on errors prints them to stderr.
pub fn compile_paths(paths: &[PathBuf]) -> Result<CompiledPolicy, PolicyError> {
    let analysis = check_project(super::imports::load(paths)?, &CheckOptions::default());
    compile(&analysis).map_err(|fpl_analyzer::compile::CompileError::HasErrors(count)| {
        fpl_server::report!(
            "{}",
            crate::render::render(&analysis, crate::render::Format::Human).trim_end()
        );
        PolicyError::Invalid(count)
    })
}
