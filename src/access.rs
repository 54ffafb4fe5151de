//! Who may do what: `state/access.ron`, the register's own list of
//! principals (a name, an email, a role, the SSH public keys they sign in
//! with), reviewed and versioned like every other register file.
//!
//! Pure: parsing lives in [`crate::register`], this module holds the model,
//! its validation, the lookup of a key or an email, and the rule of what a
//! [`Role`] allows. The SSH server ([`crate::serve`]) and the command line's
//! `--principal` read the file from the served branch's HEAD and act on it.

use serde::{Deserialize, Serialize};

use crate::register::{Seg, Severity};
use crate::validate::Finding;

/// The access file, relative to the state directory.
pub const ACCESS_FILE: &str = "access.ron";

/// `access.ron`: every principal that may sign in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Access", deny_unknown_fields)]
pub struct Access {
    /// The principals, in the order the file lists them.
    pub principals: Vec<Principal>,
}

/// One person (or robot) who may sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    /// The name their commits are authored with.
    pub name: String,
    /// The email their commits are authored with; also how `--principal`
    /// names them.
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Their SSH public keys, as OpenSSH writes them
    /// (`ssh-ed25519 AAAAC3Nza... ada@laptop`).
    #[serde(default)]
    pub keys: Vec<String>,
}

/// What a principal may do, each role including the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Every change becomes a proposal branch; the served branch is never
    /// touched.
    Proposer,
    /// Changes the served branch, accepts proposals, closes reviews.
    Reviewer,
    /// Also changes `policy.ron` and `access.ron`.
    Admin,
}

/// Something a principal may ask for, checked against their [`Role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Read anything.
    Read,
    /// Change a use case (on the served branch, or as a proposal).
    ChangeUseCase,
    /// Accept or reject a proposal branch.
    Accept,
    /// Start, decide in, approve or close a review.
    Review,
    /// Import use cases, or rewrite files in canonical form.
    Bulk,
    /// Change `policy.ron` or `access.ron`.
    Govern,
}

/// What a role's request turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permit {
    /// Done as asked.
    Yes,
    /// Done as a proposal branch instead of on the served branch.
    AsProposal,
    /// Refused; the message says why, in the words every front end shows.
    No(String),
}

impl Role {
    /// The role's name as written in `access.ron`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Proposer => "Proposer",
            Role::Reviewer => "Reviewer",
            Role::Admin => "Admin",
        }
    }

    /// Whether (and how) this role may do `act`.
    pub fn permits(self, act: Act) -> Permit {
        let need = match act {
            Act::Read => return Permit::Yes,
            Act::ChangeUseCase => match self {
                Role::Viewer => Role::Proposer,
                Role::Proposer => return Permit::AsProposal,
                _ => return Permit::Yes,
            },
            Act::Accept | Act::Review | Act::Bulk => Role::Reviewer,
            Act::Govern => Role::Admin,
        };
        if self >= need {
            return Permit::Yes;
        }
        let what = match act {
            Act::Read => "read",
            Act::ChangeUseCase => "change use cases (a Proposer's changes become proposals)",
            Act::Accept => "accept proposals",
            Act::Review => "run reviews",
            Act::Bulk => "import or reformat the register",
            Act::Govern => "change policy.ron or access.ron",
        };
        let prefix = if self == Role::Viewer {
            "read-only: "
        } else {
            ""
        };
        Permit::No(format!(
            "{prefix}your role is {}; only a {} or above may {what}",
            self.name(),
            need.name()
        ))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An OpenSSH public key line split into what identifies the key: its
/// algorithm and its base64 body (the comment does not count).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId {
    /// E.g. `ssh-ed25519`.
    pub algorithm: String,
    /// The base64 key body.
    pub body: String,
}

/// Key algorithms OpenSSH signs in with.
const ALGORITHMS: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

