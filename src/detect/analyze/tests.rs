use super::super::{DetectOptions, Detector, FeedContext, Verdict};
use crate::entry::Entry;

fn entry(link: &str, title: &str, body: &str) -> Entry {
    Entry::sample(link, title, body)
}

fn detector() -> Detector {
    Detector::new(&DetectOptions::default()).expect("built-in cues compile")
}

/// Expected outcome: appeal or not, the kinds (in any order) and some kind -> URL pairs.
struct Expect<'a> {
    appeal: bool,
    kinds: &'a [&'a str],
    urls: &'a [(&'a str, &'a str)],
}

fn check_with(det: &Detector, ctx: &FeedContext, e: &Entry, expect: Expect) -> Verdict {
    let v = det.detect(e, ctx, &[]);
    let explain = format!("{} -> {v:#?}", e.title);
    assert_eq!(v.is_appeal, expect.appeal, "appeal? {explain}");
    let mut got: Vec<&str> = v.actions.iter().map(|a| a.kind.as_str()).collect();
    got.sort_unstable();
    let mut want = expect.kinds.to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "kinds: {explain}");
    for (kind, url) in expect.urls {
        let a = v.actions.iter().find(|a| a.kind.as_str() == *kind);
        assert_eq!(
            a.and_then(|a| a.url.as_deref()),
            Some(*url),
            "url for {kind}: {explain}"
        );
    }
    assert!((0.0..=1.0).contains(&v.score));
    assert!(v.summary.chars().count() <= 600);
    assert!(!v.reasons.is_empty());
    v
}

fn check(title: &str, body: &str, expect: Expect) -> Verdict {
    let det = detector();
    let e = entry("https://ngo.example.org/posts/1", title, body);
    check_with(&det, &FeedContext::default(), &e, expect)
}

#[test]
fn reader_petition_with_link_and_hashtag() {
    let v = check(
        "Free the aid workers detained in Deir ez-Zor",
        r#"<p>Eleven aid workers have been held without charge since August.</p>
               <p>Sign the petition to the governor before 1 December:
               <a href="https://www.change.org/p/free-the-eleven?utm_source=feed&amp;fbclid=x">add your name</a>.
               Then share it with #FreeTheEleven.</p>"#,
        Expect {
            appeal: true,
            kinds: &["share", "sign"],
            urls: &[("sign", "https://www.change.org/p/free-the-eleven")],
        },
    );
    assert_eq!(v.lang, "en");
    assert_eq!(v.hashtags, ["#FreeTheEleven"]);
    assert!(v.summary.starts_with("Sign the petition"), "{}", v.summary);
    assert_eq!(v.fingerprint.action_urls, ["change.org/p/free-the-eleven"]);
    assert!(
        v.reasons
            .iter()
            .any(|r| r.contains("petition link change.org")),
        "{:?}",
        v.reasons
    );
}

#[test]
fn reported_appeal_is_not_ours() {
    let v = check(
        "UN rapporteur urges release of detained aid workers",
        "<p>The UN Special Rapporteur on human rights defenders called on the authorities on \
             Tuesday to release eleven aid workers, according to a statement published in Geneva.</p>\
             <p>“Sign the petition and make your voice heard,” activists told reporters outside the court.</p>",
        Expect {
            appeal: false,
            kinds: &[],
            urls: &[],
        },
    );
    assert!(
        v.reasons.iter().any(|r| r.contains("reported")),
        "{:?}",
        v.reasons
    );
}

#[test]
fn past_recap_and_job_advert_are_not_appeals() {
    check(
        "Hundreds held a candlelight vigil for the disappeared",
        "<p>Last Sunday, more than three hundred people gathered outside the embassy. \
             Families took part in reading the names of the missing, and the vigil was held in silence.</p>",
        Expect {
            appeal: false,
            kinds: &[],
            urls: &[],
        },
    );
    check(
        "Vacancy: Field Logistics Officer (Gaziantep)",
        "<p>We are hiring a full-time logistics officer. Qualifications: three years of experience. \
             How to apply: send your CV and a cover letter by 30 November. Apply now.</p>",
        Expect {
            appeal: false,
            kinds: &[],
            urls: &[],
        },
    );
}

