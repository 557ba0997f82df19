//! The code's shape, enforced: no function in `src/` (`src/detect/` included) runs over
//! [`MAX_FN_LINES`] lines; a longer one is a pipeline waiting for its steps to be named.
//! Relies on rustfmt's layout (`cargo fmt --check` runs in CI): a function's body ends
//! at the first `}` line at the indentation of its `fn` line.

use crate::layers::rust_files;
use std::path::Path;

const MAX_FN_LINES: usize = 150;

/// Each function in `source`: its name, first line (1-based) and length in lines.
fn functions(source: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let indent = line.len() - code.len();
        let Some(name) = fn_name(code) else {
            continue;
        };
        let Some(open) = (i..lines.len()).find(|&j| {
            let l = lines[j].trim_end();
            l.ends_with('{') || l.ends_with(';') || l.ends_with('}')
        }) else {
            continue;
        };
        let l = lines[open].trim_end();
        if !l.ends_with('{') {
            continue; // a declaration, or a one-line function
        }
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = (open + 1..lines.len()).find(|&j| lines[j].trim_end() == close) {
            out.push((name, i + 1, end - i + 1));
        }
    }
    out
}

/// The function a line declares (`pub(crate) async fn name<…>(…`), if it declares one.
fn fn_name(code: &str) -> Option<String> {
    let mut rest = code;
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
        }
    }
    for prefix in ["const ", "async ", "unsafe "] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
        }
    }
    let name: String = rest
        .strip_prefix("fn ")?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[test]
fn no_function_in_src_runs_over_150_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut long = Vec::new();
    let mut seen = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for (name, line, len) in functions(&text) {
            seen += 1;
            if len > MAX_FN_LINES {
                let shown = file.strip_prefix(&src).unwrap_or(file).display();
                long.push(format!("src/{shown}:{line} `{name}`: {len} lines"));
            }
        }
    }
    assert!(
        seen > 100,
        "only {seen} functions found: the scan is broken"
    );
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines (name their steps):\n{}",
        long.join("\n")
    );
}

#[test]
fn function_lengths_are_measured_from_fn_to_its_closing_brace() {
    let source = "\
/// doc
pub async fn long(
    a: u8,
) -> u8 {
    let s = \"}\";
    if a > 0 {
        1
    } else {
        2
    }
}

fn one() -> u8 { 1 }

trait T {
    fn declared(&self);
    fn default(&self) {
        let _ = 1;
    }
}
";
    assert_eq!(
        functions(source),
        [("long".to_string(), 2, 10), ("default".to_string(), 17, 3)]
    );
}
