//! The detector on the genres partners really write: a press release naming the publisher
//! in the third person, the same words reported by someone else, donation and petition
//! pages without an imperative, an Arabic statement in the publisher's voice.

use super::{DetectOptions, Detector, FeedContext, Verdict};
use crate::entry::Entry;

fn entry(link: &str, title: &str, body: &str) -> Entry {
    Entry::sample(link, title, body)
}

/// True when one of the verdict's reasons starts with `prefix`.
fn has_reason(v: &Verdict, prefix: &str) -> bool {
    v.reasons.iter().any(|r| r.starts_with(prefix))
}

fn detect_as(publisher: &str, e: &Entry) -> Verdict {
    let det = Detector::new(&DetectOptions::default()).expect("built-in cues compile");
    let ctx = FeedContext::default().with_publisher([publisher]);
    det.detect(e, &ctx, &[])
}

fn kinds(v: &Verdict) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = v.actions.iter().map(|a| a.kind.as_str()).collect();
    k.sort_unstable();
    k
}

const PRESS_RELEASE: &str = "<p>Levant Rights Watch calls on the UN Security Council to renew \
    the authorisation of cross-border aid before it expires on 10 January.</p>\
    <p>More than four million people in the north-west depend on the crossings for food, \
    medicine and fuel. Levant Rights Watch urges member states to vote for a twelve-month \
    renewal.</p>";

#[test]
fn a_press_release_naming_the_publisher_in_the_third_person_is_its_own_appeal() {
    let e = entry(
        "https://lrw.example/press/renew-cross-border-aid",
        "Security Council must renew cross-border aid",
        PRESS_RELEASE,
    );
    let own = detect_as("Levant Rights Watch", &e);
    assert!(own.is_appeal, "{own:#?}");
    assert!(has_reason(&own, "publisher's demand"), "{:?}", own.reasons);
    // The same words in another publisher's feed are someone else's call.
    let other = detect_as("Daily Levant News", &e);
    assert!(other.score < own.score, "{} vs {}", other.score, own.score);
}

#[test]
fn a_news_report_of_someone_elses_call_is_not_an_appeal() {
    let e = entry(
        "https://news.example/2025/12/envoy-urges-council",
        "UN envoy urges council to renew cross-border aid",
        "<p>The UN envoy called on the Security Council on Monday to renew the authorisation \
         of cross-border aid, according to diplomats.</p><p>\"Sign the petition and call \
         your representatives,\" said a coordinator of the campaign, which launched last \
         week.</p>",
    );
    let v = detect_as("Daily Levant News", &e);
    assert!(!v.is_appeal, "{v:#?}");
}

#[test]
fn a_donation_page_without_an_imperative_asks_for_money() {
    let e = entry(
        "https://relief.example/winter/fuel",
        "Winter fuel for families in Idlib",
        "<p>€38 fills one barrel of heating fuel, enough for a family for three weeks. \
         €65 buys a safe stove with a chimney pipe, and €120 covers a full winter kit.</p>\
         <p>Your gift goes straight to fuel bought in local markets. Zakat and sadaqa \
         are accepted and distributed before the end of the month.</p>",
    );
    let v = detect_as("Idlib Relief Fund", &e);
    assert!(v.is_appeal, "{v:#?}");
    assert_eq!(kinds(&v), ["donate"], "{v:#?}");
}

#[test]
fn a_petition_page_is_an_appeal_to_sign() {
    let e = entry(
        "https://families.example/petition/open-the-files",
        "Petition to the Minister of Justice: open the detention files",
        "<p>We the undersigned call on the Minister of Justice to open the records of \
         every detention centre to the families of the disappeared.</p>\
         <p>12,430 signatures of our 20,000 goal.</p>\
         <p><a href=\"https://www.change.org/p/open-the-detention-files\">Add your name</a></p>",
    );
    let v = detect_as("Families for Truth", &e);
    assert!(v.is_appeal, "{v:#?}");
    assert!(kinds(&v).contains(&"sign"), "{v:#?}");
}

#[test]
fn an_arabic_statement_in_the_publishers_voice_is_an_appeal() {
    let e = entry(
        "https://furat.example/ar/statements/water",
        "بيان حول محطة علوك",
        "<p>تطالب شبكة الفرات للمياه مجلس الأمن الدولي بالضغط من أجل إعادة تشغيل محطة علوك \
         فوراً، وتدعو الشبكة جميع الأطراف إلى تحييد منشآت المياه.</p>\
         <p>ويعتمد أكثر من مليون شخص على المحطة في الحسكة.</p>",
    );
    let v = detect_as("شبكة الفرات للمياه", &e);
    assert!(v.is_appeal, "{v:#?}");
    assert_eq!(v.lang, "ar");
    assert!(has_reason(&v, "publisher's demand"), "{:?}", v.reasons);
}

#[test]
fn a_how_to_help_page_gives_each_heading_its_own_kind_and_link() {
    let e = entry(
        "https://harbour.example/news/floods-how-to-help",
        "Floods: how you can help",
        "<p>Since Tuesday the river has flooded 300 homes in the valley.</p>\
         <h3>1. Volunteer at the warehouse</h3>\
         <p>We sort and pack from 9 to 5 every day this week. \
         <a href=\"https://harbour.example/floods/rota\">The rota is here</a>.</p>\
         <h3>2. Share the alert</h3>\
         <p>Posters and graphics are in our \
         <a href=\"https://harbour.example/floods/kit\">media kit</a>.</p>",
    );
    let v = detect_as("Harbour Aid", &e);
    assert!(v.is_appeal, "{v:#?}");
    let url = |kind: &str| {
        v.actions
            .iter()
            .find(|a| a.kind.as_str() == kind)
            .and_then(|a| a.url.clone())
    };
    assert_eq!(
        url("volunteer").as_deref(),
        Some("https://harbour.example/floods/rota"),
        "{v:#?}"
    );
    assert_eq!(
        url("share").as_deref(),
        Some("https://harbour.example/floods/kit"),
        "{v:#?}"
    );
}

