//! `deck serve` as a user meets it: the real binary on a free port, plain HTTP from a socket, and
//! the event stream read as a browser's EventSource would. One end-to-end test in Chromium.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::cdp::browser_or_skip;
use common::project::Project;
use serde_json::{Value, json};

const DECK_TOML: &str = "[datasets]\nruns = \"data/runs.csv\"\n";
const RUNS: &str = "variant,wall_s\ndebian,1.5\nofficial,2.5\n";
const SLIDES: &str = "# One\n\n---\n\n# Two\n\n---\n\n# Three\n\nThe third slide.\n\n---\n\n```table\nsql: SELECT variant, wall_s FROM runs ORDER BY variant\n```\n";

fn project() -> Project {
    Project::new()
        .file("deck.toml", DECK_TOML)
        .file("data/runs.csv", RUNS)
        .file("slides/talk.md", SLIDES)
}

/// A running `deck serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    /// What it printed on stderr (with `DECK_DEBUG_WATCH`: each batch and each deck built).
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(p: &Project, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--port", "0"];
        args.extend_from_slice(extra);
        Self::run(p, &args)
    }

    /// `deck ARGS` that serves (`deck serve`, `deck build -s`), on any free port.
    fn run(p: &Project, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_deck"))
            .args(args)
            .env("PORT", "0")
            .current_dir(p.path(""))
            .env("DECK_DEBUG_WATCH", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let port = line
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        // Keep reading stderr so the server never blocks on a full pipe.
        let err = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in err.lines() {
                let Ok(line) = line else { return };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Server { child, port, log }
    }

    /// Wait until the log has a line holding `needle` (the log is left as it is).
    fn wait_log(&self, needle: &str) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < WAIT {
            if self.log.lock().unwrap().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The decks built since the log was last taken (their sources, as printed).
    fn take_built(&self) -> Vec<String> {
        let log = std::mem::take(&mut *self.log.lock().unwrap());
        let mut built: Vec<String> = log
            .lines()
            .filter_map(|l| l.strip_prefix("watch: built "))
            .map(str::to_string)
            .collect();
        built.sort();
        built
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        self.request("GET", path)
    }

    fn request(&self, method: &str, path: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, head.to_string(), body)
    }

    /// Connect to the event stream; events arrive on the receiver as (name, data).
    fn events(&self) -> Receiver<(String, Value)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET /_deck/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let reader = BufReader::new(s);
            let mut name = String::new();
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    let v: Value = serde_json::from_str(d).unwrap();
                    if tx.send((name.clone(), v)).is_err() {
                        return;
                    }
                }
            }
        });
        rx
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}

/// The `deck` events that arrive within `window` (after the first, if any, within `wait`).
fn deck_events(rx: &Receiver<(String, Value)>, wait: Duration, window: Duration) -> Vec<Value> {
    let mut got = Vec::new();
    let mut deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((name, data)) if name == "deck" => {
                if got.is_empty() {
                    deadline = Instant::now() + window;
                }
                got.push(data);
            }
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => return got,
        }
    }
}

fn hello(rx: &Receiver<(String, Value)>) -> Value {
    let (name, data) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(name, "hello");
    data
}

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(700);

#[test]
fn pages_and_data_are_served_with_their_types() {
    let p = project();
    let s = Server::start(&p, &[]);
    let (status, head, body) = s.get("/");
    assert_eq!(status, 200);
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8"),
        "{head}"
    );
    // The site index `deck build` writes: each deck's card, its data and provenance.
    assert!(
        body.contains("<h2><a href=\"talk.html\">One</a></h2>"),
        "{body}"
    );

    let (status, head, body) = s.get("/talk.html");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/html; charset=utf-8"));
    assert!(head.contains("X-Deck-Version: "), "{head}");
    assert!(body.contains("The third slide."));
    assert!(body.contains("<script data-deck-live>window.__deckLive = {\"deck\":\"talk.html\""));
    assert_eq!(body.matches("<section").count(), 4);

    let (status, head, body) = s.get("/data/runs.csv");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/csv"), "{head}");
    assert_eq!(body, RUNS);
    let (status, head, body) = s.get("/provenance.json");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: application/json"));
    let prov: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(prov["figures"][0]["inputs"][0]["path"], "data/runs.csv");

    // HEAD: headers only; anything else but GET is refused.
    let (status, head, body) = s.request("HEAD", "/talk.html");
    assert_eq!((status, body.as_str()), (200, ""));
    assert!(head.contains("text/html"));
    let (status, head, _) = s.request("POST", "/talk.html");
    assert_eq!(status, 405);
    assert!(head.contains("Allow: GET, HEAD"), "{head}");
    assert_eq!(s.request("DELETE", "/data/runs.csv").0, 405);
    // Nothing is written while serving: no dist/.
    assert!(!p.path("dist").exists());
}

