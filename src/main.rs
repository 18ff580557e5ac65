//! The `specc` command: the only part of specc that reads files, prints, picks
//! colours and chooses exit codes. Everything else is a library call.

mod check;
mod cli;
mod progress;
mod project;
mod terminal;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let code = match cli.command {
        cli::Command::Check(args) => check::run(&args),
        cli::Command::Project(args) => project::run(&args),
    };
    ExitCode::from(code as u8)
}
