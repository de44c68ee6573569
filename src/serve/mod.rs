//! `deck serve`: the decks rendered in memory, served over HTTP, rebuilt as their files change.
//!
//! Three parts along the data flow: the watcher ([`watch`]) reports batches of changed paths; the
//! [`Builder`] decides what they touch (one deck, the decks reading a data file, every deck for a
//! theme, a template or deck.toml), renders it with a [`Session`] kept open (datasets stay loaded,
//! figures come from the cache) and, when a deck's page or errors changed, gives it a new version
//! and tells every open page ([`events`]). The pages fetch the new version and patch the changed
//! slides in place (`templates/live.js`). Requests are answered from memory ([`http`]): nothing is
//! rendered per request and nothing is written but the figure cache.

pub mod events;
pub mod http;
pub mod server;
pub mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::RecursiveMode;

use crate::diagnostics::Diagnostics;
use crate::pipeline::{self, BuildOptions, Session};
use crate::project::tidy;
use crate::render::IndexEntry;
use crate::results::FigureRecord;
use events::{Event, Hub};
use http::Route;
use server::{Reply, Request, Response};

const LIVE_JS: &str = include_str!("../../templates/live.js");

pub struct Options {
    pub build: BuildOptions,
    pub host: IpAddr,
    /// `None`: 8080, or the next free port.
    pub port: Option<u16>,
    pub open: bool,
    /// Jump to the first changed slide after an edit.
    pub follow: bool,
}

/// One deck as served.
#[derive(Default)]
struct LiveDeck {
    source: PathBuf,
    /// Bumped whenever the page or its errors change.
    version: u64,
    /// The last good build (kept under the error overlay while the source is broken).
    html: Option<Arc<str>>,
    /// Errors of the latest build, as printed in the terminal.
    errors: Vec<String>,
    /// Local files the deck read (images), for the watcher.
    files: Vec<PathBuf>,
    figures: Vec<FigureRecord>,
    /// What a data or theme change must rebuild it for: the declared datasets its figures and
    /// values read, the files its template functions read (as the project spells paths), and the
    /// theme it was drawn with. Unknown (`None`) until it first builds.
    datasets: BTreeSet<String>,
    inputs: BTreeSet<PathBuf>,
    theme: Option<String>,
    /// It had warnings (an unknown theme falls back with one): a theme change rebuilds it.
    warned: bool,
    /// Hash of the source as last built: a save that leaves it as it was builds nothing.
    source_hash: Option<u64>,
    /// Its card on the index, from the last good build.
    entry: Option<IndexEntry>,
}

/// What the server answers from.
struct Site {
    /// By URL name (`talk.html`).
    decks: BTreeMap<String, LiveDeck>,
    /// Data files the figures read, by URL name (`data/runs.csv`).
    data: BTreeMap<String, PathBuf>,
    /// The project's folder, resolved: nothing outside it is served.
    root: PathBuf,
    follow: bool,
    /// The site index, as `deck build` writes it (or why it cannot be drawn).
    index: Result<Arc<str>, String>,
}

impl Default for Site {
    fn default() -> Site {
        Site {
            decks: BTreeMap::new(),
            data: BTreeMap::new(),
            root: PathBuf::new(),
            follow: false,
            index: Err("the decks are being built".into()),
        }
    }
}

impl Site {
    fn state(&self, name: &str, deck: &LiveDeck) -> serde_json::Value {
        serde_json::json!({"deck": name, "version": deck.version, "errors": deck.errors})
    }

    fn hello(&self) -> Event {
        let decks: serde_json::Map<String, serde_json::Value> = self
            .decks
            .iter()
            .map(|(name, d)| (name.clone(), self.state(name, d)))
            .collect();
        Event {
            name: "hello",
            data: serde_json::json!({ "decks": decks }),
        }
    }
}

