//! Child processes and their memory: running a command with a time limit,
//! and reading resident set sizes from /proc and getrusage.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a finished child printed, how it exited and how long it took.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    /// Its standard error, when it was captured (empty otherwise).
    pub stderr: String,
    pub wall: Duration,
}

/// Where a child's standard error goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// To this process's standard error, for the user to see.
    Inherit,
    /// Into [`Finished::stderr`], for the caller to read.
    Capture,
}

/// Runs `command` with stdout captured and stderr inherited; kills it if it
/// has not finished within `limit`.
pub fn run_with_limit(command: Command, limit: Duration) -> Result<Finished, String> {
    run(command, limit, Stderr::Inherit)
}

/// Runs `command` with stdout captured and stderr as `stderr` says; kills
/// it if it has not finished within `limit`.
pub fn run(mut command: Command, limit: Duration, stderr: Stderr) -> Result<Finished, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let start = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(match stderr {
            Stderr::Inherit => Stdio::inherit(),
            Stderr::Capture => Stdio::piped(),
        })
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let Some(stdout) = child.stdout.take() else {
        return Err(format!("{program}: no stdout pipe"));
    };
    let stdout = read_in_background(stdout);
    let stderr = child.stderr.take().map(read_in_background);
    let deadline = start + limit;
    let read = |receiver: &mpsc::Receiver<std::io::Result<String>>| {
        receiver.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    };
    let (Ok(stdout), Ok(stderr)) = (read(&stdout), stderr.as_ref().map(read).transpose()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "{program} did not finish within {} s and was stopped",
            limit.as_secs()
        ));
    };
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for {program}: {e}"))?;
    let wall = start.elapsed();
    let output = |read: std::io::Result<String>| {
        read.map_err(|e| format!("cannot read {program}'s output: {e}"))
    };
    Ok(Finished {
        status,
        stdout: output(stdout)?,
        stderr: stderr.map(output).transpose()?.unwrap_or_default(),
        wall,
    })
}

/// Reads `pipe` to its end on a thread of its own. The thread ends when the
/// child closes the pipe, which is when it exits (or is killed); the
/// channel then carries what it read.
fn read_in_background(
    mut pipe: impl Read + Send + 'static,
) -> mpsc::Receiver<std::io::Result<String>> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let read = pipe.read_to_string(&mut text).map(|_| text);
        // The receiver is gone only if the parent already gave up.
        let _ = sender.send(read);
    });
    receiver
}

/// A field of /proc/self/status in kibibytes (`VmRSS`, `VmHWM`).
pub fn self_status_kib(field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.trim().strip_suffix("kB")?.trim().parse().ok()
        })
        .ok_or_else(|| format!("no {field} in /proc/self/status"))
}

/// Whose resource usage to read.
#[derive(Clone, Copy)]
pub enum Who {
    /// This process.
    Me,
    /// The children this process has waited for.
    Children,
}

fn usage(who: Who) -> Result<nix::sys::resource::Usage, String> {
    use nix::sys::resource::{UsageWho, getrusage};
    let who = match who {
        Who::Me => UsageWho::RUSAGE_SELF,
        Who::Children => UsageWho::RUSAGE_CHILDREN,
    };
    getrusage(who).map_err(|e| format!("getrusage: {e}"))
}

/// The largest peak resident set size of any child this process has waited
/// for, in kibibytes (Linux reports `ru_maxrss` in KiB).
pub fn children_peak_rss_kib() -> Result<u64, String> {
    let max_rss = usage(Who::Children)?.max_rss();
    u64::try_from(max_rss).map_err(|_| "getrusage: negative max_rss".to_string())
}

/// The processor time (user and system, all threads) used so far, in
/// seconds.
pub fn cpu_secs(who: Who) -> Result<f64, String> {
    let usage = usage(who)?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

/// The machine, as the report describes it: the CPU model and the number of
/// logical processors in /proc/cpuinfo, and the load average.
pub struct Machine {
    pub cpu_model: String,
    pub processors: usize,
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let processors = cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count();
    Machine {
        cpu_model,
        processors,
    }
}

/// The first three fields of /proc/loadavg.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_string())
}

/// The one-minute load average, as a number.
pub fn load_average_1min() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
