use std::process::ExitCode;

use clap::Parser;
use deck::cmd::{Cli, Command};

fn main() -> ExitCode {
    // Output piped into `head` and closed early ends deck quietly, as it does other Unix tools,
    // instead of a panic in `println!` (Rust ignores SIGPIPE by default).
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of a signal, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse_from(deck::cmd::with_implicit_build(
        std::env::args_os().collect(),
    ));
    let result = match cli.command {
        Command::Build(args) => deck::cmd::build::execute(args),
        Command::Serve(args) => deck::cmd::serve::execute(args),
        Command::Export(args) => deck::cmd::export::execute(args),
        Command::New(args) => deck::cmd::new::execute(args),
        Command::Help(args) => deck::cmd::help::execute(args),
        Command::Completions(args) => deck::cmd::install::completions(args),
        Command::Man(args) => deck::cmd::install::man(args),
        Command::Check(args) => {
            return match deck::cmd::check::execute(args) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Run(args) => {
            return match deck::cmd::run::execute(args) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
