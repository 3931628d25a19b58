//! A msgpack writer that always picks the smallest form, as go-cty's
//! encoder (with compact encoding on) does.

use rmp::Marker;

#[derive(Default)]
pub(super) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn marker(&mut self, marker: Marker) {
        self.out.push(marker.to_u8());
    }

    pub(super) fn nil(&mut self) {
        self.marker(Marker::Null);
    }

    /// go-cty's "wholly unknown": a fixext1 of type 0 with a zero byte.
    pub(super) fn unknown(&mut self) {
        self.marker(Marker::FixExt1);
        self.out.extend_from_slice(&[0, 0]);
    }

    pub(super) fn bool(&mut self, flag: bool) {
        self.marker(if flag { Marker::True } else { Marker::False });
    }

    /// Non-negative values take the unsigned forms, negative ones the
    /// signed forms, each as narrow as the value allows.
    pub(super) fn int(&mut self, value: i64) {
        if let Ok(unsigned) = u64::try_from(value) {
            self.uint(unsigned);
        } else if value >= -32 {
            self.marker(Marker::FixNeg(value as i8));
        } else if let Ok(narrow) = i8::try_from(value) {
            self.marker(Marker::I8);
            self.out.extend_from_slice(&narrow.to_be_bytes());
        } else if let Ok(narrow) = i16::try_from(value) {
            self.marker(Marker::I16);
            self.out.extend_from_slice(&narrow.to_be_bytes());
        } else if let Ok(narrow) = i32::try_from(value) {
            self.marker(Marker::I32);
            self.out.extend_from_slice(&narrow.to_be_bytes());
        } else {
            self.marker(Marker::I64);
            self.out.extend_from_slice(&value.to_be_bytes());
        }
    }

    pub(super) fn uint(&mut self, value: u64) {
        if value < 0x80 {
            self.marker(Marker::FixPos(value as u8));
        } else if let Ok(narrow) = u8::try_from(value) {
            self.marker(Marker::U8);
            self.out.push(narrow);
        } else if let Ok(narrow) = u16::try_from(value) {
            self.marker(Marker::U16);
            self.out.extend_from_slice(&narrow.to_be_bytes());
        } else if let Ok(narrow) = u32::try_from(value) {
            self.marker(Marker::U32);
            self.out.extend_from_slice(&narrow.to_be_bytes());
        } else {
            self.marker(Marker::U64);
            self.out.extend_from_slice(&value.to_be_bytes());
        }
    }

    pub(super) fn f64(&mut self, value: f64) {
        self.marker(Marker::F64);
        self.out.extend_from_slice(&value.to_be_bytes());
    }

    pub(super) fn str(&mut self, text: &str) -> Result<(), TooLong> {
        let len = text.len();
        if len < 32 {
            self.marker(Marker::FixStr(len as u8));
        } else {
            self.length(len, Some(Marker::Str8), Marker::Str16, Marker::Str32)?;
        }
        self.out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    pub(super) fn bin(&mut self, bytes: &[u8]) -> Result<(), TooLong> {
        self.length(bytes.len(), Some(Marker::Bin8), Marker::Bin16, Marker::Bin32)?;
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    pub(super) fn array_len(&mut self, len: usize) -> Result<(), TooLong> {
        if len < 16 {
            self.marker(Marker::FixArray(len as u8));
            Ok(())
        } else {
            self.length(len, None, Marker::Array16, Marker::Array32)
        }
    }

    pub(super) fn map_len(&mut self, len: usize) -> Result<(), TooLong> {
        if len < 16 {
            self.marker(Marker::FixMap(len as u8));
            Ok(())
        } else {
            self.length(len, None, Marker::Map16, Marker::Map32)
        }
    }

    /// A marker and big-endian length in the narrowest of the 8-bit (which
    /// arrays and maps lack), 16-bit and 32-bit forms.
    fn length(
        &mut self,
        len: usize,
        marker8: Option<Marker>,
        marker16: Marker,
        marker32: Marker,
    ) -> Result<(), TooLong> {
        match marker8 {
            Some(marker8) if len <= usize::from(u8::MAX) => {
                self.marker(marker8);
                self.out.push(len as u8);
            }
            _ => {
                if let Ok(narrow) = u16::try_from(len) {
                    self.marker(marker16);
                    self.out.extend_from_slice(&narrow.to_be_bytes());
                } else {
                    let narrow = u32::try_from(len).map_err(|_| TooLong(len))?;
                    self.marker(marker32);
                    self.out.extend_from_slice(&narrow.to_be_bytes());
                }
            }
        }
        Ok(())
    }
}

/// msgpack lengths stop at 2^32 - 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooLong(pub usize);
