//! The `solibot` binary as a separate process, for tests that kill it (SIGKILL, SIGTERM)
//! or read its exit status and standard error. The process is killed if the test fails
//! while it runs.

use crate::harness::ADMIN;
use crate::support::telegram::FakeTelegram;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running `solibot run`; killed when dropped.
pub struct Bin {
    child: Option<Child>,
}

impl Bin {
    /// `solibot run --config <dir>/solibot.toml` (the file holds `toml`) against the fake
    /// Telegram, the database in `<dir>/db`, `ADMIN` as its admin, feeds on loopback
    /// allowed, polling every second, and `env` on top. Standard error is piped (read by
    /// [`Bin::exit_within`]) or inherited.
    pub fn spawn(
        tg: &FakeTelegram,
        dir: &Path,
        toml: &str,
        env: &[(&str, &str)],
        pipe_stderr: bool,
    ) -> Bin {
        let config = dir.join("solibot.toml");
        std::fs::write(&config, toml).expect("the config file is written");
        let child = Command::new(env!("CARGO_BIN_EXE_solibot"))
            .args(["run", "--config"])
            .arg(&config)
            .env_clear()
            .env("SOLIBOT_TELEGRAM_TOKEN", tg.token())
            .env("SOLIBOT_TELEGRAM_API_URL", tg.api_url())
            .env("SOLIBOT_DATA_PATH", dir.join("db"))
            .env("SOLIBOT_ADMINS", ADMIN.to_string())
            .env("SOLIBOT_ALLOW_PRIVATE", "1")
            .env("SOLIBOT_POLL_INTERVAL", "1s")
            .env("SOLIBOT_LOG", "warn")
            .env("SOLIBOT_REVIEW_NEW_SITES", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if pipe_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("the solibot binary starts");
        Bin { child: Some(child) }
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().expect("a running child").id();
        let ok = Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill {sig}");
    }

    /// SIGKILL: no shutdown path runs.
    pub fn kill9(mut self) {
        self.signal("-KILL");
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// SIGTERM, then the exit status, which must come within 10 s.
    pub fn terminate(self) -> ExitStatus {
        self.signal("-TERM");
        self.exit_within(Duration::from_secs(10))
            .expect("stops within 10 s of SIGTERM")
            .0
    }

    /// Waits for the process to end by itself: its status and standard error, or `None`
    /// (the process is then killed) if it still runs after `timeout`.
    pub fn exit_within(mut self, timeout: Duration) -> Option<(ExitStatus, String)> {
        let mut child = self.child.take().expect("a running child");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for the child") {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                return Some((status, err));
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Bin {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