#[test]
fn traversal_and_files_outside_the_output_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.csv"),
        "variant,wall_s\nsecret,1\n",
    )
    .unwrap();
    let p = project()
        .file(
            "deck.toml",
            format!("{DECK_TOML}leak = \"data/leak.csv\"\n"),
        )
        .file(
            "slides/leak.md",
            "# Leak\n\n```table\nsql: SELECT * FROM leak\n```\n",
        );
    // A data file that is a symlink leaving the project.
    std::os::unix::fs::symlink(outside.path().join("secret.csv"), p.path("data/leak.csv")).unwrap();
    let s = Server::start(&p, &[]);
    assert_eq!(s.get("/data/runs.csv").0, 200);
    for url in [
        "/../deck.toml",
        "/%2e%2e/deck.toml",
        "/%2E%2E%2Fdeck.toml",
        "/data/..%2f..%2fdeck.toml",
        "/data/%2e%2e/deck.toml",
        "/..%5cdeck.toml",
        "/data\\..\\deck.toml",
        "//etc/passwd",
        "/etc/passwd",
        "/deck.toml",
        "/slides/talk.md",
        "/slides/",
        "/data/",
        "/data/leak.csv",
        "/.deck-cache/figures/hashes.json",
    ] {
        let (status, _, body) = s.get(url);
        assert_eq!(status, 404, "{url}: {body}");
        assert!(!body.contains("secret"), "{url}");
    }
}

#[test]
fn every_way_an_editor_saves_gives_exactly_one_update() {
    let p = project();
    let s = Server::start(&p, &[]);
    let rx = s.events();
    let first = hello(&rx)["decks"]["talk.html"]["version"]
        .as_u64()
        .unwrap();
    let file = p.path("slides/talk.md");
    let dir = p.path("slides");
    type Save<'a> = Box<dyn Fn(&str) + 'a>;
    let saves: Vec<(&str, Save)> = vec![
        (
            "write in place",
            Box::new(|text: &str| std::fs::write(&file, text).unwrap()),
        ),
        (
            "write a temp file, rename it over",
            Box::new(|text: &str| {
                let tmp = dir.join(".talk.md.swp");
                std::fs::write(&tmp, text).unwrap();
                std::fs::rename(&tmp, &file).unwrap();
            }),
        ),
        (
            "delete, then create",
            Box::new(|text: &str| {
                std::fs::remove_file(&file).unwrap();
                std::fs::write(&file, text).unwrap();
            }),
        ),
        (
            "truncate, then write in two parts",
            Box::new(|text: &str| {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&file)
                    .unwrap();
                let (a, b) = text.split_at(text.len() / 2);
                f.write_all(a.as_bytes()).unwrap();
                f.flush().unwrap();
                f.write_all(b.as_bytes()).unwrap();
            }),
        ),
        (
            "a temporary file of any name renamed over (sed -i)",
            Box::new(|text: &str| {
                let tmp = dir.join("sedAb12Cd");
                std::fs::write(&tmp, text).unwrap();
                std::fs::rename(&tmp, &file).unwrap();
            }),
        ),
        (
            "backup copy, then write (Vim's backupcopy=yes)",
            Box::new(|text: &str| {
                std::fs::copy(&file, dir.join("talk.md~")).unwrap();
                std::fs::write(&file, text).unwrap();
            }),
        ),
    ];
    let mut version = first;
    for (i, (how, save)) in saves.iter().enumerate() {
        let text = SLIDES.replace("The third slide.", &format!("Edit number {i}."));
        save(&text);
        let got = deck_events(&rx, WAIT, QUIET);
        assert_eq!(got.len(), 1, "{how}: {got:?}");
        let v = got[0]["version"].as_u64().unwrap();
        assert!(v > version, "{how}: the version grows");
        assert_eq!(got[0]["errors"], json!([]), "{how}");
        version = v;
        let (_, head, body) = s.get("/talk.html");
        assert!(body.contains(&format!("Edit number {i}.")), "{how}");
        assert!(
            head.contains(&format!("X-Deck-Version: {v}")),
            "{how}: {head}"
        );
    }
    // A save that changes nothing in the output sends nothing.
    std::fs::write(&file, std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        deck_events(&rx, Duration::from_millis(1500), QUIET),
        vec![] as Vec<Value>
    );
}

