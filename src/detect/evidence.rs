//! Stage 6 of the pipeline, the sentences' evidence: every kept sentence's cue hits weighed
//! by where the sentence is (title, action section, quote, site button) and how it speaks
//! (reported speech, past-tense recap, the publisher's own demand), and its genre words
//! (amounts, dates, word families of a kind) counted.
//!
//! Owns [`SentenceEvidence`]: the entry's sums and each sentence's ask strength and kinds.
//! Must not look at links (that is `link_evidence`) or turn sums into a score (`score`).

use super::cues::{Class, Hit};
use super::features::{KindCounts, Totals, Voices, bit, kind_idx};
use super::genre;
use super::hashtags::Hashtags;
use super::reasons::Reasons;
use super::segment::{Parsed, Seg, SegKind};
use super::voice::{self, Publisher, Speaker};
use super::{ActionKind, Detector};

/// What weighing a sentence needs besides the sentence: the detector, the parse, the
/// entry's language and publisher, the site's own mail sentences.
pub(super) struct Setting<'a, 'b> {
    pub(super) det: &'a Detector,
    pub(super) p: &'a Parsed<'b>,
    pub(super) lang: &'a str,
    pub(super) publisher: &'a Publisher,
    /// Per sentence: holds the site's own e-mail address.
    pub(super) own_mail: &'a [bool],
    /// The feed's template sentences are unknown (a site button then counts half).
    pub(super) no_template: bool,
}

impl Setting<'_, '_> {
    /// Languages whose subject may follow the verb (verb-first Arabic, verb-second German).
    fn verb_first(&self) -> bool {
        matches!(self.lang, "ar" | "de")
    }
}

/// What the kept sentences say, summed over the entry, and per sentence.
#[derive(Debug)]
pub(super) struct SentenceEvidence {
    /// The sums the features are made of (the link and list sums are filled in later).
    pub(super) totals: Totals,
    /// Evidence per kind.
    pub(super) kind_ev: KindCounts,
    /// The strongest single ask of each kind.
    pub(super) kind_clear: KindCounts,
    /// Per sentence: its weight as a summary candidate.
    pub(super) sent_pos: Vec<f32>,
    /// Per sentence: the kinds it asks for.
    pub(super) sent_kinds: Vec<u8>,
    /// Per sentence: the strength of its ask of the reader.
    pub(super) reader_pos: Vec<f32>,
    /// Per sentence: 1, or less when it reports (0.25) or recalls (0.35).
    pub(super) sent_narrative: Vec<f32>,
    /// The first condemnation's phrase (for a reason).
    pub(super) first_condemn: Option<String>,
    /// Who spoke the demands and attributions.
    pub(super) ev: Voices,
    /// Genre patterns found (amounts, counters, times, dates, contacts).
    pub(super) found: genre::Counts,
    /// The dates the body names.
    pub(super) dates: Vec<genre::NamedDate>,
    /// Genre words per kind.
    pub(super) genre_ctx: KindCounts,
    /// Genre words per kind in sentences where the publisher demands something.
    pub(super) demand_words: KindCounts,
    /// The kinds the title names.
    pub(super) title_kinds: u8,
    /// The publisher's own demand in the title or the lead, where a press release puts it.
    pub(super) demand_top: bool,
}

/// How a sentence speaks: its first attribution to someone else, past-tense recap and
/// named addressee.
#[derive(Default)]
struct Frame<'h> {
    reported: Option<&'h Hit>,
    past: Option<&'h Hit>,
    target: Option<&'h Hit>,
}

/// Where a sentence is and how much its asks count there.
struct Place {
    /// Narrative discount: reported, past, quoted.
    m: f32,
    /// Title or action section.
    zone: f32,
    /// A site button without a known template.
    button: f32,
    where_: &'static str,
}

/// One sentence's hits, weighed.
#[derive(Default)]
struct Tally {
    pos: f32,
    rpos: f32,
    lost: f32,
    dem_here: f32,
    publisher_demands: bool,
    share_ctx: bool,
    ctx_kinds: Vec<(ActionKind, f32)>,
}

