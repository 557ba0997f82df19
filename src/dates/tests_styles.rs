//! Styles of writing dates found on unseen text (issue 14): the weekend, a weekday of
//! next week, Turkish case endings, a cue before `tomorrow`, a past weekday, a time of day
//! between a cue and its date, and a cue that belongs to the neighbouring date.

use super::tests::{PUB, check};

#[test]
fn the_weekend_is_its_saturday() {
    check(
        "en",
        PUB,
        "Europe/London",
        "Join our beach clean-up this weekend, meeting at 10am by the pier.",
        "when=2027-03-13T10:00+00:00 deadline=-",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Ce week-end, la coordination appelle à manifester.",
        "when=2027-03-13 deadline=-",
    );
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Am Wochenende laden wir zu Aktionen ein.",
        "when=2027-03-13 deadline=-",
    );
    // Published on a Sunday: the weekend is that day.
    check(
        "en",
        "2027-03-14T08:00:00Z",
        "Europe/London",
        "Vigil this weekend in the park.",
        "when=2027-03-14 deadline=-",
    );
}

#[test]
fn a_weekday_of_next_week() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Nächste Woche Freitag gehen wir wieder auf die Straße.",
        "when=2027-03-19 deadline=-",
    );
}

#[test]
fn turkish_weekdays_with_a_case_ending() {
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Milletvekillerinize cumaya kadar e-posta gönderin.",
        "when=- deadline=2027-03-12",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Dilekçe için imzalar yarın akşama kadar toplanacak.",
        "when=- deadline=2027-03-09",
    );
}

#[test]
fn a_deadline_cue_before_tomorrow() {
    check(
        "de",
        PUB,
        "Europe/Berlin",
        "Unsere Unterschriftenaktion läuft noch bis morgen.",
        "when=- deadline=2027-03-09",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "La lettre peut être signée jusqu'à demain minuit.",
        "when=- deadline=2027-03-09",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Écrivez à votre député d'ici vendredi.",
        "when=- deadline=2027-03-12",
    );
}

#[test]
fn a_weekday_that_passed() {
    check(
        "en",
        PUB,
        "Europe/London",
        "Thank you to the 12,000 people who marched with us on Saturday.",
        "when=- deadline=-",
    );
    check(
        "en",
        PUB,
        "Europe/London",
        "Thanks to all who came to the vigil on Saturday.",
        "when=- deadline=-",
    );
    check(
        "en",
        PUB,
        "Europe/London",
        "Thanks for your support, and see you on Saturday at 2pm at the rally.",
        "when=2027-03-13T14:00+00:00 deadline=-",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Cumartesi günkü yürüyüşe katılan 3.000 kişiye teşekkür ederiz.",
        "when=- deadline=-",
    );
}

#[test]
fn a_time_between_a_cue_and_its_date() {
    check(
        "en",
        PUB,
        "America/New_York",
        "Submit your comments by 11:59 p.m. ET on March 15, 2027.",
        "when=- deadline=2027-03-15",
    );
    check(
        "en",
        PUB,
        "Europe/London",
        "Submit evidence before the 20th of March via the form.",
        "when=- deadline=2027-03-20",
    );
}

#[test]
fn a_cue_belongs_to_the_nearer_date() {
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "يعقد المؤتمر يوم 20 آذار في بيروت، وينتهي التسجيل في 15 آذار.",
        "when=2027-03-20 deadline=2027-03-15",
    );
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "المخيم من 20 إلى 22 آذار في صور، وآخر أجل للتسجيل هو 15 آذار.",
        "when=2027-03-20 deadline=2027-03-15",
    );
}

#[test]
fn arabic_and_german_deadline_phrasings() {
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "قدموا الطلبات بحلول الأول من نيسان.",
        "when=- deadline=2027-04-01",
    );
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "غداً آخر يوم للتوقيع على النداء.",
        "when=- deadline=2027-03-09",
    );
    check(
        "de",
        PUB,
        "Europe/Vienna",
        "Einsendeschluss für den Fotowettbewerb ist der 1. April.",
        "when=- deadline=2027-04-01",
    );
}

#[test]
fn event_words_with_the_arabic_article_and_more_deadline_words() {
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "الوقفة الاحتجاجية مساء الخميس أمام البرلمان.",
        "when=2027-03-11 deadline=-",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Son katılım tarihi: 20.03.2027",
        "when=- deadline=2027-03-20",
    );
    check(
        "en",
        PUB,
        "Europe/London",
        "Registration closes Thursday; the summit itself is on Saturday 20 March.",
        "when=2027-03-20 deadline=2027-03-11",
    );
}

#[test]
fn a_day_of_the_month_without_its_month() {
    check(
        "en",
        PUB,
        "Europe/London",
        "Written testimony must be submitted by the 20th.",
        "when=- deadline=2027-03-20",
    );
    // The 5th has passed this month: next month's.
    check(
        "en",
        PUB,
        "Europe/London",
        "Written testimony must be submitted by the 5th.",
        "when=- deadline=2027-04-05",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Rendez-vous le 15 à 14h pour la marche.",
        "when=2027-03-15T14:00+01:00 deadline=-",
    );
    check(
        "tr",
        PUB,
        "Europe/Istanbul",
        "Başvurular ayın 20'sine kadar sürüyor.",
        "when=- deadline=2027-03-20",
    );
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "آخر موعد للتسجيل في 20 من الشهر الجاري.",
        "when=- deadline=2027-03-20",
    );
}

#[test]
fn next_week_after_the_weekday_and_arabic_ranges() {
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "مسيرة يوم الجمعة من الأسبوع المقبل.",
        "when=2027-03-19 deadline=-",
    );
    check(
        "fr",
        PUB,
        "Europe/Paris",
        "Manifestation vendredi de la semaine prochaine.",
        "when=2027-03-19 deadline=-",
    );
    check(
        "ar",
        PUB,
        "Asia/Beirut",
        "المهرجان من 15 ولغاية 17 آذار في بيروت.",
        "when=2027-03-15 deadline=-",
    );
}
