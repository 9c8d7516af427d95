//! The decision log (§8): chained records, redaction, tamper detection by record number,
//! torn-line repair, and deny on a failed write.

mod support;

use std::path::Path;

use fpl_runtime::ir::{Agent, CompareOp, Expr, Policy, Rule};
use fpl_runtime::log::{self, DecisionLog, LogError, LogOptions, LogProblem, ProblemKind};
use fpl_runtime::{Evaluator, ReasonCode, Request};
use support::{evaluator, req};

const RECORDS: usize = 5;

fn policy() -> Policy {
    Policy::new().agent(
        Agent::new("pb")
            .redact("stripe/*", &["card_number", "customer.email"])
            .rule(Rule::permit("stripe/charge").when(Expr::cmp(
                Expr::path("amount"),
                CompareOp::Lt,
                Expr::lit(500),
            )))
            .rule(Rule::defer("stripe/charge")),
    )
}

fn write_log(path: &Path) -> Evaluator {
    let mut ev = evaluator(policy());
    let mut log = DecisionLog::open(path, LogOptions { sync: false }).expect("open");
    for i in 0..RECORDS {
        let request = Request::parse(&req(
            "pb",
            "stripe/charge",
            &format!(
                r#"{{"amount":{},"card_number":"4111-SECRET","customer":{{"email":"a@b.c","id":{i}}}}}"#,
                i * 200
            ),
        ));
        ev.decide_logged(&request, &mut log);
    }
    assert_eq!(log.records(), RECORDS as u64);
    ev
}

fn problem(path: &Path) -> Option<LogProblem> {
    log::verify(path).expect("readable").problem
}

