//! Property tests: the tool-pattern matcher against a regex reference, and exact decimals.

use fpl_runtime::Decimal;
use fpl_runtime::pattern::Pattern;
use proptest::prelude::*;

/// Reference semantics of §6.2 written with regexes, segment by segment.
fn reference(pattern: &str, name: &str) -> bool {
    let segment_regex = |seg: &str| {
        let mut re = String::from("^");
        for c in seg.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).expect("reference regex")
    };
    let pats: Vec<&str> = pattern.split('/').collect();
    let names: Vec<&str> = name.split('/').collect();
    let (fixed, open) = match pats.split_last() {
        Some((last, rest)) if last.chars().all(|c| c == '*') => (rest, true),
        _ => (&pats[..], false),
    };
    if open {
        if names.len() <= fixed.len() {
            return false;
        }
    } else if names.len() != fixed.len() {
        return false;
    }
    fixed
        .iter()
        .zip(&names)
        .all(|(p, n)| segment_regex(p).is_match(n))
}

fn segment() -> impl Strategy<Value = String> {
    "[ab*?]{1,4}"
}

fn name_segment() -> impl Strategy<Value = String> {
    "[ab]{0,4}".prop_filter("non-empty", |s| !s.is_empty())
}

proptest! {
    #[test]
    fn pattern_matches_reference(pat in prop::collection::vec(segment(), 1..4), name in prop::collection::vec(name_segment(), 1..5)) {
        let pattern = pat.join("/");
        let name = name.join("/");
        let compiled = Pattern::tool(&pattern).expect("valid");
        prop_assert_eq!(compiled.matches(&name), reference(&pattern, &name), "{} vs {}", pattern, name);
    }

    #[test]
    fn literal_patterns_match_themselves(name in prop::collection::vec("[a-z0-9_.-]{1,6}", 1..4)) {
        let name = name.join("/");
        prop_assert!(Pattern::tool(&name).expect("valid").matches(&name));
        prop_assert!(Pattern::tool("*").expect("valid").matches(&name));
    }

    #[test]
    fn decimal_display_round_trips(millionths in any::<i128>()) {
        let value = Decimal::from_millionths(millionths);
        prop_assert_eq!(Decimal::parse(&value.to_string()), Ok(value));
    }

    #[test]
    fn decimal_parses_integers_and_scientific(n in -1_000_000_000_000i64..1_000_000_000_000, e in 0u32..6) {
        prop_assert_eq!(Decimal::parse(&n.to_string()), Ok(Decimal::from_int(n)));
        // n × 10^-e written in scientific form equals the plain form.
        let plain = Decimal::parse(&format!("{n}e-{e}")).expect("exact");
        prop_assert_eq!(plain.millionths(), i128::from(n) * 10i128.pow(6 - e));
    }

    #[test]
    fn decimal_order_and_sum_are_exact(a in -1_000_000_000_000_000i128..1_000_000_000_000_000, b in -1_000_000_000_000_000i128..1_000_000_000_000_000) {
        let (x, y) = (Decimal::from_millionths(a), Decimal::from_millionths(b));
        prop_assert_eq!(x < y, a < b);
        prop_assert_eq!(x.saturating_add(y).millionths(), a + b);
    }

    #[test]
    fn decimal_parse_never_panics(text in "[-+0-9.eE]{0,24}") {
        let _ = Decimal::parse(&text);
    }
}