#[test]
fn arabic_plural_imperatives() {
    let v = check(
        "وقفة تضامنية مع المعتقلين",
        "<p>يا أهلنا، شاركوا في الوقفة التضامنية يوم الجمعة الساعة ٦ مساءً أمام السفارة.</p>\
             <p>وانشروا الدعوة على وسم #الحرية_للمعتقلين.</p>",
        Expect {
            appeal: true,
            kinds: &["mobilize", "share"],
            urls: &[],
        },
    );
    assert_eq!(v.lang, "ar");
    assert_eq!(v.hashtags, ["#الحرية_للمعتقلين"]);
    check(
        "المئات في وقفة أمام السفارة",
        "<p>شارك المئات أمس في وقفة أمام السفارة، وشاركوا في قراءة أسماء المعتقلين، وقالت المنظمة إن الوقفة نجحت.</p>",
        Expect {
            appeal: false,
            kinds: &[],
            urls: &[],
        },
    );
}

#[test]
fn own_demand_without_reader_action() {
    let v = check(
        "Déclaration commune : renouveler le mécanisme transfrontalier",
        "<p>Nous, organisations signataires, appelons le Conseil de sécurité des Nations unies à \
             renouveler sans délai l'autorisation de l'aide transfrontalière.</p>\
             <p>Plus de quatre millions de personnes dépendent de cette aide.</p>",
        Expect {
            appeal: true,
            kinds: &[],
            urls: &[],
        },
    );
    assert_eq!(v.lang, "fr");
}

#[test]
fn turkish_nouns_spelled_like_asks_to_share_are_not() {
    // "yayın" (publication) and "iletin" (tell them, send to us) beside a petition.
    check(
        "Yerel basın için açık mektup",
        r#"<p>Yerel yayın kuruluşlarına kamu ilanı desteği geri verilsin diye açık mektubu
               <a href="https://gazete.example/acik-mektup/imza">imzalayın</a>.</p>
               <p>Yanıt alırsanız lütfen bize iletin.</p>"#,
        Expect {
            appeal: true,
            kinds: &["sign"],
            urls: &[("sign", "https://gazete.example/acik-mektup/imza")],
        },
    );
}

#[test]
fn german_and_turkish_asks() {
    check(
        "Winterhilfe für Idlib",
        r#"<p>Spenden Sie jetzt für warme Decken:
               <a href="https://www.betterplace.org/de/projects/12345?utm_medium=rss">zur Spendenseite</a>.</p>"#,
        Expect {
            appeal: true,
            kinds: &["donate"],
            urls: &[("donate", "https://www.betterplace.org/de/projects/12345")],
        },
    );
    check(
        "Sınır dışı etmelere hayır",
        r#"<p>Kampanyaya destek verin ve <a href="https://change.org/p/geri-gondermeye-hayir">imzalayın</a>.</p>"#,
        Expect {
            appeal: true,
            kinds: &["sign"],
            urls: &[("sign", "https://change.org/p/geri-gondermeye-hayir")],
        },
    );
}

#[test]
fn contact_officials_by_mail() {
    check(
        "Urgent action: stop Hadi's deportation",
        r#"<p>Email the Home Secretary today at
               <a href="mailto:public.enquiries@homeoffice.gov.uk?subject=Stop%20the%20deportation">public.enquiries@homeoffice.gov.uk</a>
               and ask that Hadi is not removed to Syria.</p>"#,
        Expect {
            appeal: true,
            kinds: &["contact"],
            urls: &[(
                "contact",
                "mailto:public.enquiries@homeoffice.gov.uk?subject=Stop%20the%20deportation",
            )],
        },
    );
}

#[test]
fn boilerplate_pages_are_not_appeals() {
    check(
        "Subscribe to our newsletter",
        "<p>Sign up for our newsletter and we'll send you emails with the latest news.</p>\
             <div class=\"cookie-notice\">This website uses cookies.</div>",
        Expect {
            appeal: false,
            kinds: &[],
            urls: &[],
        },
    );
}

