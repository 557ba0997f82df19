//! Tests of alert rendering: Telegram HTML within 4096 visible characters, links and
//! buttons made safe, plain text, per-language words.

use expect_test::{Expect, expect};

use super::*;

fn action(kind: ActionKind, label: &str, url: Option<&str>) -> Action {
    Action {
        kind,
        label: label.to_owned(),
        url: url.map(str::to_owned),
    }
}

/// Renders `alert`, checks every invariant, and compares a readable dump (HTML,
/// plain text, buttons; the RIGHT-TO-LEFT MARK shown as `⟨RLM⟩`) with `expect`.
fn check(alert: &Alert, expect: Expect) {
    let rendered = render_alert(alert);
    assert_valid(&rendered);
    assert_eq!(render_plain(alert), rendered.plain);
    expect.assert_eq(&dump(&rendered));
}

fn dump(r: &Rendered) -> String {
    let mut out = format!("{}\n---- plain\n{}\n---- buttons", r.html, r.plain);
    for b in &r.buttons {
        out.push_str(&format!("\n[{}] {}", b.text, b.url));
    }
    out.replace(RLM, "⟨RLM⟩")
}

/// The length of one entity at the start of `s`: only the four named ones and
/// numeric ones are allowed.
fn entity_len(s: &str) -> Result<usize, String> {
    for named in ["&amp;", "&lt;", "&gt;", "&quot;"] {
        if s.starts_with(named) {
            return Ok(named.len());
        }
    }
    let body = s
        .strip_prefix("&#")
        .ok_or_else(|| format!("bad entity at {s:.12}"))?;
    let (digits, radix, skip) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (body, 10, 2),
    };
    let n = digits.chars().take_while(|c| c.is_digit(radix)).count();
    if n == 0 || !digits[n..].starts_with(';') {
        return Err(format!("bad numeric entity at {s:.12}"));
    }
    Ok(skip + n + 1)
}

fn is_unwanted(c: char) -> bool {
    (c.is_control() && c != '\n') || is_bidi_control(c)
}

/// Telegram HTML as this module promises it: only `b`, `i`, `a href` (allowed
/// schemes, no nested links), balanced; entities only the four named or numeric; no
/// control or bidi characters; returns the visible length in code points.
fn validate_html(html: &str) -> Result<usize, String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut visible = 0usize;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or("unclosed tag")?;
                let tag = &rest[1..end];
                match tag {
                    "b" | "i" => stack.push(tag),
                    "/b" | "/i" | "/a" => {
                        let open = stack.pop().ok_or(format!("unexpected <{tag}>"))?;
                        if open != &tag[1..] {
                            return Err(format!("<{open}> closed by <{tag}>"));
                        }
                    }
                    _ => {
                        let href = tag
                            .strip_prefix("a href=\"")
                            .and_then(|t| t.strip_suffix('"'))
                            .ok_or(format!("tag not allowed: <{tag}>"))?;
                        if stack.contains(&"a") {
                            return Err("nested link".into());
                        }
                        if href.contains(['"', '<', ' ']) || href.chars().any(is_unwanted) {
                            return Err(format!("bad href {href:?}"));
                        }
                        let mut at = 0;
                        while let Some(i) = href[at..].find('&') {
                            at += i + entity_len(&href[at + i..])?;
                        }
                        let decoded = href.replace("&amp;", "&");
                        if !["http://", "https://", "mailto:", "tel:"]
                            .iter()
                            .any(|s| decoded.starts_with(s))
                        {
                            return Err(format!("scheme not allowed: {href}"));
                        }
                        stack.push("a");
                    }
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                rest = &rest[entity_len(rest)?..];
                visible += 1;
            }
            '>' => return Err("bare >".into()),
            c if is_unwanted(c) => return Err(format!("unwanted character {c:?}")),
            c => {
                visible += 1;
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if visible > MAX_VISIBLE {
        return Err(format!("visible text is {visible} code points"));
    }
    Ok(visible)
}

