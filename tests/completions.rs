//! The generated completion files in `completions/` must match what the CLI definition
//! produces today; regenerate them with `keyctl completions SHELL > completions/...`.

mod common;

#[test]
fn committed_completions_match_the_cli() {
    for (shell, file) in [("bash", "keyctl.bash"), ("zsh", "_keyctl"), ("fish", "keyctl.fish")] {
        let out = common::keyctl().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let committed = std::fs::read(format!("{}/completions/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(
            committed == out.stdout,
            "completions/{file} is out of date; run: keyctl completions {shell} > completions/{file}"
        );
    }
}

#[test]
fn completions_need_no_store() {
    let out =
        common::keyctl().env("KEYCTL_STORE", "/nonexistent/keyctl.db").args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("keyctl"));
}
