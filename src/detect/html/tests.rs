//! Tests of the HTML reader: blocks, links and entities; chrome dropped but its links kept;
//! bare URLs; broken markup.

use super::*;

/// Renders a doc as "kind|text" lines and "link href [text] block" lines.
fn render(doc: &Doc) -> String {
    let mut s = String::new();
    for b in &doc.blocks {
        let k = match b.kind {
            BlockKind::Para => "p",
            BlockKind::Heading => "h",
            BlockKind::Item => "li",
        };
        let q = if b.quote { ">" } else { "" };
        s.push_str(&format!("{q}{k}|{}\n", b.text));
    }
    for l in &doc.links {
        let at = match l.block {
            Some(b) => format!("@{b}:{}", &doc.blocks[b].text[l.start..l.end]),
            None if l.chrome => "chrome".to_string(),
            None => "-".to_string(),
        };
        s.push_str(&format!("link {} [{}] {at}\n", l.href, l.text(doc)));
    }
    s
}

fn check(html: &str, expect: &str) {
    let cfg = HtmlConfig::new().expect("patterns compile");
    let got = render(&read(&cfg, html));
    assert_eq!(got.trim(), expect.trim(), "reading {html:?}");
}

#[test]
fn blocks_links_and_entities() {
    check(
        r#"<p>Sign <a href="https://change.org/p/x?utm_source=a&amp;b=1">the petition</a> now.</p>
               <h2>What you can do</h2><ul><li>Call&nbsp;your MP</li><li>Share #FreeThem</li></ul>"#,
        "p|Sign the petition now.\nh|What you can do\nli|Call your MP\nli|Share #FreeThem\n\
             link https://change.org/p/x?utm_source=a&b=1 [the petition] @0:the petition",
    );
}

#[test]
fn chrome_is_dropped_but_its_links_kept() {
    check(
        r#"<nav><a href="/donate">Donate</a></nav><p>Body text here.</p>
               <div class="sharedaddy sd-sharing"><a href="https://twitter.com/intent/tweet?url=x">Tweet</a></div>
               <script>var a = "<p>no</p>";</script><footer>© 2024 Org</footer>
               <div class="post-content"><p>Kept.</p></div>"#,
        "p|Body text here.\np|Kept.\nlink /donate [] chrome\n\
             link https://twitter.com/intent/tweet?url=x [] chrome",
    );
}

#[test]
fn plain_text_and_bare_urls() {
    check(
        "Sign here: https://www.change.org/p/free-them.\nWrite to minister@gov.example.org today.",
        "p|Sign here: https://www.change.org/p/free-them.\n\
             p|Write to minister@gov.example.org today.\n\
             link https://www.change.org/p/free-them [https://www.change.org/p/free-them] @0:https://www.change.org/p/free-them\n\
             link mailto:minister@gov.example.org [minister@gov.example.org] @1:minister@gov.example.org",
    );
}

#[test]
fn tolerant_of_broken_markup() {
    check(
        "<p>Unclosed <b>bold <a href='/x'>link<p>Next & last < 3",
        "p|Unclosed bold link\np|Next & last < 3\nlink /x [link] @0:link",
    );
    check(
        "<blockquote><p>“We call on you.”</p></blockquote>",
        ">p|“We call on you.”",
    );
}