fn assert_valid(r: &Rendered) {
    if let Err(e) = validate_html(&r.html) {
        panic!("invalid HTML ({e}):\n{:.2000}", r.html);
    }
    assert!(
        r.html.len() <= MAX_HTML_BYTES,
        "{} bytes of HTML",
        r.html.len()
    );
    assert!(!r.html.trim().is_empty() && !r.plain.trim().is_empty());
    let plain_len = r.plain.chars().count();
    assert!(
        plain_len <= MAX_VISIBLE,
        "plain text is {plain_len} code points"
    );
    assert!(
        !r.plain.chars().any(is_unwanted),
        "unwanted character in plain"
    );
    assert!(r.buttons.len() <= MAX_BUTTONS);
    for b in &r.buttons {
        assert!(
            b.text.chars().count() <= MAX_BUTTON_TEXT,
            "button {:?}",
            b.text
        );
        assert!(!b.text.trim().is_empty() && !b.text.chars().any(is_unwanted));
        assert!(is_web(&b.url), "button url {}", b.url);
        assert!(
            !b.url.contains(['"', ' ', '<', '>']),
            "button url {}",
            b.url
        );
    }
}

fn english() -> Alert {
    Alert {
        feed_name: "Syria Relief Network".into(),
        title: "Call on the EU to keep the Bab al-Hawa crossing open".into(),
        link: Some("https://relief.example.org/news/bab-al-hawa?utm=x&ref=1".into()),
        summary: "Aid for 4 million people depends on one crossing.\nWrite to your MEP \
                      before Thursday's vote & share the petition."
            .into(),
        actions: vec![
            action(
                ActionKind::Sign,
                "Sign the petition",
                Some("https://petitions.example.org/bab-al-hawa"),
            ),
            action(
                ActionKind::Contact,
                "Email your MEP",
                Some("mailto:mep@example.eu"),
            ),
            action(ActionKind::Share, "Share with #KeepItOpen", None),
        ],
        hashtags: vec!["#KeepItOpen".into(), "#Syria".into(), "#syria".into()],
        lang: "en".into(),
        also_published_by: vec!["Humanitarian Coalition".into()],
        when: None,
        deadline: None,
        dates_lang: None,
    }
}