#[test]
fn feed_template_is_learned_and_ignored() {
    let det = detector();
    let footer = r#"<p class="support">Support our work: <a href="https://ngo.example.org/donate?utm_source=rss">Donate</a></p>"#;
    let bodies = [
        "<p>Our mobile clinic in Azaz held 1,000 consultations in October.</p>",
        "<p>The new school term started in the camps near Atmeh with 400 pupils.</p>",
        "<p>A report on water access in the north-west was published by partners.</p>",
        "<p>Volunteers repaired twelve water tanks in the camps this week.</p>",
    ];
    let entries: Vec<Entry> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            entry(
                &format!("https://ngo.example.org/news/{i}"),
                &format!("News {i}"),
                &format!("{b}{footer}"),
            )
        })
        .collect();
    let ctx = det.feed_context(&entries);
    assert_eq!(ctx.entries(), 4);
    assert!(
        ctx.template_links().any(|l| l == "ngo.example.org/donate"),
        "{:?}",
        ctx.template_links().collect::<Vec<_>>()
    );
    for e in &entries {
        let v = check_with(
            &det,
            &ctx,
            e,
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
        assert!(!v.summary.contains("Support our work"), "{}", v.summary);
    }
    // Without the feed's template, a lone entry with the button is still not an appeal.
    check_with(
        &det,
        &FeedContext::default(),
        &entries[0],
        Expect {
            appeal: false,
            kinds: &[],
            urls: &[],
        },
    );
    // A real appeal in the same feed still counts, the template link is not its action.
    let appeal = entry(
        "https://ngo.example.org/appeals/winter",
        "Winter appeal",
        &format!(
            r#"<p>Please donate today to buy heating fuel for 300 families:
                   <a href="https://donorbox.org/winter-fuel">give now</a>.</p>{footer}"#
        ),
    );
    check_with(
        &det,
        &ctx,
        &appeal,
        Expect {
            appeal: true,
            kinds: &["donate"],
            urls: &[("donate", "https://donorbox.org/winter-fuel")],
        },
    );
}

#[test]
fn cross_posted_statement_fingerprints_match() {
    let det = detector();
    let statement = "<p>We, the undersigned organisations, call on the Security Council to renew \
            the cross-border mechanism for twelve months. Millions of people in the north-west depend on \
            it for food, medicine and shelter. Organisations can endorse the statement \
            <a href=\"https://actionnetwork.org/letters/renew-cross-border?source=partner-a\">here</a>.</p>";
    let a = det.detect(
        &entry("https://a.example.org/s/1", "Joint statement", statement),
        &FeedContext::default(),
        &[],
    );
    let b = det.detect(
        &entry(
            "https://b.example.org/news/joint",
            "Joint statement on the cross-border mechanism",
            &format!("{statement}<p>Published by Partner B.</p>"),
        ),
        &FeedContext::default(),
        &[],
    );
    let other = det.detect(
        &entry(
            "https://c.example.org/x",
            "Annual report",
            "<p>Our annual report describes the schools we supported, the teachers we trained and \
                 the children who went back to class in Idlib and Aleppo this year.</p>",
        ),
        &FeedContext::default(),
        &[],
    );
    assert!(
        a.fingerprint.matches(&b.fingerprint),
        "{:?} vs {:?}",
        a.fingerprint,
        b.fingerprint
    );
    assert!(!a.fingerprint.matches(&other.fingerprint));
}

#[test]
fn one_detector_shared_by_threads_gives_the_same_verdicts() {
    let det = std::sync::Arc::new(detector());
    let e = entry(
        "https://ngo.example.org/posts/9",
        "Sign the petition",
        "<p>Sign the petition to free the eleven: <a href=\"https://change.org/p/eleven\">sign</a>.</p>",
    );
    let ctx = std::sync::Arc::new(det.feed_context(std::slice::from_ref(&e)));
    let alone = det.detect(&e, &FeedContext::default(), &[]);
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (det, ctx, e) = (det.clone(), ctx.clone(), e.clone());
            std::thread::spawn(move || det.detect(&e, &ctx, &[]))
        })
        .collect();
    for h in handles {
        let v = h.join().expect("detect does not panic");
        assert_eq!(v, alone);
    }
    assert!(alone.is_appeal);
}

#[test]
fn feed_hashtags_come_last_and_labels_follow_language() {
    let det = detector();
    let mut e = entry(
        "https://ngo.example.org/ar/1",
        "تبرعوا الآن",
        "<p>تبرعوا الآن لدعم العائلات النازحة عبر <a href=\"https://www.launchgood.com/campaign/winter\">صفحة الحملة</a> #دفء_الشتاء</p>",
    );
    e.categories = vec!["#Idlib".into(), "Syria".into()];
    let v = det.detect(&e, &FeedContext::default(), &["#Solidarity".to_string()]);
    assert!(v.is_appeal);
    assert_eq!(v.hashtags, ["#دفء_الشتاء", "#Idlib", "#Solidarity"]);
    let donate = v
        .actions
        .iter()
        .find(|a| a.kind.as_str() == "donate")
        .expect("donate action");
    assert_eq!(donate.label, "تبرّعوا");
    assert_eq!(
        donate.url.as_deref(),
        Some("https://www.launchgood.com/campaign/winter")
    );
}
