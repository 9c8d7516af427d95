//! The optional language-model backend: the chat-completions messages and response of an
//! OpenAI-compatible API, the [`ModelBackend`] trait a transport implements (the CLI, over
//! HTTP), and the loop that validates every answer and asks again with the diagnostics, up to
//! [`MAX_ROUNDS`] times. What comes out passed [`validate`] or is reported as failed.

use serde::{Deserialize, Serialize};

use super::prompt;
use super::validate::{Rejected, ValidateOptions, Validated, is_finding, problem_lines, validate};
use super::vocabulary::Vocabulary;

/// How many answers are asked for at most.
pub const MAX_ROUNDS: usize = 3;

/// Response bodies larger than this are refused.
pub const MAX_RESPONSE_SIZE: usize = 1024 * 1024;

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The question.
    User,
    /// The model's answer.
    Assistant,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// The text.
    pub content: String,
}

/// A transport to a chat model: sends the conversation, returns the answer's text.
pub trait ModelBackend {
    /// Asks the model to answer `messages`.
    fn complete(&self, messages: &[ChatMessage]) -> Result<String, ModelError>;
}

/// Why the model gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The endpoint could not be reached.
    #[error("cannot reach the model at {url}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// No answer in time.
    #[error("the model at {url} did not answer within {seconds} s")]
    Timeout {
        /// The URL.
        url: String,
        /// The time limit.
        seconds: u64,
    },
    /// An HTTP error status.
    #[error("the model at {url} answered HTTP {status}: {body}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The body is over [`MAX_RESPONSE_SIZE`].
    #[error("the answer from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The body is not a chat completion.
    #[error("the answer from {url} is not a chat completion: {message}")]
    BadResponse {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
}

/// The JSON body of `POST {endpoint}/chat/completions`.
pub fn request_body(model: &str, messages: &[ChatMessage]) -> String {
    #[derive(Serialize)]
    struct Body<'a> {
        model: &'a str,
        messages: &'a [ChatMessage],
        temperature: u8,
    }
    serde_json::to_string(&Body {
        model,
        messages,
        temperature: 0,
    })
    .unwrap_or_default()
}

/// Why a response body is not a chat completion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// Over [`MAX_RESPONSE_SIZE`].
    #[error("larger than {MAX_RESPONSE_SIZE} bytes")]
    TooLarge,
    /// Not the JSON of a chat completion.
    #[error("{0}")]
    Json(String),
    /// `choices` is empty.
    #[error("no choices")]
    NoChoices,
    /// The first choice has no text.
    #[error("the first choice has no content")]
    NoContent,
}

/// The text of the first choice of a chat-completion response body.
pub fn parse_response(body: &[u8]) -> Result<String, ResponseError> {
    #[derive(Deserialize)]
    struct Completion {
        choices: Vec<Choice>,
    }
    #[derive(Deserialize)]
    struct Choice {
        message: Message,
    }
    #[derive(Deserialize)]
    struct Message {
        content: Option<String>,
    }
    if body.len() > MAX_RESPONSE_SIZE {
        return Err(ResponseError::TooLarge);
    }
    let completion: Completion =
        serde_json::from_slice(body).map_err(|error| ResponseError::Json(error.to_string()))?;
    completion
        .choices
        .into_iter()
        .next()
        .ok_or(ResponseError::NoChoices)?
        .message
        .content
        .ok_or(ResponseError::NoContent)
}

/// The policy in an answer: the first fenced code block, or the whole answer.
pub fn extract_policy(answer: &str) -> String {
    let Some(open) = answer.find("```") else {
        return answer.trim().to_string();
    };
    let after = &answer[open + 3..];
    let body_start = after.find('\n').map_or(after.len(), |n| n + 1);
    let body = &after[body_start..];
    let body = body.find("```").map_or(body, |close| &body[..close]);
    body.trim().to_string()
}

