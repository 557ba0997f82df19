//! The one scheduler that owns Telegram's rate limits: it says which chat may send now.
//!
//! Limits kept (Telegram's, see [`Limits::telegram`]):
//! - at most `global_per_sec` messages in any 1 s window, all chats together;
//! - at least `per_chat_interval` between two messages to one chat;
//! - at most `group_per_minute` messages in any 60 s window to one group, supergroup or
//!   channel (a negative chat id);
//! - a chat told to wait (`429 retry_after`, or a backoff after an error) waits alone.
//!
//! Windows are half-open: sends at `t` and `t + 1 s` are never in the same 1 s window.
//! Chats that may send are served round-robin, in the order they became ready, so a
//! slow or limited chat never holds up the others and the global budget stays busy.
//! Every operation costs O(log n) (a ready queue plus a min-heap of not-before times).
//!
//! Must not: read the clock (time is a parameter), do IO, know what the messages are, or
//! keep per-chat order (the caller's queue per chat is FIFO; this hands out "chat X may
//! send now").

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

const GLOBAL_WINDOW: Duration = Duration::from_secs(1);
const GROUP_WINDOW: Duration = Duration::from_secs(60);
/// Messages a second in all with paid broadcasts (`allow_paid_broadcast`).
pub const PAID_PER_SEC: u32 = 1000;

/// The rates the scheduler keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Messages in any 1 s window, all chats together.
    pub global_per_sec: u32,
    /// Least time between two messages to one chat.
    pub per_chat_interval: Duration,
    /// Messages in any 60 s window to one group, supergroup or channel.
    pub group_per_minute: u32,
}

impl Limits {
    /// Telegram's limits for bots: 30 messages a second in all, 1 a second to one chat,
    /// 20 a minute to one group.
    pub fn telegram() -> Limits {
        Limits {
            global_per_sec: 30,
            per_chat_interval: Duration::from_secs(1),
            group_per_minute: 20,
        }
    }

    /// Telegram's limits for paid broadcasts (`allow_paid_broadcast`): up to 1,000
    /// messages a second in all; the limits per chat and per group do not change.
    pub fn telegram_paid() -> Limits {
        Limits {
            global_per_sec: PAID_PER_SEC,
            ..Limits::telegram()
        }
    }

    /// The limits a bot keeps: Telegram's (paid broadcasts or not) times `rate_scale`.
    pub fn for_delivery(rate_scale: f64, paid_broadcast: bool) -> Limits {
        let base = if paid_broadcast {
            Limits::telegram_paid()
        } else {
            Limits::telegram()
        };
        base.times(rate_scale)
    }

    /// Telegram's limits with every rate multiplied by `factor` (so `scaled(100.0)` lets
    /// tests run a hundred times faster); the windows stay 1 s and 60 s. A factor that is
    /// not a positive finite number counts as 1.
    pub fn scaled(factor: f64) -> Limits {
        Limits::telegram().times(factor)
    }

