//! The bytes a use case was loaded from, held or fetched when first asked.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// Where [`Original`] fetches bytes it does not hold yet.
type Fetch = Box<dyn Fn() -> Vec<u8> + Send + Sync>;

/// The exact bytes a use case was parsed from, to detect changes made
/// meanwhile (compare-and-swap) and to edit the file as it was.
///
/// Either held, or fetched once on first use from where its loader knows
/// they are kept unchanged (a use case loaded from the parse cache fetches
/// its blob from the repository), so that listing a register keeps no
/// file's bytes. Cloning shares them. Equality compares the bytes.
#[derive(Clone, Default)]
pub struct Original(Arc<Inner>);

#[derive(Default)]
struct Inner {
    bytes: OnceLock<Vec<u8>>,
    fetch: Option<Fetch>,
}

impl Original {
    /// Bytes held from the start.
    pub fn new(bytes: Vec<u8>) -> Original {
        Original(Arc::new(Inner {
            bytes: OnceLock::from(bytes),
            fetch: None,
        }))
    }

    /// Bytes that `fetch` gives when first asked for. The loader vouches
    /// that it gives exactly the bytes the use case was parsed from.
    pub fn lazy(fetch: impl Fn() -> Vec<u8> + Send + Sync + 'static) -> Original {
        Original(Arc::new(Inner {
            bytes: OnceLock::new(),
            fetch: Some(Box::new(fetch)),
        }))
    }

    /// The bytes, fetched on first use.
    pub fn bytes(&self) -> &[u8] {
        self.0
            .bytes
            .get_or_init(|| self.0.fetch.as_ref().map(|f| f()).unwrap_or_default())
    }

    /// The bytes if they are held already, without fetching them.
    pub fn held(&self) -> Option<&[u8]> {
        self.0.bytes.get().map(Vec::as_slice)
    }
}

impl Deref for Original {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes()
    }
}

impl AsRef<[u8]> for Original {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl From<Vec<u8>> for Original {
    fn from(bytes: Vec<u8>) -> Original {
        Original::new(bytes)
    }
}

impl PartialEq for Original {
    fn eq(&self, other: &Original) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.bytes() == other.bytes()
    }
}

impl fmt::Debug for Original {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.bytes(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn lazy_bytes_are_fetched_once_and_shared_by_clones() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let o = Original::lazy(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            b"UseCase()".to_vec()
        });
        let copy = o.clone();
        assert_eq!(o.held(), None);
        assert_eq!(&*copy, b"UseCase()");
        assert_eq!(o.bytes(), b"UseCase()");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(o, Original::new(b"UseCase()".to_vec()));
        assert_ne!(o, Original::default());
    }
}
