//! Reading files of untrusted size: never more than one byte past a limit. The one bounded
//! reader of the workspace (project loader, registry client, bundles, the decision service).

use std::io::Read as _;
use std::path::Path;

/// Reads the file at `path` if it holds at most `limit` bytes; `Ok(None)` when it holds more.
/// A regular file's length says it is too large without reading it, and a device or a pipe
/// (length 0, perhaps endless like `/dev/zero`) is read up to one byte past the limit.
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > limit {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}
