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
//! (round-robin, holds, retry_after); this gate only says "not before t". Must not: do IO,
//! or know what the messages are.

use super::limiter::Limits;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const GLOBAL_WINDOW: Duration = Duration::from_secs(1);
const GROUP_WINDOW: Duration = Duration::from_secs(60);
/// How often to look again when the limit is held by a send still in flight.
const IN_FLIGHT_RECHECK: Duration = Duration::from_millis(5);
/// Forget the state of chats idle this long (every limit has expired by then).
const FORGET_AFTER: Duration = Duration::from_secs(61);

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
    pub fn new(limits: Limits) -> Arc<Pace> {
        Arc::new(Pace {
            limits,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Ok`: a send to `chat` may start at `now` and is counted from now on; call
    /// [`Pace::finish`] when it is over. `Err`: not before the time it says.
    pub fn try_begin(&self, chat: i64, now: Instant) -> Result<(), Wait> {
        let limits = self.limits;
        let mut s = self.lock();
        sweep(&mut s, now);
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
        }
    }
}

/// The recent sends as ages at one instant: what a restart needs to keep the limits.
/// Sends in flight count as finished at that instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// How long ago each send of the last second finished.
    pub global: Vec<Duration>,
    /// Per chat, how long ago its sends of the last minute finished (the last one only,
    /// for a private chat).
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
        let chats = s
            .chats
            .iter()
            .filter_map(|(chat, c)| {
                let mut ages: Vec<Duration> = c.group_done.iter().map(age).collect();
                ages.extend(c.last_done.iter().map(age));
                ages.extend(std::iter::repeat_n(Duration::ZERO, c.in_flight));
                ages.retain(|a| *a < FORGET_AFTER);
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

/// Forgets chats whose limits have all expired, once a minute.
fn sweep(s: &mut State, now: Instant) {
    if s.last_sweep.is_some_and(|t| t + FORGET_AFTER > now) {
        return;
    }
    s.last_sweep = Some(now);
    s.chats
        .retain(|_, c| c.in_flight > 0 || c.last_done.is_some_and(|t| t + FORGET_AFTER > now));
}

/// One send under way; it is counted as finished when dropped.
#[derive(Debug)]
pub struct Turn {
    pace: Arc<Pace>,
    chat: i64,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.pace.finish(self.chat, Instant::now());
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