#[test]
fn english_alert() {
    check(
        &english(),
        expect![[r#"
                <b><a href="https://relief.example.org/news/bab-al-hawa?utm=x&amp;ref=1">Call on the EU to keep the Bab al-Hawa crossing open</a></b>
                <i>Syria Relief Network</i> · also published by Humanitarian Coalition

                Aid for 4 million people depends on one crossing.
                Write to your MEP before Thursday's vote &amp; share the petition.

                <b>What you can do</b>
                • <a href="https://petitions.example.org/bab-al-hawa">Sign the petition</a>
                • <a href="mailto:mep@example.eu">Email your MEP</a>
                • Share with #KeepItOpen

                #KeepItOpen #Syria

                Read more: <a href="https://relief.example.org/news/bab-al-hawa?utm=x&amp;ref=1">relief.example.org</a>
                ---- plain
                Call on the EU to keep the Bab al-Hawa crossing open
                Syria Relief Network · also published by Humanitarian Coalition

                Aid for 4 million people depends on one crossing.
                Write to your MEP before Thursday's vote & share the petition.

                What you can do
                • Sign the petition: https://petitions.example.org/bab-al-hawa
                • Email your MEP: mailto:mep@example.eu
                • Share with #KeepItOpen

                #KeepItOpen #Syria

                Read more: https://relief.example.org/news/bab-al-hawa?utm=x&ref=1
                ---- buttons
                [Sign the petition] https://petitions.example.org/bab-al-hawa"#]],
    );
}

#[test]
fn arabic_alert() {
    check(
        &Alert {
            feed_name: "شبكة الإغاثة السورية".into(),
            title: "أوقفوا ترحيل اللاجئين السوريين".into(),
            link: Some("https://relief.example.org/ar/deportations".into()),
            summary: "تطالب المنظمات الحكومة بوقف الترحيل فوراً. شاركوا في الوقفة يوم الجمعة."
                .into(),
            actions: vec![
                action(
                    ActionKind::Mobilize,
                    "انضموا إلى الوقفة",
                    Some("https://relief.example.org/ar/vigil"),
                ),
                action(
                    ActionKind::Sign,
                    "Sign the open letter",
                    Some("https://letter.example.org/"),
                ),
                action(ActionKind::Share, "", None),
            ],
            hashtags: vec!["#NoDeportations".into(), "#لا_للترحيل".into()],
            lang: "ar".into(),
            also_published_by: vec!["Diaspora Voices".into(), "منظمة حقوق".into()],
            when: None,
            deadline: None,
            dates_lang: None,
        },
        expect![[r#"
                <b><a href="https://relief.example.org/ar/deportations">أوقفوا ترحيل اللاجئين السوريين</a></b>
                <i>شبكة الإغاثة السورية</i> · نشرته أيضاً: Diaspora Voices، منظمة حقوق

                تطالب المنظمات الحكومة بوقف الترحيل فوراً. شاركوا في الوقفة يوم الجمعة.

                <b>ما يمكنك فعله</b>
                • <a href="https://relief.example.org/ar/vigil">انضموا إلى الوقفة</a>
                ⟨RLM⟩• <a href="https://letter.example.org/">Sign the open letter</a>
                • انشر

                ⟨RLM⟩#NoDeportations #لا_للترحيل

                اقرأ المزيد: <a href="https://relief.example.org/ar/deportations">relief.example.org</a>
                ---- plain
                أوقفوا ترحيل اللاجئين السوريين
                شبكة الإغاثة السورية · نشرته أيضاً: Diaspora Voices، منظمة حقوق

                تطالب المنظمات الحكومة بوقف الترحيل فوراً. شاركوا في الوقفة يوم الجمعة.

                ما يمكنك فعله
                • انضموا إلى الوقفة: https://relief.example.org/ar/vigil
                ⟨RLM⟩• Sign the open letter: https://letter.example.org/
                • انشر

                ⟨RLM⟩#NoDeportations #لا_للترحيل

                اقرأ المزيد: https://relief.example.org/ar/deportations
                ---- buttons
                [انضموا إلى الوقفة] https://relief.example.org/ar/vigil
                [Sign the open letter] https://letter.example.org/"#]],
    );
}

#[test]
fn french_alert() {
    check(
        &Alert {
            feed_name: "Collectif Solidarité Syrie".into(),
            title: "Rassemblement devant l'ambassade samedi".into(),
            link: Some("https://collectif.example.fr/rassemblement".into()),
            summary: "Nous appelons à un rassemblement samedi à 15 h « pour la libération \
                          des détenus »."
                .into(),
            actions: vec![
                action(ActionKind::Mobilize, "Venir au rassemblement", None),
                action(
                    ActionKind::Donate,
                    "",
                    Some("https://don.example.fr/?campagne=detenus"),
                ),
            ],
            hashtags: vec!["LibérezLesDétenus".into()],
            lang: "fr".into(),
            also_published_by: vec![],
            when: None,
            deadline: None,
            dates_lang: None,
        },
        expect![[r#"
                <b><a href="https://collectif.example.fr/rassemblement">Rassemblement devant l'ambassade samedi</a></b>
                <i>Collectif Solidarité Syrie</i>

                Nous appelons à un rassemblement samedi à 15 h « pour la libération des détenus ».

                <b>Ce que vous pouvez faire</b>
                • Venir au rassemblement
                • <a href="https://don.example.fr/?campagne=detenus">Faire un don</a>

                #LibérezLesDétenus

                Lire la suite : <a href="https://collectif.example.fr/rassemblement">collectif.example.fr</a>
                ---- plain
                Rassemblement devant l'ambassade samedi
                Collectif Solidarité Syrie

                Nous appelons à un rassemblement samedi à 15 h « pour la libération des détenus ».

                Ce que vous pouvez faire
                • Venir au rassemblement
                • Faire un don : https://don.example.fr/?campagne=detenus

                #LibérezLesDétenus

                Lire la suite : https://collectif.example.fr/rassemblement
                ---- buttons
                [Faire un don] https://don.example.fr/?campagne=detenus"#]],
    );
}

#[test]
fn feed_markup_links_and_controls_are_neutralised() {
    let alert = Alert {
        feed_name: "<b>Partner</b> & Co\u{202E}".into(),
        title: "Free <i>them</i> \"now\" \u{2066}&amp;\u{2069}\u{0}\u{7}\tnow".into(),
        link: Some("javascript:alert(1)".into()),
        summary: "a < b > c\r\nline two\u{1b}[31m".into(),
        actions: vec![
            action(
                ActionKind::Sign,
                "Sign",
                Some("https://ex.org/a b\"onmouseover=\"x"),
            ),
            action(ActionKind::Donate, "Give", Some("data:text/html,<b>x</b>")),
            action(ActionKind::Contact, "Call", Some("tel:+33 1 23 45")),
        ],
        hashtags: vec!["#Free Them".into(), "##".into()],
        lang: "en".into(),
        also_published_by: vec!["<b>Partner</b> & Co".into()],
        when: None,
        deadline: None,
        dates_lang: None,
    };
    check(
        &alert,
        expect![[r#"
                <b>Free &lt;i&gt;them&lt;/i&gt; "now" &amp;amp; now</b>
                <i>&lt;b&gt;Partner&lt;/b&gt; &amp; Co</i>

                a &lt; b &gt; c
                line two[31m

                <b>What you can do</b>
                • <a href="https://ex.org/a%20b%22onmouseover=%22x">Sign</a>
                • Give
                • <a href="tel:+3312345">Call</a>

                #FreeThem
                ---- plain
                Free <i>them</i> "now" &amp; now
                <b>Partner</b> & Co

                a < b > c
                line two[31m

                What you can do
                • Sign: https://ex.org/a%20b%22onmouseover=%22x
                • Give
                • Call: tel:+3312345

                #FreeThem
                ---- buttons
                [Sign] https://ex.org/a%20b%22onmouseover=%22x"#]],
    );
}

#[test]
fn untitled_and_empty_alert_is_still_a_message() {
    check(
        &Alert {
            title: " \u{202E}\u{0} ".into(),
            lang: "ar-SY".into(),
            ..Alert::default()
        },
        expect![[r#"
                <b>نداء جديد</b>
                ---- plain
                نداء جديد
                ---- buttons"#]],
    );
}

#[test]
fn buttons_are_at_most_three_web_links_with_short_text() {
    let long_label = "Sign ".repeat(40);
    let mut alert = english();
    alert.actions = vec![
        action(
            ActionKind::Sign,
            &long_label,
            Some("https://a.example.org/1"),
        ),
        action(ActionKind::Contact, "Mail", Some("mailto:x@example.org")),
        action(ActionKind::Donate, "Give", Some("https://a.example.org/1")),
        action(ActionKind::Share, "Share", Some("http://b.example.org/")),
        action(
            ActionKind::Volunteer,
            "Help",
            Some("https://c.example.org/"),
        ),
        action(
            ActionKind::Boycott,
            "Boycott",
            Some("https://d.example.org/"),
        ),
    ];
    let r = render_alert(&alert);
    assert_valid(&r);
    let urls: Vec<&str> = r.buttons.iter().map(|b| b.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://a.example.org/1",
            "http://b.example.org/",
            "https://c.example.org/"
        ]
    );
    assert!(
        r.buttons[0].text.ends_with("Sign…"),
        "{}",
        r.buttons[0].text
    );
    assert!(r.buttons[0].text.chars().count() > MAX_BUTTON_TEXT - 8);
}

#[test]
fn long_summary_is_shortened_first_at_a_word() {
    let mut alert = english();
    alert.summary = "The siege continues and families need help now. ".repeat(200);
    let r = render_alert(&alert);
    assert_valid(&r);
    assert!(r.plain.contains(&english().title));
    assert!(r.plain.contains("• Share with #KeepItOpen"));
    assert!(r.plain.contains("Read more: "));
    assert!(
        r.plain.contains("now. …") || r.plain.contains("…\n"),
        "{}",
        r.plain
    );
    // Nearly all of the room is used.
    assert!(
        r.plain.chars().count() > MAX_VISIBLE - 60,
        "{}",
        r.plain.chars().count()
    );
}

#[test]
fn actions_are_dropped_from_the_end_after_the_summary() {
    let mut alert = english();
    let long = |i: usize| format!("https://ex.org/{i}/{}", "p".repeat(900));
    alert.actions = (0..10)
        .map(|i| action(ActionKind::Sign, &format!("Action {i}"), Some(&long(i))))
        .collect();
    let r = render_alert(&alert);
    assert_valid(&r);
    assert!(!r.plain.contains("Aid for 4 million"), "summary goes first");
    assert!(r.plain.contains("• Action 0: "));
    assert!(!r.plain.contains("• Action 9"), "the last actions go next");
    assert!(r.plain.contains(&english().title), "the title stays whole");
}

#[test]
fn huge_title_and_entry_still_give_a_valid_message() {
    let mut alert = english();
    alert.title = "Stop the bombing of Idlib ".repeat(4000);
    alert.summary = "&<>\"".repeat(2500);
    let r = render_alert(&alert);
    assert_valid(&r);
    assert!(r.plain.starts_with("Stop the bombing of Idlib Stop"));
    assert!(
        r.plain
            .contains("• Sign the petition: https://petitions.example.org/")
    );

    let words = "a".repeat(100_000);
    alert.title = words.clone();
    alert.summary = words;
    let r = render_alert(&alert);
    assert_valid(&r);
    assert!(r.plain.starts_with("aaaa"));
}

#[test]
fn escaped_text_counts_as_one_character_each() {
    let mut alert = english();
    alert.summary = "&".repeat(5000);
    alert.actions.clear();
    let r = render_alert(&alert);
    let visible = validate_html(&r.html).unwrap_or_else(|e| panic!("{e}"));
    let plain = r.plain.chars().count();
    // The plain text (with whole URLs) is the longer of the two here; it fills the room.
    assert!(
        visible < plain && plain > MAX_VISIBLE - 20,
        "{visible} {plain}"
    );
}

#[test]
fn truncate_text_cuts_at_sentences_words_and_graphemes() {
    assert_eq!(truncate_text("short", 10), "short");
    assert_eq!(truncate_text("one two three four", 12), "one two…");
    assert_eq!(
        truncate_text("First sentence here. Second one goes on", 26),
        "First sentence here. …"
    );
    assert_eq!(truncate_text("Stop, now please", 10), "Stop…");
    let family = "👨‍👩‍👧";
    let cut = truncate_text(&family.repeat(3), 7);
    assert_eq!(cut, format!("{family}…"));
    assert_eq!(truncate_text("abcdef", 0), "");
    assert_eq!(truncate_text("abcdef", 1), "…");
}

#[test]
fn safe_url_keeps_only_allowed_schemes_and_encodes_quotes_and_spaces() {
    assert_eq!(
        safe_url(" https://ex.org/a b\"c<d>?q=\"x y\" ").as_deref(),
        Some("https://ex.org/a%20b%22c%3Cd%3E?q=%22x%20y%22")
    );
    assert_eq!(
        safe_url("mailto:a b@ex.org").as_deref(),
        Some("mailto:a%20b@ex.org")
    );
    assert_eq!(
        safe_url(" TEL:+1 555 0100").as_deref(),
        Some("tel:+15550100")
    );
    for bad in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "ftp://ex.org/",
        "/relative",
        "http://",
        "vbscript:x",
    ] {
        assert_eq!(safe_url(bad), None, "{bad}");
    }
    let long = format!("https://ex.org/{}", "a".repeat(MAX_URL));
    assert_eq!(safe_url(&long), None);
}

#[test]
fn locale_follows_the_primary_language_subtag() {
    for (lang, locale) in [
        ("ar", Locale::Ar),
        ("AR-sy", Locale::Ar),
        ("fa", Locale::Ar),
        ("ur", Locale::Ar),
        ("ku", Locale::Ar),
        ("he", Locale::Ar),
        ("fr_CA", Locale::Fr),
        ("en", Locale::En),
        ("und", Locale::En),
        ("", Locale::En),
    ] {
        assert_eq!(Locale::of(lang), locale, "{lang}");
    }
}

#[test]
fn digest_lists_short_blocks() {
    let mut arabic = english();
    arabic.title = "أوقفوا الترحيل".into();
    arabic.lang = "ar".into();
    arabic.link = None;
    arabic.actions.clear();
    let r = render_digest(&[english(), arabic]);
    assert_valid(&r);
    expect![[r#"
            <b>2 new appeals</b>

            • <b><a href="https://relief.example.org/news/bab-al-hawa?utm=x&amp;ref=1">Call on the EU to keep the Bab al-Hawa crossing open</a></b>
            <i>Syria Relief Network</i> · <a href="https://petitions.example.org/bab-al-hawa">Sign the petition</a>

            • <b>أوقفوا الترحيل</b>
            <i>Syria Relief Network</i>
            ---- plain
            2 new appeals

            • Call on the EU to keep the Bab al-Hawa crossing open
            Syria Relief Network · Sign the petition: https://petitions.example.org/bab-al-hawa
            Read more: https://relief.example.org/news/bab-al-hawa?utm=x&ref=1

            • أوقفوا الترحيل
            Syria Relief Network
            ---- buttons"#]]
        .assert_eq(&dump(&r));
}

#[test]
fn arabic_digest_header() {
    let mut alert = english();
    alert.lang = "ar".into();
    let r = render_digest(&[alert.clone(), alert]);
    assert!(r.plain.starts_with("نداءات جديدة: 2\n"), "{}", r.plain);
    let mut alert = english();
    alert.lang = "fr".into();
    let r = render_digest(&[alert]);
    assert!(r.plain.starts_with("1 nouvel appel\n"), "{}", r.plain);
}

#[test]
fn digest_lists_as_many_as_fit_then_and_more() {
    let alerts: Vec<Alert> = (0..1000)
        .map(|i| Alert {
            title: format!("Appeal number {i} {}", "x".repeat(i % 300)),
            ..english()
        })
        .collect();
    let r = render_digest(&alerts);
    assert_valid(&r);
    let shown = r.plain.matches("\n• ").count();
    assert!(shown > 3 && shown < 1000, "{shown}");
    let more = format!("and {} more", 1000 - shown);
    assert!(r.html.ends_with(&format!("<i>{more}</i>")), "{}", r.html);
    assert!(r.plain.ends_with(&more));
    // The next block would not have fitted (its size: a one-alert digest less its
    // header; the "and K more" line may get one digit shorter).
    let one = render_digest(&alerts[shown..=shown]);
    let header = "1 new appeal".len();
    let block_plain = one.plain.chars().count() - header;
    let block_visible = validate_html(&one.html).unwrap_or(0) - header;
    let visible = validate_html(&r.html).unwrap_or(0);
    assert!(
        r.plain.chars().count() + block_plain > MAX_VISIBLE + 1
            || visible + block_visible > MAX_VISIBLE + 1,
        "block {shown} would have fitted"
    );
}

#[test]
fn digest_of_nothing_and_of_one_huge_alert() {
    let r = render_digest(&[]);
    assert_valid(&r);
    assert_eq!(r.plain, "0 new appeals");
    let mut alert = english();
    alert.title = "<b>".repeat(50_000);
    alert.feed_name = "&".repeat(50_000);
    let r = render_digest(&[alert]);
    assert_valid(&r);
    assert!(r.plain.contains("• <b><b>"));
}

/// A small seeded PRNG (xorshift64*), so the hostile inputs are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "&",
    "<",
    ">",
    "\"",
    "'",
    "&amp;",
    "&lt;",
    "&#60;",
    "&#x202E;",
    "&nbsp;",
    "<b>",
    "</b>",
    "<i",
    "</a>",
    "<a href=\"javascript:alert(1)\">",
    "<script>",
    "<br/>",
    "]]>",
    "\u{202E}",
    "\u{202A}",
    "\u{2066}",
    "\u{2069}",
    "\u{200F}",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\u{85}",
    "\u{FEFF}",
    "\u{2028}",
    "\r\n",
    "\n\n\n",
    "\t",
    " ",
    "   ",
    "😀",
    "👨‍👩‍👧",
    "🇸🇾",
    "e\u{301}",
    "مرحبا",
    "سوريا ",
    "word",
    "Sign. ",
    "Hello world. ",
    "#",
    "#tag",
    "…",
    "https://x.org/?a=1&b=2",
    "%22",
    "\\",
    "`",
];

const URLS: &[&str] = &[
    "https://example.org/a?b=1&c=2",
    "javascript:alert(1)",
    " JAVASCRIPT:alert(1)",
    "data:text/html,<b>x</b>",
    "https://ex.org/\"onclick=\"x",
    "https://ex.org/a b<c>",
    "http://",
    "mailto:a@b.org?subject=\"hi\"&body=<x>",
    "tel:+33 1 23",
    "ftp://x.org/",
    "//x.org",
    "https://مثال.example/مسار?ك=ق",
    "https://ex.org/\u{202E}gpj.exe",
    "https://user:pa\"ss@ex.org/",
];

fn hostile(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => rng
            .pick(PIECES)
            .repeat(100_000 / rng.pick(PIECES).len().max(1)),
        1 => "a".repeat(100_000),
        2 => String::new(),
        _ => {
            let n = rng.below(60);
            (0..n).map(|_| rng.pick(PIECES)).collect()
        }
    }
}

fn hostile_url(rng: &mut Rng) -> Option<String> {
    match rng.below(6) {
        0 => None,
        1 => Some(hostile(rng)),
        2 => Some(format!("https://ex.org/{}", hostile(rng))),
        _ => Some(rng.pick(URLS).to_owned()),
    }
}

fn hostile_alert(rng: &mut Rng) -> Alert {
    let kinds = ActionKind::ALL;
    Alert {
        feed_name: hostile(rng),
        title: hostile(rng),
        link: hostile_url(rng),
        summary: hostile(rng),
        actions: (0..rng.below(14))
            .map(|_| Action {
                kind: kinds[rng.below(kinds.len())],
                label: hostile(rng),
                url: hostile_url(rng),
            })
            .collect(),
        hashtags: (0..rng.below(14)).map(|_| hostile(rng)).collect(),
        lang: rng
            .pick(&["en", "ar", "fr", "fa", "he", "", "und", "AR-sy", "fr-CA"])
            .to_owned(),
        also_published_by: (0..rng.below(8)).map(|_| hostile(rng)).collect(),
        when: None,
        deadline: None,
        dates_lang: None,
    }
}

#[test]
fn hostile_inputs_always_give_valid_messages() {
    let mut rng = Rng(0x5EED_0F50_11DA);
    for round in 0..300 {
        let alert = hostile_alert(&mut rng);
        let r = render_alert(&alert);
        if let Err(e) = validate_html(&r.html) {
            panic!("round {round}: {e}\n{alert:?}");
        }
        assert_valid(&r);
        if round % 10 == 0 {
            let alerts: Vec<Alert> = (0..rng.below(40))
                .map(|_| hostile_alert(&mut rng))
                .collect();
            assert_valid(&render_digest(&alerts));
        }
    }
}