    /// These limits with every rate multiplied by `factor` (see [`Limits::scaled`]).
    pub fn times(self, factor: f64) -> Limits {
        let factor = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        let base = self;
        // Float to integer casts saturate; the clamp keeps at least one message.
        let rate = |n: u32| (f64::from(n) * factor).round().max(1.0) as u32;
        Limits {
            global_per_sec: rate(base.global_per_sec),
            per_chat_interval: Duration::try_from_secs_f64(
                base.per_chat_interval.as_secs_f64() / factor,
            )
            .unwrap_or(Duration::MAX),
            group_per_minute: rate(base.group_per_minute),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::telegram()
    }
}

/// A chat id that stands for a group, supergroup or channel.
fn is_group(chat: i64) -> bool {
    chat < 0
}

/// `t + d`, or as late as can be represented.
fn later(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(t)
}

#[derive(Debug, Default)]
struct Chat {
    /// The chat has messages queued.
    pending: bool,
    /// Not before this time (interval, group window, retry_after, backoff).
    not_before: Option<Instant>,
    /// A group's sends in the current 60 s window, oldest first, at most
    /// `group_per_minute`.
    recent: VecDeque<Instant>,
    /// Only queue entries carrying this ticket are live; any other is stale.
    ticket: u64,
}

impl Chat {
    /// When nothing about this chat matters any more.
    fn expires(&self) -> Option<Instant> {
        let group = self.recent.back().map(|&t| later(t, GROUP_WINDOW));
        self.not_before.max(group)
    }
}

type TimedEntry = Reverse<(Instant, u64, i64)>;

/// Hands out "chat X may send now" within [`Limits`]. See the module documentation.
#[derive(Debug)]
pub struct Scheduler {
    limits: Limits,
    chats: HashMap<i64, Chat>,
    /// Pending chats that may send as soon as the global budget allows, in the order they
    /// became ready: `(chat, ticket)`.
    ready: VecDeque<(i64, u64)>,
    /// Pending chats that must wait: `(not_before, ticket, chat)`, earliest first.
    waiting: BinaryHeap<TimedEntry>,
    /// Chats without messages whose state can go once this time has passed.
    idle: BinaryHeap<TimedEntry>,
    /// All sends in the current 1 s window, oldest first, at most `global_per_sec`.
    sent: VecDeque<Instant>,
    next_ticket: u64,
    pending: usize,
}

impl Scheduler {
    /// A scheduler for `limits` (the overall and group rates at least 1).
    pub fn new(limits: Limits) -> Self {
        let limits = Limits {
            global_per_sec: limits.global_per_sec.max(1),
            group_per_minute: limits.group_per_minute.max(1),
            ..limits
        };
        Scheduler {
            limits,
            chats: HashMap::new(),
            ready: VecDeque::new(),
            waiting: BinaryHeap::new(),
            idle: BinaryHeap::new(),
            sent: VecDeque::new(),
            next_ticket: 0,
            pending: 0,
        }
    }

    /// The limits it applies.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The chat has (`true`) or no longer has (`false`) messages queued. A chat stays
    /// pending after [`Scheduler::next`] hands it out: say `false` when its queue is empty.
    pub fn set_pending(&mut self, chat: i64, pending: bool) {
        if pending {
            let state = self.chats.entry(chat).or_default();
            if state.pending {
                return;
            }
            state.pending = true;
            self.pending += 1;
            self.enqueue(chat);
        } else if self.chats.get(&chat).is_some_and(|s| s.pending) {
            self.pending -= 1;
            self.retire(chat);
        }
    }

    /// `Ok(chat)`: that chat may send one message now; the slot is taken (count it as
    /// sent). `Err(Some(t))`: nothing may be sent before `t` (always later than `now`).
    /// `Err(None)`: no chat is pending.
    pub fn next(&mut self, now: Instant) -> Result<i64, Option<Instant>> {
        self.promote(now);
        self.prune(now);
        while self
            .sent
            .front()
            .is_some_and(|&t| later(t, GLOBAL_WINDOW) <= now)
        {
            self.sent.pop_front();
        }
        while let Some(&(chat, ticket)) = self.ready.front() {
            if self.is_live(chat, ticket) {
                break;
            }
            self.ready.pop_front();
        }
        let global_free = (self.sent.len() >= self.limits.global_per_sec as usize)
            .then(|| self.sent.front().map(|&t| later(t, GLOBAL_WINDOW)))
            .flatten();
        if self.ready.is_empty() {
            let earliest = self.earliest_waiting();
            return Err(earliest.map(|t| t.max(global_free.unwrap_or(t))));
        }
        if let Some(free) = global_free {
            return Err(Some(free));
        }
        let Some((chat, _)) = self.ready.pop_front() else {
            return Err(self.earliest_waiting());
        };
        self.record_send(chat, now);
        Ok(chat)
    }

    /// Telegram answered 429 for this chat: it waits `wait` from `now`; others go on.
    pub fn retry_after(&mut self, chat: i64, now: Instant, wait: Duration) {
        self.hold(chat, later(now, wait));
    }

    /// This chat waits until `until` (backoff after an error). A hold never shortens an
    /// earlier, longer one, nor any rate limit.
    pub fn backoff(&mut self, chat: i64, until: Instant) {
        self.hold(chat, until);
    }

    /// Drops everything about the chat (unsubscribed, blocked, migrated).
    pub fn forget(&mut self, chat: i64) {
        if let Some(state) = self.chats.remove(&chat)
            && state.pending
        {
            self.pending -= 1;
        }
    }

