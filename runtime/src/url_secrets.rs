//! What in a URL is secret (the user and password before `@`, the query), and the one way the
//! toolchain keeps it out of what it prints and writes: [`redact_url`] for a URL shown on its
//! own, [`mask_url_secrets`] for a file shown as it is (its offsets kept); and the login a URL
//! carries ([`split_credentials`]) with the origin it is for ([`origin`]).

use std::ops::Range;

/// Where the parts of a URL that matter here are, as byte ranges into it.
struct Parts {
    /// Where the authority starts, after `scheme://`.
    authority_start: usize,
    /// Where the authority (`user:password@host:port`) ends.
    authority_end: usize,
    /// The user and password, before the `@`.
    userinfo: Option<Range<usize>>,
    /// The query, after the `?` and before any `#`.
    query: Option<Range<usize>>,
}

/// The [`Parts`] of `url`; `None` when it has no `://`.
fn parts(url: &str) -> Option<Parts> {
    let authority_start = url.find("://")? + 3;
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| authority_start + at);
    let userinfo = url[authority_start..authority_end]
        .rfind('@')
        .map(|at| authority_start..authority_start + at);
    let query = url[authority_end..].find('?').map(|at| {
        let start = authority_end + at + 1;
        start..url[start..].find('#').map_or(url.len(), |end| start + end)
    });
    Some(Parts {
        authority_start,
        authority_end,
        userinfo,
        query,
    })
}

/// `url` with the user and password of its authority (`https://user:token@host/…`) and its
/// query (`?token=…`) replaced by `***`, so a secret in a registry URL reaches neither messages
/// nor the committed lockfile.
pub fn redact_url(url: &str) -> String {
    let mut shown = url.to_string();
    if let Some(parts) = parts(url) {
        // The later range first, so the earlier one's offsets still hold.
        for range in [parts.query, parts.userinfo].into_iter().flatten() {
            shown.replace_range(range, "***");
        }
    }
    shown
}

/// `text` (a `faramesh.toml`, say) with the secrets of every URL in it overwritten by `*`, one
/// for each byte, so a diagnostic's offsets and columns into the text stay right.
pub fn mask_url_secrets(text: &str) -> String {
    let ends_url = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    let mut masked = text.to_string();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found;
        let url_end = text[start + 3..]
            .find(ends_url)
            .map_or(text.len(), |at| start + 3 + at);
        if let Some(parts) = parts(&text[start..url_end]) {
            for range in [parts.userinfo, parts.query].into_iter().flatten() {
                let stars = "*".repeat(range.len());
                masked.replace_range(start + range.start..start + range.end, &stars);
            }
        }
        from = url_end;
    }
    masked
}

/// The user and password written in a URL's authority (`scheme://user:password@host/…`),
/// percent-decoded, and the URL without them; `None` when it names none.
pub fn split_credentials(url: &str) -> (String, Option<(String, String)>) {
    let Some(userinfo) = parts(url).and_then(|parts| parts.userinfo) else {
        return (url.to_string(), None);
    };
    let written = &url[userinfo.clone()];
    let (user, password) = written.split_once(':').unwrap_or((written, ""));
    // The URL without `user:password@`.
    let bare = format!("{}{}", &url[..userinfo.start], &url[userinfo.end + 1..]);
    (
        bare,
        Some((percent_decoded(user), percent_decoded(password))),
    )
}

/// `scheme://host[:port]` of `url`, without any user or password: what a login is bound to.
pub fn origin(url: &str) -> String {
    match parts(url) {
        Some(parts) => {
            let host = parts
                .userinfo
                .map_or(parts.authority_start, |info| info.end + 1);
            format!(
                "{}{}",
                &url[..parts.authority_start],
                &url[host..parts.authority_end]
            )
        }
        None => url.to_string(),
    }
}

/// `text` with its `%XX` escapes decoded (an escape that is not one is kept as written).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_secrets() {
        assert_eq!(
            redact_url("git+https://user:s3cret@git.example.com/r.git"),
            "git+https://***@git.example.com/r.git"
        );
        assert_eq!(
            redact_url("https://TOKEN@mirror.example.com/a@b"),
            "https://***@mirror.example.com/a@b"
        );
        assert_eq!(
            redact_url("https://u:p@h.example/reg?token=s3cret#top"),
            "https://***@h.example/reg?***#top"
        );
        for plain in [
            "https://mirror.example.com/a@b",
            "../registry",
            "git+file:///srv/r",
        ] {
            assert_eq!(redact_url(plain), plain);
        }
    }

    #[test]
    fn credentials_are_split_from_the_url_decoded() {
        assert_eq!(
            split_credentials("https://us%40er:p%3Aw%zz@h.example:8443/r.git?x=1"),
            (
                "https://h.example:8443/r.git?x=1".to_string(),
                Some(("us@er".to_string(), "p:w%zz".to_string()))
            )
        );
        assert_eq!(
            split_credentials("https://TOKEN@h.example/r"),
            (
                "https://h.example/r".to_string(),
                Some(("TOKEN".to_string(), String::new()))
            )
        );
        assert_eq!(
            split_credentials("https://h.example/a@b"),
            ("https://h.example/a@b".to_string(), None)
        );
    }

    #[test]
    fn an_origin_is_scheme_host_and_port_without_a_login() {
        assert_eq!(
            origin("https://u:p@git.example.com:8443/r.git?x#y"),
            "https://git.example.com:8443"
        );
        assert_eq!(origin("http://h.example"), "http://h.example");
    }

    #[test]
    fn a_file_keeps_its_length_and_loses_its_secrets() {
        let text = "[registries.default]\nurl = \"https://usér:s3cret@h.example/r?t=k#x\" # é\nid = \"a@b\"\n";
        let masked = mask_url_secrets(text);
        assert_eq!(masked.len(), text.len());
        assert!(
            !masked.contains("s3cret") && !masked.contains("t=k"),
            "{masked}"
        );
        assert!(masked.contains("@h.example/r?***#x"), "{masked}");
        assert!(masked.ends_with("# é\nid = \"a@b\"\n"), "{masked}");
        assert_eq!(mask_url_secrets("no urls"), "no urls");
    }
}
