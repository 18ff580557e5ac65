//! Command-line syntax of `specc`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use spec_lang::ParamOverride;

/// Check, generate and test distributed protocols from one spec.
#[derive(Parser, Debug)]
#[command(name = "specc", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a spec: parse, type-check, then explore every reachable state.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The spec file.
    pub file: PathBuf,
    /// Override a parameter's default value (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param_override)]
    pub params: Vec<ParamOverride>,
    /// Print the lowered IR and stop.
    #[arg(long)]
    pub dump_ir: bool,
}

/// Exit codes shared by every subcommand.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Exit {
    /// Every property holds.
    Ok = 0,
    /// A property is violated.
    Violation = 1,
    /// The spec or the command line is wrong.
    Usage = 2,
    /// A resource bound stopped the search.
    Incomplete = 3,
}

fn parse_param_override(text: &str) -> Result<ParamOverride, String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!("expected NAME=VALUE, found `{text}`"));
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || value.is_empty() {
        return Err(format!(
            "expected NAME=VALUE with both parts present, found `{text}`"
        ));
    }
    Ok(ParamOverride {
        name: name.to_string(),
        value: value.to_string(),
    })
}
