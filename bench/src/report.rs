//! The benchmark's results: medians over the repeated runs, the table, and
//! the ratios against the targets of the checker issue.

use std::fmt::Write as _;

use crate::measure::{Engine, Sample};

/// One measured configuration: an engine with a worker (thread) count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub engine: Engine,
    pub workers: usize,
}

/// The repeated samples of one configuration at one RMS.
pub struct Row {
    pub rms: u32,
    pub config: Config,
    pub samples: Vec<Sample>,
    /// Why the configuration has no samples (a timeout, an error).
    pub failure: Option<String>,
}

impl Row {
    fn median_wall(&self) -> Option<f64> {
        median(self.samples.iter().map(|s| s.wall_secs).collect())
    }

    fn median_cpu(&self) -> Option<f64> {
        median(self.samples.iter().map(|s| s.cpu_secs).collect())
    }

    fn median_bytes_per_state(&self) -> Option<f64> {
        median(self.samples.iter().map(Sample::bytes_per_state).collect())
    }

    fn median_peak_mib(&self) -> Option<f64> {
        median(
            self.samples
                .iter()
                .map(|s| s.peak_kib as f64 / 1024.0)
                .collect(),
        )
    }

    fn distinct(&self) -> Option<u64> {
        self.samples.first().map(|s| s.distinct)
    }

    /// Distinct states per second at the median wall time.
    pub fn states_per_sec(&self) -> Option<f64> {
        Some(self.distinct()? as f64 / self.median_wall()?.max(1e-9))
    }

    /// Distinct states per second of processor time (the median), which
    /// other processes on a shared machine disturb less than wall time.
    pub fn states_per_cpu_sec(&self) -> Option<f64> {
        Some(self.distinct()? as f64 / self.median_cpu()?.max(1e-9))
    }
}

/// The middle value (the lower of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[(values.len() - 1) / 2])
}

/// Checks that every configuration at one RMS found the same number of
/// distinct states (in particular Stateright and specc), and reports
/// differences in the generated count.
pub fn cross_check(rows: &[Row]) -> Result<Vec<String>, String> {
    let mut warnings = Vec::new();
    let mut samples = rows.iter().flat_map(|row| {
        row.samples
            .iter()
            .map(move |sample| (row.config.engine.label(), row.config.workers, sample))
    });
    let Some((label0, workers0, first)) = samples.next() else {
        return Ok(warnings);
    };
    for (label, workers, sample) in samples {
        if sample.distinct != first.distinct {
            return Err(format!(
                "{label} with {workers} workers found {} distinct states, \
                 {label0} with {workers0} found {}",
                sample.distinct, first.distinct
            ));
        }
        if sample.generated != first.generated {
            warnings.push(format!(
                "{label} with {workers} workers generated {} states, \
                 {label0} with {workers0} generated {}",
                sample.generated, first.generated
            ));
        }
    }
    Ok(warnings)
}

/// The Markdown table of every row.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(
        "| RMS | engine | workers | distinct | generated | wall s | CPU s \
         | distinct states/s | peak RSS MiB | bytes/state |\n",
    );
    out.push_str("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in rows {
        let engine = row.config.engine.label();
        let workers = row.config.workers;
        let rms = row.rms;
        match (&row.failure, row.samples.first()) {
            (None, Some(sample)) => {
                let _ = writeln!(
                    out,
                    "| {rms} | {engine} | {workers} | {} | {} | {:.3} | {:.3} | {} | {:.1} | {:.1} |",
                    thousands(sample.distinct),
                    thousands(sample.generated),
                    row.median_wall().unwrap_or(f64::NAN),
                    row.median_cpu().unwrap_or(f64::NAN),
                    thousands(row.states_per_sec().unwrap_or(0.0).round() as u64),
                    row.median_peak_mib().unwrap_or(f64::NAN),
                    row.median_bytes_per_state().unwrap_or(f64::NAN),
                );
            }
            (failure, _) => {
                let why = failure.as_deref().unwrap_or("no samples");
                let _ = writeln!(
                    out,
                    "| {rms} | {engine} | {workers} | - | - | - | - | - | - | - ({why}) |"
                );
            }
        }
    }
    out
}

