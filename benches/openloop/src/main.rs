//! `openloop --addr 127.0.0.1:8181 --path /v1/decide --body request.json --rate 40000`: sends a
//! steady rate of one request, open loop, and prints the rate answered and the latency
//! percentiles counted from when each request was due.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fpl_openloop::{Config, Report, request, run};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(about = "Open-loop HTTP/1.1 load: a steady rate, latency from when each request was due")]
struct Args {
    /// The server.
    #[arg(long)]
    addr: SocketAddr,
    /// The request path.
    #[arg(long, default_value = "/")]
    path: String,
    /// POST this file as a JSON body (GET without it).
    #[arg(long, value_name = "FILE")]
    body: Option<PathBuf>,
    /// Requests per second.
    #[arg(long)]
    rate: f64,
    /// Seconds to send for.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Keep-alive connections, one request in flight on each.
    #[arg(long, default_value_t = 64)]
    connections: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let body = match args.body.as_deref().map(std::fs::read).transpose() {
        Ok(body) => body,
        Err(error) => {
            eprintln!("openloop: cannot read the body: {error}");
            return ExitCode::from(2);
        }
    };
    let method = if body.is_some() { "POST" } else { "GET" };
    let config = Config {
        addr: args.addr,
        request: request(args.addr, method, &args.path, body.as_deref()),
        rate: args.rate,
        duration: Duration::from_secs(args.seconds),
        connections: args.connections,
    };
    match run(&config) {
        Ok(report) => {
            print(&report);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("openloop: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The report, one figure per line.
fn print(report: &Report) {
    println!("  Sent:\t{}", report.sent);
    println!(
        "  Answered:\t{} ({} not 200)",
        report.latencies.len(),
        report.not_ok
    );
    println!("  Requests/sec:\t{:.1}", report.rate());
    for (label, share) in [
        ("50.00%", 0.5),
        ("90.00%", 0.9),
        ("99.00%", 0.99),
        ("99.90%", 0.999),
        ("99.99%", 0.9999),
        ("max", 1.0),
    ] {
        if let Some(latency) = report.percentile(share) {
            println!("  {label} in {:.4} ms", latency.as_secs_f64() * 1000.0);
        }
    }
}
