//! `deck serve`: a local server with live reload while the speaker rehearses.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::diagnostics::Diagnostics;
use crate::marp::invocation::{self, Invocation, ProjectArgs};
use crate::serve;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A deck project folder (with deck.toml), a folder of Markdown files (every one is served,
    /// as marp -s DIR) or Markdown files [default: the current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Port to listen on [default: 8080, or the next free one]; 0 picks any free port
    #[arg(short, long)]
    pub port: Option<u16>,
    /// Address to listen on; anything but loopback exposes the decks to the network
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Open the deck (or the index of decks) in the default browser
    #[arg(long)]
    pub open: bool,
    /// After an edit, jump the open pages to the first changed slide
    #[arg(long)]
    pub follow: bool,
    /// Treat the Markdown as plain Marp: `{{ }}`, `{% %}` and `{# #}` are text, not templates
    #[arg(long)]
    pub no_templates: bool,
    /// Let decks read files in this folder outside the project (images, datasets); repeatable.
    /// Only for decks you trust
    #[arg(long, value_name = "PATH")]
    pub allow_outside: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Serves until Ctrl-C; returns whether it stopped cleanly.
pub fn execute(args: Args) -> anyhow::Result<bool> {
    let mut diags = Diagnostics::default();
    // A folder of Markdown files is served as marp -s serves it: every deck under it.
    let mut paths = args.paths.clone();
    let mut project = args.project.clone();
    if project.input_dir.is_none() {
        project.input_dir = invocation::served_folder(&mut paths);
    }
    let mut inv = invocation::resolve(paths, &project, None, None, &mut diags);
    for d in diags.iter() {
        eprintln!("{d}");
    }
    if diags.has_errors() {
        return Ok(false);
    }
    inv.build.no_templates = args.no_templates;
    inv.build
        .allow_outside
        .extend(args.allow_outside.iter().cloned());
    run(inv, args.host, args.port, args.open, args.follow)
}

/// `deck build -s` / `-p`: marp-cli's server mode, as `deck serve` on loopback.
pub fn serve_invocation(inv: Invocation, open: bool) -> anyhow::Result<bool> {
    // marp-cli reads its port from PORT.
    let port = std::env::var("PORT").ok().and_then(|p| p.parse().ok());
    run(inv, "127.0.0.1".parse()?, port, open, false)
}

fn run(
    mut inv: Invocation,
    host: IpAddr,
    port: Option<u16>,
    open: bool,
    follow: bool,
) -> anyhow::Result<bool> {
    // Watched paths come back resolved; absolute project paths are resolved the same way.
    let absolute = |p: PathBuf| {
        if p.is_absolute() {
            p.canonicalize().unwrap_or(p)
        } else {
            p
        }
    };
    inv.build.paths = inv.build.paths.into_iter().map(absolute).collect();
    inv.build.input_dir = inv.build.input_dir.map(absolute);
    // The server writes nothing: pages are served from memory.
    inv.build.output = crate::pipeline::Output::Default;
    serve::run(serve::Options {
        build: inv.build,
        host,
        port,
        open,
        follow,
    })
}
