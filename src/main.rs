//! The `specc` command: the only part of specc that reads files, prints, picks
//! colours and chooses exit codes. Everything else is a library call.

mod chart;
mod check;
mod cli;
mod compiled;
mod counterexample;
mod generate;
mod progress;
mod project;
mod report;
mod simulate;
mod spec_file;
mod terminal;
mod validate;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let code = match cli.command {
        cli::Command::Check(args) => check::run(&args),
        cli::Command::Simulate(args) => simulate::run(&args),
        cli::Command::Project(args) => project::run(&args),
        cli::Command::Gen(args) => generate::run(&args),
        cli::Command::Validate(args) => validate::run(&args),
        cli::Command::Chart(args) => chart::run(&args),
    };
    ExitCode::from(code as u8)
}