#[test]
fn chain_verifies_and_secrets_never_reach_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let report = log::verify(&path).expect("verify");
    assert_eq!((report.records, report.problem), (RECORDS as u64, None));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains("SECRET") && !text.contains("a@b.c"));
    let first = text.lines().next().expect("a line");
    assert!(
        first.starts_with(r#"{"agent":"pb","args_digest":""#),
        "{first}"
    );
    assert!(first.contains(&format!(r#""prev":"{}""#, log::GENESIS)));
    assert!(first.contains(r#""rule":"pb/1""#) && first.contains(r#""seq":1,"#));
    // The digest is over the canonical arguments with redacted values replaced.
    let request = Request::parse(&req(
        "pb",
        "t",
        r#"{"b":1,"card_number":"x","customer":{"email":"e","id":0}}"#,
    ));
    assert_eq!(
        log::redacted_args_json(&request, &["card_number", "customer.email"]),
        r#"{"b":1,"card_number":"[REDACTED]","customer":{"email":"[REDACTED]","id":0}}"#
    );
    // Reopening continues the chain.
    let mut ev = evaluator(policy());
    let mut reopened = DecisionLog::open(&path, LogOptions::default()).expect("reopen");
    ev.decide_logged(
        &Request::parse(&req("pb", "stripe/charge", r#"{"amount":1}"#)),
        &mut reopened,
    );
    assert_eq!(
        log::verify(&path).expect("verify").records,
        RECORDS as u64 + 1
    );
}

#[test]
fn flipping_any_byte_is_detected_at_its_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let original = std::fs::read(&path).expect("read");
    let damaged_path = dir.path().join("damaged.log");
    for i in 0..original.len() {
        let line = original[..i].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let mut damaged = original.clone();
        damaged[i] ^= 0x01;
        std::fs::write(&damaged_path, &damaged).expect("write");
        let found =
            problem(&damaged_path).unwrap_or_else(|| panic!("flip at byte {i} not detected"));
        assert_eq!(found.record, line, "flip at byte {i}: {found}");
        let last_newline = i == original.len() - 1;
        assert!(
            found.kind == ProblemKind::Changed
                || (last_newline && found.kind == ProblemKind::TornLastLine),
            "{found}"
        );
    }
}

#[test]
fn removed_reordered_and_torn_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let write = |lines: &[&str], tail: &str| {
        let mut out = lines.join("\n");
        out.push('\n');
        out.push_str(tail);
        std::fs::write(&path, out).expect("write");
    };
    let mut removed = lines.clone();
    removed.remove(2);
    write(&removed, "");
    assert_eq!(
        problem(&path),
        Some(LogProblem {
            record: 3,
            kind: ProblemKind::Removed
        })
    );
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    write(&swapped, "");
    assert_eq!(
        problem(&path),
        Some(LogProblem {
            record: 2,
            kind: ProblemKind::Reordered
        })
    );
    let mut duplicated = lines.clone();
    duplicated.insert(3, lines[2]);
    write(&duplicated, "");
    assert_eq!(
        problem(&path),
        Some(LogProblem {
            record: 4,
            kind: ProblemKind::Reordered
        })
    );
    // A torn last line: reported, refused for appending, and cut off by repair.
    write(&lines, &lines[0][..40]);
    assert_eq!(
        problem(&path),
        Some(LogProblem {
            record: 6,
            kind: ProblemKind::TornLastLine
        })
    );
    assert!(matches!(
        DecisionLog::open(&path, LogOptions::default()),
        Err(LogError::Broken(_))
    ));
    let repaired = log::repair(&path).expect("repair");
    assert_eq!(
        (repaired.records, repaired.bytes_removed),
        (RECORDS as u64, 40)
    );
    assert_eq!(problem(&path), None);
    // Repair never hides tampering.
    write(&removed, "");
    assert!(matches!(
        log::repair(&path),
        Err(LogError::Broken(LogProblem { record: 3, .. }))
    ));
}

#[test]
fn failed_write_denies() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let mut ev = evaluator(policy());
    let mut log = DecisionLog::open(full, LogOptions { sync: false }).expect("open /dev/full");
    let decision = ev.decide_logged(
        &Request::parse(&req("pb", "stripe/charge", r#"{"amount":1}"#)),
        &mut log,
    );
    assert_eq!(
        (decision.effect.as_str(), decision.reason_code),
        ("deny", ReasonCode::LogWriteFailed)
    );
    assert_eq!(decision.credentials().count(), 0);
}

#[test]
fn a_record_with_duplicate_keys_is_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let text = std::fs::read_to_string(&path).expect("read");
    // A lenient reader keeps the last `effect`, so the hash still matches; a strict one refuses.
    let forged = text.replacen(
        r#""effect":"permit""#,
        r#""effect":"defer","effect":"permit""#,
        1,
    );
    assert_ne!(forged, text);
    std::fs::write(&path, forged).expect("write");
    assert_eq!(
        problem(&path),
        Some(LogProblem {
            record: 1,
            kind: ProblemKind::Changed
        })
    );
}

#[test]
fn a_complete_last_record_without_its_newline_verifies_and_is_continued() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let mut bytes = std::fs::read(&path).expect("read");
    assert_eq!(bytes.pop(), Some(b'\n'));
    std::fs::write(&path, &bytes).expect("write");
    let report = log::verify(&path).expect("verify");
    assert_eq!((report.records, report.problem), (RECORDS as u64, None));
    assert_eq!(log::repair(&path).expect("repair").bytes_removed, 0);
    let mut ev = evaluator(policy());
    let mut log = DecisionLog::open(&path, LogOptions { sync: false }).expect("open");
    ev.decide_logged(
        &Request::parse(&req("pb", "stripe/charge", r#"{"amount":1}"#)),
        &mut log,
    );
    let report = log::verify(&path).expect("verify");
    assert_eq!((report.records, report.problem), (RECORDS as u64 + 1, None));
}

#[test]
fn a_noted_head_shows_records_cut_off_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let head = log::verify(&path).expect("verify").last_hash;
    let (report, found) =
        log::verify_anchored(&path, Some(&head.to_ascii_uppercase())).expect("verify");
    assert_eq!((report.problem, found), (None, Some(RECORDS as u64)));
    // Cutting the last record off leaves a chain that verifies, without the noted head.
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&path, lines[..RECORDS - 1].join("\n") + "\n").expect("write");
    let (report, found) = log::verify_anchored(&path, Some(&head)).expect("verify");
    assert_eq!((report.problem, found), (None, None));
}

#[test]
fn concurrent_writers_extend_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    const WRITERS: usize = 4;
    const EACH: usize = 25;
    std::thread::scope(|scope| {
        for _ in 0..WRITERS {
            scope.spawn(|| {
                let mut ev = evaluator(policy());
                let mut log = DecisionLog::open(&path, LogOptions { sync: false }).expect("open");
                let request = Request::parse(&req("pb", "stripe/charge", r#"{"amount":1}"#));
                for _ in 0..EACH {
                    let decision = ev.decide_logged(&request, &mut log);
                    assert_ne!(decision.reason_code, ReasonCode::LogWriteFailed);
                }
            });
        }
    });
    let report = log::verify(&path).expect("verify");
    assert_eq!(
        (report.records, report.problem),
        ((WRITERS * EACH) as u64, None)
    );
}

#[test]
fn a_writer_refuses_a_log_cut_short_under_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let mut ev = evaluator(policy());
    let mut log = DecisionLog::open(&path, LogOptions { sync: false }).expect("open");
    let text = std::fs::read_to_string(&path).expect("read");
    let first = text.lines().next().expect("a record");
    std::fs::write(&path, format!("{first}\n")).expect("truncate");
    let request = Request::parse(&req("pb", "stripe/charge", r#"{"amount":1}"#));
    let decision = ev.decide_logged(&request, &mut log);
    assert_eq!(decision.reason_code, ReasonCode::LogWriteFailed);
    assert!(matches!(
        log.append(&request, &ev.decide(&request)),
        Err(LogError::Broken(LogProblem {
            kind: ProblemKind::Truncated,
            ..
        }))
    ));
}

#[test]
fn a_group_of_records_with_decision_ids_is_one_chain_and_an_exclusive_log_has_one_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("decisions.log");
    write_log(&path);
    let mut ev = evaluator(policy());
    let mut log = DecisionLog::open_exclusive(&path, LogOptions { sync: false }).expect("open");
    assert_eq!(log.records(), RECORDS as u64);
    assert!(matches!(
        DecisionLog::open_exclusive(&path, LogOptions { sync: false }),
        Err(LogError::Locked)
    ));
    let request = Request::parse(&req("pb", "stripe/charge", r#"{"amount":1}"#));
    let group: Vec<log::Record> = (0..3)
        .map(|n| {
            log::Record::of(&request, &ev.decide(&request)).with_decision_id(format!("id-{n}"))
        })
        .collect();
    log.append_records(&group).expect("group written");
    let no_policy = log::Record::without_policy(
        &request,
        fpl_runtime::Timestamp::from_unix_seconds(0),
        ReasonCode::InvalidBundle,
    );
    log.append_records(&[no_policy]).expect("written");
    drop(log);
    let report = log::verify(&path).expect("verify");
    assert_eq!((report.records, report.problem), (RECORDS as u64 + 4, None));
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[RECORDS + 2].contains(r#""decision_id":"id-2""#));
    assert!(lines[RECORDS + 3].contains(r#""policy":null"#));
    assert!(lines[RECORDS + 3].contains(r#""reason_code":"INVALID_BUNDLE""#));
    // Once the exclusive writer is gone, another can open the log.
    DecisionLog::open_exclusive(&path, LogOptions { sync: false }).expect("reopened");
}

#[test]
fn a_failed_group_write_denies_with_log_write_failed_keeping_the_rule() {
    let mut ev = evaluator(policy());
    let request = Request::parse(&req(
        "pb",
        "stripe/charge",
        r#"{"amount":1,"card_number":"x"}"#,
    ));
    let decision = ev.decide(&request);
    assert_eq!(decision.reason_code, ReasonCode::RulePermit);
    let failed = decision.log_write_failed();
    assert_eq!(failed.effect.as_str(), "deny");
    assert_eq!(failed.reason_code, ReasonCode::LogWriteFailed);
    assert_eq!(failed.rule, decision.rule);
    assert_eq!(
        failed.redact().collect::<Vec<_>>(),
        ["card_number", "customer.email"]
    );
    assert_eq!(failed.credentials().count(), 0);
}

#[test]
fn a_record_and_its_approval_events_come_back_from_json_unchanged() {
    let mut ev = evaluator(policy());
    let request = Request::parse(&req(
        "pb",
        "stripe/charge",
        r#"{"amount":900,"card_number":"4111-SECRET"}"#,
    ));
    let decision = ev.decide(&request);
    let record = log::Record::of(&request, &decision);
    let event = record.approval_event(
        decision.time,
        log::ApprovalEvent {
            id: "a1".into(),
            state: "approved",
            approver: Some("lead".into()),
            comment: None,
        },
        Some("d1".into()),
    );
    for original in [record, event] {
        let text = serde_json::to_string(&original).expect("serialises");
        assert!(!text.contains("4111-SECRET"), "{text}");
        let back: log::Record = serde_json::from_str(&text).expect("deserialises");
        assert_eq!(back, original);
    }
    let unknown = r#"{"time":"t","agent":"a","session":"","tool":"t","args_digest":"d",
        "entry":{"Decision":{"effect":"allow","reason_code":"RULE_PERMIT"}},
        "rule":null,"policy":null,"decision_id":null}"#;
    assert!(serde_json::from_str::<log::Record>(unknown).is_err());
}
