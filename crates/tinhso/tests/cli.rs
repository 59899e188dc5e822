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

/// `tinhso objects sweep` removes an old upload nothing cites, keeps a recent one, and a dry run
/// removes nothing.
#[test]
fn objects_sweep_removes_old_uncited_uploads() {
    let dir = std::env::temp_dir().join(format!("tinhso_cli_sweep_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let place = |bytes: &[u8]| {
        let hash = tinhso_objects::ContentHash::of(bytes).to_hex();
        let folder = dir.join("objects").join(&hash[..2]).join(&hash[2..4]);
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(&hash);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let old = place(b"%PDF-1.4 abandoned upload");
    let recent = place(b"%PDF-1.4 upload of this morning");
    let ten_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(10 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(ten_days_ago)
        .unwrap();
    let data_dir = dir.to_str().unwrap();

    let (ok, text) = tinhso(&["--data-dir", data_dir, "objects", "sweep", "--dry-run"]);
    assert!(ok, "{text}");
    assert!(text.contains("would remove: 1"), "{text}");
    assert!(old.exists() && recent.exists());

    let (ok, text) = tinhso(&["--data-dir", data_dir, "objects", "sweep"]);
    assert!(ok, "{text}");
    assert!(text.contains("removed: 1"), "{text}");
    assert!(!old.exists(), "the old uncited upload is gone");
    assert!(recent.exists(), "the recent one stays");

    let (ok, text) = tinhso(&["objects", "sweep", "--grace-days", "x"]);
    assert!(!ok && text.contains("--grace-days"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
