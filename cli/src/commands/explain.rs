//! `faramesh explain <CODE>`: the documentation of a diagnostic code.

use std::process::ExitCode;

use fpl_analyzer::Code;

/// Arguments of `faramesh explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A code (`E0201`) or a check name (`duplicate-agent`).
    pub code: String,
}

/// The code is not one the toolchain knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown diagnostic code `{0}`; codes look like `E0201` or `duplicate-agent`")]
struct UnknownCode(String);

/// Runs the command.
pub fn run(args: &ExplainArgs) -> ExitCode {
    let Some(code) = Code::parse(args.code.trim()) else {
        return super::fail(UnknownCode(args.code.clone()));
    };
    print!("{}", explanation(code));
    ExitCode::SUCCESS
}

/// The text `explain` prints for a code.
pub fn explanation(code: Code) -> String {
    let docs = code.docs();
    let mut out = format!(
        "{} {} ({})\n\n{}\n",
        code.as_str(),
        code.name(),
        code.default_severity().as_str(),
        docs.summary
    );
    if !docs.invalid.is_empty() {
        out.push_str("\nThis policy gets it:\n\n");
        out.push_str(&indent(docs.invalid));
    }
    if !docs.valid.is_empty() {
        out.push_str("\nThis one does not:\n\n");
        out.push_str(&indent(docs.valid));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}
