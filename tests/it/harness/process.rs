//! The `solibot` binary as a separate process: the one way the tests start it, for those
//! that run it as an operator does — stopped with SIGTERM, killed with SIGKILL and
//! restarted on the same data, its exit status and output read, its `/metrics` and
//! `/proc` figures observed.
//!
//! A [`Launch`] says how (arguments, environment, working folder, standard input, whether
//! the output is captured); [`Launch::bot`] is the tests' bot against the fake Bot API.
//! A [`Process`] is killed when dropped, so a failing test leaves nothing running.

use super::bot_env;
use crate::support::telegram::FakeTelegram;
use solibot::metrics::{self, Metric};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How to start the binary. The environment is only what is set here: nothing of the
/// test's own leaks in.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    capture: bool,
    metrics: Option<String>,
}

impl Launch {
    /// `solibot <args>` with an empty environment.
    pub fn command(args: &[&str]) -> Launch {
        Launch {
            args: args.iter().map(OsString::from).collect(),
            ..Launch::default()
        }
    }

    /// The tests' bot: `solibot run --config <dir>/solibot.toml` (the file holds `toml`)
    /// with the environment of [`bot_env`] (the fake Telegram, data in `<dir>/db`, `ADMIN`,
    /// loopback feeds, polling every second) and logs at `warn`. Add to it with
    /// [`Launch::env`]; a variable set again replaces the first value.
    pub fn bot(tg: &FakeTelegram, dir: &Path, toml: &str) -> Launch {
        let config = dir.join("solibot.toml");
        std::fs::write(&config, toml).expect("the config file is written");
        let mut launch = Launch::command(&["run", "--config"]);
        launch.args.push(config.into_os_string());
        for (k, v) in bot_env(tg, dir) {
            launch = launch.env(k, v);
        }
        launch.env("SOLIBOT_LOG", "warn")
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Launch {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.into()));
        self
    }

    pub fn envs(self, vars: &[(&str, &str)]) -> Launch {
        vars.iter().fold(self, |l, (k, v)| l.env(k, *v))
    }

    /// Runs it in `dir` (relative paths, such as the image's data path, land there).
    pub fn cwd(mut self, dir: &Path) -> Launch {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// Writes `bytes` to its standard input, then closes it.
    pub fn stdin(mut self, bytes: &[u8]) -> Launch {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Captures standard output and error (read by [`Process::finish`]); otherwise standard
    /// output is dropped and standard error goes to the test's.
    pub fn capture(mut self) -> Launch {
        self.capture = true;
        self
    }

    /// Serves `/metrics` on a free port of 127.0.0.1, read by [`Process::metric`].
    pub fn metrics(self) -> Launch {
        let listen = format!("127.0.0.1:{}", super::free_port());
        let mut launch = self.env("SOLIBOT_HTTP_LISTEN", listen.clone());
        launch.metrics = Some(format!("http://{listen}/metrics"));
        launch
    }

    pub fn spawn(self) -> Process {
        let mut process = Process {
            child: None,
            output: None,
            launch: self,
        };
        process.start();
        process
    }

    /// Runs it to its end (at most `timeout`, else it is killed and the test fails) on a
    /// blocking thread: the status and what it wrote.
    pub async fn output(self, timeout: Duration) -> Output {
        let process = self.capture().spawn();
        tokio::task::spawn_blocking(move || process.finish(timeout))
            .await
            .expect("the process is waited for")
    }
}

/// The readers of a captured process's standard output and error.
type Pipes = (JoinHandle<Vec<u8>>, JoinHandle<Vec<u8>>);

/// A running (or killed) `solibot`; killed when dropped.
pub struct Process {
    child: Option<Child>,
    output: Option<Pipes>,
    launch: Launch,
}

impl Process {
    fn start(&mut self) {
        let l = &self.launch;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_solibot"));
        cmd.args(&l.args)
            .env_clear()
            .envs(l.env.iter().map(|(k, v)| (k, v)))
            .stdin(if l.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        if let Some(dir) = &l.cwd {
            cmd.current_dir(dir);
        }
        if l.capture {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        } else {
            cmd.stdout(Stdio::null()).stderr(Stdio::inherit());
        }
        let mut child = cmd.spawn().expect("the solibot binary starts");
        if let (Some(bytes), Some(mut input)) = (l.stdin.clone(), child.stdin.take()) {
            // A reader that stops early closes the pipe: the write may fail, that is all.
            std::thread::spawn(move || {
                let _ = input.write_all(&bytes);
            });
        }
        self.output = match (child.stdout.take(), child.stderr.take()) {
            (Some(out), Some(err)) => Some((read_all(out), read_all(err))),
            _ => None,
        };
        self.child = Some(child);
    }

    fn running(&self) -> &Child {
        self.child.as_ref().expect("a running process")
    }

    /// SIGKILL (no shutdown path runs), then reaped.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL");
            c.wait().expect("reaped");
        }
    }

    /// Starts it again as it was launched (after [`Process::kill9`] or
    /// [`Process::terminate`], or kills it first):
    /// the same arguments, environment and data.
    pub fn restart(&mut self) {
        self.kill9();
        self.start();
    }

    /// Waits for it to end by itself (at most `timeout`, else it is killed and the test
    /// fails): its exit status. It can be [restarted](Process::restart) after.
    pub fn exited(&mut self, timeout: Duration) -> ExitStatus {
        self.wait_exit(timeout).status
    }

    /// Sets `key` in the environment of the next [start](Process::restart).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.launch = std::mem::take(&mut self.launch).env(key, value);
    }

    /// Takes `key` out of the environment of the next [start](Process::restart).
    pub fn unset_env(&mut self, key: &str) {
        self.launch.env.retain(|(k, _)| k != key);
    }

    /// Sends SIGTERM and returns at once.
    pub fn signal_term(&self) {
        let pid = self.running().id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -TERM {pid}");
    }

    /// SIGTERM, then the exit status, which must come within the contract's 10 s. It can
    /// be [restarted](Process::restart) after.
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal_term();
        self.wait_exit(Duration::from_secs(10)).status
    }

    /// Waits for it to end (at most `timeout`, else it is killed and the test fails): its
    /// status, and its output if captured.
    pub fn finish(mut self, timeout: Duration) -> Output {
        self.wait_exit(timeout)
    }

    fn wait_exit(&mut self, timeout: Duration) -> Output {
        let mut child = self.child.take().expect("a running process");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the process") {
                break status;
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the process did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let (stdout, stderr) = match self.output.take() {
            Some((out, err)) => (
                out.join().expect("stdout reader"),
                err.join().expect("stderr reader"),
            ),
            None => Default::default(),
        };
        Output {
            status,
            stdout,
            stderr,
        }
    }

    /// The process's peak resident memory (`VmHWM` of `/proc/<pid>/status`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let pid = self.running().id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    /// The value of an unlabelled metric as `/metrics` shows it, once it answers
    /// (launched with [`Launch::metrics`]).
    pub async fn metric(&self, m: Metric) -> Option<f64> {
        let url = self
            .launch
            .metrics
            .as_ref()
            .expect("launched with metrics()");
        let body = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let prefix = format!("{} ", m.sample());
        body.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
    }

    /// Waits until the outbox is empty: every queued message sent and its record removed,
    /// none in flight. After this nothing more can come of what was queued.
    pub async fn wait_outbox_empty(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while self.metric(metrics::OUTBOX_DEPTH).await != Some(0.0) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the outbox empties: {:?}",
                self.metric(metrics::OUTBOX_DEPTH).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A finished process's exit code (`None`: killed by a signal), standard output and error
/// as text (invalid UTF-8 replaced).
pub fn exit_and_text(out: Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reads a pipe to its end on a thread (a full pipe would stop the process).
fn read_all(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// The bot of the operator's scenes (e2e, crash, import): `feed_url` (if any) as its one
/// partner feed, polled every 2 s, Telegram's rates × `rate_scale`, `/metrics` served.
pub fn operator_bot(
    tg: &FakeTelegram,
    dir: &Path,
    feed_url: Option<&str>,
    rate_scale: &str,
) -> Launch {
    let feeds = feed_url
        .map(|u| format!("[[feeds]]\nurl = \"{u}\"\nname = \"Partner Relief Network\"\n"))
        .unwrap_or_default();
    Launch::bot(tg, dir, &feeds)
        .env("SOLIBOT_POLL_INTERVAL", "2s")
        .env("SOLIBOT_RATE_SCALE", rate_scale)
        .metrics()
}
