//! IDE features tested where their logic is: each case is a fixture with a `$0` cursor and the
//! rendered answer as an inline snapshot. Ranges render as the text they cover, `«`like this`»`.

use fpl_syntax::{TextRange, TextSize};

use crate::host::{AnalysisHost, Change, Snapshot};
use crate::source::{FileId, SourceFile};

const FILE: FileId = FileId(0);

/// A snapshot of a host holding the fixture (without its `$0`) and the cursor's offset.
fn fixture(text: &str) -> (Snapshot, String, TextSize) {
    let offset = text.find("$0").expect("the fixture has a $0 cursor");
    let text = text.replacen("$0", "", 1);
    let mut host = AnalysisHost::default();
    let mut change = Change::default();
    change.set_file(FILE, SourceFile::new("test.fpl", text.clone()));
    host.apply_change(change).expect("the fixture applies");
    (host.snapshot(), text, TextSize::from(offset as u32))
}

/// The line holding `range`, with the range marked.
fn marked(text: &str, range: TextRange) -> String {
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at);
    format!(
        "{}«{}»{}",
        &text[line_start..start],
        &text[start..end],
        &text[end..line_end]
    )
}

fn check_definition(text: &str) -> String {
    let (snapshot, text, offset) = fixture(text);
    let targets = snapshot.definition(FILE, offset).expect("not cancelled");
    targets
        .iter()
        .map(|target| marked(&text, target.range))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_references(text: &str) -> String {
    let (snapshot, text, offset) = fixture(text);
    let found = snapshot
        .references(FILE, offset, true)
        .expect("not cancelled");
    found
        .iter()
        .map(|target| marked(&text, target.range))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_rename(text: &str, new_name: &str) -> String {
    let (snapshot, text, offset) = fixture(text);
    let Some(edits) = snapshot
        .rename(FILE, offset, new_name)
        .expect("not cancelled")
    else {
        return "refused".to_string();
    };
    let mut out = text;
    let mut edits = edits;
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start()));
    for edit in edits {
        out.replace_range(
            usize::from(edit.range.start())..usize::from(edit.range.end()),
            &edit.replacement,
        );
    }
    out
}

fn check_completion(text: &str) -> String {
    let (snapshot, _, offset) = fixture(text);
    let items = snapshot.completions(FILE, offset).expect("not cancelled");
    items
        .iter()
        .map(|item| format!("{} ({})", item.label, item.detail.as_deref().unwrap_or("")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_hover(text: &str) -> String {
    let (snapshot, text, offset) = fixture(text);
    match snapshot.hover(FILE, offset).expect("not cancelled") {
        Some(info) => format!("{}\n---\n{}", marked(&text, info.range), info.markdown),
        None => "no hover".to_string(),
    }
}

fn check_assists(text: &str) -> String {
    let (snapshot, _, offset) = fixture(text);
    let assists = snapshot
        .assists(FILE, TextRange::empty(offset))
        .expect("not cancelled");
    assists
        .iter()
        .map(|assist| assist.title.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

const VARS: &str = "agent a {\n  default deny\n  var limit = $500\n  var floor = 1\n  permit x when amount < vars.limit\n  phase p {\n    permit y when vars.limit > amount\n  }\n}\nagent b {\n  default deny\n  var limit = 2\n  permit z when vars.limit > 1\n}\n";

/// `VARS` with the cursor put after the `nth` occurrence of `at`.
fn in_vars(at: &str, nth: usize) -> String {
    let offset = VARS
        .match_indices(at)
        .nth(nth)
        .map(|(index, _)| index + at.len())
        .expect("the marked text is in VARS");
    format!("{}$0{}", &VARS[..offset], &VARS[offset..])
}

#[test]
fn a_var_read_goes_to_its_agents_declaration() {
    insta::assert_snapshot!(check_definition(&in_vars("vars.li", 1)), @"  var «limit» = $500");
    insta::assert_snapshot!(check_definition(&in_vars("vars.li", 2)), @"  var «limit» = 2");
}

#[test]
fn references_of_a_var_stay_in_its_agent() {
    insta::assert_snapshot!(check_references(&in_vars("var li", 0)), @r"
      var «limit» = $500
      permit x when amount < vars.«limit»
        permit y when vars.«limit» > amount
    ");
}

#[test]
fn renaming_a_var_renames_its_reads() {
    let renamed = check_rename(&in_vars("vars.li", 0), "cap");
    assert!(renamed.contains("var cap = $500"), "{renamed}");
    assert!(renamed.contains("amount < vars.cap\n"), "{renamed}");
    assert!(renamed.contains("vars.cap > amount"), "{renamed}");
    assert!(renamed.contains("var limit = 2"), "{renamed}");
    assert!(
        renamed.contains("permit z when vars.limit > 1"),
        "{renamed}"
    );
    insta::assert_snapshot!(check_rename(&in_vars("vars.li", 0), "two words"), @"refused");
}

#[test]
fn completion_after_vars_lists_the_agents_vars() {
    insta::assert_snapshot!(
        check_completion("agent a {\n  default deny\n  var limit = $500\n  var floor = 1\n  permit x when vars.$0\n}\nagent b {\n  var other = 1\n}\n"),
        @r"
    limit (var limit = $500)
    floor (var floor = 1)
    "
    );
}

#[test]
fn phases_and_providers_navigate() {
    insta::assert_snapshot!(
        check_definition("agent a {\n  phase one { next = t$0wo }\n  phase two { }\n}\n"),
        @"  phase «two» { }"
    );
    insta::assert_snapshot!(
        check_definition("provider kms { type = \"vault\" }\nagent a {\n  credential c { backend = k$0ms }\n}\n"),
        @r#"provider «kms» { type = "vault" }"#
    );
}

#[test]
fn hover_explains_a_rule_and_a_path() {
    let rule =
        check_hover("agent pay {\n  default deny\n  per$0mit stripe/charge when amount < 500\n}");
    assert!(rule.contains("Rule `pay/1`"), "{rule}");
    assert!(rule.contains("**permitted**"), "{rule}");
    let path = check_hover("agent a {\n  permit x when am$0ount < 5\n}");
    assert!(path.starts_with("  permit x when «amount» < 5"), "{path}");
    assert!(path.contains("reads **`args.amount`**"), "{path}");
}

#[test]
fn code_actions_at_the_cursor() {
    insta::assert_snapshot!(
        check_assists("agent a {\n  default deny\n  permit x when path =$0~ \"^/tmp\"\n}\n"),
        @r"
    convert `when` to `if`
    use `matches`
    "
    );
    insta::assert_snapshot!(
        check_assists("agent a {\n  default per$0mit\n}\n"),
        @"replace with `default deny`"
    );
}
