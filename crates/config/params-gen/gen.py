#!/usr/bin/env python3
"""Generate crates/config/src/params/<group>.rs from the installed Postfix.

Run by a developer on a host with Postfix 3.7 installed (Debian's package is the
reference): it reads `postconf -c EMPTY -d` (the static parameters, without the
per-transport ones postconf derives from master.cf services), `postconf -c EMPTY -dx`
(defaults expanded, to infer each kind) and `man 5 postconf` (time units, bounds, lists
and tables). Only names, default texts and classifications are emitted; no manual text.

Inputs besides Postfix: docs.tsv (one line per parameter, our own words) and the
override tables below (kinds, bounds, files, implemented flags, facteur's own defaults).
probe-bounds.sh cross-checks kinds and bounds of the global parameters with postmap.

The generated files are committed and are the source of truth (nothing runs this at
build time); to change an entry, edit a table here or docs.tsv, then rerun:
    python3 crates/config/params-gen/gen.py
and check that `cargo test -p facteur-config params` still passes.
"""
import os
import re
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "params")
POSTCONF = "/usr/sbin/postconf"

# Host-dependent: computed at run time by host_default(), never stored.
HOST = {"myhostname", "mydomain", "mynetworks", "process_id", "process_name"}

# facteur's own defaults where it deliberately differs from Postfix; each is listed with
# its reason in params/host.rs DIFFERS_FROM_POSTFIX (a test keeps the two in step).
FACTEUR = {
    "config_directory": '"/etc/facteur"',
    "meta_directory": '"/etc/facteur"',
    "queue_directory": '"/var/spool/facteur"',
    "data_directory": '"/var/lib/facteur"',
    "syslog_name": '"${multi_instance_name?{$multi_instance_name}:{facteur}}"',
    "mail_version": 'env!("CARGO_PKG_VERSION")',
}

# Byte counts Postfix keeps as "long" (CONFIG_LONG): Kind::Size.
SIZE = {
    "message_size_limit", "mailbox_size_limit", "virtual_mailbox_limit",
    "queue_minfree", "lmdb_map_size",
}
# ... and byte counts Postfix keeps in an int (checked: 9999999999 is rejected).
NOT_SIZE = {"header_size_limit", "body_checks_size_limit", "bounce_size_limit"}

# Integers that Postfix requires to be at least 1.
INT_MIN1 = {
    "default_process_limit", "qmgr_message_active_limit", "qmgr_message_recipient_limit",
    "qmgr_message_recipient_minimum", "default_destination_concurrency_limit",
    "default_destination_recipient_limit", "initial_destination_concurrency",
    "default_recipient_limit", "default_extra_recipient_limit",
    "default_recipient_refill_limit", "default_minimum_delivery_slots", "debug_peer_level", "line_length_limit",
    "duplicate_filter_limit", "hopcount_limit", "header_address_token_limit",
    "smtpd_recipient_limit", "smtpd_history_flush_threshold",
    "smtpd_soft_error_limit", "smtpd_hard_error_limit", "local_destination_concurrency_limit",
    "local_destination_recipient_limit", "fork_attempts", "transport_retry_time",
    "qmgr_fudge_factor", "max_use", "max_idle",
    "deliver_lock_attempts", "mime_nesting_limit", "mime_boundary_length_limit",
    "header_size_limit", "queue_file_attribute_count_limit",
}

# Time parameters that must be > 0 although the manual does not say "non-zero".
TIME_MIN1 = {
    "smtpd_timeout", "smtp_helo_timeout", "smtp_mail_timeout",
    "smtp_rcpt_timeout", "smtp_data_init_timeout", "smtp_data_xfer_timeout",
    "smtp_data_done_timeout", "smtp_quit_timeout", "lmtp_lhlo_timeout", "lmtp_mail_timeout", "lmtp_rcpt_timeout",
    "lmtp_data_init_timeout", "lmtp_data_xfer_timeout", "lmtp_data_done_timeout",
    "lmtp_quit_timeout", "ipc_timeout", "ipc_idle", "ipc_ttl", "daemon_timeout",
    "command_time_limit", "queue_run_delay", "minimal_backoff_time",
    "maximal_backoff_time", "max_idle", "transport_retry_time", "fork_delay",
    "deliver_lock_delay", "stale_lock_time", "trigger_timeout", "daemon_timeout",
}

