//! cty numbers.
//!
//! cty numbers are arbitrary-precision decimals. On the wire go-cty writes a
//! number as a msgpack integer when it is one, as a float64 when a float64
//! holds it exactly, and otherwise as its decimal text (a configuration's
//! `0.1` arrives as the string "0.1", never as the nearest float). A provider
//! must hand such numbers back unchanged or Terraform reports an inconsistent
//! plan, so [`Number`] keeps every value exactly and in one canonical form:
//! equal numbers compare equal however they arrived.

use std::fmt;
use std::str::FromStr;

/// How many digits a decimal may have before or after its decimal point.
/// Enough for the exact expansion of every float64 (1074 places); beyond it,
/// hostile input like "1e999999999" would cost unbounded memory to print.
const MAX_DECIMAL_PLACES: i64 = 1100;

/// The most significant digits any float64's exact expansion has; longer
/// decimals cannot be a float64 and skip the exactness check.
const MAX_FLOAT_SIGNIFICANT_DIGITS: usize = 767;

/// Places that print every float64 exactly (2^-1074 needs all of them).
const FLOAT_EXACT_PLACES: usize = 1074;

/// A cty number, held exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct Number(Repr);

/// Exactly one representation per value, so derived equality is numeric.
#[derive(Debug, Clone, PartialEq)]
enum Repr {
    /// Every integer from i64::MIN to i64::MAX.
    Int(i64),
    /// Integers above i64::MAX up to u64::MAX.
    UInt(u64),
    /// Any other value a float64 holds exactly: non-integers, integers
    /// beyond 64 bits, and the infinities. Never NaN, never negative zero.
    Float(f64),
    /// Finite values no float64 or 64-bit integer holds exactly.
    Decimal(Decimal),
}

/// `digits` × 10^`exponent`, with no leading or trailing zeros in `digits`
/// (which is empty for zero).
#[derive(Debug, Clone, PartialEq)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("NaN is not a number")]
    NotANumber,
    #[error("{0:?} is not a decimal number")]
    Syntax(String),
    #[error("{0:?} has more than {MAX_DECIMAL_PLACES} digits before or after the decimal point")]
    OutOfRange(String),
}

/// How a number goes on the wire, chosen the way go-cty chooses.
pub(crate) enum WireNumber {
    Int(i64),
    UInt(u64),
    Float(f64),
    Decimal(String),
}

impl Number {
    pub fn from_i64(value: i64) -> Number {
        Number(Repr::Int(value))
    }

    pub fn from_u64(value: u64) -> Number {
        match i64::try_from(value) {
            Ok(signed) => Number(Repr::Int(signed)),
            Err(_) => Number(Repr::UInt(value)),
        }
    }

    /// The number a float holds exactly; `None` for NaN, which cty lacks.
    pub fn from_f64(value: f64) -> Option<Number> {
        const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
        const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
        if value.is_nan() {
            return None;
        }
        let repr = if value.fract() != 0.0 || value.is_infinite() {
            Repr::Float(value)
        } else if (-TWO_POW_63..TWO_POW_63).contains(&value) {
            // In range and integral, so the cast is exact (and -0.0 becomes 0).
            Repr::Int(value as i64)
        } else if (0.0..TWO_POW_64).contains(&value) {
            Repr::UInt(value as u64)
        } else {
            Repr::Float(value)
        };
        Some(Number(repr))
    }

    /// Reads decimal text as go-cty's `ParseNumberVal` does: an optional
    /// sign, digits with an optional fraction and exponent, or `Inf`.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        match parse_text(text)? {
            Parsed::Infinite { negative: true } => Ok(Number(Repr::Float(f64::NEG_INFINITY))),
            Parsed::Infinite { negative: false } => Ok(Number(Repr::Float(f64::INFINITY))),
            Parsed::Finite(decimal) => Ok(Number::from_decimal(decimal)),
        }
    }

    /// The value as an i64, if it is an integer in i64's range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Int(value) => Some(value),
            _ => None,
        }
    }

    /// The value as a u64, if it is an integer in u64's range.
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            Repr::Int(value) => u64::try_from(value).ok(),
            Repr::UInt(value) => Some(value),
            _ => None,
        }
    }

    /// The nearest float64 (infinite beyond float64's range).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(value) => *value as f64,
            Repr::UInt(value) => *value as f64,
            Repr::Float(value) => *value,
            // Canonical decimal text always parses; NaN is unreachable.
            Repr::Decimal(decimal) => decimal.to_string().parse().unwrap_or(f64::NAN),
        }
    }

    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int(_) | Repr::UInt(_) => true,
            Repr::Float(value) => value.fract() == 0.0,
            Repr::Decimal(decimal) => decimal.exponent >= 0,
        }
    }

    pub fn is_finite(&self) -> bool {
        match self.0 {
            Repr::Float(value) => value.is_finite(),
            _ => true,
        }
    }

    pub(crate) fn wire(&self) -> WireNumber {
        match &self.0 {
            Repr::Int(value) => WireNumber::Int(*value),
            Repr::UInt(value) => WireNumber::UInt(*value),
            Repr::Float(value) => WireNumber::Float(*value),
            Repr::Decimal(decimal) => WireNumber::Decimal(decimal.to_string()),
        }
    }

    fn from_decimal(decimal: Decimal) -> Number {
        if let Some(integer) = decimal.to_integer() {
            return integer;
        }
        if decimal.digits.len() <= MAX_FLOAT_SIGNIFICANT_DIGITS {
            if let Ok(nearest) = decimal.to_string().parse::<f64>() {
                if nearest.is_finite() && exact_expansion(nearest).as_ref() == Some(&decimal) {
                    if let Some(number) = Number::from_f64(nearest) {
                        return number;
                    }
                }
            }
        }
        Number(Repr::Decimal(decimal))
    }
}