#[test]
fn an_error_shows_until_the_file_is_fixed_and_the_server_lives_on() {
    let p = project();
    let s = Server::start(&p, &[]);
    let rx = s.events();
    hello(&rx);
    let good = s.get("/talk.html").2;
    std::fs::write(p.path("slides/talk.md"), "# Title\n\n# One {{ nosuch }}\n").unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert_eq!(got.len(), 1, "{got:?}");
    let errors = got[0]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    let text = errors[0].as_str().unwrap();
    assert!(text.contains("undefined variable `nosuch`"), "{text}");
    assert!(text.contains("slides/talk.md:3:10"), "{text}");
    // The last good slides are still served under the overlay.
    let (_, _, body) = s.get("/talk.html");
    assert!(body.contains("The third slide."));
    assert_eq!(body.len(), good.len(), "same page as before the error");
    // A broken query and a broken deck.toml are errors too, never a dead server.
    std::fs::write(
        p.path("slides/talk.md"),
        "```table\nsql: SELECT nope FROM runs\n```\n",
    )
    .unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    let text = got[0]["errors"][0].as_str().unwrap().to_string();
    assert!(text.contains("slides/talk.md:2"), "{text}");
    std::fs::write(p.path("deck.toml"), "[datasets\n").unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    let text = got[0]["errors"][0].as_str().unwrap().to_string();
    assert!(text.contains("deck.toml:1"), "{text}");
    assert_eq!(s.get("/").0, 200);
    // Fixed: the errors clear and the new slides are served.
    std::fs::write(p.path("deck.toml"), DECK_TOML).unwrap();
    std::fs::write(p.path("slides/talk.md"), SLIDES.replace("third", "fixed")).unwrap();
    let got = deck_events(&rx, WAIT, Duration::from_millis(1500));
    let last = got.last().expect("an update");
    assert_eq!(last["errors"], json!([]), "{got:?}");
    assert!(s.get("/talk.html").2.contains("The fixed slide."));
}

#[test]
fn data_theme_and_new_decks_are_picked_up() {
    let p = project().file(
        "themes/mine.css",
        "/* @theme mine */\nsection { background: #fff; }\n",
    );
    std::fs::write(
        p.path("slides/talk.md"),
        format!("---\ntheme: mine\n---\n\n{SLIDES}"),
    )
    .unwrap();
    let s = Server::start(&p, &[]);
    let rx = s.events();
    hello(&rx);
    // New data: the table is computed again.
    std::fs::write(p.path("data/runs.csv"), RUNS.replace("2.5", "7.25")).unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(s.get("/talk.html").2.contains("7.25"));
    // The theme.
    std::fs::write(
        p.path("themes/mine.css"),
        "/* @theme mine */\nsection { background: #abcdef; }\n",
    )
    .unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(s.get("/talk.html").2.contains("#abcdef"));
    // A new deck appears in the index.
    std::fs::write(p.path("slides/second.md"), "# Another deck\n").unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert!(got.iter().any(|e| e["deck"] == "second.html"), "{got:?}");
    assert!(s.get("/").2.contains("second.html"));
    assert!(s.get("/second.html").2.contains("Another deck"));
}