# Lists whose names do not say so.
LIST_EXTRA = {
    "allow_untrusted_routing", "authorized_flush_users", "authorized_mailq_users",
    "authorized_submit_users", "authorized_verp_clients", "debug_peer_list",
    "defer_transports", "export_environment", "fast_flush_domains", "import_environment",
    "inet_interfaces", "inet_protocols", "lmtp_discard_ehlo_keywords",
    "lmtp_dns_resolver_options", "lmtp_sasl_mechanism_filter",
    "lmtp_sasl_security_options", "lmtp_sasl_tls_security_options",
    "lmtp_sasl_tls_verified_security_options", "lmtp_tls_chain_files",
    "lmtp_tls_exclude_ciphers", "lmtp_tls_mandatory_exclude_ciphers",
    "lmtp_tls_mandatory_protocols", "lmtp_tls_protocols", "lmtp_tls_secure_cert_match",
    "lmtp_tls_verify_cert_match", "local_header_rewrite_clients", "masquerade_classes",
    "masquerade_domains", "masquerade_exceptions", "master_service_disable",
    "milter_macro_defaults", "multi_instance_directories", "mydestination", "mynetworks",
    "non_smtpd_milters", "notify_classes", "parent_domain_matches_subdomains",
    "permit_mx_backup_networks", "postmulti_control_commands", "postmulti_start_commands",
    "postscreen_access_list", "postscreen_allowlist_interfaces", "postscreen_dnsbl_sites",
    "postscreen_whitelist_interfaces", "propagate_unmatched_extensions",
    "proxy_interfaces", "relay_domains", "smtp_discard_ehlo_keywords",
    "smtp_dns_resolver_options", "smtp_sasl_mechanism_filter",
    "smtp_sasl_security_options", "smtp_sasl_tls_security_options",
    "smtp_sasl_tls_verified_security_options", "smtp_tls_chain_files",
    "smtp_tls_exclude_ciphers", "smtp_tls_mandatory_exclude_ciphers",
    "smtp_tls_mandatory_protocols", "smtp_tls_protocols", "smtp_tls_secure_cert_match",
    "smtp_tls_verify_cert_match", "smtpd_client_event_limit_exceptions",
    "smtpd_discard_ehlo_keywords", "smtpd_forbidden_commands",
    "smtpd_log_access_permit_actions", "smtpd_milters", "smtpd_noop_commands",
    "smtpd_sasl_exceptions_networks", "smtpd_sasl_security_options",
    "smtpd_sasl_tls_security_options", "smtpd_tls_chain_files",
    "smtpd_tls_exclude_ciphers", "smtpd_tls_mandatory_exclude_ciphers",
    "smtpd_tls_mandatory_protocols", "smtpd_tls_protocols", "tls_disable_workarounds",
    "tls_ssl_options", "tlsproxy_client_chain_files", "tlsproxy_tls_chain_files",
    "virtual_alias_domains", "virtual_mailbox_domains",
}

# Kinds the heuristics below get wrong, decided by reading postconf(5).
KIND_OVERRIDE = {
    **{n: "List" for n in (
        "parent_domain_matches_subdomains", "message_drop_headers", "allow_mail_to_files",
        "allow_mail_to_commands", "prepend_delivered_header", "mailbox_delivery_lock",
        "virtual_mailbox_lock", "maillog_file_prefixes", "smtp_pix_workarounds",
        "lmtp_pix_workarounds", "smtp_connection_cache_destinations",
        "lmtp_connection_cache_destinations", "tls_dane_digests", "tls_eecdh_auto_curves",
        "smtpd_sasl_mechanism_filter", "forward_path", "smtpd_forbid_bare_newline_exclusions",
        "smtpd_authorized_xclient_hosts", "smtpd_authorized_xforward_hosts",
        "smtp_fallback_relay", "lmtp_fallback_relay", "proxy_read_maps", "proxy_write_maps",
        "smtpd_client_event_limit_exceptions", "smtpd_authorized_verp_clients",
        "qmqpd_authorized_clients", "mynetworks", "smtp_sasl_mechanism_filter",
        "lmtp_sasl_mechanism_filter")},
    **{n: "TableList" for n in (
        "relay_clientcerts", "smtp_dns_reply_filter", "smtpd_dns_reply_filter",
        "lmtp_dns_reply_filter", "smtp_reply_filter", "lmtp_reply_filter",
        "smtpd_command_filter", "postscreen_command_filter", "smtp_tls_per_site",
        "lmtp_tls_per_site", "tlsproxy_client_per_site", "smtp_delivery_status_filter",
        "lmtp_delivery_status_filter", "local_delivery_status_filter",
        "virtual_delivery_status_filter", "pipe_delivery_status_filter",
        "default_delivery_status_filter")},
    **{n: "Str" for n in (
        "content_filter", "default_rbl_reply", "mail_spool_directory", "remote_header_rewrite_domain", "smtp_dns_support_level", "smtp_tls_cert_file",
        "smtpd_tls_fingerprint_digest", "tls_export_cipherlist", "tls_high_cipherlist",
        "tls_low_cipherlist", "tls_medium_cipherlist", "tls_null_cipherlist",
        "unverified_sender_reject_reason",
        "compatibility_level", "mail_release_date", "lmtp_tcp_port",
        "default_destination_concurrency_negative_feedback",
        "default_destination_concurrency_positive_feedback")},
    # Bounds found by running postmap with out-of-range values (the global parameters).
    "hash_queue_depth": "Int { min: 1, max: INT_MAX }",
    "berkeley_db_create_buffer_size": "Int { min: 1, max: INT_MAX }",
    "berkeley_db_read_buffer_size": "Int { min: 1, max: INT_MAX }",
    "header_size_limit": "Int { min: 1, max: INT_MAX }",
    "line_length_limit": "Int { min: 512, max: INT_MAX }",
    "lmdb_map_size": "Size { min: 1 }",
    "lmtp_min_data_rate": "Int { min: 1, max: INT_MAX }",
    "smtp_min_data_rate": "Int { min: 1, max: INT_MAX }",
    "smtpd_min_data_rate": "Int { min: 1, max: INT_MAX }",
}

