//! Where things of a test file are written, found in the text because the YAML reader keeps no
//! positions: the line of each case's `name` key, and the second of two equal keys of a mapping
//! (the reader reports where the mapping starts).

/// The 1-based line of each case's `name: …` (a block mapping key, perhaps after `- `), taking
/// the first such line after the previous case's whose value reads as the name; 1 for a case
/// written otherwise (e.g. in flow style).
pub(super) fn case_lines(text: &str, names: &[&str]) -> Vec<u32> {
    let keys: Vec<(u32, String)> = text
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let rest = line.trim_start();
            let rest = rest.strip_prefix("- ").map_or(rest, str::trim_start);
            let value = rest.strip_prefix("name:")?;
            let value: String = serde_norway::from_str(value).ok()?;
            Some((u32::try_from(index + 1).ok()?, value))
        })
        .collect();
    let mut next = 0;
    names
        .iter()
        .map(
            |name| match keys[next..].iter().position(|(_, value)| value == name) {
                Some(offset) => {
                    next += offset + 1;
                    keys[next - 1].0
                }
                None => 1,
            },
        )
        .collect()
}

/// The 1-based line and column of the second `key` of the mapping that starts at 1-based
/// `line` and `column` (characters), a block mapping (keys at that column on the lines below) or
/// a flow mapping (`{ … }`); `None` when it cannot be told.
pub(super) fn duplicate_key(
    text: &str,
    line: usize,
    column: usize,
    key: &str,
) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.get(line.checked_sub(1)?)?;
    let start = first.char_indices().nth(column.checked_sub(1)?)?.0;
    if first[start..].starts_with('{') {
        let offset = line_offset(text, line - 1) + start;
        let at = flow_keys(&text[offset..])
            .filter(|(_, written)| unquoted(written) == key)
            .nth(1)?
            .0;
        return Some(line_column(text, offset + at));
    }
    let indent = first[..start].chars().count();
    let mut seen = 0;
    for (index, text_line) in lines.iter().enumerate().skip(line - 1) {
        let content = if index == line - 1 {
            &text_line[start..]
        } else {
            let trimmed = text_line.trim_start_matches(' ');
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let own = text_line.len() - trimmed.len();
            if own < indent {
                break;
            }
            if own > indent {
                continue;
            }
            trimmed
        };
        let written = content.split_once(':').map_or("", |(written, _)| written);
        if unquoted(written) == key {
            seen += 1;
            if seen == 2 {
                return Some((index + 1, column));
            }
        }
    }
    None
}

/// The keys of the flow mapping at the start of `text`, each with its byte offset.
fn flow_keys(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut quote = None;
    let mut key_start = None;
    for (at, c) in text.char_indices() {
        if let Some(open) = quote {
            if c == open {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            ':' if depth == 1 => {
                if let Some(begin) = key_start.take() {
                    keys.push((begin, text[begin..at].trim_end()));
                }
                continue;
            }
            ',' if depth == 1 => key_start = None,
            _ => {}
        }
        if depth == 1 && key_start.is_none() && !c.is_whitespace() && !matches!(c, '{' | ',') {
            key_start = Some(at);
        }
    }
    keys.into_iter()
}

/// A key as written, without its quotes.
fn unquoted(written: &str) -> &str {
    let written = written.trim();
    ['"', '\'']
        .iter()
        .find_map(|quote| {
            written
                .strip_prefix(*quote)
                .and_then(|rest| rest.strip_suffix(*quote))
        })
        .unwrap_or(written)
}

/// The byte offset of the start of 0-based line `index`.
fn line_offset(text: &str, index: usize) -> usize {
    text.split_inclusive('\n').take(index).map(str::len).sum()
}

/// The 1-based line and column (characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::{case_lines, duplicate_key};

    #[test]
    fn cases_are_found_by_their_name_key_in_order() {
        let text = "cases:\n  - name: a\n    request: { name: b }\n    expect: { effect: permit }\n\n  - request: {}\n    name: \"b\"\n  - { name: c }\n";
        assert_eq!(case_lines(text, &["a", "b", "c"]), [2, 7, 1]);
        // Two cases of the same name take successive lines.
        let twice = "cases:\n  - name: a\n  - name: a\n";
        assert_eq!(case_lines(twice, &["a", "a"]), [2, 3]);
    }

    #[test]
    fn the_second_of_two_equal_keys_is_found_in_block_and_flow_mappings() {
        let block = "cases:\n  - name: a\n    # note\n    request:\n      name: x\n    'name': b\n";
        assert_eq!(duplicate_key(block, 2, 5, "name"), Some((6, 5)));
        let top = "policy: a\ncases: []\npolicy: b\n";
        assert_eq!(duplicate_key(top, 1, 1, "policy"), Some((3, 1)));
        let flow = "cases:\n  - expect: { effect: \"a: b\", x: { effect: 1 }, effect: deny }\n";
        assert_eq!(duplicate_key(flow, 2, 13, "effect"), Some((2, 49)));
        assert_eq!(duplicate_key(block, 2, 5, "request"), None);
    }
}
