//! The command line's shape: each command lists only the options it
//! accepts, and the shell completions and manual pages generated from the
//! same definitions cover every command.

mod support;

use std::process::Command;

use support::run::Run;

fn ripen(args: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    support::run::ripen(args).cwd(tmp.path()).run()
}

/// The long options a command's help lists.
fn options(command: &[&str]) -> Vec<String> {
    let mut args = command.to_vec();
    args.push("--help");
    let out = ripen(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut found: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            // `-m, --because <TEXT>`: the long form after the short one.
            let l = match l.split_once(", ") {
                Some((short, rest)) if short.len() == 2 && short.starts_with('-') => rest,
                _ => l,
            };
            l.strip_prefix("--")
                .map(|o| o.split([' ', '=']).next().unwrap().to_owned())
        })
        .filter(|o| o != "help" && o != "version")
        .collect();
    found.sort();
    found
}

#[test]
fn each_command_lists_only_the_options_it_accepts() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["init"], &["name"]),
        (&["new"], &["no-commit", "owner", "state", "team", "title"]),
        (&["validate"], &["as-of", "format", "rev", "state"]),
        (&["ready"], &["all", "as-of", "format", "rev", "state"]),
        (&["list"], &["as-of", "format", "rev", "state"]),
        (
            &["move"],
            &["as-of", "because", "no-verify", "override", "state"],
        ),
        (&["fmt"], &["check", "state"]),
        (&["diff"], &["as-of", "format", "state"]),
        (&["history"], &["format", "rev", "state"]),
        (
            &["proposals", "accept"],
            &[
                "allow-other-files",
                "as-of",
                "override",
                "state",
                "tip",
                "yes",
            ],
        ),
        (
            &["review", "close"],
            &["allow-open", "as-of", "message", "rev", "state"],
        ),
        (&["review", "list"], &["as-of", "format", "state"]),
        (&["review", "agenda"], &["as-of", "format", "state"]),
        (&["review", "start"], &["as-of", "attendee", "state"]),
        (
            &["review", "decide"],
            &["action", "as-of", "because", "override", "state", "to"],
        ),
        (&["review", "approve"], &["as-of", "because", "state"]),
        (&["verify"], &["format", "state"]),
        (&["report"], &["as-of", "format", "since", "state", "until"]),
        (&["completions"], &[]),
    ];
    for (command, expected) in cases {
        assert_eq!(options(command), *expected, "ripen {command:?} --help");
    }
}

#[test]
fn options_before_the_command_still_work_and_are_refused_where_they_do_not_apply() {
    // Before the command, as documented: parsed, then refused by init.
    let out = ripen(&["--rev", "HEAD", "init"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("takes neither --rev nor --as-of"),
        "{}",
        out.stderr
    );
    // After it, init has no such option at all.
    let out = ripen(&["init", "--as-of", "2026-01-01"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unexpected argument '--as-of'"),
        "{}",
        out.stderr
    );
}

const COMMANDS: &[&str] = &[
    "init",
    "demo",
    "new",
    "validate",
    "ready",
    "list",
    "move",
    "fmt",
    "diff",
    "history",
    "import",
    "export",
    "proposals",
    "review",
    "report",
    "completions",
    "man",
];

#[test]
fn bash_completion_offers_every_command_and_is_valid_bash() {
    let out = ripen(&["completions", "bash"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("complete -F _ripen"), "{}", out.stdout);
    let opts = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("opts=\"") && l.contains(" init "))
        .unwrap_or_else(|| panic!("no top-level word list:\n{}", out.stdout));
    for c in COMMANDS {
        assert!(opts.contains(&format!(" {c} ")), "{c} missing from {opts}");
    }
    // `ripen new` completes its own options.
    assert!(out.stdout.contains("--no-commit"), "{}", out.stdout);
    if Command::new("bash").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("ripen.bash");
        std::fs::write(&script, &out.stdout).unwrap();
        let check = Command::new("bash")
            .arg("-n")
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

#[test]
fn zsh_and_fish_completions_name_the_commands() {
    let zsh = ripen(&["completions", "zsh"]);
    assert_eq!(zsh.code, 0);
    assert!(zsh.stdout.starts_with("#compdef ripen"), "{}", zsh.stdout);
    let fish = ripen(&["completions", "fish"]);
    assert_eq!(fish.code, 0);
    for c in COMMANDS {
        assert!(zsh.stdout.contains(&format!("'{c}:")), "zsh: {c}");
        assert!(fish.stdout.contains(&format!("-a \"{c}\"")), "fish: {c}");
    }
    let bad = ripen(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn the_man_page_lists_every_command_and_each_has_its_own_page() {
    let out = ripen(&["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(".TH ripen 1"), "{}", out.stdout);
    assert!(out.stdout.contains(".SH SUBCOMMANDS"), "{}", out.stdout);
    for c in COMMANDS {
        assert!(
            out.stdout.contains(&format!("ripen\\-{c}(1)")),
            "{c} missing from the man page"
        );
    }
    let init = ripen(&["man", "init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(init.stdout.contains(".TH ripen-init 1"), "{}", init.stdout);
    assert!(init.stdout.contains("\\-\\-name"), "{}", init.stdout);
    assert!(!init.stdout.contains("\\-\\-rev"), "{}", init.stdout);

    let bad = ripen(&["man", "frobnicate"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("one of init, demo, new"),
        "{}",
        bad.stderr
    );
}
