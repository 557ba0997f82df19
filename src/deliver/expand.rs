//! When the worker turns the next part of the queued broadcasts into per-chat outbox
//! records ([`Store::expand_broadcasts`]): once its window has read the whole outbox and
//! holds fewer than [`LOW_WATER`] chats. The outbox then holds a few thousand records
//! at most, however many chats an alert goes to, and the window always has the next
//! chats ready before the current ones are sent.
//!
//! Must not: send, or write to the store otherwise than through the expansion.

use super::window::Window;
use crate::store::Store;

/// The window's chats below which the next part is expanded.
pub const LOW_WATER: usize = 1024;

/// Expands the next part if the window runs short; whether records were written (the
/// window is then told to read on).
pub fn expand_if_short(window: &mut Window, store: &Store) -> bool {
    if window.has_unread() || window.chats() >= LOW_WATER {
        return false;
    }
    match store.expand_broadcasts() {
        Ok(0) => false,
        Ok(_) => {
            window.news();
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot expand a queued broadcast");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AlertRecord, NewEntry};

    /// A store owing one alert to `chats` private chats, queued as a broadcast.
    async fn owing(chats: i64) -> Store {
        let s = Store::temporary().unwrap();
        let entry = NewEntry {
            keys: vec!["e".into()],
            alert: Some(AlertRecord {
                v: 1,
                title: "T".into(),
                ..AlertRecord::default()
            }),
        };
        let to: Vec<(i64, Option<i32>)> = (1..=chats).map(|c| (c, None)).collect();
        s.commit_new_entries(1, &[entry], &to).await.unwrap();
        s
    }

    /// Per-chat outbox records written so far.
    fn expanded(s: &Store) -> usize {
        s.outbox_keys_after(None, usize::MAX).unwrap().len()
    }

    #[tokio::test]
    async fn a_part_is_expanded_only_once_the_window_has_read_everything_and_runs_short() {
        let s = owing(10).await;
        let mut w = Window::new();
        // Nothing read yet: the records in the store come first.
        assert!(
            !expand_if_short(&mut w, &s),
            "expanded with the outbox unread"
        );
        assert_eq!(expanded(&s), 0);
        w.refill(&s).unwrap();
        assert!(expand_if_short(&mut w, &s), "read all, holding nothing");
        assert_eq!(expanded(&s), 10);
        assert!(w.has_unread(), "told to read on");
        w.refill(&s).unwrap();
        assert_eq!(w.chats(), 10);
        // Nothing more is owed.
        assert!(!expand_if_short(&mut w, &s), "nothing was owed");
    }

    #[tokio::test]
    async fn a_window_with_enough_chats_leaves_the_rest_queued() {
        let s = owing(3 * LOW_WATER as i64).await;
        let mut w = Window::new();
        w.refill(&s).unwrap();
        while w.chats() < LOW_WATER {
            assert!(expand_if_short(&mut w, &s), "more is owed");
            w.refill(&s).unwrap();
        }
        let before = expanded(&s);
        assert!(
            !expand_if_short(&mut w, &s),
            "expanded with the window full enough"
        );
        assert_eq!(expanded(&s), before);
    }
}
