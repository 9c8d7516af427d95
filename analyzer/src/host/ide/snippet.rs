//! Snippet text (`$1`, `${1:name}`, `${1|a,b|}`, `$0`) as the plain text a client without
//! snippet support inserts: each placeholder becomes its default (a choice its first option),
//! tab stops vanish and escapes are undone.

/// The plain text a snippet inserts when every placeholder keeps its default.
pub fn snippet_as_text(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut chars = snippet.chars().peekable();
    render(&mut chars, &mut out, None);
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Renders until `end` (a placeholder's closing `}`) or the end of the text.
fn render(chars: &mut Chars<'_>, out: &mut String, end: Option<char>) {
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('$' | '}' | '\\' | ',' | '|')) => out.push(escaped),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '$' => placeholder(chars, out),
            c if Some(c) == end => return,
            c => out.push(c),
        }
    }
}

/// After a `$`: a tab stop (`$1`), a placeholder (`${1:default}`), a choice (`${1|a,b|}`), or a
/// `$` that starts none of them.
fn placeholder(chars: &mut Chars<'_>, out: &mut String) {
    if chars.peek().is_some_and(char::is_ascii_digit) {
        while chars.next_if(char::is_ascii_digit).is_some() {}
        return;
    }
    if chars.next_if_eq(&'{').is_none() {
        out.push('$');
        return;
    }
    while chars.next_if(char::is_ascii_digit).is_some() {}
    match chars.next() {
        Some(':') => render(chars, out, Some('}')),
        Some('|') => choice(chars, out),
        // `${1}` or a malformed end: nothing to insert.
        _ => {}
    }
}

/// The first option of a choice; the rest up to `|}` is skipped.
fn choice(chars: &mut Chars<'_>, out: &mut String) {
    let mut first = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(escaped) = chars.next()
                    && first
                {
                    out.push(escaped);
                }
            }
            ',' => first = false,
            '|' if chars.next_if_eq(&'}').is_some() => return,
            c if first => out.push(c),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snippet_as_text;

    #[test]
    fn placeholders_keep_their_defaults_and_tab_stops_vanish() {
        assert_eq!(
            snippet_as_text("agent ${1:name} {\n  default deny\n\n  $0\n}"),
            "agent name {\n  default deny\n\n  \n}"
        );
        assert_eq!(snippet_as_text("count($1)$0"), "count()");
        assert_eq!(snippet_as_text("${1}x"), "x");
    }

    #[test]
    fn a_choice_inserts_its_first_option() {
        assert_eq!(
            snippet_as_text("rate_limit ${1:tool/*}: ${2:10} per ${3|second,minute|}"),
            "rate_limit tool/*: 10 per second"
        );
    }

    #[test]
    fn escapes_are_undone_and_nested_placeholders_render() {
        assert_eq!(snippet_as_text("max ${2:\\$100}"), "max $100");
        assert_eq!(snippet_as_text("${1:a ${2:b} c}"), "a b c");
        assert_eq!(snippet_as_text("cost $ 5"), "cost $ 5");
    }
}
