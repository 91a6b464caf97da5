//! Decompression of Blosc (version 1) frames, the default compressor of zarr-python 2 and
//! common in Zarr stores: a 16-byte header, a table of block offsets, then each block as
//! one or `typesize` compressed streams, byte- or bit-shuffled. The codecs are blosclz
//! (here), lz4/lz4hc, zlib and zstd (through the crates polars already links).

/// Header flags.
const BYTE_SHUFFLE: u8 = 0x01;
const MEMCPYED: u8 = 0x02;
const BIT_SHUFFLE: u8 = 0x04;
const EXTENDED: u8 = 0x08;
const DONT_SPLIT: u8 = 0x10;

/// The bytes a Blosc frame holds; `expected`, when known, is how many there must be
/// (checked before anything is allocated).
///
/// A corrupt or truncated frame is an error saying what is wrong, never a panic.
pub(crate) fn decompress(src: &[u8], expected: Option<usize>) -> Result<Vec<u8>, String> {
    let header = src.get(..16).ok_or("a blosc frame shorter than its 16-byte header")?;
    let (version, flags, typesize) = (header[0], header[2], usize::from(header[3]));
    let word = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]) as usize;
    let (nbytes, blocksize, cbytes) = (word(4), word(8), word(12));
    if !(1..=2).contains(&version) || flags & EXTENDED != 0 {
        return Err(format!(
            "blosc format version {version} (flags {flags:#04x}) is not supported: rask reads Blosc 1 frames"
        ));
    }
    if cbytes > src.len() {
        return Err(format!("a blosc frame of {cbytes} bytes, truncated to {}", src.len()));
    }
    if let Some(n) = expected.filter(|&n| n != nbytes) {
        return Err(format!("a blosc frame of {nbytes} bytes where {n} were expected"));
    }
    if flags & MEMCPYED != 0 {
        return src.get(16..16 + nbytes).map(<[u8]>::to_vec).ok_or_else(|| "a stored blosc frame is truncated".into());
    }
    if nbytes == 0 {
        return Ok(Vec::new());
    }
    if typesize == 0 || blocksize == 0 || blocksize > nbytes {
        return Err(format!(
            "a blosc frame with blocks of {blocksize} bytes of elements of {typesize} for {nbytes} bytes"
        ));
    }
    let nblocks = nbytes.div_ceil(blocksize);
    if 16 + 4 * nblocks > cbytes {
        return Err(format!("a blosc frame of {cbytes} bytes cannot hold the offsets of {nblocks} blocks"));
    }
    let codec = Codec::from_code(flags >> 5)?;
    // As c-blosc 1: byte shuffle wins when both are flagged; one byte needs no byte shuffle.
    let byte_shuffle = flags & BYTE_SHUFFLE != 0;
    let shuffled = (byte_shuffle && typesize > 1) || (!byte_shuffle && flags & BIT_SHUFFLE != 0);
    // Frames from before the "don't split" flag split only small types in big enough blocks.
    let split = flags & DONT_SPLIT == 0 && typesize <= 16 && blocksize / typesize >= 128;
    let mut out = vec![0u8; nbytes];
    let mut tmp = vec![0u8; if shuffled { blocksize } else { 0 }];
    for (b, dest) in out.chunks_mut(blocksize).enumerate() {
        let start = 16 + 4 * b;
        let offset = u32::from_le_bytes([src[start], src[start + 1], src[start + 2], src[start + 3]]) as usize;
        let mut at = Some(offset)
            .filter(|&o| o < cbytes)
            .ok_or_else(|| format!("block {b} of {nblocks}: its offset is outside the frame"))?;
        let streams = if split && dest.len() == blocksize { typesize } else { 1 };
        if dest.len() % streams != 0 {
            return Err(format!("block {b}: {} bytes do not split into {streams} streams", dest.len()));
        }
        let target = if shuffled { &mut tmp[..dest.len()] } else { &mut *dest };
        for (s, part) in target.chunks_mut(target.len() / streams).enumerate() {
            let len = src.get(at..at + 4).map(|w| i32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            let len = len
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("block {b}, stream {s}: no valid size"))?;
            let data = src.get(at + 4..at + 4 + len).ok_or_else(|| format!("block {b}, stream {s}: truncated"))?;
            if len == part.len() {
                part.copy_from_slice(data);
            } else {
                let n = codec.decompress(data, part).map_err(|e| format!("block {b}, stream {s}: {e}"))?;
                if n != part.len() {
                    return Err(format!("block {b}, stream {s}: {n} bytes decompressed, expected {}", part.len()));
                }
            }
            at += 4 + len;
        }
        if byte_shuffle && shuffled {
            byte_unshuffle(&tmp[..dest.len()], dest, typesize);
        } else if shuffled {
            bit_unshuffle(&tmp[..dest.len()], dest, typesize, version);
        }
    }
    Ok(out)
}

