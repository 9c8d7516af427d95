//! The generator against a real keep-alive HTTP server on 127.0.0.1, started by the test: every
//! request sent is answered and counted, non-200 answers are counted as such, and a server that
//! hangs up ends the run with an error.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use fpl_openloop::{Config, LoadError, request, run};

/// What the test server does with each request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers 200 with a small JSON body.
    Ok,
    /// Answers 503.
    Unavailable,
    /// Closes the connection at the first request.
    HangUp,
}

/// A server on a free port that treats every request as `behaviour` says.
fn serve(behaviour: Behaviour) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream, behaviour));
        }
    });
    addr
}

/// Answers the requests of one keep-alive connection until the client closes it.
fn answer(mut stream: TcpStream, behaviour: Behaviour) {
    let mut inbox = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(len) = request_len(&inbox) {
            inbox.drain(..len);
            let reply: &[u8] = match behaviour {
                Behaviour::Ok => {
                    b"HTTP/1.1 200 OK\r\ncontent-length: 16\r\n\r\n{\"effect\":\"ok\"}\n"
                }
                Behaviour::Unavailable => {
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"
                }
                Behaviour::HangUp => return,
            };
            if stream.write_all(reply).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(read) => inbox.extend_from_slice(&chunk[..read]),
        }
    }
}

/// The length of the request at the start of `bytes`, once it is whole.
fn request_len(bytes: &[u8]) -> Option<usize> {
    let head = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = std::str::from_utf8(&bytes[..head]).ok()?;
    let body = text
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, value)| value.trim().parse().unwrap_or(0));
    (bytes.len() >= head + body).then_some(head + body)
}

fn config(addr: SocketAddr) -> Config {
    Config {
        addr,
        request: request(
            addr,
            "POST",
            "/v1/decide",
            Some(br#"{"agent":"a","tool":"t"}"#),
        ),
        rate: 2_000.0,
        duration: Duration::from_millis(500),
        connections: 4,
    }
}

#[test]
fn every_request_sent_is_answered_and_timed() {
    let report = run(&config(serve(Behaviour::Ok))).expect("a run");
    assert_eq!(report.sent, 1_000);
    assert_eq!(report.latencies.len(), 1_000);
    assert_eq!(report.not_ok, 0);
    assert!(report.latencies.windows(2).all(|w| w[0] <= w[1]), "sorted");
    assert!(report.percentile(0.5) <= report.percentile(0.99));
}

#[test]
fn answers_other_than_200_are_counted() {
    let report = run(&config(serve(Behaviour::Unavailable))).expect("a run");
    assert_eq!(report.latencies.len(), 1_000);
    assert_eq!(report.not_ok, 1_000);
}

#[test]
fn a_server_that_hangs_up_ends_the_run() {
    let error = run(&config(serve(Behaviour::HangUp))).err();
    assert!(matches!(error, Some(LoadError::Closed)), "{error:?}");
}
