//! `deck new NAME`: scaffold a deck project that builds at once.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder to create (its name is the project's title)
    pub name: PathBuf,
    /// Git URL the CI workflow installs deck from [default: the repository variable DECK_GIT]
    #[arg(long, default_value = "")]
    pub deck_git: String,
}

pub fn execute(args: Args) -> anyhow::Result<bool> {
    let files = crate::new::create(&args.name, &args.deck_git)?;
    for f in &files {
        eprintln!("  created {}", f.display());
    }
    eprintln!(
        "\nnext:\n  cd {}\n  deck build      # dist/index.html and the first deck\n  deck serve      # live reload while you write\n  deck run        # measure the example workload into data/",
        args.name.display()
    );
    Ok(true)
}
