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
    /// Walk a spec's state space at random, checking every state the walks
    /// visit: for spaces too large to exhaust. The same seed gives the same
    /// walks and report for any number of workers.
    Simulate(SimulateArgs),
    /// Print each role's steps projected from the spec's choreography.
    Project(ProjectArgs),
    /// Generate a Cargo crate with per-role Rust code from a spec.
    Gen(GenArgs),
    /// Replay a recorded trace on a spec: every step must be a transition of
    /// the spec and every invariant must hold.
    Validate(ValidateArgs),
    /// Draw a saved ITF trace as a message-sequence chart (SVG) or an HTML
    /// page to step through.
    Chart(ChartArgs),
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// The spec file.
    pub file: PathBuf,
    /// The directory to write the crate into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Override a parameter's default value (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param_override)]
    pub params: Vec<ParamOverride>,
    /// The generated package's name [default: the spec file's name].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The path of the runtime crate to depend on [default: the runtime
    /// crate of this specc's source tree].
    #[arg(long, value_name = "PATH")]
    pub runtime: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The spec file.
    pub file: PathBuf,
    /// The trace: JSON lines, as the generated simulator writes them.
    pub trace: PathBuf,
    /// Override a parameter's default value (repeatable); must match the
    /// values the generated code was built with.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param_override)]
    pub params: Vec<ParamOverride>,
}

#[derive(Args, Debug)]
pub struct ProjectArgs {
    /// The spec file.
    pub file: PathBuf,
    /// Override a parameter's default value (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param_override)]
    pub params: Vec<ParamOverride>,
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
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: Option<u16>,
    /// Explore without symmetry reduction, even for `symmetric` roles.
    #[arg(long)]
    pub no_symmetry: bool,
    /// Do not report states without successors as deadlocks.
    #[arg(long)]
    pub no_deadlock: bool,
    /// Partial-order reduction: at states where one instance's local steps commute with everything else, follow only those (invariants and deadlocks keep their verdicts; fewer states; the counterexample is shortest within the reduced graph)
    #[arg(long)]
    pub por: bool,
    /// Stop once this many distinct states are known (exit code 3).
    #[arg(long, value_name = "N")]
    pub max_states: Option<u64>,
    /// Do not explore beyond this depth; the initial states have depth 1
    /// (exit code 3 if states were left unexplored).
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Stop when the checker's memory estimate exceeds this size, e.g.
    /// `512M` or `4G` (exit code 3).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,
    /// Keep at most this much of the breadth-first queue in memory, e.g.
    /// `256M`; beyond it, levels go to unnamed temporary files in the spill
    /// directory [default: 1G, or half of --memory-limit if that is less].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub queue_memory: Option<u64>,
    /// Where a queue too large for memory goes [default: the system's
    /// temporary directory].
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// How to print the result: a readable report, or a JSON summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the counterexample as an ITF trace (Apalache and Quint's JSON
    /// trace format) to this file.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,
    /// Write the counterexample as a message-sequence chart (SVG) to this
    /// file.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Write the counterexample as a self-contained HTML page to step
    /// through (the chart beside the full state at each step).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// When to show the progress line on stderr.
    #[arg(long, value_enum, default_value_t = When::Auto)]
    pub progress: When,
    /// Print the coverage table after the report: the transitions each step
    /// and fault produced, and the `if` branches that never ran.
    #[arg(long)]
    pub coverage: bool,
    /// Write the reachable state graph in Graphviz's dot language to this
    /// file (small spaces only: at most 2,000 states and 20,000
    /// transitions).
    #[arg(long, value_name = "FILE.dot")]
    pub graph: Option<PathBuf>,
    /// Compile a checker specialised to this spec (Rust, built with cargo
    /// and cached; $SPECC_CACHE_DIR sets where) and run it: the same
    /// counts, verdicts and report, faster on large spaces.
    #[arg(long)]
    pub compiled: bool,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The spec file.
    pub file: PathBuf,
    /// Override a parameter's default value (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param_override)]
    pub params: Vec<ParamOverride>,
    /// How many walks to run at most (the simulation stops after the first
    /// batch of 256 walks in which one finds a violation).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
    /// The longest walk, in states (the initial state counts as 1).
    #[arg(long, value_name = "D", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: u32,
    /// The seed the walks are drawn from.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Worker threads [default: one per core]; the result never depends on
    /// it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: Option<u16>,
    /// Do not report states without successors as deadlocks.
    #[arg(long)]
    pub no_deadlock: bool,
    /// How to print the result: a readable report, or a JSON summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the violating walk as an ITF trace to this file.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,
    /// Write the violating walk as a message-sequence chart (SVG).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Write the violating walk as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// When to show the progress line on stderr.
    #[arg(long, value_enum, default_value_t = When::Auto)]
    pub progress: When,
    /// Print the coverage table after the report: the transitions the walks
    /// took per step and fault, and the `if` branches that never ran.
    #[arg(long)]
    pub coverage: bool,
}

#[derive(Args, Debug)]
pub struct ChartArgs {
    /// The trace: an ITF JSON file, as `specc check --trace-out` writes it.
    pub trace: PathBuf,
    /// Write the message-sequence chart (SVG) to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the trace as a self-contained HTML page to step through.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Json,
}

/// `auto` means: only when stderr is a terminal.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum When {
    Auto,
    Always,
    Never,
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

/// Parses `4096`, `64K`, `512M`, `4G` or `1T` (powers of 1024) into bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("unknown unit `{unit}`: use K, M, G or T")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("expected a size such as 512M or 4G, found `{text}`"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_binary_units_and_refuse_nonsense() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4g"), Ok(4 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn param_overrides_need_a_name_and_a_value() {
        assert!(parse_param_override("N=3").is_ok());
        assert!(parse_param_override("N").is_err());
        assert!(parse_param_override("=3").is_err());
    }
}
