//! The `tinhso` binary itself starts and parses its command line. Having an integration test
//! here also makes `cargo test` build `target/debug/tinhso` with the test build's features, which
//! `scripts/test` then reuses for the short crash test and schemathesis runs instead of a second
//! build of every dependency (docs/TESTING.md).

use std::process::Command;

fn tinhso(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tinhso"))
        .args(args)
        .output()
        .expect("the tinhso binary runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn help_lists_the_commands_the_scripts_use() {
    let (ok, text) = tinhso(&["--help"]);
    assert!(ok, "{text}");
    for command in ["serve", "demo", "audit"] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
    let (ok, text) = tinhso(&["--version"]);
    assert!(ok && text.starts_with("tinhso "), "{text}");
}

#[test]
fn an_unknown_command_is_refused() {
    let (ok, text) = tinhso(&["no-such-command"]);
    assert!(!ok, "{text}");
    assert!(text.contains("no-such-command"), "{text}");
}
