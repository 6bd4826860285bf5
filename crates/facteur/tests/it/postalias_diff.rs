//! postalias and newaliases against Postfix 3.7's, one fixture per case under
//! `data/postalias/` (the case format is described in `postmap_diff.rs`).

use crate::postmap_diff::{cases, run_case};

cases!("postalias":
    build_and_query,
    malformed_aliases,
    incremental_and_delete,
    command_line_errors,
    newaliases,
    newaliases_missing_source,
    other_types,
    newaliases_config_directory,
);
