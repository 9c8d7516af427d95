//! Messages on standard error, of the service and of every CLI command. A service outlives its
//! stderr, and a command's reader may close it (`2>&1 | head`): a message that cannot be written
//! (a full disk, a file past its size limit, a closed pipe) is dropped, where `eprintln!` would
//! panic.

/// Writes a line to standard error, like `eprintln!`, and goes on whether or not it was written.
#[macro_export]
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
