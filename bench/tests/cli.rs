//! The `tinhso-bench` binary starts and offers the suite `scripts/bench` runs. Having an
//! integration test here also makes `cargo test` build `target/debug/tinhso-bench`, which
//! `scripts/test` reuses for the short benchmark run (docs/TESTING.md).

use std::process::Command;

#[test]
fn help_offers_the_suite_and_its_short_mode() {
    let out = Command::new(env!("CARGO_BIN_EXE_tinhso-bench"))
        .args(["suite", "--help"])
        .output()
        .expect("the tinhso-bench binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("--short") && text.contains("--engine"),
        "{text}"
    );
}