/// The throughput ratios, one line each, with the targets.
pub fn ratios(rows: &[Row], all_cores: usize) -> String {
    let mut out = String::new();
    let rms_values = {
        let mut v: Vec<u32> = rows.iter().map(|r| r.rms).collect();
        v.dedup();
        v
    };
    let find = |rms: u32, config: Config, measure: Measure| {
        let row = rows.iter().find(|r| r.rms == rms && r.config == config)?;
        match measure {
            Measure::Wall => row.states_per_sec(),
            Measure::Cpu => row.states_per_cpu_sec(),
        }
    };
    let config = |engine, workers| Config { engine, workers };
    let comparisons = [
        Comparison {
            name: "specc library, 1 worker / Stateright, 1 thread",
            a: config(Engine::SpeccLib, 1),
            b: config(Engine::Stateright, 1),
            target: Some(1.0),
            measure: Measure::Wall,
        },
        Comparison {
            name: "specc library, 1 worker / Stateright, 1 thread, per CPU second",
            a: config(Engine::SpeccLib, 1),
            b: config(Engine::Stateright, 1),
            target: Some(1.0),
            measure: Measure::Cpu,
        },
        Comparison {
            name: "specc process, 1 worker / Stateright, 1 thread",
            a: config(Engine::SpeccBin, 1),
            b: config(Engine::Stateright, 1),
            target: Some(1.0),
            measure: Measure::Wall,
        },
        Comparison {
            name: "specc library, N workers / 1 worker",
            a: config(Engine::SpeccLib, all_cores),
            b: config(Engine::SpeccLib, 1),
            target: Some(1.7),
            measure: Measure::Wall,
        },
        Comparison {
            name: "specc process, N workers / 1 worker",
            a: config(Engine::SpeccBin, all_cores),
            b: config(Engine::SpeccBin, 1),
            target: Some(1.7),
            measure: Measure::Wall,
        },
        Comparison {
            name: "Stateright, N threads / 1 thread",
            a: config(Engine::Stateright, all_cores),
            b: config(Engine::Stateright, 1),
            target: None,
            measure: Measure::Wall,
        },
    ];
    let _ = writeln!(
        out,
        "Throughput ratios (distinct states per second of wall time unless said), N = {all_cores}:"
    );
    for Comparison {
        name,
        a,
        b,
        target,
        measure,
    } in comparisons
    {
        // With one core the parallel configurations are the serial ones.
        if a == b {
            continue;
        }
        let mut line = format!("- {name}:");
        for &rms in &rms_values {
            match (find(rms, a, measure), find(rms, b, measure)) {
                (Some(rate_a), Some(rate_b)) => {
                    let ratio = rate_a / rate_b;
                    let verdict = match target {
                        Some(t) if ratio >= t => " (met)",
                        Some(_) => " (not met)",
                        None => "",
                    };
                    let _ = write!(line, " RMS={rms} {ratio:.2}x{verdict};");
                }
                _ => {
                    let _ = write!(line, " RMS={rms} n/a;");
                }
            }
        }
        if let Some(t) = target {
            let _ = write!(line, " target >= {t}x");
        }
        out.push_str(line.trim_end_matches(';'));
        out.push('\n');
    }
    out
}

/// Two configurations whose throughputs are compared, `a / b`, with the
/// issue's target for the ratio where it sets one.
struct Comparison {
    name: &'static str,
    a: Config,
    b: Config,
    target: Option<f64>,
    measure: Measure,
}

/// What a throughput is measured against.
#[derive(Clone, Copy)]
enum Measure {
    Wall,
    Cpu,
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