impl Decimal {
    /// The value as a 64-bit integer, if it is one.
    fn to_integer(&self) -> Option<Number> {
        if self.digits.is_empty() {
            return Some(Number(Repr::Int(0)));
        }
        if self.exponent < 0 || self.digits.len() as i64 + self.exponent > 20 {
            return None;
        }
        let mut magnitude: u128 = 0;
        for digit in self.digits.bytes() {
            magnitude = magnitude * 10 + u128::from(digit - b'0');
        }
        for _ in 0..self.exponent {
            magnitude *= 10;
        }
        if self.negative {
            let negated = -i128::try_from(magnitude).ok()?;
            i64::try_from(negated).ok().map(Number::from_i64)
        } else {
            u64::try_from(magnitude).ok().map(Number::from_u64)
        }
    }
}

/// The exact decimal value of a finite float.
fn exact_expansion(value: f64) -> Option<Decimal> {
    match parse_text(&format!("{value:.FLOAT_EXACT_PLACES$}")) {
        Ok(Parsed::Finite(decimal)) => Some(decimal),
        _ => None,
    }
}

enum Parsed {
    Infinite { negative: bool },
    Finite(Decimal),
}

fn parse_text(text: &str) -> Result<Parsed, NumberError> {
    let syntax_error = || NumberError::Syntax(excerpt(text));
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Ok(Parsed::Infinite { negative });
    }

    let (mantissa, exponent_text) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (integer_part, fraction_part) = match mantissa.split_once('.') {
        Some((integer, fraction)) => (integer, fraction),
        None => (mantissa, ""),
    };
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if integer_part.len() + fraction_part.len() == 0 || !all_digits(integer_part) || !all_digits(fraction_part) {
        return Err(syntax_error());
    }
    let exponent = match exponent_text {
        None => 0,
        Some(exponent) => parse_exponent(exponent).ok_or_else(syntax_error)?,
    };

    let significant = format!("{integer_part}{fraction_part}");
    let significant = significant.trim_start_matches('0');
    let digits = significant.trim_end_matches('0');
    if digits.is_empty() {
        return Ok(Parsed::Finite(Decimal {
            negative: false,
            digits: String::new(),
            exponent: 0,
        }));
    }
    let trailing_zeros = (significant.len() - digits.len()) as i64;
    let exponent = exponent - fraction_part.len() as i64 + trailing_zeros;
    let integer_places = digits.len() as i64 + exponent;
    if integer_places > MAX_DECIMAL_PLACES || -exponent > MAX_DECIMAL_PLACES {
        return Err(NumberError::OutOfRange(excerpt(text)));
    }
    Ok(Parsed::Finite(Decimal {
        negative,
        digits: digits.to_owned(),
        exponent,
    }))
}

/// An exponent's value, saturated far beyond any allowed range so that a
/// long run of digits cannot overflow.
fn parse_exponent(text: &str) -> Option<i64> {
    const SATURATION: i64 = 1 << 40;
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits
        .bytes()
        .fold(0i64, |acc, digit| (acc * 10 + i64::from(digit - b'0')).min(SATURATION));
    Some(if negative { -magnitude } else { magnitude })
}

/// The start of a rejected text, short enough for an error message.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Plain positional notation, never an exponent: what go-cty's
/// `Text('f', -1)` prints.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let digits = self.digits.as_str();
        if self.exponent >= 0 {
            f.write_str(digits)?;
            return (0..self.exponent).try_for_each(|_| f.write_str("0"));
        }
        let fraction_len = self.exponent.unsigned_abs() as usize;
        if digits.len() > fraction_len {
            let (integer, fraction) = digits.split_at(digits.len() - fraction_len);
            write!(f, "{integer}.{fraction}")
        } else {
            f.write_str("0.")?;
            (digits.len()..fraction_len).try_for_each(|_| f.write_str("0"))?;
            f.write_str(digits)
        }
    }
}

