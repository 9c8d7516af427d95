//! A webhook receiver on 127.0.0.1 for the alert tests of `faramesh serve`: it records every
//! request it gets (before answering, so a test sees a request the receiver holds) and answers
//! as the test says, one thread per connection, so a request held open never stops the next.

use std::io::{BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::support::read_http_request;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path.
    pub path: String,
    /// The headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// How the receiver answers a request.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// `200 OK`.
    pub fn ok() -> Reply {
        Reply::status(200)
    }

    /// An answer with this status.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
        }
    }

    /// An answer with this status and `Retry-After: value`.
    pub fn retry_after(status: u16, value: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Retry-After", value.to_owned())],
        }
    }
}

/// A gate that holds the threads waiting on it until the test opens it.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    /// Lets every waiting (and later) caller of [`Gate::wait`] through.
    pub fn open(&self) {
        let (open, changed) = &*self.0;
        *open.lock().expect("gate") = true;
        changed.notify_all();
    }

    /// Waits until the gate is open.
    pub fn wait(&self) {
        let (open, changed) = &*self.0;
        let mut is_open = open.lock().expect("gate");
        while !*is_open {
            is_open = changed.wait(is_open).expect("gate");
        }
    }
}

/// A running receiver.
pub struct Receiver {
    addr: SocketAddr,
    received: mpsc::Receiver<Received>,
}

impl Receiver {
    /// Listens on a free 127.0.0.1 port; `answer` is called for each request (on its
    /// connection's thread, so it may block) after the request was recorded.
    pub fn start(answer: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let addr = listener.local_addr().expect("receiver address");
        let (sender, received) = mpsc::channel();
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let sender = sender.clone();
                let answer = answer.clone();
                std::thread::spawn(move || serve_connection(stream, &sender, &*answer));
            }
        });
        Receiver { addr, received }
    }

    /// The URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next request received; fails the test when none comes within 60 s.
    pub fn next(&self) -> Received {
        self.received
            .recv_timeout(Duration::from_secs(60))
            .expect("the receiver gets a request")
    }

    /// The next `count` requests.
    pub fn take(&self, count: usize) -> Vec<Received> {
        (0..count).map(|_| self.next()).collect()
    }
}

/// Reads requests from one connection and answers them until it closes.
fn serve_connection(
    stream: TcpStream,
    sender: &mpsc::Sender<Received>,
    answer: &(dyn Fn(&Received) -> Reply + Send + Sync),
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut writer = stream;
    while let Some(received) = read_request(&mut reader) {
        if sender.send(received.clone()).is_err() {
            return;
        }
        let reply = answer(&received);
        let mut head = format!(
            "HTTP/1.1 {} Alert Test\r\nContent-Length: 0\r\n",
            reply.status
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).is_err() {
            return;
        }
    }
}

/// One request, or `None` when the connection closed.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let request = read_http_request(reader)?;
    Some(Received {
        path: request.path,
        headers: request.headers,
        body: serde_json::from_slice(&request.body).expect("an alert body is JSON"),
    })
}