#[test]
fn many_pages_all_get_the_update() {
    let p = project();
    let s = Server::start(&p, &[]);
    // Fifty pages connecting in the same instant (each connection has its own thread).
    let streams: Vec<_> = (0..50).map(|_| s.events()).collect();
    for rx in &streams {
        hello(rx);
    }
    std::fs::write(p.path("slides/talk.md"), SLIDES.replace("third", "new")).unwrap();
    for (i, rx) in streams.iter().enumerate() {
        let got = deck_events(rx, WAIT, Duration::from_millis(100));
        assert_eq!(got.len(), 1, "page {i}");
    }
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let p = project();
    let mut s = Server::start(&p, &[]);
    assert_eq!(s.get("/talk.html").0, 200);
    // SAFETY: sending SIGINT to our own child process.
    unsafe { libc::kill(s.child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "still running after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    // Nothing half-written left behind.
    let leftovers: Vec<_> = walk(&p.path(""))
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(".deck-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_port_in_use_is_an_error_that_says_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let p = project();
    let out = p.deck(&["serve", "--port", &port]).fails();
    let err = out.stderr();
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("--port"), "{err}");
}

#[test]
fn an_edited_slide_changes_in_the_open_page_without_a_reload() {
    let Some(browser) =
        browser_or_skip("an_edited_slide_changes_in_the_open_page_without_a_reload")
    else {
        return;
    };
    let p = project();
    let s = Server::start(&p, &[]);
    let page = browser.open("about:blank");
    page.navigate(&format!("http://127.0.0.1:{}/talk.html#3", s.port));
    page.wait_viewer();
    // Wait until the live client has its first copy of the page.
    let ready = "document.readyState === 'complete' && !!window.__deckLive";
    assert_eq!(page.eval_until(ready, &json!(true), WAIT), json!(true));
    std::thread::sleep(Duration::from_millis(300));
    page.eval("window.__sameDocument = true");
    assert_eq!(page.state(), (3, 0));
    std::fs::write(
        p.path("slides/talk.md"),
        SLIDES.replace("The third slide.", "Changed on disk."),
    )
    .unwrap();
    let text = "document.querySelector('#slide-3').textContent.includes('Changed on disk.')";
    assert_eq!(page.eval_until(text, &json!(true), WAIT), json!(true));
    assert_eq!(
        page.eval("window.__sameDocument === true"),
        json!(true),
        "no reload"
    );
    assert_eq!(page.state(), (3, 0), "still on slide 3");
    assert_eq!(
        page.eval("document.querySelector('#slide-3').getAttribute('aria-current')"),
        json!("true")
    );
    // An error shows over the slides and goes away when fixed.
    std::fs::write(p.path("slides/talk.md"), "# x {{ nosuch }}\n").unwrap();
    let overlay = "!!document.querySelector('.deck-live-errors')";
    assert_eq!(page.eval_until(overlay, &json!(true), WAIT), json!(true));
    let shown = page.eval("document.querySelector('.deck-live-errors').textContent");
    assert!(
        shown
            .as_str()
            .unwrap()
            .contains("undefined variable `nosuch`"),
        "{shown}"
    );
    std::fs::write(p.path("slides/talk.md"), SLIDES).unwrap();
    assert_eq!(page.eval_until(overlay, &json!(false), WAIT), json!(false));
    assert_eq!(page.eval_until(text, &json!(false), WAIT), json!(false));
    assert_eq!(page.eval("window.__sameDocument === true"), json!(true));
}

#[test]
fn a_page_that_stops_reading_never_stalls_the_others() {
    let p = project();
    let s = Server::start(&p, &[]);
    // A raw event stream that is never read: the server's writes to it fill its socket.
    let mut stuck = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    write!(
        stuck,
        "GET /_deck/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let rx = s.events();
    hello(&rx);
    // 20 edits, each with a large error overlay (a chart with a long broken query), then a fix:
    // every one reaches the page that reads, promptly.
    let long = "x".repeat(200_000);
    for i in 0..20 {
        let broken = format!(
            "{SLIDES}\n\n---\n\n```chart\ntype: bar\nsql: SELECT {long}{i} FROM runs\nx: a\ny: b\n```\n"
        );
        std::fs::write(p.path("slides/talk.md"), broken).unwrap();
        let started = Instant::now();
        let got = deck_events(&rx, WAIT, Duration::from_millis(50));
        assert!(!got.is_empty(), "edit {i}: no update");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "edit {i}: {:?}",
            started.elapsed()
        );
    }
    std::fs::write(p.path("slides/talk.md"), SLIDES.replace("third", "fixed")).unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert!(!got.is_empty());
    drop(stuck);
}

#[test]
fn a_request_for_another_host_name_is_refused() {
    let p = project();
    let s = Server::start(&p, &[]);
    let get = |host: &str| {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        write!(
            c,
            "GET /talk.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        c.read_to_string(&mut raw).unwrap();
        raw
    };
    // A page on another site whose name now points at this machine (DNS rebinding).
    let refused = get(&format!("evil.example:{}", s.port));
    assert!(refused.starts_with("HTTP/1.1 421"), "{refused}");
    assert!(!refused.contains("<section"), "{refused}");
    for ok in [
        format!("localhost:{}", s.port),
        format!("127.0.0.1:{}", s.port),
    ] {
        let page = get(&ok);
        assert!(page.starts_with("HTTP/1.1 200"), "{ok}: {page}");
    }
    // No CORS header lets another origin read the answers.
    assert!(
        !get("localhost")
            .to_ascii_lowercase()
            .contains("access-control-allow")
    );
}

#[test]
fn a_data_file_rewritten_in_place_never_kills_the_server() {
    let p = project();
    let s = Server::start(&p, &[]);
    let rx = s.events();
    hello(&rx);
    // A large data file rewritten in place (truncated, then written in pieces), again and again:
    // every rebuild reads it while it changes size.
    let rows: String = (0..300_000)
        .map(|i| format!("v{},{}.5\n", i % 7, i))
        .collect();
    let csv = format!("variant,wall_s\n{rows}");
    let path = p.path("data/runs.csv");
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(6) {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&path).unwrap();
        for chunk in csv.as_bytes().chunks(256 * 1024) {
            f.write_all(chunk).unwrap();
        }
    }
    std::fs::write(&path, RUNS).unwrap();
    // The server lives and, once the rebuilds have settled, shows the last version of the data.
    let got = deck_events(&rx, WAIT, QUIET);
    assert!(!got.is_empty());
    let t0 = Instant::now();
    loop {
        let (status, _, body) = s.get("/talk.html");
        assert_eq!(status, 200);
        if body.contains("official") {
            break;
        }
        assert!(t0.elapsed() < WAIT, "the table shows the data written last");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_data_or_theme_change_rebuilds_only_the_decks_that_read_it() {
    let p = project()
        .file(
            "themes/mine.css",
            "/* @theme mine */\nsection { background: #fff; }\n",
        )
        .file(
            "slides/plain.md",
            "---\ntheme: mine\n---\n\n# Plain\n\nNo data here.\n",
        )
        .file(
            "slides/other.md",
            "# Other\n\nThe default theme, no data.\n",
        );
    let s = Server::start(&p, &[]);
    let rx = s.events();
    hello(&rx);
    // The first build's lines (read from the server's stderr on a thread of their own).
    let t0 = Instant::now();
    let mut first = Vec::new();
    while first.len() < 3 && t0.elapsed() < WAIT {
        first.extend(s.take_built());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(first.len(), 3, "{first:?}");
    let names = |got: &[Value]| -> Vec<String> {
        let mut n: Vec<String> = got
            .iter()
            .map(|e| e["deck"].as_str().unwrap().into())
            .collect();
        n.sort();
        n
    };
    // The data the table of talk.md reads: that deck only.
    std::fs::write(p.path("data/runs.csv"), RUNS.replace("2.5", "7.25")).unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert_eq!(names(&got), ["talk.html"]);
    let built = s.take_built();
    assert!(
        built.len() == 1 && built[0].ends_with("talk.md"),
        "{built:?}"
    );
    // The theme plain.md is drawn with: that deck only.
    std::fs::write(
        p.path("themes/mine.css"),
        "/* @theme mine */\nsection { background: #abcdef; }\n",
    )
    .unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert_eq!(names(&got), ["plain.html"]);
    let built = s.take_built();
    assert!(
        built.len() == 1 && built[0].ends_with("plain.md"),
        "{built:?}"
    );
    // A theme no deck uses, and a data file no dataset reads: nothing is built.
    std::fs::write(
        p.path("themes/unused.css"),
        "/* @theme unused */\nsection { color: red; }\n",
    )
    .unwrap();
    std::fs::write(p.path("data/notes.txt"), "not a dataset\n").unwrap();
    // (The watcher did see them.)
    assert!(s.wait_log("unused.css") && s.wait_log("notes.txt"));
    assert_eq!(
        deck_events(&rx, Duration::from_secs(1), QUIET),
        Vec::<Value>::new()
    );
    assert_eq!(s.take_built(), Vec::<String>::new());
    // The deck that falls back from an unknown theme is built when that theme appears.
    std::fs::write(
        p.path("slides/other.md"),
        "---\ntheme: later\n---\n\n# Other\n",
    )
    .unwrap();
    deck_events(&rx, WAIT, QUIET);
    s.take_built();
    std::fs::write(
        p.path("themes/later.css"),
        "/* @theme later */\nsection { background: #123456; }\n",
    )
    .unwrap();
    let got = deck_events(&rx, WAIT, QUIET);
    assert_eq!(names(&got), ["other.html"]);
    assert!(s.get("/other.html").2.contains("#123456"));
}

#[test]
fn the_index_is_the_site_index_deck_build_writes() {
    // Decks in subfolders, whose order by source path is not their order by page name.
    let p = project()
        .file(
            "deck.toml",
            format!("decks = [\"slides/**/*.md\"]\n{DECK_TOML}"),
        )
        .file(
            "slides/second.md",
            "---\ntitle: The second deck\nauthor: A. Speaker\n---\n\n# Second\n",
        )
        .file("slides/a/zeta.md", "# Zeta\n")
        .file("slides/b/alpha.md", "# Alpha\n");
    p.deck(&["build"]).ok();
    let built = std::fs::read_to_string(p.path("dist/index.html")).unwrap();
    let s = Server::start(&p, &[]);
    let (status, _, served) = s.get("/");
    assert_eq!(status, 200);
    assert!(served.contains("The second deck") && served.contains("data/runs.csv"));
    assert!(
        served.find("zeta.html") < served.find("alpha.html"),
        "{served}"
    );
    assert_eq!(served, built);
}

/// Send a request in pieces while its answer is read on this thread; the answer's status.
fn flood(port: u16, parts: Box<dyn Iterator<Item = Vec<u8>> + Send>) -> u16 {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut w = stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        for part in parts {
            if w.write_all(&part).is_err() {
                return;
            }
        }
    });
    let mut r = stream;
    r.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while !got.windows(2).any(|w| w == b"\r\n") {
        match r.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    drop(r);
    let _ = writer.join();
    let text = String::from_utf8_lossy(&got);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn oversized_requests_are_refused_without_reading_them() {
    let p = project();
    let s = Server::start(&p, &[]);
    let once = |bytes: Vec<u8>| -> Box<dyn Iterator<Item = Vec<u8>> + Send> {
        Box::new(std::iter::once(bytes))
    };
    let long_line = format!(
        "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "a".repeat(20_000)
    );
    assert_eq!(flood(s.port, once(long_line.into_bytes())), 414);
    let mut big = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 16 << 20));
    big.extend_from_slice(b"\r\n\r\n");
    assert_eq!(flood(s.port, once(big)), 431, "a 16 MB header");
    let many = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
        "X-Line: b\r\n".repeat(100_000)
    );
    assert_eq!(
        flood(s.port, once(many.into_bytes())),
        431,
        "100,000 header lines"
    );
    // Four 200 MB headers that never end, at once: the server reads a few KiB of each.
    let before = rss_kib(s.child.id());
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(before));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), s.child.id());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let floods: Vec<_> = (0..4)
        .map(|_| {
            let port = s.port;
            std::thread::spawn(move || {
                let head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Endless: ".to_vec();
                let body = (0..200).map(|_| vec![b'a'; 1 << 20]);
                flood(port, Box::new(std::iter::once(head).chain(body)))
            })
        })
        .collect();
    for f in floods {
        assert_eq!(f.join().unwrap(), 431);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.join().unwrap();
    let grew = peak
        .load(std::sync::atomic::Ordering::SeqCst)
        .saturating_sub(before);
    eprintln!("four 200 MB headers: the server's RSS went from {before} KiB up by {grew} KiB");
    assert!(grew < 32 * 1024, "the server grew by {grew} KiB");
    // And it still answers.
    assert_eq!(s.get("/talk.html").0, 200);
}