pub fn run(opts: Options) -> anyhow::Result<bool> {
    let hub = Arc::new(Hub::default());
    let site = Arc::new(RwLock::new(Site {
        follow: opts.follow,
        ..Site::default()
    }));
    let (tx, rx) = mpsc::channel::<watch::Changes>();
    let mut watcher = watch::Watch::new(tx).context("cannot watch the project's files")?;
    let mut builder = Builder::new(opts.build.clone(), site.clone(), hub.clone());
    let started = Instant::now();
    builder.quiet = true;
    builder.full();
    builder.quiet = false;
    watcher.set(&builder.watch_list());
    let (ok, failed) = builder.counts();
    eprintln!(
        "built {ok} deck{} in {} ms{}",
        if ok == 1 { "" } else { "s" },
        started.elapsed().as_millis(),
        if failed > 0 {
            format!("; {failed} with errors (shown in the browser until fixed)")
        } else {
            String::new()
        }
    );

    // Ctrl-C is handled before the address is announced: a stop sent as soon as the server says
    // where it is (a script, a test) waits for the running build instead of killing the process.
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("cannot install the Ctrl-C handler")?;
    let listener = bind(opts.host, opts.port)?;
    let addr = listener
        .local_addr()
        .context("the server has no IP address")?;
    let base = format!("http://{}/", display_addr(addr));
    let hosts = http::Hosts {
        ip: addr.ip(),
        machine: (!addr.ip().is_loopback())
            .then(crate::run::meta::host_name)
            .filter(|n| !n.is_empty()),
    };
    if !opts.host.is_loopback() {
        eprintln!(
            "warning: serving on {} — anyone who can reach this machine can see the decks",
            opts.host
        );
    }
    {
        let site = site
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for name in site.decks.keys() {
            eprintln!("  {base}{name}");
        }
    }
    println!("serving {base} (Ctrl-C to stop)");
    if opts.open {
        let single = {
            let site = site
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (site.decks.len() == 1)
                .then(|| site.decks.keys().next().cloned())
                .flatten()
        };
        open_browser(&format!("{base}{}", single.unwrap_or_default()));
    }

    // Requests: answered from memory, each connection on its own thread.
    {
        let (site, hub) = (site.clone(), hub.clone());
        let handler = move |request: &Request| {
            // A bug in one answer must not take a connection's thread down.
            let answer = std::panic::AssertUnwindSafe(|| handle(request, &site, &hub, &hosts));
            std::panic::catch_unwind(answer).unwrap_or_else(|panic| {
                let what = crate::results::panic_message(panic.as_ref());
                eprintln!("error: internal error while answering a request: {what}");
                Reply::Response(server::text(
                    500,
                    "internal error (printed by deck serve)\n",
                ))
            })
        };
        std::thread::Builder::new()
            .name("deck-accept".into())
            .spawn(move || server::serve(listener, Arc::new(handler)))
            .context("cannot start the server's thread")?;
    }
    // Keep idle event streams alive and drop the dead ones.
    {
        let hub = hub.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(15));
                hub.ping();
            }
        });
    }
    // Builds: one at a time, on this lock; Ctrl-C takes it so no build is cut short.
    let builder = Arc::new(Mutex::new((builder, watcher)));
    {
        let builder = builder.clone();
        std::thread::spawn(move || {
            while let Ok(mut batch) = rx.recv() {
                // Saves that land while a build runs are taken together.
                while let Ok(more) = rx.try_recv() {
                    batch.extend(more);
                }
                if std::env::var_os("DECK_DEBUG_WATCH").is_some() {
                    eprintln!("watch: {batch:?}");
                }
                let mut guard = builder
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let (b, w) = &mut *guard;
                if b.changed(&batch) {
                    w.set(&b.watch_list());
                }
            }
        });
    }
    let _ = stop_rx.recv();
    let guard = builder
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.0.save();
    eprintln!("stopped");
    Ok(true)
}

fn display_addr(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", addr.port()),
    }
}

