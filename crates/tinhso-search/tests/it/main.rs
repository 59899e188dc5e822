//! Integration tests of tinhso-search: one test binary (link time adds up).

mod search;