# Names that look like tables but hold one thing else.
NOT_TABLE = {"default_database_type", "smtpd_sasl_path", "cyrus_sasl_config_path"}

# ---------------------------------------------------------------------------------------
# Files: first match wins.
GROUPS = [
    ("postscreen", lambda n: n.startswith(("postscreen_", "dnsblog_"))),
    ("tls", lambda n: "_tls_" in n or n.startswith(("tls_", "tlsproxy_", "tlsmgr_"))
        or n in {"smtpd_starttls_timeout", "smtp_starttls_timeout", "lmtp_starttls_timeout",
                 "smtpd_use_tls", "smtpd_enforce_tls", "smtp_use_tls", "smtp_enforce_tls",
                 "lmtp_use_tls", "lmtp_enforce_tls", "openssl_path"}
        or n.endswith("_tlsrpt_enable")),
    ("sasl", lambda n: "_sasl_" in n or n.startswith("cyrus_sasl")),
    ("milter", lambda n: "milter" in n),
    ("smtpd", lambda n: n.startswith(("smtpd_", "access_map_", "unknown_", "unverified_",
                                      "rbl_", "default_rbl", "reject_", "relay_domains_",
                                      "defer_code", "strict_", "disable_vrfy",
                                      "allow_percent_hack", "maps_rbl", "permit_mx_backup",
                                      "plaintext_reject", "multi_recipient_bounce",
                                      "non_fqdn_", "invalid_hostname", "unknown_",
                                      "address_verify_", "verify_", "anvil_",
                                      "relay_recipient", "smtputf8_", "enable_long_queue")) or
        n in {"mynetworks", "mynetworks_style", "parent_domain_matches_subdomains",
              "reject_code", "unverified_recipient_reject_code", "soft_bounce",
              "local_recipient_maps", "relay_recipient_maps", "in_flow_delay",
              "client_event_status_update_time", "unknown_local_recipient_reject_code",
              "dns_ncache_ttl_fix_enable", "ignore_mx_lookup_error",
              "helpful_warnings", "stress", "smtputf8_enable", "authorized_verp_clients"}),
    ("lmtp", lambda n: n.startswith("lmtp_")),
    ("smtp", lambda n: n.startswith("smtp_") or n in {
        "relayhost", "fallback_relay", "best_mx_transport", "disable_dns_lookups",
        "ignore_mx_lookup_error", "connection_cache_protocol_timeout",
        "connection_cache_service_name", "connection_cache_status_update_time",
        "connection_cache_ttl_limit", "scache_", "sender_dependent_relayhost_maps",
        "sender_dependent_default_transport_maps", "default_transport",
        "smtp_fallback_relay", "inet_interfaces", "inet_protocols", "proxy_interfaces",
        "address_verify_relayhost"} or n.startswith(("scache_", "connection_cache_"))),
    ("queue", lambda n: n.startswith(("qmgr_", "queue_", "default_destination_",
                                      "default_delivery_slot", "default_extra_recipient",
                                      "default_minimum_delivery", "default_recipient_",
                                      "initial_destination", "hash_queue", "defer_transports",
                                      "delay_", "transport_", "maximal_", "minimal_",
                                      "bounce_queue", "deferred_", "showq_", "flush_",
                                      "fast_flush", "postqueue_", "pickup_",
                                      "confirm_delay", "qmqpd_", "trigger_",
                                      "enable_long_queue_ids", "duplicate_filter",
                                      "default_filter_nexthop", "local_destination_",
                                      "virtual_destination_", "shlib_", "long_queue"))
        or n in {"queue_directory", "default_transport_rate_delay",
                 "enable_long_queue_ids", "notify_classes", "delay_logging_resolution_limit",
                 "bounce_notice_recipient", "delay_notice_recipient",
                 "double_bounce_sender", "error_notice_recipient",
                 "2bounce_notice_recipient", "defer_service_name", "bounce_service_name",
                 "bounce_size_limit", "bounce_template_file", "backwards_bounce_logfile_compatibility",
                 "internal_mail_filter_classes", "content_filter", "authorized_flush_users",
                 "authorized_mailq_users", "mailq_path"}),
    ("delivery", lambda n: n.startswith(("local_", "virtual_mailbox", "virtual_minimum",
                                         "virtual_uid", "virtual_gid", "virtual_transport",
                                         "virtual_destination", "mailbox_", "home_mailbox",
                                         "forward_", "allow_mail_to", "command_",
                                         "fallback_transport", "luser_relay",
                                         "deliver_lock", "mail_spool", "biff",
                                         "prepend_delivered", "expand_owner",
                                         "owner_request", "recipient_delimiter",
                                         "sun_mailtool", "strict_mailbox", "export_environment",
                                         "error_", "discard_", "pipe_", "retry_",
                                         "stale_lock", "require_home", "allow_min_user",
                                         "enable_original_recipient", "lmdb_", "mailbox",
                                         "alias_", "frozen_delivered", "daemon_table",
                                         "virtual_mailbox_lock"))
        or n in {"virtual_mailbox_base", "virtual_mailbox_limit", "default_privs",
                 "local_command_shell", "newaliases_path", "process_id_directory",
                 "2bounce_notice_recipient"}),
    ("address", lambda n: n.startswith(("my", "append_", "canonical_", "sender_canonical",
                                         "recipient_canonical", "virtual_alias",
                                         "masquerade_", "relocated_", "swap_bangpath",
                                         "resolve_", "rewrite_service", "remote_header",
                                         "local_header", "empty_address", "address_",
                                         "propagate_", "relay_", "default_transport",
                                         "transport_maps", "virtual_", "sender_",
                                         "recipient_", "always_", "send_cyrus",
                                         "alternate_config", "allow_untrusted",
                                         "full_name_encoding", "smtputf8_autodetect",
                                         "undisclosed_", "owner_"))),
    ("cleanup", lambda n: n.startswith(("cleanup_", "header_", "body_", "mime_",
                                         "nested_header", "message_", "hopcount",
                                         "strict_7bit", "strict_8bit", "strict_mime",
                                         "disable_mime", "detect_8bit", "line_length",
                                         "enable_errors_to", "duplicate_", "extract_recipient",
                                         "receive_override", "non_smtpd", "info_log",
                                         "max_", "bounce_", "delay_", "2bounce",
                                         "internal_mail", "force_mime", "authorized_submit",
                                         "default_verp", "verp_", "disable_verp",
                                         "enable_orig", "local_header_rewrite",
                                         "dont_remove", "remote_header_rewrite",
                                         "allow_untrusted", "smtputf8", "show_user",
                                         "allow_min", "sendmail_fix", "postdrop",
                                         "submit_", "sendmail", "mailq", "newaliases",
                                         "inet_", "enable_long", "milter"))),
    ("logging", lambda n: n.startswith(("maillog_", "syslog_", "debug_", "postlog",
                                         "smtputf8_log", "daemon_", "show_", "soft_",
                                         "notify_", "helpful_", "meta_", "info_"))
        or n in {"debugger_command", "process_name", "service_name", "process_id",
                 "mail_name", "mail_version", "mail_release_date", "compatibility_level"}),
]
# Everything else: misc.rs (master, directories, ownership, IPC, databases ...).

