//! `faramesh policy compile INTENT.txt`: English policy statements to one checked, formatted
//! FPL agent, by the offline phrase compiler or an optional model, then backtested against a
//! decision history. Nothing that failed validation is ever written or printed as a result.

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use fpl_analyzer::intent::backtest::{Backtest, MAX_LINE, line_tool};
use fpl_analyzer::intent::model::{ModelOutcome, ModelRequest, compile_with_model};
use fpl_analyzer::intent::validate::{ValidateOptions, Validated, validate};
use fpl_analyzer::intent::{
    self, CompileOptions, MAX_INTENT_SIZE, Source, Vocabulary, VocabularyError,
};
use fpl_analyzer::project::{Project, ProjectError};
use fpl_analyzer::smt::SmtOptions;
use fpl_analyzer::{CheckOptions, host::check_project};

use super::model_http::HttpModel;
use crate::render::{self, Format};

/// Arguments of `faramesh policy compile`.
#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    /// The intent file: English policy statements, one per line or sentence; `#` starts a
    /// comment; `-` reads standard input.
    pub intent: PathBuf,
    /// The agent's name (default: the name a sentence gives, else `default`).
    #[arg(long)]
    pub agent: Option<String>,
    /// Write the policy to this file (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Backtest against this JSONL history: decision records (`faramesh eval --log`) or
    /// requests with a recorded `effect`.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Print each sentence beside the FPL it became (to standard error).
    #[arg(long)]
    pub explain: bool,
    /// Policy files or directories whose tool names join the vocabulary (default: the project
    /// in the current directory, if there is one). Its `faramesh.toml [intent.tools]` is read too.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// An OpenAI-compatible API to write the policy instead of the phrase compiler (default:
    /// `FARAMESH_MODEL_ENDPOINT`). The key comes from `FARAMESH_MODEL_API_KEY` or `OPENAI_API_KEY`.
    #[arg(long, value_name = "URL")]
    pub model_endpoint: Option<String>,
    /// The model to ask (default: `FARAMESH_MODEL`).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// Time limit of one model request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub model_timeout: f64,
    /// Time limit of one SMT query, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub smt_timeout: f64,
}

