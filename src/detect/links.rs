//! Links: resolving against the entry link, removing tracking parameters, the canonical
//! key used for comparisons and fingerprints, and typing a URL as an action kind from the
//! cue files' `[[link]]` patterns.
//!
//! Pure string work over the `url` crate; knows nothing of HTML or scores.

use url::Url;

use super::ActionKind;
use super::cues::LinkRules;

/// Query parameters that only track the click.
fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    const PREFIXES: [&str; 11] = [
        "utm_",
        "mtm_",
        "pk_",
        "piwik_",
        "hsa_",
        "oly_",
        "vero_",
        "_hs",
        "mc_",
        "ea.tracking",
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

/// A link taken apart for comparison and typing (no usable URL: see [`clean_url`]).
#[derive(Debug, Clone)]
pub(crate) struct UrlParts {
    /// Comparison key (see [`canonical_url`]).
    pub key: String,
    /// Host without `www.` (or the e-mail domain).
    pub host: String,
    /// Lower-cased, percent-decoded path (empty for mailto/tel).
    pub path: String,
}

/// Resolves `href` against `base` and removes tracking parameters. `None` for links that
/// lead nowhere useful (`javascript:`, in-page `#anchors`, unparsable).
pub fn clean_url(href: &str, base: Option<&str>) -> Option<String> {
    resolve(href, base).map(|(clean, _)| clean)
}

/// `mailto:` and `tel:` links, taken apart by hand: (clean, parts).
fn mail_or_tel(href: &str) -> Option<Option<(String, UrlParts)>> {
    let head = href.get(..7).unwrap_or(href).to_ascii_lowercase();
    if !(head.starts_with("mailto:") || head.starts_with("tel:")) {
        return None;
    }
    let colon = href.find(':')?;
    let (addr, query) = match href[colon + 1..].split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (&href[colon + 1..], None),
    };
    let scheme = &head[..colon];
    let addr = if scheme == "tel" {
        addr.chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect::<String>()
    } else {
        addr.trim().to_string()
    };
    let key = format!("{scheme}:{}", addr.to_ascii_lowercase());
    let host = addr
        .rsplit('@')
        .next()
        .filter(|_| scheme == "mailto" && addr.contains('@'))
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut clean = format!("{scheme}:{addr}");
    if let Some(q) = query.map(filter_query).filter(|q| !q.is_empty()) {
        clean.push('?');
        clean.push_str(&q);
    }
    Some(Some((
        clean,
        UrlParts {
            key,
            host,
            path: String::new(),
        },
    )))
}

/// The full treatment with the `url` crate: resolved, cleaned URL and its parts.
fn resolve(href: &str, base: Option<&str>) -> Option<(String, UrlParts)> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    if let Some(m) = mail_or_tel(href) {
        return m;
    }
    let mut url = match Url::parse(href) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            match base.and_then(|b| Url::parse(b).ok()) {
                Some(b) => b.join(href).ok()?,
                None if href.starts_with("//") => return resolve(&format!("https:{href}"), None),
                None => return None,
            }
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
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let mut key = String::with_capacity(href.len());
    key.push_str(&host);
    if let Some(p) = url.port() {
        key.push(':');
        key.push_str(&p.to_string());
    }
    key.push_str(url.path().trim_end_matches('/'));
    if let Some(q) = url.query() {
        key.push('?');
        key.push_str(q);
    }
    let path = percent_decode_lower(url.path());
    Some((url.into(), UrlParts { key, host, path }))
}

/// Bytes the `url` crate would rewrite (percent-encode, resolve or reject): their presence
/// sends a URL down the slow path so both paths give the same key.
fn needs_url_crate(s: &str) -> bool {
    s.bytes().any(|b| {
        b >= 0x80
            || matches!(
                b,
                b' ' | b'"'
                    | b'<'
                    | b'>'
                    | b'`'
                    | b'\\'
                    | b'{'
                    | b'}'
                    | b'|'
                    | b'^'
                    | b'\t'
                    | b'\n'
                    | b'\r'
            )
    }) || s.contains("/.")
}