/// The sentence being weighed.
struct Current<'s> {
    i: usize,
    seg: &'s Seg<'s>,
    /// The sentence as written.
    text: &'s str,
    hits: &'s [Hit],
    norm: &'s str,
    self_refs: &'s [(usize, usize)],
}

impl Current<'_> {
    /// Who is the subject of the verb of hit `h`.
    fn speaker_of(&self, set: &Setting, h: &Hit) -> Speaker {
        voice::speaker(
            self.norm,
            h.start as usize,
            h.end as usize,
            set.publisher,
            self.self_refs,
            set.verb_first(),
        )
    }
}

/// Weighs every kept sentence of the parse.
pub(super) fn weigh_sentences(set: &Setting, reasons: &mut Reasons) -> SentenceEvidence {
    let n = set.p.sents.len();
    let mut e = SentenceEvidence {
        totals: Totals::default(),
        kind_ev: [0.0f32; ActionKind::COUNT],
        kind_clear: [0.0f32; ActionKind::COUNT],
        sent_pos: vec![0.0f32; n],
        sent_kinds: vec![0u8; n],
        reader_pos: vec![0.0f32; n],
        sent_narrative: vec![1.0f32; n],
        first_condemn: None,
        ev: Voices::default(),
        found: genre::Counts::default(),
        dates: Vec::new(),
        genre_ctx: [0.0f32; ActionKind::COUNT],
        demand_words: [0.0f32; ActionKind::COUNT],
        title_kinds: 0,
        demand_top: false,
    };
    let mut self_refs: Vec<(usize, usize)> = Vec::new();
    for (i, s) in set.p.sents.iter().enumerate() {
        if !set.p.kept(s) {
            continue;
        }
        let hits = &set.p.hits[s.hits.clone()];
        let norm = &set.p.folded[s.fold.clone()];
        self_references(set, hits, norm, &mut self_refs);
        let seg = &set.p.segs[s.seg];
        let cur = Current {
            i,
            seg,
            text: &seg.text[s.start..s.end],
            hits,
            norm,
            self_refs: &self_refs,
        };
        e.sentence(set, &cur, reasons);
    }
    e
}

/// The hits of a sentence that name the publisher ("we", "the coalition"; a role such as
/// "our director", unless the publisher is a news outlet or it is someone else's).
fn self_references(set: &Setting, hits: &[Hit], norm: &str, out: &mut Vec<(usize, usize)>) {
    // A news outlet quotes officers of others; a partner quotes its own.
    let outlet = set.publisher.is_outlet();
    out.clear();
    out.extend(
        hits.iter()
            .filter(|h| match set.det.cues.cue(h).class {
                Class::SelfRef => true,
                Class::Role => !outlet && !voice::of_another(norm, h.end as usize),
                _ => false,
            })
            .map(|h| (h.start as usize, h.end as usize)),
    );
}

/// Whether a text holds a hashtag.
fn has_hashtag(text: &str) -> bool {
    let mut tags = Hashtags::default();
    tags.scan(text);
    !tags.into_vec().is_empty()
}

impl SentenceEvidence {
    /// Weighs one kept sentence.
    fn sentence(&mut self, set: &Setting, cur: &Current, reasons: &mut Reasons) {
        let frame = self.frame(set, cur, reasons);
        let (stem_bits, scanned) = self.genre_words(set, cur, &frame);
        if cur.hits.is_empty() {
            return;
        }
        let place = place(set, cur.seg, &frame);
        let mut t = Tally::default();
        for h in cur.hits {
            self.weigh_hit(set, cur, h, (&place, &frame), &mut t, reasons);
        }
        self.demands(set, cur, &place, &frame, scanned, &mut t);
        if cur.seg.kind == SegKind::Title {
            self.title(set, cur, &frame, t.rpos, reasons);
        }
        self.spread_hashtag(cur, &place, &t, reasons);
        self.reader_pos[cur.i] = t.rpos;
        let lost = t.lost;
        self.type_ask(cur, &place, stem_bits, t);
        self.narrative(set, cur, &frame, lost, reasons);
    }

