//! Fuzzes egress host reading against the `url` crate (a WHATWG URL parser): whenever the
//! runtime reads a host from `args.url` or `args.host`, it is the host the `url` crate connects
//! to; whenever the two disagree, the runtime refuses the value, and egress decides deny.
#![no_main]

use std::net::Ipv6Addr;

use fpl_runtime::ir::{Agent, CompiledPolicy, Policy, Rule, SourceMap};
use fpl_runtime::{Evaluator, HostPattern, read_host, read_url_host};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check("url", text, read_url_host(text).ok(), whatwg(text));
    check(
        "host",
        text,
        read_host(text).ok(),
        whatwg(&format!("http://{text}/")),
    );
    if let Some(HostPattern::Exact(exact)) = HostPattern::parse(text) {
        assert!(HostPattern::parse(text).is_some_and(|p| p.matches(&exact)));
    }
});

/// The host the `url` crate connects to: lowercase, without a trailing dot.
fn whatwg(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(match parsed.host()? {
        url::Host::Domain(domain) => domain
            .strip_suffix('.')
            .unwrap_or(domain)
            .to_ascii_lowercase(),
        url::Host::Ipv4(address) => address.to_string(),
        url::Host::Ipv6(address) => format!("[{address}]"),
    })
}

fn canonical(host: &str) -> String {
    match host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<Ipv6Addr>().ok())
    {
        Some(address) => format!("[{address}]"),
        None => host.to_ascii_lowercase(),
    }
}

fn check(argument: &str, value: &str, runtime: Option<&str>, whatwg: Option<String>) {
    if let Some(runtime) = runtime {
        assert_eq!(
            Some(canonical(runtime)),
            whatwg,
            "{argument} = {value:?}: the runtime and the url crate read different hosts"
        );
    }
    // Decided: a host the url crate reaches, deny-listed, is denied however it is spelled.
    if let Some(host) = whatwg.filter(|h| HostPattern::parse(h).is_some()) {
        let policy = Policy::new().agent(
            Agent::new("a")
                .egress(None, &[&host])
                .rule(Rule::permit("*")),
        );
        let mut evaluator =
            Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())).expect("valid");
        let request =
            serde_json::json!({"agent": "a", "tool": "net/get", "args": {argument: value}});
        let decision = evaluator.decide_json(&request.to_string());
        assert_eq!(
            decision.effect.as_str(),
            "deny",
            "{argument} = {value:?} reaches {host}"
        );
    }
}
