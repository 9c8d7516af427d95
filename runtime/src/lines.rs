//! Reading untrusted input one line at a time without ever buffering more than a limit: a
//! longer line is reported once, as soon as it passes the limit, and the rest of it is skipped.
//! Used for request streams and decision logs.

use std::io::{self, BufRead, BufReader, Read};

/// One line of input (without its `\n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line within the limit.
    Text(&'a [u8]),
    /// A line longer than the limit; its bytes are being skipped.
    TooLong,
}

/// Splits a reader into lines of at most `limit` bytes.
pub struct BoundedLines<R> {
    input: BufReader<R>,
    limit: usize,
    line: Vec<u8>,
    /// The previous line was too long and its end has not been reached yet.
    skipping: bool,
    /// The last line returned ended with `\n`.
    newline: bool,
}

impl<R: Read> BoundedLines<R> {
    /// Lines of `input`, each at most `limit` bytes.
    pub fn new(input: R, limit: usize) -> Self {
        BoundedLines {
            input: BufReader::with_capacity(1 << 16, input),
            limit,
            line: Vec::new(),
            skipping: false,
            newline: false,
        }
    }

    /// Whether the last line returned ended with a newline (false for a last line without
    /// one, and for a line too long to read to its end yet).
    pub fn ended_with_newline(&self) -> bool {
        self.newline
    }

    /// The next line, or `None` at the end of the input. `before_wait` runs before every read
    /// that may block (the input's buffer is empty), so output can be flushed first.
    pub fn next_line(
        &mut self,
        before_wait: &mut impl FnMut() -> io::Result<()>,
    ) -> io::Result<Option<Line<'_>>> {
        self.line.clear();
        self.newline = false;
        if self.skipping {
            self.skipping = false;
            if !self.skip_rest(before_wait)? {
                return Ok(None);
            }
        }
        let mut any = false;
        loop {
            let buffer = fill(&mut self.input, before_wait)?;
            if buffer.is_empty() {
                // A last line without its newline is still a line.
                return Ok(any.then_some(Line::Text(&self.line)));
            }
            any = true;
            let (taken, end) = match buffer.iter().position(|&b| b == b'\n') {
                Some(at) => (at, true),
                None => (buffer.len(), false),
            };
            if self.line.len() + taken > self.limit {
                let consumed = if end { taken + 1 } else { taken };
                self.input.consume(consumed);
                self.skipping = !end;
                self.newline = end;
                self.line.clear();
                return Ok(Some(Line::TooLong));
            }
            self.line.extend_from_slice(&buffer[..taken]);
            self.input.consume(if end { taken + 1 } else { taken });
            if end {
                self.newline = true;
                return Ok(Some(Line::Text(&self.line)));
            }
        }
    }

    /// Discards input through the next newline; false when the input ended first.
    fn skip_rest(&mut self, before_wait: &mut impl FnMut() -> io::Result<()>) -> io::Result<bool> {
        loop {
            let buffer = fill(&mut self.input, before_wait)?;
            if buffer.is_empty() {
                return Ok(false);
            }
            match buffer.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    self.input.consume(at + 1);
                    return Ok(true);
                }
                None => {
                    let all = buffer.len();
                    self.input.consume(all);
                }
            }
        }
    }
}

/// The input's buffered bytes, reading more (after `before_wait`) when there are none.
fn fill<'i, R: Read>(
    input: &'i mut BufReader<R>,
    before_wait: &mut impl FnMut() -> io::Result<()>,
) -> io::Result<&'i [u8]> {
    if input.buffer().is_empty() {
        before_wait()?;
    }
    input.fill_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], limit: usize) -> Vec<Option<Vec<u8>>> {
        let mut lines = BoundedLines::new(Trickle(input), limit);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line(&mut || Ok(())).expect("reads") {
            out.push(match line {
                Line::Text(text) => Some(text.to_vec()),
                Line::TooLong => None,
            });
        }
        out
    }

    /// A reader that hands out at most three bytes a read.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn splits_bounded_lines() {
        let text = |s: &str| Some(s.as_bytes().to_vec());
        assert_eq!(all(b"ab\ncd\n", 8), [text("ab"), text("cd")]);
        assert_eq!(all(b"ab\n\ncd", 8), [text("ab"), text(""), text("cd")]);
        assert_eq!(all(b"", 8), Vec::<Option<Vec<u8>>>::new());
        assert_eq!(all(b"12345678\n", 8), [text("12345678")]);
        assert_eq!(all(b"123456789\nok\n", 8), [None, text("ok")]);
        assert_eq!(
            all(b"a\n123456789abcdefghij\nok", 8),
            [text("a"), None, text("ok")]
        );
        assert_eq!(all(b"123456789abc", 8), [None]);
    }
}
