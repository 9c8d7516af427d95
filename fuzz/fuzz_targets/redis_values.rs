//! Fuzzes the readers of what `faramesh serve` keeps in Redis (`fpl_server::stored`): a shared
//! Redis is only as trusted as its other clients. The input is `\0`-separated text: `a`, then an
//! approval's hash as `field, value, …`; or `s`, the agent, its hash's `name, value` pairs up to
//! a `\x01` part, then sessions as `id, value, entries…` each ended by a `\x01` part. Never a
//! panic; an approval hash without a `body` field is an error; an agent's state that reads has
//! the version of its last `v` field (0 without one).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The parts up to the next `\x01` part (or the end).
fn until_end<'t>(parts: &mut impl Iterator<Item = &'t str>) -> Vec<&'t str> {
    parts.take_while(|part| *part != "\u{1}").collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    match parts.next() {
        Some("a") => {
            let pairs: Vec<String> = parts.map(str::to_owned).collect();
            let has_body = pairs.iter().step_by(2).any(|name| name == "body");
            let read = fpl_server::stored::approval(pairs);
            assert!(has_body || read.is_err(), "read without a body: {read:?}");
        }
        Some("s") => {
            let agent = parts.next().unwrap_or_default();
            let fields: Vec<(String, String)> = until_end(&mut parts)
                .chunks(2)
                .map(|pair| {
                    (
                        pair[0].to_owned(),
                        pair.get(1).copied().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            let mut sessions = Vec::new();
            while let Some(id) = parts.next() {
                let value = parts.next().unwrap_or_default();
                let entries = until_end(&mut parts)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                sessions.push((id.to_owned(), value.to_owned(), entries));
            }
            let expected = fields
                .iter()
                .rev()
                .find(|(name, _)| name == "v")
                .map_or(Some(0), |(_, value)| value.parse::<i64>().ok());
            if let Ok(version) = fpl_server::stored::agent_state(agent, &fields, sessions) {
                assert_eq!(Some(version), expected, "{fields:?}");
            }
        }
        _ => {}
    }
});
