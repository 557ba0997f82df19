//! The verdict's reasons: every stage adds the evidence it weighed, with its weight; the
//! verdict keeps the strongest few.
//!
//! Owns the ranking and de-duplication of reasons. Must not decide anything: a reason
//! explains a weight, it never changes one.

/// Evidence with the sentence it came from, for reasons.
#[derive(Debug, Default)]
pub(super) struct Reasons {
    items: Vec<(f32, String)>,
}

impl Reasons {
    /// Adds a reason of `weight` (negative: against an appeal); the same text twice keeps
    /// the larger weight, in the place of the first.
    pub(super) fn add(&mut self, weight: f32, text: String) {
        if let Some(r) = self.items.iter_mut().find(|(_, t)| *t == text) {
            r.0 = r.0.max(weight);
            return;
        }
        self.items.push((weight, text));
    }

    /// The `max` reasons of largest weight (either sign), in that order; ties keep the
    /// order they were added in.
    pub(super) fn finish(mut self, max: usize) -> Vec<String> {
        self.items.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        self.items.truncate(max);
        self.items.into_iter().map(|(_, t)| t).collect()
    }
}
