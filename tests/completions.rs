//! The generated completion files in `completions/` and man pages in `man/` must match
//! the CLI definition; regenerate with `keyctl completions SHELL > completions/...` and
//! `keyctl man --out-dir man`.

mod common;

#[test]
fn committed_completions_match_the_cli() {
    for (shell, file) in [("bash", "keyctl.bash"), ("zsh", "_keyctl"), ("fish", "keyctl.fish")] {
        let out = common::keyctl().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let committed = std::fs::read(format!("{}/completions/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(committed == out.stdout, "completions/{file} is out of date; run: scripts/generate.sh");
    }
}

#[test]
fn completions_need_no_store() {
    let out =
        common::keyctl().env("KEYCTL_STORE", "/nonexistent/keyctl.db").args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("keyctl"));
}

#[test]
fn committed_man_pages_match_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::keyctl().args(["man", "--out-dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    let mut have: Vec<_> = std::fs::read_dir(&committed).unwrap().map(|e| e.unwrap().file_name()).collect();
    have.sort();
    assert_eq!(names, have, "man/ is out of date; run: scripts/generate.sh");
    for name in names {
        let fresh = std::fs::read(dir.path().join(&name)).unwrap();
        let old = std::fs::read(committed.join(&name)).unwrap();
        assert!(fresh == old, "man/{} is out of date; run: scripts/generate.sh", name.to_string_lossy());
    }
}

#[test]
fn keyctl_man_prints_the_main_page() {
    let out = common::keyctl().arg("man").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(".TH keyctl 1"), "{text}");
    assert!(text.contains("service\\-account") || text.contains("service-account"));
}
