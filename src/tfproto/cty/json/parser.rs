//! A small strict JSON reader.
//!
//! serde_json (as this crate configures it) turns numbers into f64 or 64-bit
//! integers, which would lose the exact decimals cty numbers hold; this
//! reader keeps each number's text, keeps object members in order with any
//! duplicates (the decoder rejects those with a path), and refuses to nest
//! deeper than [`MAX_DEPTH`].

use crate::tfproto::cty::MAX_DEPTH;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonNode {
    Null,
    Bool(bool),
    /// The number exactly as written, already checked against JSON's grammar.
    Number(String),
    String(String),
    Array(Vec<JsonNode>),
    Object(Vec<(String, JsonNode)>),
}

impl JsonNode {
    /// What kind of JSON this is, for error messages.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            JsonNode::Null => "JSON null",
            JsonNode::Bool(_) => "JSON boolean",
            JsonNode::Number(_) => "JSON number",
            JsonNode::String(_) => "JSON string",
            JsonNode::Array(_) => "JSON array",
            JsonNode::Object(_) => "JSON object",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub message: &'static str,
}

/// Parses one JSON document; only whitespace may follow it.
pub(crate) fn parse(bytes: &[u8]) -> Result<JsonNode, SyntaxError> {
    let mut parser = Parser { bytes, pos: 0 };
    parser.skip_whitespace();
    let node = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < bytes.len() {
        return Err(parser.error("data follows the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonNode, SyntaxError> {
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') | Some(b'[') if depth >= MAX_DEPTH => Err(self.error("nesting too deep")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(JsonNode::String),
            Some(b't') => self.literal("true", JsonNode::Bool(true)),
            Some(b'f') => self.literal("false", JsonNode::Bool(false)),
            Some(b'n') => self.literal("null", JsonNode::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn literal(&mut self, word: &'static str, node: JsonNode) -> Result<JsonNode, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(node)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonNode, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonNode::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsonNode::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']' in array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonNode, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonNode::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key in object"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after object key"));
            }
            self.pos += 1;
            self.skip_whitespace();
            members.push((key, self.value(depth + 1)?));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JsonNode::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}' in object")),
            }
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            let start = self.pos;
            while matches!(self.peek(), Some(byte) if byte != b'"' && byte != b'\\' && byte >= 0x20) {
                self.pos += 1;
            }
            // Runs end on ASCII bytes, so they never split a UTF-8 sequence.
            let run = std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|error| SyntaxError {
                offset: start + error.valid_up_to(),
                message: "invalid UTF-8 in string",
            })?;
            text.push_str(run);
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    text.push(self.escape()?);
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn escape(&mut self) -> Result<char, SyntaxError> {
        let Some(letter) = self.peek() else {
            return Err(self.error("unterminated escape"));
        };
        self.pos += 1;
        Ok(match letter {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(self.error("invalid escape")),
        })
    }

    /// `\uXXXX`, joining surrogate pairs. A lone surrogate becomes U+FFFD,
    /// as Go's JSON decoder (which wrote Terraform's state) does.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let unit = self.hex4()?;
        if (0xD800..0xDC00).contains(&unit) && self.bytes[self.pos..].starts_with(b"\\u") {
            let after_high = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(scalar).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.pos = after_high;
        }
        Ok(char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("truncated \\u escape"))?;
        let mut unit = 0;
        for digit in digits {
            let nibble = char::from(*digit)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            unit = unit * 16 + nibble;
        }
        self.pos += 4;
        Ok(unit)
    }

    fn number(&mut self) -> Result<JsonNode, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.digits();
        }
        // The grammar above admits ASCII only, so this cannot fail.
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|_| self.error("invalid number"))?;
        Ok(JsonNode::Number(text.to_owned()))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let node = parse(br#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\u00e9\ud83d\ude00"} "#);
        assert_eq!(
            node,
            Ok(JsonNode::Object(vec![
                (
                    "a".into(),
                    JsonNode::Array(vec![
                        JsonNode::Number("1".into()),
                        JsonNode::Number("-2.5e3".into()),
                        JsonNode::Bool(true),
                        JsonNode::Bool(false),
                        JsonNode::Null,
                    ])
                ),
                ("b".into(), JsonNode::String("x\"é😀".into())),
            ]))
        );
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(
            parse(br#""\ud800x\udc00""#),
            Ok(JsonNode::String("\u{fffd}x\u{fffd}".into()))
        );
    }

    #[test]
    fn rejects_malformed_documents_with_offsets() {
        let cases: [(&[u8], usize); 9] = [
            (b"", 0),
            (b"[1,]", 3),
            (b"{\"a\" 1}", 5),
            (b"01", 1),
            (b"1.", 2),
            (b"\"a\nb\"", 2),
            (b"tru", 0),
            (b"\"\\x\"", 3),
            (b"[1] 2", 4),
        ];
        for (input, offset) in cases {
            let result = parse(input);
            assert_eq!(result.map_err(|error| error.offset), Err(offset), "{input:?}");
        }
    }

    #[test]
    fn refuses_to_nest_past_the_limit() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(
            parse(deep.as_bytes()).map_err(|error| error.message),
            Err("nesting too deep")
        );
        let allowed = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(allowed.as_bytes()).is_ok());
    }
}
