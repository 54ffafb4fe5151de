//! Writing git objects straight into one pack file, with deltas.
//!
//! A large synthetic register has thousands of files in one folder, so every
//! commit has a new `use-cases` tree of hundreds of kilobytes. Written as
//! loose objects (what `Odb::write` does) that is a compressed file per
//! commit: minutes and gigabytes for 20,000 commits. Here each object is
//! appended to a pack instead, as a delta against the previous version of
//! the same file or tree when that is smaller (a chain of at most
//! [`MAX_DEPTH`] deltas, as git itself limits), and the pack's index is
//! written at the end, so libgit2 and git read it as if `git gc` had run.
//!
//! Data is stored with zlib "stored" blocks (no compression): valid for
//! every reader, fast to write, and deltas keep the pack small anyway.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

/// An object id: the SHA-1 of the object's header and content.
pub(crate) type Id = [u8; 20];

/// Longest chain of deltas before an object is stored whole again.
pub(crate) const MAX_DEPTH: u32 = 50;

/// The kinds of object the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Commit,
    Tree,
    Blob,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
        }
    }

    fn code(self) -> u8 {
        match self {
            Kind::Commit => 1,
            Kind::Tree => 2,
            Kind::Blob => 3,
        }
    }
}

/// The id git gives an object of `kind` holding `data`.
pub(crate) fn object_id(kind: Kind, data: &[u8]) -> Id {
    let mut h = Sha1::new();
    h.update(format!("{} {}\0", kind.name(), data.len()).as_bytes());
    h.update(data);
    h.finalize().into()
}

