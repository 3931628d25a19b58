//! The cty codecs against byte-exact msgpack vectors (written from the
//! msgpack specification), go-cty's JSON forms, and property tests: round
//! trips for arbitrary types and values, and no panic on arbitrary input.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tfalchemy::tfproto::cty::{DecodeErrorKind, EncodeErrorKind, Number, ObjectType, PathStep, Type, Value, MAX_DEPTH};

fn number(text: &str) -> Value {
    Value::Number(Number::parse(text).expect("test numbers parse"))
}

fn decoded(bytes: &[u8], ty: &Type) -> Value {
    match Value::decode_msgpack(bytes, ty) {
        Ok(value) => value,
        Err(error) => panic!("{bytes:02x?} as {ty}: {error}"),
    }
}

fn encoded(value: &Value, ty: &Type) -> Vec<u8> {
    match value.encode_msgpack(ty) {
        Ok(bytes) => bytes,
        Err(error) => panic!("{value:?} as {ty}: {error}"),
    }
}

fn decode_error(bytes: &[u8], ty: &Type) -> (String, DecodeErrorKind) {
    match Value::decode_msgpack(bytes, ty) {
        Ok(value) => panic!("{bytes:02x?} as {ty} decoded to {value:?}"),
        Err(error) => (error.path.to_string(), error.kind),
    }
}

/// A string encoded with its msgpack header.
fn str_bytes(header: &[u8], text: &str) -> Vec<u8> {
    [header, text.as_bytes()].concat()
}