# ---------------------------------------------------------------------------------------
# implemented: what the first issues of facteur act on.
IMPL_PREFIX = (
    "smtpd_", "cleanup_", "qmgr_", "queue_", "smtp_", "lmtp_", "local_", "virtual_",
    "default_destination_", "default_delivery_slot", "default_extra_recipient",
    "default_minimum_delivery", "default_recipient_", "initial_destination",
    "header_", "body_", "mime_", "nested_header", "message_", "bounce_", "delay_",
    "canonical_", "sender_canonical", "recipient_canonical", "masquerade_",
    "relocated_", "alias_", "mailbox_", "forward_", "command_", "maillog_", "syslog_",
    "debug_peer", "access_map_", "unknown_", "unverified_", "relay_", "transport_",
    "append_", "resolve_", "my", "maximal_", "minimal_", "hash_queue", "config_",
    "deliver_lock", "mail_", "lmdb_", "postlog", "error_", "2bounce", "double_bounce",
)
IMPL_EXCLUDE_PREFIX = (
    "smtpd_sasl_", "smtp_sasl_", "lmtp_sasl_", "smtpd_milter", "smtpd_tls_", "smtp_tls_",
    "lmtp_tls_", "smtpd_proxy_", "smtpd_upstream_proxy", "smtpd_client_auth_rate",
    "smtpd_client_new_tls", "smtpd_sender_login_maps", "smtpd_policy_service",
    "smtp_dns_reply_filter", "smtpd_dns_reply_filter", "lmtp_dns_reply_filter",
    "smtp_cname_overrides", "lmtp_cname", "smtpd_authorized_xclient",
    "smtpd_authorized_xforward", "smtp_send_xforward", "lmtp_send_xforward",
    "smtp_balance_inet", "lmtp_balance_inet", "smtp_tlsrpt", "smtpd_tls", "smtp_pix",
    "lmtp_pix", "smtp_per_request_deadline",
    "lmtp_per_request_deadline", "smtp_min_data_rate", "lmtp_min_data_rate",
    "smtp_address_verify_target", "lmtp_address_verify_target",
    "smtp_generic_maps", "lmtp_generic_maps", "smtp_header_checks", "lmtp_header_checks",
    "smtp_mime_header_checks", "lmtp_mime_header_checks", "smtp_nested_header_checks",
    "lmtp_nested_header_checks", "smtp_body_checks", "lmtp_body_checks",
    "smtp_delivery_status_filter", "lmtp_delivery_status_filter",
    "smtp_bind_address_enforce", "lmtp_bind_address_enforce",
    "lmtp_discard_ehlo_keyword_address_maps",
    "smtp_connection_cache", "lmtp_connection_cache", "smtp_connection_reuse",
    "lmtp_connection_reuse", "smtp_dns_resolver_options", "lmtp_dns_resolver_options",
    "virtual_maps", "smtpd_etrn_restrictions",
    "smtpd_command_filter", "bounce_template_file", "mailbox_command_maps",
    "mailbox_transport_maps", "local_delivery_status_filter",
    "virtual_delivery_status_filter", "smtpd_hide_client_session",
    "smtpd_per_request_deadline", "smtpd_min_data_rate",
)
IMPL_EXTRA = {
    "alternate_config_directories", "allow_mail_to_commands", "allow_mail_to_files",
    "always_bcc", "sender_bcc_maps", "recipient_bcc_maps", "biff", "default_privs",
    "default_process_limit", "default_transport", "default_database_type",
    "empty_address_recipient", "expand_owner_alias", "fallback_transport",
    "hopcount_limit", "home_mailbox", "inet_interfaces", "inet_protocols",
    "line_length_limit", "luser_relay", "mailbox_size_limit", "max_idle", "max_use",
    "owner_request_special", "prepend_delivered_header", "proxy_interfaces",
    "recipient_delimiter", "relayhost", "require_home_directory",
    "strict_rfc821_envelopes", "swap_bangpath", "allow_percent_hack",
    "virtual_alias_maps", "virtual_alias_domains", "virtual_alias_expansion_limit",
    "virtual_alias_recursion_limit", "permit_mx_backup_networks", "parent_domain_matches_subdomains",
    "reject_code", "defer_code", "invalid_hostname_reject_code", "non_fqdn_reject_code",
    "maps_rbl_reject_code", "default_rbl_reply", "rbl_reply_maps",
    "disable_vrfy_command", "plaintext_reject_code", "multi_recipient_bounce_reject_code",
    "soft_bounce", "notify_classes", "bounce_notice_recipient", "delay_notice_recipient",
    "error_notice_recipient", "2bounce_notice_recipient", "double_bounce_sender",
    "defer_transports", "disable_dns_lookups", "smtputf8_enable",
    "smtputf8_autodetect_classes", "strict_7bit_headers", "strict_8bitmime",
    "strict_8bitmime_body", "strict_mime_encoding_domain", "disable_mime_input_processing",
    "disable_mime_output_conversion", "detect_8bit_encoding_header",
    "queue_directory", "command_directory", "daemon_directory", "data_directory",
    "meta_directory", "sendmail_path", "newaliases_path", "mailq_path", "setgid_group",
    "mail_owner", "import_environment", "export_environment", "process_id_directory",
    "authorized_submit_users", "authorized_flush_users", "authorized_mailq_users",
    "fork_attempts", "fork_delay", "ipc_timeout", "ipc_idle", "ipc_ttl", "daemon_timeout",
    "trigger_timeout", "stale_lock_time", "in_flow_delay", "enable_long_queue_ids",
    "enable_original_recipient", "duplicate_filter_limit", "header_size_limit",
    "extract_recipient_limit", "receive_override_options", "content_filter",
    "internal_mail_filter_classes", "local_header_rewrite_clients",
    "remote_header_rewrite_domain", "empty_address_relayhost_maps_lookup_key",
    "sender_dependent_relayhost_maps", "sender_dependent_default_transport_maps",
    "transport_maps", "fast_flush_domains", "compatibility_level", "mail_name",
    "mail_version", "mail_release_date", "process_name", "process_id", "service_name",
    "syslog_facility", "syslog_name", "debug_peer_level", "debug_peer_list",
    "helpful_warnings", "show_user_unknown_table_name", "propagate_unmatched_extensions",
    "masquerade_classes", "masquerade_domains", "masquerade_exceptions",
    "local_transport", "virtual_transport", "relay_transport", "error_service_name",
    "pipe_delivery_status_filter", "command_execution_directory", "command_expansion_filter",
    "forward_expansion_filter", "mailbox_command", "mailbox_transport",
    "allow_min_user", "bounce_size_limit", "bounce_queue_lifetime", "frozen_delivered_to",
    "stress", "mydestination", "myorigin", "mynetworks", "mynetworks_style",
    "myhostname", "mydomain", "shlib_directory", "html_directory", "manpage_directory",
    "readme_directory", "sample_directory", "config_directory", "info_log_address_format",
    "full_name_encoding_charset",
}
IMPL_EXTRA |= {
    # SMTP smuggling defence (STYLE 15), rate limits' unit, tempfail actions.
    "smtpd_forbid_bare_newline", "smtpd_forbid_bare_newline_exclusions",
    "smtpd_forbid_bare_newline_reject_code", "anvil_rate_time_unit",
    "reject_tempfail_action", "strict_smtputf8", "smtpd_reject_footer_maps",
    "smtpd_discard_ehlo_keyword_address_maps", "smtp_discard_ehlo_keyword_address_maps",
    "ignore_mx_lookup_error", "lmtp_lhlo_name", "mail_spool_directory",
    # cleanup: Bcc removal, missing headers, bad characters.
    "message_drop_headers", "message_reject_characters", "message_strip_characters",
    "always_add_missing_headers", "undisclosed_recipients_header",
    "allow_untrusted_routing", "sendmail_fix_line_endings",
    "empty_address_default_transport_maps_lookup_key", "default_transport_rate_delay",
    # STARTTLS, server and client: the essential settings only.
    "smtpd_tls_security_level", "smtpd_tls_cert_file", "smtpd_tls_key_file",
    "smtpd_tls_chain_files", "smtpd_tls_auth_only", "smtpd_tls_loglevel",
    "smtpd_tls_received_header", "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols",
    "smtp_tls_security_level", "smtp_tls_CAfile", "smtp_tls_CApath", "smtp_tls_loglevel",
    "smtp_tls_protocols", "smtp_tls_mandatory_protocols",
}
IMPL_EXCLUDE = {
    "smtpd_sasl_auth_enable", "pipe_delivery_status_filter",
    "lmtp_sender_dependent_authentication", "smtp_sender_dependent_authentication",
}


