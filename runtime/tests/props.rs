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

/// A number `m × 10^e` with at most six fractional digits as a policy or a request may write
/// it, in scientific and in plain notation, with its exact value in millionths.
fn written() -> impl Strategy<Value = (String, String, i128)> {
    (any::<i64>(), -6i32..=6).prop_map(|(m, e)| {
        let exact = i128::from(m) * 10i128.pow(u32::try_from(e + 6).expect("e is at least -6"));
        (format!("{m}e{e}"), plain(m, e), exact)
    })
}

/// `m × 10^e` in plain decimal notation, made from the digits of `m`.
fn plain(m: i64, e: i32) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let digits = m.unsigned_abs().to_string();
    if e >= 0 {
        return format!("{sign}{digits}{}", "0".repeat(e.unsigned_abs() as usize));
    }
    let fraction = e.unsigned_abs() as usize;
    let padded = format!("{digits:0>width$}", width = fraction + 1);
    let (whole, fraction) = padded.split_at(padded.len() - fraction);
    format!("{sign}{whole}.{fraction}")
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
    fn decimals_compare_and_add_as_the_numbers_they_spell((a_scientific, a_plain, a) in written(), (b_scientific, b_plain, b) in written()) {
        let x = Decimal::parse(&a_scientific).expect("exact");
        prop_assert_eq!(Decimal::parse(&a_plain), Ok(x), "{} and {} are one number", a_scientific, a_plain);
        let y = Decimal::parse(&b_plain).expect("exact");
        prop_assert_eq!(Decimal::parse(&b_scientific), Ok(y), "{} and {} are one number", b_scientific, b_plain);
        prop_assert_eq!(x.cmp(&y), a.cmp(&b), "{} against {}", a_plain, b_plain);
        let sum = x.saturating_add(y);
        prop_assert_eq!(sum.millionths(), a + b, "{} + {}", a_plain, b_plain);
        prop_assert_eq!(Decimal::parse(&sum.to_string()), Ok(sum));
    }

    #[test]
    fn sums_saturate_at_the_ends_of_the_range_instead_of_wrapping(a in any::<i128>(), b in any::<i128>()) {
        let sum = Decimal::from_millionths(a).saturating_add(Decimal::from_millionths(b));
        match a.checked_add(b) {
            Some(exact) => prop_assert_eq!(sum.millionths(), exact),
            None if a > 0 => prop_assert_eq!(sum, Decimal::MAX),
            None => prop_assert_eq!(sum.millionths(), i128::MIN),
        }
    }

    #[test]
    fn decimal_parse_never_panics(text in "[-+0-9.eE]{0,24}") {
        let _ = Decimal::parse(&text);
    }
}
