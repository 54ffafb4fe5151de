//! `--principal EMAIL`: running as someone named in `access.ron`, for an
//! OpenSSH forced command (`command="ripen --principal ada@example.com
//! --state /srv/register/state",restrict,pty ssh-ed25519 ...` in
//! `authorized_keys`) and for every command `ripen serve` runs for a
//! client.
//!
//! The principal's name and email author every commit; their role limits
//! what the operations do (see [`crate::access::Role::permits`]). The
//! command comes from `SSH_ORIGINAL_COMMAND` when the command line names
//! none; it may not name another register (`--state`), another principal,
//! or a file on this machine (`export --output`, `import FILE`,
//! `--mapping`), and commands that create registers or repositories on
//! this machine (`init`, `demo`) are not offered.

use super::{Cli, Command, Failure};
use crate::access::{Act, Permit, Principal};

/// The environment variable OpenSSH sets to the command a client asked
/// for when a forced command runs instead.
pub const ORIGINAL_COMMAND: &str = "SSH_ORIGINAL_COMMAND";

/// Words a client may not pass: they would choose another register or
/// another identity than the one this principal was given.
const FORBIDDEN: &[&str] = &["--state", "--principal"];

/// The command line to run for a principal: `args` (the process's own,
/// the forced command) followed by the client's `original` command split
/// as a POSIX shell would (without running one).
pub fn with_original(args: Vec<String>, original: &str) -> Result<Vec<String>, Failure> {
    let words = shell_words::split(original).map_err(|e| {
        Failure::new(format!(
            "cannot read the command `{}`: {e}; quote it as a POSIX shell would",
            crate::text::sanitize(original)
        ))
    })?;
    for w in &words {
        if FORBIDDEN
            .iter()
            .any(|f| w == f || w.starts_with(&format!("{f}=")))
        {
            return Err(Failure::new(format!(
                "{} is fixed for this connection; leave it out",
                w.split('=').next().unwrap_or(w)
            )));
        }
    }
    let mut all = args;
    all.extend(words);
    Ok(all)
}

/// Refuses what a principal may not ask of this machine, whatever their
/// role; the operations check the rest against the role.
pub fn check(cli: &Cli, principal: &Principal) -> Result<(), Failure> {
    let Some(command) = &cli.command else {
        return Ok(()); // the terminal UI, which asks the operations too
    };
    let not_here = |what: &str| {
        Err(Failure::new(format!(
            "`{what}` is not available over this connection; it works on a local copy of the register"
        )))
    };
    match command {
        Command::Init { .. } => not_here("init"),
        Command::Demo { .. } => not_here("demo"),
        Command::Serve { .. } => not_here("serve"),
        Command::New { no_commit, .. } => {
            if *no_commit {
                return not_here("new --no-commit");
            }
            match principal.role.permits(Act::ChangeUseCase) {
                Permit::Yes => Ok(()),
                Permit::No(why) => Err(Failure::new(why)),
                Permit::AsProposal => Err(Failure::new(format!(
                    "your role is {}: a new use case is proposed from the terminal UI (n), or added by a Reviewer",
                    principal.role
                ))),
            }
        }
        Command::Export { args, .. } if args.output.is_some() => Err(Failure::new(
            "export --output writes a file on the server; leave it out and redirect the output on your side".to_owned(),
        )),
        Command::Import { args, .. } => {
            if args.file.as_os_str() != "-" {
                return Err(Failure::new(
                    "import reads a file on the server; pass `-` and send the CSV on standard input (ssh HOST import - --preset ... < file.csv)".to_owned(),
                ));
            }
            if args.mapping.is_some() {
                return Err(Failure::new(
                    "--mapping names a file on the server; use --preset".to_owned(),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The principal `email` of `access.ron` at HEAD, or why there is none.
pub fn resolve(ctx: &crate::ops::Context, email: &str) -> Result<Principal, Failure> {
    let access = crate::ops::load::access_at_head(ctx).map_err(|e| Failure::new(e.to_string()))?;
    let Some(access) = access else {
        return Err(Failure::new(format!(
            "--principal needs {}/{} committed at HEAD, listing who may do what (see docs/serve.md)",
            ctx.state_dir.display(),
            crate::access::ACCESS_FILE
        )));
    };
    access.by_email(email).cloned().ok_or_else(|| {
        Failure::new(format!(
            "no principal {} in access.ron at HEAD; an Admin adds them (see docs/serve.md)",
            crate::text::sanitize(email)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_command_is_split_as_a_shell_would_without_one() {
        let all = with_original(
            vec!["ripen".into(), "--principal".into(), "a@b".into()],
            "move claims-triage FineTune --because 'eval passed; ship it'",
        )
        .unwrap();
        assert_eq!(
            &all[3..],
            [
                "move",
                "claims-triage",
                "FineTune",
                "--because",
                "eval passed; ship it"
            ]
        );
        // Shell syntax is just text: no second command, no substitution.
        let all = with_original(vec![], "list; rm -rf / $(id)").unwrap();
        assert_eq!(all, ["list;", "rm", "-rf", "/", "$(id)"]);
    }

    #[test]
    fn another_register_or_principal_cannot_be_asked_for() {
        for bad in [
            "list --state /etc",
            "--state=/tmp list",
            "list --principal boss@example.com",
        ] {
            let Err(Failure::Message(m)) = with_original(vec![], bad) else {
                panic!("{bad} was accepted")
            };
            assert!(m.contains("fixed for this connection"), "{m}");
        }
        assert!(with_original(vec![], "list 'unclosed").is_err());
    }
}
