//! The browser tests' side of `deck::browser`: the library's DevTools-protocol client (Chromium
//! headless over `--remote-debugging-pipe`), with panics instead of errors and the helpers tests
//! need to act as a user (keys, clicks, the viewer's state).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Chromium to drive: `CHROME_PATH`, else one found as `deck export` finds it.
pub fn chromium() -> Option<PathBuf> {
    deck::browser::find().ok()
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

/// Page count and the first page's MediaBox (points, as `0 0 960 540`) of a PDF, read with a
/// PDF parser (lopdf).
pub fn pdf_pages(pdf: &[u8]) -> (usize, String) {
    let Ok(doc) = lopdf::Document::load_mem(pdf) else {
        return (0, String::new());
    };
    let pages = doc.get_pages();
    let media = pages
        .values()
        .next()
        .and_then(|id| doc.get_dictionary(*id).ok())
        .and_then(|d| d.get(b"MediaBox").ok())
        .and_then(|m| m.as_array().ok())
        .map(|a| {
            a.iter()
                .map(|n| match n {
                    lopdf::Object::Integer(i) => i.to_string(),
                    lopdf::Object::Real(r) => format!("{r}"),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        });
    (pages.len(), media.unwrap_or_default())
}

pub struct Browser(pub deck::browser::Browser);

impl Browser {
    pub fn launch(bin: &Path) -> Browser {
        Browser(deck::browser::Browser::launch(bin).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Send a command and wait for its reply; events that arrive meanwhile are kept.
    pub fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.0
            .call(session, method, params)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Take every event received so far.
    pub fn drain_events(&self) -> Vec<Value> {
        self.0.drain_events()
    }

    /// Wait for the first event matching `pred` (events before it are kept for `drain_events`).
    pub fn wait_event(&self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        self.0.wait_event(timeout, pred)
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
        let tab = self.0.attach(target_id).unwrap_or_else(|e| panic!("{e}"));
        Page {
            browser: self,
            session: tab.session,
            target_id: tab.target_id,
        }
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

    /// Close this tab.
    pub fn close(&self) {
        self.browser.call(
            None,
            "Target.closeTarget",
            json!({ "targetId": self.target_id }),
        );
    }

    pub fn hash(&self) -> String {
        self.eval("location.hash")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}
