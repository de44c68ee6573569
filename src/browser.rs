//! A Chromium found on this machine, driven over the DevTools protocol: `deck export` prints and
//! screenshots decks with it, and the browser tests use it too.
//!
//! Chromium runs headless with `--remote-debugging-pipe`: commands go to its fd 3 and replies and
//! events come from its fd 4, each a JSON message ended by a NUL byte. No websocket library and no
//! port are needed, and nothing is downloaded: deck uses the browser that is installed.

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

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "no Chromium or Chrome found (looked at {looked})\n  help: install one (Debian/Ubuntu: `apt-get install chromium`; macOS: Google Chrome), or set CHROME_PATH to its binary; deck never downloads a browser"
    )]
    NotFound { looked: String },
    #[error("cannot start {bin}: {source}")]
    Start {
        bin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{method} failed: {message}")]
    Command { method: String, message: String },
    #[error("{method}: no answer from the browser in {seconds} s")]
    Timeout { method: String, seconds: u64 },
    #[error("the browser went away")]
    Gone,
    #[error("the page threw: {0}")]
    Script(String),
}

/// Names tried on the PATH, in order.
const NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// Where browsers live when they are not on the PATH.
const PLACES: &[&str] = &[
    "/usr/bin/chromium",
    "/usr/lib/chromium/chromium",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

/// The browser to drive: `CHROME_PATH`, else a Chromium or Chrome on the PATH or in a usual place.
pub fn find() -> Result<PathBuf, BrowserError> {
    find_in(
        std::env::var_os("CHROME_PATH"),
        &std::env::var_os("PATH").unwrap_or_default(),
        PLACES,
    )
}

fn find_in(
    chrome_path: Option<std::ffi::OsString>,
    path: &std::ffi::OsStr,
    places: &[&str],
) -> Result<PathBuf, BrowserError> {
    if let Some(p) = chrome_path.filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(BrowserError::NotFound {
                looked: format!("CHROME_PATH={}, which is not a file", p.display()),
            })
        };
    }
    let on_path = NAMES.iter().find_map(|name| {
        std::env::split_paths(path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    on_path
        .or_else(|| places.iter().map(PathBuf::from).find(|p| p.is_file()))
        .ok_or_else(|| BrowserError::NotFound {
            looked: format!(
                "CHROME_PATH, then {} on the PATH and {}",
                NAMES.join(", "),
                places.join(", ")
            ),
        })
}

/// A headless Chromium, ended when dropped.
pub struct Browser {
    child: Child,
    to_chrome: std::io::PipeWriter,
    from_chrome: Receiver<Value>,
    events: RefCell<VecDeque<Value>>,
    next_id: Cell<u64>,
    timeout: Duration,
    _profile: tempfile::TempDir,
    /// Tabs that may load no `file:` URL but their own page: session -> (page, blocked URLs).
    guards: RefCell<std::collections::HashMap<String, (String, Vec<String>)>>,
    /// Commands sent without waiting (answers to paused requests): their replies are dropped.
    unanswered: RefCell<std::collections::HashSet<u64>>,
}

/// How deck starts Chromium, whatever it does with it: headless, no sandbox (containers, CI),
/// no GPU, and no traffic of its own (updates, sync, first-run pages).
pub const HEADLESS_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
];

impl Browser {
    /// Start `bin` headless with a fresh profile and no network of its own.
    pub fn launch(bin: &Path) -> Result<Browser, BrowserError> {
        let start = |source| BrowserError::Start {
            bin: bin.display().to_string(),
            source,
        };
        let profile = tempfile::tempdir().map_err(start)?;
        let (chrome_reads, to_chrome) = std::io::pipe().map_err(start)?;
        let (from_chrome, chrome_writes) = std::io::pipe().map_err(start)?;
        let (r, w) = (chrome_reads.as_raw_fd(), chrome_writes.as_raw_fd());
        let mut cmd = Command::new(bin);
        cmd.args(HEADLESS_ARGS)
            .args([
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
        let child = cmd.spawn().map_err(start)?;
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
            timeout: Duration::from_secs(30),
            _profile: profile,
            guards: RefCell::default(),
            unanswered: RefCell::default(),
        };
        b.call(
            None,
            "Target.setDiscoverTargets",
            json!({ "discover": true }),
        )?;
        Ok(b)
    }

    /// How long each step may take (`None`: no limit), as marp-cli's `--browser-timeout`.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout.unwrap_or(Duration::from_secs(60 * 60 * 24));
    }

    fn send(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<u64, BrowserError> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).map_err(|_| BrowserError::Gone)?;
        bytes.push(0);
        (&self.to_chrome)
            .write_all(&bytes)
            .map_err(|_| BrowserError::Gone)?;
        Ok(id)
    }

    /// Messages deck answers itself: a paused request of a guarded tab (let through or
    /// refused at once), and the replies to those answers. Returns whether `v` was one.
    fn intercept(&self, v: &Value) -> bool {
        if let Some(id) = v["id"].as_u64() {
            return self.unanswered.borrow_mut().remove(&id);
        }
        if v["method"] != "Fetch.requestPaused" {
            return false;
        }
        let session = v["sessionId"].as_str().unwrap_or_default();
        let url = v["params"]["request"]["url"].as_str().unwrap_or_default();
        let request = v["params"]["requestId"].clone();
        let allowed = {
            let guards = self.guards.borrow();
            guards
                .get(session)
                .is_none_or(|(page, _)| same_file_url(url, page))
        };
        let answer = if allowed {
            self.send(
                Some(session),
                "Fetch.continueRequest",
                json!({ "requestId": request }),
            )
        } else {
            if let Some((_, blocked)) = self.guards.borrow_mut().get_mut(session) {
                blocked.push(url.to_string());
            }
            self.send(
                Some(session),
                "Fetch.failRequest",
                json!({ "requestId": request, "errorReason": "BlockedByClient" }),
            )
        };
        if let Ok(id) = answer {
            self.unanswered.borrow_mut().insert(id);
        }
        true
    }

    /// Send a command and wait for its reply; events that arrive meanwhile are kept.
    pub fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, BrowserError> {
        let id = self.send(session, method, params)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_chrome.recv_timeout(left) {
                Ok(v) if v["id"] == json!(id) => {
                    if let Some(err) = v.get("error") {
                        return Err(BrowserError::Command {
                            method: method.to_string(),
                            message: err["message"].as_str().unwrap_or("").to_string(),
                        });
                    }
                    return Ok(v["result"].clone());
                }
                Ok(v) if self.intercept(&v) => {}
                Ok(v) => self.events.borrow_mut().push_back(v),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(BrowserError::Timeout {
                        method: method.to_string(),
                        seconds: self.timeout.as_secs(),
                    });
                }
                Err(RecvTimeoutError::Disconnected) => return Err(BrowserError::Gone),
            }
        }
    }

    /// Take every event received so far.
    pub fn drain_events(&self) -> Vec<Value> {
        while let Ok(v) = self.from_chrome.try_recv() {
            if !self.intercept(&v) {
                self.events.borrow_mut().push_back(v);
            }
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
                Ok(v) if self.intercept(&v) => {}
                Ok(v) if pred(&v) => return Some(v),
                Ok(v) => self.events.borrow_mut().push_back(v),
                Err(_) => return None,
            }
        }
    }

    /// Open the page `url` (a `file:` URL) in a new tab that may load no other `file:` URL:
    /// what a deck names outside itself (an iframe, a stylesheet, an image) is refused, as
    /// marp-cli refuses it without `--allow-local-files`.
    pub fn open_guarded(&self, url: &str) -> Result<Tab<'_>, BrowserError> {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let tab = self.attach(&target_id)?;
        self.guards
            .borrow_mut()
            .insert(tab.session.clone(), (url.to_string(), Vec::new()));
        tab.call(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "file:*", "requestStage": "Request" }] }),
        )?;
        tab.navigate(url)?;
        Ok(tab)
    }

    /// The `file:` URLs a guarded tab was refused.
    pub fn blocked(&self, tab: &Tab<'_>) -> Vec<String> {
        self.guards
            .borrow()
            .get(&tab.session)
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    }

    /// Open `url` in a new tab and wait for it to load.
    pub fn open(&self, url: &str) -> Result<Tab<'_>, BrowserError> {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let tab = self.attach(&target_id)?;
        tab.navigate(url)?;
        Ok(tab)
    }

    /// Attach to an existing target (such as a window a page opened).
    pub fn attach(&self, target_id: &str) -> Result<Tab<'_>, BrowserError> {
        let r = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        )?;
        let session = r["sessionId"].as_str().unwrap_or_default().to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            self.call(Some(&session), domain, json!({}))?;
        }
        Ok(Tab {
            browser: self,
            session,
            target_id: target_id.to_string(),
        })
    }
}

