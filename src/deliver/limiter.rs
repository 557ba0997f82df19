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
//! A slot handed out and not used (the shared gate said not yet) is given back: it counts
//! against no limit, so the chat is not held a whole interval for a send that never was.
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

/// The latest slot handed out, and the chat's limits as they were before it.
#[derive(Debug)]
struct Taken {
    chat: i64,
    at: Instant,
    not_before: Option<Instant>,
    recent: VecDeque<Instant>,
}

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
    last_taken: Option<Taken>,
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
            last_taken: None,
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

    /// The slot [`Scheduler::next`] just handed out for `chat` was not used (the gate
    /// said not yet, or the chat had nothing to send after all): it no longer counts
    /// against any limit, and the chat waits until `until` if given. Only the latest
    /// slot can be given back; any other call changes nothing but the wait.
    pub fn give_back(&mut self, chat: i64, until: Option<Instant>) {
        if let Some(taken) = self.last_taken.take_if(|t| t.chat == chat) {
            // The latest slot is the last send counted, unless it has expired since.
            if self.sent.back() == Some(&taken.at) {
                self.sent.pop_back();
            }
            if let Some(state) = self.chats.get_mut(&chat) {
                state.not_before = taken.not_before;
                state.recent = taken.recent;
            }
        }
        match until {
            Some(t) => self.hold(chat, t),
            None if self.chats.get(&chat).is_some_and(|s| s.pending) => self.enqueue(chat),
            None => {}
        }
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
        self.last_taken = Some(Taken {
            chat,
            at: now,
            not_before: state.not_before,
            recent: state.recent.clone(),
        });
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
mod tests;