/// Listen on `port`; without an explicit port, 8080 or the next free one.
/// How long a write to a client may block: a page that stops reading (its event stream or a
/// big answer) lets its thread go after this.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A server on `addr` whose connections have [`WRITE_TIMEOUT`]: Linux gives an accepted socket
/// the listening socket's send timeout.
fn listen(addr: SocketAddr) -> Result<TcpListener, String> {
    let listener = TcpListener::bind(addr).map_err(|e| e.to_string())?;
    set_send_timeout(&listener, WRITE_TIMEOUT);
    Ok(listener)
}

#[cfg(unix)]
fn set_send_timeout(listener: &std::net::TcpListener, timeout: Duration) {
    use std::os::fd::AsRawFd;
    // The field types are not named: musl's libc marks `time_t` and `suseconds_t` deprecated
    // (they become 64-bit there); the values here are a few seconds.
    let tv = libc::timeval {
        tv_sec: timeout.as_secs() as _,
        tv_usec: timeout.subsec_micros() as _,
    };
    // SAFETY: a valid socket descriptor and a timeval of the size given.
    unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&raw const tv).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        );
    }
}

#[cfg(not(unix))]
fn set_send_timeout(_: &std::net::TcpListener, _: Duration) {}

fn bind(host: IpAddr, port: Option<u16>) -> anyhow::Result<TcpListener> {
    let candidates: Vec<u16> = match port {
        Some(p) => vec![p],
        None => (8080..8100).collect(),
    };
    let mut last = String::new();
    for p in &candidates {
        match listen(SocketAddr::new(host, *p)) {
            Ok(s) => {
                if port.is_none() && *p != candidates[0] {
                    eprintln!("port {} is in use; using {p}", candidates[0]);
                }
                return Ok(s);
            }
            Err(e) => last = e.to_string(),
        }
    }
    match port {
        Some(p) => anyhow::bail!(
            "cannot listen on {host}:{p}: {last}\n  help: another program uses the port: pick another with --port, or stop it"
        ),
        None => anyhow::bail!(
            "cannot listen on {host} ports 8080-8099: {last}\n  help: pick a port with --port"
        ),
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("warning: cannot open a browser ({opener}: {e}); open {url} yourself");
    }
}

// ---- Requests ------------------------------------------------------------------------------------

fn handle(request: &Request, site: &RwLock<Site>, hub: &Arc<Hub>, hosts: &http::Hosts) -> Reply {
    if !hosts.allows(request.header("host")) {
        return Reply::Response(server::text(
            421,
            "this server answers only to its own addresses and localhost (Host header refused)\n",
        ));
    }
    let method = request.method.as_str();
    if method != "GET" && method != "HEAD" {
        let response = server::text(405, "only GET and HEAD\n").with_header("Allow", "GET, HEAD");
        return Reply::Response(response);
    }
    let route = http::route(&request.target);
    if route == Route::Events {
        if method == "HEAD" {
            return Reply::Response(Response::new(
                200,
                "text/event-stream; charset=utf-8",
                Vec::new(),
            ));
        }
        let hello = {
            let site = site
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            site.hello()
        };
        let hub = hub.clone();
        return Reply::Take(Box::new(move |stream| hub.add(Box::new(stream), &hello)));
    }
    let site = site
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Reply::Response(answer(&route, &site))
}

fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    Response::new(status, content_type, body)
        .with_header("Cache-Control", "no-store")
        .with_header("X-Content-Type-Options", "nosniff")
}

fn not_found() -> Response {
    bytes(404, "text/plain; charset=utf-8", b"not found\n".to_vec())
}

