//! Integration tests of tinhso-forms: one test binary, one module per concern.

mod fixtures;
mod pdf_tools;
mod qr;
mod register;
mod render;
