//! Fuzzes egress host reading against the `url` crate (a WHATWG URL parser): whenever the
//! runtime reads a host from `args.url` or `args.host`, it is the host the `url` crate connects
//! to; whenever the two disagree, the runtime refuses the value, and egress decides deny.
#![no_main]

#[path = "../../runtime/tests/support/host_oracle.rs"]
mod host_oracle;

use fpl_runtime::{HostPattern, read_host, read_url_host};
use host_oracle::{check, whatwg_host};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check("url", text, read_url_host(text).ok(), whatwg_host(text));
    check(
        "host",
        text,
        read_host(text).ok(),
        whatwg_host(&format!("http://{text}/")),
    );
    if let Some(HostPattern::Exact(exact)) = HostPattern::parse(text) {
        assert!(HostPattern::parse(text).is_some_and(|p| p.matches(&exact)));
    }
});
