//! GitHub: the environment of a workflow run ([`mod@env`]) and the sticky pull-request comment
//! ([`comment`]), written through octocrab.

pub mod comment;
pub mod env;

pub use self::comment::{CommentError, Posted, STICKY_MARKER, post_sticky};
pub use self::env::{Context, EnvError, PullRequest};
