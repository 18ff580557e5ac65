//! The progress line a running check shows on stderr.

use std::io::Write;
use std::sync::Mutex;

use checker::Progress;

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
            "{} distinct, {} generated, queue {}, depth {}, {}/s, {:.0} s",
            group(p.distinct),
            group(p.generated),
            group(p.queue),
            p.depth,
            group(p.states_per_sec as u64),
            p.elapsed.as_secs_f64()
        );
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
    use super::group;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1234567), "1,234,567");
    }
}
