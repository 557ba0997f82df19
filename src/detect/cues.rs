//! Cue lists: the words, phrases and link patterns that count as evidence, kept as data.
//!
//! Owns the cue file format, its validation and its compilation into one Aho-Corasick
//! automaton (built once, in `Detector::new`). It does not score: it only says which cue
//! matched where. It does no IO: the built-in lists are embedded with `include_str!` and
//! operators' lists arrive as text (`DetectOptions::extra_cues`).
//!
//! # Format
//!
//! One TOML document per language:
//!
//! ```toml
//! lang = "en"                 # ISO 639-1 code of the cues ("*" for language-neutral files)
//!
//! [labels]                    # optional: short action labels in this language
//! sign = "Sign the petition"  # keys: sign donate contact mobilize share volunteer boycott
//!
//! [[cue]]
//! class = "sign"              # see the classes below
//! weight = 3.0                # optional, 0..=10; each class has a default
//! context = false             # optional; true = a noun or context word, not an ask by itself
//! initial = false             # optional; true = counts only at the start of a clause or after
//!                             #   an "opener" (for Arabic imperatives spelled like the past tense)
//! prefix = false              # optional; true = the phrase may be the start of a longer word
//! suffix = false              # optional; true = the phrase may be the end of a longer word
//!                             #   (imperative endings: French "*ez", German "*en sie")
//! final = false               # optional; true = counts only at the end of a clause
//!                             #   (verb-final languages: Turkish "*in")
//! then = ["auf", "ein"]      # optional; counts only when one of these words closes a later
//!                             #   clause of the same sentence (German separable verbs:
//!                             #   "ruft … zum Warnstreik auf", "nehmt … teil")
//! except = ["chez", "*ions"]  # optional; words (or phrases starting at the cue's word, or
//!                             #   with "*", word endings; "march #" = followed by a number)
//!                             #   that never count for this cue
//! phrases = ["sign (the|our|this) petition", "add your name"]
//!
//! [[stem]]                    # optional: genre words, matched by Snowball stem (any
//! kind = "donate"             #   inflection; German compounds by their parts)
//! words = ["donation", "donor", "zakat"]
//!
//! [[link]]                    # optional: URL patterns that type a link as an action
//! kind = "sign"               # an action kind, or "none" (never an action: newsletters, profiles)
//! hosts = ["change.org"]      # host or parent domain; empty = any host
//! paths = ["/p/"]             # substring of the lower-cased, decoded path; empty = any path
//! ```
//!
//! Phrases are matched on whole words of normalised text (lower case, Latin diacritics
//! folded, Arabic diacritics and letter variants folded, Arabic-Indic digits as ASCII), so
//! write them in any of those forms. `(a|b|)` spells alternatives; an empty alternative
//! makes the group optional. Arabic phrases also match after the clitics و ف ب ل ال.
//!
//! Classes: the action kinds (`sign`, `donate`, `contact`, `mobilize`, `share`,
//! `volunteer`, `boycott`) are asks addressed to the reader; `cta` a generic ask ("take
//! action"); `demand` the organisation's own call on third parties ("we call on");
//! `target` officials and institutions; `voice` marks of an own statement ("we, the
//! undersigned"); `urgency`; `heading` opens an action section ("What you can do");
//! `reported` attribution ("said", "called on") and `past` recaps lower the cues of their
//! sentence; `job`, `condemn`, `inform`, `partnership` and `negative` lower the score;
//! `boilerplate` drops the block it occurs in; `opener` lists words that may precede an
//! `initial` cue ("please", "يا"); `self` are the words a publisher names itself with
//! ("the coalition", "l'association", "الهيئة"): a demand or attribution verb whose
//! subject is one of them is the publisher's own voice; `role` are officers' titles
//! ("director", "Vorsitzende"), counted as the publisher's own unless another
//! organisation follows ("director of …").

use std::collections::{BTreeMap, HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, Match, MatchKind};
use serde::Deserialize;

use super::ActionKind;
use super::stems::StemSet;
use super::text::fold_into;

/// The built-in cue files, in the order they are compiled.
pub(crate) const BUILTIN: [(&str, &str); 7] = [
    ("en.toml", include_str!("cues/en.toml")),
    ("ar.toml", include_str!("cues/ar.toml")),
    ("fr.toml", include_str!("cues/fr.toml")),
    ("de.toml", include_str!("cues/de.toml")),
    ("tr.toml", include_str!("cues/tr.toml")),
    ("ku.toml", include_str!("cues/ku.toml")),
    ("links.toml", include_str!("cues/links.toml")),
];

/// What a cue is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Kind(ActionKind),
    Cta,
    Demand,
    Target,
    Voice,
    Urgency,
    Heading,
    Reported,
    Past,
    Job,
    Condemn,
    Inform,
    Partnership,
    Negative,
    Boilerplate,
    Opener,
    /// The publisher naming itself without its name ("the coalition", "الهيئة").
    SelfRef,
    /// An officer's title ("the director", "Vorsitzende"): the publisher's own officer
    /// unless another organisation's name follows ("director of …").
    Role,
}