/// `host[:port]` of an absolute http(s) URL and the rest (path, query, fragment), by hand;
/// `None` when the URL is unusual enough to need the `url` crate.
fn split_absolute(href: &str) -> Option<(String, &str)> {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    let (rest, default_port) = if lower.starts_with("https://") {
        (&href[8..], ":443")
    } else if lower.starts_with("http://") {
        (&href[7..], ":80")
    } else {
        return None;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty()
        || authority.contains(['@', '[', '%'])
        || authority.ends_with('.')
        || !authority.is_ascii()
    {
        return None;
    }
    let mut host = authority.to_ascii_lowercase();
    if host.ends_with(default_port) {
        host.truncate(host.len() - default_port.len());
    }
    if let Some(h) = host.strip_prefix("www.") {
        host = h.to_string();
    }
    Some((host, &rest[end..]))
}

/// Key, host and path of a link, resolved against the entry's link; string work only for
/// ordinary URLs, the `url` crate otherwise. `base_host` is `split_absolute` of the base.
pub(crate) fn key_parts(
    href: &str,
    base: Option<&str>,
    base_host: Option<&str>,
) -> Option<UrlParts> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    if let Some(m) = mail_or_tel(href) {
        return m.map(|(_, p)| p);
    }
    let fast: Option<(String, &str)> = if let Some(rest) = href.strip_prefix("//") {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        split_absolute(&format!("https://{}", &rest[..end])).map(|(h, _)| (h, &rest[end..]))
    } else if href.starts_with('/') {
        base_host.map(|h| (h.to_string(), href))
    } else {
        split_absolute(href)
    };
    let Some((host, rest)) = fast.filter(|(_, r)| !needs_url_crate(r)) else {
        return resolve(href, base).map(|(_, p)| p);
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let bare_host = host.split(':').next().unwrap_or(&host).to_string();
    let mut key = String::with_capacity(host.len() + rest.len());
    key.push_str(&host);
    key.push_str(path.trim_end_matches('/'));
    if let Some(q) = query.map(filter_query).filter(|q| !q.is_empty()) {
        key.push('?');
        key.push_str(&q);
    }
    let path = if path.is_empty() { "/" } else { path };
    Some(UrlParts {
        key,
        host: bare_host,
        path: percent_decode_lower(path),
    })
}

/// The base's `host[:port]` for [`key_parts`].
pub(crate) fn base_host(base: Option<&str>) -> Option<String> {
    base.and_then(split_absolute).map(|(h, _)| h)
}

/// The key under which two URLs count as the same: no scheme, host in lower case without
/// `www.`, no trailing slash, no fragment, no tracking parameters. Accepts what
/// [`clean_url`] returns (and raw absolute URLs).
pub fn canonical_url(url: &str) -> String {
    match key_parts(url, None, None) {
        Some(p) => p.key,
        None => url.trim().to_ascii_lowercase(),
    }
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
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
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
        ".gov",
        "gov.",
        "parliament",
        "bundestag",
        "bundesregierung",
        "europarl",
        "europa.eu",
        "assemblee-nationale",
        "senat",
        "senate",
        "un.org",
        "ohchr.org",
        "unhcr.org",
        "mfa.",
        "embassy",
        "diplo",
        "auswaertiges-amt",
        "tbmm.gov.tr",
        "congress",
        "house.gov",
        "diplomatie",
        "ministry",
    ];
    PARTS.iter().any(|p| d.contains(p)) || d.ends_with(".gouv.fr") || d.ends_with(".int")
}

/// What a URL says about itself.
#[derive(Debug, Clone, PartialEq, Default)]
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

/// Types a cleaned URL with the link rules.
#[cfg(test)]
pub(crate) fn type_url(rules: &LinkRules, clean: &str) -> UrlType {
    match key_parts(clean, None, None) {
        Some(p) => type_parts(rules, &p),
        None => UrlType {
            rule: None,
            platform: false,
            official: false,
            generic: false,
            host: String::new(),
        },
    }
}

