//! FPL import resolution (SPEC §9): registries in the public Faramesh layout read from a
//! directory, a git repository (local, or fetched by `git` from a server) or an HTTP(S) server; Ed25519 signatures checked against the
//! project's trusted keys only; `faramesh.lock`; a content-addressed cache; and a small HTTP
//! server for registry mirrors; and the HTTP upload of `faramesh bundle publish`.

pub mod cache;
pub mod catalog;
mod error;
pub mod files;
pub mod imports;
pub mod lockfile;
pub mod manifest;
pub mod progress;
pub mod project;
pub mod reference;
pub mod registry_path;
pub mod resolve;
pub mod serve;
pub mod source;
pub mod trust;
pub mod upload;

pub use error::{Error, ErrorKind};
pub use project::{LocalContent, LocalFile, Project, Site, SiteFile};
pub use reference::{Kind, PUBLIC_REGISTRY, Package, Reference};
pub use resolve::{Failure, Fetch, Options, Resolution, Resolved, resolve};
