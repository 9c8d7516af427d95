//! `faramesh bundle build`: the policy at a git revision, checked like `check` (the SMT findings
//! included) and refused on any error, compiled, described by a manifest and signed. The same
//! revision and key give the same bytes: nothing in a bundle depends on the time or the machine
//! it was built on.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use fpl_analyzer::{Analysis, Origin, Severity, compile::compile};
use fpl_runtime::bundle::{
    AnalysisSummary, BUNDLE_FORMAT_VERSION, BundleError, ImportDigest, Manifest, PolicyInfo,
    SigningKey, SourceDigest, TrustedKey, sha256_digest, write_bundle,
};
use fpl_runtime::{Decimal, Timestamp};

use super::revision::{self, Revision, RevisionError};
use crate::commands::check::{CheckSettings, analyse};
use crate::commands::imports::LoadError;
use crate::commands::keygen::{KeyFileError, read_signing_key};
use crate::render::{Format, render};

/// Arguments of `faramesh bundle build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The project directory, inside a git repository (default: the current directory).
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// The git revision to build: its committed files, never the work tree.
    #[arg(long, default_value = "HEAD")]
    pub rev: String,
    /// The private signing key (default: `[bundle] signing_key` of the project's
    /// faramesh.toml); without one the bundle is unsigned and no runtime loads it.
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
    /// Where to write the bundle (atomically).
    #[arg(short = 'o', long = "out", value_name = "FILE.fmb")]
    pub out: PathBuf,
    /// Time budget of the whole SMT analysis, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub smt_timeout: f64,
}

/// Why no bundle was written.
#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error(transparent)]
    Revision(#[from] RevisionError),
    #[error(transparent)]
    Key(#[from] KeyFileError),
    #[error(transparent)]
    Project(#[from] fpl_registry::Error),
    #[error("the SMT analysis could not run ({0}); no bundle without every check")]
    SmtSkipped(String),
    #[error(
        "the SMT analysis found {0} witness(es) the runtime did not reproduce (a toolchain bug); no bundle"
    )]
    SmtInternal(usize),
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

/// Runs the command: exit 0 with a bundle written, 1 when the policy has errors at that
/// revision, 2 when the build cannot run.
pub fn run(args: &BuildArgs) -> ExitCode {
    match build(args) {
        Ok(Built::Written(summary)) => {
            crate::commands::print(&format!("{summary}\n"), ExitCode::SUCCESS)
        }
        Ok(Built::PolicyErrors(count)) => {
            fpl_server::report!(
                "error: the policy has {count} error(s) at revision `{}`; no bundle was written",
                args.rev
            );
            ExitCode::from(1)
        }
        Err(
            BuildError::Project(error)
            | BuildError::Revision(RevisionError::Load(LoadError::Registry(error))),
        ) => super::super::registry_error::fail(error),
        Err(error) => super::super::fail(error),
    }
}

enum Built {
    Written(String),
    PolicyErrors(usize),
}

fn build(args: &BuildArgs) -> Result<Built, BuildError> {
    let key = signing_key(args)?;
    let Revision {
        commit,
        tree,
        time,
        project,
    } = revision::load(&args.project, &args.rev)?;
    let mut sources = Vec::new();
    let mut imports = Vec::new();
    for file in project.files() {
        let source = &file.source;
        let sha256 = sha256_digest(source.text.as_bytes());
        match &source.origin {
            Origin::Local => sources.push(SourceDigest {
                path: source.path.clone(),
                sha256,
            }),
            Origin::Import(reference) => imports.push(ImportDigest {
                reference: reference.clone(),
                sha256,
            }),
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    imports.sort_by(|a, b| a.reference.cmp(&b.reference));
    let checked = analyse(
        project,
        &CheckSettings {
            require_env: false,
            smt_timeout: Some(args.smt_timeout),
        },
    );
    let analysis = checked.analysis;
    if !analysis.diagnostics.is_empty() {
        fpl_server::report!("{}", render(&analysis, Format::Human).trim_end());
    }
    let Ok(compiled) = compile(&analysis) else {
        return Ok(Built::PolicyErrors(error_count(&analysis)));
    };
    if let Some(reason) = checked.smt_skipped {
        return Err(BuildError::SmtSkipped(reason));
    }
    for error in &checked.smt_internal_errors {
        fpl_server::report!("faramesh: {error}");
    }
    if !checked.smt_internal_errors.is_empty() {
        return Err(BuildError::SmtInternal(checked.smt_internal_errors.len()));
    }
    let policy = compiled.to_bytes();
    let manifest = Manifest {
        format_version: BUNDLE_FORMAT_VERSION,
        commit,
        tree,
        created: Timestamp::from_unix(Decimal::from_int(time)).to_string(),
        toolchain: concat!("faramesh ", env!("CARGO_PKG_VERSION")).to_owned(),
        policy: PolicyInfo::of(&compiled, &policy),
        sources,
        imports,
        analysis: summary(&analysis),
    };
    let bundle = write_bundle(&manifest, &policy, key.as_ref())?;
    fpl_registry::files::write_atomic(&args.out, &bundle)?;
    let rules: usize = compiled.policy.agents.iter().map(|a| a.rules.len()).sum();
    let signer = key.as_ref().map_or_else(
        || "unsigned: no runtime loads it (pass --key)".to_owned(),
        |key| format!("signed by {}", TrustedKey::of(key).id),
    );
    Ok(Built::Written(format!(
        "wrote {}: commit {}, {} agent(s), {rules} rule(s), {signer}",
        args.out.display(),
        manifest.commit,
        compiled.policy.agents.len(),
    )))
}

/// `--key`, else `[bundle] signing_key` of the project's faramesh.toml, else none.
fn signing_key(args: &BuildArgs) -> Result<Option<SigningKey>, BuildError> {
    let path = match &args.key {
        Some(path) => path.clone(),
        None => match fpl_registry::manifest::Manifest::load(&args.project)?.signing_key()? {
            Some(path) => args.project.join(path),
            None => return Ok(None),
        },
    };
    Ok(Some(read_signing_key(&path)?))
}

fn error_count(analysis: &Analysis) -> usize {
    analysis
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .count()
}

/// Counts of the diagnostics by severity and by code.
fn summary(analysis: &Analysis) -> AnalysisSummary {
    let mut summary = AnalysisSummary::default();
    let mut codes = BTreeMap::new();
    for diagnostic in &analysis.diagnostics {
        match diagnostic.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
        }
        *codes
            .entry(diagnostic.code.as_str().to_owned())
            .or_insert(0) += 1;
    }
    summary.codes = codes;
    summary
}
