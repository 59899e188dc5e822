//! # tinhso-domain
//!
//! The rules of tinhso, pure: no I/O, no async, no SQL, no HTTP. Storage persists what the
//! domain decides; the web layer only translates.
//!
//! - [`catalog`]: administrative procedures (TTHC), versioned, and the parsers of catalog files.
//! - [`agency`]: agencies with their e-ID (QĐ 20/2020), levels, validity and succession.
//! - [`units`]: administrative units (province, commune; legacy districts) with validity periods.
//! - [`identity`]: citizen sign-up input (phone, e-mail, password policy, personal ID number)
//!   and e-ID levels (NĐ 69/2024).
//! - [`text`]: Vietnamese text folding for diacritic-insensitive search (`đ` → `d`).
//! - The working-time clock lives in its own crate, `tinhso-calendar`, re-exported as [`calendar`].

pub use tinhso_calendar as calendar;

pub mod agency;
pub mod catalog;
pub mod dossier;
pub mod identity;
pub mod kpi;
pub mod text;
pub mod units;
