//! Integration tests of tinhso-search: one test binary (link time adds up).

mod demo_data;
mod search;
