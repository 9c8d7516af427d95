//! The `faramesh` command: one module per subcommand, renderers for diagnostics.

mod commands;
mod progress;
mod render;
mod stdout;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's allocator: checking a policy makes and frees millions of small
/// tree nodes, which glibc's free lists (consolidation, unlinking) made a third of the time.
/// Built without transparent huge pages (`no_thp` in Cargo.toml): compacting memory for them
/// stalled large checks on a busy machine.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Faramesh Policy Language toolchain.
#[derive(Debug, Parser)]
#[command(name = "faramesh", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check policies; report every problem with its code and position.
    Check(commands::check::CheckArgs),
    /// Print the documentation of a diagnostic code (e.g. `E0201` or `duplicate-agent`).
    Explain(commands::explain::ExplainArgs),
    /// Format policies in the style of SPEC §15 (in place, or `--check`, `--diff`, `-` for stdin).
    Fmt(commands::fmt::FmtArgs),
    /// Convert one policy file between FPL and its YAML/JSON form (SPEC §11).
    Convert(commands::convert::ConvertArgs),
    /// Write FPL rules from annotations in code: `extract python PATHS…` reads Faramesh decorators.
    Extract(commands::extract::ExtractArgs),
    /// Decide requests against a policy, one decision JSON per line.
    Eval(commands::eval::EvalArgs),
    /// Run `*.fmtest.yaml` policy tests and report rule coverage.
    Test(commands::test::TestArgs),
    /// Work with decision logs.
    Audit(commands::audit::AuditArgs),
    /// Build, verify, inspect and publish signed policy bundles.
    Bundle(commands::bundle::BundleArgs),
    /// Serve decisions over HTTP from a signed bundle, hot-swapping new bundles as they verify.
    Serve(commands::serve::ServeArgs),
    /// List, show, approve and deny the approvals of a decision service's deferred calls.
    Approvals(commands::approvals::ApprovalsArgs),
    /// Make an Ed25519 key for signing bundles and registry artifacts; prints its public key line for `[trust]`.
    Keygen(commands::keygen::KeygenArgs),
    /// Compare two versions of a policy (files, directories or git revisions) by their decisions.
    Diff(commands::diff::DiffArgs),
    /// Gate a change of policy: `ci report` locally, `ci github` inside GitHub Actions.
    Ci(commands::ci::CiArgs),
    /// Add an import to the policy, resolve and verify it, and pin it in faramesh.lock.
    Import(commands::import::ImportArgs),
    /// Resolve, verify and pin every import in faramesh.lock.
    Lock(commands::lock::LockArgs),
    /// List, search and describe a registry's catalog, or serve a registry directory.
    Registry(commands::registry::RegistryArgs),
    /// Write policies: `faramesh policy compile INTENT.txt` turns English statements into FPL.
    Policy(commands::policy_group::PolicyArgs),
    /// Print a JSON Schema: policy, decision, request, bundle-manifest or fmtest.
    Schema(commands::schema::SchemaArgs),
    /// Run the language server over stdio (for editors).
    Lsp(commands::lsp::LspArgs),
    /// Print a shell completion script.
    Completions(commands::completions::CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Fmt(args) => commands::fmt::run(&args),
        Command::Convert(args) => commands::convert::run(&args),
        Command::Extract(args) => commands::extract::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Test(args) => commands::test::run(&args),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Bundle(args) => commands::bundle::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Approvals(args) => commands::approvals::run(&args),
        Command::Keygen(args) => commands::keygen::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Ci(args) => commands::ci::run(&args),
        Command::Import(args) => commands::import::run(&args),
        Command::Lock(args) => commands::lock::run(&args),
        Command::Registry(args) => commands::registry::run(&args),
        Command::Policy(args) => commands::policy_group::run(&args),
        Command::Schema(args) => commands::schema::run(&args),
        Command::Lsp(args) => commands::lsp::run(&args),
        Command::Completions(args) => commands::completions::run::<Cli>(&args),
    }
}
