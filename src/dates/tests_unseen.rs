//! Forms met first in unseen text (`dev3.jsonl`, issue 14), each written here in words of
//! our own: datelines, German weekdays joined to a part of the day, German deadline
//! compounds, `last year's`, a day named as past elsewhere in the text, the end of a month
//! gone, and a date ahead chosen over one before publication.

use super::tests::{PUB, check};

#[test]
fn a_dateline_is_the_day_a_statement_was_written() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Erklärung\nHamburg, 08.03.2027 – Der Verein ruft zur Kundgebung gegen die Abschiebung auf; der Termin folgt.",
        "when=- deadline=-",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Açıklama\nİzmir, 8 Mart 2027 — Sendika, bakanlığı görüşmeye çağırıyor. Eylem 12 Mart'ta.",
        "when=2027-03-12 deadline=-",
    );
}

#[test]
fn a_german_weekday_with_its_part_of_the_day_is_that_weekday() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Wir laden am Freitagabend um 19 Uhr zur Mahnwache vor dem Rathaus ein.",
        "when=2027-03-12T19:00+01:00 deadline=-",
    );
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Kommt zum Sommerfest am Samstagnachmittag ab 14 Uhr in den Park.",
        "when=2027-03-13T14:00+01:00 deadline=-",
    );
}

#[test]
fn a_german_compound_ending_in_schluss_or_frist_names_a_deadline() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Bitte schickt uns eure Beiträge. Redaktionsschluss ist Montag, der 15. März.",
        "when=- deadline=2027-03-15",
    );
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Die Bewerbungsfrist endet am 22. März.",
        "when=- deadline=2027-03-22",
    );
}

#[test]
fn last_years_event_is_past() {
    check(
        "en",
        PUB,
        "Europe/London",
        "Join the picket this Saturday from noon. Last year's picket on 14 March drew 200 people.",
        "when=2027-03-13 deadline=-",
    );
}

#[test]
fn a_day_reported_as_past_is_past_wherever_it_is_named() {
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Violences lors du rassemblement du 6 mars\nLe 6 mars, la police a frappé plusieurs manifestants. La section demande une enquête.",
        "when=- deadline=-",
    );
}

#[test]
fn the_end_of_a_month_gone_is_past() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Mahnwache am Sonntag um 18 Uhr. An die 40 Menschen, die Ende Februar vor der Küste ertranken, erinnert die Mahnwache.",
        "when=2027-03-14T18:00+01:00 deadline=-",
    );
}

#[test]
fn a_day_ahead_beats_one_before_publication_with_as_many_cues() {
    check(
        "en",
        PUB,
        "Europe/London",
        "After the strike on 6 March, the union calls a second strike on 16 March.",
        "when=2027-03-16 deadline=-",
    );
}
