//! An HTTP origin on 127.0.0.1 for the `faramesh serve` URL source: one bundle with an ETag,
//! `304 Not Modified` for a matching `If-None-Match`, replaceable while it runs.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What the origin serves and what it has seen.
struct State {
    bundle: Vec<u8>,
    version: u32,
    not_modified: u32,
}

/// A running origin (its thread ends with the test process).
pub struct Origin {
    pub addr: SocketAddr,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl Origin {
    /// Serves `bundle` as version 1.
    pub fn start(bundle: Vec<u8>) -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new((
            Mutex::new(State {
                bundle,
                version: 1,
                not_modified: 0,
            }),
            Condvar::new(),
        ));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &shared);
            }
        });
        Origin { addr, state }
    }

    /// Serves `bundle` as the next version.
    pub fn replace(&self, bundle: Vec<u8>) {
        let mut state = self.state.0.lock().expect("lock");
        state.bundle = bundle;
        state.version += 1;
    }

    /// Waits (at most 30 s) until a poll was answered `304 Not Modified`.
    pub fn wait_for_not_modified(&self) {
        let (lock, changed) = &*self.state;
        let state = lock.lock().expect("lock");
        let (state, timeout) = changed
            .wait_timeout_while(state, Duration::from_secs(30), |state| {
                state.not_modified == 0
            })
            .expect("lock");
        assert!(
            !timeout.timed_out() && state.not_modified > 0,
            "no conditional poll"
        );
    }
}

fn answer(stream: std::net::TcpStream, shared: &(Mutex<State>, Condvar)) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(value.trim().to_owned());
        }
    }
    let (lock, changed) = shared;
    let mut state = lock.lock().expect("lock");
    let etag = format!("\"v{}\"", state.version);
    let mut out = stream;
    if if_none_match.as_deref() == Some(etag.as_str()) {
        state.not_modified += 1;
        changed.notify_all();
        write!(
            out,
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
        )?;
    } else {
        write!(
            out,
            "HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            state.bundle.len()
        )?;
        out.write_all(&state.bundle)?;
    }
    out.flush()
}
