//! Who signed a change to the register, and were they allowed to make it.
//!
//! Pure: the facts of one commit (its signature and the bytes it signs,
//! its author, the state files it touches, whether it is on the main line)
//! and the principals as they were at its parent in; a [`Finding`] out.
//! SSH signatures are checked here, as `ssh-keygen -Y verify` checks them
//! (namespace `git`); OpenPGP signatures are reported as present but not
//! verified. Walking the history is [`crate::git::verify`]'s job.

use serde::Serialize;
use ssh_key::{HashAlg, PublicKey, SshSig};

use crate::model::review::Role;
use crate::principals::Principals;

/// The namespace git signs commits in.
pub const NAMESPACE: &str = "git";

/// What one commit's signature says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum State {
    /// A good SSH signature by a key of the commit's author.
    Verified {
        /// The principal's e-mail address.
        principal: String,
    },
    /// No signature.
    Unsigned,
    /// A good SSH signature by a key that belongs to no principal.
    UnknownKey,
    /// A good SSH signature by a key of someone other than the author.
    OtherPrincipal {
        /// Whose key it is.
        principal: String,
    },
    /// A signature that does not verify.
    BadSignature {
        /// Why.
        reason: String,
    },
    /// An OpenPGP signature: present, not verified by ripen.
    Unverified,
}

impl State {
    /// `verified`, `unsigned`, `unknown key`, `other principal's key`,
    /// `bad signature` or `unverified (OpenPGP)`, for tables.
    pub fn label(&self) -> String {
        match self {
            State::Verified { principal } => format!("verified: {principal}"),
            State::Unsigned => "unsigned".to_owned(),
            State::UnknownKey => "unknown key".to_owned(),
            State::OtherPrincipal { principal } => format!("key of {principal}"),
            State::BadSignature { .. } => "bad signature".to_owned(),
            State::Unverified => "unverified (OpenPGP)".to_owned(),
        }
    }
}

/// The facts of one commit that verification needs.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The commit's id.
    pub commit: String,
    /// Its first line.
    pub summary: String,
    /// The author's name.
    pub author: String,
    /// The author's e-mail address.
    pub email: String,
    /// The signature block (`gpgsig`), if any.
    pub signature: Option<&'a [u8]>,
    /// The bytes the signature covers (the commit without its `gpgsig`).
    pub signed: &'a [u8],
    /// The entries of the state directory it changes: files by name,
    /// folders by name and a slash (`use-cases/`).
    pub touched: Vec<String>,
    /// Whether it is on the main line (first parents of the range's tip).
    pub on_main: bool,
}

/// One commit checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The commit's id.
    pub commit: String,
    /// Its first line.
    pub summary: String,
    /// The author, `Name <email>`.
    pub author: String,
    /// What the signature says.
    #[serde(flatten)]
    pub state: State,
    /// The signing key's SHA-256 fingerprint, when there is a key.
    pub key: Option<String>,
    /// The role the change needs.
    pub needs: Role,
    /// The signer's role, when `access.ron` says it.
    pub role: Option<Role>,
    /// Every rule the commit breaks, worded; empty when it is fine.
    pub violations: Vec<String>,
}

/// The role a change needs: policy and access changes need Admin, changes
/// on the main line Reviewer, proposals on other branches Proposer.
pub fn needed_role(touched: &[String], on_main: bool) -> Role {
    if touched
        .iter()
        .any(|p| p == crate::register::POLICY_FILE || p == crate::principals::ACCESS_FILE)
    {
        Role::Admin
    } else if on_main {
        Role::Reviewer
    } else {
        Role::Proposer
    }
}

/// Whose key `key` is, among `principals`: all of them.
fn owners<'a>(principals: &'a Principals, key: &PublicKey) -> Vec<&'a str> {
    principals
        .list
        .iter()
        .filter(|p| {
            p.keys.iter().any(|k| {
                crate::principals::key_body(k)
                    .and_then(|b| PublicKey::from_openssh(b).ok())
                    .is_some_and(|pk| pk.key_data() == key.key_data())
            })
        })
        .map(|p| p.email.as_str())
        .collect()
}

