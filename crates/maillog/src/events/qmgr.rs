//! What the queue manager logs about a message: entering the active queue, expiry, and
//! removal.

use super::text;
use crate::Line;

/// `3F1A2B: from=<a@b>, size=319, nrcpt=1 (queue active)`
pub fn queue_active(queue_id: &str, sender: &str, size: u64, recipients: usize) -> Line {
    Line::info(text(format_args!(
        "{queue_id}: from=<{sender}>, size={size}, nrcpt={recipients} (queue active)"
    )))
}

/// `3F1A2B: from=<a@b>, status=expired, returned to sender`
pub fn expired(queue_id: &str, sender: &str) -> Line {
    Line::info(text(format_args!(
        "{queue_id}: from=<{sender}>, status=expired, returned to sender"
    )))
}

/// `3F1A2B: removed` (also logged by postsuper for `-d ID`).
pub fn removed(queue_id: &str) -> Line {
    Line::info(text(format_args!("{queue_id}: removed")))
}

#[cfg(test)]
mod tests {
    use super::super::golden::assert_postfix;
    use super::*;

    #[test]
    fn qmgr_lines() {
        assert_postfix(
            &queue_active("79C80994273", "alice@client.test", 319, 1),
            "79C80994273: from=<alice@client.test>, size=319, nrcpt=1 (queue active)",
        );
        assert_postfix(
            &queue_active("9237B9942A5", "", 320, 1),
            "9237B9942A5: from=<>, size=320, nrcpt=1 (queue active)",
        );
        assert_postfix(
            &expired("ABA20994705", "alice@client.test"),
            "ABA20994705: from=<alice@client.test>, status=expired, returned to sender",
        );
        assert_postfix(&removed("79C80994273"), "79C80994273: removed");
    }
}