/// The lowercase hexadecimal form of an id.
pub(crate) fn hex(id: &Id) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(40);
    for b in id {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

struct Placed {
    offset: u64,
    depth: u32,
}

/// A pack being written into `objects/pack/`.
pub(crate) struct Pack {
    dir: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
    offset: u64,
    placed: HashMap<Id, Placed>,
    index: Vec<(Id, u32, u64)>,
}

const HEADER_LEN: u64 = 12;

impl Pack {
    /// Starts a pack in `pack_dir` (a repository's `objects/pack`).
    pub(crate) fn create(pack_dir: &Path) -> io::Result<Pack> {
        fs::create_dir_all(pack_dir)?;
        let tmp = pack_dir.join(format!("tmp_pack_ripen_demo_{}", std::process::id()));
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&[0; HEADER_LEN as usize])?;
        Ok(Pack {
            dir: pack_dir.to_path_buf(),
            tmp,
            out,
            offset: HEADER_LEN,
            placed: HashMap::new(),
            index: Vec::new(),
        })
    }

    /// Whether the pack holds the object.
    pub(crate) fn contains(&self, id: &Id) -> bool {
        self.placed.contains_key(id)
    }

    /// Writes an object whole (once: an object already written is not written again).
    pub(crate) fn put(&mut self, kind: Kind, data: &[u8]) -> io::Result<Id> {
        let id = object_id(kind, data);
        if !self.contains(&id) {
            self.entry(id, kind.code(), data, None)?;
        }
        Ok(id)
    }

    /// Writes an object as `delta` (see [`DeltaBuilder`]) against `base`, or
    /// whole when the base is not in this pack, the chain would be too long,
    /// or the delta saves little.
    pub(crate) fn put_delta(
        &mut self,
        kind: Kind,
        data: &[u8],
        base: &Id,
        delta: &[u8],
    ) -> io::Result<Id> {
        let id = object_id(kind, data);
        if self.contains(&id) {
            return Ok(id);
        }
        match self.placed.get(base) {
            Some(b) if b.depth < MAX_DEPTH && delta.len() < data.len() / 2 => {
                let rel = self.offset - b.offset;
                let depth = b.depth + 1;
                self.entry(id, 6, delta, Some((rel, depth)))?;
            }
            _ => {
                self.entry(id, kind.code(), data, None)?;
            }
        }
        Ok(id)
    }

    /// Appends one entry: type and size header, the base's relative offset
    /// for a delta (type 6, `OFS_DELTA`), then the data as a zlib stream.
    fn entry(&mut self, id: Id, code: u8, data: &[u8], base: Option<(u64, u32)>) -> io::Result<()> {
        let mut head = Vec::with_capacity(24);
        let mut size = data.len() as u64;
        let mut byte = (code << 4) | (size & 15) as u8;
        size >>= 4;
        while size > 0 {
            head.push(byte | 0x80);
            byte = (size & 0x7f) as u8;
            size >>= 7;
        }
        head.push(byte);
        let mut depth = 0;
        if let Some((mut rel, d)) = base {
            depth = d;
            let mut ofs = vec![(rel & 0x7f) as u8];
            rel >>= 7;
            while rel > 0 {
                rel -= 1;
                ofs.push(0x80 | (rel & 0x7f) as u8);
                rel >>= 7;
            }
            ofs.reverse();
            head.extend_from_slice(&ofs);
        }
        let start = self.offset;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&head);
        self.out.write_all(&head)?;
        let mut written = head.len() as u64;
        let mut emit = |bytes: &[u8], out: &mut BufWriter<File>| -> io::Result<()> {
            crc.update(bytes);
            written += bytes.len() as u64;
            out.write_all(bytes)
        };
        // zlib: header (deflate, 32K window, no compression), stored blocks, Adler-32.
        emit(&[0x78, 0x01], &mut self.out)?;
        let mut blocks = data.chunks(0xffff).peekable();
        if blocks.peek().is_none() {
            emit(&[1, 0, 0, 0xff, 0xff], &mut self.out)?;
        }
        while let Some(block) = blocks.next() {
            let last = u8::from(blocks.peek().is_none());
            let len = block.len() as u16;
            let [l0, l1] = len.to_le_bytes();
            let [n0, n1] = (!len).to_le_bytes();
            emit(&[last, l0, l1, n0, n1], &mut self.out)?;
            emit(block, &mut self.out)?;
        }
        emit(&adler2::adler32_slice(data).to_be_bytes(), &mut self.out)?;
        self.offset += written;
        self.placed.insert(
            id,
            Placed {
                offset: start,
                depth,
            },
        );
        self.index.push((id, crc.finalize(), start));
        Ok(())
    }

    /// Completes the pack (header, trailing checksum), writes its index and
    /// moves both into place. Returns the pack's name (`pack-<sha>`).
    pub(crate) fn finish(mut self) -> io::Result<String> {
        let count = u32::try_from(self.index.len())
            .map_err(|_| io::Error::other("too many objects for one pack"))?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        file.seek(SeekFrom::Start(0))?;
        let mut header = Vec::with_capacity(12);
        header.extend_from_slice(b"PACK");
        header.extend_from_slice(&2u32.to_be_bytes());
        header.extend_from_slice(&count.to_be_bytes());
        file.write_all(&header)?;
        file.seek(SeekFrom::Start(0))?;
        let mut hasher = Sha1::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut reader = &file;
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let checksum: Id = hasher.finalize().into();
        file.seek(SeekFrom::End(0))?;
        file.write_all(&checksum)?;
        file.sync_all()?;
        drop(file);

        // The index, version 2: fan-out, sorted ids, CRCs, offsets, checksums.
        self.index.sort_unstable_by_key(|e| e.0);
        let mut idx = Vec::with_capacity(1072 + self.index.len() * 28 + 40);
        idx.extend_from_slice(&[0xff, b't', b'O', b'c']);
        idx.extend_from_slice(&2u32.to_be_bytes());
        let mut fanout = [0u32; 256];
        for (id, _, _) in &self.index {
            fanout[id[0] as usize] += 1;
        }
        let mut running = 0u32;
        for f in fanout {
            running += f;
            idx.extend_from_slice(&running.to_be_bytes());
        }
        for (id, _, _) in &self.index {
            idx.extend_from_slice(id);
        }
        for (_, crc, _) in &self.index {
            idx.extend_from_slice(&crc.to_be_bytes());
        }
        let mut large = Vec::new();
        for &(_, _, offset) in &self.index {
            if offset < 0x8000_0000 {
                idx.extend_from_slice(&(offset as u32).to_be_bytes());
            } else {
                let i = large.len() as u32 / 8;
                idx.extend_from_slice(&(0x8000_0000 | i).to_be_bytes());
                large.extend_from_slice(&offset.to_be_bytes());
            }
        }
        idx.extend_from_slice(&large);
        idx.extend_from_slice(&checksum);
        let mut h = Sha1::new();
        h.update(&idx);
        let idx_sum: Id = h.finalize().into();
        idx.extend_from_slice(&idx_sum);

        let name = format!("pack-{}", hex(&checksum));
        let pack_path = self.dir.join(format!("{name}.pack"));
        fs::rename(&self.tmp, &pack_path)?;
        let idx_tmp = self
            .dir
            .join(format!("tmp_idx_ripen_demo_{}", std::process::id()));
        fs::write(&idx_tmp, &idx)?;
        fs::rename(&idx_tmp, self.dir.join(format!("{name}.idx")))?;
        Ok(name)
    }
}

/// Builds a git delta: instructions that rebuild a new object from a base
/// by copying ranges of the base and inserting literal bytes.
pub(crate) struct DeltaBuilder {
    out: Vec<u8>,
    literal: Vec<u8>,
    copy: Option<(usize, usize)>,
}

fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

impl DeltaBuilder {
    pub(crate) fn new(base_len: usize, result_len: usize) -> DeltaBuilder {
        let mut out = Vec::with_capacity(256);
        varint(&mut out, base_len);
        varint(&mut out, result_len);
        DeltaBuilder {
            out,
            literal: Vec::new(),
            copy: None,
        }
    }

