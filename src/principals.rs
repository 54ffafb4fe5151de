//! Who may do what, as review approvals and signature verification read
//! it: the principals of `state/access.ron` (a name, an e-mail address, a
//! role and SSH public keys each), or, without that file, the keys of git's
//! `gpg.ssh.allowedSignersFile` with no role.
//!
//! Pure: texts in, values out. Reading the files is the callers' job.

use crate::model::review::Role;

/// The file of principals, relative to the state directory.
pub use crate::access::ACCESS_FILE;

/// One principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Their name.
    pub name: String,
    /// Their e-mail address, as their commits carry it.
    pub email: String,
    /// Their role (`None` from an allowed-signers file, which has none).
    pub role: Option<Role>,
    /// Their SSH public keys, `ssh-ed25519 AAAA... comment`.
    pub keys: Vec<String>,
}

/// The principals a register knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// Whether they come from `access.ron` (roles known); `false`: from an
    /// allowed-signers file, or none at all.
    pub from_access: bool,
    /// Each principal.
    pub list: Vec<Principal>,
}

impl Principals {
    /// The principal with e-mail address `email` (any case).
    pub fn by_email(&self, email: &str) -> Option<&Principal> {
        self.list
            .iter()
            .find(|p| p.email.eq_ignore_ascii_case(email))
    }

    /// The principals one of whose keys is `key` (compared by key type and
    /// data, comments aside).
    pub fn by_key<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a Principal> + 'a {
        let want = key_body(key).map(str::to_owned);
        self.list.iter().filter(move |p| {
            p.keys
                .iter()
                .any(|k| want.is_some() && key_body(k).map(str::to_owned) == want)
        })
    }
}

/// `type base64` of an OpenSSH public key line, comment and options aside.
pub fn key_body(line: &str) -> Option<&str> {
    let line = line.trim();
    let start = line.find("ssh-").or_else(|| line.find("ecdsa-"))?;
    let rest = &line[start..];
    let mut parts = rest.splitn(3, char::is_whitespace);
    let kind = parts.next()?;
    let data = parts.next()?;
    Some(&rest[..kind.len() + 1 + data.len()])
}

/// Parses `access.ron` (as [`crate::register::parse_access`] does, with
/// its `line:col` on failure).
pub fn parse_access(text: &str) -> Result<Principals, String> {
    let access = crate::register::parse_access(text)
        .map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    Ok(Principals {
        from_access: true,
        list: access
            .principals
            .into_iter()
            .map(|p| Principal {
                name: p.name,
                email: p.email,
                role: Some(p.role),
                keys: p.keys,
            })
            .collect(),
    })
}

/// Parses git's allowed-signers file (`ssh-keygen -Y verify`'s format:
/// `principals [options] keytype base64 [comment]` per line).
pub fn parse_allowed_signers(text: &str) -> Principals {
    let mut list: Vec<Principal> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((names, _)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let Some(key) = key_body(line) else { continue };
        for email in names.split(',') {
            let email = email.trim_matches('"');
            match list.iter_mut().find(|p| p.email == email) {
                Some(p) => p.keys.push(key.to_owned()),
                None => list.push(Principal {
                    name: String::new(),
                    email: email.to_owned(),
                    role: None,
                    keys: vec![key.to_owned()],
                }),
            }
        }
    }
    Principals {
        from_access: false,
        list,
    }
}

/// The one check of an approver's role: without `access.ron`, anyone
/// (matched by e-mail address) may approve; with it, the approver must be a
/// principal of at least `role`. Returns why not, when not.
pub fn may_approve(principals: &Principals, email: &str, role: Option<Role>) -> Result<(), String> {
    let Some(needed) = role else { return Ok(()) };
    if !principals.from_access {
        return Ok(());
    }
    let email_shown = crate::text::sanitize(email);
    match principals.by_email(email).and_then(|p| p.role) {
        Some(r) if r >= needed => Ok(()),
        Some(r) => Err(format!(
            "{email_shown} is a {} in access.ron; approving needs {}",
            r.name(),
            needed.name()
        )),
        None => Err(format!(
            "{email_shown} is not a principal in access.ron; approving needs {}",
            needed.name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJlYWxseS1ub3QtYS1rZXktYnV0LWZpbmUtaGVyZQ";

    #[test]
    fn roles_from_access_ron_gate_approvals() {
        let p = parse_access(&format!(
            "Access(principals: [(name: \"A\", email: \"a@x\", role: Reviewer, keys: [\"{KEY} a\"]), (name: \"V\", email: \"v@x\", role: Viewer)])"
        ))
        .unwrap();
        assert!(p.from_access);
        assert!(may_approve(&p, "A@X", Some(Role::Reviewer)).is_ok());
        assert!(
            may_approve(&p, "v@x", Some(Role::Reviewer))
                .unwrap_err()
                .contains("Viewer")
        );
        assert!(may_approve(&p, "z@x", Some(Role::Reviewer)).is_err());
        assert!(may_approve(&Principals::default(), "z@x", Some(Role::Admin)).is_ok());
        assert_eq!(p.by_key(KEY).count(), 1);
    }

    #[test]
    fn allowed_signers_lines_name_keys() {
        let p = parse_allowed_signers(&format!(
            "# comment\na@x,b@x namespaces=\"git\" {KEY} laptop\n\n"
        ));
        assert!(!p.from_access);
        assert_eq!(p.list.len(), 2);
        assert_eq!(p.by_email("b@x").unwrap().keys, [KEY]);
    }
}
