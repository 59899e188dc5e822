//! Integration tests of tinhso-calendar: one test binary, one module per subject.

mod lunar;
