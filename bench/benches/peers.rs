//! `cargo bench -p specc-bench -- [OPTIONS]`: runs the specc-bench command
//! (src/main.rs) with the options after `--`. Cargo builds that binary for
//! this target; the `specc` command it times must be built first
//! (`cargo build --release -p specc`), or it names one with `--specc`.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    // Cargo passes `--bench` to every benchmark target; the bench's own
    // options are the rest.
    let args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let status = Command::new(env!("CARGO_BIN_EXE_specc-bench"))
        .args(args)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run specc-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