def postconf(args):
    return subprocess.run([POSTCONF] + args, check=True, capture_output=True, text=True).stdout


def parse(text):
    d = {}
    for line in text.splitlines():
        k, _, v = line.partition(" =")
        d[k] = v[1:] if v.startswith(" ") else v
    return d


def manual():
    env = dict(os.environ, MANWIDTH="400")
    txt = subprocess.run(["man", "5", "postconf"], capture_output=True, text=True, env=env).stdout
    secs = {}
    pat = r"^([a-z0-9_]+) \(default: (.*?)\)\n(.*?)(?=^[a-z0-9_]+ \(default|\Z)"
    for m in re.finditer(pat, txt, re.S | re.M):
        secs[m.group(1)] = re.sub(r"\s+", " ", m.group(3))
    return secs


def classify(name, raw, expanded, man):
    """The Kind, as Rust text."""
    first = man.split(". ")[0] if man else ""
    if name in KIND_OVERRIDE:
        return KIND_OVERRIDE[name]
    if name == "process_id":
        return "Int { min: 0, max: INT_MAX }"
    if name in HOST and name != "mynetworks":
        return "Str"
    if expanded in ("yes", "no"):
        return "Bool"
    m = re.fullmatch(r"(\d+)([smhdw])", expanded)
    if m:
        unit = m.group(2)
        mu = re.search(r"default time unit is ([smhdw]) ", man)
        if mu and mu.group(1) != unit:
            sys.exit(f"{name}: default suffix {unit} but manual says {mu.group(1)}")
        nonzero = "non-zero time" in man or "nonzero time" in man or name in TIME_MIN1
        # The manual says "non-zero" also where 0 is the default that disables.
        min_ = 1 if nonzero and int(m.group(1)) > 0 else 0
        return f"Time {{ unit: '{unit}', min: {min_}, max: TIME_MAX }}"
    if re.fullmatch(r"-?\d+", expanded):
        if name in SIZE or (re.search(r"\bin bytes\b", first) and name not in NOT_SIZE):
            return "Size { min: 0 }"
        positive = re.search(r"greater than zero|must be positive|non-zero (?:value|number)", man)
        min_ = 1 if name in INT_MIN1 or (positive and int(expanded) > 0) else 0
        return f"Int {{ min: {min_}, max: INT_MAX }}"
    if name not in NOT_TABLE and (
        re.search(r"_maps?$|_checks$|_database$|_filter_maps$", name)
        or re.match(r"(Optional )?(lookup tables?|list of .*lookup tables)", first, re.I)):
        return "TableList"
    if name in LIST_EXTRA or re.search(
            r"(_restrictions|_domains|_classes|_networks|_list|_lists|_keywords|"
            r"_commands|_users|_clients|_exceptions|_options|_directories|_sites|_ports|"
            r"_macros|_names|_interfaces)$", name) or re.search(
            r"^(An? )?(optional )?list of", first, re.I):
        return "List"
    return "Str"


