//! The estimated time left of a bounded search, for the progress line.
//!
//! - With `--max-states`, distinct states are assumed to keep coming at
//!   the average rate so far.
//! - With `--max-depth`, the levels still to come are assumed to grow by
//!   the ratio of the current level's size to the previous one's, and
//!   every state to take as long to expand as the current level's states
//!   have so far (or the previous level's, before any is expanded).
//!
//! With both bounds the nearer estimate counts. Without a bound, or before
//! there is anything to extrapolate from, there is no estimate. A search
//! whose space runs out before a bound ends sooner than estimated.

use std::time::Duration;

/// One finished level: its states and how long expanding them took.
#[derive(Clone, Copy, Debug)]
pub struct LevelTime {
    pub states: u64,
    pub took: Duration,
}

/// Where a search stands.
#[derive(Clone, Copy, Debug)]
pub struct Now {
    pub distinct: u64,
    pub elapsed: Duration,
    /// The depth being expanded (the initial state has depth 1).
    pub depth: u32,
    pub level_states: u64,
    pub level_expanded: u64,
    pub level_elapsed: Duration,
}

/// The search's bounds.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub max_states: Option<u64>,
    pub max_depth: Option<u32>,
}

/// Growth ratios above this are taken as this, so that one odd level does
/// not predict an astronomically long search.
const MAX_GROWTH: f64 = 16.0;

/// An estimate of the time left, in whole seconds.
pub fn estimate(done: &[LevelTime], now: Now, bounds: Bounds) -> Option<Duration> {
    let by_states = bounds.max_states.and_then(|max| states_eta(max, now));
    let by_depth = bounds.max_depth.and_then(|max| depth_eta(done, max, now));
    let secs = match (by_states, by_depth) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    (0.0..1e12)
        .contains(&secs)
        .then(|| Duration::from_secs(secs.ceil() as u64))
}

fn states_eta(max: u64, now: Now) -> Option<f64> {
    if now.distinct >= max {
        return Some(0.0);
    }
    let secs = now.elapsed.as_secs_f64();
    if now.distinct == 0 || secs <= 0.0 {
        return None;
    }
    let rate = now.distinct as f64 / secs;
    Some((max - now.distinct) as f64 / rate)
}

fn depth_eta(done: &[LevelTime], max: u32, now: Now) -> Option<f64> {
    if now.depth > max {
        return Some(0.0);
    }
    let per_state = if now.level_expanded > 0 {
        now.level_elapsed.as_secs_f64() / now.level_expanded as f64
    } else {
        let last = done.last().filter(|l| l.states > 0)?;
        last.took.as_secs_f64() / last.states as f64
    };
    let left_here = now.level_states.saturating_sub(now.level_expanded) as f64 * per_state;
    let levels_after = max - now.depth;
    if levels_after == 0 {
        return Some(left_here);
    }
    let previous = done.last().filter(|l| l.states > 0)?;
    let growth = (now.level_states as f64 / previous.states as f64).min(MAX_GROWTH);
    let mut size = now.level_states as f64;
    let mut later = 0.0;
    for _ in 0..levels_after {
        size *= growth;
        later += size;
        if !later.is_finite() || later > 1e18 {
            break;
        }
    }
    Some(left_here + later * per_state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(depth: u32, level_states: u64, level_expanded: u64, level_secs: u64) -> Now {
        Now {
            distinct: 1000,
            elapsed: Duration::from_secs(10),
            depth,
            level_states,
            level_expanded,
            level_elapsed: Duration::from_secs(level_secs),
        }
    }

    fn level(states: u64, secs: u64) -> LevelTime {
        LevelTime {
            states,
            took: Duration::from_secs(secs),
        }
    }

    #[test]
    fn no_bound_no_estimate() {
        let bounds = Bounds {
            max_states: None,
            max_depth: None,
        };
        assert_eq!(estimate(&[level(10, 1)], now(2, 20, 10, 1), bounds), None);
    }

    #[test]
    fn a_state_bound_extrapolates_the_average_rate() {
        let bounds = Bounds {
            max_states: Some(5000),
            max_depth: None,
        };
        // 1,000 states in 10 s; 4,000 to go.
        assert_eq!(
            estimate(&[], now(3, 100, 0, 0), bounds),
            Some(Duration::from_secs(40))
        );
        let reached = Bounds {
            max_states: Some(900),
            ..bounds
        };
        assert_eq!(
            estimate(&[], now(3, 100, 0, 0), reached),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn a_depth_bound_extrapolates_the_growth_of_levels() {
        let bounds = Bounds {
            max_states: None,
            max_depth: Some(5),
        };
        // Depth 3 of 5: 200 states (the level before had 100), half done
        // in 10 s, so 0.1 s a state. Left: 100 here, then 400 and 800.
        let eta = estimate(&[level(100, 5)], now(3, 200, 100, 10), bounds);
        assert_eq!(eta, Some(Duration::from_secs(130)));
        // On the last level only its rest counts.
        let last = estimate(&[level(100, 5)], now(5, 200, 100, 10), bounds);
        assert_eq!(last, Some(Duration::from_secs(10)));
        // Without an earlier level there is no growth to go by.
        assert_eq!(estimate(&[], now(1, 1, 0, 0), bounds), None);
    }

    #[test]
    fn the_nearer_bound_wins() {
        let bounds = Bounds {
            max_states: Some(1100),
            max_depth: Some(50),
        };
        // The state bound is 1 s away; the depth bound much further.
        assert_eq!(
            estimate(&[level(100, 5)], now(3, 200, 100, 10), bounds),
            Some(Duration::from_secs(1))
        );
    }
}
