//! Reading with a size limit and writing atomically (temp file in the same directory + rename).

use std::path::Path;

use crate::error::Error;

/// Writes `bytes` to `path` atomically (`fpl_runtime::files::write_atomic`), naming the path in
/// the error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    fpl_runtime::files::write_atomic(path, bytes).map_err(Error::io(path))
}

pub use fpl_runtime::files::read_limited;
pub use fpl_runtime::hex::sha256_hex;
