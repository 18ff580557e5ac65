//! The log of a running process: one line per event on stderr, prefixed by
//! the instance's name and the milliseconds since the process started.

use std::sync::Arc;
use std::time::Instant;

/// A cheap handle to the process's log.
#[derive(Clone, Debug)]
pub struct Log {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    prefix: String,
    start: Instant,
    verbose: bool,
}

impl Log {
    pub fn new(prefix: &str, verbose: bool) -> Log {
        Log {
            inner: Arc::new(Inner {
                prefix: prefix.to_string(),
                start: Instant::now(),
                verbose,
            }),
        }
    }

    fn line(&self, level: &str, message: &str) {
        let ms = self.inner.start.elapsed().as_millis();
        eprintln!("{ms:>8} {} {level}: {message}", self.inner.prefix);
    }

    /// Something an operator should know about (a dropped frame).
    pub fn warn(&self, message: &str) {
        self.line("warn", message);
    }

    /// A normal event (start, connections).
    pub fn info(&self, message: &str) {
        self.line("info", message);
    }

    /// Every step, only with `--verbose`.
    pub fn debug(&self, message: &str) {
        if self.inner.verbose {
            self.line("debug", message);
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.inner.verbose
    }
}
