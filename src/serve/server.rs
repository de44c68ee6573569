//! The HTTP/1.1 server under `deck serve`: connections accepted, request heads read within
//! limits, answers written.
//!
//! Small on purpose: deck answers GET and HEAD from memory and hands event streams their raw
//! connection, so what a server must get right here is the reading. Every bound is explicit: a
//! request line over [`MAX_REQUEST_LINE`] is answered 414, a header line over [`MAX_HEADER_LINE`],
//! more than [`MAX_HEADERS`] lines or [`MAX_HEADER_BYTES`] in all 431; nothing is buffered beyond
//! those, so a client sending endless headers costs a few KiB, not its whole stream. A connection
//! that stays silent for [`IDLE`] is closed, and at most [`MAX_CONNECTIONS`] are open at once.
//! Each connection has its own thread (keep-alive connections are few: one page and its event
//! stream per open tab), so a burst of connections is never queued behind a busy one.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest request line read (method, target, version).
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// The longest header line read.
pub const MAX_HEADER_LINE: usize = 8 * 1024;
/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 100;
/// All header lines of a request together.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Connections open at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 512;
/// How long a connection may stay silent before a request (or between two) before it is closed.
pub const IDLE: Duration = Duration::from_secs(30);
/// How long a refused request's remaining bytes are read and dropped before the connection
/// closes, so that the client reads the answer instead of a reset.
const LINGER: Duration = Duration::from_secs(2);

/// A request as read: its body, if it announced one, is not read (deck answers GET and HEAD).
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The request target as sent (`/talk.html?x=1`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// HTTP/1.0 closes after one answer unless it asks to keep the connection.
    http10: bool,
}

impl Request {
    /// The first header of this name (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
        if self.http10 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }

    /// A body was announced (or the framing is doubtful: several lengths): it is not read, so
    /// the connection cannot carry another request.
    fn has_body(&self) -> bool {
        let lengths: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.trim())
            .collect();
        self.header("transfer-encoding").is_some()
            || lengths.len() > 1
            || lengths.iter().any(|v| *v != "0")
    }
}

