//! Integration tests of tinhso-calendar: one test binary, one module per subject.

mod due;
mod holidays;
mod lunar;
mod props;
mod report;
