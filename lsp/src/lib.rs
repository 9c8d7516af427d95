//! The FPL language server: speaks LSP over stdio and answers from the analyzer's analysis host.