impl KeyId {
    /// Parses `algorithm base64 [comment]`, or says what is wrong.
    pub fn parse(line: &str) -> Result<KeyId, String> {
        let mut words = line.split_whitespace();
        let (Some(algorithm), Some(body)) = (words.next(), words.next()) else {
            return Err(
                "a key is an OpenSSH public key line, `ssh-ed25519 AAAA... comment` (the contents of id_ed25519.pub)"
                    .to_owned(),
            );
        };
        if !ALGORITHMS.contains(&algorithm) {
            return Err(format!(
                "`{}` is not an SSH key type ripen knows; use one of {}",
                crate::text::sanitize(algorithm),
                ALGORITHMS.join(", ")
            ));
        }
        let base64 = body.len() % 4 == 0
            && body
                .trim_end_matches('=')
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
            && body.len() - body.trim_end_matches('=').len() <= 2;
        if !base64 || body.len() < 16 {
            return Err(
                "the key's second word is not a base64 key body; paste the whole line of the .pub file"
                    .to_owned(),
            );
        }
        Ok(KeyId {
            algorithm: algorithm.to_owned(),
            body: body.to_owned(),
        })
    }
}

impl Access {
    /// The principal whose listed keys include `key`.
    pub fn by_key(&self, key: &KeyId) -> Option<&Principal> {
        self.principals.iter().find(|p| {
            p.keys
                .iter()
                .any(|k| KeyId::parse(k).ok().as_ref() == Some(key))
        })
    }

    /// The principal with this email (compared without case).
    pub fn by_email(&self, email: &str) -> Option<&Principal> {
        self.principals
            .iter()
            .find(|p| p.email.eq_ignore_ascii_case(email.trim()))
    }
}

