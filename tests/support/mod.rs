#![allow(dead_code)]
//! Test doubles (placeholder doc, completed below).

pub mod feed_server;
pub mod gzip;
pub mod telegram;
pub mod tg_html;
pub mod tg_params;
