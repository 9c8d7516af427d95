//! `faramesh completions <shell>`: a completion script for the shell.

use std::process::ExitCode;

/// Arguments of `faramesh completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs the command for the CLI type `C`.
pub fn run<C: clap::CommandFactory>(args: &CompletionsArgs) -> ExitCode {
    let mut command = C::command();
    // Into memory first: `generate` panics when it cannot write (`| head` closing the pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "faramesh", &mut script);
    super::print(&String::from_utf8_lossy(&script), ExitCode::SUCCESS)
}
