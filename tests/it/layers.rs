//! The layer order of ARCHITECTURE.md, enforced: every `crate::…` path in `src/**/*.rs`
//! (imports and inline paths, comments excepted) goes from a top-level module to one in a
//! strictly lower layer. An upward import, one between two modules of the same layer, a
//! cycle, or a module the list does not name fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first, as ARCHITECTURE.md's "Layers" section lists them: each
/// numbered line names its modules in backticks.
fn layers_from_architecture(text: &str) -> Vec<Vec<String>> {
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Layers"))
        .expect("ARCHITECTURE.md has a `## Layers` section");
    section
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
        .map(|l| {
            // The modules are the backticked names before the dash that starts the note.
            let head = l.split(" — ").next().unwrap_or(l);
            head.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The top-level module a source file belongs to (`src/bot/intake.rs` → `bot`); `None`
/// for the crate root and the binary.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The top-level modules named by `crate::` paths in `source`, comments skipped:
/// `crate::a::b`, `crate::{a, b::c}` (over several lines too).
fn crate_paths(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let code = code.join("\n");
    {
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().next_back();
            let after = &rest[i + "crate::".len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            if let Some(group) = after.strip_prefix('{') {
                let mut depth = 0usize;
                let mut item_start = true;
                for (at, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if item_start && (c.is_alphanumeric() || c == '_') => {
                            item_start = false;
                            let word: String = group[at..]
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            out.insert(word);
                        }
                        _ => {}
                    }
                }
            } else {
                let word: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !word.is_empty() {
                    out.insert(word);
                }
            }
        }
    }
    out
}

/// Every violation of `layers` by `imports` (module → modules it names).
fn violations(layers: &[Vec<String>], imports: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (m.as_str(), i + 1)))
        .collect();
    let mut bad = Vec::new();
    for (from, targets) in imports {
        let Some(&r_from) = rank.get(from.as_str()) else {
            bad.push(format!("module `{from}` is in no layer"));
            continue;
        };
        for to in targets.iter().filter(|t| *t != from) {
            match rank.get(to.as_str()) {
                None => bad.push(format!(
                    "`{from}` names `crate::{to}`, which is in no layer"
                )),
                Some(&r_to) if r_to == r_from => bad.push(format!(
                    "`{from}` imports `{to}`, in the same layer ({r_from})"
                )),
                Some(&r_to) if r_to > r_from => bad.push(format!(
                    "`{from}` (layer {r_from}) imports `{to}` (layer {r_to}): upward"
                )),
                _ => {}
            }
        }
    }
    if let Some(cycle) = find_cycle(imports) {
        bad.push(format!("import cycle: {}", cycle.join(" → ")));
    }
    bad
}

/// A cycle among modules, if any (depth-first search).
fn find_cycle(imports: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        imports: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for to in imports.get(m).into_iter().flatten().filter(|t| *t != m) {
            if let Some(c) = visit(to, imports, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    imports
        .keys()
        .find_map(|m| visit(m, imports, &mut Vec::new(), &mut done))
}

/// Every `.rs` file under `dir` (also read by `shape.rs`).
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crate_imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let Some(module) = module_of(rel) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        imports
            .entry(module)
            .or_default()
            .extend(crate_paths(&text));
    }
    imports
}

#[test]
fn modules_import_only_from_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let layers = layers_from_architecture(&architecture);
    assert!(layers.len() >= 5, "layers read: {layers:?}");

    // Every module of the crate root is in exactly one layer, and nothing else is.
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs");
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let listed: Vec<&String> = layers.iter().flatten().collect();
    let listed_set: BTreeSet<String> = listed.iter().map(|m| m.to_string()).collect();
    assert_eq!(listed.len(), listed_set.len(), "a module listed twice");
    assert_eq!(
        declared, listed_set,
        "src/lib.rs's modules and the layers differ"
    );

    let imports = crate_imports(&root.join("src"));
    assert!(imports.get("poll").is_some_and(|i| i.contains("store")));
    let bad = violations(&layers, &imports);
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_upward_imports_same_layer_imports_and_cycles() {
    let layers: Vec<Vec<String>> = vec![
        vec!["store".into()],
        vec!["poll".into(), "http".into()],
        vec!["bot".into()],
    ];
    let imports = |pairs: &[(&str, &str)]| {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, src) in pairs {
            m.entry(from.to_string())
                .or_default()
                .extend(crate_paths(src));
        }
        m
    };
    let fine = imports(&[
        (
            "bot",
            "use crate::{\n    poll::{self, Snapshot},\n    store,\n};\nuse crate::bot::x;",
        ),
        (
            "poll",
            "let s = crate::store::Store::open(p);\n// crate::bot in a comment",
        ),
        ("store", "use std::io;"),
    ]);
    let found: Vec<&str> = fine["bot"].iter().map(String::as_str).collect();
    assert_eq!(found, ["bot", "poll", "store"]);
    assert_eq!(violations(&layers, &fine), Vec::<String>::new());

    let upward = imports(&[("poll", "crate::bot::notice::send(x);")]);
    assert_eq!(violations(&layers, &upward).len(), 1);
    let sideways = imports(&[("poll", "use crate::http;")]);
    assert_eq!(violations(&layers, &sideways).len(), 1);
    let unknown = imports(&[("poll", "use crate::nowhere::X;")]);
    assert_eq!(violations(&layers, &unknown).len(), 1);
    let cycle = imports(&[("bot", "use crate::poll;"), ("poll", "use crate::bot;")]);
    assert!(
        violations(&layers, &cycle)
            .iter()
            .any(|v| v.starts_with("import cycle: bot → poll → bot")),
        "{:?}",
        violations(&layers, &cycle)
    );
}