impl Class {
    fn parse(s: &str) -> Option<Class> {
        if let Some(k) = ActionKind::parse(s) {
            return Some(Class::Kind(k));
        }
        Some(match s {
            "cta" => Class::Cta,
            "demand" => Class::Demand,
            "target" => Class::Target,
            "voice" => Class::Voice,
            "urgency" => Class::Urgency,
            "heading" => Class::Heading,
            "reported" => Class::Reported,
            "past" => Class::Past,
            "job" => Class::Job,
            "condemn" => Class::Condemn,
            "inform" => Class::Inform,
            "partnership" => Class::Partnership,
            "negative" => Class::Negative,
            "boilerplate" => Class::Boilerplate,
            "opener" => Class::Opener,
            "self" => Class::SelfRef,
            "role" => Class::Role,
            _ => return None,
        })
    }

    fn default_weight(self, context: bool) -> f32 {
        match self {
            Class::Kind(_) if context => 1.0,
            Class::Kind(_) => 3.0,
            Class::Cta => 2.0,
            Class::Demand => 2.5,
            Class::Target
            | Class::SelfRef
            | Class::Role
            | Class::Voice
            | Class::Heading
            | Class::Reported
            | Class::Past => 1.0,
            Class::Negative => 1.0,
            Class::Urgency => 0.5,
            Class::Job => 3.0,
            Class::Condemn => 0.5,
            Class::Inform => 0.7,
            Class::Partnership => 1.5,
            Class::Boilerplate | Class::Opener => 0.0,
        }
    }
}

/// One compiled cue (a `[[cue]]` table).
#[derive(Debug, Clone)]
pub(crate) struct Cue {
    pub class: Class,
    pub weight: f32,
    pub context: bool,
    pub initial: bool,
    pub prefix: bool,
    pub suffix: bool,
    pub fin: bool,
    /// Particles of which one must close a later clause of the sentence.
    pub then: Vec<String>,
    /// Folded whole words that never count.
    pub except: Vec<String>,
    /// Language code of the file it came from.
    pub lang: &'static str,
}

/// A URL pattern that types a link.
#[derive(Debug, Clone)]
pub(crate) struct LinkRule {
    /// `None` = never an action.
    pub kind: Option<ActionKind>,
    pub hosts: Vec<String>,
    pub paths: Vec<String>,
}

/// The link rules, indexed: by host, and one automaton over the paths of host-less rules.
#[derive(Debug)]
pub(crate) struct LinkRules {
    pub rules: Vec<LinkRule>,
    by_host: HashMap<String, Vec<usize>>,
    paths: AhoCorasick,
    /// Path pattern id -> rule index.
    path_rule: Vec<usize>,
}

impl LinkRules {
    fn new(rules: Vec<LinkRule>) -> Result<LinkRules, String> {
        let mut by_host: HashMap<String, Vec<usize>> = HashMap::new();
        let mut pats = Vec::new();
        let mut path_rule = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.hosts.is_empty() {
                for p in &r.paths {
                    pats.push(p.clone());
                    path_rule.push(i);
                }
            } else {
                for h in &r.hosts {
                    by_host.entry(h.clone()).or_default().push(i);
                }
            }
        }
        let paths = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .map_err(|e| e.to_string())?;
        Ok(LinkRules {
            rules,
            by_host,
            paths,
            path_rule,
        })
    }

    /// The rules that apply to a host (and its parent domains) and a lower-cased path.
    pub(crate) fn matching(&self, host: &str, path: &str, out: &mut Vec<usize>) {
        let mut h = host;
        loop {
            if let Some(ids) = self.by_host.get(h) {
                for &i in ids {
                    let r = &self.rules[i];
                    if r.paths.is_empty() || r.paths.iter().any(|p| path.contains(p.as_str())) {
                        out.push(i);
                    }
                }
            }
            match h.split_once('.') {
                Some((_, parent)) if parent.contains('.') => h = parent,
                _ => break,
            }
        }
        for m in self.paths.find_overlapping_iter(path) {
            let i = self.path_rule[m.pattern().as_usize()];
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
}

/// One match of a cue phrase in a normalised text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub cue: u32,
    /// Index of the phrase (for reasons).
    pub phrase: u32,
    pub start: u32,
    pub end: u32,
}

/// The patterns of one language in one script, compiled together.
#[derive(Debug)]
struct Group {
    lang: &'static str,
    arabic: bool,
    ac: AhoCorasick,
    /// Local pattern id -> global pattern ids (one spelling may belong to several cues).
    pids: Vec<Vec<u32>>,
}

