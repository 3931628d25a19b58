//! What changing a column's type does to its rows on PostgreSQL: nothing
//! (binary coercible: `varchar(20)` to `varchar(100)` or `text`), a rewrite
//! of the whole table (`integer` to `bigint`), a narrowing that cuts, rounds
//! or rejects values (`varchar(100)` to `varchar(20)`, `bigint` to
//! `integer`, `timestamp` to `date`), or a cast that fails on values it
//! cannot read (`text` to `integer`).
//!
//! Types arrive in `format_type` spelling (`character varying(100)`,
//! `numeric(10,2)`, `timestamp(3) without time zone`, `integer[]`).

/// The effect of one type change.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TypeChange {
    /// Every row is rewritten under an exclusive lock.
    pub rewrites: bool,
    /// The new type holds less.
    pub narrowing: Option<Narrowing>,
    /// The conversion reads values as another kind of thing and fails on
    /// those it cannot read.
    pub cast_may_fail: bool,
}

/// How the new type holds less, and how to find the rows that lose.
#[derive(Debug, PartialEq, Eq)]
pub struct Narrowing {
    /// "values longer than 20 characters are cut".
    pub effect: String,
    /// A predicate over `column` (SQL) true for the rows the narrowing hits.
    pub predicate: Option<String>,
    /// What such a row holds, singular and plural.
    pub noun: (String, String),
    pub consequence: &'static str,
}

/// A type spelling taken apart: `numeric(10,2)` is `numeric` with `[10, 2]`.
#[derive(Debug, PartialEq, Eq)]
struct Spelling {
    base: String,
    modifiers: Vec<i64>,
    array: bool,
}

fn parse(spelling: &str) -> Spelling {
    let mut text = spelling.trim();
    let array = text.ends_with("[]");
    while let Some(element) = text.strip_suffix("[]") {
        text = element;
    }
    let mut base = String::new();
    let mut modifiers = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        base.push_str(&rest[..open]);
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        modifiers.extend(
            rest[open + 1..open + close]
                .split(',')
                .filter_map(|m| m.trim().parse::<i64>().ok()),
        );
        rest = &rest[open + close + 1..];
    }
    base.push_str(rest);
    Spelling {
        base: base.split_whitespace().collect::<Vec<_>>().join(" "),
        modifiers,
        array,
    }
}

fn is_text(base: &str) -> bool {
    matches!(base, "text" | "character varying" | "character" | "name" | "citext")
}

