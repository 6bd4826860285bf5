//! aliases(5) source syntax, shared by postalias and local delivery: being built (issue 3).