    /// Reads how the sentence speaks; an attribution whose subject is the publisher is its
    /// own statement, one to someone else makes the sentence reported speech.
    fn frame<'h>(&mut self, set: &Setting, cur: &Current<'h>, reasons: &mut Reasons) -> Frame<'h> {
        let mut f = Frame::default();
        for h in cur.hits {
            match set.det.cues.cue(h).class {
                Class::Reported => {
                    if self.ev.attribution(cur.speaker_of(set, h)) {
                        reasons.add(
                            1.0,
                            format!("the publisher speaks: '{}'", set.det.cues.phrase(h)),
                        );
                    } else {
                        f.reported = f.reported.or(Some(h));
                    }
                }
                Class::Past => f.past = f.past.or(Some(h)),
                Class::Target => f.target = f.target.or(Some(h)),
                _ => {}
            }
        }
        f
    }

    /// Counts the kinds the title names, or a body sentence's genre words and patterns
    /// (not in a report or a recap). Returns the body sentence's genre-word kinds and, when
    /// a scan read them, the sentence's genre-word kinds.
    fn genre_words(&mut self, set: &Setting, cur: &Current, frame: &Frame) -> (u8, Option<u8>) {
        let (det, norm) = (set.det, cur.norm);
        let mut stem_bits = 0u8;
        let mut scanned: Option<u8> = None;
        if cur.seg.kind == SegKind::Title {
            // The kinds the title names ("Reading mentors wanted", "Boycott …").
            let mut bits = 0u8;
            det.cues.stems.scan(norm, set.lang, |k| bits |= bit(k));
            scanned = Some(bits);
            self.title_kinds |= bits;
            for h in cur.hits {
                if let Class::Kind(k) = det.cues.cue(h).class {
                    self.title_kinds |= bit(k);
                }
            }
        } else {
            self.totals.body_kept += 1;
            if frame.reported.is_some() || frame.past.is_some() {
                self.totals.body_narrative += 1;
            } else {
                self.found.scan(&det.patterns, norm);
                det.patterns.named_dates(norm, &mut self.dates);
                let genre_ctx = &mut self.genre_ctx;
                det.cues.stems.scan(norm, set.lang, |k| {
                    genre_ctx[kind_idx(k)] += 1.0;
                    stem_bits |= bit(k);
                });
                scanned = Some(stem_bits);
                for h in cur.hits {
                    if let (Class::Kind(k), true) = (det.cues.cue(h).class, det.cues.cue(h).context)
                    {
                        self.genre_ctx[kind_idx(k)] += 1.0;
                    }
                }
            }
        }
        (stem_bits, scanned)
    }

    /// Weighs one cue hit of the sentence into the tally and the entry's sums.
    fn weigh_hit(
        &mut self,
        set: &Setting,
        cur: &Current,
        h: &Hit,
        (place, frame): (&Place, &Frame),
        t: &mut Tally,
        reasons: &mut Reasons,
    ) {
        let det = set.det;
        let (m, zone, where_) = (place.m, place.zone, place.where_);
        let cue = det.cues.cue(h);
        let w = cue.weight;
        let q = if voice::inside_quotes(cur.norm, h.start as usize) {
            0.5
        } else {
            1.0
        };
        let phrase = &cur.norm[h.start as usize..h.end as usize];
        match cue.class {
            Class::Kind(k) if cue.context => {
                t.share_ctx |= k == ActionKind::Share;
                t.ctx_kinds.push((k, w));
            }
            Class::Kind(_) | Class::Cta => {
                if q < 1.0 {
                    self.ev.quoted_ask += w;
                }
                let c = w * m * q * zone * place.button;
                t.lost += w * zone - c;
                t.pos += c;
                t.rpos += c;
                self.totals.reader += c;
                match cue.class {
                    Class::Kind(ActionKind::Contact) if set.own_mail[cur.i] => {}
                    Class::Kind(k) => {
                        self.kind_ev[kind_idx(k)] += c;
                        self.kind_clear[kind_idx(k)] = self.kind_clear[kind_idx(k)].max(c);
                        self.sent_kinds[cur.i] |= bit(k);
                    }
                    _ => {}
                }
                reasons.add(c, format!("imperative '{phrase}' in {where_}"));
            }
            Class::Demand if w < 2.0 => {
                // "X calls on…": the publisher's demand when X is the publisher.
                let c = w * m * q;
                t.lost += w - c;
                t.pos += c;
                if self.ev.demand(cur.speaker_of(set, h), c) {
                    t.publisher_demands = true;
                    self.demand_top |= matches!(where_, "title" | "lead");
                    reasons.add(
                        c + 1.0,
                        format!("publisher's demand '{phrase}' in {where_}"),
                    );
                } else {
                    self.totals.demand_third += c;
                    reasons.add(c, format!("demand '{phrase}' in {where_}"));
                }
            }
            Class::Demand => {
                let c = w * m * q * zone.min(1.2);
                t.lost += w - c;
                t.pos += c;
                t.dem_here += c;
                self.demand_top |= q == 1.0 && m >= 1.0 && matches!(where_, "title" | "lead");
                let on = frame
                    .target
                    .map(|t| format!(" on '{}'", det.cues.phrase(t)))
                    .unwrap_or_default();
                reasons.add(c, format!("own demand '{phrase}'{on} in {where_}"));
            }
            _ => self.genre_cue(cue.class, w, m, phrase, reasons),
        }
    }

    /// The hits that are no ask: urgency, the publisher's voice, and what lowers the score
    /// (job adverts, partnership news, reports, condemnation alone, negations).
    fn genre_cue(&mut self, class: Class, w: f32, m: f32, phrase: &str, reasons: &mut Reasons) {
        let t = &mut self.totals;
        match class {
            Class::Urgency => {
                t.urgency += w * m;
                if w >= 0.5 {
                    reasons.add(w * m * 0.5, format!("urgency '{phrase}'"));
                }
            }
            Class::Voice => t.voice += w * m,
            Class::Job => {
                t.job += w;
                reasons.add(-w, format!("job advert '{phrase}' lowers score"));
            }
            Class::Partnership => {
                t.partnership += w;
                reasons.add(-w, format!("partnership news '{phrase}' lowers score"));
            }
            Class::Inform => {
                t.inform += w;
                reasons.add(-w * 0.5, format!("report or read-more '{phrase}'"));
            }
            Class::Condemn => {
                t.condemn += w;
                if self.first_condemn.is_none() {
                    self.first_condemn = Some(phrase.to_string());
                }
            }
            Class::Negative => t.negative += w,
            _ => {}
        }
    }

    /// A demand with a named addressee counts more; the genre words of a sentence in which
    /// the publisher demands something are their own evidence ("calls for a boycott of…",
    /// but also "calls on donors to…"): the kind model weighs them.
    fn demands(
        &mut self,
        set: &Setting,
        cur: &Current,
        place: &Place,
        frame: &Frame,
        scanned: Option<u8>,
        t: &mut Tally,
    ) {
        let m = place.m;
        if frame.target.is_some() && (t.dem_here > 0.0 || t.pos > 0.0) {
            self.ev.target = 1.0;
        }
        if t.dem_here > 0.0 && frame.target.is_some() {
            t.dem_here += 1.0 * m;
            t.pos += 1.0 * m;
        }
        self.totals.demand += t.dem_here;
        if t.dem_here > 0.0 || t.publisher_demands {
            let mut bits = t.ctx_kinds.iter().fold(0u8, |b, &(k, _)| b | bit(k));
            bits |= scanned.unwrap_or_else(|| {
                let mut b = 0u8;
                set.det.cues.stems.scan(cur.norm, set.lang, |k| b |= bit(k));
                b
            });
            for k in ActionKind::ALL.into_iter().filter(|&k| bits & bit(k) != 0) {
                self.demand_words[kind_idx(k)] += m;
            }
        }
        if t.dem_here == 0.0 {
            t.pos = t.pos.max(0.0);
        }
        self.sent_pos[cur.i] = t.pos;
    }

    /// The title's own signals: its strongest ask, whether it reports, whether it names a
    /// site page ("Newsletter", "Contact").
    fn title(&mut self, set: &Setting, cur: &Current, frame: &Frame, rpos: f32, r: &mut Reasons) {
        let det = set.det;
        self.ev.reader_title = self.ev.reader_title.max(rpos);
        if let Some(h) = frame.past.or(frame.reported) {
            self.ev.title_reports = 1.0;
            r.add(-1.0, format!("title reports ('{}')", det.cues.phrase(h)));
        }
        if let Some(h) = cur
            .hits
            .iter()
            .find(|h| det.cues.cue(h).class == Class::Boilerplate)
        {
            self.ev.site_page = 1.0;
            r.add(-6.0, format!("site page ('{}')", det.cues.phrase(h)));
        }
    }

    /// A hashtag in a body sentence that asks something: spread it.
    fn spread_hashtag(&mut self, cur: &Current, place: &Place, t: &Tally, reasons: &mut Reasons) {
        let m = place.m;
        let sent_text = cur.text;
        if cur.seg.kind != SegKind::Title
            && (t.rpos >= 1.0 || t.share_ctx)
            && sent_text.contains('#')
            && has_hashtag(sent_text)
        {
            self.kind_ev[kind_idx(ActionKind::Share)] += 2.0 * m;
            self.sent_kinds[cur.i] |= bit(ActionKind::Share);
            reasons.add(1.0 * m, "hashtag to spread".into());
        }
    }

    /// Context nouns type a kind-less ask ("Take action: the vigil starts at 6"), and
    /// genre words in an ask's sentence support its kind ("Join us at the vigil").
    fn type_ask(&mut self, cur: &Current, place: &Place, stem_bits: u8, t: Tally) {
        let (i, m) = (cur.i, place.m);
        if t.rpos >= 1.0 {
            let kindless = self.sent_kinds[i] == 0;
            for k in ActionKind::ALL
                .into_iter()
                .filter(|&k| stem_bits & bit(k) != 0)
            {
                self.kind_ev[kind_idx(k)] += if kindless { 1.5 } else { 0.75 } * m;
            }
        }
        if t.rpos >= 1.0 && self.sent_kinds[i] == 0 {
            for (k, w) in t.ctx_kinds {
                self.kind_ev[kind_idx(k)] += w * 1.5 * m;
                self.sent_kinds[i] |= bit(k);
            }
        } else if t.rpos > 0.0 {
            for (_, w) in t.ctx_kinds {
                self.totals.ctx_bonus += 0.3 * w * m;
            }
        }
    }

    /// Marks a reporting or recalling sentence and says what it cost (`lost`: the weight
    /// its asks lost to the narrative discount).
    fn narrative(
        &mut self,
        set: &Setting,
        cur: &Current,
        frame: &Frame,
        lost: f32,
        reasons: &mut Reasons,
    ) {
        let det = set.det;
        self.sent_narrative[cur.i] = if frame.reported.is_some() {
            0.25
        } else if frame.past.is_some() {
            0.35
        } else {
            1.0
        };
        if let Some(r) = frame.reported {
            self.ev.attributed += 1.0;
            if lost > 0.5 {
                reasons.add(
                    -lost,
                    format!("reported speech '{}' lowers score", det.cues.phrase(r)),
                );
            } else {
                reasons.add(-0.3, format!("reported speech '{}'", det.cues.phrase(r)));
            }
        }
        if let Some(h) = frame.past {
            if lost > 0.5 && frame.reported.is_none() {
                reasons.add(
                    -lost,
                    format!("past-tense recap '{}' lowers score", det.cues.phrase(h)),
                );
            } else {
                self.totals.past_news += 0.25;
                reasons.add(-0.25, format!("past-tense recap '{}'", det.cues.phrase(h)));
            }
        }
    }
}

/// How much a sentence's asks count where it is: a report, a recap and a quote count
/// less; the title and an action section more; a site button half when the feed's
/// template is unknown.
fn place(set: &Setting, seg: &Seg, frame: &Frame) -> Place {
    let mut m = 1.0f32;
    if frame.reported.is_some() {
        m *= 0.2;
    }
    if frame.past.is_some() {
        m *= 0.35;
    }
    if seg.quote {
        m *= 0.6;
    }
    let zone = match seg.kind {
        SegKind::Title => 1.2,
        _ if seg.action => 1.4,
        _ => 1.0,
    };
    let button = if seg.button && set.no_template {
        0.5
    } else {
        1.0
    };
    Place {
        m,
        zone,
        button,
        where_: set.p.where_(seg),
    }
}
