//! Links: resolving against the entry link, removing tracking parameters, the canonical
//! key used for comparisons and fingerprints, and typing a URL as an action kind from the
//! cue files' `[[link]]` patterns.
//!
//! Pure string work over the `url` crate; knows nothing of HTML or scores.

use url::Url;

use super::ActionKind;
use super::cues::LinkRule;

/// Query parameters that only track the click.
fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    const PREFIXES: [&str; 11] = [
        "utm_", "mtm_", "pk_", "piwik_", "hsa_", "oly_", "vero_", "_hs", "mc_", "ea.tracking",
        "matomo_",
    ];
    const EXACT: [&str; 31] = [
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "source",
        "sourceid",
        "s_cid",
        "mkt_tok",
        "trk",
        "cmpid",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "at_source",
        "fb_action_ids",
        "fb_action_types",
        "fb_source",
        "hsctatracking",
    ];
    PREFIXES.iter().any(|p| k.starts_with(p)) || EXACT.contains(&k.as_str())
}

/// Keeps the query's own spelling, dropping tracking parameters.
fn filter_query(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for part in q.split('&') {
        if part.is_empty() {
            continue;
        }
        let key = part.split('=').next().unwrap_or(part);
        if is_tracking_param(key) {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(part);
    }
    out
}

/// Resolves `href` against `base` and removes tracking parameters. `None` for links that
/// lead nowhere useful (`javascript:`, in-page `#anchors`, unparsable).
pub fn clean_url(href: &str, base: Option<&str>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let lower_scheme: String = href
        .chars()
        .take(7)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_scheme.starts_with("mailto:") || lower_scheme.starts_with("tel:") {
        let colon = href.find(':')?;
        let (addr, query) = match href[colon + 1..].split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (&href[colon + 1..], None),
        };
        let scheme = &lower_scheme[..colon];
        let addr = if scheme == "tel" {
            addr.chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        } else {
            addr.trim().to_string()
        };
        let mut out = format!("{scheme}:{addr}");
        if let Some(q) = query.map(filter_query).filter(|q| !q.is_empty()) {
            out.push('?');
            out.push_str(&q);
        }
        return Some(out);
    }
    let mut url = match Url::parse(href) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let base = match base.and_then(|b| Url::parse(b).ok()) {
                Some(b) => b,
                None if href.starts_with("//") => return clean_url(&format!("https:{href}"), None),
                None => return None,
            };
            base.join(href).ok()?
        }
        Err(_) => return None,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if let Some(q) = url.query() {
        let kept = filter_query(q);
        if kept.is_empty() {
            url.set_query(None);
        } else if kept.len() != q.len() {
            url.set_query(Some(&kept));
        }
    }
    Some(url.into())
}

/// The key under which two URLs count as the same: no scheme, host in lower case without
/// `www.`, no trailing slash, no fragment, no tracking parameters. Accepts what
/// [`clean_url`] returns (and raw absolute URLs).
pub fn canonical_url(url: &str) -> String {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("mailto:") || lower.starts_with("tel:") {
        return lower.split('?').next().unwrap_or(&lower).to_string();
    }
    let Ok(u) = Url::parse(url) else {
        return lower;
    };
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut key = String::with_capacity(url.len());
    key.push_str(host);
    if let Some(p) = u.port() {
        key.push(':');
        key.push_str(&p.to_string());
    }
    let path = u.path().trim_end_matches('/');
    key.push_str(path);
    if let Some(q) = u.query() {
        let q = filter_query(q);
        if !q.is_empty() {
            key.push('?');
            key.push_str(&q);
        }
    }
    key
}

