//! `faramesh registry serve`: serves a registry directory over HTTP for internal mirrors. Only
//! `GET` and `HEAD` of checked paths (no `..`, no percent-escapes, no symlink out of the
//! directory) are answered.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};

use crate::registry_path::RegistryPath;
use crate::resolve::MAX_PROVIDER_SIZE;
use crate::source::{ReadError, dir::DirSource};

/// Serves `root` on `addr` until the process ends; calls `bound` with the address once listening
/// (port 0 picks a free port).
pub fn serve(root: &Path, addr: SocketAddr, bound: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let root = root.canonicalize()?;
    if !root.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("`{}` is not a directory", root.display()),
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        bound(listener.local_addr()?);
        let root = Arc::new(root);
        loop {
            let (stream, _) = listener.accept().await?;
            let root = root.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let root = root.clone();
                    async move { Ok::<_, Infallible>(answer(&root, request).await) }
                });
                // A client that goes away mid-request is its own problem, not the server's.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

async fn answer(root: &Arc<PathBuf>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    }
    let head = request.method() == Method::HEAD;
    let Some(path) = request
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|path| RegistryPath::parse(path).ok())
    else {
        return plain(StatusCode::FORBIDDEN, "refused path\n");
    };
    let root = root.clone();
    let read =
        tokio::task::spawn_blocking(move || DirSource::new(&root).read(&path, MAX_PROVIDER_SIZE))
            .await;
    match read {
        Ok(Ok(Some(bytes))) => {
            let length = bytes.len();
            let body = if head {
                Bytes::new()
            } else {
                Bytes::from(bytes)
            };
            let mut response = Response::new(Full::new(body));
            response.headers_mut().insert(
                hyper::header::CONTENT_LENGTH,
                hyper::header::HeaderValue::from(length),
            );
            response
        }
        Ok(Ok(None)) => plain(StatusCode::NOT_FOUND, "not found\n"),
        Ok(Err(ReadError::Escapes(_))) => plain(StatusCode::FORBIDDEN, "refused path\n"),
        Ok(Err(ReadError::TooLarge(_) | ReadError::Failed(_))) | Err(_) => {
            plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file\n")
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
}
