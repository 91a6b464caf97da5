//! The byte layout of recipes and of the messages to and from the cluster helper: integers
//! little-endian, strings and byte strings prefixed by their `u32` length. The helper's
//! Python side (`worker/python/rask_worker/helper.py`) reads and writes the same layout.

/// Appends fields to a message.
#[derive(Default)]
pub(crate) struct Writer(Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, x: u8) {
        self.0.push(x);
    }

    pub(crate) fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }

    /// Appends `b` with its length, or says it is too long for the layout (4 GiB).
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), String> {
        let n = u32::try_from(b.len())
            .map_err(|_| format!("{} bytes do not fit in one message (at most 4 GiB)", b.len()))?;
        self.u32(n);
        self.0.extend_from_slice(b);
        Ok(())
    }

    /// Appends a short string (a name, a key) with its length.
    pub(crate) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32); // names and keys are far below 4 GiB
        self.0.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

/// Reads fields from a message; every read checks the length first.
pub(crate) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader(bytes)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let (head, rest) =
            self.0.split_at_checked(n).ok_or_else(|| "a truncated message (client and worker differ?)".to_string())?;
        self.0 = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, String> {
        std::str::from_utf8(self.bytes()?).map_err(|_| "a string that is not UTF-8".to_string())
    }
}
