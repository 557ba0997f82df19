//! Fuzz target: arbitrary alert fields through `render_alert` and `render_digest` must
//! give valid Telegram HTML (checked by the same validator the fake Bot API uses, a port
//! of TDLib's parser) of at most 4096 visible characters, and plain text within the limit.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use solibot::deliver::render::{self, Alert};
use solibot::detect::{Action, ActionKind};

#[path = "../../tests/support/tg_html.rs"]
#[allow(dead_code)]
mod tg_html;

#[derive(Debug, Arbitrary)]
struct FuzzAction {
    kind: u8,
    label: String,
    url: Option<String>,
}

#[derive(Debug, Arbitrary)]
struct FuzzAlert {
    feed_name: String,
    title: String,
    link: Option<String>,
    summary: String,
    actions: Vec<FuzzAction>,
    hashtags: Vec<String>,
    lang: String,
    also_published_by: Vec<String>,
}

impl From<FuzzAlert> for Alert {
    fn from(a: FuzzAlert) -> Alert {
        Alert {
            feed_name: a.feed_name,
            title: a.title,
            link: a.link,
            summary: a.summary,
            actions: a
                .actions
                .into_iter()
                .map(|x| Action {
                    kind: ActionKind::ALL[usize::from(x.kind) % ActionKind::ALL.len()],
                    label: x.label,
                    url: x.url,
                })
                .collect(),
            hashtags: a.hashtags,
            lang: a.lang,
            also_published_by: a.also_published_by,
        }
    }
}

fn check(r: &render::Rendered) {
    let visible = match tg_html::parse_telegram_html(&r.html) {
        Ok(v) => v,
        Err(e) => panic!("Telegram would refuse the HTML: {e}\n{}", r.html),
    };
    assert!(!visible.is_empty(), "empty message: {:?}", r.html);
    assert!(
        visible.chars().count() <= tg_html::MAX_TEXT_CHARS,
        "{} visible chars",
        visible.chars().count()
    );
    assert!(r.html.len() <= 32_768, "{} bytes of HTML", r.html.len());
    assert!(r.plain.chars().count() <= tg_html::MAX_TEXT_CHARS);
    for b in &r.buttons {
        assert!(
            b.url.starts_with("https://") || b.url.starts_with("http://"),
            "button {}",
            b.url
        );
        assert!(!b.text.trim().is_empty());
    }
}

fuzz_target!(|alerts: Vec<FuzzAlert>| {
    let alerts: Vec<Alert> = alerts.into_iter().take(40).map(Alert::from).collect();
    for alert in &alerts {
        check(&render::render_alert(alert));
    }
    check(&render::render_digest(&alerts));
});
