//! Type changes to a type that holds less, and which live values they cut:
//! strings longer than the new length, integers and decimals outside the new
//! range. Where that can be said exactly it is a predicate a probe counts;
//! a change of kind (text to a number) narrows too, but only the cast can tell
//! which values fail, so it has no predicate.

use super::columns::base_type;

/// What a column of a type can hold, as far as narrowing compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// Up to so many characters: `char(n)`, `varchar(n)`.
    Characters(u64),
    /// Text of up to so many bytes: the text kinds.
    Text(u64),
    /// Up to so many bytes: `binary(n)`, `varbinary(n)`, the blob kinds.
    Bytes(u64),
    /// Integers from the first bound to the second.
    Integers(i128, i128),
    /// `decimal(p, s)`: digits before the point and after it, and whether
    /// negative values are refused (`unsigned`).
    Decimal { whole: u32, scale: u32, unsigned: bool },
    /// Anything else: not compared here.
    Other,
}

/// The most bytes one character takes (utf8mb4): how long in bytes a
/// string of `n` characters can be.
const MAX_BYTES_PER_CHARACTER: u64 = 4;

/// The rows a narrowing cuts, as a predicate on the column, and what one
/// such row holds (singular, plural).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub predicate: String,
    pub noun: (String, String),
}

/// Whether `to` holds less than `from`: values may be cut, or the change fails.
pub fn narrows(from: &str, to: &str) -> bool {
    match (holds(from), holds(to)) {
        (Holds::Characters(a), Holds::Characters(b)) => b < a,
        (Holds::Text(a) | Holds::Bytes(a), Holds::Text(b) | Holds::Bytes(b)) => b < a,
        (Holds::Text(a), Holds::Characters(b)) => b < a,
        (Holds::Characters(a), Holds::Text(b) | Holds::Bytes(b)) => a.saturating_mul(MAX_BYTES_PER_CHARACTER) > b,
        (Holds::Integers(lo, hi), Holds::Integers(new_lo, new_hi)) => new_lo > lo || new_hi < hi,
        (
            Holds::Decimal { whole, scale, unsigned },
            Holds::Decimal {
                whole: new_whole,
                scale: new_scale,
                unsigned: new_unsigned,
            },
        ) => new_whole < whole || new_scale < scale || (new_unsigned && !unsigned),
        // A string to anything else is a cast that may fail on any value.
        (Holds::Characters(_), _) => true,
        _ => false,
    }
}

/// The values of `column` (quoted) that `to` cannot hold as they are, when
/// a change from `from` narrows and that can be said exactly.
pub fn cut(column: &str, from: &str, to: &str) -> Option<Cut> {
    if !narrows(from, to) {
        return None;
    }
    let (before, after) = (holds(from), holds(to));
    match (before, after) {
        (Holds::Characters(_) | Holds::Text(_), Holds::Characters(n)) => Some(Cut {
            predicate: format!("CHAR_LENGTH({column}) > {n}"),
            noun: nouns(&format!("longer than {n} characters")),
        }),
        (Holds::Characters(_) | Holds::Text(_) | Holds::Bytes(_), Holds::Text(n) | Holds::Bytes(n)) => Some(Cut {
            predicate: format!("LENGTH({column}) > {n}"),
            noun: nouns(&format!("longer than {n} bytes")),
        }),
        (Holds::Integers(lo, hi), Holds::Integers(new_lo, new_hi)) => {
            let mut outside = Vec::new();
            if new_lo > lo {
                outside.push(format!("{column} < {new_lo}"));
            }
            if new_hi < hi {
                outside.push(format!("{column} > {new_hi}"));
            }
            Some(Cut {
                predicate: outside.join(" OR "),
                noun: nouns(&format!("outside {new_lo} to {new_hi}")),
            })
        }
        (
            Holds::Decimal { whole, scale, .. },
            Holds::Decimal {
                whole: new_whole,
                scale: new_scale,
                unsigned,
            },
        ) => {
            // Rounded to the new scale first, as the server stores it.
            let rounded = format!("ROUND({column}, {new_scale})");
            let mut cut = Vec::new();
            if new_whole < whole || new_scale < scale {
                cut.push(format!("ABS({rounded}) >= 1{}", "0".repeat(new_whole as usize)));
            }
            if new_scale < scale {
                cut.push(format!("{column} <> {rounded}"));
            }
            if unsigned {
                cut.push(format!("{column} < 0"));
            }
            Some(Cut {
                predicate: cut.join(" OR "),
                noun: (
                    format!("value that {} does not hold as it is", to.trim()),
                    format!("values that {} does not hold as they are", to.trim()),
                ),
            })
        }
        _ => None,
    }
}