/// Checks one commit against the principals of its parent.
pub fn check(facts: &Facts<'_>, principals: &Principals) -> Finding {
    let needs = needed_role(&facts.touched, facts.on_main);
    let mut key = None;
    let state = match facts.signature {
        None => State::Unsigned,
        Some(sig) if sig.starts_with(b"-----BEGIN SSH SIGNATURE-----") => {
            match SshSig::from_pem(sig) {
                Err(e) => State::BadSignature {
                    reason: format!("unreadable SSH signature: {e}"),
                },
                Ok(sig) => {
                    let pk = PublicKey::from(sig.public_key().clone());
                    key = Some(pk.fingerprint(HashAlg::Sha256).to_string());
                    if sig.namespace() != NAMESPACE {
                        State::BadSignature {
                            reason: format!(
                                "signed in namespace `{}`, not `git`",
                                crate::text::sanitize(sig.namespace())
                            ),
                        }
                    } else if let Err(e) = pk.verify(NAMESPACE, facts.signed, &sig) {
                        State::BadSignature {
                            reason: format!("the signature does not match the commit: {e}"),
                        }
                    } else {
                        let who = owners(principals, &pk);
                        if who.iter().any(|e| e.eq_ignore_ascii_case(&facts.email)) {
                            State::Verified {
                                principal: facts.email.clone(),
                            }
                        } else if let Some(other) = who.first() {
                            State::OtherPrincipal {
                                principal: (*other).to_owned(),
                            }
                        } else {
                            State::UnknownKey
                        }
                    }
                }
            }
        }
        Some(sig) if sig.starts_with(b"-----BEGIN PGP SIGNATURE-----") => State::Unverified,
        Some(_) => State::BadSignature {
            reason: "a signature of a kind ripen does not know".to_owned(),
        },
    };
    let mut violations = Vec::new();
    match &state {
        State::Verified { .. } => {}
        State::Unsigned => violations.push("the commit is not signed".to_owned()),
        State::UnknownKey => violations.push(format!(
            "signed by key {} that belongs to no principal",
            key.as_deref().unwrap_or("?")
        )),
        State::OtherPrincipal { principal } => violations.push(format!(
            "signed by a key of {}, not of the author {}",
            crate::text::sanitize(principal),
            crate::text::sanitize(&facts.email)
        )),
        State::BadSignature { reason } => violations.push(format!("bad signature: {reason}")),
        State::Unverified => violations.push(
            "an OpenPGP signature, which ripen does not verify; sign with SSH keys (gpg.format=ssh)"
                .to_owned(),
        ),
    }
    let role = principals.by_email(&facts.email).and_then(|p| p.role);
    if principals.from_access {
        match role {
            Some(r) if r >= needs => {}
            Some(r) => violations.push(format!(
                "{} is a {} in access.ron; this change needs {}",
                crate::text::sanitize(&facts.email),
                r.name(),
                needs.name()
            )),
            None => violations.push(format!(
                "{} is not a principal in access.ron; this change needs {}",
                crate::text::sanitize(&facts.email),
                needs.name()
            )),
        }
    }
    Finding {
        commit: facts.commit.clone(),
        summary: facts.summary.clone(),
        author: format!("{} <{}>", facts.author, facts.email),
        state,
        key,
        needs,
        role,
        violations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_access_need_admin_the_main_line_a_reviewer() {
        let t = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(needed_role(&t(&["policy.ron"]), false), Role::Admin);
        assert_eq!(needed_role(&t(&["access.ron"]), true), Role::Admin);
        assert_eq!(needed_role(&t(&["use-cases/a.ron"]), true), Role::Reviewer);
        assert_eq!(needed_role(&t(&["use-cases/a.ron"]), false), Role::Proposer);
    }

    #[test]
    fn an_unsigned_or_garbled_signature_is_a_violation() {
        let facts = Facts {
            commit: "c".to_owned(),
            summary: "s".to_owned(),
            author: "A".to_owned(),
            email: "a@x".to_owned(),
            signature: None,
            signed: b"",
            touched: vec!["use-cases/a.ron".to_owned()],
            on_main: true,
        };
        let f = check(&facts, &Principals::default());
        assert_eq!(f.state, State::Unsigned);
        assert_eq!(f.violations, ["the commit is not signed"]);
        let garbled = Facts {
            signature: Some(
                b"-----BEGIN SSH SIGNATURE-----\nnot base64\n-----END SSH SIGNATURE-----\n",
            ),
            ..facts.clone()
        };
        assert!(matches!(
            check(&garbled, &Principals::default()).state,
            State::BadSignature { .. }
        ));
        let pgp = Facts {
            signature: Some(b"-----BEGIN PGP SIGNATURE-----\n"),
            ..facts
        };
        assert_eq!(check(&pgp, &Principals::default()).state, State::Unverified);
    }
}
