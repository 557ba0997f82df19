//! Events: what a lower layer reports for a higher one to act on, on a channel instead
//! of an import. Polling reports that a feed has been failing or recovered; delivery
//! reports that a chat's subscription ended. The notice task ([`crate::bot::notice`]),
//! owned by [`crate::app`], receives them and tells the organizers.
//!
//! Must not: word or send anything, or block the sender (the channel is unbounded and
//! an event nobody listens for is dropped).

use crate::store::{FeedRecord, SubscriberRecord};
use tokio::sync::mpsc;

/// Something the people running the bot should be told about.
#[derive(Debug, Clone)]
pub enum Event {
    /// The feed (with its health as recorded) has failed for `failure_notice_after`.
    FeedFailing(FeedRecord),
    /// A feed that organizers were told about works again; it had failed since
    /// `failing_since`.
    FeedRecovered {
        /// The feed as recorded when it worked again.
        feed: FeedRecord,
        /// Unix time (seconds) its failures began, if recorded.
        failing_since: Option<i64>,
    },
    /// Telegram refused the chat for good: its subscription ended for `reason`.
    SubscriptionEnded {
        /// The subscription as it was (who set it up, its language).
        record: SubscriberRecord,
        /// Telegram's answer that ended it.
        reason: String,
    },
}

/// The sending end of the event channel; cheap to clone. Without a listener (dry run,
/// command-line tools, tests) events are dropped.
#[derive(Debug, Clone, Default)]
pub struct Events {
    tx: Option<mpsc::UnboundedSender<Event>>,
}

impl Events {
    /// A channel: the sender for the reporting layers, the receiver for the notice task.
    pub fn channel() -> (Events, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Events { tx: Some(tx) }, rx)
    }

    /// Events that go nowhere.
    pub fn none() -> Events {
        Events::default()
    }

    /// Sends the event to the notice task, if one listens; never blocks.
    pub fn emit(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }
}
