//! An open-loop HTTP/1.1 load generator for the serve benchmarks (issue 15: "p99 ≤ 1 ms at
//! 80 % of the rate, open loop"). Request `k` is due at `k / rate` seconds after the start,
//! whether or not earlier answers came back; its latency counts from when it was due, so a
//! server (or this tool) that falls behind shows in the figures instead of slowing the load
//! (no coordinated omission). A due request goes out on the first free keep-alive connection,
//! one request in flight per connection.
//!
//! One thread drives every connection through `mio` and never sleeps while a request is due
//! within a couple of milliseconds (epoll's timeout is in whole milliseconds), so the tool adds
//! microseconds, not milliseconds, to what it measures. Run it pinned to a core of its own.

pub mod hiccups;
mod response;

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

pub use response::{FrameError, Framed, frame};

/// What to send, where, and how fast.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server.
    pub addr: SocketAddr,
    /// The whole request as sent on the wire, head and body.
    pub request: Vec<u8>,
    /// Requests per second.
    pub rate: f64,
    /// How long requests are sent.
    pub duration: Duration,
    /// Keep-alive connections, each with at most one request in flight.
    pub connections: usize,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Report {
    /// Requests sent.
    pub sent: u64,
    /// Latencies of the answered requests, from when each was due, shortest first.
    pub latencies: Vec<Duration>,
    /// Answers whose status was not 200.
    pub not_ok: u64,
    /// From the first request's due time to the last answer.
    pub elapsed: Duration,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A socket or the poller failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The server closed a connection.
    #[error("the server closed a connection")]
    Closed,
    /// The server's answer could not be read.
    #[error("an answer could not be read: {0}")]
    Answer(FrameError),
    /// Requests were still unanswered long after the last was due.
    #[error("{0} requests unanswered 10 s after the last was due")]
    Unanswered(u64),
    /// A configuration that cannot run.
    #[error("{0}")]
    Config(&'static str),
}

/// How long answers are waited for after the last request was due.
const GRACE: Duration = Duration::from_secs(10);
/// Below this distance to the next due request the poller does not wait at all.
const SPIN: Duration = Duration::from_millis(2);

/// One keep-alive connection.
struct Connection {
    stream: TcpStream,
    /// Bytes read and not yet framed.
    inbox: Vec<u8>,
    /// How much of the request in flight is written.
    written: usize,
    /// When the request in flight was due; `None` while the connection is free.
    due: Option<Instant>,
}

impl Report {
    /// The latency below which `share` (0–1) of the answered requests were.
    pub fn percentile(&self, share: f64) -> Option<Duration> {
        let last = self.latencies.len().checked_sub(1)?;
        let index = ((last as f64) * share).round() as usize;
        self.latencies.get(index.min(last)).copied()
    }

    /// Answers per second over the run.
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Sends `config.rate` requests a second for `config.duration`, open loop, and reports.
pub fn run(config: &Config) -> Result<Report, LoadError> {
    if !(config.rate > 0.0 && config.rate.is_finite()) || config.connections == 0 {
        return Err(LoadError::Config(
            "the rate and connections must be positive",
        ));
    }
    let total = (config.rate * config.duration.as_secs_f64()).round() as u64;
    let mut poll = Poll::new()?;
    let mut connections = Vec::with_capacity(config.connections);
    for index in 0..config.connections {
        let stream = std::net::TcpStream::connect(config.addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(stream);
        poll.registry().register(
            &mut stream,
            Token(index),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        connections.push(Connection {
            stream,
            inbox: Vec::with_capacity(4096),
            written: 0,
            due: None,
        });
    }
    let mut events = Events::with_capacity(config.connections.max(16));
    let mut free: VecDeque<usize> = (0..config.connections).collect();
    let mut waiting: VecDeque<Instant> = VecDeque::new();
    let mut latencies = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut not_ok = 0;
    let mut scheduled = 0u64;
    let start = Instant::now();
    let due_at = |k: u64| start + Duration::from_secs_f64(k as f64 / config.rate);
    let mut last_answer = start;
    loop {
        let now = Instant::now();
        while scheduled < total && due_at(scheduled) <= now {
            waiting.push_back(due_at(scheduled));
            scheduled += 1;
        }
        while !waiting.is_empty() && !free.is_empty() {
            let (Some(due), Some(index)) = (waiting.pop_front(), free.pop_front()) else {
                break;
            };
            let connection = &mut connections[index];
            connection.due = Some(due);
            connection.written = 0;
            send(connection, &config.request)?;
        }
        let in_flight = connections.len() - free.len();
        if scheduled == total && waiting.is_empty() && in_flight == 0 {
            break;
        }
        if scheduled == total && now > due_at(total) + GRACE {
            return Err(LoadError::Unanswered((waiting.len() + in_flight) as u64));
        }
        let wait = if scheduled < total {
            due_at(scheduled)
                .saturating_duration_since(now)
                .checked_sub(SPIN)
                .unwrap_or(Duration::ZERO)
        } else {
            Duration::from_millis(1)
        };
        poll.poll(&mut events, Some(wait))?;
        for event in &events {
            let index = event.token().0;
            let connection = &mut connections[index];
            if event.is_writable() && connection.due.is_some() {
                send(connection, &config.request)?;
            }
            if event.is_readable() {
                let answers = receive(connection)?;
                let Some(due) = connection.due else { continue };
                if let Some(status) = answers {
                    let answered = Instant::now();
                    latencies.push(answered.saturating_duration_since(due));
                    last_answer = answered;
                    if status != 200 {
                        not_ok += 1;
                    }
                    connection.due = None;
                    free.push_back(index);
                }
            }
        }
    }
    latencies.sort_unstable();
    Ok(Report {
        sent: total,
        latencies,
        not_ok,
        elapsed: last_answer.saturating_duration_since(start),
    })
}

/// Writes what is left of the request in flight, as far as the socket takes it.
fn send(connection: &mut Connection, request: &[u8]) -> Result<(), LoadError> {
    while connection.written < request.len() {
        match connection.stream.write(&request[connection.written..]) {
            Ok(0) => return Err(LoadError::Closed),
            Ok(written) => connection.written += written,
            Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// Reads what the socket has; the status of the answer it completes, if it does.
fn receive(connection: &mut Connection) -> Result<Option<u16>, LoadError> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match connection.stream.read(&mut chunk) {
            Ok(0) => return Err(LoadError::Closed),
            Ok(read) => connection.inbox.extend_from_slice(&chunk[..read]),
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error.into()),
        }
    }
    match frame(&connection.inbox).map_err(LoadError::Answer)? {
        None => Ok(None),
        Some(framed) => {
            connection.inbox.drain(..framed.len);
            Ok(Some(framed.status))
        }
    }
}

/// A keep-alive HTTP/1.1 request: `method` `path` to `addr`, with a JSON `body` when given.
pub fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n").into_bytes();
    if let Some(body) = body {
        out.extend_from_slice(
            format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.unwrap_or_default());
    out
}
