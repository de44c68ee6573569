//! `deck help [TOPIC]`: the help of a command, or a reference page that ships with the binary
//! (someone who ran `cargo install` has no README).

use clap::CommandFactory;

/// Reference pages, by topic.
pub const TOPICS: &[(&str, &str, &str)] = &[
    (
        "config",
        "every key of deck.toml",
        include_str!("../../docs/config.md"),
    ),
    (
        "templates",
        "{{ }}, {% %} and {# #} in slides: values and slides from data",
        include_str!("../../docs/templates.md"),
    ),
    (
        "directives",
        "Marp's directives as deck reads them",
        include_str!("../../docs/directives.md"),
    ),
];

/// The README's "Coming from Marp" section: `deck help marp` (the README ships in the binary, so
/// the two cannot drift).
const README: &str = include_str!("../../README.md");

fn section(text: &'static str, heading: &str) -> &'static str {
    let Some(start) = text.find(heading) else {
        return "";
    };
    let rest = &text[start..];
    let end = rest[heading.len()..]
        .find("\n### ")
        .map_or(rest.len(), |e| heading.len() + e + 1);
    &rest[..end]
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A command (build, serve, ...) or a topic (config, templates, directives, marp)
    pub topic: Option<String>,
}

/// Returns whether the topic was known.
pub fn execute(args: Args) -> anyhow::Result<bool> {
    let mut cli = super::Cli::command();
    let Some(topic) = args.topic else {
        cli.print_long_help()?;
        println!("\nTopics (deck help TOPIC):");
        for (name, what, _) in TOPICS {
            println!("  {name:<12}{what}");
        }
        println!(
            "  {:<12}marp-cli's command line and config files in deck",
            "marp"
        );
        return Ok(true);
    };
    if topic == "marp" {
        print!("{}", section(README, "### Coming from Marp"));
        return Ok(true);
    }
    if let Some((_, _, page)) = TOPICS.iter().find(|(n, _, _)| *n == topic) {
        print!("{page}");
        return Ok(true);
    }
    if let Some(sub) = cli.find_subcommand_mut(&topic) {
        sub.print_long_help()?;
        return Ok(true);
    }
    let commands: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let topics: Vec<&str> = TOPICS.iter().map(|t| t.0).chain(["marp"]).collect();
    anyhow::bail!(
        "no help for `{topic}`: commands are {}; topics are {}",
        commands.join(", "),
        topics.join(", ")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_marp_topic_is_the_readmes_section() {
        let page = super::section(super::README, "### Coming from Marp");
        assert!(page.starts_with("### Coming from Marp"));
        assert!(page.contains("--theme-set") && page.contains(".marprc.yml"));
        assert!(!page.contains("### Rehearsing"), "ends at the next section");
    }
}
