//! A small Chrome DevTools Protocol client for the viewer tests: Chromium is started headless with
//! `--remote-debugging-pipe` (commands on fd 3, replies and events on fd 4, each message JSON ended
//! by a NUL byte), so no websocket library or port is needed.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Chromium to drive: `CHROME_PATH`, else Debian's.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROME_PATH") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// Chromium's path, or `None` after saying why the test is skipped. With `DECK_REQUIRE_BROWSER=1`
/// (set by `.ci/run`) a missing browser fails the test instead.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if std::env::var_os("DECK_REQUIRE_BROWSER").is_some_and(|v| v == "1") {
            panic!(
                "{test}: DECK_REQUIRE_BROWSER=1 but no Chromium found (install Debian's `chromium` or set CHROME_PATH)"
            );
        }
        eprintln!(
            "SKIPPED {test}: no Chromium found (install Debian's `chromium` or set CHROME_PATH)"
        );
    }
    found
}

/// The browser, started, or `None` after saying why the test is skipped.
pub fn browser_or_skip(test: &str) -> Option<Browser> {
    chromium_or_skip(test).map(|bin| Browser::launch(&bin))
}

/// Page count and the first page's MediaBox (points) of a PDF Chromium printed.
pub fn pdf_pages(pdf: &[u8]) -> (usize, String) {
    let text = String::from_utf8_lossy(pdf);
    let pages = text
        .match_indices("/Type /Page")
        .filter(|(i, _)| !text[i + 11..].starts_with('s'))
        .count();
    let media = text.find("/MediaBox [").map(|i| {
        let rest = &text[i + 11..];
        rest[..rest.find(']').unwrap_or(0)].trim().to_string()
    });
    (pages, media.unwrap_or_default())
}