/// `deck serve DIR` (and `deck build -s DIR`) on a folder of Marp decks serves every deck under
/// it at its path, with the folder's themes, as `marp -s DIR` does; edits reload as in a project.
#[test]
fn a_folder_of_marp_decks_is_served_deck_by_deck() {
    let p = Project::new()
        .file("decks/intro.md", "---\ntheme: inner\n---\n# Intro\n")
        .file("decks/day1/numpy.md", "# NumPy\n")
        .file(
            "decks/themes/inner.css",
            "/* @theme inner */\nh1 { color: rgb(5, 6, 7); }\n",
        );
    for args in [
        &["serve", "--port", "0", "decks"][..],
        &["serve", "--port", "0", "-I", "decks"][..],
        // marp-cli's server mode: the folder given is served (PORT from the environment).
        &["build", "-s", "decks"][..],
    ] {
        let s = Server::run(&p, args);
        let (status, _, body) = s.get("/day1/numpy.html");
        assert_eq!(status, 200, "{args:?}");
        assert!(body.contains("NumPy"));
        let (_, _, intro) = s.get("/intro.html");
        assert!(intro.contains("rgb(5, 6, 7)"), "the folder's themes");
        let (_, _, index) = s.get("/");
        assert!(index.contains("day1/numpy.html"), "{index}");
        let rx = s.events();
        hello(&rx);
        std::fs::write(p.path("decks/day1/numpy.md"), "# Pandas\n").unwrap();
        let got = deck_events(&rx, WAIT, QUIET);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["deck"], json!("day1/numpy.html"));
        assert!(s.get("/day1/numpy.html").2.contains("Pandas"));
        std::fs::write(p.path("decks/day1/numpy.md"), "# NumPy\n").unwrap();
    }
}

