//! Tests of the organizer operations: `/addfeed`'s arguments, OPML both ways, users' URLs.

use super::*;

#[test]
fn add_arguments() {
    let r = parse_add_args("https://x.example/feed #Syria #aleppo mode=all Relief Net").unwrap();
    assert_eq!(r.url, "https://x.example/feed");
    assert_eq!(r.hashtags, vec!["#Syria", "#aleppo"]);
    assert_eq!(r.mode, FeedMode::All);
    assert_eq!(r.name.as_deref(), Some("Relief Net"));
    assert!(parse_add_args("").is_err());
    assert!(parse_add_args("https://x mode=some").is_err());
}

#[test]
fn opml_round_trip() {
    let feeds = vec![FeedRecord {
        id: 3,
        hashtags: vec!["#Syria".into(), "#Aid".into()],
        mode: "all".into(),
        ..FeedRecord::new("https://x.example/feed?a=1&b=2", "Relief <Net> & \"Co\"")
    }];
    let opml = export_opml(&feeds);
    let back = parse_opml(opml.as_bytes()).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].url, feeds[0].url);
    assert_eq!(back[0].name.as_deref(), Some(feeds[0].name.as_str()));
    assert_eq!(back[0].hashtags, feeds[0].hashtags);
    assert_eq!(back[0].mode, FeedMode::All);
    assert!(parse_opml(b"<html></html>").is_err());
    assert!(parse_opml(b"<opml><body><outline xmlUrl=").is_err());
}

#[test]
fn user_urls() {
    assert!(check_user_url("https://x.example/f").is_ok());
    assert!(matches!(
        check_user_url("file:///etc/passwd"),
        Err(AddError::Malformed(_))
    ));
    assert!(matches!(
        check_user_url("not a url"),
        Err(AddError::Malformed(_))
    ));
    assert!(matches!(
        check_user_url("https://u:p@x.example/"),
        Err(AddError::Malformed(_))
    ));
    assert!(check_user_url(&format!("https://x.example/{}", "a".repeat(3000))).is_err());
}
