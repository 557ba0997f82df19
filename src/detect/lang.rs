//! Language identification for one entry, reliable on short texts.
//!
//! Combines, in this order: the script (Arabic script -> Arabic, Sorani Kurdish or Persian
//! by their letters), Kurmanji function words, whatlang's trigram model restricted to the
//! languages partners write in, the entry's declared language, and which language's cues
//! matched (decisive for two-word titles such as "Jetzt spenden"). Answers ISO 639-1 codes,
//! `und` when there is nothing to go on. Stage 2 of the pipeline ([`of_entry`]): the
//! entry's language, read from its title and first blocks. Pure; no allocation beyond a
//! small sample.

use whatlang::{Detector as Whatlang, Lang};

use super::Detector;
use super::cues::Class;
use super::html::Doc;
use super::text::{ScriptCounts, fold_into};
use crate::entry::Entry;
use crate::text::primary_language;

/// The trigram detector, restricted to plausible languages.
pub(crate) fn whatlang_detector() -> Whatlang {
    Whatlang::with_allowlist(vec![
        Lang::Eng,
        Lang::Fra,
        Lang::Deu,
        Lang::Tur,
        Lang::Spa,
        Lang::Ita,
        Lang::Nld,
        Lang::Por,
    ])
}

fn iso(lang: Lang) -> &'static str {
    match lang {
        Lang::Eng => "en",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Tur => "tr",
        Lang::Spa => "es",
        Lang::Ita => "it",
        Lang::Nld => "nl",
        Lang::Por => "pt",
        Lang::Ara => "ar",
        Lang::Pes => "fa",
        _ => "und",
    }
}

/// Normalises a declared language tag (`en-US`, `ara`, `ckb`, `kmr`) to ISO 639-1.
pub(crate) fn normalise_declared(tag: &str) -> Option<&'static str> {
    Some(match primary_language(tag).as_str() {
        "en" | "eng" => "en",
        "ar" | "ara" | "arb" | "apc" | "ajp" => "ar",
        "fr" | "fra" | "fre" => "fr",
        "de" | "deu" | "ger" => "de",
        "tr" | "tur" => "tr",
        "ku" | "kur" | "ckb" | "kmr" | "sdh" => "ku",
        "fa" | "fas" | "per" | "pes" => "fa",
        "es" | "spa" => "es",
        "it" | "ita" => "it",
        "nl" | "nld" | "dut" => "nl",
        "pt" | "por" => "pt",
        _ => return None,
    })
}

/// Kurmanji function words (folded: no circumflexes).
const KURMANJI_WORDS: [&str; 14] = [
    "u", "ji", "li", "di", "ku", "bi", "ji bo", "em", "hun", "ev", "ew", "jî", "ne", "re",
];

fn kurmanji_votes(sample: &str) -> (usize, usize) {
    // Cheap test first: Kurmanji writes ê, î, û all the time.
    if sample
        .chars()
        .filter(|c| matches!(c, 'ê' | 'î' | 'û'))
        .take(2)
        .count()
        < 2
    {
        return (0, 0);
    }
    let mut hits = 0;
    let mut total = 0;
    let mut circumflex = 0;
    for w in sample.split(|c: char| !c.is_alphabetic()) {
        if w.is_empty() {
            continue;
        }
        total += 1;
        circumflex += w.chars().filter(|c| matches!(c, 'ê' | 'î' | 'û')).count();
        let lw = w.to_lowercase();
        let folded = lw.replace('û', "u").replace('î', "i").replace('ê', "e");
        if KURMANJI_WORDS.contains(&folded.as_str()) || matches!(lw.as_str(), "û" | "jî") {
            hits += 1;
        }
    }
    if circumflex < 2 {
        return (0, total);
    }
    (hits, total)
}

/// Votes of frequent function words: en, fr, de, tr.
fn stopword_votes(sample: &str) -> [u32; 4] {
    let mut votes = [0u32; 4];
    let mut buf = [0u8; 8];
    for w in sample.split(|c: char| {
        if c.is_ascii() {
            !c.is_ascii_alphabetic()
        } else {
            !c.is_alphabetic()
        }
    }) {
        if w.is_empty() || w.len() > 8 {
            continue;
        }
        if !w.is_ascii() {
            match w {
                "für" | "über" | "können" | "würde" | "Für" | "Über" => votes[2] += 1,
                "à" | "été" | "être" | "où" | "À" => votes[1] += 1,
                "için" | "değil" | "çok" | "göre" | "bütün" | "tüm" | "İçin" | "Tüm" => {
                    votes[3] += 1
                }
                _ => {}
            }
            continue;
        }
        let n = w.len();
        for (d, s) in buf.iter_mut().zip(w.bytes()) {
            *d = s.to_ascii_lowercase();
        }
        match &buf[..n] {
            b"the" | b"and" | b"of" | b"to" | b"is" | b"for" | b"that" | b"with" | b"on"
            | b"are" | b"was" | b"by" | b"from" | b"this" | b"have" | b"our" | b"we" | b"you"
            | b"their" | b"it" | b"at" | b"be" | b"has" | b"will" => votes[0] += 1,
            b"le" | b"la" | b"les" | b"des" | b"et" | b"du" | b"une" | b"est" | b"pour"
            | b"dans" | b"que" | b"qui" | b"sur" | b"au" | b"aux" | b"par" | b"pas" | b"nous"
            | b"vous" | b"sont" | b"avec" | b"cette" | b"leur" | b"leurs" => votes[1] += 1,
            b"der" | b"die" | b"das" | b"und" | b"den" | b"dem" | b"ist" | b"nicht" | b"mit"
            | b"von" | b"zu" | b"auf" | b"ein" | b"eine" | b"im" | b"sich" | b"wir" | b"sie"
            | b"auch" | b"werden" | b"sind" | b"bei" | b"wird" | b"nach" => votes[2] += 1,
            b"ve" | b"bir" | b"bu" | b"ile" | b"olarak" | b"gibi" | b"daha" | b"her" | b"olan"
            | b"ama" | b"kadar" | b"veya" | b"ancak" | b"icin" => votes[3] += 1,
            _ => {}
        }
    }
    let turkish_letters = sample
        .chars()
        .filter(|c| matches!(c, 'ı' | 'ş' | 'ğ' | 'İ' | 'Ş' | 'Ğ'))
        .count() as u32;
    votes[3] += turkish_letters / 2;
    votes
}