/// The range of an integer type.
fn integer_range(base: &str) -> Option<(i64, i64)> {
    match base {
        "smallint" => Some((i16::MIN.into(), i16::MAX.into())),
        "integer" => Some((i32::MIN.into(), i32::MAX.into())),
        "bigint" => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

fn is_float(base: &str) -> bool {
    matches!(base, "real" | "double precision")
}

fn is_timestamp(base: &str) -> bool {
    matches!(base, "timestamp without time zone" | "timestamp with time zone")
}

/// Types with a fractional-seconds precision modifier.
fn has_seconds_precision(base: &str) -> bool {
    is_timestamp(base) || matches!(base, "time without time zone" | "time with time zone" | "interval")
}

/// The limit of a length-limited text type, `None` for unlimited.
fn text_limit(t: &Spelling) -> Option<i64> {
    match t.base.as_str() {
        "character varying" => t.modifiers.first().copied(),
        // `character` without a length is `character(1)`.
        "character" => Some(t.modifiers.first().copied().unwrap_or(1)),
        _ => None,
    }
}

fn narrowing(effect: String, predicate: Option<String>, noun: (&str, &str), consequence: &'static str) -> Narrowing {
    Narrowing {
        effect,
        predicate,
        noun: (noun.0.to_string(), noun.1.to_string()),
        consequence,
    }
}

/// Classifies changing `column` (its SQL name) from type `from` to `to`.
pub fn classify(column: &str, from: &str, to: &str) -> TypeChange {
    let (old, new) = (parse(from), parse(to));
    if old == new {
        return TypeChange::default();
    }
    if old.array != new.array {
        return TypeChange {
            rewrites: true,
            narrowing: None,
            cast_may_fail: true,
        };
    }
    // Element-wise checks of arrays would need unnest; arrays get the
    // hazards without a probe.
    let column = (!new.array).then_some(column);
    let (a, b) = (old.base.as_str(), new.base.as_str());
    if is_text(a) && is_text(b) {
        return text_to_text(column, &old, &new);
    }
    if let Some((min, max)) = integer_range(b) {
        if integer_range(a).is_some() || is_float(a) || a == "numeric" {
            return to_integer(column, &old, b, min, max);
        }
    }
    if b == "numeric" && (a == "numeric" || integer_range(a).is_some() || is_float(a)) {
        return to_numeric(column, &old, &new);
    }
    if a == "double precision" && b == "real" {
        return TypeChange {
            rewrites: true,
            narrowing: Some(narrowing(
                "values keep about 6 significant digits instead of 15".to_string(),
                None,
                ("value", "values"),
                "rounded by the change",
            )),
            cast_may_fail: false,
        };
    }
    if is_timestamp(a) && b == "date" {
        return TypeChange {
            rewrites: true,
            narrowing: Some(narrowing(
                "the time of day is dropped".to_string(),
                column.map(|c| format!("{c} <> date_trunc('day', {c})")),
                ("value with a time of day", "values with a time of day"),
                "the time of day is lost",
            )),
            cast_may_fail: false,
        };
    }
    if a == b && has_seconds_precision(a) {
        // No modifier means the full precision, 6 digits.
        let (p, q) = (
            old.modifiers.first().copied().unwrap_or(6),
            new.modifiers.first().copied().unwrap_or(6),
        );
        if q >= p {
            return TypeChange::default();
        }
        return TypeChange {
            rewrites: true,
            narrowing: Some(narrowing(
                format!("fractional seconds are rounded to {q} digits"),
                None,
                ("value", "values"),
                "rounded by the change",
            )),
            cast_may_fail: false,
        };
    }
    if is_text(b) {
        // Numbers, dates and the like always have a text form; a length
        // limit may cut it.
        let limit = text_limit(&new);
        return TypeChange {
            rewrites: true,
            narrowing: limit.map(|limit| cut_to(column.map(|c| format!("char_length({c}::text) > {limit}")), limit)),
            cast_may_fail: false,
        };
    }
    let cast_may_fail = is_text(a) || !lossless_conversion(a, b);
    TypeChange {
        rewrites: true,
        narrowing: None,
        cast_may_fail,
    }
}

/// Conversions that keep every value and cannot fail, though they rewrite.
fn lossless_conversion(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("json", "jsonb")
            | ("jsonb", "json")
            | ("date", "timestamp without time zone")
            | ("date", "timestamp with time zone")
            | ("timestamp without time zone", "timestamp with time zone")
            | ("timestamp with time zone", "timestamp without time zone")
            | ("real", "double precision")
            | ("smallint" | "integer" | "bigint", "real" | "double precision")
            | ("time without time zone", "time with time zone")
    )
}

fn cut_to(predicate: Option<String>, limit: i64) -> Narrowing {
    narrowing(
        format!("values longer than {limit} characters are cut"),
        predicate,
        (
            &format!("value longer than {limit} characters"),
            &format!("values longer than {limit} characters"),
        ),
        "cut by the change",
    )
}

fn text_to_text(column: Option<&str>, old: &Spelling, new: &Spelling) -> TypeChange {
    let (old_limit, new_limit) = (text_limit(old), text_limit(new));
    let narrower = match (old_limit, new_limit) {
        (_, None) => None,
        (None, Some(limit)) => Some(limit),
        (Some(was), Some(limit)) => (limit < was).then_some(limit),
    };
    // `character` pads with spaces and compares without them: converting to
    // or from it changes the stored values.
    let padded = old.base == "character" || new.base == "character";
    TypeChange {
        rewrites: narrower.is_some() || padded,
        narrowing: narrower.map(|limit| cut_to(column.map(|c| format!("char_length({c}) > {limit}")), limit)),
        cast_may_fail: false,
    }
}

fn to_integer(column: Option<&str>, old: &Spelling, to: &str, min: i64, max: i64) -> TypeChange {
    let (from_min, from_max) = integer_range(&old.base).unwrap_or((i64::MIN, i64::MAX));
    let out_of_range = from_min < min || from_max > max || integer_range(&old.base).is_none();
    let fractional = integer_range(&old.base).is_none();
    let (effect, predicate, noun, consequence) = match (fractional, out_of_range) {
        (_, false) => {
            return TypeChange {
                rewrites: true,
                ..TypeChange::default()
            }
        }
        (false, true) => (
            format!("values outside {to} ({min} to {max}) are rejected"),
            column.map(|c| format!("({c} < {min} OR {c} > {max})")),
            (
                format!("value out of range for {to}"),
                format!("values out of range for {to}"),
            ),
            "the type change will fail",
        ),
        (true, true) => (
            format!("fractions are rounded and values outside {to} ({min} to {max}) rejected"),
            column.map(|c| format!("({c} <> round({c}) OR {c} < {min} OR {c} > {max})")),
            (
                format!("value with a fraction or out of range for {to}"),
                format!("values with a fraction or out of range for {to}"),
            ),
            "rounded or rejected by the change",
        ),
    };
    TypeChange {
        rewrites: true,
        narrowing: Some(narrowing(effect, predicate, (&noun.0, &noun.1), consequence)),
        cast_may_fail: false,
    }
}

/// To `numeric(p,s)`: fewer integer digits reject values, fewer decimals
/// round them. Unconstrained `numeric` holds everything.
fn to_numeric(column: Option<&str>, old: &Spelling, new: &Spelling) -> TypeChange {
    let Some(&precision) = new.modifiers.first() else {
        return TypeChange {
            rewrites: old.base != "numeric",
            ..TypeChange::default()
        };
    };
    let scale = new.modifiers.get(1).copied().unwrap_or(0);
    if old.base == "numeric" {
        if let Some(&was) = old.modifiers.first() {
            let was_scale = old.modifiers.get(1).copied().unwrap_or(0);
            if scale == was_scale && precision >= was {
                return TypeChange::default();
            }
            if scale >= was_scale && precision - scale >= was - was_scale {
                return TypeChange {
                    rewrites: true,
                    ..TypeChange::default()
                };
            }
        }
    }
    if let Some((min, max)) = integer_range(&old.base) {
        let digits = max.to_string().len() as i64;
        if precision - scale >= digits && min < 0 {
            return TypeChange {
                rewrites: true,
                ..TypeChange::default()
            };
        }
    }
    let integer_digits = precision - scale;
    TypeChange {
        rewrites: true,
        narrowing: Some(narrowing(
            format!(
                "values are rounded to {scale} decimals and values of {integer_digits} or more integer digits rejected"
            ),
            column.map(|c| format!("({c} <> round({c}, {scale}) OR abs({c}) >= 1e{integer_digits})")),
            (
                &format!("value that does not fit numeric({precision},{scale})"),
                &format!("values that do not fit numeric({precision},{scale})"),
            ),
            "rounded or rejected by the change",
        )),
        cast_may_fail: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(from: &str, to: &str) -> (bool, bool, bool) {
        let change = classify("\"c\"", from, to);
        (change.rewrites, change.narrowing.is_some(), change.cast_may_fail)
    }

    const FREE: (bool, bool, bool) = (false, false, false);
    const REWRITE: (bool, bool, bool) = (true, false, false);
    const NARROW: (bool, bool, bool) = (true, true, false);
    const CAST: (bool, bool, bool) = (true, false, true);

    #[test]
    fn spellings_come_apart() {
        assert_eq!(
            parse("timestamp(3) without time zone"),
            Spelling {
                base: "timestamp without time zone".into(),
                modifiers: vec![3],
                array: false
            }
        );
        assert_eq!(parse("numeric(10,2)[]").modifiers, vec![10, 2]);
        assert!(parse("numeric(10,2)[]").array);
    }

    #[test]
    fn longer_text_is_free_shorter_text_narrows() {
        assert_eq!(effect("character varying(20)", "character varying(100)"), FREE);
        assert_eq!(effect("character varying(20)", "text"), FREE);
        assert_eq!(effect("character varying(20)", "character varying"), FREE);
        assert_eq!(effect("text", "character varying"), FREE);
        assert_eq!(effect("character varying(100)", "character varying(20)"), NARROW);
        assert_eq!(effect("text", "character varying(20)"), NARROW);
        assert_eq!(effect("character(5)", "text"), REWRITE);
        assert_eq!(effect("text", "citext"), FREE);
        let cut = classify("\"c\"", "text", "character varying(20)")
            .narrowing
            .expect("narrows");
        assert_eq!(cut.predicate.as_deref(), Some("char_length(\"c\") > 20"));
    }

    #[test]
    fn numbers() {
        assert_eq!(effect("integer", "bigint"), REWRITE);
        assert_eq!(effect("bigint", "integer"), NARROW);
        assert_eq!(effect("numeric(10,2)", "numeric(12,2)"), FREE);
        assert_eq!(effect("numeric(10,2)", "numeric"), FREE);
        assert_eq!(effect("numeric(10,2)", "numeric(8,2)"), NARROW);
        assert_eq!(effect("numeric(10,2)", "numeric(10,1)"), NARROW);
        assert_eq!(effect("numeric(10,2)", "numeric(12,3)"), REWRITE);
        assert_eq!(effect("numeric", "integer"), NARROW);
        assert_eq!(effect("double precision", "integer"), NARROW);
        assert_eq!(effect("double precision", "real"), NARROW);
        assert_eq!(effect("integer", "numeric(12,0)"), REWRITE);
        assert_eq!(effect("integer", "numeric(5,2)"), NARROW);
        assert_eq!(effect("integer", "text"), REWRITE);
        assert_eq!(effect("integer", "character varying(3)"), NARROW);
    }

    #[test]
    fn times_and_casts() {
        assert_eq!(effect("timestamp without time zone", "date"), NARROW);
        assert_eq!(effect("date", "timestamp without time zone"), REWRITE);
        assert_eq!(
            effect("timestamp(3) without time zone", "timestamp without time zone"),
            FREE
        );
        assert_eq!(
            effect("timestamp without time zone", "timestamp(0) without time zone"),
            NARROW
        );
        assert_eq!(effect("text", "integer"), CAST);
        assert_eq!(effect("character varying(10)", "uuid"), CAST);
        assert_eq!(effect("json", "jsonb"), REWRITE);
        assert_eq!(effect("integer", "boolean"), CAST);
        assert_eq!(effect("integer[]", "bigint"), CAST);
    }
}
