//! `faramesh audit verify`: check a decision log's hash chain, and cut off a torn last line.

use std::path::PathBuf;
use std::process::ExitCode;

use fpl_runtime::log::{self, ProblemKind};

/// Arguments of `faramesh audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Recompute the chain and report the first changed, removed, reordered or torn record.
    Verify {
        /// The decision log.
        file: PathBuf,
        /// Cut off a torn last line (left by a crash while writing); never hides other damage.
        #[arg(long)]
        repair: bool,
    },
}

/// Runs the command: 0 when the log verifies (after repair), 1 when it does not.
pub fn run(args: &AuditArgs) -> ExitCode {
    let AuditCommand::Verify { file, repair } = &args.command;
    let report = match log::verify(file) {
        Ok(report) => report,
        Err(error) => return super::fail(error),
    };
    let Some(problem) = report.problem else {
        println!("{}: {} records verified", file.display(), report.records);
        return ExitCode::SUCCESS;
    };
    if *repair && problem.kind == ProblemKind::TornLastLine {
        return match log::repair(file) {
            Ok(repaired) => {
                println!(
                    "{}: cut off a torn last line ({} bytes); {} records verified",
                    file.display(),
                    repaired.bytes_removed,
                    repaired.records
                );
                ExitCode::SUCCESS
            }
            Err(error) => super::fail(error),
        };
    }
    println!(
        "{}: {problem} ({} records verified before it)",
        file.display(),
        report.records
    );
    if problem.kind == ProblemKind::TornLastLine {
        println!("hint: run again with --repair to cut off the torn line");
    }
    ExitCode::from(1)
}
