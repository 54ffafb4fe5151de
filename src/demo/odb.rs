//! Writing git objects through libgit2: an in-memory object database
//! (`Odb::add_new_mempack_backend`) written out as packs by libgit2's pack
//! builder (which finds its own deltas and compresses) and stored with
//! `Odb::packwriter` (libgit2's indexer, which writes the pack's index).
//! The same interface as [`super::pack::Pack`].
//!
//! Two ways to build a pack from memory: `Mempack::dump`, which packs every
//! object reachable from the commits held in memory (each commit's whole
//! tree, again for every batch), or a pack builder given exactly the
//! objects written since the last batch.

use std::io;

use git2::{Buf, Mempack, ObjectType, Odb, Oid, Repository};

use super::pack::{Id, Kind};

/// Bytes held in memory before they are written out as one pack: a large
/// register's history is gigabytes of trees, more than memory holds.
const FLUSH_BYTES: usize = 256 << 20;

/// How a batch in memory becomes a pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Packing {
    /// `Mempack::dump`.
    Dump,
    /// A pack builder fed the batch's objects.
    Builder,
}

/// Objects gathered in memory, written as packs.
pub(crate) struct OdbPack<'a> {
    repo: &'a Repository,
    odb: &'a Odb<'a>,
    mempack: Mempack<'a>,
    packing: Packing,
    batch: Vec<Oid>,
    pending: usize,
}

fn git(e: git2::Error) -> io::Error {
    io::Error::other(e.to_string())
}

impl<'a> OdbPack<'a> {
    /// Puts an in-memory backend in front of `odb` (the object database of
    /// `repo`), so that new objects go to memory.
    pub(crate) fn new(
        repo: &'a Repository,
        odb: &'a Odb<'a>,
        packing: Packing,
    ) -> io::Result<OdbPack<'a>> {
        let mempack = odb.add_new_mempack_backend(1000).map_err(git)?;
        Ok(OdbPack {
            repo,
            odb,
            mempack,
            packing,
            batch: Vec::new(),
            pending: 0,
        })
    }

    /// Writes an object (once; libgit2 skips one that exists). Memory is
    /// written out after a commit, so that a batch holds whole commits.
    pub(crate) fn put(&mut self, kind: Kind, data: &[u8]) -> io::Result<Id> {
        let object_type = match kind {
            Kind::Commit => ObjectType::Commit,
            Kind::Tree => ObjectType::Tree,
            Kind::Blob => ObjectType::Blob,
        };
        let oid = self.odb.write(object_type, data).map_err(git)?;
        if self.packing == Packing::Builder {
            self.batch.push(oid);
        }
        self.pending += data.len();
        if kind == Kind::Commit && self.pending >= FLUSH_BYTES {
            self.flush()?;
        }
        let mut id = [0; 20];
        id.copy_from_slice(oid.as_bytes());
        Ok(id)
    }

    /// Writes the objects in memory as one pack and empties the memory.
    fn flush(&mut self) -> io::Result<()> {
        let mut buf = Buf::new();
        match self.packing {
            Packing::Dump => self.mempack.dump(self.repo, &mut buf).map_err(git)?,
            Packing::Builder => {
                let mut builder = self.repo.packbuilder().map_err(git)?;
                for id in self.batch.drain(..) {
                    builder.insert_object(id, None).map_err(git)?;
                }
                builder.write_buf(&mut buf).map_err(git)?;
            }
        }
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
