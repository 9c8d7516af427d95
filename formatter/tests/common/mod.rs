//! Checks shared by the formatter's tests: formatting succeeds, is idempotent, and keeps every
//! token and every comment.

use fpl_syntax::SyntaxKind;

/// Formats `input` and checks the output: formatting it again changes nothing, its non-trivia
/// tokens are the input's, and so are its comments.
pub fn format_checked(input: &str) -> String {
    let output = match fpl_fmt::format_text(input) {
        Ok(output) => output,
        Err(error) => panic!("formatting failed: {error:?}\n--- input:\n{input}"),
    };
    let again = match fpl_fmt::format_text(&output) {
        Ok(again) => again,
        Err(error) => panic!("formatting the output failed: {error:?}\n--- output:\n{output}"),
    };
    assert_eq!(
        again, output,
        "formatting is not idempotent\n--- input:\n{input}"
    );
    assert_eq!(
        tokens(input),
        tokens(&output),
        "tokens changed\n--- output:\n{output}"
    );
    assert_eq!(
        comments(input),
        comments(&output),
        "comments changed\n--- output:\n{output}"
    );
    output
}

/// The non-trivia tokens of `text`: kind and text.
pub fn tokens(text: &str) -> Vec<(SyntaxKind, String)> {
    fpl_syntax::parse(text)
        .syntax_node()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !token.kind().is_trivia())
        .map(|token| (token.kind(), token.text().to_string()))
        .collect()
}

/// The multiset of comment texts of `text` (sorted, trailing whitespace removed).
pub fn comments(text: &str) -> Vec<String> {
    let mut comments: Vec<String> = fpl_syntax::parse(text)
        .syntax_node()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| token.kind() == SyntaxKind::COMMENT)
        .map(|token| token.text().trim_end().to_string())
        .collect();
    comments.sort();
    comments
}
