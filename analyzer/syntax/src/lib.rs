//! FPL syntax.
