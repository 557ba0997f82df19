use super::bundles::{message_id, sources};
use super::*;
use fluent_bundle::FluentResource;
use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const RLM: char = '\u{200F}';
const LRI: char = '\u{2066}';
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// Every message of `lang`: its id -> the variables it uses (in any variant, the
/// selector included), from the embedded files. Panics on a file that does not parse or
/// a message defined twice.
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (file, source) in sources(lang) {
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(_, e)| {
            panic!("locales/{}/{file}.ftl does not parse: {e:?}", lang.code())
        });
        for entry in resource.entries() {
            let Entry::Message(m) = entry else { continue };
            let mut vars = BTreeSet::new();
            if let Some(p) = &m.value {
                pattern_vars(p, &mut vars);
            }
            let id = m.id.name.to_string();
            assert!(
                out.insert(id.clone(), vars).is_none(),
                "{id} twice in {}",
                lang.code()
            );
        }
    }
    out
}

fn pattern_vars(p: &Pattern<&str>, vars: &mut BTreeSet<String>) {
    for e in &p.elements {
        if let PatternElement::Placeable { expression } = e {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        Expression::Inline(i) => inline_vars(i, vars),
        Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
    }
}

fn inline_vars(i: &InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

fn is_cli(id: &str) -> bool {
    id.starts_with("cli-")
}

#[test]
fn every_locale_has_every_message_with_the_same_placeables() {
    let en = messages(Lang::En);
    for lang in [Lang::Ar, Lang::Fr] {
        let other = messages(lang);
        for (id, vars) in &en {
            if is_cli(id) {
                assert!(
                    !other.contains_key(id),
                    "{id}: the command line is English only"
                );
                continue;
            }
            let Some(theirs) = other.get(id) else {
                panic!("{id} missing in locales/{}", lang.code())
            };
            assert_eq!(theirs, vars, "{id}: placeables in {} differ", lang.code());
        }
        for id in other.keys() {
            assert!(
                en.contains_key(id),
                "{id} ({}) is not in English",
                lang.code()
            );
        }
    }
}

/// Every file under `locales/` is embedded, and every folder there is a language the
/// bot speaks.
#[test]
fn every_locale_file_is_embedded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let mut folders = BTreeSet::new();
    for dir in std::fs::read_dir(&root).expect("locales/") {
        let dir = dir.expect("locales/ entry").path();
        let code = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let lang = Lang::parse(code).unwrap_or_else(|| panic!("locales/{code}: no such Lang"));
        assert_eq!(lang.code(), code);
        folders.insert(code.to_string());
        for file in std::fs::read_dir(&dir).expect("locale folder") {
            let path = file.expect("locale file").path();
            let text = std::fs::read_to_string(&path).expect("locale file text");
            assert!(
                sources(lang).iter().any(|(_, s)| *s == text),
                "{} is not embedded (bundles::sources)",
                path.display()
            );
        }
    }
    let langs: BTreeSet<String> = Lang::ALL.iter().map(|l| l.code().to_string()).collect();
    assert_eq!(folders, langs);
}

/// The keys the code asks for: every string literal of `src/` outside `i18n` shaped like
/// a key of a known group (`"feeds.header"`, `"review.reason.sites"`) names a message,
/// and so does every key the code builds (`cmd.<command>` is checked by `bot`'s tests).
#[test]
fn every_key_the_code_asks_for_exists() {
    let en = messages(Lang::En);
    let groups: BTreeSet<&str> = en.keys().filter_map(|id| id.split('-').next()).collect();
    let mut literals = BTreeSet::new();
    collect_key_literals(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut literals,
    );
    let mut asked = 0;
    let mut missing = Vec::new();
    for key in &literals {
        let group = key.split('.').next().unwrap_or_default();
        if !groups.contains(group) || is_file_name(key) {
            continue;
        }
        asked += 1;
        if !en.contains_key(&message_id(key)) {
            missing.push(key);
        }
    }
    assert!(
        missing.is_empty(),
        "the code asks for {missing:?}: no such message"
    );
    assert!(
        asked > 150,
        "only {asked} keys found in the code: is the scan broken?"
    );
    let mut built: Vec<String> = Vec::new();
    for k in ActionKind::ALL {
        built.push(format!("kind.{}", k.as_str()));
        built.push(format!("kindword.{}", k.as_str()));
    }
    built.extend(Lang::ALL.map(|l| format!("lang.{}", l.code())));
    built.extend((1..=12).map(|m| format!("month.{m}")));
    built.extend((1..=7).map(|d| format!("weekday.{d}")));
    for key in &built {
        assert!(en.contains_key(&message_id(key)), "{key}: no such message");
    }
    // And the other way: no message the code never asks for (`cmd-*`: one per command).
    let asked: BTreeSet<String> = literals
        .iter()
        .chain(&built)
        .map(|k| message_id(k))
        .collect();
    let unused: Vec<&String> = en
        .keys()
        .filter(|id| !id.starts_with("cmd-") && !asked.contains(*id))
        .collect();
    assert!(unused.is_empty(), "messages no code asks for: {unused:?}");
}

fn collect_key_literals(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("src/") {
        let path = entry.expect("src entry").path();
        // i18n itself, and config.rs whose TOML keys (`feeds.hashtags`) look like keys.
        if ["i18n", "i18n.rs", "config.rs"]
            .iter()
            .any(|n| path.ends_with(n))
        {
            continue;
        }
        if path.is_dir() {
            collect_key_literals(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source file");
            // Every text between two quotes, inside a literal or between two, that is
            // key-shaped: Rust between two literals has spaces, commas or parentheses.
            let parts: Vec<&str> = text.split('"').collect();
            let between = parts.iter().skip(1).take(parts.len().saturating_sub(2));
            out.extend(between.filter(|s| is_key(s)).map(|s| s.to_string()));
        }
    }
}

/// `feed.xml`, `solibot.toml`: a file name, not a key.
fn is_file_name(s: &str) -> bool {
    let ext = s.rsplit('.').next().unwrap_or_default();
    [
        "xml", "toml", "json", "jsonl", "opml", "rss", "atom", "db", "txt", "html", "ftl", "rs",
    ]
    .contains(&ext)
}

/// `group.name[.more]`: lowercase ASCII, digits and `_`, at least one dot.
fn is_key(s: &str) -> bool {
    let mut parts = s.split('.');
    let first = parts.next().unwrap_or_default();
    s.contains('.')
        && first.starts_with(|c: char| c.is_ascii_lowercase())
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

#[test]
fn counts_choose_their_plural_form() {
    assert_eq!(tn(Lang::En, "feeds.header", 1, &[]), "1 partner feed:");
    assert_eq!(tn(Lang::En, "feeds.header", 2, &[]), "2 partner feeds:");
    assert_eq!(tn(Lang::Fr, "feeds.header", 1, &[]), "1 flux partenaire :");
    assert_eq!(tn(Lang::Fr, "feeds.header", 0, &[]), "0 flux partenaire :");
    assert_eq!(tn(Lang::Fr, "feeds.header", 3, &[]), "3 flux partenaires :");
    assert_eq!(tn(Lang::En, "export.caption", 1, &[]), "1 feed");
    let ar = |n| tn(Lang::Ar, "time.m_ago", n, &[]);
    assert!(ar(2).contains("دقيقتين"), "{}", ar(2));
    assert!(ar(5).contains("دقائق"), "{}", ar(5));
    assert!(ar(30).contains("دقيقة"), "{}", ar(30));
}

/// Arabic's six forms: zero, one, two, few (3–10), many (11–99), other (100, …).
#[test]
fn arabic_counts_take_six_forms() {
    let ar = |n| tn(Lang::Ar, "time.s_ago", n, &[]).replace([RLM, FSI, PDI], "");
    assert_eq!(ar(0), "الآن");
    assert_eq!(ar(1), "قبل ثانية");
    assert_eq!(ar(2), "قبل ثانيتين");
    assert_eq!(ar(3), "قبل 3 ثوانٍ");
    assert_eq!(ar(11), "قبل 11 ثانية");
    assert_eq!(ar(100), "قبل 100 ثانية");
    let feeds = |n| tn(Lang::Ar, "feeds.header", n, &[]).replace([RLM, FSI, PDI], "");
    assert_eq!(feeds(0), "لا توجد مصادر للشركاء:");
    assert_eq!(feeds(1), "مصدر واحد للشركاء:");
    assert_eq!(feeds(2), "مصدران للشركاء:");
    assert_eq!(feeds(3), "3 مصادر للشركاء:");
    assert_eq!(feeds(11), "11 مصدرًا للشركاء:");
    assert_eq!(feeds(100), "100 مصدر للشركاء:");
    // Past 100 the form follows `n % 100` (CLDR), whatever the plural rules crate says.
    assert_eq!(feeds(103), "103 مصادر للشركاء:");
    assert_eq!(feeds(111), "111 مصدرًا للشركاء:");
    assert_eq!(feeds(200), "200 مصدر للشركاء:");
    assert_eq!(feeds(1_002), "1002 مصدر للشركاء:");
    assert_eq!(ar(107), "قبل 107 ثوانٍ");
}

/// A message with several counts chooses a form for each.
#[test]
fn several_counts_in_one_message() {
    let held = |approved: u64, rejected: u64| {
        let args = [
            ("held", Arg::Count(approved + rejected + 2)),
            ("pending", Arg::Count(2)),
            ("approved", Arg::Count(approved)),
            ("rejected", Arg::Count(rejected)),
            ("expired", Arg::Count(0)),
        ];
        (
            tv(Lang::En, "stats.review", &args),
            tv(Lang::Fr, "stats.review", &args),
        )
    };
    let (en, fr) = held(1, 2);
    assert_eq!(
        en,
        "Held for review: 5 (2 waiting, 1 approved, 2 rejected, 0 expired)"
    );
    assert_eq!(
        fr,
        "Retenus pour relecture : 5 (2 en attente, 1 approuvé, 2 rejetés, 0 expiré)"
    );
    let (_, fr) = held(3, 1);
    assert!(fr.contains("3 approuvés, 1 rejeté"), "{fr}");
}

#[test]
fn every_count_reads_as_text_in_every_language() {
    let en = messages(Lang::En);
    for lang in Lang::ALL {
        for (id, vars) in &en {
            if !vars.contains("n") || (is_cli(id) && lang != Lang::En) {
                continue;
            }
            let key = id.as_str();
            let args: Vec<(&str, &str)> = vars.iter().map(|v| (v.as_str(), "x")).collect();
            for n in [0, 1, 2, 3, 11, 100, 101, 1_000_000] {
                let s = tn(lang, key, n, &args);
                assert!(!s.contains(key) && !s.contains('{'), "{key} {n}: {s}");
            }
        }
    }
}

#[test]
fn values_are_filled_and_unknown_keys_named() {
    assert_eq!(
        t(Lang::En, "grant.ok", &[("id", "42")]),
        "User 42 is now an organizer."
    );
    assert_eq!(t(Lang::En, "no.such.key", &[]), "no.such.key");
    assert_eq!(
        t(Lang::Fr, "grant.ok", &[("id", "42")]),
        "L'utilisateur 42 est maintenant organisateur."
    );
    assert_eq!(
        tv(
            Lang::En,
            "cli.entries",
            &[("title", Arg::Text("F")), ("n", Arg::Count(1))]
        ),
        "F: 1 entry"
    );
    // The command line's words are English in every language.
    assert_eq!(
        tn(Lang::Ar, "cli.entries", 2, &[("title", "F")]),
        "F: 2 entries"
    );
}

#[test]
fn arabic_reads_right_to_left_with_isolated_values_and_commands() {
    let s = t(Lang::Ar, "stop.ok", &[]);
    assert!(s.starts_with(RLM));
    assert!(s.contains(&format!("{LRI}/start{PDI}")), "{s:?}");
    let s = tn(
        Lang::Ar,
        "addfeed.ok",
        12,
        &[("id", "3"), ("name", "Relief Net")],
    );
    assert!(s.contains(&format!("{FSI}Relief Net{PDI}")), "{s:?}");
    assert!(s.contains(&format!("{FSI}12{PDI}")), "{s:?}");
    let s = tn(
        Lang::Ar,
        "notice.failing",
        25,
        &[
            ("id", "1"),
            ("name", "N"),
            ("url", "https://x.example/f"),
            ("error", "HTTP 500"),
        ],
    );
    assert!(
        s.lines()
            .filter(|l| !l.is_empty())
            .all(|l| l.starts_with(RLM)),
        "{s:?}"
    );
    // A value of several lines is isolated line by line; an empty one gets no marks.
    let s = t(
        Lang::Ar,
        "import.refused",
        &[("url", "a\n\nb"), ("why", "")],
    );
    assert_eq!(
        s,
        format!("{RLM}- {FSI}a{PDI}\n\n{RLM}{FSI}b{PDI}: "),
        "{s:?}"
    );
    // Left-to-right languages get no marks at all.
    for lang in [Lang::En, Lang::Fr] {
        let s = tn(
            lang,
            "addfeed.ok",
            12,
            &[("id", "3"), ("name", "Relief Net")],
        );
        assert!(!s.contains([RLM, LRI, FSI, PDI]), "{s:?}");
    }
}

#[test]
fn telegram_language_codes() {
    assert_eq!(Lang::from_code(Some("ar")), Lang::Ar);
    assert_eq!(Lang::from_code(Some("fr-CA")), Lang::Fr);
    assert_eq!(Lang::from_code(Some("pt-br")), Lang::En);
    assert_eq!(Lang::from_code(None), Lang::En);
    assert_eq!(Lang::parse("AR"), Some(Lang::Ar));
    assert_eq!(Lang::parse("de"), None);
}

#[test]
fn kinds_by_their_names_in_every_language() {
    assert_eq!(kind_from_word("تبرع"), Some(ActionKind::Donate));
    assert_eq!(kind_from_word("Signer"), Some(ActionKind::Sign));
    assert_eq!(kind_from_word("pétition"), Some(ActionKind::Sign));
    assert_eq!(kind_from_word("boycott"), Some(ActionKind::Boycott));
    assert_eq!(kind_from_word("banane"), None);
}
