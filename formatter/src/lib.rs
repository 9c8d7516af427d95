//! The FPL formatter.