#[test]
fn numbers_encode_in_the_smallest_form() {
    let cases: [(&str, &[u8]); 22] = [
        ("0", &[0x00]),
        ("127", &[0x7f]),
        ("128", &[0xcc, 0x80]),
        ("255", &[0xcc, 0xff]),
        ("256", &[0xcd, 0x01, 0x00]),
        ("65535", &[0xcd, 0xff, 0xff]),
        ("65536", &[0xce, 0x00, 0x01, 0x00, 0x00]),
        ("4294967296", &[0xcf, 0, 0, 0, 0x01, 0, 0, 0, 0]),
        (
            "18446744073709551615",
            &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        ("-1", &[0xff]),
        ("-32", &[0xe0]),
        ("-33", &[0xd0, 0xdf]),
        ("-128", &[0xd0, 0x80]),
        ("-129", &[0xd1, 0xff, 0x7f]),
        ("-32768", &[0xd1, 0x80, 0x00]),
        ("-32769", &[0xd2, 0xff, 0xff, 0x7f, 0xff]),
        ("-2147483649", &[0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]),
        ("1.5", &[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
        ("-0.25", &[0xcb, 0xbf, 0xd0, 0, 0, 0, 0, 0, 0]),
        ("12.0", &[0x0c]),
        ("0.1", &[0xa3, b'0', b'.', b'1']),
        (
            "-123456789012345678901234567890",
            &[
                0xbf, b'-', b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9', b'0', b'1', b'2', b'3', b'4', b'5',
                b'6', b'7', b'8', b'9', b'0', b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9', b'0',
            ],
        ),
    ];
    for (text, bytes) in cases {
        assert_eq!(encoded(&number(text), &Type::Number), bytes, "{text}");
        assert_eq!(decoded(bytes, &Type::Number), number(text), "{text}");
    }
    let infinity = Value::Number(Number::from_f64(f64::INFINITY).expect("not NaN"));
    assert_eq!(encoded(&infinity, &Type::Number), [0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn numbers_decode_from_every_width_and_as_text() {
    let cases: [(&[u8], &str); 16] = [
        (&[0x05], "5"),
        (&[0xf0], "-16"),
        (&[0xcc, 0x05], "5"),
        (&[0xcd, 0x00, 0x05], "5"),
        (&[0xce, 0, 0, 0, 0x05], "5"),
        (&[0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05], "5"),
        (&[0xd0, 0xfb], "-5"),
        (&[0xd1, 0xff, 0xfb], "-5"),
        (&[0xd2, 0xff, 0xff, 0xff, 0xfb], "-5"),
        (&[0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb], "-5"),
        (&[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], "-9223372036854775808"),
        (&[0xca, 0x3f, 0xc0, 0x00, 0x00], "1.5"),
        (&[0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0], "5"),
        (&[0xa3, b'1', b'e', b'2'], "100"),
        (&[0xc4, 0x03, b'0', b'.', b'1'], "0.1"),
        (&[0xd9, 0x03, b'2', b'.', b'5'], "2.5"),
    ];
    for (bytes, text) in cases {
        assert_eq!(decoded(bytes, &Type::Number), number(text), "{bytes:02x?}");
    }
    let (_, kind) = decode_error(&[0xa3, b'a', b'b', b'c'], &Type::Number);
    assert!(matches!(kind, DecodeErrorKind::InvalidNumber(_)), "{kind:?}");
    let nan = [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0];
    let (_, kind) = decode_error(&nan, &Type::Number);
    assert!(matches!(kind, DecodeErrorKind::InvalidNumber(_)), "{kind:?}");
    let (_, kind) = decode_error(&[0xc3], &Type::Number);
    assert_eq!(
        kind,
        DecodeErrorKind::Expected {
            expected: "number".into(),
            found: "msgpack boolean"
        }
    );
}

#[test]
fn strings_and_bools() {
    assert_eq!(encoded(&Value::string("hi"), &Type::String), [0xa2, b'h', b'i']);
    let thirty_two = "x".repeat(32);
    assert_eq!(
        encoded(&Value::string(&thirty_two), &Type::String),
        str_bytes(&[0xd9, 0x20], &thirty_two)
    );
    let long = "y".repeat(256);
    assert_eq!(
        encoded(&Value::string(&long), &Type::String),
        str_bytes(&[0xda, 0x01, 0x00], &long)
    );
    let huge = "z".repeat(65536);
    assert_eq!(
        encoded(&Value::string(&huge), &Type::String),
        str_bytes(&[0xdb, 0x00, 0x01, 0x00, 0x00], &huge)
    );
    assert_eq!(decoded(&[0xc4, 0x02, b'h', b'i'], &Type::String), Value::string("hi"));
    assert_eq!(decoded(&[0xc5, 0x00, 0x01, b'h'], &Type::String), Value::string("h"));
    assert_eq!(
        decode_error(&[0xa2, 0xff, 0xfe], &Type::String).1,
        DecodeErrorKind::InvalidUtf8
    );
    assert_eq!(encoded(&Value::Bool(true), &Type::Bool), [0xc3]);
    assert_eq!(encoded(&Value::Bool(false), &Type::Bool), [0xc2]);
    assert_eq!(decoded(&[0xc2], &Type::Bool), Value::Bool(false));
}

#[test]
fn null_and_unknown_under_every_extension_form() {
    assert_eq!(encoded(&Value::Null, &Type::String), [0xc0]);
    assert_eq!(encoded(&Value::Unknown, &Type::list(Type::String)), [0xd4, 0x00, 0x00]);
    assert_eq!(decoded(&[0xc0], &Type::Dynamic), Value::Null);
    let extensions: [&[u8]; 10] = [
        &[0xd4, 0x00, 0x00],
        &[0xd4, 0x05, 0x07],
        &[0xd5, 0x00, 0x00, 0x00],
        &[0xd6, 0x01, 0, 0, 0, 0],
        &[0xd7, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0],
        &[0xd8, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[0xc7, 0x00, 0x00],
        // Terraform 1.3+ refined unknown: code 12, payload {1: false} (not null).
        &[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2],
        // Refined unknown string with prefix "ab": {1: false, 2: "ab"}.
        &[0xc8, 0x00, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'],
        &[0xc9, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x80],
    ];
    let types = [
        Type::String,
        Type::Number,
        Type::Dynamic,
        Type::list(Type::Bool),
        Type::object([("a", Type::String)]),
    ];
    for bytes in extensions {
        for ty in &types {
            assert_eq!(decoded(bytes, ty), Value::Unknown, "{bytes:02x?} as {ty}");
        }
        let in_list = [&[0x92, 0x01][..], bytes].concat();
        assert_eq!(
            decoded(&in_list, &Type::list(Type::Number)),
            Value::List(vec![number("1"), Value::Unknown])
        );
    }
    let (_, kind) = decode_error(&[0xc7, 0x05, 0x0c, 0x81], &Type::String);
    assert_eq!(kind, DecodeErrorKind::UnexpectedEnd);
}

#[test]
fn collections() {
    let strings = Value::List(vec![Value::string("a"), Value::string("b")]);
    let list = [0x92, 0xa1, b'a', 0xa1, b'b'];
    assert_eq!(encoded(&strings, &Type::list(Type::String)), list);
    assert_eq!(decoded(&list, &Type::list(Type::String)), strings);
    let set = Value::Set(vec![Value::string("a"), Value::string("b")]);
    assert_eq!(decoded(&list, &Type::set(Type::String)), set);
    let tuple = Value::Tuple(vec![Value::string("a"), Value::Bool(true)]);
    let tuple_type = Type::tuple([Type::String, Type::Bool]);
    assert_eq!(encoded(&tuple, &tuple_type), [0x92, 0xa1, b'a', 0xc3]);
    assert_eq!(
        decode_error(&[0x91, 0xa1, b'a'], &tuple_type).1,
        DecodeErrorKind::TupleLength { expected: 2, found: 1 }
    );

    let sixteen = Value::List((0..16).map(|n| number(&n.to_string())).collect());
    let mut array16 = vec![0xdc, 0x00, 0x10];
    array16.extend(0..16u8);
    assert_eq!(encoded(&sixteen, &Type::list(Type::Number)), array16);
    assert_eq!(decoded(&array16, &Type::list(Type::Number)), sixteen);
    let array32 = [0xdd, 0, 0, 0, 0x01, 0x07];
    assert_eq!(
        decoded(&array32, &Type::list(Type::Number)),
        Value::List(vec![number("7")])
    );

    let map = Value::Map(BTreeMap::from([("a".into(), number("1"))]));
    let map_type = Type::map(Type::Number);
    assert_eq!(encoded(&map, &map_type), [0x81, 0xa1, b'a', 0x01]);
    assert_eq!(decoded(&[0xde, 0x00, 0x01, 0xa1, b'a', 0x01], &map_type), map);
    assert_eq!(decoded(&[0xdf, 0, 0, 0, 0x01, 0xa1, b'a', 0x01], &map_type), map);
    assert_eq!(
        decode_error(&[0x82, 0xa1, b'a', 0x01, 0xa1, b'a', 0x02], &map_type).1,
        DecodeErrorKind::DuplicateKey("a".into())
    );
    let (path, kind) = decode_error(&[0x81, 0x01, 0x01], &map_type);
    assert_eq!(path, "(root)");
    assert!(matches!(
        kind,
        DecodeErrorKind::Expected {
            found: "msgpack integer",
            ..
        }
    ));

    let sixteen_entries: BTreeMap<String, Value> = (0..16).map(|n| (format!("k{n:02}"), Value::Bool(true))).collect();
    let bytes = encoded(&Value::Map(sixteen_entries), &Type::map(Type::Bool));
    assert_eq!(bytes[..3], [0xde, 0x00, 0x10]);
    assert_eq!(bytes[3..8], [0xa3, b'k', b'0', b'0', 0xc3]);
}

#[test]
fn objects_hold_every_attribute() {
    let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
    let partial = Value::object([("a", Value::string("x"))]);
    let full = [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0];
    assert_eq!(encoded(&partial, &ty), full);
    let complete = Value::object([("a", Value::string("x")), ("b", Value::Null)]);
    assert_eq!(decoded(&full, &ty), complete);
    assert_eq!(decoded(&[0x81, 0xa1, b'a', 0xa1, b'x'], &ty), complete);
    assert_eq!(
        decoded(&[0x80], &ty),
        Value::object([("a", Value::Null), ("b", Value::Null)])
    );
    let (path, kind) = decode_error(&[0x81, 0xa1, b'c', 0xc0], &ty);
    assert_eq!(
        (path.as_str(), kind),
        ("(root)", DecodeErrorKind::UnsupportedAttribute("c".into()))
    );
    let error = Value::object([("c", Value::Null)]).encode_msgpack(&ty);
    assert_eq!(
        error.map_err(|error| error.kind),
        Err(EncodeErrorKind::UnsupportedAttribute("c".into()))
    );
}

#[test]
fn errors_name_the_path_and_the_expectation() {
    let ty = Type::object([("planned_sql", Type::list(Type::String))]);
    let mut bytes = vec![0x81, 0xab];
    bytes.extend_from_slice(b"planned_sql");
    bytes.extend_from_slice(&[0x94, 0xa1, b'a', 0xa1, b'b', 0xa1, b'c', 0x07]);
    let error = Value::decode_msgpack(&bytes, &ty).expect_err("element 3 is a number");
    assert_eq!(
        error.path.steps(),
        [PathStep::Attribute("planned_sql".into()), PathStep::Index(3)]
    );
    assert_eq!(
        error.to_string(),
        "at .planned_sql[3]: expected string, found msgpack integer"
    );

    let value = Value::object([("planned_sql", Value::List(vec![Value::Bool(true)]))]);
    let error = value.encode_msgpack(&ty).expect_err("a bool is not a string");
    assert_eq!(
        error.to_string(),
        "at .planned_sql[0]: a bool value does not conform to type string"
    );
    let tags = Type::object([("tags", Type::map(Type::String))]);
    let error = Value::decode_json(br#"{"tags": {"env": 1, "x": []}}"#, &tags).expect_err("an array is not a string");
    assert_eq!(error.to_string(), "at .tags[\"x\"]: expected string, found JSON array");
}

#[test]
fn dynamic_values_carry_their_type() {
    let value = Value::Dynamic(Type::String, Box::new(Value::string("x")));
    let mut bytes = vec![0x92, 0xc4, 0x08];
    bytes.extend_from_slice(b"\"string\"");
    bytes.extend_from_slice(&[0xa1, b'x']);
    assert_eq!(encoded(&value, &Type::Dynamic), bytes);
    assert_eq!(decoded(&bytes, &Type::Dynamic), value);
    // go-cty also accepts the type JSON as a msgpack string.
    bytes[1] = 0xd9;
    assert_eq!(decoded(&bytes, &Type::Dynamic), value);

    let nested = Type::list(Type::Number);
    let value = Value::Dynamic(nested.clone(), Box::new(Value::List(vec![number("1")])));
    let json = nested.to_json();
    let bytes = [&[0x92, 0xc4, json.len() as u8][..], &json, &[0x91, 0x01]].concat();
    assert_eq!(encoded(&value, &Type::Dynamic), bytes);
    assert_eq!(decoded(&bytes, &Type::Dynamic), value);

    assert_eq!(encoded(&Value::Unknown, &Type::Dynamic), [0xd4, 0x00, 0x00]);
    assert_eq!(encoded(&Value::Null, &Type::Dynamic), [0xc0]);
    let inner_dynamic = [&[0x92, 0xc4, 0x09][..], b"\"dynamic\"", &[0xc0]].concat();
    assert_eq!(decoded(&inner_dynamic, &Type::Dynamic), Value::Null);

    assert_eq!(
        decode_error(&[0x91, 0xc0], &Type::Dynamic).1,
        DecodeErrorKind::DynamicArity(1)
    );
    let bad_type = [&[0x92, 0xc4, 0x05][..], b"\"int\"", &[0x01]].concat();
    assert!(matches!(
        decode_error(&bad_type, &Type::Dynamic).1,
        DecodeErrorKind::DynamicType(_)
    ));
    let not_wrapped = Value::string("x").encode_msgpack(&Type::Dynamic);
    assert!(matches!(
        not_wrapped.map_err(|error| error.kind),
        Err(EncodeErrorKind::TypeMismatch { .. })
    ));
    let wrapped_dynamic = Value::Dynamic(Type::Dynamic, Box::new(Value::Null));
    assert_eq!(
        wrapped_dynamic
            .encode_msgpack(&Type::Dynamic)
            .map_err(|error| error.kind),
        Err(EncodeErrorKind::DynamicOfDynamic)
    );
}

#[test]
fn malformed_input_is_an_error() {
    assert_eq!(decode_error(&[], &Type::String).1, DecodeErrorKind::UnexpectedEnd);
    assert_eq!(
        decode_error(&[0xa1, b'a', 0x00], &Type::String).1,
        DecodeErrorKind::TrailingBytes(1)
    );
    assert!(matches!(
        decode_error(&[0xc1], &Type::Bool).1,
        DecodeErrorKind::Expected {
            found: "the reserved msgpack byte 0xc1",
            ..
        }
    ));
    // An array claiming 2^32-1 elements must not reserve memory for them.
    assert_eq!(
        decode_error(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], &Type::list(Type::Number)).1,
        DecodeErrorKind::UnexpectedEnd
    );
}

fn nested_list_type(levels: usize) -> Type {
    (0..levels).fold(Type::Bool, |inner, _| Type::list(inner))
}

#[test]
fn nesting_is_bounded_without_exhausting_the_stack() {
    let deepest_allowed = MAX_DEPTH;
    let ty = nested_list_type(deepest_allowed);
    let bytes = [vec![0x91; deepest_allowed], vec![0xc3]].concat();
    let value = decoded(&bytes, &ty);
    assert_eq!(encoded(&value, &ty), bytes);

    let ty = nested_list_type(deepest_allowed + 1);
    let bytes = [vec![0x91; deepest_allowed + 1], vec![0xc3]].concat();
    assert_eq!(decode_error(&bytes, &ty).1, DecodeErrorKind::TooDeep(MAX_DEPTH));

    // Dynamic values can nest without limit in the type: the guard holds.
    let mut bytes = Vec::new();
    for _ in 0..10_000 {
        bytes.extend_from_slice(&[0x92, 0xc4, 0x09]);
        bytes.extend_from_slice(b"\"dynamic\"");
    }
    bytes.push(0xc0);
    assert_eq!(
        decode_error(&bytes, &Type::Dynamic).1,
        DecodeErrorKind::TooDeep(MAX_DEPTH)
    );

    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let error = Value::decode_json(deep_json.as_bytes(), &Type::Dynamic).expect_err("too deep");
    assert!(matches!(
        error.kind,
        DecodeErrorKind::Json {
            message: "nesting too deep",
            ..
        }
    ));
}

#[test]
fn json_follows_go_cty() {
    let ty = Type::Object(
        ObjectType::new([
            ("name", Type::String),
            ("size", Type::Number),
            ("enabled", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("extra", Type::Dynamic),
            ("pair", Type::tuple([Type::String, Type::Number])),
        ])
        .with_optional(["extra"]),
    );
    let value = Value::decode_json(
        br#"{"name": 42, "size": "123456789012345678901234567890.5", "enabled": "true",
             "tags": {"env": true}, "extra": {"type": ["list","number"], "value": [0.1]}}"#,
        &ty,
    )
    .expect("valid state");
    let expected = Value::object([
        ("name", Value::string("42")),
        ("size", number("123456789012345678901234567890.5")),
        ("enabled", Value::Bool(true)),
        (
            "tags",
            Value::Map(BTreeMap::from([("env".into(), Value::string("true"))])),
        ),
        (
            "extra",
            Value::Dynamic(Type::list(Type::Number), Box::new(Value::List(vec![number("0.1")]))),
        ),
        ("pair", Value::Null),
    ]);
    assert_eq!(value, expected);
    let json = value.encode_json(&ty).expect("encodable");
    assert_eq!(
        String::from_utf8_lossy(&json),
        r#"{"enabled":true,"extra":{"value":[0.1],"type":["list","number"]},"name":"42","pair":null,"size":123456789012345678901234567890.5,"tags":{"env":"true"}}"#
    );
    assert_eq!(Value::decode_json(&json, &ty), Ok(expected));

    let unknown = Value::object([("name", Value::Unknown)]);
    let error = unknown.encode_json(&ty).expect_err("JSON has no unknowns");
    assert_eq!(error.to_string(), "at .name: unknown values cannot be written as JSON");
    let error = Value::decode_json(br#"{"nope": 1}"#, &ty).expect_err("not an attribute");
    assert_eq!(error.kind, DecodeErrorKind::UnsupportedAttribute("nope".into()));
    let error = Value::decode_json(br#"{"pair": ["a"]}"#, &ty).expect_err("short tuple");
    assert_eq!(error.path.to_string(), ".pair");
    let error = Value::decode_json(br#"{"enabled": "yes"}"#, &ty).expect_err("not a bool");
    assert_eq!(error.kind, DecodeErrorKind::InvalidBool("yes".into()));
    let error = Value::decode_json(br#"{"extra": {"type": "string"}}"#, &ty).expect_err("no value");
    assert!(matches!(error.kind, DecodeErrorKind::DynamicShape(_)));
    let error = Value::decode_json(b"{\"name\": \"a\",}", &ty).expect_err("trailing comma");
    assert!(matches!(error.kind, DecodeErrorKind::Json { offset: 13, .. }));
    assert_eq!(Value::decode_json(b" null ", &ty), Ok(Value::Null));
}

// ---------------------------------------------------------------------------
// Property tests

fn arb_type(depth: u32) -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        let object = prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4)
            .prop_flat_map(|attributes| {
                let names: Vec<String> = attributes.keys().cloned().collect();
                let count = names.len();
                (Just(attributes), prop::sample::subsequence(names, 0..=count))
            })
            .prop_map(|(attributes, optional)| {
                Type::Object(ObjectType {
                    attributes,
                    optional: optional.into_iter().collect(),
                })
            });
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            object,
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number(json: bool) -> BoxedStrategy<Number> {
    let finite = prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        any::<f64>().prop_filter_map("finite", |value| {
            value.is_finite().then(|| Number::from_f64(value)).flatten()
        }),
        "-?[0-9]{1,25}\\.[0-9]{1,25}".prop_filter_map("decimal", |text| Number::parse(&text).ok()),
        "-?[1-9][0-9]{0,30}e-?[0-9]{1,3}".prop_filter_map("scientific", |text| { Number::parse(&text).ok() }),
    ];
    if json {
        finite.boxed()
    } else {
        prop_oneof![
            9 => finite,
            1 => prop_oneof![Just(f64::INFINITY), Just(f64::NEG_INFINITY)]
                .prop_filter_map("infinite", Number::from_f64),
        ]
        .boxed()
    }
}

/// A value conforming to `ty`; with `json`, one JSON can hold (no unknowns,
/// no infinities).
fn arb_value(ty: &Type, json: bool) -> BoxedStrategy<Value> {
    let known = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number(json).prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Dynamic => arb_type(2)
            .prop_filter("concrete", |concrete| *concrete != Type::Dynamic)
            .prop_flat_map(move |concrete| {
                arb_value(&concrete, json).prop_map(move |value| Value::Dynamic(concrete.clone(), Box::new(value)))
            })
            .boxed(),
        Type::List(element) => prop::collection::vec(arb_value(element, json), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(element) => prop::collection::vec(arb_value(element, json), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(element) => prop::collection::btree_map(".{0,4}", arb_value(element, json), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(object) => object
            .attributes
            .iter()
            .map(|(name, attribute)| {
                let name = name.clone();
                arb_value(attribute, json).prop_map(move |value| (name.clone(), value))
            })
            .collect::<Vec<_>>()
            .prop_map(|attributes| Value::Object(attributes.into_iter().collect()))
            .boxed(),
        Type::Tuple(elements) => elements
            .iter()
            .map(|element| arb_value(element, json))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
    };
    if json {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    }
}

fn arb_typed_value(json: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type(4).prop_flat_map(move |ty| {
        let value = arb_value(&ty, json);
        (Just(ty), value)
    })
}

proptest! {
    #[test]
    fn msgpack_round_trips((ty, value) in arb_typed_value(false)) {
        let bytes = value.encode_msgpack(&ty).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(Value::decode_msgpack(&bytes, &ty), Ok(value));
    }

    #[test]
    fn json_round_trips((ty, value) in arb_typed_value(true)) {
        let bytes = value.encode_json(&ty).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(Value::decode_json(&bytes, &ty), Ok(value));
    }

    #[test]
    fn type_json_round_trips(ty in arb_type(5)) {
        prop_assert_eq!(Type::from_json(&ty.to_json()), Ok(ty));
    }

    #[test]
    fn number_text_round_trips(number in arb_number(false)) {
        prop_assert_eq!(Number::parse(&number.to_string()), Ok(number));
    }

    #[test]
    fn arbitrary_bytes_never_panic(ty in arb_type(4), bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Value::decode_msgpack(&bytes, &ty);
        let _ = Value::decode_json(&bytes, &ty);
        let _ = Type::from_json(&bytes);
    }

    #[test]
    fn json_like_text_never_panics(ty in arb_type(4), text in "[\\[\\]{}\",:0-9a-z.e\\-\\\\ ]{0,64}") {
        let _ = Value::decode_json(text.as_bytes(), &ty);
        let _ = Type::from_json(text.as_bytes());
    }

    #[test]
    fn corrupted_encodings_never_panic(
        (ty, value) in arb_typed_value(false),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = value.encode_msgpack(&ty).map_err(|error| TestCaseError::fail(error.to_string()))?;
        if !bytes.is_empty() {
            for (index, byte) in edits {
                let at = index.index(bytes.len());
                bytes[at] = byte;
            }
        }
        for ty in [&ty, &Type::Dynamic] {
            if let Ok(value) = Value::decode_msgpack(&bytes, ty) {
                // Whatever decodes must survive its own round trip.
                let again = value.encode_msgpack(ty).map_err(|error| TestCaseError::fail(error.to_string()))?;
                prop_assert_eq!(Value::decode_msgpack(&again, ty), Ok(value));
            }
        }
    }
}
