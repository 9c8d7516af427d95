//! Where one HTTP/1.1 response ends in the bytes read from a keep-alive connection, and its
//! status: enough of HTTP for answers with a `Content-Length` (what `faramesh serve` sends).

/// A complete response at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framed {
    /// The status code.
    pub status: u16,
    /// How many bytes the response takes, head and body.
    pub len: usize,
}

/// Why the bytes are not a response this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The status line is not `HTTP/1.x NNN …`.
    #[error("not an HTTP/1.1 status line")]
    StatusLine,
    /// No `Content-Length`, or one that is not a number (chunked answers are not read).
    #[error("a response without a readable Content-Length")]
    Length,
}

/// The response at the start of `bytes`: `Ok(None)` while it is incomplete.
pub fn frame(bytes: &[u8]) -> Result<Option<Framed>, FrameError> {
    let Some(head_len) = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| at + 4)
    else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&bytes[..head_len]).map_err(|_| FrameError::StatusLine)?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.strip_prefix("HTTP/1."))
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or(FrameError::StatusLine)?;
    let body_len = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .ok_or(FrameError::Length)?;
    let len = head_len + body_len;
    Ok((bytes.len() >= len).then_some(Framed { status, len }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

    #[test]
    fn a_whole_response_is_framed_and_a_partial_one_waits() {
        assert_eq!(
            frame(OK),
            Ok(Some(Framed {
                status: 200,
                len: OK.len()
            }))
        );
        for cut in 0..OK.len() {
            assert_eq!(frame(&OK[..cut]), Ok(None), "cut at {cut}");
        }
        let mut two = OK.to_vec();
        two.extend_from_slice(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(frame(&two).map(|f| f.map(|f| f.len)), Ok(Some(OK.len())));
        assert_eq!(
            frame(&two[OK.len()..]).map(|f| f.map(|f| f.status)),
            Ok(Some(503))
        );
    }

    #[test]
    fn what_this_reader_cannot_frame_is_an_error() {
        assert_eq!(frame(b"SSH-2.0\r\n\r\n"), Err(FrameError::StatusLine));
        assert_eq!(
            frame(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"),
            Err(FrameError::Length)
        );
    }
}
