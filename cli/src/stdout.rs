//! Standard output of every command. A reader that stops early (`faramesh … | head`) closes the
//! pipe; that ends the printing quietly, as in other command-line tools, instead of a panic
//! (`println!`) or an error. Any other failure to write is an error naming standard output.

use std::io::Write as _;

/// Standard output could not be written (other than closed by its reader).
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(std::io::Error);

/// Writes `text` to standard output and flushes it. When the reader has closed the pipe,
/// nothing more is printed and the command goes on to its usual exit code.
pub fn print(text: &str) -> Result<(), StdoutError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if !closed(&error) => Err(StdoutError(error)),
        _ => Ok(()),
    }
}

/// Whether a write failed because the reader closed standard output (a broken pipe).
pub fn closed(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::BrokenPipe
}
