//! The tokens of a SCIM filter (RFC 7644 §3.4.2.2, Figure 1): parentheses,
//! brackets, words (attribute paths, operators, `and`/`or`/`not`, JSON
//! literals), JSON strings and JSON numbers (RFC 7159 §6, §7). Tokens are
//! read one at a time, so that a PATCH path can stop reading at its `]`.

use std::str::FromStr;

use super::ParseError;

/// One token and the byte range it covers.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token<'a> {
    pub(super) kind: Tok<'a>,
    /// Byte offset of the token's first character.
    pub(super) start: usize,
    /// Byte offset just past the token.
    pub(super) end: usize,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok<'a> {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A JSON string, escapes resolved.
    Str(String),
    /// A JSON number.
    Num(serde_json::Number),
    /// A run of name characters (`A-Z a-z 0-9 - _ : . $`) not starting with a
    /// digit or `-`: an attribute path, an operator or a keyword.
    Word(&'a str),
    Eof,
}

/// Characters that make up a word: ATTRNAME characters (`ALPHA`, `DIGIT`,
/// `-`, `_`), the `:` and `.` of schema URIs and sub-attributes, and the `$`
/// of `$ref` (RFC 7643 §2.3.7).
pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.' | b'$')
}

/// Reads tokens from `src`, starting at a byte offset.
#[derive(Debug)]
pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str, pos: usize) -> Self {
        Self { src, pos }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// The next token, skipping whitespace before it.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, ParseError> {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.byte(self.pos) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(b) = self.byte(start) else {
            return Ok(Token {
                kind: Tok::Eof,
                start,
                end: start,
            });
        };
        let kind = match b {
            b'(' => self.single(Tok::LParen),
            b')' => self.single(Tok::RParen),
            b'[' => self.single(Tok::LBracket),
            b']' => self.single(Tok::RBracket),
            b'"' => Tok::Str(self.string()?),
            b'-' | b'0'..=b'9' => Tok::Num(self.number()?),
            b if is_word_byte(b) => {
                while self.byte(self.pos).is_some_and(is_word_byte) {
                    self.pos += 1;
                }
                Tok::Word(&self.src[start..self.pos])
            }
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('\u{fffd}');
                return Err(ParseError::new(
                    start,
                    format!("unexpected character '{}'", c.escape_debug()),
                ));
            }
        };
        Ok(Token {
            kind,
            start,
            end: self.pos,
        })
    }

    fn single(&mut self, tok: Tok<'a>) -> Tok<'a> {
        self.pos += 1;
        tok
    }

    /// A JSON string (RFC 7159 §7); `self.pos` is on the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(ParseError::new(
                    open,
                    "unterminated string: no closing '\"'",
                ));
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape(at)?),
                c if u32::from(c) < 0x20 => {
                    return Err(ParseError::new(
                        at,
                        format!(
                            "control character U+{:04X} in a string must be escaped",
                            u32::from(c)
                        ),
                    ))
                }
                c => out.push(c),
            }
        }
    }

    /// The character an escape stands for; `at` is the backslash and
    /// `self.pos` the byte after it.
    fn escape(&mut self, at: usize) -> Result<char, ParseError> {
        let Some(e) = self.byte(self.pos) else {
            return Err(ParseError::new(at, "unterminated string: ends in '\\'"));
        };
        self.pos += 1;
        Ok(match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                match hi {
                    0xD800..=0xDBFF => {
                        let low_at = self.pos;
                        if self.byte(low_at) != Some(b'\\') || self.byte(low_at + 1) != Some(b'u') {
                            return Err(ParseError::new(
                                at,
                                "unpaired surrogate in a '\\u' escape",
                            ));
                        }
                        self.pos += 2;
                        let lo = self.hex4(low_at)?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(ParseError::new(
                                at,
                                "unpaired surrogate in a '\\u' escape",
                            ));
                        }
                        let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        char::from_u32(code).ok_or_else(|| {
                            ParseError::new(at, "invalid code point in a '\\u' escape")
                        })?
                    }
                    0xDC00..=0xDFFF => {
                        return Err(ParseError::new(at, "unpaired surrogate in a '\\u' escape"))
                    }
                    _ => char::from_u32(hi).ok_or_else(|| {
                        ParseError::new(at, "invalid code point in a '\\u' escape")
                    })?,
                }
            }
            _ => {
                let c = self.src[self.pos - 1..]
                    .chars()
                    .next()
                    .unwrap_or('\u{fffd}');
                return Err(ParseError::new(
                    at,
                    format!(
                        "invalid escape '\\{}' (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                        c.escape_debug()
                    ),
                ));
            }
        })
    }

    /// Four hex digits after `\u`; `at` is the backslash.
    fn hex4(&mut self, at: usize) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .byte(self.pos)
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| ParseError::new(at, "'\\u' escape needs four hexadecimal digits"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    /// A JSON number (RFC 7159 §6):
    /// `[ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]`.
    fn number(&mut self) -> Result<serde_json::Number, ParseError> {
        let start = self.pos;
        let bad = |msg: &str| ParseError::new(start, format!("invalid number: {msg}"));
        if self.byte(self.pos) == Some(b'-') {
            self.pos += 1;
        }
        match self.byte(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(bad("'-' must be followed by a digit")),
        }
        if self.byte(self.pos) == Some(b'.') {
            self.pos += 1;
            if !self.byte(self.pos).is_some_and(|b| b.is_ascii_digit()) {
                return Err(bad("'.' must be followed by a digit"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.byte(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.byte(self.pos) {
                self.pos += 1;
            }
            if !self.byte(self.pos).is_some_and(|b| b.is_ascii_digit()) {
                return Err(bad("the exponent needs a digit"));
            }
            self.digits();
        }
        if self
            .byte(self.pos)
            .is_some_and(|b| is_word_byte(b) || b == b'"' || b == b'+')
        {
            return Err(bad(
                "a number must end at a space, ')' or ']' (no leading zeros, no letters)",
            ));
        }
        let text = &self.src[start..self.pos];
        if !text.contains(['.', 'e', 'E']) {
            if let Ok(v) = u64::from_str(text) {
                return Ok(v.into());
            }
            if let Ok(v) = i64::from_str(text) {
                return Ok(v.into());
            }
        }
        // Rust's float parsing rounds correctly, so the shortest text that
        // `Display` prints for the number reads back as the same number.
        f64::from_str(text)
            .ok()
            .and_then(serde_json::Number::from_f64)
            .ok_or_else(|| bad("out of range for a JSON number"))
    }

    fn digits(&mut self) {
        while self.byte(self.pos).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }
}
