//! FPL analyzer.
