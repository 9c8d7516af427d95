//! What in a URL is secret (the user and password before `@`, the query), and the one way the
//! toolchain keeps it out of what it prints and writes: [`redact_url`] for a URL shown on its
//! own, [`mask_url_secrets`] for a file shown as it is (its offsets kept).

/// `url` with the user and password of its authority (`https://user:token@host/…`) and its
/// query (`?token=…`) replaced by `***`, so a secret in a registry URL reaches neither messages
/// nor the committed lockfile.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    let mut shown = match authority.rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_string(),
    };
    if let Some(query) = shown.find('?') {
        let end = shown[query..]
            .find('#')
            .map_or(shown.len(), |at| query + at);
        shown.replace_range(query + 1..end, "***");
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
        let start = from + found + 3;
        let url_end = text[start..]
            .find(ends_url)
            .map_or(text.len(), |at| start + at);
        let url = &text[start..url_end];
        let authority = url.find(['/', '?', '#']).unwrap_or(url.len());
        if let Some(at) = url[..authority].rfind('@') {
            overwrite(&mut masked, start..start + at);
        }
        if let Some(query) = url.find('?') {
            let end = url[query..].find('#').map_or(url.len(), |at| query + at);
            overwrite(&mut masked, start + query + 1..start + end);
        }
        from = url_end;
    }
    masked
}

/// The user and password written in a URL's authority (`scheme://user:password@host/…`),
/// percent-decoded, and the URL without them; `None` when it names none.
pub fn split_credentials(url: &str) -> (String, Option<(String, String)>) {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return (url.to_string(), None);
    };
    let rest = &url[scheme_end..];
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    let Some(at) = authority.rfind('@') else {
        return (url.to_string(), None);
    };
    let (user, password) = authority[..at]
        .split_once(':')
        .unwrap_or((&authority[..at], ""));
    let bare = format!("{}{}", &url[..scheme_end], &rest[at + 1..]);
    (
        bare,
        Some((percent_decoded(user), percent_decoded(password))),
    )
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

/// Overwrites the bytes of `range` (on character boundaries) with `*`.
fn overwrite(text: &mut String, range: std::ops::Range<usize>) {
    let stars = "*".repeat(range.len());
    text.replace_range(range, &stars);
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
