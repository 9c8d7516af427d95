//! Batches of requests (a decision service's `/v1/decide/batch`): a JSON array of at most
//! [`MAX_BATCH`] elements, each read as one request (§5), so an element that is JSON but not a
//! valid request is decided `INVALID_REQUEST` in its place. The array is read with `serde_json`
//! (elements kept as raw text, not built into values) and stops at the first element too many.

use serde::de::{Deserializer as _, Error as _, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::request::Request;

/// The most requests a batch holds.
pub const MAX_BATCH: usize = 1000;

/// The largest batch body read, in bytes.
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// The message that marks a batch with too many elements inside `serde_json`'s error.
const TOO_MANY: &str = "more requests than a batch holds";

/// Why a body is not a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Not a JSON array (or not JSON).
    #[error("a batch is a JSON array of requests: {0}")]
    NotAnArray(String),
    /// More than [`MAX_BATCH`] requests.
    #[error("a batch holds at most {MAX_BATCH} requests")]
    TooMany,
    /// More than [`MAX_BATCH_BYTES`].
    #[error("a batch is at most {MAX_BATCH_BYTES} bytes")]
    TooLarge,
}

/// Reads a batch: its requests, in order.
pub fn parse_batch(body: &[u8]) -> Result<Vec<Request>, BatchError> {
    if body.len() > MAX_BATCH_BYTES {
        return Err(BatchError::TooLarge);
    }
    let mut reader = serde_json::Deserializer::from_slice(body);
    let elements = reader
        .deserialize_seq(Elements)
        .and_then(|elements| reader.end().map(|()| elements))
        .map_err(|error| {
            if error.to_string().starts_with(TOO_MANY) {
                BatchError::TooMany
            } else {
                BatchError::NotAnArray(error.to_string())
            }
        })?;
    Ok(elements
        .iter()
        .map(|element| Request::parse(element.get()))
        .collect())
}

/// Collects the raw elements of an array, refusing element [`MAX_BATCH`] + 1.
struct Elements;

impl<'de> Visitor<'de> for Elements {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of requests")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut elements = Vec::new();
        while let Some(element) = seq.next_element::<&RawValue>()? {
            if elements.len() == MAX_BATCH {
                return Err(A::Error::custom(TOO_MANY));
            }
            elements.push(element);
        }
        Ok(elements)
    }
}