/// Whether two `file:` URLs name the same file (fragments and percent-encoding aside).
fn same_file_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        let u = u.split('#').next().unwrap_or(u);
        let mut out = Vec::new();
        let bytes = u.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && let Some(h) = u
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(h);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        out
    };
    norm(a) == norm(b)
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One page of the browser.
pub struct Tab<'b> {
    pub browser: &'b Browser,
    pub session: String,
    pub target_id: String,
}

impl Tab<'_> {
    pub fn call(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.browser.call(Some(&self.session), method, params)
    }

    /// Navigate and wait until that document has loaded (not an earlier one's late event).
    pub fn navigate(&self, url: &str) -> Result<(), BrowserError> {
        self.call("Page.navigate", json!({ "url": url }))?;
        let base = url.split('#').next().unwrap_or(url);
        let check = format!(
            "document.readyState === 'complete' && location.href.split('#')[0] === {}",
            json!(base)
        );
        self.eval_until(&check, &json!(true), Duration::from_secs(20))
            .map(|_| ())
    }

    /// Evaluate JavaScript (awaiting promises) and return its value.
    pub fn eval(&self, js: &str) -> Result<Value, BrowserError> {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": js, "returnByValue": true, "awaitPromise": true }),
        )?;
        match r.get("exceptionDetails") {
            Some(ex) => Err(BrowserError::Script(
                ex["exception"]["description"]
                    .as_str()
                    .or(ex["text"].as_str())
                    .unwrap_or("an exception")
                    .to_string(),
            )),
            None => Ok(r["result"]["value"].clone()),
        }
    }

    /// Evaluate until the value equals `want` (for changes that arrive asynchronously); the last
    /// value seen when the time is up, as an error.
    pub fn eval_until(
        &self,
        js: &str,
        want: &Value,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            // While a document is being replaced, evaluation may fail: try again.
            let got = self.eval(js).unwrap_or(Value::Null);
            if &got == want {
                return Ok(got);
            }
            if Instant::now() >= deadline {
                return Err(BrowserError::Timeout {
                    method: format!("waiting for `{js}` (last: {got})"),
                    seconds: timeout.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_browser_says_what_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let err = find_in(None, empty.path().as_os_str(), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no Chromium or Chrome found"), "{err}");
        assert!(err.contains("apt-get install chromium"), "{err}");
        assert!(err.contains("never downloads"), "{err}");
        let err = find_in(
            Some("/nowhere/chrome".into()),
            empty.path().as_os_str(),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("CHROME_PATH=/nowhere/chrome, which is not a file"),
            "{err}"
        );
        // One on the PATH is found by name.
        let bin = empty.path().join("chromium");
        std::fs::write(&bin, "").unwrap();
        assert_eq!(find_in(None, empty.path().as_os_str(), &[]).unwrap(), bin);
    }
}
