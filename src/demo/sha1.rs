//! SHA-1, streaming, for object ids and pack checksums.
//!
//! libgit2's collision-detecting SHA-1 is several times slower, and hashing
//! the trees of a large synthetic repository is most of the work of
//! building it. Object ids computed here are checked against git2's in the
//! tests, and libgit2 verifies every object it reads from the pack.

/// A SHA-1 computation in progress.
#[derive(Clone)]
pub(crate) struct Sha1 {
    h: [u32; 5],
    buf: [u8; 64],
    buf_len: usize,
    len: u64,
}

impl Sha1 {
    pub(crate) fn new() -> Sha1 {
        Sha1 {
            h: [
                0x6745_2301,
                0xefcd_ab89,
                0x98ba_dcfe,
                0x1032_5476,
                0xc3d2_e1f0,
            ],
            buf: [0; 64],
            buf_len: 0,
            len: 0,
        }
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            let block = self.buf;
            compress_blocks(&mut self.h, &block);
            self.buf_len = 0;
        }
        let whole = data.len() / 64 * 64;
        compress_blocks(&mut self.h, &data[..whole]);
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    pub(crate) fn finish(mut self) -> [u8; 20] {
        let bits = self.len.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let pad_len = if self.buf_len < 56 {
            56 - self.buf_len
        } else {
            120 - self.buf_len
        };
        self.update(&pad[..pad_len]);
        self.update(&bits.to_be_bytes());
        debug_assert_eq!(self.buf_len, 0);
        let mut out = [0u8; 20];
        for (i, w) in self.h.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// The SHA-1 of `data`.
#[cfg(test)]
pub(crate) fn digest(data: &[u8]) -> [u8; 20] {
    let mut s = Sha1::new();
    s.update(data);
    s.finish()
}

/// Compresses whole 64-byte blocks, with the CPU's SHA instructions when it
/// has them (most x86-64 processors since 2017 do): several times faster.
fn compress_blocks(h: &mut [u32; 5], blocks: &[u8]) {
    debug_assert_eq!(blocks.len() % 64, 0);
    #[cfg(target_arch = "x86_64")]
    {
        if shani::available() {
            // SAFETY: the CPU supports the instructions `compress` is compiled for.
            unsafe { shani::compress(h, blocks) };
            return;
        }
    }
    for block in blocks.chunks_exact(64) {
        compress(h, block.try_into().expect("64 bytes"));
    }
}

/// SHA-1 with the x86 SHA extensions, four rounds per instruction.
#[cfg(target_arch = "x86_64")]
mod shani {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_extract_epi32, _mm_loadu_si128, _mm_set_epi32, _mm_set_epi64x,
        _mm_sha1msg1_epu32, _mm_sha1msg2_epu32, _mm_sha1nexte_epu32, _mm_sha1rnds4_epu32,
        _mm_shuffle_epi8, _mm_xor_si128,
    };

    pub(super) fn available() -> bool {
        is_x86_feature_detected!("sha")
            && is_x86_feature_detected!("ssse3")
            && is_x86_feature_detected!("sse4.1")
    }

    /// Four rounds, group `g` (0-19) of the 80, with the message schedule
    /// for later groups interleaved, as Intel's reference code does. The
    /// message words live in `m[0..4]`, rotating; `e` alternates.
    macro_rules! group {
        ($abcd:ident, $e:ident, $m:ident, $g:literal, $f:literal) => {
            let cur = $m[$g % 4];
            if $g == 0 {
                $e[0] = _mm_add_epi32($e[0], cur);
            } else {
                $e[$g % 2] = _mm_sha1nexte_epu32($e[$g % 2], cur);
            }
            $e[($g + 1) % 2] = $abcd;
            if $g >= 3 && $g <= 18 {
                $m[($g + 1) % 4] = _mm_sha1msg2_epu32($m[($g + 1) % 4], cur);
            }
            $abcd = _mm_sha1rnds4_epu32($abcd, $e[$g % 2], $f);
            if $g >= 1 && $g <= 16 {
                $m[($g + 3) % 4] = _mm_sha1msg1_epu32($m[($g + 3) % 4], cur);
            }
            if $g >= 2 && $g <= 17 {
                $m[($g + 2) % 4] = _mm_xor_si128($m[($g + 2) % 4], cur);
            }
        };
    }

    /// # Safety
    ///
    /// The CPU must support SHA, SSSE3 and SSE4.1 ([`available`]).
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    #[allow(unused_assignments)] // the last groups' schedule is never read
    pub(super) unsafe fn compress(h: &mut [u32; 5], blocks: &[u8]) {
        // Reverses the 16 bytes: big-endian words, in reverse lane order.
        let reverse = _mm_set_epi64x(0x0001_0203_0405_0607, 0x0809_0a0b_0c0d_0e0f);
        let mut abcd = _mm_set_epi32(h[0] as i32, h[1] as i32, h[2] as i32, h[3] as i32);
        let mut e0 = _mm_set_epi32(h[4] as i32, 0, 0, 0);
        for block in blocks.chunks_exact(64) {
            let (abcd_saved, e0_saved) = (abcd, e0);
            let mut m: [__m128i; 4] = [abcd; 4];
            for (i, word) in m.iter_mut().enumerate() {
                // SAFETY: `block` holds 64 bytes; this reads bytes 16i..16i+16,
                // unaligned loads being allowed.
                let raw = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * i).cast::<__m128i>()) };
                *word = _mm_shuffle_epi8(raw, reverse);
            }
            let mut e = [e0, abcd];
            group!(abcd, e, m, 0, 0);
            group!(abcd, e, m, 1, 0);
            group!(abcd, e, m, 2, 0);
            group!(abcd, e, m, 3, 0);
            group!(abcd, e, m, 4, 0);
            group!(abcd, e, m, 5, 1);
            group!(abcd, e, m, 6, 1);
            group!(abcd, e, m, 7, 1);
            group!(abcd, e, m, 8, 1);
            group!(abcd, e, m, 9, 1);
            group!(abcd, e, m, 10, 2);
            group!(abcd, e, m, 11, 2);
            group!(abcd, e, m, 12, 2);
            group!(abcd, e, m, 13, 2);
            group!(abcd, e, m, 14, 2);
            group!(abcd, e, m, 15, 3);
            group!(abcd, e, m, 16, 3);
            group!(abcd, e, m, 17, 3);
            group!(abcd, e, m, 18, 3);
            group!(abcd, e, m, 19, 3);
            abcd = _mm_add_epi32(abcd, abcd_saved);
            e0 = _mm_sha1nexte_epu32(e[0], e0_saved);
        }
        h[0] = _mm_extract_epi32(abcd, 3) as u32;
        h[1] = _mm_extract_epi32(abcd, 2) as u32;
        h[2] = _mm_extract_epi32(abcd, 1) as u32;
        h[3] = _mm_extract_epi32(abcd, 0) as u32;
        h[4] = _mm_extract_epi32(e0, 3) as u32;
    }
}

