//! The pipeline: one entry (plus its feed's template) -> a [`Verdict`], one named stage
//! after another, each in its own file:
//!
//! 1. `prepare`: read the body into blocks, links and sentences (or take them from the
//!    feed context, which read them while learning the template);
//! 2. `lang::of_entry`: the entry's language;
//! 3. `segment::parse`: the title and blocks as segments, sentences folded, cues matched
//!    (the feed's template sentences skipped);
//! 4. `Parsed::mark_zones`, `mark_sections`: boilerplate dropped, the action section, the
//!    lead, the kinds each heading names;
//! 5. `own::mark_own`: the site's own buttons dropped and its own mail sentences marked;
//! 6. `evidence::weigh_sentences`: every kept sentence's hits weighed by where it is and
//!    how it speaks (reported speech, past-tense recaps, the publisher's demands);
//! 7. `link_evidence`: the links resolved, typed and placed, and their evidence;
//! 8. `score::score`: the features, the model's score, the per-kind features;
//! 9. `actions::choose_actions`: an appeal's kinds and the best link for each;
//! 10. `parts`: hashtags, summary and fingerprint.
//!
//! Every stage adds its evidence to the verdict's reasons (`reasons`). Owns the order of
//! the stages and what passes between them. Must not weigh anything itself. Pure: no IO,
//! no clock.

use super::actions::{UrlChoice, choose_actions};
use super::evidence::{Setting, weigh_sentences};
use super::link_evidence::{link_evidence, link_infos};
use super::model::Features;
use super::own::mark_own;
use super::parts::{body_sentences, fingerprint, hashtags, summarize};
use super::prepare::prepared;
use super::reasons::Reasons;
use super::score::score;
use super::segment::{Parsed, parse};
use super::{Detector, FeedContext, Verdict, lang};
use crate::entry::Entry;

#[cfg(test)]
mod tests;

/// Runs the pipeline on one entry: the verdict and the features it was scored from.
pub(crate) fn detect(
    det: &Detector,
    entry: &Entry,
    ctx: &FeedContext,
    feed_hashtags: &[String],
) -> (Verdict, Features) {
    let prep = prepared(det, entry, ctx);
    let title = entry.title.trim();
    let mut reasons = Reasons::default();
    let lang = lang::of_entry(det, title, &prep.doc, entry);
    let mut p = parse(det, title, &prep, ctx, lang);
    let with_author;
    let publisher = match entry.author.as_deref() {
        Some(author) => {
            with_author = ctx.publisher.with(author);
            &with_author
        }
        None => &ctx.publisher,
    };
    p.mark_zones(det, &mut reasons);
    p.mark_sections(det, lang);
    template_reason(&p, &mut reasons);
    let own = mark_own(entry, &mut p, &prep, &mut reasons);
    let setting = Setting {
        det,
        p: &p,
        lang,
        publisher,
        own_mail: &own.mail,
        no_template: ctx.sentences.is_empty(),
    };
    let mut e = weigh_sentences(&setting, &mut reasons);
    let infos = link_infos(
        det,
        &p,
        &prep,
        ctx,
        (own.key.as_deref(), lang),
        &mut reasons,
    );
    let links = link_evidence(
        &p,
        ctx,
        &infos,
        (&e.reader_pos, &e.sent_narrative, &own.mail),
        (&mut e.kind_ev, &mut e.ev),
        &mut reasons,
    );
    let outlet = publisher.is_outlet();
    let scored = score(det, (&p, entry, outlet), &mut e, &links, &mut reasons);
    let actions = if scored.is_appeal {
        let choice = UrlChoice {
            p: &p,
            infos: &infos,
            sent_kinds: &e.sent_kinds,
            reader_pos: &e.reader_pos,
            own_mail: &own.mail,
            base: entry.link.as_deref(),
        };
        choose_actions(det, &scored.features, lang, &choice)
    } else {
        Vec::new()
    };
    let body_sents = body_sentences(&p);
    let verdict = Verdict {
        lang: lang.to_string(),
        is_appeal: scored.is_appeal,
        score: scored.score,
        hashtags: hashtags(&p, title, &entry.categories, feed_hashtags),
        summary: summarize(&p, &body_sents, &e.sent_pos, title, scored.is_appeal),
        fingerprint: fingerprint(det, &p, &body_sents, &actions),
        actions,
        reasons: reasons.finish(8),
    };
    (verdict, scored.features)
}

/// Says how many sentences were skipped as the feed's template.
fn template_reason(p: &Parsed, reasons: &mut Reasons) {
    let templ = p.sents.iter().filter(|s| s.template).count();
    if templ > 0 {
        reasons.add(
            0.3,
            format!("feed template text ignored ({templ} sentences)"),
        );
    }
}
