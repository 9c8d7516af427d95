//! The server on a 10,000-rule policy, over JSON-RPC in process: a one-character edit until
//! both diagnostic layers are published, a completion and a hover. Prints the resident memory.
//! The edit is measured on both shapes: ten agents of 1,000 rules and one agent of 10,000.

use criterion::{Criterion, criterion_group, criterion_main};
use fpl_testdata::lsp_client::Client;
use serde_json::json;

const URI: &str = "file:///bench/large.fpl";

fn position(text: &str, offset: usize) -> serde_json::Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = before.rsplit('\n').next().map_or(0, str::len);
    json!({"line": line, "character": column})
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until the semantic diagnostics of the current text are computed: a code action asks
/// for them. (Their publication is skipped when it would repeat the syntax layer's.)
async fn semantic_diagnostics(client: &mut Client, at: serde_json::Value) {
    client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
        )
        .await;
}

/// A multi-threaded runtime like the server's.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A server with `text` open at [`URI`], both diagnostic layers published.
fn open(runtime: &tokio::runtime::Runtime, text: &str) -> Client {
    runtime.block_on(async {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        tokio::spawn(fpl_lsp::serve(
            server_read,
            server_write,
            fpl_lsp::ImportResolver::default(),
        ));
        let (read, write) = tokio::io::split(client_side);
        let mut client = Client::connect(read, write);
        client.initialize(None).await;
        client.open(URI, text).await;
        client.diagnostics_until(URI, |_| true).await;
        semantic_diagnostics(&mut client, json!({"line": 0, "character": 0})).await;
        client
    })
}

/// Benchmarks `name`: a digit inside the condition of a rule in the middle of `text` changes,
/// until the syntax diagnostics are published and the semantic ones computed.
fn bench_edit(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    client: &mut Client,
    text: &str,
    name: &str,
) {
    let middle = text.len() / 2;
    let digit = middle + text[middle..].find("amount > ").expect("a condition") + "amount > ".len();
    let at = position(text, digit);
    let end = json!({"line": at["line"], "character": at["character"].as_u64().unwrap_or(0) + 1});
    let mut version = 1;
    c.bench_function(name, |b| {
        b.iter(|| {
            version += 1;
            let digit = if version % 2 == 0 { "7" } else { "1" };
            runtime.block_on(async {
                client
                    .notify(
                        "textDocument/didChange",
                        json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [
                            {"range": {"start": at, "end": end}, "text": digit}]}),
                    )
                    .await;
                client.diagnostics_until(URI, |_| true).await;
                semantic_diagnostics(&mut *client, at.clone()).await;
            })
        })
    });
}

fn bench(c: &mut Criterion) {
    let runtime = runtime();
    let text = fpl_testdata::large_policy(10_000);
    let before = resident_kib();
    let mut client = open(&runtime, &text);
    if let (Some(before), Some(after)) = (before, resident_kib()) {
        eprintln!(
            "resident memory: {after} KiB after opening (+{} KiB for the server)",
            after.saturating_sub(before)
        );
    }
    bench_edit(
        c,
        &runtime,
        &mut client,
        &text,
        "edit one character → syntax diagnostics published, semantic diagnostics computed",
    );
    let middle = text.len() / 2;
    let condition = middle + text[middle..].find(" and ").expect("and") + " and ".len();
    let completion_at = position(&text, condition);
    c.bench_function("completion in a condition", |b| {
        b.iter(|| {
            runtime.block_on(client.request(
                "textDocument/completion",
                json!({"textDocument": {"uri": URI}, "position": completion_at}),
            ))
        })
    });
    let effect = middle + text[middle..].find("    permit").expect("a rule") + 5;
    let hover_at = position(&text, effect);
    c.bench_function("hover on a rule", |b| {
        b.iter(|| {
            runtime.block_on(client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": URI}, "position": hover_at}),
            ))
        })
    });
    if let Some(after) = resident_kib() {
        eprintln!("resident memory after the benchmarks: {after} KiB");
    }
}

/// The edit on one agent of 10,000 rules, where per-rule work that looks at the whole agent
/// would show.
fn bench_one_agent(c: &mut Criterion) {
    let runtime = runtime();
    let text = fpl_testdata::one_agent_policy(10_000);
    let mut client = open(&runtime, &text);
    bench_edit(
        c,
        &runtime,
        &mut client,
        &text,
        "one agent × 10,000 rules: edit one character → syntax diagnostics published, semantic diagnostics computed",
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench, bench_one_agent
}
criterion_main!(benches);
