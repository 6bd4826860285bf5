//! What the administrative side logs: postsuper's queue operations, the master daemon's
//! start and reload, and `postfix start|stop|reload`.

use super::text;
use crate::Line;

/// A postsuper operation on queue files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueOperation {
    /// `-d`
    Delete,
    /// `-h`
    Hold,
    /// `-H`
    Release,
    /// `-r`
    Requeue,
}

/// `3F1A2B: removed`, `3F1A2B: placed on hold`, `3F1A2B: released from hold`,
/// `3F1A2B: requeued` (postsuper logs these for queue IDs named on the command line).
pub fn queue_file(queue_id: &str, operation: QueueOperation) -> Line {
    let what = match operation {
        QueueOperation::Delete => "removed",
        QueueOperation::Hold => "placed on hold",
        QueueOperation::Release => "released from hold",
        QueueOperation::Requeue => "requeued",
    };
    Line::info(text(format_args!("{queue_id}: {what}")))
}

/// `Deleted: 3 messages`, `Placed on hold: 1 message`, `Released from hold: 0 messages`,
/// `Requeued: 2 messages`: postsuper's summary (also printed on its standard error).
pub fn queue_summary(operation: QueueOperation, count: u64) -> Line {
    let what = match operation {
        QueueOperation::Delete => "Deleted",
        QueueOperation::Hold => "Placed on hold",
        QueueOperation::Release => "Released from hold",
        QueueOperation::Requeue => "Requeued",
    };
    let plural = if count == 1 { "" } else { "s" };
    Line::info(text(format_args!("{what}: {count} message{plural}")))
}

/// `daemon started -- version 3.7.11, configuration /etc/postfix` (master).
pub fn daemon_started(version: &str, config_directory: &str) -> Line {
    Line::info(text(format_args!(
        "daemon started -- version {version}, configuration {config_directory}"
    )))
}

/// `reload -- version 3.7.11, configuration /etc/postfix` (master).
pub fn daemon_reloaded(version: &str, config_directory: &str) -> Line {
    Line::info(text(format_args!(
        "reload -- version {version}, configuration {config_directory}"
    )))
}

/// `terminating on signal 15` (master).
pub fn terminating(signal: i32) -> Line {
    Line::info(text(format_args!("terminating on signal {signal}")))
}

/// What `postfix start|stop|reload` announces (as `postfix/postfix-script`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailSystem {
    Starting,
    Stopping,
    Refreshing,
}

/// `starting the Postfix mail system`, `stopping ...`, `refreshing ...`: kept word for word
/// so that tools watching for them keep working.
pub fn mail_system(what: MailSystem) -> Line {
    Line::info(match what {
        MailSystem::Starting => "starting the Postfix mail system",
        MailSystem::Stopping => "stopping the Postfix mail system",
        MailSystem::Refreshing => "refreshing the Postfix mail system",
    })
}

#[cfg(test)]
mod tests {
    use super::super::golden::assert_postfix;
    use super::*;

    #[test]
    fn postsuper_lines() {
        assert_postfix(
            &queue_file("4C9E5994211", QueueOperation::Delete),
            "4C9E5994211: removed",
        );
        assert_postfix(
            &queue_file("4C9E5994211", QueueOperation::Requeue),
            "4C9E5994211: requeued",
        );
        assert_postfix(
            &queue_file("96ABB9942B6", QueueOperation::Release),
            "96ABB9942B6: released from hold",
        );
        assert_postfix(
            &queue_file("BAF089942FF", QueueOperation::Hold),
            "BAF089942FF: placed on hold",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Hold, 1),
            "Placed on hold: 1 message",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Delete, 1),
            "Deleted: 1 message",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Delete, 3),
            "Deleted: 3 messages",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Hold, 0),
            "Placed on hold: 0 messages",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Hold, 3),
            "Placed on hold: 3 messages",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Release, 1),
            "Released from hold: 1 message",
        );
        assert_postfix(
            &queue_summary(QueueOperation::Requeue, 3),
            "Requeued: 3 messages",
        );
    }

    #[test]
    fn master_and_postfix_script_lines() {
        assert_postfix(
            &daemon_started("3.7.11", "/tmp/maillog-pfx/etc"),
            "daemon started -- version 3.7.11, configuration /tmp/maillog-pfx/etc",
        );
        assert_postfix(
            &daemon_reloaded("3.7.11", "/tmp/maillog-pfx/etc"),
            "reload -- version 3.7.11, configuration /tmp/maillog-pfx/etc",
        );
        assert_postfix(
            &mail_system(MailSystem::Starting),
            "starting the Postfix mail system",
        );
        assert_postfix(
            &mail_system(MailSystem::Refreshing),
            "refreshing the Postfix mail system",
        );
        assert_postfix(
            &mail_system(MailSystem::Stopping),
            "stopping the Postfix mail system",
        );
        assert_eq!(terminating(15).to_string(), "terminating on signal 15");
    }
}
