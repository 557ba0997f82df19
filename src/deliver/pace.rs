//! The one gate every message to Telegram passes: alerts, command replies, documents and
//! organizer notices. It keeps Telegram's limits ([`Limits`]) over all of them together,
//! so a reply and an alert to the same chat never break "1 a second to one chat".
//!
//! A send counts from the moment it starts until one window after it **finished**:
//! Telegram (or a fake) sees the request somewhere between the two, so counting from the
//! finish keeps the limits exactly, whatever the network delay, with no slack needed. A
//! send in flight counts too.
//!
//! The outbox worker's [`super::limiter::Scheduler`] decides which chat's turn it is
//! (round-robin, holds, retry_after) and its [`super::bucket::Bucket`] spaces the sends;
//! this gate only says "not before t". It also measures how long sends take
//! ([`Pace::margin`]): the safety margin the worker's spacing adds to the window. It keeps
//! only what still counts (a private chat for one interval after its last send, a group
//! for a minute), so its state and its saved [`Snapshot`] stay small at any rate. Must
//! not: do IO, or know what the messages are.

use super::limiter::Limits;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const GLOBAL_WINDOW: Duration = Duration::from_secs(1);
const GROUP_WINDOW: Duration = Duration::from_secs(60);
/// How often to look again when the limit is held by a send still in flight.
const IN_FLIGHT_RECHECK: Duration = Duration::from_millis(5);
/// Nothing saved before a restart counts once this old (every limit has expired by then).
const FORGET_AFTER: Duration = Duration::from_secs(61);
/// How often chats whose limits have expired are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Why a send must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Not before this time.
    pub until: Instant,
    /// The overall limit: no chat may send before `until`.
    pub everyone: bool,
}

#[derive(Debug, Default)]
struct ChatState {
    in_flight: usize,
    last_done: Option<Instant>,
    /// Finish times of a group's sends in the last minute, oldest first.
    group_done: VecDeque<Instant>,
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    /// Finish times of all sends in the last second, oldest first.
    done: VecDeque<Instant>,
    chats: HashMap<i64, ChatState>,
    last_sweep: Option<Instant>,
    /// How long sends (start to finish) took in the current and the previous window.
    took: Took,
}

/// The mean duration of the recent sends: the current window's and the previous one's,
/// so a send counts for one to two windows.
#[derive(Debug, Default)]
struct Took {
    since: Option<Instant>,
    current: (Duration, u32),
    previous: (Duration, u32),
}

impl Took {
    fn roll(&mut self, now: Instant) {
        let Some(since) = self.since else {
            self.since = Some(now);
            return;
        };
        let age = now.saturating_duration_since(since);
        if age >= GLOBAL_WINDOW {
            self.previous = if age >= 2 * GLOBAL_WINDOW {
                (Duration::ZERO, 0)
            } else {
                self.current
            };
            self.current = (Duration::ZERO, 0);
            self.since = Some(now);
        }
    }

    fn record(&mut self, took: Duration, now: Instant) {
        self.roll(now);
        self.current.0 += took;
        self.current.1 += 1;
    }

    fn mean(&mut self, now: Instant) -> Duration {
        self.roll(now);
        let n = self.current.1 + self.previous.1;
        if n == 0 {
            return Duration::ZERO;
        }
        (self.current.0 + self.previous.0) / n
    }
}

/// A group, supergroup or channel.
fn is_group(chat: i64) -> bool {
    chat < 0
}

/// Inserts `t` keeping the queue sorted (finishes almost always arrive in order).
fn insert_sorted(q: &mut VecDeque<Instant>, t: Instant) {
    let at = q.partition_point(|x| *x <= t);
    q.insert(at, t);
}

/// Drops the times that no longer count at `now`.
fn expire(q: &mut VecDeque<Instant>, span: Duration, now: Instant) {
    while q.front().is_some_and(|t| *t + span <= now) {
        q.pop_front();
    }
}

/// When a window holding `done` (plus `in_flight` unfinished sends) admits one more, if
/// it is full at `now`.
fn window_full(
    done: &VecDeque<Instant>,
    in_flight: usize,
    allowed: usize,
    span: Duration,
    now: Instant,
) -> Option<Instant> {
    if done.len() + in_flight < allowed {
        return None;
    }
    // The oldest finishes that must leave the window before one more fits.
    let must_leave = done.len() + in_flight + 1 - allowed;
    Some(match done.get(must_leave - 1) {
        Some(t) if must_leave <= done.len() => *t + span,
        _ => now + IN_FLIGHT_RECHECK,
    })
}