# Where the prefixes above put a name in the wrong file.
GROUP_OVERRIDE = {
    **{n: "cleanup" for n in ("always_add_missing_headers", "undisclosed_recipients_header")},
    **{n: "delivery" for n in ("virtual_delivery_status_filter",)},
    **{n: "misc" for n in (
        "max_idle", "max_use", "lmdb_map_size", "process_id_directory",
        "daemon_table_open_error_is_fatal", "command_directory", "newaliases_path",
        "mailq_path", "sendmail_path", "shlib_directory", "daemon_directory",
        "daemon_timeout", "meta_directory", "compatibility_level", "inet_interfaces",
        "inet_protocols", "proxy_interfaces", "trigger_timeout", "qmqpd_authorized_clients",
        "qmqpd_client_port_logging", "qmqpd_error_delay", "qmqpd_timeout")},
}


def group_of(name):
    if name in GROUP_OVERRIDE:
        return GROUP_OVERRIDE[name]
    for g, pred in GROUPS:
        if pred(name):
            return g
    return "misc"


def implemented(name):
    if name in IMPL_EXCLUDE:
        return False
    if name in IMPL_EXTRA:
        return True
    if name.startswith(IMPL_EXCLUDE_PREFIX):
        return False
    if name.startswith(("postscreen_", "tlsproxy_", "milter_", "tls_", "dnsblog_",
                        "postmulti_", "multi_instance_", "cyrus_sasl", "lmtp_sasl_",
                        "smtp_sasl", "qmqpd_", "tlsmgr_", "postlog")):
        return False
    return name.startswith(IMPL_PREFIX)


