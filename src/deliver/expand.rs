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