/// The compressor of a frame (bits 5 to 7 of its flags).
#[derive(Clone, Copy, Debug)]
enum Codec {
    BloscLz,
    Lz4,
    Zlib,
    Zstd,
}

impl Codec {
    fn from_code(code: u8) -> Result<Codec, String> {
        match code {
            0 => Ok(Codec::BloscLz),
            1 => Ok(Codec::Lz4),
            2 => Err("blosc with snappy is not supported (rask reads blosclz, lz4, lz4hc, zlib and zstd)".into()),
            3 => Ok(Codec::Zlib),
            4 => Ok(Codec::Zstd),
            other => Err(format!("blosc compressor number {other} is unknown")),
        }
    }

    /// Decompresses `src` into `out`, returning how many bytes were written.
    fn decompress(self, src: &[u8], out: &mut [u8]) -> Result<usize, String> {
        match self {
            Codec::BloscLz => blosclz(src, out),
            Codec::Lz4 => {
                let n = i32::try_from(out.len()).map_err(|_| "an lz4 stream over 2 GiB")?;
                lz4::block::decompress_to_buffer(src, Some(n), out).map_err(|e| format!("lz4: {e}"))
            }
            Codec::Zlib => {
                use std::io::Read;
                let mut d = flate2::read::ZlibDecoder::new(src);
                let mut n = 0;
                while n < out.len() {
                    match d.read(&mut out[n..]).map_err(|e| format!("zlib: {e}"))? {
                        0 => break,
                        k => n += k,
                    }
                }
                Ok(n)
            }
            Codec::Zstd => zstd::bulk::decompress_to_buffer(src, out).map_err(|e| format!("zstd: {e}")),
        }
    }
}

/// Blosc's own LZ77 codec (after FastLZ): literal runs and back references, with 13-bit
/// distances extended to 16 bits.
fn blosclz(src: &[u8], out: &mut [u8]) -> Result<usize, String> {
    const MAX_DISTANCE: usize = 8191;
    let bad = || "blosclz: a corrupt stream".to_string();
    let mut ip = 0;
    let mut op: usize = 0;
    let mut ctrl = usize::from(*src.first().ok_or_else(bad)? & 31);
    ip += 1;
    loop {
        if ctrl >= 32 {
            // A back reference: length in the top 3 bits (7 = more bytes follow).
            let mut len = (ctrl >> 5) - 1;
            let mut ofs = (ctrl & 31) << 8;
            if len == 6 {
                loop {
                    let code = *src.get(ip).ok_or_else(bad)?;
                    ip += 1;
                    len += usize::from(code);
                    if code != 255 {
                        break;
                    }
                }
            }
            let code = usize::from(*src.get(ip).ok_or_else(bad)?);
            ip += 1;
            let mut distance = ofs + code;
            if code == 255 && ofs == 31 << 8 {
                let hi = usize::from(*src.get(ip).ok_or_else(bad)?);
                let lo = usize::from(*src.get(ip + 1).ok_or_else(bad)?);
                ip += 2;
                ofs = (hi << 8) + lo;
                distance = ofs + MAX_DISTANCE;
            }
            // The match starts `distance + 1` bytes back and is `len + 3` long.
            let from = op.checked_sub(distance + 1).ok_or_else(bad)?;
            let n = len + 3;
            if op + n > out.len() {
                return Err(bad());
            }
            for k in 0..n {
                out[op + k] = out[from + k];
            }
            op += n;
            if ip >= src.len() {
                return Ok(op);
            }
            ctrl = usize::from(src[ip]);
            ip += 1;
        } else {
            // A run of `ctrl + 1` literal bytes.
            let n = ctrl + 1;
            let lit = src.get(ip..ip + n).ok_or_else(bad)?;
            out.get_mut(op..op + n).ok_or_else(bad)?.copy_from_slice(lit);
            op += n;
            ip += n;
            if ip >= src.len() {
                return Ok(op);
            }
            ctrl = usize::from(src[ip]);
            ip += 1;
        }
    }
}

/// Undoes Blosc's byte shuffle: byte `i` of every element was stored together, stream
/// after stream; bytes past the last whole element were stored as they are.
fn byte_unshuffle(src: &[u8], dest: &mut [u8], typesize: usize) {
    let n = src.len() / typesize;
    for (e, element) in dest[..n * typesize].chunks_exact_mut(typesize).enumerate() {
        for (i, byte) in element.iter_mut().enumerate() {
            *byte = src[i * n + e];
        }
    }
    dest[n * typesize..].copy_from_slice(&src[n * typesize..]);
}

