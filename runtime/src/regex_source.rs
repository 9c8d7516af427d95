//! FPL regular expressions: Rust `regex` syntax, except that a `{` which does not begin a valid
//! repetition is a literal `{` (as in RE2); compiled at most 1 MiB.

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};

/// Compiled-size limit for one regular expression.
pub const SIZE_LIMIT: usize = 1 << 20;

/// Compiles an FPL regular expression (unanchored).
pub fn compile(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&rust_source(source))
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
}

/// Rewrites an FPL regex into Rust `regex` syntax: escapes every `{` outside a character class
/// that does not start `{n}`, `{n,}` or `{n,m}`.
pub fn rust_source(source: &str) -> Cow<'_, str> {
    if !source.contains('{') {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len() + 4);
    let mut chars = source.char_indices().peekable();
    let mut class_depth = 0usize;
    let mut class_start = false;
    while let Some((i, c)) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '[' => {
                class_depth += 1;
                class_start = true;
                out.push(c);
                if let Some(&(_, '^')) = chars.peek() {
                    chars.next();
                    out.push('^');
                }
            }
            ']' if class_depth > 0 && !at_class_start => {
                class_depth -= 1;
                out.push(c);
            }
            '{' if class_depth == 0 && !is_repetition(&source[i + 1..]) => out.push_str("\\{"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `rest` (after a `{`) is `n}`, `n,}` or `n,m}`.
fn is_repetition(rest: &str) -> bool {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == 0 {
        return false;
    }
    if b.get(i) == Some(&b',') {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    b.get(i) == Some(&b'}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces() {
        assert_eq!(rust_source("a{2,3}"), "a{2,3}");
        assert_eq!(rust_source(":(){:|:&};:"), ":()\\{:|:&};:");
        assert_eq!(rust_source("[{]x{"), "[{]x\\{");
        assert_eq!(rust_source("\\{a"), "\\{a");
        assert!(compile(":(){:|:&};:").is_ok_and(|r| r.is_match("run :(){:|:&};: now")));
        assert!(compile("(?i)\\b(DROP|DELETE)\\b").is_ok_and(|r| r.is_match("please drop table")));
        assert!(compile("(").is_err());
        assert!(compile("\\w{1000}{1000}").is_err());
    }
}
