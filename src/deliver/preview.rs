//! A held alert's preview for an organizer: the reason above the alert as subscribers
//! would get it, and the Approve and Reject buttons (`callback_data`). Also the alert
//! with the decision line once someone decided, and the `callback_data` format.
//!
//! Must not: decide anything or do IO.

use super::render::{self, Rendered, escape_text};
use crate::store::{AlertRecord, PreviewRecord};

/// The buttons' data: `rv:a:<alert id>` (approve) or `rv:r:<alert id>` (reject); at most
/// 24 bytes, well under Telegram's 64.
pub fn callback_data(approve: bool, alert_id: u64) -> String {
    let what = if approve { "a" } else { "r" };
    format!("rv:{what}:{alert_id}")
}

/// `(approve?, alert id)` from a button's data; `None` for anything else.
pub fn parse_callback(data: &str) -> Option<(bool, u64)> {
    let rest = data.strip_prefix("rv:")?;
    let (what, id) = rest.split_once(':')?;
    let approve = match what {
        "a" => true,
        "r" => false,
        _ => return None,
    };
    Some((approve, id.parse().ok()?))
}

/// The alert rendered with `header` on a line of its own above it (plain text, escaped).
pub fn with_header(alert: &AlertRecord, header: &str) -> Rendered {
    let r = render::render_alert(&super::alert_from_record(alert));
    let mut html = String::with_capacity(header.len() + r.html.len() + 2);
    escape_text(&mut html, header);
    html.push_str("\n\n");
    html.push_str(&r.html);
    Rendered {
        html,
        plain: format!("{header}\n\n{}", r.plain),
        buttons: Vec::new(),
    }
}

/// The preview's two buttons: (label, callback_data), Approve first.
pub fn choices(alert_id: u64, p: &PreviewRecord) -> Vec<(String, String)> {
    vec![
        (p.approve.clone(), callback_data(true, alert_id)),
        (p.reject.clone(), callback_data(false, alert_id)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_data_round_trips_and_refuses_others() {
        assert_eq!(parse_callback(&callback_data(true, 42)), Some((true, 42)));
        assert_eq!(
            parse_callback(&callback_data(false, u64::MAX)),
            Some((false, u64::MAX))
        );
        assert!(callback_data(false, u64::MAX).len() <= 64);
        for bad in ["", "rv:a:", "rv:x:1", "rv:a:-1", "other:a:1", "rv:a:1:2"] {
            assert_eq!(parse_callback(bad), None, "{bad}");
        }
    }
}
