//! `faramesh policy …`: commands that write policies.

use std::process::ExitCode;

/// Arguments of `faramesh policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PolicyCommand {
    /// Compile English policy statements to a checked, formatted FPL agent.
    Compile(super::compile_intent::CompileArgs),
}

/// Runs the command.
pub fn run(args: &PolicyArgs) -> ExitCode {
    match &args.command {
        PolicyCommand::Compile(args) => super::compile_intent::run(args),
    }
}
