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

/// The command line as deck reads it: `deck FILE.md ...` and `deck --theme-set themes/ FILE.md`
/// (no command, as `marp FILE.md` is written) are `deck build FILE.md ...`. A first word that is
/// neither a command nor a path that exists is left for clap, which names the commands.
pub fn with_implicit_build(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    let cli = Cli::command();
    let is_command = cli
        .get_subcommands()
        .any(|c| c.get_name() == first || c.get_all_aliases().any(|a| a == first));
    let top_level_flag = matches!(first, "-h" | "--help" | "-V" | "--version");
    let implicit = !is_command
        && !top_level_flag
        && (first.starts_with('-')
            || std::path::Path::new(first).exists()
            || crate::marp::is_markdown_name(first));
    if !implicit {
        return args;
    }
    let mut out = Vec::with_capacity(args.len() + 1);
    out.push(args[0].clone());
    out.push("build".into());
    out.extend(args.into_iter().skip(1));
    out
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn a_marp_command_line_without_a_command_is_a_build() {
        let implicit = |line: &str| super::with_implicit_build(words(line));
        assert_eq!(implicit("deck talk.md"), words("deck build talk.md"));
        assert_eq!(
            implicit("deck --theme-set themes/ --html talk.md"),
            words("deck build --theme-set themes/ --html talk.md")
        );
        assert_eq!(
            implicit("deck -I slides -o dist"),
            words("deck build -I slides -o dist")
        );
        // Commands, deck's own flags and unknown words stay as they are (clap explains).
        for same in [
            "deck serve talk.md",
            "deck --version",
            "deck -h",
            "deck buidl",
            "deck",
        ] {
            assert_eq!(implicit(same), words(same), "{same}");
        }
    }
}
