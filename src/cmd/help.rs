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

/// Reference pages made from the definitions the code checks keys with (`results::reference`).
pub fn generated(topic: &str) -> Option<String> {
    use crate::results::reference::{self as r, render};
    Some(match topic {
        "chart" => render(
            "chart blocks",
            "A ```chart block is YAML: `sql:` picks the rows, the other keys say how to draw them. An unknown key is an error with \"did you mean\". Charts are SVG, drawn at build time in the slide's fonts and the theme's colours.",
            r::CHART,
        ),
        "table" => render(
            "table blocks",
            "A ```table block is YAML: `sql:` picks the rows; numbers are right-aligned and formatted.",
            r::TABLE,
        ),
        "datasets" => render(
            "datasets",
            "deck.toml's [datasets] names the data files the decks query: `runs = \"data/runs.csv\"`, or a table of these keys. A dataset is read when a query names it, once per build. Formats: `deck help formats`.",
            r::DATASET,
        ),
        "functions" => {
            let mut page = render(
                "template functions",
                "In a deck's text, {{ }} and {% %} are minijinja templates (a deck that uses none of deck's features keeps them as text, as Marp does). deck adds these functions:",
                r::FUNCTIONS,
            );
            page.push_str(&render(
                "filters",
                "and these number filters (a filter applies to the value just before it: write {{ (a / b) | percent(1) }}):",
                r::FILTERS,
            ));
            page.push_str(&render(
                "SQL functions",
                "Queries are polars SQL (https://docs.pola.rs/api/python/stable/reference/sql/), with this function added:",
                r::SQL,
            ));
            page
        }
        "formats" => crate::results::formats::help(),
        _ => return None,
    })
}

/// Every generated topic: (name, what it covers).
pub const GENERATED: &[(&str, &str)] = &[
    ("chart", "the keys of ```chart blocks"),
    ("table", "the keys of ```table blocks"),
    ("datasets", "declaring data files in deck.toml"),
    (
        "formats",
        "the files deck reads: CSV to pytest-benchmark, Google Benchmark, Prometheus",
    ),
    (
        "functions",
        "sql(), compare(), the number filters and welch_ci()",
    ),
];

/// Every topic `deck help` knows, with its text: (name, what it covers, text).
pub fn all_topics() -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = TOPICS
        .iter()
        .map(|(n, w, t)| (n.to_string(), w.to_string(), t.to_string()))
        .collect();
    for (name, what) in GENERATED {
        all.push((
            name.to_string(),
            what.to_string(),
            generated(name).unwrap_or_default(),
        ));
    }
    all.push((
        "marp".into(),
        "marp-cli's command line and config files in deck".into(),
        section(README, "### Coming from Marp").to_string(),
    ));
    all
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A command (build, serve, ...) or a topic (`deck help` lists them)
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
        for (name, what) in GENERATED {
            println!("  {name:<12}{what}");
        }
        println!(
            "  {:<12}marp-cli's command line and config files in deck",
            "marp"
        );
        return Ok(true);
    };
    if let Some(page) = generated(&topic) {
        print!("{page}");
        return Ok(true);
    }
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
    let topics: Vec<&str> = TOPICS
        .iter()
        .map(|t| t.0)
        .chain(GENERATED.iter().map(|g| g.0))
        .chain(["marp"])
        .collect();
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