    /// Copies `len` bytes of the base from `offset`.
    pub(crate) fn copy(&mut self, offset: usize, len: usize) {
        if len == 0 {
            return;
        }
        self.flush_literal();
        match &mut self.copy {
            Some((o, l)) if *o + *l == offset => *l += len,
            _ => {
                self.flush_copy();
                self.copy = Some((offset, len));
            }
        }
    }

    /// Inserts literal bytes.
    pub(crate) fn insert(&mut self, bytes: &[u8]) {
        self.flush_copy();
        self.literal.extend_from_slice(bytes);
    }

    fn flush_literal(&mut self) {
        for chunk in self.literal.chunks(0x7f) {
            self.out.push(chunk.len() as u8);
            self.out.extend_from_slice(chunk);
        }
        self.literal.clear();
    }

    fn flush_copy(&mut self) {
        let Some((mut offset, mut len)) = self.copy.take() else {
            return;
        };
        while len > 0 {
            let n = len.min(0x00ff_ffff);
            let mut op = 0x80u8;
            let mut args = [0u8; 7];
            let mut k = 0;
            for i in 0..4 {
                let b = ((offset >> (8 * i)) & 0xff) as u8;
                if b != 0 {
                    op |= 1 << i;
                    args[k] = b;
                    k += 1;
                }
            }
            for i in 0..3 {
                let b = ((n >> (8 * i)) & 0xff) as u8;
                if b != 0 {
                    op |= 0x10 << i;
                    args[k] = b;
                    k += 1;
                }
            }
            self.out.push(op);
            self.out.extend_from_slice(&args[..k]);
            offset += n;
            len -= n;
        }
    }

    /// The finished delta.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.flush_copy();
        self.flush_literal();
        self.out
    }
}

/// A delta that keeps the common beginning and end of `base` and `new`:
/// ideal for a file where a line was added, changed or removed.
pub(crate) fn prefix_suffix_delta(base: &[u8], new: &[u8]) -> Vec<u8> {
    let prefix = base.iter().zip(new).take_while(|(a, b)| a == b).count();
    let room = base.len().min(new.len()) - prefix;
    let suffix = base
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let mut d = DeltaBuilder::new(base.len(), new.len());
    d.copy(0, prefix);
    d.insert(&new[prefix..new.len() - suffix]);
    d.copy(base.len() - suffix, suffix);
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a delta, as git does, to check the builder.
    fn apply(base: &[u8], delta: &[u8]) -> Vec<u8> {
        let mut i = 0;
        let mut read_varint = || {
            let mut n = 0usize;
            let mut shift = 0;
            loop {
                let b = delta[i];
                i += 1;
                n |= ((b & 0x7f) as usize) << shift;
                shift += 7;
                if b & 0x80 == 0 {
                    return n;
                }
            }
        };
        assert_eq!(read_varint(), base.len());
        let len = read_varint();
        let mut out = Vec::new();
        while i < delta.len() {
            let op = delta[i];
            i += 1;
            if op & 0x80 != 0 {
                let (mut off, mut n) = (0usize, 0usize);
                for k in 0..4 {
                    if op & (1 << k) != 0 {
                        off |= (delta[i] as usize) << (8 * k);
                        i += 1;
                    }
                }
                for k in 0..3 {
                    if op & (0x10 << k) != 0 {
                        n |= (delta[i] as usize) << (8 * k);
                        i += 1;
                    }
                }
                if n == 0 {
                    n = 0x10000;
                }
                out.extend_from_slice(&base[off..off + n]);
            } else {
                let n = op as usize;
                out.extend_from_slice(&delta[i..i + n]);
                i += n;
            }
        }
        assert_eq!(out.len(), len);
        out
    }

    #[test]
    fn prefix_suffix_deltas_rebuild_the_new_text() {
        let base = b"line one\nline two\nline three\n".repeat(20);
        let mut grown = base.clone();
        grown.splice(
            300..300,
            b"an inserted line that is longer than 127 bytes ".repeat(4),
        );
        let cases: [(&[u8], &[u8]); 5] = [
            (&base, &grown),
            (&grown, &base),
            (&base, &base),
            (b"", b"abc"),
            (b"abc", b""),
        ];
        for (a, b) in cases {
            assert_eq!(apply(a, &prefix_suffix_delta(a, b)), b);
        }
    }

    #[test]
    fn copies_merge_and_split() {
        let base: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let mut d = DeltaBuilder::new(base.len(), 70_000 + 3);
        d.copy(0, 40_000);
        d.copy(40_000, 30_000);
        d.insert(b"xyz");
        let delta = d.finish();
        let mut expected = base.clone();
        expected.extend_from_slice(b"xyz");
        assert_eq!(apply(&base, &delta), expected);
    }

    #[test]
    fn checksums() {
        assert_eq!(
            hex(&object_id(Kind::Blob, b"hello\n")),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }
}
