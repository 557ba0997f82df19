//! The `solibot` binary: parse arguments and environment, load the configuration, set up
//! logging, run the command; errors become one `error:` line and an exit code.

use clap::{Parser, Subcommand};
use solibot::config::{self, LogFormat};
use solibot::i18n::{Lang, tn};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "solibot",
    version,
    about = "Solidarity alerts: partner feeds in, appeals out to Telegram"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot (long-running).
    Run {
        /// Configuration file (else SOLIBOT_CONFIG, else config/solibot.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// No Telegram: print the alerts that would be sent to standard output.
        #[arg(long)]
        dry_run: bool,
    },
    /// Fetch or read one feed and run appeal detection on every entry.
    Check {
        /// A URL, a local path, or `-` for standard input.
        source: String,
        /// JSON Lines output, one object per entry.
        #[arg(long)]
        json: bool,
        /// Every entry, not only appeals.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Export or import the feeds of the database as OPML (stop the bot first).
    Feeds {
        #[command(subcommand)]
        action: FeedsAction,
        #[arg(long, global = true)]
        config: Option<PathBuf>,
    },
    /// Organizers' verdicts (`/wrong`, `/send`) from the database (stop the bot first).
    Feedback {
        #[command(subcommand)]
        action: FeedbackAction,
        #[arg(long, global = true)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum FeedbackAction {
    /// Every verdict as JSON Lines on standard output, oldest first: the fields of
    /// `check --json`, then `verdict`, `by` and `at`.
    Export,
}

#[derive(Subcommand)]
enum FeedsAction {
    /// Write the feeds as an OPML 2.0 file (`-` for standard output).
    Export { file: PathBuf },
    /// Add each feed of an OPML file, fetching and checking it like /addfeed (`-` for
    /// standard input); prints what was added, skipped and refused.
    Import { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env: HashMap<String, String> = std::env::vars().collect();
    let config_path = match &cli.command {
        Command::Run { config, .. }
        | Command::Check { config, .. }
        | Command::Feeds { config, .. }
        | Command::Feedback { config, .. } => config.clone(),
    };
    let cfg = match config::load(config_path.as_deref(), &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(
        &cfg,
        matches!(
            cli.command,
            Command::Check { .. } | Command::Feeds { .. } | Command::Feedback { .. }
        ),
        &env,
    );
    let runtime = match solibot::app::runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.command {
        Command::Run { dry_run, .. } => {
            let code = match runtime.block_on(solibot::app::run_until_signal(cfg, dry_run)) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {}", solibot::app::scrub_error(&e, &env));
                    1
                }
            };
            // Every task has stopped and the store is flushed: end here rather than tear
            // the runtime's threads down. Their thread-local destructors (the runtime's,
            // sled's, the HTTP client's) drop in no fixed order, and once, under load, one
            // touched another already gone and aborted a clean shutdown.
            std::process::exit(code)
        }
        Command::Feeds { action, .. } => run_feeds(&runtime, cfg, action),
        Command::Feedback {
            action: FeedbackAction::Export,
            ..
        } => export_feedback(&cfg),
        Command::Check {
            source, json, all, ..
        } => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match runtime.block_on(solibot::check::run(&cfg, &source, json, all, &mut out)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(e.exit_code() as u8)
                }
            }
        }
    }
}

fn run_feeds(
    runtime: &tokio::runtime::Runtime,
    cfg: config::Config,
    action: FeedsAction,
) -> ExitCode {
    let result = match action {
        FeedsAction::Export { file } => runtime
            .block_on(solibot::manage::export_file(&cfg, &file))
            .map(|n| {
                if file.as_os_str() != "-" {
                    let file = file.display().to_string();
                    let text = tn(Lang::En, "cli.exported", n as u64, &[("file", &file)]);
                    println!("{text}");
                }
            }),
        FeedsAction::Import { file } => runtime
            .block_on(solibot::manage::import_file(cfg, &file))
            .map(|report| println!("{report}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn export_feedback(cfg: &config::Config) -> ExitCode {
    let stdout = std::io::stdout();
    match solibot::feedback::export(cfg, &mut stdout.lock()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn init_logging(cfg: &config::Config, quiet: bool, env: &HashMap<String, String>) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_new(cfg.log_level.as_deref().unwrap_or(default))
        .unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(config::log_colours(std::io::stderr().is_terminal(), env));
    match cfg.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
