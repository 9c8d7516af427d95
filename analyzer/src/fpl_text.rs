//! FPL text that the toolchain writes for people (English-to-FPL, `faramesh extract`): string
//! literals, comments, names and argument paths, spelt so the parser reads back exactly what
//! was meant.

use fpl_syntax::is_identifier;
use fpl_syntax::keywords::EXPR_RESERVED;

use crate::hir::Root;

/// An FPL string literal: `\`, `"`, control characters and the Unicode line and bidirectional
/// controls that may not appear raw in a string (SPEC §2) are escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line holding `text`, with the characters a comment may not hold escaped.
pub fn comment(text: &str) -> String {
    format!("# {}", comment_text(text))
}

/// `text` with the characters a comment may not hold escaped (`\u{…}`), to put in a comment.
pub fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if hidden(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A name (an agent's): bare when it is an identifier, quoted otherwise.
pub fn name(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        quote(name)
    }
}

/// An argument path as FPL: `amount`, `customer.tier`, `args["in"]`, `principal.role`. The
/// path is dot-separated identifiers. A root name (SPEC §6.3) alone, or a word reserved inside
/// expressions (§3 note 5), is written `args["name"]`.
pub fn argument_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('.').collect();
    let is_root = Root::from_name(segments[0]).is_some();
    let reserved = |segment: &str| EXPR_RESERVED.contains(&segment);
    let explicit_root = segments.len() > 1 && is_root;
    let needs_args = !explicit_root && (is_root || segments.iter().any(|s| reserved(s)));
    let mut out = if needs_args {
        String::from("args")
    } else {
        String::new()
    };
    for segment in segments {
        if needs_args || reserved(segment) {
            out.push_str(&format!("[{}]", quote(segment)));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// Whether `text` is an argument path such as `amount` or `customer.tier`: identifiers joined
/// by dots, what [`argument_path`] takes.
pub fn is_argument_path(text: &str) -> bool {
    text.split('.').all(is_identifier)
}

/// Control characters and the Unicode line separators and bidirectional controls.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c as u32, 0x2028 | 0x2029 | 0x200e | 0x200f | 0x061c | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_fpl_strings_cannot_hold() {
        assert_eq!(quote("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(quote("x\u{2028}y\u{202e}"), r#""x\u{2028}y\u{202e}""#);
        assert_eq!(
            fpl_syntax::literal::unescape_string(&quote("é \u{7} \"")).as_deref(),
            Some("é \u{7} \"")
        );
    }

    #[test]
    fn paths_avoid_roots_and_reserved_words() {
        assert_eq!(argument_path("amount"), "amount");
        assert_eq!(argument_path("customer.tier"), "customer.tier");
        assert_eq!(argument_path("principal.role"), "principal.role");
        assert_eq!(argument_path("session"), r#"args["session"]"#);
        assert_eq!(argument_path("in"), r#"args["in"]"#);
        assert_eq!(argument_path("a.in"), r#"args["a"]["in"]"#);
    }

    #[test]
    fn names_are_bare_only_when_they_are_identifiers() {
        assert_eq!(name("payments-bot"), "payments-bot");
        assert_eq!(name("payments bot"), r#""payments bot""#);
    }
}