/// Types a link with the link rules.
pub(crate) fn type_parts(rules: &LinkRules, p: &UrlParts) -> UrlType {
    if p.key.starts_with("mailto:") {
        if p.host.is_empty() {
            // A mail with no recipient is a "send to a friend" share.
            return UrlType {
                rule: Some(Some(ActionKind::Share)),
                platform: false,
                official: false,
                generic: false,
                host: String::new(),
            };
        }
        let official = official_domain(&p.host);
        return UrlType {
            rule: if official {
                Some(Some(ActionKind::Contact))
            } else {
                None
            },
            platform: false,
            official,
            generic: false,
            host: p.host.clone(),
        };
    }
    if p.key.starts_with("tel:") {
        return UrlType {
            rule: None,
            platform: false,
            official: false,
            generic: false,
            host: String::new(),
        };
    }
    let (host, path) = (p.host.as_str(), p.path.as_str());
    let mut ids = Vec::new();
    rules.matching(host, path, &mut ids);
    // Most specific first; among equals, the rule listed first.
    ids.sort_unstable();
    let mut best: Option<(u8, &super::cues::LinkRule)> = None;
    for i in ids {
        let r = &rules.rules[i];
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
        // The root, or a one-segment page a rule knows ("/donate", "/newsletter"): the
        // same on every page. "/winter-coats-2025" and "/?page_id=482" are one page's own.
        generic: !platform
            && !p.key.contains('?')
            && (segments == 0 || (segments == 1 && best.is_some())),
        host: host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(href: &str, base: Option<&str>, expect: Option<&str>) {
        assert_eq!(
            clean_url(href, base).as_deref(),
            expect,
            "cleaning {href:?}"
        );
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
        check(
            "../sign",
            Some("https://ngo.example.org/news/item-1"),
            Some("https://ngo.example.org/sign"),
        );
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
    fn fast_keys_agree_with_the_url_crate() {
        let base = "https://ngo.example.org/news/2025/item-1";
        let hrefs = [
            "https://WWW.Change.org/p/free-them/?utm_source=x&recruiter=5#sign",
            "http://change.org:80/p/free-them",
            "https://ngo.example.org:8443/donate?amount=10&fbclid=1",
            "/appeals/winter/give?utm_medium=rss",
            "//cdn.example.org/a/b/",
            "https://ngo.example.org",
            "https://ngo.example.org/ar/%D8%AA%D8%A8%D8%B1%D8%B9",
            "relative/page.html",
            "../up/one",
            "https://ngo.example.org/a b",
            "https://ngo.example.org/./x/../y",
            "https://user@ngo.example.org/x",
        ];
        let host = base_host(Some(base));
        for h in hrefs {
            let fast = key_parts(h, Some(base), host.as_deref()).map(|p| (p.key, p.host, p.path));
            let slow = resolve(h, Some(base)).map(|(_, p)| (p.key, p.host, p.path));
            assert_eq!(fast, slow, "{h}");
        }
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
        assert_eq!(
            t("https://www.change.org/p/free-them"),
            Some(Some(ActionKind::Sign))
        );
        assert_eq!(
            t("https://donorbox.org/winter"),
            Some(Some(ActionKind::Donate))
        );
        assert_eq!(
            t("https://www.facebook.com/events/123"),
            Some(Some(ActionKind::Mobilize))
        );
        assert_eq!(
            t("https://ngo.example.org/%D8%AA%D8%A8%D8%B1%D8%B9"),
            Some(Some(ActionKind::Donate))
        );
        assert_eq!(t("https://ngo.example.org/newsletter"), Some(None));
        assert_eq!(
            t("mailto:office@bundestag.de"),
            Some(Some(ActionKind::Contact))
        );
        assert_eq!(t("https://ngo.example.org/news/story"), None);
        assert!(type_url(&set.links, "https://ngo.example.org/donate").generic);
        assert!(!type_url(&set.links, "https://donorbox.org/winter").generic);
        assert!(type_url(&set.links, "https://ngo.example.org/").generic);
        assert!(!type_url(&set.links, "https://ngo.example.org/?page_id=482").generic);
    }
}
