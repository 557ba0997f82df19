pub mod limiter;
pub mod render;