fn answer(route: &Route, site: &Site) -> Response {
    match route {
        // A deck of its own named index.html is the index.
        Route::Index if site.decks.contains_key("index.html") => {
            answer(&Route::File("index.html".into()), site)
        }
        Route::Index => match &site.index {
            Ok(page) => bytes(200, "text/html; charset=utf-8", page.as_bytes().to_vec()),
            Err(why) => bytes(500, "text/plain; charset=utf-8", why.clone().into_bytes()),
        },
        Route::Events | Route::NotFound => not_found(),
        Route::File(name) => {
            if let Some(deck) = site.decks.get(name) {
                let page = deck_page(name, deck, site.follow);
                return bytes(200, "text/html; charset=utf-8", page.into_bytes())
                    .with_header("X-Deck-Version", deck.version.to_string());
            }
            if name == "provenance.json" {
                let figures: Vec<&FigureRecord> =
                    site.decks.values().flat_map(|d| &d.figures).collect();
                let doc = serde_json::json!({
                    "generator": format!("deck {}", env!("CARGO_PKG_VERSION")),
                    "figures": figures,
                });
                let body = serde_json::to_vec_pretty(&doc).unwrap_or_default();
                return bytes(200, "application/json", body);
            }
            match site.data.get(name).and_then(|p| inside(&site.root, p)) {
                Some(file) => match std::fs::read(&file) {
                    Ok(body) => bytes(200, http::content_type(name), body),
                    Err(_) => not_found(),
                },
                None => not_found(),
            }
        }
    }
}

/// The file, resolved through symlinks, if it is still inside the project.
fn inside(root: &Path, file: &Path) -> Option<PathBuf> {
    let real = file.canonicalize().ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

/// A deck's page: its last good build (or its errors) with the live client.
fn deck_page(name: &str, deck: &LiveDeck, follow: bool) -> String {
    let config = serde_json::json!({"deck": name, "version": deck.version, "follow": follow});
    let live = format!(
        "<script data-deck-live>window.__deckLive = {config};</script>\n<script data-deck-live>\n{LIVE_JS}</script>\n"
    );
    match &deck.html {
        Some(html) => match html.rfind("</body>") {
            Some(at) => format!("{}{live}{}", &html[..at], &html[at..]),
            None => format!("{html}{live}"),
        },
        None => format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — not built yet</title></head>\n<body style=\"font:16px system-ui,sans-serif;margin:2em\">\n<h1>{}</h1>\n<p>This deck has errors and has not been built yet; they are shown above and in the terminal. The page updates by itself when they are fixed.</p>\n{live}</body></html>\n",
            escape(name),
            escape(&deck.source.display().to_string())
        ),
    }
}

fn escape(s: &str) -> String {
    crate::markdown::html::escape(s)
}

// ---- Builds --------------------------------------------------------------------------------------

/// Renders what a change touches and tells the open pages.
struct Builder {
    opts: BuildOptions,
    session: Option<Session>,
    site: Arc<RwLock<Site>>,
    hub: Arc<Hub>,
    next_version: u64,
    /// The current folder, resolved: event paths are made relative to it, like the project's.
    cwd: PathBuf,
    /// Errors of deck.toml itself, shown on every page.
    project_errors: Vec<String>,
    /// Say nothing per deck (the first build is summed up once).
    quiet: bool,
}

impl Builder {
    fn new(opts: BuildOptions, site: Arc<RwLock<Site>>, hub: Arc<Hub>) -> Builder {
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .unwrap_or_default();
        Builder {
            opts,
            session: None,
            site,
            hub,
            next_version: 1,
            cwd,
            project_errors: Vec::new(),
            quiet: false,
        }
    }

    fn site(&self) -> std::sync::RwLockWriteGuard<'_, Site> {
        self.site
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn counts(&self) -> (usize, usize) {
        let site = self
            .site
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let failed = site.decks.values().filter(|d| !d.errors.is_empty()).count();
        (site.decks.len() - failed, failed)
    }

    fn save(&self) {
        if let Some(s) = &self.session {
            s.save();
        }
    }

    /// A deck's page name (`talk.html`, or under an input folder `sub/talk.html`).
    fn name(&self, source: &Path) -> String {
        match &self.session {
            Some(s) => s.page_name(source),
            None => pipeline::output_name(source),
        }
    }