/// Telegram's limits over every message the bot sends. See the module documentation.
#[derive(Debug)]
pub struct Pace {
    limits: Limits,
    state: Mutex<State>,
}

impl Pace {
    /// A gate applying `limits`, nothing counted yet.
    pub fn new(limits: Limits) -> Arc<Pace> {
        Arc::new(Pace {
            limits,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limits this gate keeps.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// How long a send took on average (from its start to its answer) in the last one
    /// to two seconds. The gate holds each send for a window after its answer, so it lets
    /// through about `global_per_sec` sends per window plus this margin: the worker
    /// spaces its sends at that pace, and the gate rarely has to say no.
    pub fn margin(&self, now: Instant) -> Duration {
        self.lock().took.mean(now)
    }

    /// `Ok`: a send to `chat` may start at `now` and is counted from now on; call
    /// [`Pace::finish`] when it is over. `Err`: not before the time it says.
    pub fn try_begin(&self, chat: i64, now: Instant) -> Result<(), Wait> {
        let limits = self.limits;
        let mut s = self.lock();
        sweep(&mut s, limits, now);
        expire(&mut s.done, GLOBAL_WINDOW, now);
        let global = limits.global_per_sec.max(1) as usize;
        if let Some(until) = window_full(&s.done, s.in_flight, global, GLOBAL_WINDOW, now) {
            return Err(Wait {
                until,
                everyone: true,
            });
        }
        let c = s.chats.entry(chat).or_default();
        let mut until = None;
        if c.in_flight > 0 {
            until = Some(now + IN_FLIGHT_RECHECK);
        } else if let Some(last) = c.last_done
            && last + limits.per_chat_interval > now
        {
            until = Some(last + limits.per_chat_interval);
        }
        if is_group(chat) {
            expire(&mut c.group_done, GROUP_WINDOW, now);
            let per_group = limits.group_per_minute.max(1) as usize;
            let full = window_full(&c.group_done, c.in_flight, per_group, GROUP_WINDOW, now);
            until = until.max(full);
        }
        if let Some(until) = until {
            return Err(Wait {
                until,
                everyone: false,
            });
        }
        c.in_flight += 1;
        s.in_flight += 1;
        Ok(())
    }

    /// The send to `chat` that [`Pace::try_begin`] let start is over (whatever Telegram
    /// answered, or if it never answered).
    pub fn finish(&self, chat: i64, now: Instant) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        insert_sorted(&mut s.done, now);
        let c = s.chats.entry(chat).or_default();
        c.in_flight = c.in_flight.saturating_sub(1);
        c.last_done = c.last_done.max(Some(now));
        if is_group(chat) {
            insert_sorted(&mut c.group_done, now);
        }
    }

    /// Like [`Pace::finish`], for a send that started at `started`: its duration counts
    /// towards [`Pace::margin`].
    pub fn finish_started(&self, chat: i64, started: Instant, now: Instant) {
        self.finish(chat, now);
        let took = now.saturating_duration_since(started);
        self.lock().took.record(took, now);
    }

    /// Waits until a send to `chat` may start; the send counts until the [`Turn`] is
    /// dropped.
    pub async fn turn(self: &Arc<Self>, chat: i64) -> Turn {
        loop {
            match self.try_begin(chat, Instant::now()) {
                Ok(()) => return self.started(chat),
                Err(w) => tokio::time::sleep_until(w.until.into()).await,
            }
        }
    }

    /// The turn of a send that [`Pace::try_begin`] let start.
    pub fn started(self: &Arc<Self>, chat: i64) -> Turn {
        Turn {
            pace: Arc::clone(self),
            chat,
            started: Instant::now(),
            counts: true,
        }
    }

    /// Undoes a [`Pace::try_begin`] whose send never started: nothing is counted.
    fn cancel(&self, chat: i64) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if let Some(c) = s.chats.get_mut(&chat) {
            c.in_flight = c.in_flight.saturating_sub(1);
        }
    }
}

/// The recent sends as ages at one instant: what a restart needs to keep the limits.
/// Sends in flight count as finished at that instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// How long ago each send of the last second finished.
    pub global: Vec<Duration>,
    /// Per chat, how long ago its sends that still count finished: a group's of the last
    /// minute, a private chat's last one if within the interval between two sends.
    pub chats: Vec<(i64, Vec<Duration>)>,
}