/// The canonical decimal text: exact, in positional notation, and read back
/// by [`Number::parse`] as the same number. Infinities print as go-cty's
/// `+Inf` and `-Inf`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(value) => write!(f, "{value}"),
            Repr::UInt(value) => write!(f, "{value}"),
            Repr::Float(value) if value.is_infinite() => f.write_str(if *value > 0.0 { "+Inf" } else { "-Inf" }),
            Repr::Float(value) => match exact_expansion(*value) {
                Some(decimal) => decimal.fmt(f),
                None => write!(f, "{value}"),
            },
            Repr::Decimal(decimal) => decimal.fmt(f),
        }
    }
}

impl FromStr for Number {
    type Err = NumberError;

    fn from_str(text: &str) -> Result<Number, NumberError> {
        Number::parse(text)
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number::from_i64(value)
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Number {
        Number::from_i64(value.into())
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        Number::from_u64(value)
    }
}

impl From<u32> for Number {
    fn from(value: u32) -> Number {
        Number::from_u64(value.into())
    }
}

impl TryFrom<f64> for Number {
    type Error = NumberError;

    fn try_from(value: f64) -> Result<Number, NumberError> {
        Number::from_f64(value).ok_or(NumberError::NotANumber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Number {
        match Number::parse(text) {
            Ok(number) => number,
            Err(error) => panic!("{text:?} should parse: {error}"),
        }
    }

    #[test]
    fn equal_values_are_equal_whatever_their_source() {
        assert_eq!(Number::from_f64(3.0), Some(Number::from_i64(3)));
        assert_eq!(parsed("3"), Number::from_i64(3));
        assert_eq!(parsed("3.000"), Number::from_i64(3));
        assert_eq!(parsed("0.3e1"), Number::from_i64(3));
        assert_eq!(parsed("1.5"), Number::from_f64(1.5).unwrap_or(Number::from_i64(0)));
        assert_eq!(Number::from_f64(-0.0), Some(Number::from_i64(0)));
        assert_eq!(parsed("-0"), Number::from_i64(0));
        assert_eq!(parsed("18446744073709551615"), Number::from_u64(u64::MAX));
        assert_eq!(parsed("-9223372036854775808"), Number::from_i64(i64::MIN));
    }

    #[test]
    fn decimals_that_no_float_holds_stay_decimal() {
        let tenth = parsed("0.1");
        assert_ne!(Some(tenth.clone()), Number::from_f64(0.1));
        assert_eq!(tenth.to_string(), "0.1");
        assert!(matches!(tenth.wire(), WireNumber::Decimal(text) if text == "0.1"));
        let big = parsed("-18446744073709551617");
        assert_eq!(big.to_string(), "-18446744073709551617");
        assert!(big.is_integer());
        assert_eq!(big.as_i64(), None);
    }

    #[test]
    fn integers_beyond_64_bits_that_a_float_holds_are_floats() {
        let number = parsed("1e20");
        assert!(matches!(number.wire(), WireNumber::Float(value) if value == 1e20));
        assert_eq!(number.to_string(), "100000000000000000000");
    }

    #[test]
    fn display_is_exact_and_parses_back() {
        for value in [0.1, 1.5, -2.25, 1e-300, 5e-324, f64::MAX, 123456.789] {
            let Some(number) = Number::from_f64(value) else {
                panic!("{value} is not NaN");
            };
            assert_eq!(parsed(&number.to_string()), number, "{value}");
        }
        let tenth = Number::from_f64(0.1).map(|number| number.to_string());
        assert_eq!(
            tenth.as_deref(),
            Some("0.1000000000000000055511151231257827021181583404541015625")
        );
        assert_eq!(parsed("0.00012300").to_string(), "0.000123");
        assert_eq!(parsed("-12.5e2").to_string(), "-1250");
    }

    #[test]
    fn infinities_and_nan() {
        assert_eq!(
            parsed("-Inf"),
            Number::from_f64(f64::NEG_INFINITY).unwrap_or(parsed("0"))
        );
        assert_eq!(parsed("+inf").to_string(), "+Inf");
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::try_from(f64::NAN), Err(NumberError::NotANumber));
        assert!(!parsed("inf").is_finite());
    }

    #[test]
    fn rejects_malformed_and_oversized_text() {
        for text in ["", "-", ".", "1..2", "1e", "e5", "0x10", "1_000", " 1", "NaN", "1e+"] {
            assert!(matches!(Number::parse(text), Err(NumberError::Syntax(_))), "{text:?}");
        }
        for text in ["1e999999999999999999999", "1e-5000", "1e1101"] {
            assert!(
                matches!(Number::parse(text), Err(NumberError::OutOfRange(_))),
                "{text:?}"
            );
        }
        assert!(Number::parse("1e1000").is_ok());
    }

    #[test]
    fn accessors() {
        assert_eq!(Number::from_i64(-4).as_i64(), Some(-4));
        assert_eq!(Number::from_i64(-4).as_u64(), None);
        assert_eq!(Number::from_u64(u64::MAX).as_i64(), None);
        assert_eq!(Number::from_u64(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(parsed("0.1").as_f64(), 0.1);
        assert!(!parsed("2.5").is_integer());
    }
}
