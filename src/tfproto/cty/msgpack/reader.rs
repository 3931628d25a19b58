//! A bounds-checked msgpack reader that yields one item header at a time.
//!
//! Strings, binaries and extension payloads are borrowed from the input;
//! array and map items carry only their declared length, which the caller
//! must not trust for allocation.

use rmp::Marker;

/// One msgpack item. Containers are followed by their elements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Item<'a> {
    Nil,
    Bool(bool),
    /// Written with a signed marker (negative fixint, int8 … int64).
    Int(i64),
    /// Written with an unsigned marker (positive fixint, uint8 … uint64).
    UInt(u64),
    /// float32 (widened exactly) or float64.
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    /// Any extension type; its payload is skipped.
    Ext,
    /// The byte 0xc1, which msgpack never uses.
    Reserved,
}

impl Item<'_> {
    /// What kind of item this is, for error messages.
    pub(super) fn kind_name(&self) -> &'static str {
        match self {
            Item::Nil => "msgpack nil",
            Item::Bool(_) => "msgpack boolean",
            Item::Int(_) | Item::UInt(_) => "msgpack integer",
            Item::Float(_) => "msgpack float",
            Item::Str(_) => "msgpack string",
            Item::Bin(_) => "msgpack binary",
            Item::Array(_) => "msgpack array",
            Item::Map(_) => "msgpack map",
            Item::Ext => "msgpack extension",
            Item::Reserved => "the reserved msgpack byte 0xc1",
        }
    }
}

pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next item, or `None` if the input ends first.
    pub(super) fn next_item(&mut self) -> Option<Item<'a>> {
        let marker = Marker::from_u8(*self.bytes.get(self.pos)?);
        self.pos += 1;
        Some(match marker {
            Marker::Null => Item::Nil,
            Marker::True => Item::Bool(true),
            Marker::False => Item::Bool(false),
            Marker::FixPos(value) => Item::UInt(value.into()),
            Marker::U8 => Item::UInt(u8::from_be_bytes(self.array()?).into()),
            Marker::U16 => Item::UInt(u16::from_be_bytes(self.array()?).into()),
            Marker::U32 => Item::UInt(u32::from_be_bytes(self.array()?).into()),
            Marker::U64 => Item::UInt(u64::from_be_bytes(self.array()?)),
            Marker::FixNeg(value) => Item::Int(value.into()),
            Marker::I8 => Item::Int(i8::from_be_bytes(self.array()?).into()),
            Marker::I16 => Item::Int(i16::from_be_bytes(self.array()?).into()),
            Marker::I32 => Item::Int(i32::from_be_bytes(self.array()?).into()),
            Marker::I64 => Item::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Item::Float(f32::from_be_bytes(self.array()?).into()),
            Marker::F64 => Item::Float(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(len) => Item::Str(self.take(len.into())?),
            Marker::Str8 => Item::Str(self.sized::<1>()?),
            Marker::Str16 => Item::Str(self.sized::<2>()?),
            Marker::Str32 => Item::Str(self.sized::<4>()?),
            Marker::Bin8 => Item::Bin(self.sized::<1>()?),
            Marker::Bin16 => Item::Bin(self.sized::<2>()?),
            Marker::Bin32 => Item::Bin(self.sized::<4>()?),
            Marker::FixArray(len) => Item::Array(len.into()),
            Marker::Array16 => Item::Array(self.length::<2>()?),
            Marker::Array32 => Item::Array(self.length::<4>()?),
            Marker::FixMap(len) => Item::Map(len.into()),
            Marker::Map16 => Item::Map(self.length::<2>()?),
            Marker::Map32 => Item::Map(self.length::<4>()?),
            // An extension is a type byte and then its payload.
            Marker::FixExt1 => self.skip_ext(1)?,
            Marker::FixExt2 => self.skip_ext(2)?,
            Marker::FixExt4 => self.skip_ext(4)?,
            Marker::FixExt8 => self.skip_ext(8)?,
            Marker::FixExt16 => self.skip_ext(16)?,
            Marker::Ext8 => self.sized_ext::<1>()?,
            Marker::Ext16 => self.sized_ext::<2>()?,
            Marker::Ext32 => self.sized_ext::<4>()?,
            Marker::Reserved => Item::Reserved,
        })
    }

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(len)?;
        let taken = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// A big-endian length of `N` bytes.
    fn length<const N: usize>(&mut self) -> Option<usize> {
        let mut widened = [0u8; 8];
        widened[8 - N..].copy_from_slice(&self.array::<N>()?);
        usize::try_from(u64::from_be_bytes(widened)).ok()
    }

    /// A length of `N` bytes followed by that many bytes.
    fn sized<const N: usize>(&mut self) -> Option<&'a [u8]> {
        let len = self.length::<N>()?;
        self.take(len)
    }

    fn skip_ext(&mut self, payload_len: usize) -> Option<Item<'a>> {
        self.take(1 + payload_len)?;
        Some(Item::Ext)
    }

    fn sized_ext<const N: usize>(&mut self) -> Option<Item<'a>> {
        let len = self.length::<N>()?;
        self.skip_ext(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(bytes: &[u8]) -> Vec<Option<Item<'_>>> {
        let mut reader = Reader::new(bytes);
        let mut items = Vec::new();
        while reader.remaining() > 0 {
            let item = reader.next_item();
            let done = item.is_none();
            items.push(item);
            if done {
                break;
            }
        }
        items
    }

    #[test]
    fn reads_each_header_form() {
        let bytes = [
            0xc0, 0xc3, 0x05, 0xe0, 0xcc, 0xff, 0xd1, 0xff, 0x00, 0xca, 0x3f, 0xc0, 0x00, 0x00, 0xa1, b'x', 0xc4, 0x01,
            b'y', 0x92, 0xde, 0x00, 0x03, 0xd4, 0x00, 0x00, 0xc7, 0x02, 0x0c, 0x81, 0x01, 0xc1,
        ];
        assert_eq!(
            items(&bytes),
            vec![
                Some(Item::Nil),
                Some(Item::Bool(true)),
                Some(Item::UInt(5)),
                Some(Item::Int(-32)),
                Some(Item::UInt(255)),
                Some(Item::Int(-256)),
                Some(Item::Float(1.5)),
                Some(Item::Str(b"x")),
                Some(Item::Bin(b"y")),
                Some(Item::Array(2)),
                Some(Item::Map(3)),
                Some(Item::Ext),
                Some(Item::Ext),
                Some(Item::Reserved),
            ]
        );
    }

    #[test]
    fn truncated_input_yields_none() {
        for bytes in [
            &[0xcd, 0x01][..],
            &[0xa3, b'a'],
            &[0xdb, 0xff, 0xff, 0xff, 0xff],
            &[0xd6, 0],
        ] {
            assert_eq!(Reader::new(bytes).next_item(), None, "{bytes:x?}");
        }
    }
}
