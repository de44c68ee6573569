//! One module per subcommand, each with its clap arguments and `execute`.

pub mod build;
pub mod check;
pub mod export;
pub mod help;
pub mod install;
pub mod new;
pub mod run;
pub mod serve;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "deck",
    version = env!("DECK_VERSION"),
    about = "Markdown slides plus measurement data, rendered to a self-contained deck",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render decks to self-contained HTML (a project's slides/ to dist/, or one Markdown file)
    Build(build::Args),
    /// Serve the decks on a local server that updates open pages as files change
    Serve(serve::Args),
    /// Create a deck project that builds at once (deck.toml, a first deck, example data, CI)
    New(new::Args),
    /// Check decks for CI: build errors, stale data, overflowing slides, missing notes, remote content
    Check(check::Args),
    /// Export decks as PDF (a page per slide) or PNG (an image per slide) with the installed Chromium
    Export(export::Args),
    /// Rerun the measurements of deck.toml's [bench] (in containers or on this machine) into data/
    Run(run::Args),
    /// Help on a command, or on a topic: config (deck.toml), templates, directives
    Help(help::Args),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell
    Completions(install::CompletionsArgs),
    /// Write deck's manual pages (deck.1, deck-build.1, ...) into a folder, or deck.1 to stdout
    Man(install::ManArgs),
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