    /// Open the project again and render every deck.
    fn full(&mut self) {
        let mut diags = Diagnostics::default();
        let session = Session::open(&self.opts, &mut diags);
        print_diagnostics(&diags);
        let Some(session) = session else {
            // deck.toml is broken: every page keeps its slides and shows why.
            self.project_errors = diags.iter().map(|d| d.to_string()).collect();
            let names: Vec<String> = self.site().decks.keys().cloned().collect();
            for name in names {
                let errors = self.project_errors.clone();
                self.publish(&name, None, errors);
            }
            return;
        };
        self.project_errors.clear();
        let root = if session.project.root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            session.project.root.clone()
        };
        let decks = session.project.decks.clone();
        self.site().root = root.canonicalize().unwrap_or(root);
        self.session = Some(session);
        // Decks that are gone: their pages are told, then dropped.
        let keep: BTreeSet<String> = decks.iter().map(|d| self.name(d)).collect();
        let gone: Vec<String> = self
            .site()
            .decks
            .keys()
            .filter(|n| !keep.contains(*n))
            .cloned()
            .collect();
        for name in gone {
            let errors = vec![format!("this deck is no longer part of the project")];
            self.publish(&name, None, errors);
            self.site().decks.remove(&name);
        }
        for source in decks {
            self.build(&source);
        }
        self.refresh_index();
    }

    /// Render one deck; publish it if its page or its errors changed.
    fn build(&mut self, source: &Path) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let started = Instant::now();
        // Read before the build reads it: a save landing during the build then differs from
        // this hash and is built (read after, it could match the new text and be skipped).
        let hash = std::fs::read(source).ok().map(|b| hash_of(&b));
        let run = std::panic::AssertUnwindSafe(|| session.render_deck(source));
        let built = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
            let mut d = Diagnostics::default();
            d.push(crate::diagnostics::Diagnostic::error(
                source,
                format!(
                    "internal error: {}",
                    crate::results::panic_message(panic.as_ref())
                ),
            ));
            pipeline::DeckBuild {
                diagnostics: d,
                ..Default::default()
            }
        });
        print_diagnostics(&built.diagnostics);
        let name = session.page_name(source);
        let errors: Vec<String> = built
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        let datasets = session.datasets_read(&built.figures);
        let project_root = session_root(Some(session));
        let entry = built
            .deck
            .as_ref()
            .map(|d| session.index_entry(d, &built.figures));
        {
            let mut site = self.site();
            let root = site.root.clone();
            let entry_slot = site.decks.entry(name.clone()).or_default();
            entry_slot.source = source.to_path_buf();
            entry_slot.files = built.files.clone();
            entry_slot.warned = !built.diagnostics.is_empty();
            entry_slot.source_hash = hash;
            if let Some(deck) = &built.deck {
                entry_slot.figures = built.figures.clone();
                entry_slot.datasets = datasets;
                entry_slot.inputs = built
                    .figures
                    .iter()
                    .flat_map(|f| &f.inputs)
                    .map(|i| tidy(&project_root.join(&i.path)))
                    .collect();
                entry_slot.theme = Some(deck.theme.clone());
                entry_slot.entry = entry;
            }
            let data: Vec<(String, PathBuf)> = site
                .decks
                .values()
                .flat_map(|d| &d.figures)
                .flat_map(|f| &f.inputs)
                .map(|i| (pipeline::data_url(&i.path), root.join(&i.path)))
                .collect();
            site.data = data.into_iter().collect();
        }
        let html = built.deck.map(|d| Arc::<str>::from(d.html));
        let changed = self.publish(&name, html, errors);
        if changed && !self.quiet {
            eprintln!(
                "rebuilt {} in {} ms",
                source.display(),
                started.elapsed().as_millis()
            );
        }
        if std::env::var_os("DECK_DEBUG_WATCH").is_some() {
            eprintln!("watch: built {}", source.display());
        }
    }

    /// Draw the site index again from the decks' cards (the last good build of each).
    fn refresh_index(&mut self) {
        let Some(session) = &self.session else {
            return;
        };
        // As `deck build` lists them: in the project's order, the decks that have built.
        let entries: Vec<IndexEntry> = {
            let site = self
                .site
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            session
                .project
                .decks
                .iter()
                .filter_map(|d| site.decks.get(&session.page_name(d))?.entry.clone())
                .collect()
        };
        let mut diags = Diagnostics::default();
        let page = session.index_page(&entries, &mut diags);
        self.site().index = match page {
            Some(html) => Ok(Arc::from(html)),
            None => Err(diags.iter().map(|d| format!("{d}\n")).collect::<String>()),
        };
    }

    /// Store a deck's new page (`None`: keep the last good one) and errors; when either changed,
    /// give it a new version and tell the pages. Returns whether it changed.
    fn publish(&mut self, name: &str, html: Option<Arc<str>>, errors: Vec<String>) -> bool {
        let event = {
            let mut site = self
                .site
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = site.decks.entry(name.to_string()).or_default();
            let page_changed = html
                .as_ref()
                .is_some_and(|h| entry.html.as_deref() != Some(&**h));
            if !page_changed && entry.errors == errors && entry.version != 0 {
                return false;
            }
            if let Some(h) = html {
                entry.html = Some(h);
            }
            entry.errors = errors;
            if page_changed || entry.version == 0 {
                entry.version = self.next_version;
                self.next_version += 1;
            }
            let entry = &site.decks[name];
            Event {
                name: "deck",
                data: site.state(name, entry),
            }
        };
        self.hub.broadcast(&event);
        true
    }

    /// A batch of changed paths: render what they touch. Returns whether the set of watched
    /// folders may have changed.
    fn changed(&mut self, changes: &watch::Changes) -> bool {
        let paths: Vec<PathBuf> = changes.paths.iter().map(|p| self.relative(p)).collect();
        let plan = self.plan(&paths);
        if plan.full || changes.rescan {
            self.full();
            return true;
        }
        let mut themes = BTreeSet::new();
        if let Some(session) = self.session.as_mut() {
            if plan.themes {
                let mut diags = Diagnostics::default();
                themes = session.reload_themes(&mut diags);
                print_diagnostics(&diags);
            }
            if plan.templates {
                let mut diags = Diagnostics::default();
                session.reload_templates(&mut diags);
                print_diagnostics(&diags);
            }
        }
        let all: Vec<PathBuf> = self
            .session
            .as_ref()
            .map(|s| s.project.decks.clone())
            .unwrap_or_default();
        let shared = plan.templates || !themes.is_empty() || !plan.datasets.is_empty();
        let targets: Vec<PathBuf> = {
            let site = self
                .site
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            all.into_iter()
                .filter(|d| {
                    let Some(live) = site.decks.get(&self.name(d)) else {
                        return true; // never built
                    };
                    let reads = |live: &LiveDeck| {
                        plan.templates
                            || live.theme.as_ref().is_none_or(|t| themes.contains(t))
                                && !themes.is_empty()
                            || live.warned && !themes.is_empty()
                            || !live.datasets.is_disjoint(&plan.datasets)
                            || live.inputs.iter().any(|i| plan.paths.contains(i))
                            || live.files.iter().any(|f| plan.paths.contains(&tidy(f)))
                    };
                    if reads(live) || (shared && !live.errors.is_empty()) {
                        return true;
                    }
                    // Its own source: unless the save left it as it was (a deck with warnings or
                    // errors is built all the same: saving it is how to retry a missing image
                    // or file that has appeared since).
                    plan.decks.contains(&tidy(d))
                        && (live.warned
                            || !live.errors.is_empty()
                            || live.source_hash.is_none()
                            || std::fs::read(d).ok().map(|b| hash_of(&b)) != live.source_hash)
                })
                .collect()
        };
        let built = !targets.is_empty();
        for source in targets {
            self.build(&source);
        }
        if built {
            self.refresh_index();
        }
        false
    }

    /// An event path as the project spells its paths (relative to the current folder).
    fn relative(&self, path: &Path) -> PathBuf {
        let absolute_project = self
            .session
            .as_ref()
            .is_some_and(|s| s.project.root.is_absolute());
        if absolute_project {
            return path.to_path_buf();
        }
        path.strip_prefix(&self.cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    }

    fn plan(&mut self, paths: &[PathBuf]) -> Plan {
        let mut plan = Plan::default();
        let Some(session) = self.session.as_mut() else {
            // No project yet (deck.toml was broken): any change may fix it.
            plan.full = true;
            return plan;
        };
        let project = &session.project;
        let root = project.root.clone();
        let theme_paths: Vec<PathBuf> = project
            .theme_folders()
            .iter()
            .map(|(p, _)| tidy(p))
            .collect();
        let marp_config = project.settings.config_file.as_deref().map(tidy);
        let templates = tidy(&project.templates_dir());
        let out_dir = tidy(&session.out_dir);
        let cache = tidy(&root.join(pipeline::CACHE_DIR));
        let config = project.config_path.as_deref().map(tidy);
        let decks: Vec<PathBuf> = project.decks.iter().map(|d| tidy(d)).collect();
        let patterns: Vec<glob::Pattern> = if config.is_some() {
            project
                .config
                .decks
                .iter()
                .filter_map(|p| glob::Pattern::new(&root.join(p).to_string_lossy()).ok())
                .collect()
        } else {
            Vec::new()
        };
        for p in paths {
            let p = &tidy(p);
            if p.starts_with(&cache) || p.starts_with(&out_dir) && out_dir != root {
                continue;
            }
            if config.as_deref() == Some(p.as_path()) || marp_config.as_deref() == Some(p.as_path())
            {
                plan.full = true;
            } else if p.parent() == Some(root.as_path()) && p.is_dir() {
                plan.full = true; // a new folder (themes/, data/...) to watch
            } else if theme_paths.iter().any(|t| p.starts_with(t))
                && p.extension().is_some_and(|e| e == "css")
            {
                plan.themes = true;
            } else if p.starts_with(&templates) {
                plan.templates = true;
            } else if decks.contains(p) {
                if p.exists() {
                    plan.decks.insert(p.clone());
                } else {
                    plan.full = true; // a deck was deleted
                }
            } else if patterns.iter().any(|pat| pat.matches_path(p)) {
                plan.full = true; // a new deck
            }
            plan.datasets.extend(session.data_changed(p));
            plan.paths.insert(p.clone());
        }
        plan
    }

    /// The folders to watch: the project's root (deck.toml), each deck's folder, themes/,
    /// templates/, the datasets' folders and those of the images the decks read.
    fn watch_list(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut dirs: BTreeMap<PathBuf, RecursiveMode> = BTreeMap::new();
        let abs = |p: &Path| -> Option<PathBuf> {
            let p = if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            };
            p.canonicalize().ok().filter(|p| p.is_dir())
        };
        let mut add = |p: &Path, mode: RecursiveMode| {
            if let Some(dir) = abs(p) {
                let e = dir
                    .clone()
                    .ancestors()
                    .any(|a| dirs.get(a) == Some(&RecursiveMode::Recursive));
                if !e {
                    dirs.entry(dir).or_insert(mode);
                }
            }
        };
        let Some(session) = &self.session else {
            let path = self
                .opts
                .input_dir
                .clone()
                .or_else(|| self.opts.paths.first().cloned())
                .unwrap_or_else(|| PathBuf::from("."));
            let dir = if path.is_file() {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                path
            };
            add(&dir, RecursiveMode::NonRecursive);
            return dirs.into_iter().collect();
        };
        let project = &session.project;
        for (dir, deep) in project.theme_folders() {
            let mode = if deep {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            add(&dir, mode);
        }
        if let Some(dir) = &project.input_dir {
            add(dir, RecursiveMode::Recursive);
        }
        if let Some(config) = &project.settings.config_file {
            add(
                config.parent().unwrap_or(Path::new("")),
                RecursiveMode::NonRecursive,
            );
        }
        add(&project.templates_dir(), RecursiveMode::Recursive);
        for spec in project.config.datasets.values() {
            let path = project.root.join(spec.path());
            let fixed: PathBuf = path
                .components()
                .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
                .collect();
            let dir = if fixed == path {
                fixed.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                fixed
            };
            add(&dir, RecursiveMode::Recursive);
        }
        for deck in &project.decks {
            let dir = deck.parent().map(Path::to_path_buf).unwrap_or_default();
            if dir == project.root {
                add(&dir, RecursiveMode::NonRecursive);
            } else {
                add(&dir, RecursiveMode::Recursive);
            }
        }
        let site = self
            .site
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for d in site.decks.values() {
            for f in &d.files {
                if let Some(dir) = f.parent() {
                    add(dir, RecursiveMode::NonRecursive);
                }
            }
        }
        add(&project.root, RecursiveMode::NonRecursive);
        dirs.into_iter().collect()
    }
}

