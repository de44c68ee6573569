//! Server-Sent Events to every open page.
//!
//! Each event stream takes its raw connection from the server (`server::Reply::Take`), writes its
//! own headers and flushes every event. The body ends when the connection closes.
//!
//! Every client has its own writer thread and a bounded queue: a broadcast only queues the event
//! (never waits on a socket), and a client whose queue is full (it stopped reading: a closed laptop,
//! a stuck tab) is dropped. Its page reconnects when it can (`retry: 500`) and gets the whole state
//! again. The sockets have a write timeout (see `serve::bind`), so a writer stuck on a client that
//! never reads ends too.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Conn = Box<dyn Write + Send + 'static>;

/// Events a client may fall behind by before it is dropped.
pub const QUEUE: usize = 16;

/// Event streams open at once. A stream leaves the server's connection count when it is handed
/// over, so this bounds the threads and sockets that pages (or anything else) can hold open.
pub const MAX_STREAMS: usize = 256;

struct Client {
    queue: SyncSender<Arc<str>>,
    /// Set by the writer when a write failed or timed out.
    gone: Arc<AtomicBool>,
}

#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Client>>,
}

impl Hub {
    /// Start an event stream on a raw connection: its writer sends the headers, the reconnection
    /// delay and a first event, then every broadcast.
    pub fn add(&self, mut conn: Conn, first: &Event) {
        let full = {
            let mut clients = self.lock();
            clients.retain(|c| !c.gone.load(Ordering::Relaxed));
            clients.len() >= MAX_STREAMS
        };
        if full {
            // The page retries (its EventSource reconnects) and gets a place when one is free.
            let refusal = super::server::text(
                503,
                "too many live-reload pages open on this server; close some\n",
            );
            let _ = conn.write_all(&refusal.wire(false, true));
            let _ = conn.flush();
            return;
        }
        let (queue, rx) = sync_channel::<Arc<str>>(QUEUE);
        let gone = Arc::new(AtomicBool::new(false));
        let head = format!(
            "HTTP/1.1 200 OK\r\n\
             Content-Type: text/event-stream; charset=utf-8\r\n\
             Cache-Control: no-store\r\n\
             Connection: keep-alive\r\n\
             X-Content-Type-Options: nosniff\r\n\r\n\
             retry: 500\n\n{}",
            first.wire()
        );
        let flag = gone.clone();
        let spawned = std::thread::Builder::new()
            .name("deck-events".into())
            .spawn(move || {
                let mut send = |bytes: &[u8]| conn.write_all(bytes).and_then(|()| conn.flush());
                if send(head.as_bytes()).is_err() {
                    flag.store(true, Ordering::Relaxed);
                    return;
                }
                // Ends when the hub drops the client (its queue closes) or a write fails.
                for wire in rx {
                    if send(wire.as_bytes()).is_err() {
                        flag.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
        if spawned.is_ok() {
            self.lock().push(Client { queue, gone });
        }
    }

    /// Queue an event for every client; returns how many are still connected. Never blocks on a
    /// client: one that is [`QUEUE`] events behind, or gone, is dropped.
    pub fn broadcast(&self, event: &Event) -> usize {
        self.send(Arc::from(event.wire()))
    }

    /// A comment line: keeps idle connections open and finds the dead ones.
    pub fn ping(&self) -> usize {
        self.send(Arc::from(": ping\n\n"))
    }

    fn send(&self, wire: Arc<str>) -> usize {
        let mut clients = self.lock();
        clients.retain(|c| {
            !c.gone.load(Ordering::Relaxed)
                && match c.queue.try_send(wire.clone()) {
                    Ok(()) => true,
                    Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
                }
        });
        clients.len()
    }

    /// Clients connected (the ones found gone are not counted).
    pub fn len(&self) -> usize {
        let mut clients = self.lock();
        clients.retain(|c| !c.gone.load(Ordering::Relaxed));
        clients.len()
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

    /// Wait until `f` holds (the writers are threads).
    fn eventually(f: impl Fn() -> bool) {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !f() {
            assert!(std::time::Instant::now() < end, "timed out");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn streams_beyond_the_limit_are_refused_and_a_place_frees_when_one_goes() {
        let hub = Hub::default();
        let hello = Event {
            name: "hello",
            data: serde_json::json!({}),
        };
        let sinks: Vec<Sink> = (0..MAX_STREAMS).map(|_| Sink::default()).collect();
        for s in &sinks {
            hub.add(Box::new(s.clone()), &hello);
        }
        eventually(|| hub.len() == MAX_STREAMS);
        let refused = Sink::default();
        hub.add(Box::new(refused.clone()), &hello);
        let text = String::from_utf8(refused.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 503 "), "{text}");
        assert_eq!(hub.len(), MAX_STREAMS);
        // One page goes (as its writer marks it when a write fails): the next gets its place.
        hub.lock()[0].gone.store(true, Ordering::Relaxed);
        let next = Sink::default();
        hub.add(Box::new(next.clone()), &hello);
        eventually(|| {
            String::from_utf8_lossy(&next.0.lock().unwrap()).starts_with("HTTP/1.1 200 ")
        });
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
        eventually(|| hub.len() == 1);
        let sent = hub.broadcast(&Event {
            name: "deck",
            data: serde_json::json!({"text": "two\nlines"}),
        });
        assert_eq!(sent, 1);
        let text = || String::from_utf8(alive.0.lock().unwrap().clone()).unwrap();
        eventually(|| text().ends_with("event: deck\ndata: {\"text\":\"two\\nlines\"}\n\n"));
        let text = text();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Type: text/event-stream"));
        assert!(text.contains("event: hello\ndata: {\"a\":1}\n\n"));
    }

    /// A client whose writes block forever.
    struct Stuck(Arc<Mutex<()>>);
    impl Write for Stuck {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            drop(self.0.lock().unwrap());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_client_that_never_reads_is_dropped_and_never_waited_for() {
        let hub = Hub::default();
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().unwrap();
        let alive = Sink::default();
        let event = |n: usize| Event {
            name: "deck",
            data: serde_json::json!({ "n": n }),
        };
        hub.add(Box::new(Stuck(gate.clone())), &event(0));
        hub.add(Box::new(alive.clone()), &event(0));
        let mut counts = Vec::new();
        for n in 1..=QUEUE + 5 {
            let started = std::time::Instant::now();
            counts.push(hub.broadcast(&event(n)));
            // No broadcast waits on the stuck client.
            assert!(started.elapsed() < std::time::Duration::from_millis(500));
            // The page that reads gets each event (before the next, as rebuilds are apart).
            let got = format!("data: {{\"n\":{n}}}");
            eventually(|| String::from_utf8_lossy(&alive.0.lock().unwrap()).contains(&got));
        }
        // Once the stuck client's queue was full it was let go; the reading one stays.
        assert_eq!(counts[0], 2);
        assert_eq!(*counts.last().unwrap(), 1, "{counts:?}");
        drop(held);
    }
}
