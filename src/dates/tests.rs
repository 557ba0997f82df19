//! One `check` helper: text, language, publication time (UTC) and zone -> the days (and
//! times) found, as `when=… deadline=…`.

use super::*;

fn show(f: Option<Found>) -> String {
    match f {
        None => "-".into(),
        Some(f) if f.day_only => f.at.format("%Y-%m-%d").to_string(),
        Some(f) => f.at.format("%Y-%m-%dT%H:%M%:z").to_string(),
    }
}

#[track_caller]
pub(super) fn check(lang: &str, published: &str, tz: &str, text: &str, expect: &str) {
    let published = DateTime::parse_from_rfc3339(published)
        .unwrap()
        .with_timezone(&Utc);
    let tz: Tz = tz.parse().unwrap();
    let d = extract(text, lang, published, tz);
    let got = format!("when={} deadline={}", show(d.when), show(d.deadline));
    assert_eq!(got, expect, "{text}");
}

pub(super) const PUB: &str = "2027-03-08T09:00:00Z"; // a Monday

#[test]
fn english_absolute_dates_and_cues() {
    check(
        "en",
        PUB,
        "Europe/London",
        "Join us for a vigil on 12 March 2027 at 6pm outside the town hall.",
        "when=2027-03-12T18:00+00:00 deadline=-",
    );
    check(
        "en",
        PUB,
        "Europe/London",
        "Sign the petition before March 20.",
        "when=- deadline=2027-03-20",
    );
    check(
        "en",
        PUB,
        "America/New_York",
        "Comments close 04/05/2027.",
        "when=- deadline=2027-04-05",
    );
    check(
        "en",
        PUB,
        "Europe/London",
        "Comments close 04/05/2027.",
        "when=- deadline=2027-05-04",
    );
}

#[test]
fn distractors_of_the_past_are_neither() {
    check(
        "en",
        PUB,
        "Europe/London",
        "On 3 March police arrested twelve activists. Join the protest on Saturday.",
        "when=2027-03-13 deadline=-",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Depuis le 1er mars, trois familles sont menacées.",
        "when=- deadline=-",
    );
}

#[test]
fn relative_days_and_weekdays() {
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Rassemblement demain à 18h devant la préfecture.",
        "when=2027-03-09T18:00+01:00 deadline=-",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Manifestation samedi prochain, départ 14h.",
        "when=2027-03-13T14:00+01:00 deadline=-",
    );
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Kundgebung am Samstag um 18 Uhr vor dem Rathaus.",
        "when=2027-03-13T18:00+01:00 deadline=-",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Cumartesi günü saat 18.00'de Kadıköy'de buluşuyoruz.",
        "when=2027-03-13T18:00+03:00 deadline=-",
    );
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "ندعوكم إلى وقفة تضامنية غداً الساعة السادسة مساءً",
        "when=2027-03-09T18:00+02:00 deadline=-",
    );
}

#[test]
fn arabic_months_and_digits() {
    check(
        "ar",
        PUB,
        "Asia/Damascus",
        "وقفة احتجاجية يوم السبت ١٣ آذار ٢٠٢٧",
        "when=2027-03-13 deadline=-",
    );
    check(
        "ar",
        PUB,
        "Africa/Cairo",
        "وقّعوا على العريضة حتى ۲۰ مارس",
        "when=- deadline=2027-03-20",
    );
}

#[test]
fn deadlines_in_german_and_turkish() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Die Petition läuft noch bis zum 31. März.",
        "when=- deadline=2027-03-31",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "İmzalar 25 Mart'a kadar toplanacak.",
        "when=- deadline=2027-03-25",
    );
}

#[test]
fn a_date_without_a_year_is_the_next_one() {
    // Published in December: a January date is next year's.
    check(
        "en",
        "2027-12-20T10:00:00Z",
        "UTC",
        "March on January 5 against the law.",
        "when=2028-01-05 deadline=-",
    );
    // A few days before publication: the same year (an event that is today, posted late).
    check(
        "en",
        "2027-03-14T10:00:00Z",
        "UTC",
        "Vigil on 13 March.",
        "when=2027-03-13 deadline=-",
    );
}

#[test]
fn the_publication_day_is_the_zones() {
    // 23:30 UTC on Friday is Saturday in Berlin: "today" is Saturday.
    check(
        "de",
        "2027-03-12T23:30:00Z",
        "Europe/Berlin",
        "Heute Demo um 14 Uhr!",
        "when=2027-03-13T14:00+01:00 deadline=-",
    );
}

#[test]
fn lexicon_words_are_in_normal_form() {
    for lex in lexicon::ALL {
        let lists: [&[&str]; 9] = [
            lex.deadline_before,
            lex.deadline_after,
            lex.event,
            lex.past,
            lex.fillers,
            lex.range,
            lex.weekend,
            lex.thanks,
            lex.next_week,
        ];
        let words = lists
            .iter()
            .flat_map(|l| l.iter().copied())
            .chain(lex.months.iter().map(|(w, _)| *w))
            .chain(lex.weekdays.iter().map(|(w, _)| *w))
            .chain(lex.relative.iter().map(|(w, _)| *w));
        for w in words {
            assert_eq!(
                scan::normalise(w, lex.code == "tr"),
                w,
                "{} in {}",
                w,
                lex.code
            );
        }
    }
}
