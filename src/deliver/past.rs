//! Alerts whose date has passed before they could be sent (after an outage): the event
//! has started or the call has closed. Such an alert is never sent on its own. In a
//! digest it is listed under a "past" heading; in a short queue (no digest) it waits
//! behind the chat's other messages, and once only passed alerts are left they go
//! together in one "while we were away, these passed" digest.
//!
//! Must not: read the store or the clock (the worker passes what each key is).

/// What a queued message is, for this decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A notice, or an alert whose dates have not passed.
    Live,
    /// An alert whose `when` or `deadline` has passed.
    Passed,
}

/// The queue's new order (indices into it) and how many of its first keys to send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Indices into the queue, in the order to keep it.
    pub order: Vec<usize>,
    /// How many of the reordered queue's first keys go in the next message.
    pub take: usize,
}

/// The plan for a short queue (one message at a time): when its head has passed and
/// something live waits, the passed ones move behind the live ones; when only passed
/// alerts are left, they are taken together.
pub fn plan(kinds: &[Kind]) -> Plan {
    let in_order: Vec<usize> = (0..kinds.len()).collect();
    if kinds.first() != Some(&Kind::Passed) {
        return Plan {
            order: in_order,
            take: 1.min(kinds.len()),
        };
    }
    let (live, passed): (Vec<usize>, Vec<usize>) =
        in_order.iter().partition(|&&i| kinds[i] == Kind::Live);
    if live.is_empty() {
        return Plan {
            order: in_order,
            take: kinds.len(),
        };
    }
    Plan {
        order: live.into_iter().chain(passed).collect(),
        take: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::Kind::{Live, Passed};
    use super::*;

    #[track_caller]
    fn check(kinds: &[Kind], order: &[usize], take: usize) {
        assert_eq!(
            plan(kinds),
            Plan {
                order: order.to_vec(),
                take
            }
        );
    }

    #[test]
    fn a_live_head_goes_alone_in_order() {
        check(&[Live, Passed, Live], &[0, 1, 2], 1);
        check(&[], &[], 0);
    }

    #[test]
    fn a_passed_head_waits_behind_live_messages() {
        check(&[Passed, Live, Passed, Live], &[1, 3, 0, 2], 1);
    }

    #[test]
    fn passed_alerts_alone_go_together() {
        check(&[Passed], &[0], 1);
        check(&[Passed, Passed, Passed], &[0, 1, 2], 3);
    }
}
