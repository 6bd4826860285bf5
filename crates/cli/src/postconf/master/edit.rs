//! `-Me -Fe -Pe -MX -PX -M#`: in-place edits of master.cf.

use std::path::Path;

use super::{Fatal, MasterOptions, Report};

pub(super) fn run(opts: &MasterOptions, config_dir: &Path, report: &mut Report<'_>) -> Result<(), Fatal> {
    let _ = (opts, config_dir, report);
    Err(Fatal("master.cf editing is not implemented yet".to_owned()))
}
