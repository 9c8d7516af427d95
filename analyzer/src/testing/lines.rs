//! Where each case of a test file is written: the line of its `name` key, found in the text
//! because the YAML reader keeps no positions.

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

#[cfg(test)]
mod tests {
    use super::case_lines;

    #[test]
    fn cases_are_found_by_their_name_key_in_order() {
        let text = "cases:\n  - name: a\n    request: { name: b }\n    expect: { effect: permit }\n\n  - request: {}\n    name: \"b\"\n  - { name: c }\n";
        assert_eq!(case_lines(text, &["a", "b", "c"]), [2, 7, 1]);
        // Two cases of the same name take successive lines.
        let twice = "cases:\n  - name: a\n  - name: a\n";
        assert_eq!(case_lines(twice, &["a", "a"]), [2, 3]);
    }
}