    /// How many chats have messages queued.
    pub fn pending_len(&self) -> usize {
        self.pending
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    fn is_live(&self, chat: i64, ticket: u64) -> bool {
        self.chats
            .get(&chat)
            .is_some_and(|s| s.pending && s.ticket == ticket)
    }

    /// Gives a pending chat its one live queue entry (any older entry goes stale).
    fn enqueue(&mut self, chat: i64) {
        let ticket = self.ticket();
        let Some(state) = self.chats.get_mut(&chat) else {
            return;
        };
        state.ticket = ticket;
        match state.not_before {
            None => self.ready.push_back((chat, ticket)),
            Some(t) => self.waiting.push(Reverse((t, ticket, chat))),
        }
    }

    /// A chat without messages: drop its state now, or once its limits no longer matter.
    fn retire(&mut self, chat: i64) {
        let ticket = self.ticket();
        let Some(state) = self.chats.get_mut(&chat) else {
            return;
        };
        state.pending = false;
        state.ticket = ticket;
        match state.expires() {
            None => {
                self.chats.remove(&chat);
            }
            Some(t) => self.idle.push(Reverse((t, ticket, chat))),
        }
    }

    fn hold(&mut self, chat: i64, until: Instant) {
        let state = self.chats.entry(chat).or_default();
        state.not_before = state.not_before.max(Some(until));
        if state.pending {
            self.enqueue(chat);
        } else {
            self.retire(chat);
        }
    }

    /// Moves waiting chats whose time has come to the back of the ready queue.
    fn promote(&mut self, now: Instant) {
        while let Some(&Reverse((t, ticket, chat))) = self.waiting.peek() {
            if t > now {
                break;
            }
            self.waiting.pop();
            if self.is_live(chat, ticket) {
                self.ready.push_back((chat, ticket));
            }
        }
    }

    /// Forgets idle chats whose limits have expired.
    fn prune(&mut self, now: Instant) {
        while let Some(&Reverse((t, ticket, chat))) = self.idle.peek() {
            if t > now {
                break;
            }
            self.idle.pop();
            if self
                .chats
                .get(&chat)
                .is_some_and(|s| !s.pending && s.ticket == ticket)
            {
                self.chats.remove(&chat);
            }
        }
    }

    /// The earliest time a waiting chat becomes ready (stale entries dropped on the way).
    fn earliest_waiting(&mut self) -> Option<Instant> {
        while let Some(&Reverse((t, ticket, chat))) = self.waiting.peek() {
            if self.is_live(chat, ticket) {
                return Some(t);
            }
            self.waiting.pop();
        }
        None
    }

    fn record_send(&mut self, chat: i64, now: Instant) {
        self.sent.push_back(now);
        let limits = self.limits;
        let Some(state) = self.chats.get_mut(&chat) else {
            return;
        };
        let mut not_before = later(now, limits.per_chat_interval);
        if is_group(chat) {
            while state
                .recent
                .front()
                .is_some_and(|&t| later(t, GROUP_WINDOW) <= now)
            {
                state.recent.pop_front();
            }
            state.recent.push_back(now);
            while state.recent.len() > limits.group_per_minute as usize {
                state.recent.pop_front();
            }
            if state.recent.len() >= limits.group_per_minute as usize
                && let Some(&oldest) = state.recent.front()
            {
                not_before = not_before.max(later(oldest, GROUP_WINDOW));
            }
        }
        state.not_before = Some(not_before);
        self.enqueue(chat);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const GROUP: i64 = -1_001_234_567_890;

    /// One send in a simulated run: when (since the start) and to which chat.
    type Log = Vec<(Duration, i64)>;

    /// Drives the scheduler like the outbox worker does: every chat in `queues` has that
    /// many messages; `on_send(scheduler, now, chat)` returns false when the send failed
    /// (the message stays queued). Time jumps to whatever `next` says.
    fn simulate(
        s: &mut Scheduler,
        queues: &[(i64, usize)],
        mut on_send: impl FnMut(&mut Scheduler, Instant, i64) -> bool,
    ) -> Log {
        let t0 = Instant::now();
        let mut left: HashMap<i64, usize> = queues.iter().copied().collect();
        for &(chat, n) in queues {
            s.set_pending(chat, n > 0);
        }
        let mut now = t0;
        let mut log = Vec::new();
        loop {
            match s.next(now) {
                Ok(chat) => {
                    log.push((now - t0, chat));
                    if on_send(s, now, chat) {
                        let n = left.get_mut(&chat).expect("a chat with messages");
                        *n -= 1;
                        if *n == 0 {
                            s.set_pending(chat, false);
                        }
                    }
                }
                Err(Some(t)) => {
                    assert!(t > now, "next must move time forward");
                    now = t;
                }
                Err(None) => break,
            }
            assert!(log.len() < 1_000_000, "runaway simulation");
        }
        log
    }

    /// The most sends in any half-open window of length `window`.
    fn max_in_window(times: &[Duration], window: Duration) -> usize {
        let mut best = 0;
        let mut start = 0;
        for (end, &t) in times.iter().enumerate() {
            while times[start] + window <= t {
                start += 1;
            }
            best = best.max(end - start + 1);
        }
        best
    }

    fn times(log: &Log) -> Vec<Duration> {
        log.iter().map(|&(t, _)| t).collect()
    }

    fn per_chat(log: &Log) -> BTreeMap<i64, Vec<Duration>> {
        let mut by_chat: BTreeMap<i64, Vec<Duration>> = BTreeMap::new();
        for &(t, chat) in log {
            by_chat.entry(chat).or_default().push(t);
        }
        by_chat
    }

    fn secs(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&s| Duration::from_secs(s)).collect()
    }

    /// Every limit of `limits` holds in `log`.
    fn assert_within_limits(log: &Log, limits: Limits) {
        let all = times(log);
        let global = max_in_window(&all, GLOBAL_WINDOW);
        assert!(
            global <= limits.global_per_sec as usize,
            "{global} in one second"
        );
        for (chat, sends) in per_chat(log) {
            for pair in sends.windows(2) {
                assert!(
                    pair[1] - pair[0] >= limits.per_chat_interval,
                    "chat {chat}: {:?} then {:?}",
                    pair[0],
                    pair[1]
                );
            }
            if is_group(chat) {
                let n = max_in_window(&sends, GROUP_WINDOW);
                assert!(
                    n <= limits.group_per_minute as usize,
                    "group {chat}: {n} a minute"
                );
            }
        }
    }

    #[test]
    fn ten_thousand_private_chats_go_at_exactly_thirty_a_second() {
        let mut s = Scheduler::new(Limits::telegram());
        let queues: Vec<(i64, usize)> = (1..=10_000).map(|chat| (chat, 1)).collect();
        let log = simulate(&mut s, &queues, |_, _, _| true);
        assert_eq!(log.len(), 10_000);
        assert_eq!(per_chat(&log).len(), 10_000, "each chat exactly once");
        assert_within_limits(&log, Limits::telegram());
        let all = times(&log);
        assert_eq!(max_in_window(&all, GLOBAL_WINDOW), 30);
        // Every whole second is full: 30, 30, …, then the last 10.
        for second in 0..333u64 {
            let n = all.iter().filter(|t| t.as_secs() == second).count();
            assert_eq!(n, 30, "second {second}");
        }
        assert_eq!(all.iter().filter(|t| t.as_secs() == 333).count(), 10);
        assert_eq!(s.pending_len(), 0);
    }

    #[test]
    fn one_chat_gets_one_message_a_second() {
        let mut s = Scheduler::new(Limits::telegram());
        let log = simulate(&mut s, &[(42, 5)], |_, _, _| true);
        assert_eq!(times(&log), secs(&[0, 1, 2, 3, 4]));
    }

    #[test]
    fn a_group_gets_at_most_twenty_a_minute() {
        let mut s = Scheduler::new(Limits::telegram());
        let log = simulate(&mut s, &[(GROUP, 30)], |_, _, _| true);
        assert_within_limits(&log, Limits::telegram());
        let expected: Vec<u64> = (0..20).chain(60..70).collect();
        assert_eq!(times(&log), secs(&expected));
    }

    #[test]
    fn a_chat_under_retry_after_does_not_delay_others() {
        let mut s = Scheduler::new(Limits::telegram());
        let mut refused = false;
        let log = simulate(&mut s, &[(1, 3), (2, 3)], |s, now, chat| {
            if chat == 1 && !refused {
                refused = true;
                s.retry_after(1, now, Duration::from_secs(30));
                return false;
            }
            true
        });
        let by_chat = per_chat(&log);
        assert_eq!(by_chat[&2], secs(&[0, 1, 2]));
        assert_eq!(by_chat[&1], secs(&[0, 30, 31, 32]));
    }

    #[test]
    fn a_slow_group_does_not_hold_up_private_chats() {
        let mut s = Scheduler::new(Limits::telegram());
        let mut queues = vec![(GROUP, 100)];
        queues.extend((1..=100).map(|chat| (chat, 1)));
        let log = simulate(&mut s, &queues, |_, _, _| true);
        assert_within_limits(&log, Limits::telegram());
        let by_chat = per_chat(&log);
        let last_private = (1..=100).map(|c| by_chat[&c][0]).max();
        assert!(
            last_private < Some(Duration::from_secs(4)),
            "{last_private:?}"
        );
        assert_eq!(by_chat[&GROUP].len(), 100);
    }

    #[test]
    fn backoff_holds_only_that_chat_and_never_shortens_a_hold() {
        let mut s = Scheduler::new(Limits::telegram());
        let t0 = Instant::now();
        s.set_pending(1, true);
        s.set_pending(2, true);
        s.backoff(1, t0 + Duration::from_secs(10));
        s.backoff(1, t0 + Duration::from_secs(5));
        assert_eq!(s.next(t0), Ok(2));
        s.set_pending(2, false);
        assert_eq!(s.next(t0), Err(Some(t0 + Duration::from_secs(10))));
        assert_eq!(s.next(t0 + Duration::from_secs(10)), Ok(1));
    }

    #[test]
    fn forget_drops_the_chat() {
        let mut s = Scheduler::new(Limits::telegram());
        let t0 = Instant::now();
        s.set_pending(1, true);
        s.set_pending(2, true);
        assert_eq!(s.pending_len(), 2);
        s.forget(1);
        assert_eq!(s.pending_len(), 1);
        assert_eq!(s.next(t0), Ok(2));
        s.set_pending(2, false);
        assert_eq!(s.next(t0), Err(None));
        assert!(!s.chats.contains_key(&1));

        // Forgotten then pending again: one live entry, not two.
        s.set_pending(3, true);
        s.forget(3);
        s.set_pending(3, true);
        assert_eq!(s.next(t0), Ok(3));
        assert_eq!(s.next(t0), Err(Some(t0 + Duration::from_secs(1))));
    }

    #[test]
    fn set_pending_is_idempotent_and_next_is_sticky() {
        let mut s = Scheduler::new(Limits::telegram());
        let t0 = Instant::now();
        s.set_pending(7, true);
        s.set_pending(7, true);
        assert_eq!(s.pending_len(), 1);
        assert_eq!(s.next(t0), Ok(7));
        // Still pending: the caller had more messages and did not say otherwise.
        assert_eq!(s.pending_len(), 1);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(s.next(t0 + Duration::from_millis(999)), Err(Some(t1)));
        assert_eq!(s.next(t1), Ok(7));
        s.set_pending(7, false);
        s.set_pending(7, false);
        assert_eq!(s.pending_len(), 0);
        // Becoming pending again soon still respects the interval.
        s.set_pending(7, true);
        let t2 = t1 + Duration::from_secs(1);
        assert_eq!(s.next(t1), Err(Some(t2)));
        assert_eq!(s.next(t2), Ok(7));
    }

    #[test]
    fn idle_chats_are_pruned_once_their_limits_expire() {
        let mut s = Scheduler::new(Limits::telegram());
        let queues: Vec<(i64, usize)> = (1..=50).map(|c| (c, 2)).chain([(GROUP, 3)]).collect();
        simulate(&mut s, &queues, |_, _, _| true);
        assert!(!s.chats.is_empty(), "recent limits are still kept");
        assert_eq!(s.next(Instant::now() + Duration::from_secs(120)), Err(None));
        assert!(s.chats.is_empty(), "{} chats left", s.chats.len());
        assert!(s.idle.is_empty());
    }

    #[test]
    fn scaled_limits_multiply_rates() {
        let fast = Limits::scaled(10.0);
        assert_eq!(fast.global_per_sec, 300);
        assert_eq!(fast.group_per_minute, 200);
        assert_eq!(fast.per_chat_interval, Duration::from_millis(100));
        assert_eq!(Limits::scaled(f64::NAN), Limits::telegram());
        assert_eq!(Limits::scaled(-3.0), Limits::telegram());
        assert_eq!(Limits::scaled(1e-12).global_per_sec, 1);
        assert_eq!(Limits::scaled(1e300).global_per_sec, u32::MAX);

        let mut s = Scheduler::new(fast);
        let queues: Vec<(i64, usize)> = (1..=1000).map(|c| (c, 2)).chain([(GROUP, 250)]).collect();
        let log = simulate(&mut s, &queues, |_, _, _| true);
        assert_eq!(log.len(), 2250);
        assert_within_limits(&log, fast);
    }

    /// xorshift64*: the same random run every time.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        }
    }

