//! The `solibot` binary as a separate process, for the tests that run it the way an
//! operator does: started on a data folder, stopped with SIGTERM or killed with SIGKILL,
//! and observed through the fake Bot API, the feed server, `/metrics` and `/proc`.

use crate::harness::ADMIN;
use crate::support::telegram::FakeTelegram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The running binary; killed (SIGKILL) when dropped, so a failing test leaves nothing.
pub struct Bot {
    child: Option<Child>,
    metrics: String,
}

impl Bot {
    /// `solibot run` on the data in `dir`, polling `feed_url` (if any) every 2 s, with
    /// Telegram's rates × `rate_scale`, `ADMIN` as admin and `/metrics` on a free port.
    pub fn spawn(tg: &FakeTelegram, dir: &Path, feed_url: Option<&str>, rate_scale: &str) -> Bot {
        let config = dir.join("solibot.toml");
        let feeds = feed_url
            .map(|u| format!("[[feeds]]\nurl = \"{u}\"\nname = \"Partner Relief Network\"\n"))
            .unwrap_or_default();
        std::fs::write(
            &config,
            format!(
                "[polling]\ninterval = \"2s\"\n[fetch]\nallow_private_addresses = true\n{feeds}"
            ),
        )
        .expect("config written");
        let listen = format!("127.0.0.1:{}", crate::harness::free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_solibot"))
            .args(["run", "--config"])
            .arg(&config)
            .env_clear()
            .env("SOLIBOT_TELEGRAM_TOKEN", tg.token())
            .env("SOLIBOT_TELEGRAM_API_URL", tg.api_url())
            .env("SOLIBOT_DATA_PATH", dir.join("db"))
            .env("SOLIBOT_ADMINS", ADMIN.to_string())
            .env("SOLIBOT_RATE_SCALE", rate_scale)
            .env("SOLIBOT_HTTP_LISTEN", &listen)
            .env("SOLIBOT_LOG", "warn")
            .env("SOLIBOT_REVIEW_NEW_SITES", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the solibot binary starts");
        Bot {
            child: Some(child),
            metrics: format!("http://{listen}/metrics"),
        }
    }

    /// SIGTERM, then the exit status, which must come within the contract's 10 s.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        let ok = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -TERM");
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = c.try_wait().expect("wait") {
                return status;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = c.kill();
                panic!("stops within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process's peak resident memory (`VmHWM` of `/proc/<pid>/status`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let pid = self.child.as_ref().expect("running").id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    /// SIGKILL, sent directly (no `kill` process in between), then reaped.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL");
            c.wait().expect("reaped");
        }
    }

    /// The outbox's depth as `/metrics` shows it, once it answers.
    pub async fn outbox_depth(&self) -> Option<f64> {
        let body = reqwest::Client::new()
            .get(&self.metrics)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        body.lines()
            .find_map(|l| l.strip_prefix("solibot_outbox_depth "))
            .and_then(|v| v.trim().parse().ok())
    }

    /// Waits until the outbox is empty: every queued message sent and its record removed,
    /// none in flight. After this nothing more can come of what was queued.
    pub async fn wait_outbox_empty(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while self.outbox_depth().await != Some(0.0) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the outbox empties: {:?}",
                self.outbox_depth().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