/// marp-cli's `-w`: build, then build again on every change, and not on its own output.
#[test]
fn watch_mode_builds_again_on_every_change_and_only_then() {
    let p = Project::new()
        .file("talk.md", "# First\n")
        .file("theme.css", "/* @theme t */\nh1 { color: rgb(1, 1, 1); }\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(["talk.md", "--theme-set", "theme.css", "--theme", "t", "-w"])
        .current_dir(p.path(""))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = BufReader::new(child.stderr.take().unwrap());
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let builds = || log.lock().unwrap().matches("wrote talk.html").count();
    let until = |n: usize| {
        let t0 = Instant::now();
        while builds() < n && t0.elapsed() < WAIT {
            std::thread::sleep(Duration::from_millis(20));
        }
        builds()
    };
    assert_eq!(until(1), 1);
    assert!(log.lock().unwrap().contains("watching for changes"));
    std::fs::write(p.path("talk.md"), "# Second\n").unwrap();
    assert_eq!(until(2), 2);
    assert!(p.read("talk.html").contains("Second"));
    std::fs::write(
        p.path("theme.css"),
        "/* @theme t */\nh1 { color: rgb(2, 2, 2); }\n",
    )
    .unwrap();
    assert_eq!(until(3), 3);
    assert!(p.read("talk.html").contains("rgb(2, 2, 2)"));
    // Writing talk.html is no reason to build again.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(builds(), 3, "{}", log.lock().unwrap());
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}: {}", log.lock().unwrap());
}

/// `-w` in a deck.toml project: writing dist/ (pages, index, provenance, data copies) is no
/// reason to build again.
#[test]
fn watch_mode_in_a_project_does_not_chase_its_own_output() {
    let p = project();
    let mut child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(["build", "-w"])
        .current_dir(p.path(""))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = BufReader::new(child.stderr.take().unwrap());
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let builds = || log.lock().unwrap().matches("built: ").count();
    let t0 = Instant::now();
    while builds() < 1 && t0.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(builds(), 1, "{}", log.lock().unwrap());
    assert!(p.path("dist/index.html").is_file() && p.path("dist/provenance.json").is_file());
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(
        builds(),
        1,
        "no build on its own output: {}",
        log.lock().unwrap()
    );
    std::fs::write(
        p.path("slides/talk.md"),
        SLIDES.replace("The third slide.", "Edited."),
    )
    .unwrap();
    let t0 = Instant::now();
    while builds() < 2 && t0.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(builds(), 2, "{}", log.lock().unwrap());
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(builds(), 2, "{}", log.lock().unwrap());
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
}
