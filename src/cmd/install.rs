//! `deck completions SHELL` and `deck man`: what a package or a release archive installs beside
//! the binary, generated from the same clap definition as `--help`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write deck.1 and a page per command (deck-build.1, ...) into this folder; without it,
    /// deck.1 goes to the standard output (`deck man | man -l -`)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Print the completion script: `deck completions bash > /etc/bash_completion.d/deck`.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<bool> {
    let mut cli = super::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cli, "deck", &mut out);
    out.flush()?;
    Ok(true)
}

/// The manual: deck(1), and with `--dir` one page per command.
pub fn man(args: ManArgs) -> anyhow::Result<bool> {
    let cli = super::Cli::command().version(env!("DECK_VERSION"));
    let Some(dir) = args.dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(cli).render(&mut out)?;
        out.flush()?;
        return Ok(true);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("deck.1".to_string(), cli.clone())];
    for sub in cli.get_subcommands() {
        let name = format!("deck-{}", sub.get_name());
        // The page's title and footer are the command's name (`deck-build 0.1.0`); clap wants it
        // for the life of the program, which is this one command.
        let title: &'static str = Box::leak(name.clone().into_boxed_str());
        let page = sub
            .clone()
            .name(title)
            .bin_name(name.replacen('-', " ", 1))
            .version(env!("DECK_VERSION"));
        pages.push((format!("{name}.1"), page));
    }
    for (file, page) in pages {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page).render(&mut bytes)?;
        let path = dir.join(&file);
        crate::output::write_atomic(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    // The help topics (`deck help chart`...) as pages of section 7, with the same text.
    for (name, what, text) in super::help::all_topics() {
        let path = dir.join(format!("deck-{name}.7"));
        crate::output::write_atomic(&path, topic_page(&name, &what, &text).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(true)
}

/// A help topic as a man page: its text as written (preformatted), roff's specials escaped.
fn topic_page(name: &str, what: &str, text: &str) -> String {
    let escape = |s: &str| s.replace('\\', "\\e");
    let mut page = format!(
        ".TH DECK-{} 7 \"\" \"deck {}\"\n.SH NAME\ndeck-{} \\- {}\n.SH DESCRIPTION\n.nf\n",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION"),
        name,
        escape(what)
    );
    for line in text.lines() {
        let line = escape(line);
        if line.starts_with(['.', '\'']) {
            page.push_str("\\&");
        }
        page.push_str(&line);
        page.push('\n');
    }
    page.push_str(".fi\n");
    page
}
