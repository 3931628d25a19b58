//! Decodes arbitrary bytes as msgpack against schema-like types. Decoding may
//! fail but must never panic, overflow the stack or allocate without bound;
//! whatever decodes must encode again and decode to the same value.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tfalchemy::tfproto::cty::{ObjectType, Type, Value};

/// Shapes like the provider's own schemas, plus `dynamic`, whose payload
/// chooses its own type and so reaches every part of the decoder.
fn types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let resource = Type::Object(
            ObjectType::new([
                ("id", Type::String),
                ("url", Type::String),
                ("planned_sql", Type::list(Type::String)),
                (
                    "hazards",
                    Type::set(Type::object([("kind", Type::String), ("detail", Type::String)])),
                ),
                ("settings", Type::map(Type::String)),
                ("timeout_seconds", Type::Number),
                ("allow_destructive", Type::Bool),
                ("extra", Type::Dynamic),
            ])
            .with_optional(["settings", "timeout_seconds", "extra"]),
        );
        vec![
            Type::Dynamic,
            resource,
            Type::tuple([Type::String, Type::Number, Type::Bool]),
            Type::map(Type::list(Type::Dynamic)),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the type, so one corpus covers them all.
    let Some((selector, bytes)) = data.split_first() else {
        return;
    };
    let types = types();
    let ty = &types[usize::from(*selector) % types.len()];
    let Ok(value) = Value::decode_msgpack(bytes, ty) else {
        return;
    };
    let encoded = value
        .encode_msgpack(ty)
        .expect("a decoded value must encode under the type it was decoded with");
    let again = Value::decode_msgpack(&encoded, ty).expect("our own encoding must decode");
    assert_eq!(again, value, "decode(encode(value)) changed the value");
});
