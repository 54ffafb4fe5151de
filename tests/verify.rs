//! `ripen verify` on real repositories whose commits git signed with
//! `ssh-keygen -Y sign` (`gpg.format=ssh`): a correctly signed commit, an
//! unsigned one, one signed with another principal's key, and a Viewer
//! changing the policy, each reported as it should be; and the allowed
//! signers file when the register has no `access.ron`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::data::repo_with_shipped_state;
use support::need::{Need, machine_has};
use support::repo::{git, rev_parse};
use support::run::ripen_env;

/// Makes an Ed25519 key pair `dir/name` (no passphrase); returns the
/// private key's path and the public key's line.
fn key(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_owned())
}

/// Commits everything under `state` as `name <email>`, signed with `key`
/// when given (through git's own `gpg.format=ssh`).
fn commit(root: &Path, name: &str, email: &str, key: Option<&Path>, message: &str) {
    let mut args: Vec<String> = vec![
        "-c".into(),
        format!("user.name={name}"),
        "-c".into(),
        format!("user.email={email}"),
        "-c".into(),
        "gpg.format=ssh".into(),
    ];
    if let Some(k) = key {
        args.push("-c".into());
        args.push(format!("user.signingkey={}", k.display()));
    }
    args.extend(["commit".into(), "-q".into(), "-a".into()]);
    if key.is_some() {
        args.push("-S".into());
    }
    args.extend(["-m".into(), message.into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = git(root, &refs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn touch_notes(state: &Path, id: &str, text: &str) {
    let path = state.join(format!("use-cases/{id}.ron"));
    let body = std::fs::read_to_string(&path).unwrap();
    let at = body.find("    notes: ").unwrap();
    let end = at + body[at..].find('\n').unwrap();
    let body = format!("{}    notes: \"{text}\",{}", &body[..at], &body[end..]);
    std::fs::write(&path, body).unwrap();
}

fn head(root: &Path) -> String {
    rev_parse(root, "HEAD")
}

#[test]
fn verify_names_each_violation_with_commit_author_and_reason() {
    if !machine_has("verify_names_each_violation", &[Need::Git, Need::SshKeygen]) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let root = dir.path();
    let keys = tempfile::tempdir().unwrap();
    let (alice, alice_pub) = key(keys.path(), "alice");
    let (bob, bob_pub) = key(keys.path(), "bob");
    let (vic, vic_pub) = key(keys.path(), "vic");
    std::fs::write(
        state.join("access.ron"),
        format!(
            "Access(\n    principals: [\n        (name: \"Alice Admin\", email: \"alice@example.com\", role: Admin, keys: [\"{alice_pub}\"]),\n        (name: \"Bob Reviewer\", email: \"bob@example.com\", role: Reviewer, keys: [\"{bob_pub}\"]),\n        (name: \"Vic Viewer\", email: \"vic@example.com\", role: Viewer, keys: [\"{vic_pub}\"]),\n    ],\n)\n"
        ),
    )
    .unwrap();
    git(root, &["add", "state/access.ron"]);
    commit(
        root,
        "Alice Admin",
        "alice@example.com",
        Some(&alice),
        "Who may change the register",
    );
    let base = head(root);

    // A correctly signed change by a Reviewer.
    touch_notes(&state, "customer-faq", "Reviewed by Bob.");
    commit(
        root,
        "Bob Reviewer",
        "bob@example.com",
        Some(&bob),
        "customer-faq: notes",
    );
    let good = head(root);
    // An unsigned change.
    touch_notes(&state, "kb-search", "Unsigned edit.");
    commit(
        root,
        "Bob Reviewer",
        "bob@example.com",
        None,
        "kb-search: notes",
    );
    let unsigned = head(root);
    // Bob as author, signed with Vic's key.
    touch_notes(&state, "hr-policy-qa", "Signed with someone else's key.");
    commit(
        root,
        "Bob Reviewer",
        "bob@example.com",
        Some(&vic),
        "hr-policy-qa: notes",
    );
    let borrowed = head(root);
    // A Viewer changing the policy, with their own key.
    let policy = std::fs::read_to_string(state.join("policy.ron"))
        .unwrap()
        .replace("min_curated_examples: 1000", "min_curated_examples: 10");
    std::fs::write(state.join("policy.ron"), policy).unwrap();
    commit(
        root,
        "Vic Viewer",
        "vic@example.com",
        Some(&vic),
        "Lower the data bar",
    );
    let viewer = head(root);
    // A commit outside the state directory is not checked.
    std::fs::write(root.join("README"), "hello\n").unwrap();
    git(root, &["add", "README"]);
    commit(root, "Bob Reviewer", "bob@example.com", None, "Readme");

    let range = format!("{base}..HEAD");
    let out = ripen_env(&state, &["verify", &range, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "violations exit 1");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let commits = json["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 4, "{json:#}");
    let by = |id: &str| commits.iter().find(|c| c["commit"] == id).unwrap();
    assert_eq!(by(&good)["state"], "verified");
    assert_eq!(by(&good)["principal"], "bob@example.com");
    assert!(by(&good)["key"].as_str().unwrap().starts_with("SHA256:"));
    assert_eq!(by(&good)["violations"].as_array().unwrap().len(), 0);
    assert_eq!(by(&unsigned)["state"], "unsigned");
    assert_eq!(by(&borrowed)["state"], "other-principal");
    assert_eq!(by(&borrowed)["principal"], "vic@example.com");
    assert_eq!(by(&viewer)["state"], "verified");
    assert_eq!(by(&viewer)["needs"], "Admin");
    assert_eq!(by(&viewer)["role"], "Viewer");

    let out = ripen_env(&state, &["verify", &range], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("verified: bob@example.com"), "{text}");
    assert!(text.contains("unsigned"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    let short = |id: &str| id[..7].to_owned();
    assert!(
        err.contains(&format!(
            "{} Bob Reviewer <bob@example.com>: the commit is not signed",
            short(&unsigned)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{} Bob Reviewer <bob@example.com>: signed by a key of vic@example.com, not of the author bob@example.com",
            short(&borrowed)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{} Vic Viewer <vic@example.com>: vic@example.com is a Viewer in access.ron; this change needs Admin",
            short(&viewer)
        )),
        "{err}"
    );
    assert!(!err.contains(&short(&good)), "{err}");

    // Only the good commit: exit 0.
    let out = ripen_env(&state, &["verify", &format!("{base}..{good}")], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn without_access_ron_keys_come_from_the_allowed_signers_file() {
    if !machine_has("verify_allowed_signers", &[Need::Git, Need::SshKeygen]) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let root = dir.path();
    let base = head(root);
    let keys = tempfile::tempdir().unwrap();
    let (alice, alice_pub) = key(keys.path(), "alice");
    let (mallory, _) = key(keys.path(), "mallory");
    let signers = keys.path().join("allowed_signers");
    std::fs::write(&signers, format!("alice@example.com {alice_pub}\n")).unwrap();
    git(
        root,
        &[
            "config",
            "gpg.ssh.allowedSignersFile",
            signers.to_str().unwrap(),
        ],
    );
    touch_notes(&state, "customer-faq", "Signed by Alice.");
    commit(
        root,
        "Alice",
        "alice@example.com",
        Some(&alice),
        "customer-faq: notes",
    );
    let out = ripen_env(&state, &["verify", &format!("{base}..HEAD")], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("verified: alice@example.com"));

    touch_notes(&state, "kb-search", "Signed by an unknown key.");
    commit(
        root,
        "Alice",
        "alice@example.com",
        Some(&mallory),
        "kb-search: notes",
    );
    let out = ripen_env(&state, &["verify", &format!("{base}..HEAD")], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("that belongs to no principal"), "{err}");
}