/// Which language an entry is in.
pub(crate) fn identify(
    detector: &Whatlang,
    sample: &str,
    declared: Option<&str>,
    cue_votes: &[(&'static str, f32)],
) -> &'static str {
    let declared = declared.and_then(normalise_declared);
    let mut sc = ScriptCounts::default();
    sc.add(sample);
    let letters = sc.latin + sc.arabic + sc.other;
    if letters == 0 {
        return declared.unwrap_or("und");
    }
    if sc.arabic * 2 > letters {
        if sc.sorani >= 2 || (sc.sorani >= 1 && sc.arabic < 40) {
            return "ku";
        }
        if sc.persian * 20 > sc.arabic && declared != Some("ar") {
            return if declared == Some("ku") { "ku" } else { "fa" };
        }
        return "ar";
    }
    if sc.latin * 2 > letters {
        let (kmr, total) = kurmanji_votes(sample);
        if kmr >= 2 && kmr * 12 >= total {
            return "ku";
        }
        let best_cue = cue_votes
            .iter()
            .filter(|(l, _)| !matches!(*l, "ar" | "*"))
            .fold(None::<(&'static str, f32)>, |acc, &(l, v)| match acc {
                Some((_, bv)) if bv >= v => acc,
                _ => Some((l, v)),
            });
        let votes = stopword_votes(sample);
        let (best, &top) = votes
            .iter()
            .enumerate()
            .max_by_key(|&(_, v)| *v)
            .unwrap_or((0, &0));
        let second = votes
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != best)
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(0);
        if top >= 4 && top >= second * 2 {
            return ["en", "fr", "de", "tr"][best];
        }
        let info = detector.detect(sample);
        let confident = info
            .as_ref()
            .is_some_and(|i| i.confidence() >= 0.5 || (sc.latin >= 120 && i.confidence() >= 0.2));
        if let Some(i) = info.as_ref().filter(|_| confident) {
            return iso(i.lang());
        }
        if let Some(d) = declared {
            return d;
        }
        if let Some((l, v)) = best_cue
            && v > 0.0
        {
            return l;
        }
        if let Some(i) = info {
            return iso(i.lang());
        }
        return "und";
    }
    declared.unwrap_or("und")
}

/// The entry's language: script, trigrams, declared language, and for short texts the
/// language whose cues match.
pub(super) fn of_entry(det: &Detector, title: &str, doc: &Doc, entry: &Entry) -> &'static str {
    let mut sample = String::with_capacity(400);
    sample.push_str(title);
    for b in &doc.blocks {
        if sample.len() > 320 {
            break;
        }
        sample.push(' ');
        sample.push_str(&b.text);
    }
    let mut votes: Vec<(&'static str, f32)> = Vec::new();
    if sample.len() < 200 {
        let mut folded = String::with_capacity(sample.len());
        fold_into(&sample, &mut folded);
        let mut hits = Vec::new();
        det.cues.find(&folded, None, &mut hits);
        for h in &hits {
            let cue = det.cues.cue(h);
            if matches!(cue.class, Class::Opener | Class::Boilerplate) || cue.lang == "*" {
                continue;
            }
            match votes.iter_mut().find(|(l, _)| *l == cue.lang) {
                Some(v) => v.1 += 1.0,
                None => votes.push((cue.lang, 1.0)),
            }
        }
    }
    identify(
        &det.whatlang,
        &sample,
        entry.declared_lang.as_deref(),
        &votes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sample: &str, declared: Option<&str>, votes: &[(&'static str, f32)], expect: &str) {
        let d = whatlang_detector();
        assert_eq!(identify(&d, sample, declared, votes), expect, "{sample:?}");
    }

    #[test]
    fn languages() {
        check(
            "Sign the petition to free the detained aid workers before Friday",
            None,
            &[],
            "en",
        );
        check(
            "Signez la pétition pour la libération des travailleurs humanitaires",
            None,
            &[],
            "fr",
        );
        check(
            "Unterschreiben Sie jetzt die Petition für die Freilassung der Helfer",
            None,
            &[],
            "de",
        );
        check(
            "Gözaltındaki yardım çalışanlarının serbest bırakılması için imzalayın",
            None,
            &[],
            "tr",
        );
        check("تبرعوا الآن", None, &[], "ar");
        check("وقّعوا العريضة للإفراج عن المعتقلين", Some("en"), &[], "ar");
        check("داوا دەکەین لە کۆمەڵگای نێودەوڵەتی", None, &[], "ku");
        check(
            "Em bang li civaka navneteweyî dikin ku ji bo azadiya girtiyan û jî",
            None,
            &[],
            "ku",
        );
        check("Jetzt spenden", None, &[("de", 3.0)], "de");
        check("Jetzt spenden", Some("de-DE"), &[], "de");
        check("", None, &[], "und");
        check("12345", Some("fr"), &[], "fr");
    }
}