/// Semantic checks of `access.ron` beyond parsing: names, emails, keys,
/// duplicates.
pub fn validate(access: &Access) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |severity, path: Vec<Seg>, message: String| {
        out.push(Finding {
            severity,
            path,
            message,
        })
    };
    let mut emails: Vec<(String, usize)> = Vec::new();
    let mut keys: Vec<(KeyId, usize)> = Vec::new();
    if access.principals.is_empty() {
        push(
            Severity::Warning,
            vec![Seg::Field("principals")],
            "no principals: nobody can sign in to `ripen serve`; add one per person with their role and key".to_owned(),
        );
    }
    for (i, p) in access.principals.iter().enumerate() {
        let at = |field| vec![Seg::Field("principals"), Seg::Index(i), Seg::Field(field)];
        if p.name.trim().is_empty() {
            push(
                Severity::Error,
                at("name"),
                "name is empty; write the name their commits are authored with".to_owned(),
            );
        }
        if p.name.chars().any(crate::text::is_unsafe) || p.email.chars().any(crate::text::is_unsafe)
        {
            push(
                Severity::Error,
                at(if p.name.chars().any(crate::text::is_unsafe) {
                    "name"
                } else {
                    "email"
                }),
                "contains control characters; write plain text".to_owned(),
            );
        }
        let email = p.email.trim();
        let well_formed = email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && !email.contains(char::is_whitespace)
            && !email.contains(['<', '>']);
        if !well_formed {
            push(
                Severity::Error,
                at("email"),
                format!(
                    "`{}` is not an email address; write the one their commits are authored with",
                    crate::text::sanitize(email)
                ),
            );
        } else if let Some((_, first)) = emails.iter().find(|(e, _)| e.eq_ignore_ascii_case(email))
        {
            push(
                Severity::Error,
                at("email"),
                format!(
                    "{} is already principal {} of this list; one principal per person",
                    crate::text::sanitize(email),
                    first + 1
                ),
            );
        } else {
            emails.push((email.to_owned(), i));
        }
        if p.keys.is_empty() {
            push(
                Severity::Warning,
                at("keys"),
                "no keys: this principal cannot sign in to `ripen serve` (`--principal` still names them)".to_owned(),
            );
        }
        for (k, line) in p.keys.iter().enumerate() {
            let path = vec![
                Seg::Field("principals"),
                Seg::Index(i),
                Seg::Field("keys"),
                Seg::Index(k),
            ];
            match KeyId::parse(line) {
                Err(why) => push(Severity::Error, path, why),
                Ok(id) => {
                    if let Some((_, owner)) = keys.iter().find(|(seen, _)| *seen == id) {
                        push(
                            Severity::Error,
                            path,
                            format!(
                                "this key is already listed for principal {} ({}); a key names one principal",
                                owner + 1,
                                crate::text::sanitize(&access.principals[*owner].email)
                            ),
                        );
                    } else {
                        keys.push((id, i));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZmV8Ky2xPxuYR1Yqj0qY1rHTV1lqUuI6ZeMvFcs0Bd ada@laptop";

    fn ada(role: Role) -> Principal {
        Principal {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            role,
            keys: vec![KEY.into()],
        }
    }

    #[test]
    fn each_role_allows_what_the_one_before_does_and_more() {
        use Act::*;
        assert_eq!(Role::Viewer.permits(Read), Permit::Yes);
        let Permit::No(why) = Role::Viewer.permits(ChangeUseCase) else {
            panic!()
        };
        assert!(why.starts_with("read-only: your role is Viewer"), "{why}");
        assert_eq!(Role::Proposer.permits(ChangeUseCase), Permit::AsProposal);
        assert!(matches!(Role::Proposer.permits(Accept), Permit::No(_)));
        assert_eq!(Role::Reviewer.permits(ChangeUseCase), Permit::Yes);
        assert_eq!(Role::Reviewer.permits(Accept), Permit::Yes);
        assert_eq!(Role::Reviewer.permits(Review), Permit::Yes);
        let Permit::No(why) = Role::Reviewer.permits(Govern) else {
            panic!()
        };
        assert!(
            why.contains("only a Admin") || why.contains("Admin"),
            "{why}"
        );
        assert_eq!(Role::Admin.permits(Govern), Permit::Yes);
    }

    #[test]
    fn a_key_is_found_whatever_its_comment() {
        let access = Access {
            principals: vec![ada(Role::Reviewer)],
        };
        let other_comment = KEY.replace("ada@laptop", "someone-else");
        let id = KeyId::parse(&other_comment).unwrap();
        assert_eq!(access.by_key(&id).unwrap().email, "ada@example.com");
        let other = KeyId::parse(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
        )
        .unwrap();
        assert!(access.by_key(&other).is_none());
        assert_eq!(
            access.by_email("ADA@example.com").unwrap().name,
            "Ada Lovelace"
        );
    }

    #[test]
    fn bad_keys_emails_and_duplicates_are_errors_with_their_place() {
        let mut second = ada(Role::Viewer);
        second.keys.push("ssh-dss AAAA".into());
        second.keys.push("AAAAC3NzaC1lZDI1NTE5".into());
        let access = Access {
            principals: vec![
                ada(Role::Admin),
                second,
                Principal {
                    name: " ".into(),
                    email: "nobody".into(),
                    role: Role::Viewer,
                    keys: vec![],
                },
            ],
        };
        let found = validate(&access);
        let errors: Vec<_> = found
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| (f.path.clone(), f.message.clone()))
            .collect();
        let at = |i, f| vec![Seg::Field("principals"), Seg::Index(i), Seg::Field(f)];
        assert!(
            errors
                .iter()
                .any(|(p, m)| *p == at(1, "email") && m.contains("already principal 1"))
        );
        assert!(
            errors.iter().any(|(p, m)| p.ends_with(&[Seg::Index(0)])
                && m.contains("already listed for principal 1"))
        );
        assert!(
            errors
                .iter()
                .any(|(_, m)| m.contains("`ssh-dss` is not an SSH key type"))
        );
        assert!(
            errors
                .iter()
                .any(|(_, m)| m.contains("OpenSSH public key line"))
        );
        assert!(errors.iter().any(|(p, _)| *p == at(2, "name")));
        assert!(
            errors
                .iter()
                .any(|(p, m)| *p == at(2, "email") && m.contains("not an email"))
        );
        assert!(
            found
                .iter()
                .any(|f| f.severity == Severity::Warning && f.path == at(2, "keys"))
        );
    }
}
