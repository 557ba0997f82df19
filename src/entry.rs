//! The domain model of one feed entry, as the rest of the program sees it.
//!
//! `feeds::parse` makes these from bytes; `detect` reads them; nothing here does IO
//! or knows how entries are stored.

use chrono::{DateTime, Utc};

/// One entry of a partner's feed, normalised from RSS, Atom or JSON Feed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// Stable id under which the entry is remembered as seen (never random).
    pub id: String,
    /// The feed's own id for the entry (guid / atom:id / JSON `id`), if it had one.
    pub guid: Option<String>,
    /// Title as plain text (HTML tags removed, entities decoded).
    pub title: String,
    /// The entry's web page.
    pub link: Option<String>,
    /// When the entry was published (else updated), if the feed says.
    pub published: Option<DateTime<Utc>>,
    /// Short description (RSS `description`, Atom `summary`); may be HTML.
    pub summary_html: String,
    /// Full content (RSS `content:encoded`, Atom `content`, JSON `content_html`); may be HTML.
    pub content_html: String,
    /// Category terms or labels, as given.
    pub categories: Vec<String>,
    /// Language declared by the entry or its feed (`xml:lang`, `<language>`), if any.
    pub declared_lang: Option<String>,
    /// The entry's author as named (`dc:creator`, Atom `author`, JSON Feed `authors`), if any.
    pub author: Option<String>,
}

impl Entry {
    /// An entry with a link, a title and an HTML body, for tests.
    #[cfg(test)]
    pub(crate) fn sample(link: &str, title: &str, body: &str) -> Entry {
        Entry {
            id: link.to_string(),
            link: Some(link.to_string()),
            title: title.to_string(),
            content_html: body.to_string(),
            ..Entry::default()
        }
    }

    /// The richest HTML body the entry has: content if present, else the summary.
    pub fn body_html(&self) -> &str {
        if self.content_html.trim().is_empty() {
            &self.summary_html
        } else {
            &self.content_html
        }
    }
}
