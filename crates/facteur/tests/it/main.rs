//! Integration tests: one binary (fast linking), one module per area. Each test runs
//! the real `facteur` binary, and the differential ones run Postfix 3.7's own command
//! beside it on the same input and compare what an administrator would see.

mod support;

mod daemon;
mod layers;

mod postalias_diff;
mod postconf_diff;
mod postconf_master;
mod postmap_diff;
