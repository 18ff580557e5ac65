//! Times the checker on TwoPhase (built as IR) for a given RMS and worker
//! counts: `cargo run --release -p checker --example two_phase_speed -- 7 1 2`.

#[path = "../tests/support/build.rs"]
mod build;
#[path = "../tests/support/two_phase.rs"]
mod two_phase;

use checker::{CheckConfig, check};
use two_phase::{Options, two_phase};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rms = args.first().copied().unwrap_or(6) as u32;
    let symmetric = std::env::var("SYMMETRIC").is_ok();
    let spec = two_phase(Options {
        rms,
        symmetric,
        commit_early: false,
    });
    for &workers in args.get(1..).unwrap_or(&[]) {
        let config = CheckConfig {
            workers,
            symmetry: true,
            max_states: None,
            max_depth: None,
            memory_limit: None,
            spill: None,
            check_deadlock: false,
            por: false,
        };
        let out = check(&spec, &config, &|p| eprintln!("  progress: {p:?}"));
        let s = &out.stats;
        println!(
            "RMS={rms} workers={workers}: {:?} distinct={} generated={} depth={} {:.2}s {:.0} states/s peak={} bytes ({:.0} B/state)",
            out.result,
            s.distinct,
            s.generated,
            s.depth,
            s.elapsed.as_secs_f64(),
            s.states_per_sec,
            s.peak_memory,
            s.peak_memory as f64 / s.distinct as f64
        );
    }
}