    #[test]
    fn random_runs_keep_every_limit_and_deliver_everything() {
        let limits = Limits::telegram();
        for seed in 1..=20u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut s = Scheduler::new(limits);
            let t0 = Instant::now();
            let mut now = t0;
            let chats: Vec<i64> = (1..=60)
                .map(|i| {
                    if i % 4 == 0 {
                        -1_000_000_000_000 - i
                    } else {
                        i
                    }
                })
                .collect();
            let mut left: HashMap<i64, u64> = HashMap::new();
            let mut held: HashMap<i64, Instant> = HashMap::new();
            let mut forgotten: Vec<i64> = Vec::new();
            let mut log: Log = Vec::new();
            let mut arrivals = 300u64;
            loop {
                // New messages arrive now and then; a few chats go away.
                if arrivals > 0 && rng.below(3) == 0 {
                    arrivals -= 1;
                    let chat = chats[rng.below(chats.len() as u64) as usize];
                    if !forgotten.contains(&chat) {
                        *left.entry(chat).or_default() += 1 + rng.below(4);
                        s.set_pending(chat, true);
                    }
                }
                if rng.below(200) == 0 {
                    let chat = chats[rng.below(chats.len() as u64) as usize];
                    s.forget(chat);
                    left.remove(&chat);
                    forgotten.push(chat);
                }
                let pending = left.values().filter(|&&n| n > 0).count();
                assert_eq!(s.pending_len(), pending, "seed {seed}");
                match s.next(now) {
                    Ok(chat) => {
                        assert!(!forgotten.contains(&chat), "sent to forgotten chat {chat}");
                        assert!(held.get(&chat).is_none_or(|&h| h <= now), "hold broken");
                        log.push((now - t0, chat));
                        match rng.below(10) {
                            0 => {
                                let wait = Duration::from_secs(1 + rng.below(40));
                                s.retry_after(chat, now, wait);
                                held.insert(chat, now + wait);
                            }
                            1 => {
                                let until = now + Duration::from_millis(rng.below(20_000));
                                s.backoff(chat, until);
                                let h = held.entry(chat).or_insert(until);
                                *h = (*h).max(until);
                            }
                            _ => {
                                let n = left.get_mut(&chat).expect("pending chat");
                                *n -= 1;
                                if *n == 0 {
                                    left.remove(&chat);
                                    s.set_pending(chat, false);
                                }
                            }
                        }
                    }
                    Err(Some(t)) => {
                        assert!(t > now);
                        // Sometimes wake early, as a real worker woken by new work does.
                        now = if rng.below(4) == 0 {
                            now + (t - now) / 2
                        } else {
                            t
                        };
                    }
                    Err(None) if arrivals == 0 => break,
                    Err(None) => now += Duration::from_millis(rng.below(3000)),
                }
            }
            assert!(left.is_empty(), "seed {seed}: undelivered {left:?}");
            assert!(log.len() > 100, "seed {seed}: {} sends", log.len());
            assert_within_limits(&log, limits);
        }
    }
}
