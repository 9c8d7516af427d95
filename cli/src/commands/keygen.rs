//! `faramesh keygen --out KEY`: a new Ed25519 signing key for bundles and registry artifacts.
//! The private key goes to `KEY` (mode 0600, written atomically, never over an existing file),
//! the public key line to `KEY.pub` and to standard output, ready for `[trust] keys`. Also the
//! reader of such key files for the commands that sign.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_runtime::bundle::{KeyError, SigningKey, TrustedKey, parse_signing_key, signing_key_text};

/// Arguments of `faramesh keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the private key (its public key line goes to `<KEY>.pub`).
    #[arg(long, value_name = "KEY")]
    pub out: PathBuf,
}

/// Why no key was written.
#[derive(Debug, thiserror::Error)]
enum KeygenError {
    #[error("`{0}` already exists; keygen never overwrites a key")]
    Exists(PathBuf),
    #[error("cannot read random bytes from the operating system: {0}")]
    Random(std::io::Error),
    #[error("cannot write `{path}`: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// The most bytes a signing key file may hold.
const MAX_KEY_FILE: u64 = 4096;

/// A signing key file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the signing key `{}`: {message}", path.display())]
pub struct KeyFileError {
    path: PathBuf,
    message: String,
}

/// Reads the private key `keygen` wrote to `path`.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    let error = |message: String| KeyFileError {
        path: path.to_path_buf(),
        message,
    };
    let bytes = fpl_registry::files::read_limited(path, MAX_KEY_FILE)
        .map_err(|cause| error(cause.to_string()))?
        .ok_or_else(|| error(format!("larger than {MAX_KEY_FILE} bytes")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| error(KeyError::NotASigningKey("not UTF-8").to_string()))?;
    parse_signing_key(&text).map_err(|problem| error(problem.to_string()))
}

/// Runs the command.
pub fn run(args: &KeygenArgs) -> ExitCode {
    match keygen(&args.out) {
        Ok(line) => super::print(&format!("\"{line}\"\n"), ExitCode::SUCCESS),
        Err(error) => super::fail(error),
    }
}

fn keygen(out: &Path) -> Result<String, KeygenError> {
    let public = public_path(out);
    for path in [out, public.as_path()] {
        if path.symlink_metadata().is_ok() {
            return Err(KeygenError::Exists(path.to_path_buf()));
        }
    }
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut seed))
        .map_err(KeygenError::Random)?;
    let key = SigningKey::from_bytes(&seed);
    let line = TrustedKey::of(&key).entry();
    write_new(out, signing_key_text(&key).as_bytes(), 0o600)?;
    write_new(&public, format!("{line}\n").as_bytes(), 0o644)?;
    Ok(line)
}

/// `KEY.pub` beside `KEY`.
fn public_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes a new file atomically with `mode` (`fpl_runtime::files::write_new`), refusing to
/// replace one that appeared meanwhile.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeygenError> {
    fpl_runtime::files::write_new(path, bytes, mode).map_err(|source| {
        // Not when a file stands where the key's directory should be: creating that directory
        // fails with the same kind of error.
        if source.kind() == std::io::ErrorKind::AlreadyExists && path.symlink_metadata().is_ok() {
            KeygenError::Exists(path.to_path_buf())
        } else {
            KeygenError::Write {
                path: path.to_path_buf(),
                cause: source,
            }
        }
    })
}