def load_docs():
    """params-gen/docs.tsv: one line per parameter, in our own words. LMTP and tlsproxy
    parameters that mirror an SMTP client or server one take its text."""
    docs = {}
    with open(os.path.join(HERE, "docs.tsv")) as f:
        for line in f:
            name, doc = line.rstrip("\n").split("\t")
            docs[name] = doc
    return docs


def lower_first(s):
    return s[0].lower() + s[1:] if len(s) > 1 and s[1].islower() else s


def doc_of(name, docs):
    if name in docs:
        return docs[name]
    if name.startswith("lmtp_") and "smtp_" + name[5:] in docs:
        return "LMTP client: " + lower_first(
            docs["smtp_" + name[5:]].replace("SMTP client", "LMTP client"))
    if name.startswith("tlsproxy_client_"):
        rest = name[len("tlsproxy_client_"):]
        for twin in ("smtp_tls_" + rest, "smtp_" + rest):
            if twin in docs:
                return "tlsproxy, client side: " + lower_first(docs[twin])
    if name.startswith("tlsproxy_"):
        rest = name[len("tlsproxy_"):]
        for twin in ("smtpd_" + rest,):
            if twin in docs:
                return "tlsproxy, server side: " + lower_first(docs[twin])
    sys.exit(f"{name}: no doc in docs.tsv")


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    with tempfile.TemporaryDirectory() as d:
        for f in ("main.cf", "master.cf"):
            open(os.path.join(d, f), "w").close()
        raw = parse(postconf(["-c", d, "-d"]))
        exp = parse(postconf(["-c", d, "-dx"]))
    man = manual()
    docs = load_docs()
    kinds = {n: classify(n, raw[n], exp[n], man.get(n, "")) for n in raw}
    # The manual documents most lmtp_* parameters by reference to their smtp_* twin:
    # give them the twin's kind and bounds.
    for n in raw:
        twin = "smtp_" + n[len("lmtp_"):]
        if n.startswith("lmtp_") and twin in kinds and n not in KIND_OVERRIDE:
            if kinds[twin].split(" ")[0] == kinds[n].split(" ")[0]:
                kinds[n] = kinds[twin]
    groups = {}
    for name in sorted(raw):
        kind = kinds[name]
        default = ("Host" if name in HOST else f"Text({FACTEUR[name]})" if name in FACTEUR
                   else f"Text({rust_str(raw[name])})")
        groups.setdefault(group_of(name), []).append(
            (name, kind, default, implemented(name), doc_of(name, docs)))
    for g, rows in sorted(groups.items()):
        path = os.path.join(OUT, f"{g}.rs")
        with open(path, "w") as f:
            head = "".join(f"//! {l}\n" for l in textwrap.wrap(DOCS[g], 88))
            f.write(head + "//!\n//! Generated by crates/config/params-gen/gen.py from Postfix 3.7 (Debian).\n"
                    "//! Committed and authoritative: nothing regenerates it at build time. To change\n"
                    "//! an entry, change the generator's tables and rerun it, so the two agree.\n\n"
                    "use super::Default::{Host, Text};\nuse super::Kind::*;\n"
                    "use super::{p, ParamDef, INT_MAX, TIME_MAX};\n\n"
                    "#[rustfmt::skip]\npub(super) const PARAMS: &[ParamDef] = &[\n")
            for name, kind, default, impl, doc in rows:
                f.write(f"    p({rust_str(name)}, {kind}, {default}, {'true' if impl else 'false'},\n"
                        f"      {rust_str(doc)}),\n")
            f.write("];\n")
        # silence unused-import warnings for files without Host/Text entries
        src = open(path).read()
        if "Host)" not in src and ", Host," not in src:
            src = src.replace("use super::Default::{Host, Text};", "use super::Default::Text;")
        if "INT_MAX" not in src.split("];")[0].split("= &[")[1]:
            src = src.replace("INT_MAX, ", "")
        if "TIME_MAX" not in src.split("= &[")[1]:
            src = src.replace(", TIME_MAX", "")
        open(path, "w").write(src)
        print(f"{g}: {len(rows)} ({sum(r[3] for r in rows)} implemented)")
    print("total", len(raw))


DOCS = {
    "smtpd": "Receiving side: the SMTP server (smtpd_*), its restrictions, reply codes, address verification and rate limits.",
    "smtp": "The SMTP client delivery agent (smtp_*), relayhost and connection caching.",
    "lmtp": "The LMTP client delivery agent (lmtp_*), the SMTP client's twin.",
    "queue": "Queue manager and queue: scheduling, concurrency, backoff, lifetimes, notices.",
    "delivery": "Local delivery agents: local, virtual, pipe, error, discard; aliases and mailboxes.",
    "address": "Addresses and routing: myhostname, mydomain, myorigin, mydestination, canonical, virtual alias, masquerading, relocated.",
    "cleanup": "Message intake: cleanup, header and body checks, MIME, size limits, sendmail/postdrop.",
    "tls": "TLS for the SMTP server and client, tlsproxy and tlsmgr.",
    "sasl": "SASL authentication for the SMTP server and clients.",
    "milter": "Milter (mail filter) protocol.",
    "postscreen": "postscreen and dnsblog.",
    "logging": "Logging, debugging and identity of the running program.",
    "misc": "Everything else: master, directories and ownership, IPC, databases, multi-instance.",
}

if __name__ == "__main__":
    main()