/// What the model is asked to do.
#[derive(Debug, Clone)]
pub struct ModelRequest<'a> {
    /// The intent text.
    pub intent: &'a str,
    /// The project's tool vocabulary.
    pub vocabulary: &'a Vocabulary,
    /// How answers are validated (the agent's name included).
    pub validate: &'a ValidateOptions,
}

/// One answer that did not pass, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    /// The policy text the answer held.
    pub policy: String,
    /// The diagnostics sent back.
    pub problems: Vec<String>,
}

/// How the conversation ended.
#[derive(Debug, Clone)]
pub enum ModelOutcome {
    /// An answer passed validation (possibly with warnings, after [`MAX_ROUNDS`] answers).
    Passed {
        /// The policy.
        validated: Box<Validated>,
        /// The answers before it that were sent back.
        rounds: Vec<Round>,
    },
    /// No answer passed.
    Failed {
        /// Every answer and its problems.
        rounds: Vec<Round>,
    },
}

/// Asks the model, validates its answer, and asks again with the diagnostics (errors and SMT
/// findings) until an answer passes cleanly or [`MAX_ROUNDS`] answers were given. The last
/// answer that passed (with findings at worst) is the result; if none passed, it failed.
pub fn compile_with_model(
    backend: &dyn ModelBackend,
    request: &ModelRequest<'_>,
) -> Result<ModelOutcome, ModelError> {
    let mut messages = vec![
        ChatMessage {
            role: Role::System,
            content: prompt::system(),
        },
        ChatMessage {
            role: Role::User,
            content: prompt::task(request.intent, &request.validate.agent, request.vocabulary),
        },
    ];
    let mut rounds = Vec::new();
    let mut best: Option<Validated> = None;
    for round in 1..=MAX_ROUNDS {
        let answer = backend.complete(&messages)?;
        let policy = extract_policy(&answer);
        let problems = match validate(&policy, request.validate) {
            Ok(validated) => {
                let findings: Vec<_> = validated
                    .warnings()
                    .iter()
                    .filter(|d| is_finding(d))
                    .collect();
                if findings.is_empty() || round == MAX_ROUNDS {
                    return Ok(ModelOutcome::Passed {
                        validated: Box::new(validated),
                        rounds,
                    });
                }
                let problems = problem_lines(&validated.analysis, &findings);
                best = Some(validated);
                problems
            }
            Err(Rejected { problems, .. }) => problems,
        };
        messages.push(ChatMessage {
            role: Role::Assistant,
            content: answer,
        });
        messages.push(ChatMessage {
            role: Role::User,
            content: prompt::feedback(&problems),
        });
        rounds.push(Round { policy, problems });
    }
    Ok(match best {
        Some(validated) => ModelOutcome::Passed {
            validated: Box::new(validated),
            rounds,
        },
        None => ModelOutcome::Failed { rounds },
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Answers from a script, recording what it was asked.
    struct Scripted {
        answers: RefCell<Vec<Result<String, ModelError>>>,
        asked: RefCell<Vec<Vec<ChatMessage>>>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<String, ModelError>>) -> Self {
            Scripted {
                answers: RefCell::new(answers.into_iter().rev().collect()),
                asked: RefCell::new(Vec::new()),
            }
        }
    }

    impl ModelBackend for Scripted {
        fn complete(&self, messages: &[ChatMessage]) -> Result<String, ModelError> {
            self.asked.borrow_mut().push(messages.to_vec());
            self.answers
                .borrow_mut()
                .pop()
                .unwrap_or_else(|| Ok("out of answers".into()))
        }
    }

    const GOOD: &str = "```fpl\nagent bot {\n  default deny\n  deny! shell/* reason: \"Deny shell commands\"\n}\n```";
    const BROKEN: &str = "agent bot {\n  default deny\n  deny! shell/* when amount >\n}";

    fn run(backend: &Scripted) -> Result<ModelOutcome, ModelError> {
        let options = ValidateOptions {
            path: "policy.fpl".into(),
            agent: "bot".into(),
            smt: crate::smt::SmtOptions::default(),
        };
        compile_with_model(
            backend,
            &ModelRequest {
                intent: "Deny shell commands.",
                vocabulary: &Vocabulary::default(),
                validate: &options,
            },
        )
    }

    #[test]
    fn a_good_first_answer_is_taken_after_one_round() {
        let backend = Scripted::new(vec![Ok(GOOD.into())]);
        let ModelOutcome::Passed { validated, rounds } = run(&backend).expect("answered") else {
            panic!("expected a pass");
        };
        assert!(rounds.is_empty());
        assert!(validated.text.contains("deny! shell/*"));
        let asked = backend.asked.borrow();
        assert_eq!(asked.len(), 1);
        assert!(
            asked[0][0]
                .content
                .contains("rule         = effect pattern { clause }")
        );
        assert!(asked[0][1].content.contains("\"shell commands\" → shell/*"));
        assert!(asked[0][1].content.contains("Deny shell commands."));
    }

    #[test]
    fn an_invalid_answer_is_sent_back_with_its_diagnostics() {
        let backend = Scripted::new(vec![Ok(BROKEN.into()), Ok(GOOD.into())]);
        let ModelOutcome::Passed { rounds, .. } = run(&backend).expect("answered") else {
            panic!("expected a pass");
        };
        assert_eq!(rounds.len(), 1);
        let asked = backend.asked.borrow();
        assert_eq!(asked.len(), 2);
        let feedback = &asked[1][3].content;
        assert_eq!(asked[1][2].content, BROKEN);
        assert!(
            feedback.contains("- 4:1: error E0101: expected an expression, found `}`"),
            "{feedback}"
        );
    }

    #[test]
    fn garbage_three_times_fails_with_every_round() {
        let backend = Scripted::new(vec![
            Ok("I cannot help with that.".into()),
            Ok("Sure! Here is a policy: allow everything".into()),
            Ok("{}".into()),
        ]);
        let ModelOutcome::Failed { rounds } = run(&backend).expect("answered") else {
            panic!("expected a failure");
        };
        assert_eq!(rounds.len(), MAX_ROUNDS);
        assert!(rounds.iter().all(|round| !round.problems.is_empty()));
        assert_eq!(backend.asked.borrow().len(), MAX_ROUNDS);
    }

    #[test]
    fn a_findings_only_answer_is_re_asked_and_kept_if_nothing_better_comes() {
        let duplicate = "agent bot {\n  default deny\n  permit a/b\n  permit a/b\n}";
        let backend = Scripted::new(vec![
            Ok(duplicate.into()),
            Ok(BROKEN.into()),
            Ok("nonsense".into()),
        ]);
        let ModelOutcome::Passed { validated, rounds } = run(&backend).expect("answered") else {
            panic!("expected the answer with findings");
        };
        assert_eq!(rounds.len(), 3);
        assert!(
            rounds[0].problems[0].contains("S0305"),
            "{:?}",
            rounds[0].problems
        );
        assert!(validated.text.contains("permit a/b"));
    }

    #[test]
    fn a_transport_error_ends_the_conversation() {
        let error = ModelError::Status {
            url: "http://x".into(),
            status: 500,
            body: "oops".into(),
        };
        let backend = Scripted::new(vec![Err(error.clone())]);
        assert_eq!(run(&backend).err(), Some(error));
    }

    #[test]
    fn responses_and_fences() {
        assert_eq!(
            parse_response(br#"{"choices":[{"message":{"role":"assistant","content":"hi"}}]}"#),
            Ok("hi".into())
        );
        assert!(parse_response(b"<html>").is_err());
        assert_eq!(
            parse_response(br#"{"choices":[]}"#),
            Err(ResponseError::NoChoices)
        );
        assert_eq!(
            extract_policy("text\n```fpl\nagent a {}\n```\nmore"),
            "agent a {}"
        );
        assert_eq!(extract_policy("  agent a {}  "), "agent a {}");
        assert!(
            request_body("m", &[]).starts_with(r#"{"model":"m","messages":[],"temperature":0}"#)
        );
    }
}
