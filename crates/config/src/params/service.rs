//! Per-transport parameters that postconf derives from master.cf: for each service
//! whose command is a delivery agent, `<service>_destination_concurrency_limit`,
//! `<service>_recipient_limit` ... defaulting to the matching `default_*` parameter,
//! and `<service>_time_limit` for pipe and spawn. They are not in the static table
//! because they exist only when master.cf names the service.

use super::{lookup, Kind, INT_MAX, TIME_MAX};

/// One derived parameter of a master.cf service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceParam {
    pub name: String,
    pub kind: Kind,
    /// The default text, as `postconf -d` prints it.
    pub default: &'static str,
}

const INT: Kind = Kind::Int {
    min: 0,
    max: INT_MAX,
};
const INT1: Kind = Kind::Int {
    min: 1,
    max: INT_MAX,
};
const SECS: Kind = Kind::Time {
    unit: 's',
    min: 0,
    max: TIME_MAX,
};

/// The queue manager's per-transport controls: (suffix, kind, default).
const TRANSPORT: &[(&str, Kind, &str)] = &[
    ("delivery_slot_cost", INT, "$default_delivery_slot_cost"),
    (
        "delivery_slot_discount",
        INT,
        "$default_delivery_slot_discount",
    ),
    ("delivery_slot_loan", INT, "$default_delivery_slot_loan"),
    (
        "destination_concurrency_failed_cohort_limit",
        INT,
        "$default_destination_concurrency_failed_cohort_limit",
    ),
    (
        "destination_concurrency_limit",
        INT,
        "$default_destination_concurrency_limit",
    ),
    (
        "destination_concurrency_negative_feedback",
        Kind::Str,
        "$default_destination_concurrency_negative_feedback",
    ),
    (
        "destination_concurrency_positive_feedback",
        Kind::Str,
        "$default_destination_concurrency_positive_feedback",
    ),
    (
        "destination_rate_delay",
        SECS,
        "$default_destination_rate_delay",
    ),
    (
        "destination_recipient_limit",
        INT,
        "$default_destination_recipient_limit",
    ),
    (
        "extra_recipient_limit",
        INT1,
        "$default_extra_recipient_limit",
    ),
    (
        "initial_destination_concurrency",
        INT1,
        "$initial_destination_concurrency",
    ),
    (
        "minimum_delivery_slots",
        INT1,
        "$default_minimum_delivery_slots",
    ),
    ("recipient_limit", INT1, "$default_recipient_limit"),
    (
        "recipient_refill_delay",
        SECS,
        "$default_recipient_refill_delay",
    ),
    (
        "recipient_refill_limit",
        INT1,
        "$default_recipient_refill_limit",
    ),
    (
        "transport_rate_delay",
        SECS,
        "$default_transport_rate_delay",
    ),
];

/// master.cf commands that are delivery agents scheduled by the queue manager.
const DELIVERY_AGENTS: &[&str] = &["error", "lmtp", "local", "pipe", "smtp", "virtual"];

/// The derived parameters of master.cf service `service` running `command` (the first
/// word of the command column), sorted by name, without those the static table already
/// defines (`local_destination_concurrency_limit` ...).
pub fn service_params(service: &str, command: &str) -> Vec<ServiceParam> {
    let mut out = Vec::new();
    if DELIVERY_AGENTS.contains(&command) {
        for &(suffix, kind, default) in TRANSPORT {
            out.push(ServiceParam {
                name: format!("{service}_{suffix}"),
                kind,
                default,
            });
        }
    }
    if command == "pipe" || command == "spawn" {
        out.push(ServiceParam {
            name: format!("{service}_time_limit"),
            kind: Kind::Time {
                unit: 's',
                min: 1,
                max: TIME_MAX,
            },
            default: "$command_time_limit",
        });
    }
    out.retain(|p| lookup(&p.name).is_none());
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