/// All cue lists, compiled.
#[derive(Debug)]
pub(crate) struct CueSet {
    groups: Vec<Group>,
    /// Pattern id -> (cue index, phrase index).
    pat: Vec<(u32, u32)>,
    pub cues: Vec<Cue>,
    /// Normalised phrases, for reasons.
    pub phrases: Vec<String>,
    pub labels: BTreeMap<(&'static str, ActionKind), String>,
    pub links: LinkRules,
    openers: HashSet<String>,
    /// Whether a pattern starts with an Arabic-script letter (clitics allowed before it).
    arabic_pat: Vec<bool>,
    /// Genre word families, matched by stem.
    pub stems: StemSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    lang: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    cue: Vec<RawCue>,
    #[serde(default)]
    link: Vec<RawLink>,
    #[serde(default)]
    stem: Vec<RawStem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStem {
    kind: String,
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCue {
    class: String,
    weight: Option<f32>,
    #[serde(default)]
    context: bool,
    #[serde(default)]
    initial: bool,
    #[serde(default)]
    prefix: bool,
    #[serde(default)]
    suffix: bool,
    #[serde(default, rename = "final")]
    fin: bool,
    #[serde(default)]
    then: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    kind: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

/// A problem in one cue file (the caller adds the file name).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CueFileError(pub String);

/// Language codes a cue file may declare (others are leaked only once, at start-up, if new).
fn intern_lang(code: &str) -> &'static str {
    const KNOWN: [&str; 12] = [
        "*", "en", "ar", "fr", "de", "tr", "ku", "fa", "es", "it", "nl", "pt",
    ];
    KNOWN.iter().find(|k| **k == code).copied().unwrap_or("*")
}

/// Expands `(a|b|)` groups into every spelling; `None` when the groups are unbalanced.
fn expand(phrase: &str, out: &mut Vec<String>) -> Result<(), String> {
    let mut acc = vec![String::new()];
    let mut rest = phrase;
    while !rest.is_empty() {
        match rest.find(['(', ')', '|']) {
            None => {
                for a in &mut acc {
                    a.push_str(rest);
                }
                rest = "";
            }
            Some(i) => {
                if rest.as_bytes()[i] != b'(' {
                    return Err(format!(
                        "unbalanced '{}' in phrase {phrase:?}",
                        &rest[i..=i]
                    ));
                }
                for a in &mut acc {
                    a.push_str(&rest[..i]);
                }
                let after = &rest[i + 1..];
                let close = after
                    .find(')')
                    .ok_or_else(|| format!("unclosed '(' in phrase {phrase:?}"))?;
                let group = &after[..close];
                if group.contains('(') {
                    return Err(format!("nested '(' in phrase {phrase:?}"));
                }
                let alts: Vec<&str> = group.split('|').collect();
                let mut next = Vec::with_capacity(acc.len() * alts.len());
                for a in &acc {
                    for alt in &alts {
                        next.push(format!("{a}{alt}"));
                    }
                }
                if next.len() > 512 {
                    return Err(format!("phrase {phrase:?} expands to too many spellings"));
                }
                acc = next;
                rest = &after[close + 1..];
            }
        }
    }
    out.extend(acc);
    Ok(())
}

/// Folds a phrase like the text it will be matched against, collapsing spaces.
fn normalise_phrase(p: &str) -> String {
    let mut folded = String::with_capacity(p.len());
    fold_into(p, &mut folded);
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c as u32, 0x0620..=0x064A | 0x066E..=0x06D3 | 0x06D5 | 0x06FA..=0x06FF)
}

#[derive(Default)]
struct Builder {
    patterns: Vec<String>,
    pat: Vec<(u32, u32)>,
    cues: Vec<Cue>,
    phrases: Vec<String>,
    labels: BTreeMap<(&'static str, ActionKind), String>,
    links: Vec<LinkRule>,
    openers: HashSet<String>,
    stems: Vec<(&'static str, ActionKind, String)>,
}

impl Builder {
    fn add_file(&mut self, text: &str) -> Result<(), CueFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| CueFileError(e.to_string()))?;
        let lang_code = raw.lang.trim().to_ascii_lowercase();
        let valid_code = lang_code == "*"
            || (lang_code.len() == 2 && lang_code.bytes().all(|b| b.is_ascii_lowercase()));
        if !valid_code {
            return Err(CueFileError(format!(
                "lang must be an ISO 639-1 code or \"*\", got {:?}",
                raw.lang
            )));
        }
        let lang = intern_lang(&lang_code);
        for (key, label) in &raw.labels {
            let kind = ActionKind::parse(key)
                .ok_or_else(|| CueFileError(format!("labels: unknown action kind {key:?}")))?;
            let label = label.trim();
            if label.is_empty() || label.chars().count() > 60 {
                return Err(CueFileError(format!(
                    "labels.{key}: a label must have 1 to 60 characters"
                )));
            }
            self.labels.insert((lang, kind), label.to_string());
        }
        for (n, c) in raw.cue.iter().enumerate() {
            let where_ = format!("cue #{}", n + 1);
            let class = Class::parse(c.class.trim())
                .ok_or_else(|| CueFileError(format!("{where_}: unknown class {:?}", c.class)))?;
            if c.context && !matches!(class, Class::Kind(_)) {
                return Err(CueFileError(format!(
                    "{where_}: context = true is only for action kinds"
                )));
            }
            let weight = c.weight.unwrap_or(class.default_weight(c.context));
            if !(0.0..=10.0).contains(&weight) || weight.is_nan() {
                return Err(CueFileError(format!(
                    "{where_}: weight must be between 0 and 10, got {weight}"
                )));
            }
            if c.phrases.is_empty() {
                return Err(CueFileError(format!("{where_}: phrases is empty")));
            }
            let cue_idx = self.cues.len() as u32;
            self.cues.push(Cue {
                class,
                weight,
                context: c.context,
                initial: c.initial,
                prefix: c.prefix,
                suffix: c.suffix,
                fin: c.fin,
                then: c.then.iter().map(|w| normalise_phrase(w)).collect(),
                except: c.except.iter().map(|w| normalise_phrase(w)).collect(),
                lang,
            });
            for p in &c.phrases {
                let mut spellings = Vec::new();
                expand(p, &mut spellings).map_err(|m| CueFileError(format!("{where_}: {m}")))?;
                for s in spellings {
                    let norm = normalise_phrase(&s);
                    let min_letters = if class == Class::Opener || c.suffix {
                        1
                    } else {
                        2
                    };
                    if norm.chars().filter(|c| c.is_alphanumeric()).count() < min_letters {
                        return Err(CueFileError(format!("{where_}: phrase {p:?} is too short")));
                    }
                    if class == Class::Opener {
                        self.openers.insert(norm);
                        continue;
                    }
                    let phrase_idx = self.phrases.len() as u32;
                    self.phrases.push(norm.clone());
                    self.patterns.push(norm);
                    self.pat.push((cue_idx, phrase_idx));
                }
            }
        }
        for (n, st) in raw.stem.iter().enumerate() {
            let kind = ActionKind::parse(&st.kind).ok_or_else(|| {
                CueFileError(format!("stem #{}: unknown kind {:?}", n + 1, st.kind))
            })?;
            if lang == "*" || raw.stem.is_empty() {
                return Err(CueFileError("stem tables need a language".into()));
            }
            for w in &st.words {
                self.stems.push((lang, kind, normalise_phrase(w)));
            }
        }
        for (n, l) in raw.link.iter().enumerate() {
            let where_ = format!("link #{}", n + 1);
            let kind =
                if l.kind.trim() == "none" {
                    None
                } else {
                    Some(ActionKind::parse(&l.kind).ok_or_else(|| {
                        CueFileError(format!("{where_}: unknown kind {:?}", l.kind))
                    })?)
                };
            if l.hosts.is_empty() && l.paths.is_empty() {
                return Err(CueFileError(format!("{where_}: give hosts, paths or both")));
            }
            let hosts: Vec<String> = l
                .hosts
                .iter()
                .map(|h| h.trim().trim_start_matches("www.").to_ascii_lowercase())
                .collect();
            if let Some(bad) = hosts
                .iter()
                .find(|h| h.is_empty() || h.contains('/') || h.contains(' '))
            {
                return Err(CueFileError(format!("{where_}: bad host {bad:?}")));
            }
            let paths: Vec<String> = l.paths.iter().map(|p| p.trim().to_lowercase()).collect();
            if paths.iter().any(|p| p.is_empty()) {
                return Err(CueFileError(format!("{where_}: empty path pattern")));
            }
            self.links.push(LinkRule { kind, hosts, paths });
        }
        Ok(())
    }

    fn build(self) -> Result<CueSet, String> {
        let arabic_pat: Vec<bool> = self
            .patterns
            .iter()
            .map(|p| p.chars().next().is_some_and(is_arabic_letter))
            .collect();
        // One automaton per (language, script): an entry is scanned with its own language's
        // cues only, plus the other script's when a sentence contains it.
        let mut keys: Vec<(&'static str, bool)> = Vec::new();
        for (pid, &(cue, _)) in self.pat.iter().enumerate() {
            let key = (self.cues[cue as usize].lang, arabic_pat[pid]);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let mut groups = Vec::with_capacity(keys.len());
        for (lang, arabic) in keys {
            let mut local: HashMap<&str, usize> = HashMap::new();
            let mut pats: Vec<&str> = Vec::new();
            let mut pids: Vec<Vec<u32>> = Vec::new();
            for (pid, (p, &(cue, _))) in self.patterns.iter().zip(&self.pat).enumerate() {
                let mine = self.cues[cue as usize].lang == lang && arabic_pat[pid] == arabic;
                if !mine {
                    continue;
                }
                let p = p.as_str();
                let id = *local.entry(p).or_insert_with(|| {
                    pats.push(p);
                    pids.push(Vec::new());
                    pats.len() - 1
                });
                pids[id].push(pid as u32);
            }
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&pats)
                .map_err(|e| e.to_string())?;
            groups.push(Group {
                lang,
                arabic,
                ac,
                pids,
            });
        }
        Ok(CueSet {
            groups,
            pat: self.pat,
            cues: self.cues,
            phrases: self.phrases,
            labels: self.labels,
            links: LinkRules::new(self.links)?,
            openers: self.openers,
            arabic_pat,
            stems: StemSet::new(&self.stems)?,
        })
    }
}

/// Arabic clitics that may precede a word (longest first).
const CLITICS: [&str; 9] = ["وال", "بال", "فال", "لل", "ال", "و", "ف", "ب", "ل"];

impl CueSet {
    /// Compiles the built-in lists plus the operator's. Errors name the file.
    pub(crate) fn new(extra: &[(String, String)]) -> Result<CueSet, (String, String)> {
        let mut b = Builder::default();
        for (name, text) in BUILTIN {
            b.add_file(text).map_err(|e| (name.to_string(), e.0))?;
        }
        for (name, text) in extra {
            b.add_file(text).map_err(|e| (name.clone(), e.0))?;
        }
        b.build().map_err(|e| ("(all cue lists)".to_string(), e))
    }

    /// Finds the cues in `norm` (text already passed through `fold_into`), appending to `out`.
    /// With `lang`, only cues of that language, language-neutral cues and cues in another
    /// script count (so French "hier" does not fire in German text).
    pub(crate) fn find(&self, norm: &str, lang: Option<&str>, out: &mut Vec<Hit>) {
        let first = out.len();
        let entry_arabic = lang.is_some_and(|l| matches!(l, "ar" | "fa"));
        // Another script inside the sentence: English words in Arabic text, Arabic in a
        // Latin-script text. Checked once, only if needed.
        let mut other_script: Option<bool> = None;
        for g in &self.groups {
            let scan = match lang {
                None | Some("und") => true,
                Some(l) if g.lang == "*" || g.lang == l => true,
                Some(_) if g.arabic != entry_arabic && (g.lang == "en" || g.lang == "ar") => {
                    *other_script.get_or_insert_with(|| {
                        if entry_arabic {
                            norm.bytes().any(|b| b.is_ascii_lowercase())
                        } else {
                            norm.bytes().any(|b| (0xD8..=0xDB).contains(&b))
                        }
                    })
                }
                Some(_) => false,
            };
            if scan {
                self.find_in(g, norm, first, out);
            }
        }
        self.dedupe(first, out);
    }

    /// The longest match at every start position (a DFA search restarted one character
    /// after each match start): nested cues of other classes are found too.
    fn find_in(&self, g: &Group, norm: &str, first: usize, out: &mut Vec<Hit>) {
        let mut pos = 0;
        while pos < norm.len() {
            let Some(m) = g.ac.find(Input::new(norm).range(pos..)) else {
                break;
            };
            pos = m.start() + norm[m.start()..].chars().next().map_or(1, char::len_utf8);
            self.check_at(g, norm, m, first, out);
        }
    }

    /// Checks the cues of one match; when none holds, the shorter phrases that start at the
    /// same place (the longest, "اتصلوا ب", may run into a longer word: "بمكتب").
    fn check_at(&self, g: &Group, norm: &str, mut m: Match, first: usize, out: &mut Vec<Hit>) {
        loop {
            let before = out.len();
            for &pid in &g.pids[m.pattern().as_usize()] {
                self.check_match(norm, pid as usize, (m.start(), m.end()), first, out);
            }
            if out.len() > before {
                return;
            }
            let shorter =
                g.ac.find(Input::new(norm).range(m.start()..m.end() - 1))
                    .filter(|s| s.start() == m.start());
            match shorter {
                Some(s) => m = s,
                None => return,
            }
        }
    }

    /// Applies a cue's word-boundary and position rules to one raw match.
    /// `out[first..]` holds the hits found so far in this sentence.
    fn check_match(
        &self,
        norm: &str,
        pid: usize,
        (s, e): (usize, usize),
        first: usize,
        out: &mut Vec<Hit>,
    ) {
        {
            let (cue_idx, phrase) = self.pat[pid];
            let cue = &self.cues[cue_idx as usize];
            let word_start = if cue.suffix {
                let back: usize = norm[..s]
                    .chars()
                    .rev()
                    .take_while(|&c| is_word_char(c))
                    .map(char::len_utf8)
                    .sum();
                if back == 0 {
                    return; // a suffix needs a stem
                }
                s - back
            } else {
                if !self.start_ok(norm, s, self.arabic_pat[pid]) {
                    return;
                }
                s
            };
            let word_end = if cue.prefix {
                e + norm[e..]
                    .chars()
                    .take_while(|&c| is_word_char(c))
                    .map(char::len_utf8)
                    .sum::<usize>()
            } else {
                if norm[e..].chars().next().is_some_and(is_word_char) {
                    return;
                }
                e
            };
            if cue.initial
                && !self.clause_initial(norm, word_start, self.arabic_pat[pid])
                && !self.continues_ask(norm, word_start, &out[first..])
            {
                return;
            }
            if cue.fin && !clause_final(&norm[word_end..]) {
                return;
            }
            if !cue.then.is_empty() && !particle_closes(&norm[word_end..], &cue.then) {
                return;
            }
            if !cue.except.is_empty() {
                let first_word = norm[word_start..]
                    .split(|c: char| !is_word_char(c))
                    .next()
                    .unwrap_or("");
                let rest = &norm[word_start..];
                let excepted = cue.except.iter().any(|x| {
                    // "march #": the cue followed by a number (a date, not an ask).
                    if let Some(head) = x.strip_suffix('#') {
                        return rest.starts_with(head)
                            && rest[head.len()..].starts_with(|c: char| c.is_ascii_digit());
                    }
                    x == first_word
                        || x.strip_prefix('*')
                            .is_some_and(|tail| first_word.ends_with(tail))
                        || (x.contains(' ')
                            && rest.starts_with(x.as_str())
                            && !rest[x.len()..].chars().next().is_some_and(is_word_char))
                });
                if excepted {
                    return;
                }
            }
            out.push(Hit {
                cue: cue_idx,
                phrase,
                start: word_start as u32,
                end: word_end as u32,
            });
        }
    }

    /// Drops a hit inside a longer hit of the same class ("petition" in "sign the petition").
    fn dedupe(&self, first: usize, out: &mut Vec<Hit>) {
        let n = out.len() - first;
        if n > 1 {
            let hits = &out[first..];
            let mut keep = vec![true; n];
            for i in 0..n {
                for j in 0..n {
                    if i == j || !keep[j] {
                        continue;
                    }
                    let (a, b) = (hits[i], hits[j]);
                    let same = self.cues[a.cue as usize].class == self.cues[b.cue as usize].class;
                    let inside = b.start <= a.start
                        && a.end <= b.end
                        && ((b.end - b.start) > (a.end - a.start)
                            || (j < i && b.start == a.start && b.end == a.end));
                    if same && inside {
                        keep[i] = false;
                        break;
                    }
                }
            }
            let mut idx = 0;
            out.retain(|_| {
                let r = idx < first || keep[idx - first];
                idx += 1;
                r
            });
        }
    }

    fn start_ok(&self, norm: &str, s: usize, arabic: bool) -> bool {
        let before = &norm[..s];
        match before.chars().next_back() {
            None => true,
            Some(c) if !is_word_char(c) => true,
            Some(_) if arabic => CLITICS.iter().any(|cl| {
                before
                    .strip_suffix(cl)
                    .is_some_and(|b| b.chars().next_back().is_none_or(|c| !is_word_char(c)))
            }),
            Some(_) => false,
        }
    }

    /// An Arabic conjunction glued to a plural form after a comma continues what the
    /// sentence began: after an ask ("وقّعوا من هون، وشاركوا الرابط") it is another ask,
    /// after a narrative ("تظاهروا أمس، وشاركوا في…") it is not.
    fn continues_ask(&self, norm: &str, s: usize, earlier: &[Hit]) -> bool {
        let before = &norm[..s];
        let Some(cl) = CLITICS[5..7].iter().find(|cl| before.ends_with(**cl)) else {
            return false;
        };
        let before = before[..before.len() - cl.len()].trim_end();
        if !before.ends_with([',', '،']) {
            return false;
        }
        earlier.iter().any(|h| {
            let cue = &self.cues[h.cue as usize];
            (h.end as usize) < before.len()
                && cue.initial
                && !cue.context
                && matches!(cue.class, Class::Kind(_) | Class::Cta)
        })
    }

    /// True when only punctuation, numbering or opener words precede `s` in its clause.
    /// For Arabic, a conjunction after a comma ("…، وشاركوا") continues a narrative and
    /// does not start an imperative.
    fn clause_initial(&self, norm: &str, s: usize, arabic: bool) -> bool {
        let mut before = &norm[..s];
        // A clitic glued to the cue ("وشاركوا") is not a preceding word.
        let mut glued = false;
        if before.chars().next_back().is_some_and(is_word_char)
            && let Some(cl) = CLITICS.iter().find(|cl| before.ends_with(**cl))
        {
            before = &before[..before.len() - cl.len()];
            glued = true;
        }
        let delim = last_delimiter(before);
        let clause_start = delim
            .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
        let mut clause = before[clause_start..].trim();
        if arabic
            && glued
            && clause.is_empty()
            && let Some(i) = delim
            && matches!(before[i..].chars().next(), Some(',' | '،'))
        {
            return false;
        }
        // Strip opener words and phrases ("please", "s'il vous plait", "يا") from the end.
        for _ in 0..6 {
            clause = clause.trim_end();
            if clause.is_empty() {
                return true;
            }
            let last_start = clause
                .rfind(char::is_whitespace)
                .map(|i| i + 1)
                .unwrap_or(0);
            if !clause[last_start..].chars().any(char::is_alphabetic) {
                clause = &clause[..last_start];
                continue;
            }
            // The last one, two or three words may form an opener.
            let mut cut = None;
            let mut from = clause.len();
            for _ in 0..3 {
                let start = clause[..from]
                    .trim_end()
                    .rfind(char::is_whitespace)
                    .map(|i| i + 1)
                    .unwrap_or(0);
                if self.openers.contains(&clause[start..]) {
                    cut = Some(start);
                }
                if start == 0 {
                    break;
                }
                from = start - 1;
            }
            match cut {
                Some(start) => clause = &clause[..start],
                None => return false,
            }
        }
        false
    }

    pub(crate) fn cue(&self, h: &Hit) -> &Cue {
        &self.cues[h.cue as usize]
    }

    pub(crate) fn phrase(&self, h: &Hit) -> &str {
        &self.phrases[h.phrase as usize]
    }

    pub(crate) fn label(&self, lang: &str, kind: ActionKind) -> &str {
        let lang = intern_lang(lang);
        self.labels
            .get(&(lang, kind))
            .or_else(|| self.labels.get(&("en", kind)))
            .map(String::as_str)
            .unwrap_or(kind.as_str())
    }
}

/// True when only punctuation (or nothing) follows before the clause ends.
fn clause_final(after: &str) -> bool {
    for c in after.chars() {
        if c.is_whitespace() || matches!(c, '"' | '\'' | ')' | ']' | '*') {
            continue;
        }
        return matches!(
            c,
            '.' | '!' | '?' | ',' | ';' | ':' | '-' | '،' | '؛' | '؟' | '…' | '(' | '/' | '|'
        );
    }
    true
}

/// Whether one of `particles` ends a clause later in the sentence that starts at `after`
/// (within 40 words; a full stop after a digit, as in "3. Juni", does not end it).
fn particle_closes(after: &str, particles: &[String]) -> bool {
    let mut prev = ' ';
    let mut word_start = None;
    let mut words = 0;
    for (i, c) in after.char_indices() {
        if is_word_char(c) {
            word_start.get_or_insert(i);
        } else {
            if let Some(ws) = word_start.take() {
                words += 1;
                if particles.iter().any(|p| p == &after[ws..i]) && clause_final(&after[i..]) {
                    return true;
                }
                if words >= 40 {
                    return false;
                }
            }
            let ends = matches!(c, '!' | '?' | '\n' | '؟') || (c == '.' && !prev.is_ascii_digit());
            if ends {
                return false;
            }
        }
        prev = c;
    }
    word_start.is_some_and(|ws| particles.iter().any(|p| p == &after[ws..]))
}

pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    matches!(c as u32, 0x0621..=0x065F | 0x0670) || c.is_alphanumeric()
}

/// Byte index of the last clause delimiter in `s` (: ; , ! ? ( ) " - * • ، ؛ ؟ |).
fn last_delimiter(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        match b[i] {
            b':' | b';' | b',' | b'!' | b'?' | b'(' | b')' | b'"' | b'-' | b'*' | b'|' => {
                return Some(i);
            }
            // ، (D8 8C), ؛ (D8 9B), ؟ (D8 9F), • (E2 80 A2): check at the lead byte.
            0xD8 if matches!(b.get(i + 1), Some(0x8C | 0x9B | 0x9F)) => return Some(i),
            0xE2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xA2) => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::text::fold;

    /// Runs the built-in cues over `text` and returns "class:phrase" for every hit.
    fn check(text: &str, expect: &[&str]) {
        let set = CueSet::new(&[]).expect("built-in cues compile");
        let mut norm = String::new();
        fold_into(text, &mut norm);
        let mut hits = Vec::new();
        set.find(&norm, None, &mut hits);
        let got: Vec<String> = hits
            .iter()
            .map(|h| format!("{:?}:{}", set.cue(h).class, set.phrase(h)))
            .collect();
        for e in expect {
            assert!(
                got.iter().any(|g| g == e),
                "expected {e} in {got:?} for {text:?}"
            );
        }
    }

    fn check_none(text: &str, class_prefix: &str) {
        let set = CueSet::new(&[]).expect("built-in cues compile");
        let mut norm = String::new();
        fold_into(text, &mut norm);
        let mut hits = Vec::new();
        set.find(&norm, None, &mut hits);
        let got: Vec<String> = hits
            .iter()
            .map(|h| format!("{:?}:{}", set.cue(h).class, set.phrase(h)))
            .collect();
        assert!(
            !got.iter().any(|g| g.starts_with(class_prefix)),
            "unexpected {class_prefix} in {got:?} for {text:?}"
        );
    }

    #[test]
    fn english_imperatives() {
        check(
            "Please sign the petition today.",
            &["Kind(Sign):sign the petition"],
        );
        check("Donate now to help families.", &["Kind(Donate):donate now"]);
        check(
            "Write to your MP and ask them to act.",
            &["Kind(Contact):write to your mp"],
        );
        check_none("The petition was signed by 25 NGOs.", "Kind(Sign):sign");
    }

    #[test]
    fn reported_speech_cues() {
        check(
            "The Special Rapporteur called on the government to release them.",
            &["Reported:called on"],
        );
        check(
            "\u{0642}\u{0627}\u{0644} \u{0627}\u{0644}\u{0645}\u{062a}\u{062d}\u{062f}\u{062b}",
            &["Reported:قال"],
        );
    }

    #[test]
    fn arabic_plural_imperatives_need_clause_start() {
        // "Participate in the vigil on Friday!" — imperative at the start.
        check(
            "شاركوا في الوقفة يوم الجمعة!",
            &["Kind(Mobilize):شاركوا في الوقفه"],
        );
        // With a conjunction clitic and an opener.
        check(
            "هيا وشاركوا في الوقفة",
            &["Kind(Mobilize):شاركوا في الوقفه"],
        );
        // "The activists participated in the vigil" — past tense after a subject noun.
        check_none("الناشطون شاركوا في الوقفة أمس", "Kind(Mobilize):شاركوا");
        // Sign: وقعوا (sign! / they signed).
        check("وقّعوا على العريضة الآن", &["Kind(Sign):وقعوا علي العريضه"]);
        check_none("المنظمات وقعوا على العريضة", "Kind(Sign):وقعوا");
        // After a comma, "و" + plural continues the sentence: an ask after an ask, a
        // narrative after a narrative.
        check(
            "وقّعوا على العريضة، وشاركوا الرابط مع أصدقائكم",
            &["Kind(Share):شاركوا الرابط"],
        );
        check_none("اجتمع الأهالي أمس، وشاركوا الرابط", "Kind(Share)");
        // Donate, with Arabic-Indic digits elsewhere in the sentence.
        check("تبرعوا الآن لدعم ٥٠٠ عائلة", &["Kind(Donate):تبرعوا الان"]);
    }

    #[test]
    fn french_german_turkish() {
        check("Signez la pétition !", &["Kind(Sign):signez la petition"]);
        check("SIGNEZ LA PETITION", &["Kind(Sign):signez la petition"]);
        check("Jetzt spenden!", &["Kind(Donate):jetzt spenden"]);
        check("Kampanyaya imza atın", &["Kind(Sign):imza atin"]);
        check("Eyleme katılın!", &["Kind(Mobilize):eyleme katilin"]);
    }

    #[test]
    fn a_shorter_cue_holds_where_the_longest_runs_into_a_longer_word() {
        // "اتصلوا ب" is a phrase; before "بمكتب" the ask is the shorter "اتصلوا".
        check(
            "اتصلوا بمكتب الشكاوى في وزارة الداخلية",
            &["Kind(Contact):اتصلوا"],
        );
    }

    #[test]
    fn a_month_is_not_an_imperative() {
        let set = CueSet::new(&[]).expect("built-in cues compile");
        let asks = |text: &str| {
            let mut hits = Vec::new();
            set.find(&fold(text), Some("en"), &mut hits);
            hits.iter()
                .filter(|h| set.cue(h).class == Class::Kind(ActionKind::Mobilize))
                .filter(|h| !set.cue(h).context)
                .count()
        };
        assert_eq!(asks("Deadline: March 13, 2026."), 0);
        assert_eq!(asks("Now: march on the embassy."), 1);
    }

    #[test]
    fn german_separable_verbs_need_their_particle() {
        check(
            "Die Gewerkschaft ruft deshalb zum Warnstreik am Mittwoch, 3. Juni, auf.",
            &["Demand:ruft"],
        );
        check_none("Die Gewerkschaft ruft deshalb. Auf dem Platz", "Demand");
        check(
            "Nehmt am Sonntag an der Mahnwache teil!",
            &["Kind(Mobilize):nehmt"],
        );
        check_none("Nehmt euch Zeit für die Teilnehmer.", "Kind(Mobilize)");
    }

    #[test]
    fn bad_extra_cues_name_the_file() {
        let bad = [
            "lang = \"en\"\n[[cue]]\nclass = \"nonsense\"\nphrases = [\"x y\"]\n",
            "lang = \"en\"\n[[cue]]\nclass = \"sign\"\nphrases = []\n",
            "lang = \"en\"\n[[cue]]\nclass = \"sign\"\nweight = 99.0\nphrases = [\"sign it\"]\n",
            "lang = \"en\"\n[[cue]]\nclass = \"sign\"\nphrases = [\"sign (it\"]\n",
            "lang = \"english\"\n",
            "lang = \"en\"\n[[cue]]\nclass = \"sign\"\nphrasez = [\"a\"]\n",
            "lang = \"en\"\n[[link]]\nkind = \"sign\"\n",
            "this is not toml",
        ];
        for text in bad {
            let err =
                CueSet::new(&[("operator.toml".to_string(), text.to_string())]).expect_err(text);
            assert_eq!(err.0, "operator.toml", "{text}");
            assert!(!err.1.is_empty());
        }
        let good = "lang = \"en\"\n[[cue]]\nclass = \"sign\"\nphrases = [\"put your name (on|under) it\"]\n";
        let set = CueSet::new(&[("ok.toml".to_string(), good.to_string())]).expect("valid");
        let mut hits = Vec::new();
        set.find("please put your name under it", None, &mut hits);
        assert!(
            hits.iter()
                .any(|h| set.phrase(h) == "put your name under it")
        );
    }

    #[test]
    fn expansion() {
        let mut out = Vec::new();
        expand("sign (the|our|) petition", &mut out).expect("valid");
        assert_eq!(
            out,
            ["sign the petition", "sign our petition", "sign  petition"]
        );
        assert!(expand("a)b", &mut Vec::new()).is_err());
    }
}
