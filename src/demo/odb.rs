//! Writing git objects through libgit2: an in-memory object database
//! (`Odb::add_new_mempack_backend`) that is dumped as a pack
//! (`Mempack::dump`, libgit2's pack builder, which finds its own deltas and
//! compresses) and stored with `Odb::packwriter` (libgit2's indexer, which
//! writes the pack's index). The same interface as [`super::pack::Pack`].

use std::io;

use git2::{Buf, Mempack, ObjectType, Odb, Repository};

use super::pack::{Id, Kind};

/// Bytes held in memory before they are written out as one pack: a large
/// register's history is gigabytes of trees, more than memory holds.
const FLUSH_BYTES: usize = 256 << 20;

/// Objects gathered in memory, written as packs.
pub(crate) struct OdbPack<'a> {
    repo: &'a Repository,
    odb: &'a Odb<'a>,
    mempack: Mempack<'a>,
    pending: usize,
}

fn git(e: git2::Error) -> io::Error {
    io::Error::other(e.to_string())
}

impl<'a> OdbPack<'a> {
    /// Puts an in-memory backend in front of `odb` (the object database of
    /// `repo`), so that new objects go to memory.
    pub(crate) fn new(repo: &'a Repository, odb: &'a Odb<'a>) -> io::Result<OdbPack<'a>> {
        let mempack = odb.add_new_mempack_backend(1000).map_err(git)?;
        Ok(OdbPack {
            repo,
            odb,
            mempack,
            pending: 0,
        })
    }

    /// Writes an object (once; libgit2 skips one that exists).
    pub(crate) fn put(&mut self, kind: Kind, data: &[u8]) -> io::Result<Id> {
        let kind = match kind {
            Kind::Commit => ObjectType::Commit,
            Kind::Tree => ObjectType::Tree,
            Kind::Blob => ObjectType::Blob,
        };
        let oid = self.odb.write(kind, data).map_err(git)?;
        self.pending += data.len();
        if self.pending >= FLUSH_BYTES {
            self.flush()?;
        }
        let mut id = [0; 20];
        id.copy_from_slice(oid.as_bytes());
        Ok(id)
    }

    /// Writes the objects in memory as one pack and empties the memory.
    fn flush(&mut self) -> io::Result<()> {
        let mut buf = Buf::new();
        self.mempack.dump(self.repo, &mut buf).map_err(git)?;
        let mut writer = self.odb.packwriter().map_err(git)?;
        io::Write::write_all(&mut writer, &buf)?;
        writer.commit().map_err(git)?;
        self.mempack.reset().map_err(git)?;
        self.pending = 0;
        Ok(())
    }

    /// Writes what is left in memory.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.flush()
    }
}