/// An answer from memory.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// Status line, headers and (unless `head_only`) body, as sent. `keep` confirms keep-alive
    /// to an HTTP/1.0 client that asked for it.
    pub fn wire(&self, head_only: bool, close: bool) -> Vec<u8> {
        self.wire_with(head_only, close, false)
    }

    fn wire_with(&self, head_only: bool, close: bool, keep: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if close {
            out.push_str("Connection: close\r\n");
        } else if keep {
            out.push_str("Connection: keep-alive\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// What the handler does with a request.
pub enum Reply {
    Response(Response),
    /// The connection is handed over (an event stream); nothing more is read from it.
    Take(Box<dyn FnOnce(TcpStream) + Send>),
}

pub type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Accept connections on `listener` for ever, each on its own thread.
pub fn serve(listener: TcpListener, handler: Arc<Handler>) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of descriptors, or a connection reset before it was accepted: wait a moment
            // rather than spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            // Refused on a thread of its own: the lingering must not hold up accepting.
            let _ = std::thread::Builder::new()
                .name("deck-http-refuse".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    refuse(
                        stream,
                        &text(503, "too many connections to this server; try again\n"),
                    );
                });
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (handler, counter) = (handler.clone(), open.clone());
        let spawned = std::thread::Builder::new()
            .name("deck-http".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                connection(stream, &*handler);
                counter.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Answer the requests of one connection until it closes, idles or is handed over.
fn connection(stream: TcpStream, handler: &Handler) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(8 * 1024, read_half);
    let mut stream = stream;
    loop {
        let request = match read_head(&mut reader) {
            Ok(Head::Request(r)) => r,
            Ok(Head::Refused(status, why)) => {
                refuse(stream, &text(status, why));
                return;
            }
            Ok(Head::Closed) | Err(_) => return,
        };
        let head_only = request.method == "HEAD";
        let close = !request.keep_alive() || request.has_body();
        match handler(&request) {
            Reply::Take(take) => {
                take(stream);
                return;
            }
            Reply::Response(response) => {
                let wire = response.wire_with(head_only, close, request.http10 && !close);
                if stream.write_all(&wire).is_err() {
                    return;
                }
                if close {
                    if request.has_body() {
                        linger(stream);
                    }
                    return;
                }
            }
        }
    }
}

/// Answer and close, reading what the client still sends for a moment so that it gets the
/// answer rather than a connection reset.
fn refuse(mut stream: TcpStream, response: &Response) {
    let _ = stream.write_all(&response.wire(false, true));
    linger(stream);
}

fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 16 * 1024];
    while Instant::now() < until {
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

pub fn text(status: u16, body: &str) -> Response {
    Response::new(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        414 => "URI Too Long",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[derive(Debug)]
enum Head {
    Request(Request),
    /// Answer this and close.
    Refused(u16, &'static str),
    /// The client closed (or sent half a request and closed).
    Closed,
}

enum Line {
    Done,
    TooLong,
    Eof,
}

/// One line (without its CR LF) into `line`, reading at most `max` bytes of it.
fn read_line(r: &mut impl BufRead, max: usize, line: &mut Vec<u8>) -> io::Result<Line> {
    line.clear();
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(Line::Eof);
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                if line.len() + i > max + 1 {
                    return Ok(Line::TooLong);
                }
                line.extend_from_slice(&buf[..i]);
                r.consume(i + 1);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(if line.len() > max {
                    Line::TooLong
                } else {
                    Line::Done
                });
            }
            None => {
                let n = buf.len();
                if line.len() + n > max + 1 {
                    return Ok(Line::TooLong);
                }
                line.extend_from_slice(buf);
                r.consume(n);
            }
        }
    }
}

/// Read a request's line and headers, within the limits.
fn read_head(r: &mut impl BufRead) -> io::Result<Head> {
    let mut line = Vec::with_capacity(256);
    // A few empty lines before a request are allowed (RFC 9112, 2.2).
    let mut blank = 0;
    loop {
        match read_line(r, MAX_REQUEST_LINE, &mut line)? {
            Line::Eof => return Ok(Head::Closed),
            Line::TooLong => {
                return Ok(Head::Refused(
                    414,
                    "request line too long (deck serve reads at most 8 KiB of it)\n",
                ));
            }
            Line::Done if line.is_empty() && blank < 4 => blank += 1,
            Line::Done => break,
        }
    }
    let Ok(request_line) = std::str::from_utf8(&line) else {
        return Ok(Head::Refused(400, "the request line is not text\n"));
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(Head::Refused(400, "malformed request line\n"));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => {
            return Ok(Head::Refused(505, "only HTTP/1.0 and HTTP/1.1\n"));
        }
        _ => return Ok(Head::Refused(400, "malformed request line\n")),
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) || target.is_empty() {
        return Ok(Head::Refused(400, "malformed request line\n"));
    }
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers: Vec::new(),
        http10,
    };
    let mut total = 0;
    loop {
        match read_line(r, MAX_HEADER_LINE, &mut line)? {
            Line::Eof => return Ok(Head::Closed),
            Line::TooLong => {
                return Ok(Head::Refused(
                    431,
                    "a header line is too long (deck serve reads at most 8 KiB of one)\n",
                ));
            }
            Line::Done if line.is_empty() => return Ok(Head::Request(request)),
            Line::Done => {}
        }
        total += line.len() + 2;
        if request.headers.len() == MAX_HEADERS || total > MAX_HEADER_BYTES {
            return Ok(Head::Refused(
                431,
                "too many headers (deck serve reads at most 100 lines, 64 KiB in all)\n",
            ));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Ok(Head::Refused(400, "folded header lines are not allowed\n"));
        }
        let text = String::from_utf8_lossy(&line);
        let Some((name, value)) = text.split_once(':') else {
            return Ok(Head::Refused(400, "a header line without `:`\n"));
        };
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Ok(Head::Refused(400, "malformed header name\n"));
        }
        request
            .headers
            .push((name.to_string(), value.trim().to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Head {
        read_head(&mut BufReader::new(bytes)).unwrap()
    }

    #[test]
    fn a_request_is_read_with_its_headers() {
        let Head::Request(r) =
            head(b"GET /talk.html?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nX-A:  b \r\n\r\n")
        else {
            panic!()
        };
        assert_eq!(
            (r.method.as_str(), r.target.as_str()),
            ("GET", "/talk.html?x=1")
        );
        assert_eq!(r.header("host"), Some("localhost:8080"));
        assert_eq!(r.header("x-a"), Some("b"));
        assert!(r.keep_alive());
        let Head::Request(r) = head(b"\r\nGET / HTTP/1.0\n\n") else {
            panic!()
        };
        assert!(!r.keep_alive(), "HTTP/1.0 closes");
        // Two lengths: the framing is doubtful, the connection closes after the answer.
        let Head::Request(r) =
            head(b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n")
        else {
            panic!()
        };
        assert!(r.has_body());
    }

    #[test]
    fn limits_are_answered_414_and_431() {
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_REQUEST_LINE));
        assert!(matches!(head(long.as_bytes()), Head::Refused(414, _)));
        let fits = format!(
            "GET /{} HTTP/1.1\r\n\r\n",
            "a".repeat(MAX_REQUEST_LINE - 20)
        );
        assert!(matches!(head(fits.as_bytes()), Head::Request(_)));
        let big = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEADER_LINE)
        );
        assert!(matches!(head(big.as_bytes()), Head::Refused(431, _)));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(head(many.as_bytes()), Head::Refused(431, _)));
        let total = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            format!("X: {}\r\n", "a".repeat(4000)).repeat(20)
        );
        assert!(matches!(head(total.as_bytes()), Head::Refused(431, _)));
    }

    #[test]
    fn malformed_heads_are_400_and_half_ones_close() {
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET / HTTP/1.1 x\r\n\r\n",
            b"G@T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        ] {
            assert!(
                matches!(head(bad), Head::Refused(400, _)),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(matches!(
            head(b"GET / HTTP/2.0\r\n\r\n"),
            Head::Refused(505, _)
        ));
        assert!(matches!(head(b""), Head::Closed));
        assert!(matches!(head(b"GET / HTTP/1.1\r\nHost: x"), Head::Closed));
    }

    #[test]
    fn answers_carry_their_length_and_head_has_no_body() {
        let r = text(404, "not found\n");
        let keep = String::from_utf8(r.wire_with(false, false, true)).unwrap();
        assert!(keep.contains("Connection: keep-alive\r\n"), "{keep}");
        let full = String::from_utf8(r.wire(false, true)).unwrap();
        assert!(full.starts_with("HTTP/1.1 404 Not Found\r\n"), "{full}");
        assert!(full.contains("Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n"));
        let head = String::from_utf8(r.wire(true, false)).unwrap();
        assert!(head.ends_with("Content-Length: 10\r\n\r\n"), "{head}");
    }
}