/// Decodes `%xx` escapes (for matching paths such as `/%D8%AA%D9%88%D9%82%D9%8A%D8%B9`).
fn percent_decode_lower(s: &str) -> String {
    if !s.contains('%') {
        return s.to_lowercase();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

/// Official e-mail domains (a `mailto:` to one of them is a contact action).
fn official_domain(domain: &str) -> bool {
    let d = domain.to_ascii_lowercase();
    const PARTS: [&str; 22] = [
        ".gov", "gov.", "parliament", "bundestag", "bundesregierung", "europarl", "europa.eu",
        "assemblee-nationale", "senat", "senate", "un.org", "ohchr.org", "unhcr.org", "mfa.",
        "embassy", "diplo", "auswaertiges-amt", "tbmm.gov.tr", "congress", "house.gov",
        "diplomatie", "ministry",
    ];
    PARTS.iter().any(|p| d.contains(p)) || d.ends_with(".gouv.fr") || d.ends_with(".int")
}

/// What a URL says about itself.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UrlType {
    /// Typed by a `[[link]]` rule (or mailto/tel): `Some(Some(kind))` an action,
    /// `Some(None)` never an action, `None` untyped.
    pub rule: Option<Option<ActionKind>>,
    /// The rule named the host (a platform), not just a path.
    pub platform: bool,
    /// `mailto:` to an official address.
    pub official: bool,
    /// The site's own generic page (`/donate`, `/`): likely a button on every page.
    pub generic: bool,
    /// Host without `www.` (or the e-mail domain), for reasons.
    pub host: String,
}

fn host_matches(host: &str, pattern: &str) -> bool {
    host == pattern
        || (host.len() > pattern.len()
            && host.ends_with(pattern)
            && host.as_bytes()[host.len() - pattern.len() - 1] == b'.')
}

/// Types a cleaned URL with the link rules.
pub(crate) fn type_url(rules: &[LinkRule], clean: &str) -> UrlType {
    let lower = clean.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("mailto:") {
        let addr = rest.split('?').next().unwrap_or("");
        let domain = addr.split('@').nth(1).unwrap_or("").to_string();
        if addr.is_empty() {
            // A mail with no recipient is a "send to a friend" share.
            return UrlType {
                rule: Some(Some(ActionKind::Share)),
                platform: false,
                official: false,
                generic: false,
                host: String::new(),
            };
        }
        let official = official_domain(&domain);
        return UrlType {
            rule: if official { Some(Some(ActionKind::Contact)) } else { None },
            platform: false,
            official,
            generic: false,
            host: domain,
        };
    }
    if lower.starts_with("tel:") {
        return UrlType {
            rule: None,
            platform: false,
            official: false,
            generic: false,
            host: String::new(),
        };
    }
    let (host, path) = match Url::parse(clean) {
        Ok(u) => (
            u.host_str()
                .unwrap_or("")
                .trim_start_matches("www.")
                .to_ascii_lowercase(),
            percent_decode_lower(u.path()),
        ),
        Err(_) => (String::new(), String::new()),
    };
    let mut best: Option<(u8, &LinkRule)> = None;
    for r in rules {
        let host_ok = r.hosts.is_empty() || r.hosts.iter().any(|h| host_matches(&host, h));
        if !host_ok {
            continue;
        }
        let path_ok = r.paths.is_empty() || r.paths.iter().any(|p| path.contains(p.as_str()));
        if !path_ok {
            continue;
        }
        let spec = u8::from(!r.hosts.is_empty()) * 2 + u8::from(!r.paths.is_empty());
        if best.is_none_or(|(s, _)| spec > s) {
            best = Some((spec, r));
        }
    }
    let segments = path.split('/').filter(|s| !s.is_empty()).count();
    let platform = best.is_some_and(|(_, r)| !r.hosts.is_empty());
    UrlType {
        rule: best.map(|(_, r)| r.kind),
        platform,
        official: false,
        generic: !platform && segments <= 1,
        host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(href: &str, base: Option<&str>, expect: Option<&str>) {
        assert_eq!(clean_url(href, base).as_deref(), expect, "cleaning {href:?}");
    }

    #[test]
    fn tracking_parameters_are_removed() {
        check(
            "https://www.change.org/p/free-them?utm_source=tw&utm_medium=x&recruiter=55",
            None,
            Some("https://www.change.org/p/free-them?recruiter=55"),
        );
        check(
            "https://example.org/donate?fbclid=abc&gclid=1&mc_cid=2&mc_eid=3",
            None,
            Some("https://example.org/donate"),
        );
        check(
            "/appeal/aleppo?amount=10&utm_campaign=winter#form",
            Some("https://ngo.example.org/news/item-1"),
            Some("https://ngo.example.org/appeal/aleppo?amount=10#form"),
        );
        check("../sign", Some("https://ngo.example.org/news/item-1"), Some("https://ngo.example.org/sign"));
        check("javascript:void(0)", None, None);
        check("#top", Some("https://x.org/"), None);
        check("relative/no-base", None, None);
        check(
            "MAILTO:minister@gov.example?subject=Free%20them&utm_source=x",
            None,
            Some("mailto:minister@gov.example?subject=Free%20them"),
        );
        check("tel:+44 20 7219 3000", None, Some("tel:+442072193000"));
    }

    #[test]
    fn canonical_keys() {
        assert_eq!(
            canonical_url("https://WWW.Change.org/p/free-them/?utm_source=x#sign"),
            "change.org/p/free-them"
        );
        assert_eq!(
            canonical_url("http://change.org/p/free-them"),
            canonical_url("https://www.change.org/p/free-them/")
        );
        assert_eq!(
            canonical_url("mailto:Minister@Gov.example?subject=x"),
            "mailto:minister@gov.example"
        );
    }

    #[test]
    fn typing() {
        let set = super::super::cues::CueSet::new(&[]).expect("built-in cues");
        let t = |u: &str| type_url(&set.links, u).rule;
        assert_eq!(t("https://www.change.org/p/free-them"), Some(Some(ActionKind::Sign)));
        assert_eq!(t("https://donorbox.org/winter"), Some(Some(ActionKind::Donate)));
        assert_eq!(t("https://www.facebook.com/events/123"), Some(Some(ActionKind::Mobilize)));
        assert_eq!(t("https://ngo.example.org/%D8%AA%D8%A8%D8%B1%D8%B9"), Some(Some(ActionKind::Donate)));
        assert_eq!(t("https://ngo.example.org/newsletter"), Some(None));
        assert_eq!(t("mailto:office@bundestag.de"), Some(Some(ActionKind::Contact)));
        assert_eq!(t("https://ngo.example.org/news/story"), None);
        assert!(type_url(&set.links, "https://ngo.example.org/donate").generic);
        assert!(!type_url(&set.links, "https://donorbox.org/winter").generic);
    }
}
