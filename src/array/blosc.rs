//! Decompression of Blosc (version 1) frames, the default compressor of zarr-python 2 and
//! common in Zarr stores: a 16-byte header, a table of block offsets, then each block as
//! one or `typesize` compressed streams, byte- or bit-shuffled. The codecs are blosclz
//! (here), lz4/lz4hc, zlib and zstd (through the crates polars already links).

/// Header flags.
const BYTE_SHUFFLE: u8 = 0x01;
const MEMCPYED: u8 = 0x02;
const BIT_SHUFFLE: u8 = 0x04;
const DONT_SPLIT: u8 = 0x10;

/// The bytes a Blosc frame holds.
///
/// A corrupt or truncated frame is an error saying what is wrong, never a panic.
pub(crate) fn decompress(src: &[u8]) -> Result<Vec<u8>, String> {
    let header = src.get(..16).ok_or("a blosc frame shorter than its 16-byte header")?;
    let (version, flags, typesize) = (header[0], header[2], usize::from(header[3]).max(1));
    let word = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]) as usize;
    let (nbytes, blocksize, cbytes) = (word(4), word(8), word(12));
    if cbytes > src.len() {
        return Err(format!("a blosc frame of {cbytes} bytes, truncated to {}", src.len()));
    }
    if flags & MEMCPYED != 0 {
        return src.get(16..16 + nbytes).map(<[u8]>::to_vec).ok_or_else(|| "a stored blosc frame is truncated".into());
    }
    if nbytes == 0 {
        return Ok(Vec::new());
    }
    if blocksize == 0 {
        return Err("a blosc frame with blocks of 0 bytes".into());
    }
    let codec = Codec::from_code(flags >> 5)?;
    let nblocks = nbytes.div_ceil(blocksize);
    let mut out = vec![0u8; nbytes];
    let mut tmp = vec![0u8; blocksize];
    for (b, dest) in out.chunks_mut(blocksize).enumerate() {
        let start = 16 + 4 * b;
        let offset = src.get(start..start + 4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize);
        let mut at = offset.filter(|&o| o < src.len()).ok_or_else(|| format!("block {b} of {nblocks}: its offset is outside the frame"))?;
        let leftover = dest.len() < blocksize;
        let streams = if flags & DONT_SPLIT == 0 && !leftover { typesize } else { 1 };
        let shuffled = (flags & BYTE_SHUFFLE != 0 && typesize > 1) || flags & BIT_SHUFFLE != 0;
        let target = if shuffled { &mut tmp[..dest.len()] } else { &mut *dest };
        let each = target.len() / streams;
        for (s, part) in target.chunks_mut(each.max(1)).take(streams).enumerate() {
            let len = src.get(at..at + 4).map(|w| i32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            let len = len.and_then(|n| usize::try_from(n).ok()).ok_or_else(|| format!("block {b}, stream {s}: no valid size"))?;
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
        if flags & BIT_SHUFFLE != 0 {
            bit_unshuffle(&tmp[..dest.len()], dest, typesize, version);
        } else if shuffled {
            byte_unshuffle(&tmp[..dest.len()], dest, typesize);
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

    /// A frame by hand: two stored (uncompressed) byte-shuffled streams in one block.
    #[test]
    fn a_hand_made_frame_with_stored_streams() {
        let values: [u16; 4] = [0x0102, 0x0304, 0x0506, 0x0708];
        let mut frame = vec![2, 1, BYTE_SHUFFLE, 2];
        for w in [8u32, 8, 16 + 4 + 2 * (4 + 4)] {
            frame.extend(w.to_le_bytes());
        }
        frame.extend(20u32.to_le_bytes());
        for stream in [[0x02u8, 0x04, 0x06, 0x08], [0x01, 0x03, 0x05, 0x07]] {
            frame.extend(4i32.to_le_bytes());
            frame.extend(stream);
        }
        let want: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(decompress(&frame), Ok(want));
        assert_eq!(decompress(&frame[..30]), Err("a blosc frame of 36 bytes, truncated to 30".into()));
        assert!(decompress(&frame[..5]).is_err());
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