fn compress(h: &mut [u32; 5], block: &[u8; 64]) {
    let mut w = [0u32; 80];
    for (i, word) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
    for i in 16..80 {
        w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *h;
    macro_rules! round {
        ($f:expr, $k:expr, $w:expr) => {{
            let t = a
                .rotate_left(5)
                .wrapping_add($f)
                .wrapping_add(e)
                .wrapping_add($k)
                .wrapping_add($w);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }};
    }
    for &wi in &w[0..20] {
        round!((b & c) | (!b & d), 0x5a82_7999, wi);
    }
    for &wi in &w[20..40] {
        round!(b ^ c ^ d, 0x6ed9_eba1, wi);
    }
    for &wi in &w[40..60] {
        round!((b & c) | (b & d) | (c & d), 0x8f1b_bcdc, wi);
    }
    for &wi in &w[60..80] {
        round!(b ^ c ^ d, 0xca62_c1d6, wi);
    }
    h[0] = h[0].wrapping_add(a);
    h[1] = h[1].wrapping_add(b);
    h[2] = h[2].wrapping_add(c);
    h[3] = h[3].wrapping_add(d);
    h[4] = h[4].wrapping_add(e);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn known_digests() {
        assert_eq!(
            hex(&digest(b"")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            hex(&digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn both_compressions_agree() {
        let data: Vec<u8> = (0..64 * 40u32).map(|i| (i * 31 + i / 7) as u8).collect();
        let mut fast = [1u32, 2, 3, 4, 5];
        let mut slow = fast;
        compress_blocks(&mut fast, &data);
        for block in data.chunks_exact(64) {
            compress(&mut slow, block.try_into().unwrap());
        }
        assert_eq!(fast, slow);
    }

    #[test]
    fn matches_git_object_ids_at_every_length_and_split() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let body = &data[..len];
            let expected = git2::Oid::hash_object(git2::ObjectType::Blob, body).unwrap();
            let header = format!("blob {len}\0");
            let split = len / 3;
            let mut s = Sha1::new();
            s.update(header.as_bytes());
            s.update(&body[..split]);
            s.update(&body[split..]);
            assert_eq!(s.finish(), expected.as_bytes(), "length {len}");
        }
    }
}
