//! Server-Sent Events to every open page.
//!
//! tiny_http buffers a streamed response body (chunked encoding flushes at 8 KiB), so each event
//! stream takes the raw connection, writes its own headers and flushes every event. The body ends
//! when the connection closes; a client whose write fails is dropped.

use std::io::Write;
use std::sync::Mutex;

type Client = Box<dyn Write + Send + 'static>;

#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Client>>,
}

impl Hub {
    /// Start an event stream on a raw connection: headers, the reconnection delay and a first
    /// event, then keep it for broadcasts.
    pub fn add(&self, mut conn: Client, first: &Event) {
        let head = "HTTP/1.1 200 OK\r\n\
                    Content-Type: text/event-stream; charset=utf-8\r\n\
                    Cache-Control: no-store\r\n\
                    Connection: keep-alive\r\n\
                    X-Content-Type-Options: nosniff\r\n\r\n\
                    retry: 500\n\n";
        let ok = conn
            .write_all(head.as_bytes())
            .and_then(|()| conn.write_all(first.wire().as_bytes()))
            .and_then(|()| conn.flush());
        if ok.is_ok() {
            self.lock().push(conn);
        }
    }

    /// Send an event to every client; returns how many got it.
    pub fn broadcast(&self, event: &Event) -> usize {
        let wire = event.wire();
        let mut clients = self.lock();
        clients.retain_mut(|c| {
            c.write_all(wire.as_bytes())
                .and_then(|()| c.flush())
                .is_ok()
        });
        clients.len()
    }

    /// A comment line: keeps idle connections open and finds the dead ones.
    pub fn ping(&self) -> usize {
        let mut clients = self.lock();
        clients.retain_mut(|c| c.write_all(b": ping\n\n").and_then(|()| c.flush()).is_ok());
        clients.len()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Client>> {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One event: a name and a JSON payload.
pub struct Event {
    pub name: &'static str,
    pub data: serde_json::Value,
}

impl Event {
    /// The event as sent: JSON has no raw newlines, so the data is one `data:` line.
    fn wire(&self) -> String {
        format!("event: {}\ndata: {}\n\n", self.name, self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>, bool);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.1 {
                return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
            }
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn events_reach_live_clients_and_dead_ones_are_dropped() {
        let hub = Hub::default();
        let alive = Sink::default();
        let hello = Event {
            name: "hello",
            data: serde_json::json!({"a": 1}),
        };
        hub.add(Box::new(alive.clone()), &hello);
        hub.add(Box::new(Sink(Arc::default(), true)), &hello);
        assert_eq!(
            hub.len(),
            1,
            "a client that cannot be written to is not kept"
        );
        let sent = hub.broadcast(&Event {
            name: "deck",
            data: serde_json::json!({"text": "two\nlines"}),
        });
        assert_eq!(sent, 1);
        let text = String::from_utf8(alive.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Type: text/event-stream"));
        assert!(text.contains("event: hello\ndata: {\"a\":1}\n\n"));
        assert!(
            text.ends_with("event: deck\ndata: {\"text\":\"two\\nlines\"}\n\n"),
            "{text}"
        );
    }
}
