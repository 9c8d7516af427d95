//! Handlers that change the server's state: documents opened, edited and closed, and the
//! workspace's folders and files on disk.

pub(super) mod text_document;
pub(super) mod workspace;