pub struct Browser {
    child: Child,
    to_chrome: std::io::PipeWriter,
    from_chrome: Receiver<Value>,
    events: RefCell<VecDeque<Value>>,
    next_id: Cell<u64>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn launch(bin: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (chrome_reads, to_chrome) = std::io::pipe().unwrap();
        let (from_chrome, chrome_writes) = std::io::pipe().unwrap();
        let (r, w) = (chrome_reads.as_raw_fd(), chrome_writes.as_raw_fd());
        let mut cmd = Command::new(bin);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--no-first-run",
            "--disable-popup-blocking",
            "--remote-debugging-pipe",
            "--window-size=1280,720",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Move both ends above fd 4 first, so placing one cannot clobber the other.
                let hi_r = libc::fcntl(r, libc::F_DUPFD, 10);
                let hi_w = libc::fcntl(w, libc::F_DUPFD, 10);
                if hi_r < 0 || hi_w < 0 || libc::dup2(hi_r, 3) < 0 || libc::dup2(hi_w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start chromium");
        drop(chrome_reads);
        drop(chrome_writes);
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_chrome);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                buf.pop();
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    break;
                }
                buf.clear();
            }
        });
        let b = Browser {
            child,
            to_chrome,
            from_chrome: rx,
            events: RefCell::new(VecDeque::new()),
            next_id: Cell::new(1),
            _profile: profile,
        };
        b.call(
            None,
            "Target.setDiscoverTargets",
            json!({ "discover": true }),
        );
        b
    }

    /// Send a command and wait for its reply; events that arrive meanwhile are kept.
    pub fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        (&self.to_chrome)
            .write_all(&bytes)
            .expect("write to chromium");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_chrome.recv_timeout(left) {
                Ok(v) if v["id"] == json!(id) => {
                    if let Some(err) = v.get("error") {
                        panic!("{method} failed: {err}");
                    }
                    return v["result"].clone();
                }
                Ok(v) => self.events.borrow_mut().push_back(v),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("{method}: no reply from chromium in 30 s")
                }
                Err(RecvTimeoutError::Disconnected) => panic!("{method}: chromium went away"),
            }
        }
    }

    /// Take every event received so far.
    pub fn drain_events(&self) -> Vec<Value> {
        while let Ok(v) = self.from_chrome.try_recv() {
            self.events.borrow_mut().push_back(v);
        }
        self.events.borrow_mut().drain(..).collect()
    }

    /// Wait for the first event matching `pred` (events before it are kept for `drain_events`).
    pub fn wait_event(&self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        {
            let mut evs = self.events.borrow_mut();
            if let Some(i) = evs.iter().position(&pred) {
                return evs.remove(i);
            }
        }
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.from_chrome.recv_timeout(left) {
                Ok(v) if pred(&v) => return Some(v),
                Ok(v) => self.events.borrow_mut().push_back(v),
                Err(_) => return None,
            }
        }
    }

    /// Open `url` in a new tab and wait for it to load.
    pub fn open(&self, url: &str) -> Page<'_> {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let page = self.attach(&target_id);
        page.navigate(url);
        page
    }

    /// Attach to an existing target (such as a window the page opened).
    pub fn attach(&self, target_id: &str) -> Page<'_> {
        let r = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        let session = r["sessionId"].as_str().unwrap().to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            self.call(Some(&session), domain, json!({}));
        }
        Page {
            browser: self,
            session,
            target_id: target_id.to_string(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Page<'b> {
    pub browser: &'b Browser,
    pub session: String,
    pub target_id: String,
}

impl Page<'_> {
    pub fn call(&self, method: &str, params: Value) -> Value {
        self.browser.call(Some(&self.session), method, params)
    }

    /// Navigate and wait until that document has loaded (not an earlier one's late event).
    pub fn navigate(&self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        let base = url.split('#').next().unwrap_or(url);
        let check = format!(
            "document.readyState === 'complete' && location.href.split('#')[0] === {}",
            json!(base)
        );
        let loaded = self.eval_until(&check, &json!(true), Duration::from_secs(20));
        assert_eq!(loaded, json!(true), "{url} did not load");
    }

    /// Wait until the viewer script has run in this page.
    pub fn wait_viewer(&self) {
        let ready = "document.readyState === 'complete' && typeof window.deck === 'object'";
        assert_eq!(
            self.eval_until(ready, &json!(true), Duration::from_secs(20)),
            json!(true),
            "viewer not ready"
        );
    }

    /// Evaluate JavaScript (awaiting promises) and return its value.
    pub fn eval(&self, js: &str) -> Value {
        self.try_eval(js)
            .unwrap_or_else(|ex| panic!("`{js}` threw: {ex}"))
    }

    fn try_eval(&self, js: &str) -> Result<Value, Value> {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": js, "returnByValue": true, "awaitPromise": true }),
        );
        match r.get("exceptionDetails") {
            Some(ex) => Err(ex.clone()),
            None => Ok(r["result"]["value"].clone()),
        }
    }

    /// Evaluate until the value equals `want` (for changes that arrive asynchronously).
    pub fn eval_until(&self, js: &str, want: &Value, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            // While a document is being replaced, evaluation may fail: try again.
            let v = self.try_eval(js).unwrap_or(Value::Null);
            if &v == want || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Press a key as a user would (trusted keyDown and keyUp events).
    pub fn key(&self, key: &str) {
        let (code, vk, text) = match key {
            "ArrowRight" => ("ArrowRight", 39, ""),
            "ArrowLeft" => ("ArrowLeft", 37, ""),
            "ArrowDown" => ("ArrowDown", 40, ""),
            "ArrowUp" => ("ArrowUp", 38, ""),
            "PageDown" => ("PageDown", 34, ""),
            "PageUp" => ("PageUp", 33, ""),
            "Home" => ("Home", 36, ""),
            "End" => ("End", 35, ""),
            "Enter" => ("Enter", 13, "\r"),
            "Escape" => ("Escape", 27, ""),
            " " => ("Space", 32, " "),
            "?" => ("Slash", 191, "?"),
            "." => ("Period", 190, "."),
            k if k.len() == 1 && k.chars().all(|c| c.is_ascii_digit()) => {
                ("", 48 + k.parse::<u32>().unwrap(), k)
            }
            k if k.len() == 1 => ("", k.to_ascii_uppercase().chars().next().unwrap() as u32, k),
            other => panic!("no key mapping for {other:?}"),
        };
        let code = if code.is_empty() {
            match key.chars().next().unwrap() {
                c if c.is_ascii_digit() => format!("Digit{c}"),
                c => format!("Key{}", c.to_ascii_uppercase()),
            }
        } else {
            code.to_string()
        };
        let mut down =
            json!({ "type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk });
        if !text.is_empty() {
            down["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk }),
        );
    }

    pub fn click(&self, x: f64, y: f64) {
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    /// The viewer's state: (slide, step), 1-based slide.
    pub fn state(&self) -> (u64, u64) {
        let s = self.eval("window.deck.state()");
        (s["slide"].as_u64().unwrap(), s["step"].as_u64().unwrap())
    }

    pub fn hash(&self) -> String {
        self.eval("location.hash")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}