/// Undoes the bitshuffle filter: bit `k` of byte `j` of element `8m + t` was stored as bit
/// `t` of byte `m` of row `8j + k`, over the first multiple of 8 elements (frames of
/// format version 2 shuffle a block only when all of it is such a multiple); the rest as
/// it is.
fn bit_unshuffle(src: &[u8], dest: &mut [u8], typesize: usize, version: u8) {
    let elements = src.len() / typesize;
    let whole = if version <= 2 && !elements.is_multiple_of(8) { 0 } else { elements - elements % 8 };
    let row = whole / 8;
    dest[..whole * typesize].fill(0);
    for j in 0..typesize {
        for k in 0..8 {
            let bits = &src[(8 * j + k) * row..(8 * j + k + 1) * row];
            for (m, &byte) in bits.iter().enumerate() {
                for t in 0..8 {
                    dest[(8 * m + t) * typesize + j] |= ((byte >> t) & 1) << k;
                }
            }
        }
    }
    dest[whole * typesize..].copy_from_slice(&src[whole * typesize..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame by hand: `values` (u16) byte-shuffled and stored (not compressed), in one
    /// stream or, when `split`, in one stream per byte of the element.
    fn stored_frame(values: &[u16], split: bool) -> Vec<u8> {
        let n = values.len();
        let streams: Vec<Vec<u8>> = if split {
            (0..2).map(|i| values.iter().map(|v| v.to_le_bytes()[i]).collect()).collect()
        } else {
            vec![(0..2).flat_map(|i| values.iter().map(move |v| v.to_le_bytes()[i])).collect()]
        };
        let body: usize = streams.iter().map(|s| 4 + s.len()).sum();
        let flags = BYTE_SHUFFLE | if split { 0 } else { DONT_SPLIT };
        let mut frame = vec![2, 1, flags, 2];
        for w in [2 * n, 2 * n, 16 + 4 + body] {
            frame.extend((w as u32).to_le_bytes());
        }
        frame.extend(20u32.to_le_bytes());
        for stream in streams {
            frame.extend((stream.len() as i32).to_le_bytes());
            frame.extend(stream);
        }
        frame
    }

    #[test]
    fn hand_made_frames_and_bad_headers() {
        let small: Vec<u16> = vec![0x0102, 0x0304, 0x0506, 0x0708];
        let big: Vec<u16> = (0..128u16).map(|v| v * 515).collect();
        for (values, split) in [(&small, false), (&big, true), (&big, false)] {
            let want: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            assert_eq!(decompress(&stored_frame(values, split), Some(want.len())), Ok(want), "split {split}");
        }
        let frame = stored_frame(&small, false);
        assert_eq!(decompress(&frame[..30], None), Err("a blosc frame of 32 bytes, truncated to 30".into()));
        assert_eq!(decompress(&frame, Some(16)), Err("a blosc frame of 8 bytes where 16 were expected".into()));
        assert!(decompress(&frame[..5], None).is_err());
        // Hostile headers, refused before anything is allocated: 4 GiB in one block where a
        // Zarr chunk of 8 bytes is expected, and 4 GiB in blocks of 8 bytes (whose offsets
        // the 32 bytes of the frame cannot hold).
        let mut huge = frame.clone();
        huge[4..12].copy_from_slice(&[0xff; 8]);
        assert!(decompress(&huge, Some(8)).is_err_and(|e| e.contains("where 8 were expected")));
        huge[8..12].copy_from_slice(&8u32.to_le_bytes());
        assert!(decompress(&huge, None).is_err_and(|e| e.contains("cannot hold")));
        let mut blosc2 = frame.clone();
        blosc2[0] = 3;
        assert!(decompress(&blosc2, None).is_err_and(|e| e.contains("version 3")));
    }

    #[test]
    fn bit_unshuffle_inverts_the_bit_transpose() {
        // 16 elements of 2 bytes: element e is e * 0x0101 + 1.
        let values: Vec<u8> = (0..16u16).flat_map(|e| (e * 0x0101 + 1).to_le_bytes()).collect();
        let mut shuffled = vec![0u8; values.len()];
        for (e, v) in values.chunks(2).enumerate() {
            for (j, byte) in v.iter().enumerate() {
                for k in 0..8 {
                    shuffled[(8 * j + k) * 2 + e / 8] |= ((byte >> k) & 1) << (e % 8);
                }
            }
        }
        let mut back = vec![0u8; values.len()];
        bit_unshuffle(&shuffled, &mut back, 2, 2);
        assert_eq!(back, values);
    }

    #[test]
    fn blosclz_literals_and_a_run() {
        // 3 literals "abc", then a match of length 6 at distance 3 ("abcabc").
        let stream = [2, b'a', b'b', b'c', (4 << 5), 2];
        let mut out = [0u8; 9];
        assert_eq!(blosclz(&stream, &mut out), Ok(9));
        assert_eq!(&out, b"abcabcabc");
        assert!(blosclz(&[5, b'a'], &mut out).is_err());
    }
}