fn nouns(what: &str) -> (String, String) {
    (format!("value {what}"), format!("values {what}"))
}

fn holds(data_type: &str) -> Holds {
    let base = base_type(data_type);
    let lower = data_type.to_ascii_lowercase();
    let unsigned = lower.contains("unsigned") || lower.contains("zerofill");
    let arguments = arguments(data_type);
    let first = arguments.first().copied();
    match base.as_str() {
        "char" | "varchar" => first.map_or(Holds::Other, |n| Holds::Characters(n.into())),
        "binary" | "varbinary" => first.map_or(Holds::Other, |n| Holds::Bytes(n.into())),
        "tinytext" => Holds::Text(255),
        "text" => Holds::Text(65_535),
        "mediumtext" => Holds::Text(16_777_215),
        "longtext" => Holds::Text(4_294_967_295),
        "tinyblob" => Holds::Bytes(255),
        "blob" => Holds::Bytes(65_535),
        "mediumblob" => Holds::Bytes(16_777_215),
        "longblob" => Holds::Bytes(4_294_967_295),
        "decimal" | "numeric" | "dec" | "fixed" => {
            // MySQL's defaults: decimal = decimal(10,0).
            let precision = first.unwrap_or(10);
            let scale = arguments.get(1).copied().unwrap_or(0);
            Holds::Decimal {
                whole: precision.saturating_sub(scale),
                scale,
                unsigned,
            }
        }
        other => match integer_bytes(other) {
            Some(bytes) => {
                let bits = 8 * u32::from(bytes);
                if unsigned {
                    Holds::Integers(0, (1i128 << bits) - 1)
                } else {
                    Holds::Integers(-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                }
            }
            None => Holds::Other,
        },
    }
}

/// Integer types by how many bytes they hold.
fn integer_bytes(base: &str) -> Option<u8> {
    match base {
        "tinyint" => Some(1),
        "smallint" => Some(2),
        "mediumint" => Some(3),
        "int" | "integer" => Some(4),
        "bigint" => Some(8),
        _ => None,
    }
}

/// The numbers in the type's parentheses: `(10,2)` → `[10, 2]`.
fn arguments(data_type: &str) -> Vec<u32> {
    let Some(open) = data_type.find('(') else {
        return Vec::new();
    };
    let Some(close) = data_type[open..].find(')') else {
        return Vec::new();
    };
    data_type[open + 1..open + close]
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_is_recognised() {
        assert!(narrows("varchar(20)", "varchar(10)"));
        assert!(!narrows("varchar(10)", "varchar(20)"));
        assert!(narrows("char(20)", "varchar(10)"));
        assert!(narrows("bigint", "int"));
        assert!(!narrows("int", "bigint"));
        assert!(narrows("int", "int unsigned"));
        assert!(narrows("int(10) unsigned", "int"));
        assert!(!narrows("int unsigned", "bigint"));
        assert!(narrows("longtext", "text"));
        assert!(narrows("text", "varchar(100)"));
        assert!(!narrows("varchar(10)", "text"));
        assert!(narrows("decimal(10,2)", "decimal(6,2)"));
        assert!(narrows("decimal(10,2)", "decimal(10,1)"));
        assert!(!narrows("decimal(6,2)", "decimal(10,2)"));
        assert!(narrows("varchar(10)", "int"));
        assert!(!narrows("int", "varchar(10)"));
    }

    #[test]
    fn cuts_are_counted_where_they_can_be_said_exactly() {
        let predicate = |from, to| cut("`c`", from, to).map(|c| c.predicate);
        assert_eq!(
            predicate("varchar(20)", "varchar(10)").as_deref(),
            Some("CHAR_LENGTH(`c`) > 10")
        );
        assert_eq!(predicate("longtext", "text").as_deref(), Some("LENGTH(`c`) > 65535"));
        assert_eq!(predicate("int", "tinyint").as_deref(), Some("`c` < -128 OR `c` > 127"));
        assert_eq!(predicate("int", "int unsigned").as_deref(), Some("`c` < 0"));
        assert_eq!(
            predicate("bigint unsigned", "bigint").as_deref(),
            Some("`c` > 9223372036854775807")
        );
        assert_eq!(
            predicate("decimal(10,2)", "decimal(5,1)").as_deref(),
            Some("ABS(ROUND(`c`, 1)) >= 10000 OR `c` <> ROUND(`c`, 1)")
        );
        assert_eq!(predicate("varchar(10)", "int"), None, "a cast: no exact count");
        assert_eq!(predicate("varchar(10)", "varchar(20)"), None, "widens");
    }
}
