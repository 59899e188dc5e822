//! Integration tests of tinhso-objects: one binary (see the style guide), one module per concern.

mod checking;
mod fixtures;
mod local_store;
mod names;
mod properties;
mod sniffing;