impl Pace {
    /// The state that still counts at `now`, as ages.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let mut s = self.lock();
        expire(&mut s.done, GLOBAL_WINDOW, now);
        let age = |t: &Instant| now.saturating_duration_since(*t);
        let mut global: Vec<Duration> = s.done.iter().map(age).collect();
        global.extend(std::iter::repeat_n(Duration::ZERO, s.in_flight));
        let interval = self.limits.per_chat_interval;
        let chats = s
            .chats
            .iter()
            .filter_map(|(chat, c)| {
                let mut ages: Vec<Duration> = c.group_done.iter().map(age).collect();
                ages.retain(|a| *a < GROUP_WINDOW);
                ages.extend(c.last_done.iter().map(age).filter(|a| *a < interval));
                ages.extend(std::iter::repeat_n(Duration::ZERO, c.in_flight));
                (!ages.is_empty()).then_some((*chat, ages))
            })
            .collect();
        Snapshot { global, chats }
    }

    /// Counts the sends of a [`Snapshot`] taken before (a restart) as if finished that
    /// long before `now`.
    pub fn restore(&self, snap: &Snapshot, now: Instant) {
        let at = |age: &Duration| now.checked_sub(*age);
        let mut s = self.lock();
        for t in snap.global.iter().filter(|a| **a < GLOBAL_WINDOW) {
            if let Some(t) = at(t) {
                insert_sorted(&mut s.done, t);
            }
        }
        for (chat, ages) in &snap.chats {
            let c = s.chats.entry(*chat).or_default();
            for t in ages.iter().filter(|a| **a < FORGET_AFTER).filter_map(at) {
                c.last_done = c.last_done.max(Some(t));
                if is_group(*chat) {
                    insert_sorted(&mut c.group_done, t);
                }
            }
        }
    }
}

/// Forgets chats whose limits have all expired (a private chat one interval after its
/// last send, a group once its minute is over), once a second.
fn sweep(s: &mut State, limits: Limits, now: Instant) {
    if s.last_sweep.is_some_and(|t| t + SWEEP_EVERY > now) {
        return;
    }
    s.last_sweep = Some(now);
    s.chats.retain(|_, c| {
        expire(&mut c.group_done, GROUP_WINDOW, now);
        c.in_flight > 0
            || !c.group_done.is_empty()
            || c.last_done
                .is_some_and(|t| t + limits.per_chat_interval > now)
    });
}

/// One send under way; it is counted as finished when dropped.
#[derive(Debug)]
pub struct Turn {
    pace: Arc<Pace>,
    chat: i64,
    started: Instant,
    counts: bool,
}

impl Turn {
    /// The send did not happen after all (there was nothing to send): it costs the chat
    /// and the overall limit nothing.
    pub fn cancel(mut self) {
        self.counts = false;
        self.pace.cancel(self.chat);
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.counts {
            self.pace
                .finish_started(self.chat, self.started, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            global_per_sec: 3,
            per_chat_interval: Duration::from_secs(1),
            group_per_minute: 2,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Sends to `chat` at `start` that finishes `took` later.
    fn send(p: &Pace, chat: i64, start: Instant, took: Duration) -> Result<(), Wait> {
        p.try_begin(chat, start)?;
        p.finish(chat, start + took);
        Ok(())
    }

    #[test]
    fn one_chat_waits_a_full_interval_after_its_last_send_finished() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        send(&p, 1, t0, ms(300)).unwrap();
        let w = p.try_begin(1, t0 + ms(1000)).unwrap_err();
        assert_eq!(
            w.until,
            t0 + ms(1300),
            "counted from the finish, not the start"
        );
        assert!(!w.everyone);
        assert!(
            p.try_begin(2, t0 + ms(1000)).is_ok(),
            "another chat goes on"
        );
        assert!(p.try_begin(1, t0 + ms(1300)).is_ok());
    }

    #[test]
    fn a_cancelled_turn_costs_the_chat_and_the_overall_limit_nothing() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        for chat in [1, 2, 3] {
            p.try_begin(chat, t0).unwrap();
            p.started(chat).cancel();
        }
        assert!(p.try_begin(1, t0).is_ok(), "chat 1 is not held");
        p.try_begin(2, t0).unwrap();
        p.try_begin(3, t0).unwrap();
        let w = p.try_begin(4, t0).unwrap_err();
        assert!(w.everyone, "only the three real sends count");
        assert_eq!(p.margin(t0), Duration::ZERO, "no duration was recorded");
    }

    #[test]
    fn a_send_in_flight_holds_its_chat_and_its_share_of_the_overall_limit() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        p.try_begin(1, t0).unwrap();
        assert!(p.try_begin(1, t0 + ms(5000)).is_err(), "still in flight");
        p.try_begin(2, t0).unwrap();
        p.try_begin(3, t0).unwrap();
        let w = p.try_begin(4, t0 + ms(10)).unwrap_err();
        assert!(w.everyone, "three in flight fill the overall limit of 3");
    }

