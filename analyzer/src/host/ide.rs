//! Editor features over a snapshot: plain data (byte offsets, text) that the language server converts.
