//! Even spacing of the outbox's sends: a token bucket (in its GCRA form, one "theoretical
//! arrival time") at exactly the configured overall rate, `per_window` sends per window.
//!
//! The spacing is the window plus a safety margin, divided by `per_window`; the margin is
//! measured by the caller (how long sends take, [`super::pace::Pace::margin`]): a send
//! reaches Telegram somewhere between its start and its answer, and the gate
//! ([`super::pace`]) holds each one for a window after its answer, so this is the pace the
//! gate lets through without bursts. A sender woken late may catch up by one interval (at
//! least [`CATCH_UP`]), never burst beyond. The bucket only spreads sends; the gate
//! guarantees the limits.
//!
//! Must not: read the clock (time is a parameter), do IO, or know about chats.

use std::time::{Duration, Instant};

/// The least a late wake-up may catch up (the timer's resolution is 1 ms).
pub const CATCH_UP: Duration = Duration::from_millis(4);

/// Spaces sends: see the module documentation.
#[derive(Debug, Clone)]
pub struct Bucket {
    per_window: u32,
    window: Duration,
    /// When the next send is due on the even schedule (`None`: no send yet).
    due: Option<Instant>,
}

impl Bucket {
    /// `per_window` sends per `window` (at least one).
    pub fn new(per_window: u32, window: Duration) -> Bucket {
        Bucket {
            per_window: per_window.max(1),
            window,
            due: None,
        }
    }

    /// The time between two sends with `margin` added to the window.
    pub fn interval(&self, margin: Duration) -> Duration {
        (self.window + margin) / self.per_window
    }

    /// `Ok`: a send may start at `now`. `Err(t)`: not before `t`.
    pub fn ready(&self, now: Instant, margin: Duration) -> Result<(), Instant> {
        let interval = self.interval(margin);
        let tolerance = interval.max(CATCH_UP);
        let due = self.due.unwrap_or(now);
        match due.checked_sub(tolerance) {
            Some(early) if early > now => Err(early),
            _ => Ok(()),
        }
    }

    /// A send started at `now`: the next one is due one interval after this one's slot.
    pub fn spend(&mut self, now: Instant, margin: Duration) {
        let due = self.due.unwrap_or(now);
        self.due = Some(due.max(now) + self.interval(margin));
    }

    /// [`Bucket::ready`], and if so [`Bucket::spend`].
    pub fn take(&mut self, now: Instant, margin: Duration) -> Result<(), Instant> {
        self.ready(now, margin)?;
        self.spend(now, margin);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Takes every token as soon as it is offered, waking `late` after each time the
    /// bucket names, until `n` sends; returns their times since the start.
    fn run(b: &mut Bucket, n: usize, margin: Duration, late: Duration) -> Vec<Duration> {
        let t0 = Instant::now();
        let mut now = t0;
        let mut sends = Vec::new();
        while sends.len() < n {
            match b.take(now, margin) {
                Ok(()) => sends.push(now - t0),
                Err(t) => {
                    assert!(t > now, "the bucket must name a later time");
                    now = t + late;
                }
            }
        }
        sends
    }

    #[test]
    fn sends_are_spaced_by_the_window_plus_the_margin_over_the_rate() {
        let mut b = Bucket::new(30, Duration::from_secs(1));
        let sends = run(&mut b, 301, ms(30), Duration::ZERO);
        // The first two may go together (catch-up), then one every 1.03 s / 30.
        let span = sends[300] - sends[1];
        let expected = ms(1030) * 299 / 30;
        assert!(
            span.abs_diff(expected) < ms(1),
            "{span:?} for 299 intervals, expected {expected:?}"
        );
        let in_first_second = sends.iter().filter(|t| **t < ms(1000)).count();
        assert_eq!(in_first_second, 31, "30 spaced sends and one caught up");
    }

    #[test]
    fn a_late_wake_up_catches_up_without_losing_the_rate() {
        let mut b = Bucket::new(300, Duration::from_secs(1));
        // Every wake-up 1 ms late, a third of the 3.3 ms interval.
        let sends = run(&mut b, 3001, Duration::ZERO, ms(1));
        let rate = 3000.0 / (sends[3000] - sends[0]).as_secs_f64();
        assert!(rate > 299.0, "{rate:.1} sends a second of 300");
        // Catching up never puts more than two sends at one instant.
        let most_at_once = sends.windows(3).filter(|w| w[0] == w[2]).count();
        assert_eq!(most_at_once, 0);
    }

    #[test]
    fn after_a_pause_at_most_the_catch_up_goes_at_once() {
        let mut b = Bucket::new(1000, Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(b.take(t0, Duration::ZERO).is_ok());
        let later = t0 + Duration::from_secs(5);
        let at_once = (0..100)
            .take_while(|_| b.take(later, Duration::ZERO).is_ok())
            .count();
        // One interval of 1 ms, or CATCH_UP (4 ms) of them: the send itself and 4 more.
        assert_eq!(at_once, 5);
    }
}
