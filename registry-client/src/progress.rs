//! Download progress, reported to the caller (the library prints nothing).

/// Receives the progress of downloads, one at a time.
pub trait Progress {
    /// A download of `url` starts; `total` is its size when the server says it.
    fn start(&self, url: &str, total: Option<u64>);
    /// `bytes` more arrived.
    fn advance(&self, bytes: u64);
    /// The download ended (completely or not).
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
