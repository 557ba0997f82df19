//! Reading the outbox a page at a time, in key order (chat, then sequence), so that the
//! delivery worker holds a bounded part of it however many chats an alert goes to.

use super::{OutboxKey, Store, StoreError};
use std::ops::Bound;

impl Store {
    /// Up to `max` outbox keys after `after` (from the first when `None`), in key order.
    /// A key that is not an outbox key is skipped.
    pub fn outbox_keys_after(
        &self,
        after: Option<OutboxKey>,
        max: usize,
    ) -> Result<Vec<OutboxKey>, StoreError> {
        let start = after.map(|k| k.bytes());
        let lower = match &start {
            Some(k) => Bound::Excluded(&k[..]),
            None => Bound::Unbounded,
        };
        let mut keys = Vec::with_capacity(max.min(1024));
        for k in self
            .outbox
            .range::<&[u8], _>((lower, Bound::Unbounded))
            .keys()
        {
            if keys.len() >= max {
                break;
            }
            if let Some(key) = OutboxKey::from_bytes(&k?) {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_of_keys_follow_each_other_in_key_order() {
        let s = Store::temporary().unwrap();
        let notices: Vec<(i64, String)> = [5, -3, 5, 9, -3]
            .iter()
            .map(|c| (*c, "n".to_string()))
            .collect();
        let mut written = s.queue_notices(&notices).await.unwrap();
        written.sort();
        let mut read = Vec::new();
        let mut after = None;
        loop {
            let page = s.outbox_keys_after(after, 2).unwrap();
            assert!(page.len() <= 2);
            let Some(last) = page.last() else { break };
            after = Some(*last);
            read.extend(page);
        }
        assert_eq!(read, written);
        assert_eq!(read[0].chat_id, -3, "signed chat ids sort");
    }
}
