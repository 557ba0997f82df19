//! Partner feeds: fetching (one HTTP client with caps, conditional GET and an address
//! guard) and parsing (bytes -> entries, no IO).

pub mod fetch;
pub mod guard;
pub mod parse;
