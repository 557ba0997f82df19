//! Tests of the limiter, time given as a parameter: the overall, per-chat and per-group
//! limits, holds after Retry-After, pruning, scaled rates, random runs against every limit.

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
fn a_private_chat_is_not_held_to_a_groups_twenty_a_minute() {
    let mut s = Scheduler::new(Limits::telegram());
    let log = simulate(&mut s, &[(42, 25)], |_, _, _| true);
    let expected: Vec<u64> = (0..25).collect();
    assert_eq!(times(&log), secs(&expected));
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

#[test]
fn a_slot_given_back_costs_the_chat_and_the_budget_nothing() {
    let limits = Limits {
        global_per_sec: 1,
        ..Limits::telegram()
    };
    let mut s = Scheduler::new(limits);
    let t0 = Instant::now();
    s.set_pending(1, true);
    s.set_pending(2, true);
    assert_eq!(s.next(t0), Ok(1));
    // The gate said "not yet" for chat 1 until 10 ms from now.
    s.give_back(1, Some(t0 + Duration::from_millis(10)));
    // Its slot of the one-a-second budget is free again: chat 2 goes at once.
    assert_eq!(s.next(t0), Ok(2));
    s.set_pending(2, false);
    // Chat 1 waits for the gate and for the budget (chat 2's send), not for its own
    // interval after a send that never happened.
    assert_eq!(s.next(t0), Err(Some(t0 + Duration::from_secs(1))));
    assert_eq!(s.next(t0 + Duration::from_secs(1)), Ok(1));
}

#[test]
fn a_group_slot_given_back_leaves_its_minute_as_it_was() {
    let limits = Limits {
        global_per_sec: 1000,
        per_chat_interval: Duration::ZERO,
        group_per_minute: 2,
    };
    let mut s = Scheduler::new(limits);
    let t0 = Instant::now();
    s.set_pending(GROUP, true);
    assert_eq!(s.next(t0), Ok(GROUP));
    for i in 1..=3 {
        // Three slots handed out and given back: none of them counts.
        let at = t0 + Duration::from_millis(i);
        assert_eq!(s.next(at), Ok(GROUP), "slot {i}");
        s.give_back(GROUP, None);
    }
    let at = t0 + Duration::from_millis(5);
    assert_eq!(s.next(at), Ok(GROUP), "the minute's second send");
    assert_eq!(s.next(at), Err(Some(t0 + GROUP_WINDOW)), "two a minute");
}

#[test]
fn only_the_latest_slot_can_be_given_back() {
    let mut s = Scheduler::new(Limits::telegram());
    let t0 = Instant::now();
    s.set_pending(1, true);
    s.set_pending(2, true);
    assert_eq!(s.next(t0), Ok(1));
    assert_eq!(s.next(t0), Ok(2));
    // Chat 1's slot is no longer the latest: its send counts, its interval holds.
    s.give_back(1, None);
    s.set_pending(2, false);
    assert_eq!(s.next(t0), Err(Some(t0 + Duration::from_secs(1))));
}

#[test]
fn paid_broadcasts_allow_a_thousand_a_second_and_keep_the_other_limits() {
    let paid = Limits::for_delivery(1.0, true);
    assert_eq!(paid.global_per_sec, PAID_PER_SEC);
    assert_eq!(PAID_PER_SEC, 1000);
    assert_eq!(
        Limits {
            global_per_sec: 30,
            ..paid
        },
        Limits::telegram()
    );
    assert_eq!(Limits::for_delivery(1.0, false), Limits::telegram());
}

#[test]
fn a_chat_that_gave_back_its_slot_and_has_nothing_left_is_forgotten() {
    let mut s = Scheduler::new(Limits::telegram());
    let t0 = Instant::now();
    s.set_pending(1, true);
    assert_eq!(s.next(t0), Ok(1));
    // Its queue emptied meanwhile, then the unused slot is given back.
    s.set_pending(1, false);
    s.give_back(1, None);
    assert_eq!(s.next(t0 + Duration::from_secs(2)), Err(None));
    assert!(
        !s.chats.contains_key(&1),
        "an idle chat's state outlives its limits"
    );
}