    #[test]
    fn the_overall_limit_counts_every_chat_for_one_second_after_each_finish() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        for chat in 1..=3 {
            send(&p, chat, t0, ms(100 * chat as u64)).unwrap();
        }
        let w = p.try_begin(9, t0 + ms(500)).unwrap_err();
        assert_eq!(w.until, t0 + ms(1100));
        assert!(w.everyone);
        assert!(p.try_begin(9, t0 + ms(1100)).is_ok());
    }

    #[test]
    fn a_restored_snapshot_keeps_the_limits_of_the_sends_before_it() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        send(&p, 1, t0, ms(100)).unwrap();
        send(&p, -100, t0, ms(100)).unwrap();
        let snap = p.snapshot(t0 + ms(400));
        let later = t0 + ms(5000);
        let q = Pace::new(limits());
        q.restore(&snap, later);
        let w = q.try_begin(1, later).unwrap_err();
        assert_eq!(
            w.until,
            later + ms(700),
            "one interval after the last finish"
        );
        assert!(q.try_begin(2, later).is_ok(), "one of the global 3 is left");
        assert!(
            q.try_begin(3, later).is_err(),
            "two finished, one in flight"
        );
    }

    #[test]
    fn the_margin_is_the_mean_recent_send_and_is_forgotten_after_two_windows() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        assert_eq!(p.margin(t0), Duration::ZERO);
        p.try_begin(1, t0).unwrap();
        p.finish_started(1, t0, t0 + ms(40));
        p.try_begin(2, t0 + ms(100)).unwrap();
        p.finish_started(2, t0 + ms(100), t0 + ms(110));
        assert_eq!(p.margin(t0 + ms(500)), ms(25), "the mean, not the last");
        assert_eq!(p.margin(t0 + ms(1500)), ms(25), "kept for the next window");
        assert_eq!(p.margin(t0 + ms(3000)), Duration::ZERO, "then forgotten");
    }

    /// Limits where the overall one never binds.
    fn wide() -> Limits {
        Limits {
            global_per_sec: 1_000,
            ..limits()
        }
    }

    #[test]
    fn a_snapshot_holds_only_what_still_counts() {
        let p = Pace::new(wide());
        let t0 = Instant::now();
        // Many private chats done long ago, one recent; one group within its minute.
        for chat in 1..=100 {
            send(&p, chat, t0, ms(5)).unwrap();
        }
        send(&p, -7, t0 + ms(1000), ms(10)).unwrap();
        send(&p, 500, t0 + ms(1000), ms(10)).unwrap();
        // Still held (the last sweep was at 1 s), but their interval is over.
        assert_eq!(p.lock().chats.len(), 102);
        let snap = p.snapshot(t0 + ms(1500));
        let mut chats: Vec<i64> = snap.chats.iter().map(|(c, _)| *c).collect();
        chats.sort();
        assert_eq!(chats, vec![-7, 500]);
    }

    #[test]
    fn private_chats_are_forgotten_one_interval_after_their_last_send() {
        let p = Pace::new(wide());
        let t0 = Instant::now();
        send(&p, -7, t0, ms(10)).unwrap();
        for chat in 1..=100 {
            send(&p, chat, t0 + ms(10 * chat as u64), ms(5)).unwrap();
        }
        // The next send after the sweep's second: every private chat's interval is over.
        send(&p, 9_999, t0 + ms(2_500), ms(5)).unwrap();
        let mut left: Vec<i64> = p.lock().chats.keys().copied().collect();
        left.sort();
        assert_eq!(left, vec![-7, 9_999], "a group keeps its minute");
    }

    #[test]
    fn a_group_gets_its_per_minute_limit_on_top_of_the_per_chat_interval() {
        let p = Pace::new(limits());
        let t0 = Instant::now();
        let g = -100;
        send(&p, g, t0, ms(50)).unwrap();
        send(&p, g, t0 + ms(1050), ms(50)).unwrap();
        let w = p.try_begin(g, t0 + ms(2100)).unwrap_err();
        assert_eq!(
            w.until,
            t0 + ms(60_050),
            "two a minute, from the first finish"
        );
        send(&p, 100, t0 + ms(2100), ms(50)).expect("a private chat has no minute limit");
        assert!(p.try_begin(g, t0 + ms(60_050)).is_ok());
    }
}
