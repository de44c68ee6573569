//! `deck serve`: a local server with live reload while the speaker rehearses.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::pipeline::BuildOptions;
use crate::serve;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A deck project folder (with deck.toml) or a Markdown file [default: the current folder]
    pub path: Option<PathBuf>,
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
    /// Allow raw HTML in the Markdown (otherwise it is escaped, but for <br>)
    #[arg(long)]
    pub html: bool,
    /// Treat the Markdown as plain Marp: `{{ }}`, `{% %}` and `{# #}` are text, not templates
    #[arg(long)]
    pub no_templates: bool,
    /// Let decks read files in this folder outside the project (images, datasets); repeatable.
    /// Only for decks you trust
    #[arg(long, value_name = "PATH")]
    pub allow_outside: Vec<std::path::PathBuf>,
}

/// Serves until Ctrl-C; returns whether it stopped cleanly.
pub fn execute(args: Args) -> anyhow::Result<bool> {
    // Watched paths come back resolved; an absolute project path is resolved the same way.
    let path = args.path.map(|p| {
        if p.is_absolute() {
            p.canonicalize().unwrap_or(p)
        } else {
            p
        }
    });
    serve::run(serve::Options {
        build: BuildOptions {
            path,
            output: None,
            html: args.html,
            no_templates: args.no_templates,
            allow_outside: args.allow_outside,
            embed_remote: false,
            base_url: None,
        },
        host: args.host,
        port: args.port,
        open: args.open,
        follow: args.follow,
    })
}
