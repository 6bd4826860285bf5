//! Being built (issue 3).
