//! The egress oracle shared by the property test (`tests/host_url.rs`) and the fuzz target
//! (`fuzz/fuzz_targets/host_url.rs`): the `url` crate (a WHATWG URL parser) says which host a
//! value reaches; the runtime must read the same host or refuse the value, and a deny-listed
//! host is denied however it is spelled.

use std::net::Ipv6Addr;

use fpl_runtime::ir::{Agent, CompiledPolicy, Policy, Rule, SourceMap};
use fpl_runtime::{Evaluator, HostPattern};

/// The host the `url` crate connects to: lowercase, without a trailing dot.
pub fn whatwg_host(url: &str) -> Option<String> {
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

/// The runtime's reading in the same form.
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

/// An evaluator whose one agent permits every tool under these egress lists.
fn egress_evaluator(allow: Option<&[&str]>, deny: &[&str]) -> Evaluator {
    let policy = Policy::new().agent(Agent::new("a").egress(allow, deny).rule(Rule::permit("*")));
    Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())).expect("a valid policy")
}

/// The effect and reason code of a `net/get` call with `argument` set to `value`.
fn decide(evaluator: &mut Evaluator, argument: &str, value: &str) -> (String, String) {
    let request = format!(
        r#"{{"agent":"a","tool":"net/get","args":{{{}:{}}}}}"#,
        serde_json::Value::from(argument),
        serde_json::Value::from(value)
    );
    let decision = evaluator.decide_json(&request);
    (
        decision.effect.as_str().to_owned(),
        decision.reason_code.to_string(),
    )
}

/// The property for one value: with every host allowed, a permit means the runtime read the
/// host the `url` crate connects to; with that host deny-listed, the decision is a deny.
pub fn check(argument: &str, value: &str, runtime: Option<&str>, whatwg: Option<String>) {
    let (effect, code) = decide(&mut egress_evaluator(Some(&["*"]), &[]), argument, value);
    assert_eq!(
        effect == "permit",
        runtime.is_some(),
        "{argument} = {value:?}: {code} but the reading is {runtime:?}"
    );
    if let Some(runtime) = runtime {
        assert_eq!(
            Some(canonical(runtime)),
            whatwg,
            "{argument} = {value:?} is permitted, but the runtime and the url crate read different hosts"
        );
    }
    if let Some(host) = whatwg.filter(|h| HostPattern::parse(h).is_some()) {
        let (effect, code) = decide(&mut egress_evaluator(None, &[&host]), argument, value);
        assert_eq!(
            (effect.as_str(), code.as_str()),
            ("deny", "EGRESS_DENIED"),
            "{argument} = {value:?} reaches deny-listed {host}"
        );
    }
}
