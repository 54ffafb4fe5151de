//! Use-case ids made from text: `Café Menu — Triage` becomes `cafe-menu-triage`.

use std::collections::BTreeSet;

/// Longest slug before a numeric suffix, so ids stay readable and under
/// [`crate::model::id::MAX_ID_LEN`].
pub const MAX_SLUG_LEN: usize = 60;

/// The ASCII spelling of common accented Latin letters.
fn ascii(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// A slug of `text`: lowercase ASCII letters and digits in groups joined
/// by single hyphens, accents dropped, at most [`MAX_SLUG_LEN`] characters
/// (cut at a hyphen); `use-case` when nothing is left.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_SLUG_LEN + 8));
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let piece: Option<&str> = if c.is_ascii_alphanumeric() {
            None
        } else {
            ascii(c)
        };
        if c.is_ascii_alphanumeric() || piece.is_some() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            match piece {
                Some(p) => out.push_str(p),
                None => out.push(c),
            }
        } else if c == '\'' || c == '\u{2019}' {
            // "Agency's" reads better as "agencys" than "agency-s".
        } else {
            gap = true;
        }
        if out.len() > MAX_SLUG_LEN {
            break;
        }
    }
    if out.len() > MAX_SLUG_LEN {
        out.truncate(MAX_SLUG_LEN);
        match out.rfind('-') {
            Some(i) if i > MAX_SLUG_LEN / 2 => out.truncate(i),
            _ => {}
        }
        while out.ends_with('-') {
            out.pop();
        }
    }
    if out.is_empty() {
        out.push_str("use-case");
    }
    out
}

/// `base`, or `base-2`, `base-3`, ... : the first not in `taken`.
pub fn unique(base: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UseCaseId;

    #[test]
    fn slugs_are_valid_ids() {
        for (text, want) in [
            ("Café Menu — Triage", "cafe-menu-triage"),
            ("DOC  Fisheries\nImage (v2)", "doc-fisheries-image-v2"),
            ("Agency's AI", "agencys-ai"),
            ("東京", "use-case"),
            ("", "use-case"),
            ("--a--b--", "a-b"),
            ("Straße Œuvre", "strasse-oeuvre"),
        ] {
            assert_eq!(slug(text), want, "{text}");
            assert!(UseCaseId::new(&slug(text)).is_ok());
        }
        let long = slug(&"word ".repeat(40));
        assert!(long.len() <= MAX_SLUG_LEN && !long.ends_with('-'), "{long}");
        let one = slug(&"x".repeat(200));
        assert_eq!(one.len(), MAX_SLUG_LEN);
    }

    #[test]
    fn unique_adds_the_first_free_suffix() {
        let taken: BTreeSet<String> = ["a".to_owned(), "a-2".to_owned()].into();
        assert_eq!(unique("a", &taken), "a-3");
        assert_eq!(unique("b", &taken), "b");
    }
}
