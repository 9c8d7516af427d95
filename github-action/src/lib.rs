//! The pull-request gate of FPL policies (`faramesh ci`): the report of a change (the head
//! checked, its decisions compared with the base's), its renderings (Markdown, JSON, GitHub
//! workflow-command annotations, SARIF) and the GitHub client that keeps one sticky comment.
//! The only crate of ours, besides the registry client and the server, that talks to the
//! network.

pub mod annotations;
pub mod changes;
pub mod github;
pub mod located;
pub mod report;
pub mod sarif;
