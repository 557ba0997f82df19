//! The Fluent side of [`super`]: the `.ftl` files of `locales/`, embedded in the binary at
//! build time (no file is read at run time), one Fluent bundle per language, formatting
//! with the values filled in, and the right-to-left finish of an RTL language's text.
//!
//! Owns how a key becomes a Fluent id and how a text is made to read right to left. Must
//! not hold sentences (they are in `locales/`) or do IO.
//!
//! Isolation: Fluent's own (`set_use_isolating`) is on for right-to-left languages only. It
//! wraps every value filled into a sentence in FSI…PDI, which is what Arabic needs; in
//! English and French the marks would change nothing on screen but would show up in
//! copied text, logs, the command menu and every comparison of a reply, so LTR languages
//! get plain text. Fluent isolates a whole value; a value of several lines is isolated
//! line by line here instead (a newline ends a paragraph, and with it an isolate, for
//! the bidirectional algorithm). What Fluent does not do is kept from before: a
//! right-to-left mark at the start of every line, and `/commands` in the sentences
//! left-to-right isolated (LRI…PDI) so the slash stays in front.

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::types::{FluentNumber, FluentNumberOptions};
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::{Expression, Pattern, PatternElement};
use unic_langid::LanguageIdentifier;

use super::{Arg, Lang};

const RLM: char = '\u{200F}';
const LRI: char = '\u{2066}';
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// `(file name, its text)` of `locales/<code>/<name>.ftl` for each name given.
macro_rules! ftl {
    ($code:literal: $($file:literal),+) => {
        &[$((
            $file,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/", $code, "/", $file, ".ftl")),
        )),+]
    };
}

/// The topic files every language has (one more name here for a new topic file), and
/// those only some languages have after them.
macro_rules! topics {
    ($code:literal $(, $extra:literal)*) => {
        ftl!($code: "bot", "subscribers", "dates", "feeds", "channels", "organizers", "review" $(, $extra)*)
    };
}

/// The `.ftl` files of `lang`, embedded. A new language: its folder and one line here.
/// The command line's words (`cli.ftl`) are English only: they print for operators.
pub(super) fn sources(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::En => topics!("en", "cli"),
        Lang::Ar => topics!("ar"),
        Lang::Fr => topics!("fr"),
    }
}

type Bundle = FluentBundle<FluentResource>;

/// One bundle per language, in the order of [`Lang::ALL`], built at first use.
static BUNDLES: LazyLock<Vec<Bundle>> = LazyLock::new(|| Lang::ALL.map(build).into());

fn build(lang: Lang) -> Bundle {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(lang.is_rtl());
    if lang.is_rtl() {
        bundle.set_transform(Some(isolate_commands));
    }
    bundle.set_formatter(Some(show_count));
    for (file, source) in sources(lang) {
        // The files are tested to parse; a broken one still gives its good messages.
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, errors)| {
            tracing::error!(
                lang = lang.code(),
                file,
                ?errors,
                "locale file does not parse"
            );
            r
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                lang = lang.code(),
                file,
                ?errors,
                "locale file repeats a message"
            );
        }
    }
    bundle
}

/// The Fluent id of a key: `feeds.url_mode` -> `feeds-url-mode`.
pub(super) fn message_id(key: &str) -> String {
    key.replace(['.', '_'], "-")
}

/// Message `id` of `lang` with `args` filled in and, in a right-to-left language, made
/// to read right to left; `None` if `lang` has no such message.
pub(super) fn format(lang: Lang, id: &str, args: &[(&str, Arg)]) -> Option<String> {
    let bundle = &BUNDLES[lang.index()];
    let pattern = bundle.get_message(id)?.value()?;
    let by_line = lang.is_rtl() && isolates_values(pattern);
    let mut values = FluentArgs::with_capacity(args.len());
    for (name, arg) in args {
        match arg {
            Arg::Text(s) if by_line && s.contains('\n') => {
                values.set(*name, s.replace('\n', &format!("{PDI}\n{FSI}")))
            }
            Arg::Text(s) => values.set(*name, *s),
            Arg::Count(n) => values.set(*name, count(lang, *n)),
        }
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&values), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(id, ?errors, "reply text with a value missing");
    }
    Some(if lang.is_rtl() {
        finish_rtl(&text)
    } else {
        text.into_owned()
    })
}

/// Message `id` of `lang` as it is written, without values or right-to-left marks (word
/// lists such as `kindword-sign`).
pub(super) fn plain(lang: Lang, id: &str) -> Option<String> {
    let bundle = &BUNDLES[lang.index()];
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, None, &mut errors)
            .into_owned(),
    )
}

/// A count as a Fluent number. The plural rules Fluent uses (`intl_pluralrules` 7.0.2)
/// read CLDR's Arabic `n % 100 = 3..10` (few) and `n % 100 = 11..99` (many) without the
/// `% 100`: 103 would be "other" instead of "few", 150 "other" instead of "many". Such a
/// count goes to Fluent as `n % 100`, which has the right form, and carries its own
/// digits for [`show_count`] to write. Other counts, and other languages, are plain.
fn count(lang: Lang, n: u64) -> FluentValue<'static> {
    if lang != Lang::Ar || n < 100 || !(3..=99).contains(&(n % 100)) {
        return n.into();
    }
    let options = FluentNumberOptions {
        currency: Some(n.to_string()),
        ..FluentNumberOptions::default()
    };
    FluentValue::Number(FluentNumber::new((n % 100) as f64, options))
}

/// Writes a count [`count`] stood in for with its own digits; every other value as
/// Fluent writes it.
fn show_count<M>(value: &FluentValue, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => n.options.currency.clone(),
        _ => None,
    }
}

/// Whether Fluent isolates the values of this pattern: it does in a sentence (more than
/// one element) and in the variants of a plural select, not in a message that is a
/// value alone (`url-rejected = { $url }`, a part of another sentence).
fn isolates_values(pattern: &Pattern<&str>) -> bool {
    pattern.elements.len() > 1
        || matches!(
            pattern.elements.first(),
            Some(PatternElement::Placeable {
                expression: Expression::Select { .. }
            })
        )
}

/// A right-to-left text as sent: no empty isolates (an empty value, an empty line of a
/// value), and a right-to-left mark at the start of every line that has text.
fn finish_rtl(text: &str) -> String {
    let text = text.replace(&format!("{FSI}{PDI}") as &str, "");
    text.split('\n')
        .map(|line| {
            if line.trim().is_empty() || line.starts_with(RLM) {
                line.to_string()
            } else {
                format!("{RLM}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `/command` words of a right-to-left sentence (the text between its values),
/// left-to-right isolated so the slash stays in front.
fn isolate_commands(text: &str) -> Cow<'_, str> {
    if !text.contains('/') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let starts_word = prev.is_none_or(|p| !(p.is_ascii_alphanumeric() || "/:.".contains(p)));
        if c == '/' && starts_word && text[i + 1..].starts_with(|n: char| n.is_ascii_lowercase()) {
            out.push(LRI);
            out.push('/');
            while let Some((_, n)) = chars.peek().copied() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    out.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(PDI);
            prev = Some('x');
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    Cow::Owned(out)
}
