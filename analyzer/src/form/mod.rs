//! The YAML/JSON form of a policy (SPEC §11): `*.fpl.yaml`, `*.fpl.json`, `governance.fms.yaml`.
//!
//! The front end reads a document with positions ([`yaml`]), into typed data ([`model`], by
//! serde through `de`), and writes it as FPL text with a [`PositionMap`] (`fpl`). The
//! analysis host parses that text like any FPL file and maps every range it reports back into
//! the document, so YAML/JSON policies go through the one semantic pipeline and their
//! diagnostics point at the YAML line and column. [`mod@write`] goes the other way, for
//! `faramesh convert`.
//!
//! ```
//! use fpl_analyzer::form;
//!
//! let text = "agents:\n  bot:\n    default: deny\n    rules:\n      - { effect: permit, tool: search }\n";
//! let front = form::front_end(text);
//! assert!(front.errors.is_empty());
//! assert!(front.fpl.contains("permit search"));
//! ```

mod de;
mod fpl;
mod map;
pub mod model;
pub mod write;
pub mod yaml;

use fpl_syntax::TextRange;

pub use self::fpl::check_condition;
pub use self::map::PositionMap;
pub use self::write::{Format, WriteError};
use crate::codes::Code;

/// Whether `path` names a policy in the YAML/JSON form: `*.fpl.yaml`, `*.fpl.yml`,
/// `*.fpl.json`, `*.fms.yaml` (`governance.fms.yaml`).
pub fn is_form_file(path: &str) -> bool {
    [
        ".fpl.yaml",
        ".fpl.yml",
        ".fpl.json",
        ".fms.yaml",
        ".fms.yml",
    ]
    .iter()
    .any(|suffix| path.ends_with(suffix))
}

/// A document turned into FPL: the text, its map back into the document, and the mistakes
/// that kept it from being turned (then the text is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontEnd {
    /// The FPL text.
    pub fpl: String,
    /// Where each byte of [`FrontEnd::fpl`] came from.
    pub map: PositionMap,
    /// Mistakes in the document, in its ranges: `E0007` (not readable YAML/JSON) or `E0106`
    /// (not the policy form).
    pub errors: Vec<FrontEndError>,
}

/// A mistake in a YAML/JSON policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontEndError {
    /// `E0007` or `E0106`.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// Where, in the document.
    pub range: TextRange,
}

/// Reads a YAML/JSON policy and turns it into FPL.
pub fn front_end(text: &str) -> FrontEnd {
    let document = match read_document(text) {
        Ok(document) => document,
        Err(error) => {
            return FrontEnd {
                errors: vec![error],
                ..FrontEnd::default()
            };
        }
    };
    match fpl::to_fpl(&document) {
        Ok((fpl, map)) => FrontEnd {
            fpl,
            map,
            errors: Vec::new(),
        },
        Err(errors) => FrontEnd {
            errors: errors
                .into_iter()
                .map(|error| FrontEndError {
                    code: Code::E0106,
                    message: error.message,
                    range: error.range,
                })
                .collect(),
            ..FrontEnd::default()
        },
    }
}

/// A YAML/JSON policy as FPL source (`faramesh convert --to fpl`): the front end's text with
/// the document's comments put back before the line each preceded, formatted. `Err` with the
/// document's mistakes when it has any.
pub fn to_fpl_source(text: &str) -> Result<String, Vec<FrontEndError>> {
    let front = front_end(text);
    if !front.errors.is_empty() {
        return Err(front.errors);
    }
    let root = yaml::read(text).ok().flatten();
    let comments = yaml::comments(text, root.as_ref());
    let mut next = 0;
    let mut out = String::with_capacity(front.fpl.len());
    let mut offset = 0u32;
    for line in front.fpl.split_inclusive('\n') {
        let origin = front
            .map
            .map(TextRange::at(offset.into(), (line.len() as u32).into()))
            .start();
        while let Some((_, body)) = comments.get(next).filter(|(at, _)| *at <= origin) {
            out.push('#');
            out.push_str(body);
            out.push('\n');
            next += 1;
        }
        out.push_str(line);
        offset += line.len() as u32;
    }
    for (_, body) in &comments[next..] {
        out.push('#');
        out.push_str(body);
        out.push('\n');
    }
    Ok(fpl_fmt::format_text(&out).unwrap_or(out))
}

/// Reads a YAML/JSON policy into its typed form.
pub fn read_document(text: &str) -> Result<model::Document, FrontEndError> {
    read(text)
}

/// The imports of a YAML/JSON policy (SPEC §9.2), in order, each with the range of its `ref`
/// in the document: what import resolution reads of the file, as it reads the `import`
/// statements of FPL. Only the `imports` key is read, so a mistake elsewhere in the document
/// hides none of them; `Err` when the document is no YAML/JSON or `imports` is malformed.
pub fn imports(text: &str) -> Result<Vec<model::Import>, FrontEndError> {
    read::<model::Imports>(text).map(|document| document.imports)
}

/// Reads a YAML/JSON document as `T` (an empty document as `T::default()`).
fn read<T: for<'de> serde::Deserialize<'de> + Default>(text: &str) -> Result<T, FrontEndError> {
    let root = yaml::read(text).map_err(|error| FrontEndError {
        code: Code::E0007,
        message: error.message,
        range: error.range,
    })?;
    let Some(root) = root else {
        return Ok(T::default());
    };
    T::deserialize(de::NodeDeserializer(&root)).map_err(|error: de::DeError| FrontEndError {
        code: Code::E0106,
        message: error.message,
        range: error.range.unwrap_or(root.range),
    })
}

#[cfg(test)]
mod tests;
