//! Batches of requests (a decision service's `/v1/decide/batch`): a JSON array of at most
//! [`MAX_BATCH`] elements, each read as one request (§5), so an element that is JSON but not a
//! valid request is decided `INVALID_REQUEST` in its place.
//!
//! A [`Batch`] reads the array in one pass, each element straight into a request whose buffers
//! it keeps for the next batch. Whatever that pass does not accept (a body that is not an array
//! of strict JSON values, or one with too many elements) is read again by the general reader,
//! which defines the answer: `serde_json` splits the array (elements kept as raw text, not built
//! into values; it stops at the first element too many), and each element is read as a request
//! of its own. So an element that is JSON to `serde_json` but not to the strict request parser
//! (a duplicate key, a lone surrogate, nesting deeper than 128 levels) is an invalid request,
//! and everything else that is not an array of at most [`MAX_BATCH`] JSON values is refused.

use serde::de::{Deserializer as _, Error as _, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::json::{Input, skip_whitespace};
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
    let mut batch = Batch::default();
    batch.read(body)?;
    let mut requests = batch.requests;
    requests.truncate(batch.len);
    Ok(requests)
}

/// The requests of the last batch read, in buffers kept from one batch to the next.
#[derive(Debug, Default)]
pub struct Batch {
    /// Every request read so far; the first `len` are the last batch's.
    requests: Vec<Request>,
    len: usize,
}

impl Batch {
    /// Reads a batch body, replacing the requests of the one before: its requests, in order.
    pub fn read(&mut self, body: &[u8]) -> Result<&[Request], BatchError> {
        if body.len() > MAX_BATCH_BYTES {
            return Err(BatchError::TooLarge);
        }
        self.len = 0;
        if self.read_strict(body).is_none() {
            self.len = 0;
            self.read_general(body)?;
        }
        Ok(&self.requests[..self.len])
    }

    /// The one pass: `None` as soon as the body is not an array of at most [`MAX_BATCH`]
    /// strict JSON values.
    fn read_strict(&mut self, body: &[u8]) -> Option<()> {
        let mut pos = skip_whitespace(body, 0);
        if body.get(pos) != Some(&b'[') {
            return None;
        }
        pos = skip_whitespace(body, pos + 1);
        let input = Input::new(body);
        if body.get(pos) == Some(&b']') {
            pos += 1;
        } else {
            loop {
                if self.len == MAX_BATCH {
                    return None;
                }
                pos = self.next_request().parse_value_at(input, pos)?;
                pos = skip_whitespace(body, pos);
                match body.get(pos) {
                    Some(b',') => pos += 1,
                    Some(b']') => {
                        pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        (skip_whitespace(body, pos) == body.len()).then_some(())
    }

    /// The general reader: `serde_json` splits the array, then each element is read alone.
    fn read_general(&mut self, body: &[u8]) -> Result<(), BatchError> {
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
        for element in elements {
            self.next_request().parse_into(element.get());
        }
        Ok(())
    }

    /// The next request's slot, with the buffers it had in an earlier batch.
    fn next_request(&mut self) -> &mut Request {
        if self.len == self.requests.len() {
            self.requests.push(Request::default());
        }
        self.len += 1;
        &mut self.requests[self.len - 1]
    }
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