/// Why the command could not run.
#[derive(Debug, thiserror::Error)]
enum CompileIntentError {
    #[error("cannot read `{path}`: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("`{path}` is larger than {} KiB", MAX_INTENT_SIZE / 1024)]
    TooLarge { path: PathBuf },
    #[error("`{path}` is not valid UTF-8 (line {line})")]
    NotUtf8 { path: PathBuf, line: usize },
    #[error("invalid `[intent.tools]` in `{path}`: {cause}")]
    Manifest {
        path: PathBuf,
        cause: VocabularyError,
    },
    #[error(transparent)]
    Load(#[from] ProjectError),
    #[error("{0}")]
    Usage(&'static str),
    #[error(transparent)]
    Model(#[from] intent::model::ModelError),
    #[error(transparent)]
    Stdout(#[from] crate::stdout::StdoutError),
    #[error("cannot write `{path}`: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// Runs the command: 0 when a policy was produced, 1 when the statements were not understood
/// or no answer passed validation, 2 when it could not run.
pub fn run(args: &CompileArgs) -> ExitCode {
    match compile(args) {
        Ok(code) => code,
        Err(error) => super::fail(error),
    }
}

fn compile(args: &CompileArgs) -> Result<ExitCode, CompileIntentError> {
    let text = read_intent(&args.intent)?;
    let intent_name = display(&args.intent);
    let mut vocabulary = Vocabulary::default();
    add_project(&mut vocabulary, &args.policy)?;
    if let Some(history) = &args.history {
        for_each_line(history, |_, line| {
            if let Some(tool) = line_tool(line) {
                vocabulary.add_tool_name(&tool, Source::History);
            }
        })?;
    }
    let path = args
        .output
        .as_deref()
        .map_or_else(|| "policy.fpl".to_string(), display);
    let smt = SmtOptions {
        timeout: Duration::from_secs_f64(args.smt_timeout.clamp(0.001, 3600.0)),
    };
    let options_for = |agent: String| ValidateOptions {
        path: path.clone(),
        agent,
        smt: smt.clone(),
    };
    let mut stderr = std::io::stderr().lock();
    let produced = match model(args)? {
        Some(backend) => {
            let agent = args
                .agent
                .clone()
                .or_else(|| intent::agent_named_in(&text))
                .unwrap_or_else(|| "default".into());
            let request = ModelRequest {
                intent: &text,
                vocabulary: &vocabulary,
                validate: &options_for(agent),
            };
            ask_model(&backend, &request, args.explain, &mut stderr)?
        }
        None => compile_phrases(
            args,
            &text,
            &intent_name,
            &vocabulary,
            options_for,
            &mut stderr,
        ),
    };
    let Some(validated) = produced else {
        return Ok(ExitCode::from(1));
    };
    if !validated.warnings().is_empty() {
        let _ = write!(
            stderr,
            "{}",
            render::render(&validated.analysis, Format::Human)
        );
    }
    for error in &validated.internal_errors {
        let _ = writeln!(stderr, "faramesh: {error}");
    }
    if let Some(history) = &args.history {
        backtest(history, &validated, &mut stderr)?;
    }
    match &args.output {
        Some(path) => {
            fpl_runtime::files::write_atomic(path, validated.text.as_bytes()).map_err(|source| {
                CompileIntentError::Write {
                    path: path.clone(),
                    cause: source,
                }
            })?
        }
        None => {
            crate::stdout::print(&validated.text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The phrase compiler, then validation. `None` after reporting what went wrong.
fn compile_phrases(
    args: &CompileArgs,
    text: &str,
    intent_name: &str,
    vocabulary: &Vocabulary,
    options_for: impl Fn(String) -> ValidateOptions,
    stderr: &mut impl std::io::Write,
) -> Option<Validated> {
    let compile_options = CompileOptions {
        agent: args.agent.clone(),
        source_name: Some(intent_name.to_string()),
    };
    let compiled = match intent::compile(text, vocabulary, &compile_options) {
        Ok(compiled) => compiled,
        Err(unclear) => {
            let _ = write!(
                stderr,
                "{}",
                render::intent::unclear(&unclear, intent_name, text)
            );
            return None;
        }
    };
    match validate(&compiled.fpl, &options_for(compiled.agent.clone())) {
        Ok(validated) => {
            if args.explain {
                let _ = write!(
                    stderr,
                    "{}",
                    render::intent::explain(&compiled.explanations)
                );
            }
            Some(validated)
        }
        Err(rejected) => {
            let _ = write!(
                stderr,
                "{}",
                render::intent::rejected(
                    "the statements compile to a policy that does not pass `faramesh check`",
                    &rejected
                )
            );
            None
        }
    }
}

/// The model backend, then validation with up to three rounds. `None` after reporting failure.
fn ask_model(
    backend: &HttpModel,
    request: &ModelRequest<'_>,
    explain: bool,
    stderr: &mut impl std::io::Write,
) -> Result<Option<Validated>, CompileIntentError> {
    match compile_with_model(backend, request)? {
        ModelOutcome::Passed { validated, rounds } => {
            let _ = write!(stderr, "{}", render::intent::rounds(&rounds, false));
            if explain {
                let explanations = intent::explain_by_reason(request.intent, &validated);
                let _ = write!(stderr, "{}", render::intent::explain(&explanations));
            }
            Ok(Some(*validated))
        }
        ModelOutcome::Failed { rounds } => {
            let _ = write!(stderr, "{}", render::intent::rounds(&rounds, true));
            Ok(None)
        }
    }
}

/// The HTTP model client when an endpoint is given by flag or `FARAMESH_MODEL_ENDPOINT`.
fn model(args: &CompileArgs) -> Result<Option<HttpModel>, CompileIntentError> {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let Some(endpoint) = args
        .model_endpoint
        .clone()
        .or_else(|| env("FARAMESH_MODEL_ENDPOINT"))
    else {
        return Ok(None);
    };
    let model =
        args.model
            .clone()
            .or_else(|| env("FARAMESH_MODEL"))
            .ok_or(CompileIntentError::Usage(
                "a model endpoint needs a model name: `--model NAME` or `FARAMESH_MODEL`",
            ))?;
    if !(args.model_timeout.is_finite() && args.model_timeout > 0.0) {
        return Err(CompileIntentError::Usage(
            "`--model-timeout` is a positive number of seconds",
        ));
    }
    let key = env("FARAMESH_MODEL_API_KEY").or_else(|| env("OPENAI_API_KEY"));
    let timeout = Duration::from_secs_f64(args.model_timeout.min(3600.0));
    Ok(Some(HttpModel::new(&endpoint, &model, key, timeout)?))
}

/// Reads the intent file (or standard input for `-`), at most [`MAX_INTENT_SIZE`] bytes.
fn read_intent(path: &Path) -> Result<String, CompileIntentError> {
    let read_error = |source| CompileIntentError::Read {
        path: path.to_path_buf(),
        cause: source,
    };
    let reader: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(read_error)?)
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_INTENT_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() > MAX_INTENT_SIZE {
        return Err(CompileIntentError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        CompileIntentError::NotUtf8 {
            path: path.to_path_buf(),
            line: valid.iter().filter(|b| **b == b'\n').count() + 1,
        }
    })
}

/// Adds the project's `[intent.tools]` and the tool names of its policy. The project is the
/// directory of `--policy` (its first directory, else the first file's), else the current
/// directory; without `--policy`, the current directory's policy counts only when it has a
/// `faramesh.toml` or a `governance.fms`, so no unrelated tree is walked.
fn add_project(vocabulary: &mut Vocabulary, paths: &[PathBuf]) -> Result<(), CompileIntentError> {
    let root = paths
        .iter()
        .find(|path| path.is_dir())
        .cloned()
        .or_else(|| {
            paths
                .first()
                .and_then(|file| file.parent())
                .map(Path::to_path_buf)
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let manifest = if root == Path::new(".") {
        PathBuf::from("faramesh.toml")
    } else {
        root.join("faramesh.toml")
    };
    if manifest.is_file() {
        let text =
            std::fs::read_to_string(&manifest).map_err(|source| CompileIntentError::Read {
                path: manifest.clone(),
                cause: source,
            })?;
        vocabulary
            .add_manifest(&text)
            .map_err(|source| CompileIntentError::Manifest {
                path: manifest.clone(),
                cause: source,
            })?;
    }
    let project = if !paths.is_empty() {
        Project::load(paths)?
    } else if manifest.is_file() || root.join("governance.fms").is_file() {
        match Project::load(&[root]) {
            Ok(found) => found,
            Err(ProjectError::NoPolicyFiles(_)) => return Ok(()),
            Err(error) => return Err(error.into()),
        }
    } else {
        return Ok(());
    };
    let analysis = check_project(project, &CheckOptions::default());
    vocabulary.add_policy(&analysis.policy);
    Ok(())
}

/// Decides every history line again and prints the table of flips.
fn backtest(
    path: &Path,
    validated: &Validated,
    stderr: &mut impl std::io::Write,
) -> Result<(), CompileIntentError> {
    let agent = validated
        .analysis
        .policy
        .agents
        .first()
        .map(|agent| agent.name.clone())
        .unwrap_or_default();
    let mut backtest = match Backtest::new(&validated.compiled, &agent) {
        Ok(backtest) => backtest,
        Err(error) => {
            let _ = writeln!(stderr, "faramesh: backtest skipped: {error}");
            return Ok(());
        }
    };
    for_each_line(path, |number, line| backtest.line(number, line))?;
    let report = backtest.finish();
    let _ = write!(
        stderr,
        "{}",
        render::intent::backtest(&report, &display(path))
    );
    Ok(())
}

/// Calls `each` with every line of `path` (1-based numbers); a line longer than
/// [`MAX_LINE`] is cut there and the rest of it skipped, so the reader's memory stays bounded.
fn for_each_line(path: &Path, mut each: impl FnMut(usize, &str)) -> Result<(), CompileIntentError> {
    let read_error = |source| CompileIntentError::Read {
        path: path.to_path_buf(),
        cause: source,
    };
    let mut reader = BufReader::new(std::fs::File::open(path).map_err(read_error)?);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(read_error)?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        if line.last() != Some(&b'\n') && line.len() > MAX_LINE {
            skip_rest_of_line(&mut reader).map_err(read_error)?;
        }
        each(
            number,
            String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']),
        );
    }
}

fn skip_rest_of_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|b| *b == b'\n') {
            Some(at) => {
                reader.consume(at + 1);
                return Ok(());
            }
            None => {
                let length = buffer.len();
                reader.consume(length);
            }
        }
    }
}

fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}