/// The folders `deck build -w` watches, as marp-cli's `-w` watches: the decks (their folders,
/// or the input folder), the themes and the config file, and the folders of what the last build
/// read (`read`: images, data).
pub fn watch_folders(opts: &BuildOptions, read: &[PathBuf]) -> Vec<(PathBuf, RecursiveMode)> {
    let mut diags = Diagnostics::default();
    let Some(project) = crate::project::Project::open(opts, &mut diags) else {
        return vec![(PathBuf::from("."), RecursiveMode::NonRecursive)];
    };
    let mut dirs: BTreeMap<PathBuf, RecursiveMode> = BTreeMap::new();
    let mut add = |p: &Path, mode: RecursiveMode| {
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        if let Ok(dir) = p.canonicalize()
            && dir.is_dir()
        {
            let e = dirs.entry(dir).or_insert(mode);
            if mode == RecursiveMode::Recursive {
                *e = mode;
            }
        }
    };
    if let Some(dir) = &project.input_dir {
        add(dir, RecursiveMode::Recursive);
    }
    for d in project.decks.iter().chain(read) {
        add(
            d.parent().unwrap_or(Path::new("")),
            RecursiveMode::NonRecursive,
        );
    }
    for (dir, deep) in project.theme_folders() {
        let mode = if deep {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        add(&dir, mode);
    }
    for config in project
        .config_path
        .iter()
        .chain(&project.settings.config_file)
    {
        add(
            config.parent().unwrap_or(Path::new("")),
            RecursiveMode::NonRecursive,
        );
    }
    // A recursive watch covers the folders under it.
    let deep: Vec<PathBuf> = dirs
        .iter()
        .filter(|(_, m)| **m == RecursiveMode::Recursive)
        .map(|(d, _)| d.clone())
        .collect();
    dirs.retain(|d, _| !deep.iter().any(|o| o != d && d.starts_with(o)));
    dirs.into_iter().collect()
}

/// What a batch of changed paths touches.
#[derive(Default)]
struct Plan {
    /// deck.toml, a new or deleted deck, a new folder: the project is opened again.
    full: bool,
    themes: bool,
    templates: bool,
    /// The declared datasets that read a changed file.
    datasets: BTreeSet<String>,
    /// Decks whose own source changed.
    decks: BTreeSet<PathBuf>,
    /// Every changed path, tidied: matched against what each deck read.
    paths: BTreeSet<PathBuf>,
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// The project's root as its paths are spelled (`.` for the current folder).
fn session_root(session: Option<&Session>) -> PathBuf {
    match session {
        Some(s) if !s.project.root.as_os_str().is_empty() => s.project.root.clone(),
        _ => PathBuf::new(),
    }
}

fn print_diagnostics(diags: &Diagnostics) {
    for d in diags.iter() {
        eprintln!("{d}");
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    fn send_timeout(fd: i32) -> libc::timeval {
        let mut tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
        // SAFETY: a valid descriptor, and a timeval with its size.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_SNDTIMEO,
                (&raw mut tv).cast(),
                &raw mut len,
            )
        };
        assert_eq!(rc, 0);
        tv
    }

    #[test]
    fn accepted_connections_inherit_the_write_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        set_send_timeout(&listener, WRITE_TIMEOUT);
        let addr = listener.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (conn, _) = listener.accept().unwrap();
        let tv = send_timeout(conn.as_raw_fd());
        assert_eq!(tv.tv_sec as u64, WRITE_TIMEOUT.as_secs());
    }
}
