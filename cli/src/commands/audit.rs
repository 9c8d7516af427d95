//! `faramesh audit verify`: check a decision log's hash chain, optionally that a head hash noted
//! earlier is still in it, and cut off a torn last line.

use std::path::PathBuf;
use std::process::ExitCode;

use fpl_runtime::log::{self, LogError, ProblemKind};

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
        /// A head hash printed by an earlier `verify`: it must still be in the chain, so records
        /// cut off the end are caught.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
}

/// An error naming the log it concerns.
#[derive(Debug, thiserror::Error)]
#[error("cannot verify `{path}`: {cause}")]
struct AuditError {
    path: PathBuf,
    cause: LogError,
}

/// Runs the command: 0 when the log verifies (after repair), 1 when it does not.
pub fn run(args: &AuditArgs) -> ExitCode {
    let AuditCommand::Verify {
        file,
        repair,
        expect_head,
    } = &args.command;
    let failed = |source| {
        super::fail(AuditError {
            path: file.clone(),
            cause: source,
        })
    };
    let (report, head_at) = match log::verify_anchored(file, expect_head.as_deref()) {
        Ok(verified) => verified,
        Err(error) => return failed(error),
    };
    let Some(problem) = report.problem else {
        let verified = format!(
            "{}: {} records verified; head {}\n",
            file.display(),
            report.records,
            report.last_hash
        );
        return match (expect_head, head_at) {
            (None, _) => super::print(&verified, ExitCode::SUCCESS),
            (Some(_), Some(at)) => super::print(
                &format!(
                    "{verified}expected head is record {at}; {} records follow it\n",
                    report.records - at
                ),
                ExitCode::SUCCESS,
            ),
            (Some(head), None) => super::print(
                &format!(
                    "{verified}expected head {head} is not in the chain: records were cut off the end, or this is another log\n"
                ),
                ExitCode::from(1),
            ),
        };
    };
    if *repair && problem.kind == ProblemKind::TornLastLine {
        return match log::repair(file) {
            Ok(repaired) => super::print(
                &format!(
                    "{}: cut off a torn last line ({} bytes); {} records verified\n",
                    file.display(),
                    repaired.bytes_removed,
                    repaired.records
                ),
                ExitCode::SUCCESS,
            ),
            Err(error) => failed(error),
        };
    }
    let mut out = format!(
        "{}: {problem} ({} records verified before it)\n",
        file.display(),
        report.records
    );
    if problem.kind == ProblemKind::TornLastLine {
        out.push_str("hint: run again with --repair to cut off the torn line\n");
    }
    super::print(&out, ExitCode::from(1))
}
