//! The progress line a running check shows on stderr.

use std::io::Write;
use std::sync::Mutex;

use std::time::Duration;

use checker::{Progress, SimulationProgress};

/// Redraws one line on stderr with the checker's latest counts, and clears
/// it when dropped so that the final report starts on a clean line.
pub struct ProgressLine {
    enabled: bool,
    /// Whether a line is currently drawn (and must be cleared).
    drawn: Mutex<bool>,
}

impl ProgressLine {
    pub fn new(enabled: bool) -> ProgressLine {
        ProgressLine {
            enabled,
            drawn: Mutex::new(false),
        }
    }

    pub fn update(&self, p: &Progress) {
        if !self.enabled {
            return;
        }
        let line = format!(
            "{} distinct, {} generated, queue {}, depth {}, {}/s, {:.0} s{}",
            group(p.distinct),
            group(p.generated),
            group(p.queue),
            p.depth,
            group(p.states_per_sec as u64),
            p.elapsed.as_secs_f64(),
            eta(p.eta)
        );
        self.draw(&line);
    }

    pub fn update_simulation(&self, p: &SimulationProgress) {
        if !self.enabled {
            return;
        }
        let secs = p.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            (p.states as f64 / secs) as u64
        } else {
            0
        };
        let line = format!(
            "walk {} of {}, {} states, {} generated, {}/s, {:.0} s{}",
            group(p.walks),
            group(p.runs),
            group(p.states),
            group(p.generated),
            group(rate),
            secs,
            eta(p.eta)
        );
        self.draw(&line);
    }

    fn draw(&self, line: &str) {
        let mut drawn = self
            .drawn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut err = std::io::stderr().lock();
        // A failed write to stderr is not worth stopping a check for.
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        *drawn = true;
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        let drawn = self.drawn.get_mut().map(|d| *d).unwrap_or(false);
        if drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

/// `, ETA 1m 05s`, or nothing without an estimate.
fn eta(eta: Option<Duration>) -> String {
    match eta {
        Some(d) => format!(", ETA {}", duration(d)),
        None => String::new(),
    }
}

/// `45 s`, `3m 05s`, `2h 10m`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, s % 3600 / 60)
    }
}

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{duration, group};

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(Duration::from_secs(0)), "0 s");
        assert_eq!(duration(Duration::from_secs(59)), "59 s");
        assert_eq!(duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(duration(Duration::from_secs(7800)), "2h 10m");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1234567), "1,234,567");
    }
}
