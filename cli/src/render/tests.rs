//! Every renderer over the same diagnostics, snapshot-tested: an error with a related label, a
//! warning with a fix, a syntax error, across two files with a multi-byte character.

use fpl_analyzer::host::check_policy;
use fpl_analyzer::{Analysis, CheckOptions, SourceFile};

use super::{Format, render};

/// Two files of one policy: a duplicate agent (E0201 with a label in the other file), a type
/// error, a missing default and a syntax error.
fn analysis() -> Analysis {
    let sources = vec![
        SourceFile::new(
            "policies/a.fpl",
            "agent pay {\n  default deny\n  permit stripe/charge when amount < \"fünf\"\n}\n",
        ),
        SourceFile::new(
            "policies/b.fpl",
            "agent pay {\n  permit x\n}\nagent other {\n  permit y when (\n}\n",
        ),
    ];
    check_policy(sources, &CheckOptions::default())
}

#[test]
fn human() {
    insta::assert_snapshot!(render(&analysis(), Format::Human));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(&analysis(), Format::Json));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(render(&analysis(), Format::Sarif));
}

#[test]
fn github() {
    insta::assert_snapshot!(render(&analysis(), Format::Github));
}

/// A diagnostic with a help and a fix, alone: the help is said once, as `help:`.
#[test]
fn human_help() {
    let sources = vec![SourceFile::new(
        "policies/open.fpl",
        "agent open {\n  default permit\n}\n",
    )];
    let analysis = check_policy(sources, &CheckOptions::default());
    insta::assert_snapshot!(render(&analysis, Format::Human));
}