#[test]
fn the_material_to_share_is_the_share_link_and_a_phone_number_is_not() {
    let e = entry(
        "https://harbour.example/events/vigil",
        "Vigil on the seafront: join us on Saturday",
        "<p>Join us on Saturday 29 November at 4pm on Marine Parade, Dover, to remember \
         everyone lost in the Channel. Please bring a candle.</p>\
         <p>Can't come? Post a photo with #NoMoreDeaths. Graphics and suggested words are \
         in our <a href=\"https://harbour.example/wp-content/uploads/2025/11/share-kit.zip\">\
         share kit</a>.</p>\
         <p>Questions: call the team on <a href=\"tel:+441234567890\">01234 567890</a>.</p>",
    );
    let v = detect_as("Harbour Aid", &e);
    assert!(v.is_appeal, "{v:#?}");
    let share = v.actions.iter().find(|a| a.kind.as_str() == "share");
    assert_eq!(
        share.and_then(|a| a.url.as_deref()),
        Some("https://harbour.example/wp-content/uploads/2025/11/share-kit.zip"),
        "{v:#?}"
    );
}

/// The URL a verdict gives for `kind`.
fn url_of(v: &Verdict, kind: &str) -> Option<String> {
    v.actions
        .iter()
        .find(|a| a.kind.as_str() == kind)
        .and_then(|a| a.url.clone())
}

#[test]
fn the_sentence_around_a_link_names_its_kind_over_the_address() {
    // `/letter-…` reads as writing to an official; the sentence asks for a signature.
    let e = entry(
        "https://parents.example/2026/04/open-letter-school-places",
        "Open letter: school places for refugee children now",
        "<p>We, the undersigned parents and teachers, ask the council to offer every newly \
         arrived child a school place within twenty school days.</p>\
         <p>Add your name <a href=\"https://parents.example/letter-schools/\">here</a>. \
         We hand the letter in at the council meeting on 20 May.</p>",
    );
    let v = detect_as("Parents for Schools", &e);
    assert!(v.is_appeal, "{v:#?}");
    assert_eq!(
        url_of(&v, "sign").as_deref(),
        Some("https://parents.example/letter-schools/"),
        "{:?}",
        v.actions
    );
}

#[test]
fn a_button_inside_a_sentence_is_text_not_site_chrome() {
    // The site's own `/mitmachen` page, linked from a sentence, is where volunteers sign up.
    let e = entry(
        "https://klinik-hilfe.example/helfen/so-koennen-sie-helfen",
        "So können Sie unsere Kliniken unterstützen",
        "<h3>1. Mit Geld helfen</h3><p>Online spenden Sie über unser \
         <a href=\"https://klinik-hilfe.example/spenden/formular/\">Spendenformular</a>.</p>\
         <h3>2. Zeit und Fachwissen spenden</h3><p>Ärztinnen, Pflegekräfte und Übersetzer \
         können sich für Einsätze registrieren: \
         <a href=\"https://klinik-hilfe.example/mitmachen/\">Mitmachen</a>.</p>",
    );
    let v = detect_as("Klinik-Hilfe", &e);
    assert_eq!(
        url_of(&v, "volunteer").as_deref(),
        Some("https://klinik-hilfe.example/mitmachen/"),
        "{:?}",
        v.actions
    );
}

#[test]
fn a_march_links_to_its_map_not_to_the_organisers_mailbox() {
    let e = entry(
        "https://libertes.example/mobilisations/22-novembre",
        "Le 22 novembre, marchons pour nos libertés",
        "<p>La ligue appelle à manifester le samedi 22 novembre, 14 h, place de la Bastille.</p>\
         <p>Consultez <a href=\"https://libertes.example/22-novembre/carte\">la carte des \
         rassemblements</a>. Vous organisez un départ en car ? Signalez-le à \
         <a href=\"mailto:mobilisation@libertes.example\">mobilisation@libertes.example</a>.</p>",
    );
    let v = detect_as("Ligue des libertés", &e);
    assert!(v.is_appeal, "{v:#?}");
    assert_eq!(
        url_of(&v, "mobilize").as_deref(),
        Some("https://libertes.example/22-novembre/carte"),
        "{:?}",
        v.actions
    );
}

#[test]
fn a_joint_statement_lists_its_signatories_and_asks_no_one_to_sign() {
    let e = entry(
        "https://amitie-port.example/declaration-commune-port",
        "Déclaration commune : le port ne doit pas redevenir un champ de bataille",
        "<p>Nous, organisations soussignées, rappelons que 80 % des importations alimentaires \
         du pays passent par ce port.</p>\
         <p>Nous appelons le Conseil de sécurité à réaffirmer la protection des \
         infrastructures portuaires civiles.</p>\
         <p>Signataires : Amitié des deux rives (France) ; Maison du Levant de Genève \
         (Suisse) ; Réseau des femmes de la côte (Yémen) ; Coalition Mer Rouge pour les \
         droits (Belgique) ; Centre pour le développement (Yémen).</p>",
    );
    let v = detect_as("Amitié des deux rives", &e);
    assert!(v.is_appeal, "{v:#?}");
    assert!(!kinds(&v).contains(&"sign"), "{:?}", v.actions);
}
