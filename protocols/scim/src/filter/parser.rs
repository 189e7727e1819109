//! The recursive-descent parser of SCIM filters (RFC 7644 §3.4.2.2, Figure 1)
//! and PATCH paths (RFC 7644 §3.5.2, Figure 7), with the precedence of
//! §3.4.2.2 (grouping, then `not`, then `and`, then `or`) and the limits of
//! [`super::MAX_FILTER_LEN`], [`super::MAX_DEPTH`] and
//! [`super::MAX_COMPARISONS`].
//!
//! The parser recurses only when it opens a `(`, `not (` or `[`, and counts
//! each as one level before it recurses, so no input can make it recurse
//! deeper than [`super::MAX_DEPTH`].

use super::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use super::lexer::{is_word_byte, Lexer, Tok, Token};
use super::{ParseError, MAX_COMPARISONS, MAX_DEPTH, MAX_FILTER_LEN};
use crate::ScimType;

/// Parses a whole filter.
pub(super) fn parse_filter(src: &str) -> Result<Filter, ParseError> {
    if src.len() > MAX_FILTER_LEN {
        return Err(too_long(src.len()));
    }
    if src.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Err(ParseError::new(0, "empty filter"));
    }
    let mut p = Parser::new(src, 0);
    let filter = p.or_expr(false)?;
    let end = p.bump()?;
    match end.kind {
        Tok::Eof => Ok(filter),
        Tok::RParen => Err(ParseError::new(end.start, "unbalanced ')': no '(' is open")),
        Tok::RBracket => Err(ParseError::new(end.start, "unbalanced ']': no '[' is open")),
        _ => Err(ParseError::new(
            end.start,
            format!(
                "expected 'and', 'or' or the end of the filter, found {}",
                describe(&end.kind)
            ),
        )),
    }
}

/// Parses a PATCH `path`: `attrPath / valuePath [subAttr]`. The error's
/// keyword is `invalidFilter` for a fault inside the brackets (RFC 7644
/// §3.12, Table 9: "PATCH (Path filter)") and `invalidPath` otherwise.
pub(super) fn parse_patch_path(src: &str) -> Result<PatchPath, (ScimType, ParseError)> {
    let path_err = |e: ParseError| (ScimType::InvalidPath, e);
    if src.len() > MAX_FILTER_LEN {
        return Err(path_err(too_long(src.len())));
    }
    if src.is_empty() {
        return Err(path_err(ParseError::new(0, "empty path")));
    }
    let bytes = src.as_bytes();
    let end = bytes
        .iter()
        .position(|&b| !is_word_byte(b))
        .unwrap_or(src.len());
    if end == 0 {
        return Err(path_err(ParseError::new(
            0,
            format!(
                "expected an attribute path, found {}",
                describe_char(src, 0)
            ),
        )));
    }
    let attr = parse_attr_path(&src[..end], 0).map_err(path_err)?;
    match bytes.get(end) {
        None => return Ok(PatchPath::Attr(attr)),
        Some(b'[') => {}
        Some(_) => {
            return Err(path_err(ParseError::new(
                end,
                format!(
                    "expected '[' or the end of the path, found {}",
                    describe_char(src, end)
                ),
            )))
        }
    }
    if attr.sub.is_some() {
        return Err(path_err(sub_before_bracket(end)));
    }
    if !has_closing_bracket(&src[end + 1..]) {
        return Err(path_err(ParseError::new(
            end,
            "unclosed '[': no matching ']'",
        )));
    }
    let mut p = Parser::new(src, end + 1);
    p.depth = 1;
    let filter = p.or_expr(true).map_err(|e| (ScimType::InvalidFilter, e))?;
    let close = p.bump().map_err(|e| (ScimType::InvalidFilter, e))?;
    match close.kind {
        Tok::RBracket => {}
        Tok::Eof => {
            return Err(path_err(ParseError::new(
                end,
                "unclosed '[': no matching ']'",
            )))
        }
        other => {
            return Err((
                ScimType::InvalidFilter,
                ParseError::new(
                    close.start,
                    format!("expected 'and', 'or' or ']', found {}", describe(&other)),
                ),
            ))
        }
    }
    let after = close.end;
    let sub = match bytes.get(after) {
        None => None,
        Some(b'.') => {
            let name = &src[after + 1..];
            check_name(name, after + 1).map_err(path_err)?;
            Some(name.to_owned())
        }
        Some(_) => {
            return Err(path_err(ParseError::new(
                after,
                format!(
                    "expected '.' and a sub-attribute name, or the end of the path, after ']'; found {}",
                    describe_char(src, after)
                ),
            )))
        }
    };
    Ok(PatchPath::Value {
        attr,
        filter: Box::new(filter),
        sub,
    })
}

/// Whether `rest` holds a `]` outside JSON strings: a path whose `[` is
/// never closed is a malformed path, not a malformed filter.
fn has_closing_bracket(rest: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for b in rest.bytes() {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b']') => return true,
            _ => {}
        }
    }
    false
}

fn too_long(len: usize) -> ParseError {
    ParseError::new(
        MAX_FILTER_LEN,
        format!("input is {len} bytes long; the limit is {MAX_FILTER_LEN}"),
    )
}

fn sub_before_bracket(at: usize) -> ParseError {
    ParseError::new(
        at,
        "a value path's attribute has no sub-attribute: write 'emails[type eq \"work\"].value', not 'emails.value[…]'",
    )
}

/// The parser state: one token of look-ahead, the nesting depth and the
/// number of comparisons read so far.
#[derive(Debug)]
struct Parser<'a> {
    lex: Lexer<'a>,
    peeked: Option<Token<'a>>,
    depth: usize,
    comparisons: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, pos: usize) -> Self {
        Self {
            lex: Lexer::new(src, pos),
            peeked: None,
            depth: 0,
            comparisons: 0,
        }
    }

    fn peek(&mut self) -> Result<&Token<'a>, ParseError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lex.next_token()?);
        }
        match &self.peeked {
            Some(t) => Ok(t),
            None => Err(ParseError::new(0, "internal parser error")),
        }
    }

    fn bump(&mut self) -> Result<Token<'a>, ParseError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex.next_token(),
        }
    }

    /// Consumes the next token if it is the word `kw` (any case).
    fn eat_keyword(&mut self, kw: &str) -> Result<bool, ParseError> {
        let hit = matches!(&self.peek()?.kind, Tok::Word(w) if w.eq_ignore_ascii_case(kw));
        if hit {
            self.bump()?;
        }
        Ok(hit)
    }

    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                at,
                format!("nested deeper than {MAX_DEPTH} levels of '(', 'not (' or '['"),
            ));
        }
        Ok(())
    }

    fn count_comparison(&mut self, at: usize) -> Result<(), ParseError> {
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(ParseError::new(
                at,
                format!("more than {MAX_COMPARISONS} comparisons"),
            ));
        }
        Ok(())
    }

    /// `FILTER *( "or" FILTER )`, left-associative; `in_value` is true
    /// inside a value path's brackets.
    fn or_expr(&mut self, in_value: bool) -> Result<Filter, ParseError> {
        let mut left = self.and_expr(in_value)?;
        while self.eat_keyword("or")? {
            let right = self.and_expr(in_value)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `FILTER *( "and" FILTER )`, left-associative.
    fn and_expr(&mut self, in_value: bool) -> Result<Filter, ParseError> {
        let mut left = self.unary(in_value, None)?;
        loop {
            let at = self.peek()?.start;
            if !self.eat_keyword("and")? {
                return Ok(left);
            }
            let right = self.unary(in_value, Some(at))?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
    }

    /// A group `( … )`, a negation `not ( … )` or an `attrExp` / `valuePath`.
    /// `after_and` is the position of a preceding `and`, for the message.
    fn unary(&mut self, in_value: bool, after_and: Option<usize>) -> Result<Filter, ParseError> {
        let tok = self.bump()?;
        match tok.kind {
            Tok::LParen => {
                self.enter(tok.start)?;
                let inner = self.or_expr(in_value)?;
                self.close_paren(tok.start)?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Word(w)
                if w.eq_ignore_ascii_case("not") && matches!(self.peek()?.kind, Tok::LParen) =>
            {
                let open = self.bump()?;
                self.enter(tok.start)?;
                let inner = self.or_expr(in_value)?;
                self.close_paren(open.start)?;
                self.depth -= 1;
                Ok(Filter::Not(Box::new(inner)))
            }
            Tok::Word(w) => self.attr_exp(w, tok.start, in_value),
            other => {
                let what = match after_and {
                    Some(_) => "after 'and', expected",
                    None => "expected",
                };
                Err(ParseError::new(
                    tok.start,
                    format!(
                        "{what} an attribute path, '(' or 'not (', found {}",
                        describe(&other)
                    ),
                ))
            }
        }
    }

    fn close_paren(&mut self, open: usize) -> Result<(), ParseError> {
        let tok = self.bump()?;
        match tok.kind {
            Tok::RParen => Ok(()),
            Tok::Eof => Err(ParseError::new(open, "unclosed '(': no matching ')'")),
            other => Err(ParseError::new(
                tok.start,
                format!("expected 'and', 'or' or ')', found {}", describe(&other)),
            )),
        }
    }

    /// `attrPath SP "pr"`, `attrPath SP compareOp SP compValue` or
    /// `attrPath "[" valFilter "]"`.
    fn attr_exp(&mut self, word: &str, start: usize, in_value: bool) -> Result<Filter, ParseError> {
        let path = parse_attr_path(word, start)?;
        if in_value && (path.urn.is_some() || path.sub.is_some()) {
            return Err(ParseError::new(
                start,
                "inside '[ ]' an attribute is a bare sub-attribute name of the bracketed attribute (e.g. 'type', not 'emails.type')",
            ));
        }
        let tok = self.bump()?;
        match tok.kind {
            Tok::LBracket => {
                if in_value {
                    return Err(ParseError::new(
                        tok.start,
                        "value filters do not nest: a sub-attribute has no sub-attributes (RFC 7643 §2.3.8)",
                    ));
                }
                if path.sub.is_some() {
                    return Err(sub_before_bracket(tok.start));
                }
                self.enter(tok.start)?;
                let inner = self.or_expr(true)?;
                let close = self.bump()?;
                match close.kind {
                    Tok::RBracket => {}
                    Tok::Eof => {
                        return Err(ParseError::new(
                            tok.start,
                            "unclosed '[': no matching ']'",
                        ))
                    }
                    other => {
                        return Err(ParseError::new(
                            close.start,
                            format!("expected 'and', 'or' or ']', found {}", describe(&other)),
                        ))
                    }
                }
                self.depth -= 1;
                Ok(Filter::ValuePath {
                    attr: path,
                    filter: Box::new(inner),
                })
            }
            Tok::Word(op) if op.eq_ignore_ascii_case("pr") => {
                self.count_comparison(start)?;
                let next = self.peek()?;
                let takes_value = match &next.kind {
                    Tok::Str(_) | Tok::Num(_) => true,
                    Tok::Word(w) => ["true", "false", "null"].contains(w),
                    _ => false,
                };
                if takes_value {
                    return Err(ParseError::new(next.start, "'pr' takes no value"));
                }
                Ok(Filter::Present { path })
            }
            Tok::Word(op) => {
                let Some(cmp) = CompareOp::from_keyword(op) else {
                    return Err(ParseError::new(
                        tok.start,
                        format!(
                            "unknown operator {}: expected eq, ne, co, sw, ew, gt, lt, ge, le or pr",
                            quote(op)
                        ),
                    ));
                };
                self.count_comparison(start)?;
                let value = self.comp_value(cmp)?;
                Ok(Filter::Compare {
                    path,
                    op: cmp,
                    value,
                })
            }
            other => Err(ParseError::new(
                tok.start,
                format!(
                    "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after {}, found {}",
                    quote(word),
                    describe(&other)
                ),
            )),
        }
    }

    /// `compValue = false / null / true / number / string`.
    fn comp_value(&mut self, op: CompareOp) -> Result<CompValue, ParseError> {
        let tok = self.bump()?;
        match tok.kind {
            Tok::Str(s) => Ok(CompValue::String(s)),
            Tok::Num(n) => Ok(CompValue::Number(n)),
            Tok::Word("true") => Ok(CompValue::True),
            Tok::Word("false") => Ok(CompValue::False),
            Tok::Word("null") => Ok(CompValue::Null),
            Tok::Word(w) if ["true", "false", "null"].iter().any(|l| l.eq_ignore_ascii_case(w)) => {
                Err(ParseError::new(
                    tok.start,
                    format!(
                        "{} is not a value: the JSON literals true, false and null are lower-case",
                        quote(w)
                    ),
                ))
            }
            Tok::Eof => Err(ParseError::new(
                tok.start,
                format!("missing value after '{}'", op.as_str()),
            )),
            other => Err(ParseError::new(
                tok.start,
                format!(
                    "expected a value after '{}' (false, null, true, a number or a quoted string), found {}",
                    op.as_str(),
                    describe(&other)
                ),
            )),
        }
    }
}

/// Splits and checks an attribute path word: `[URI ":"] ATTRNAME *1subAttr`.
/// `start` is the word's byte offset, for messages.
pub(super) fn parse_attr_path(word: &str, start: usize) -> Result<AttrPath, ParseError> {
    let (urn, rest, rest_at) = match word.rfind(':') {
        Some(i) => {
            check_urn(&word[..i], start)?;
            (Some(word[..i].to_owned()), &word[i + 1..], start + i + 1)
        }
        None => (None, word, start),
    };
    let mut parts = rest.split('.');
    let name = parts.next().unwrap_or_default();
    check_name(name, rest_at)?;
    let sub = match parts.next() {
        None => None,
        Some(sub) => {
            let sub_at = rest_at + name.len() + 1;
            check_name(sub, sub_at)?;
            if parts.next().is_some() {
                return Err(ParseError::new(
                    sub_at + sub.len(),
                    "an attribute path has at most one sub-attribute ('name.sub')",
                ));
            }
            Some(sub.to_owned())
        }
    };
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub,
    })
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`,
/// plus `$ref` (RFC 7643 §2.3.7).
fn check_name(name: &str, at: usize) -> Result<(), ParseError> {
    let bytes = name.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err(ParseError::new(at, "expected an attribute name"));
    };
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    if !first.is_ascii_alphabetic() {
        return Err(ParseError::new(
            at,
            format!("attribute name {} must start with a letter", quote(name)),
        ));
    }
    if let Some(i) = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(ParseError::new(
            at + i,
            format!(
                "invalid character {} in attribute name {}",
                describe_char(name, i),
                quote(name)
            ),
        ));
    }
    Ok(())
}

/// A schema URI prefix: `urn:` NID `:` NSS, non-empty segments of URN
/// characters (RFC 8141 §2, restricted to the ones SCIM schema URIs use).
fn check_urn(urn: &str, at: usize) -> Result<(), ParseError> {
    let mut offset = 0;
    for (i, seg) in urn.split(':').enumerate() {
        if seg.is_empty() {
            return Err(ParseError::new(at + offset, "empty segment in schema URI"));
        }
        if i == 0 && !seg.eq_ignore_ascii_case("urn") {
            return Err(ParseError::new(
                at,
                "a schema URI prefix starts with 'urn:'",
            ));
        }
        if let Some(j) = seg.bytes().position(|b| b == b'$') {
            return Err(ParseError::new(
                at + offset + j,
                "invalid character '$' in schema URI",
            ));
        }
        offset += seg.len() + 1;
    }
    if urn.split(':').count() < 3 {
        return Err(ParseError::new(
            at,
            "a schema URI prefix has the form 'urn:<nid>:<nss>'",
        ));
    }
    Ok(())
}

/// Quotes a piece of input for a message, cut to 40 characters.
fn quote(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("'{}…'", s[..i].escape_debug()),
        None => format!("'{}'", s.escape_debug()),
    }
}

fn describe(tok: &Tok<'_>) -> String {
    match tok {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Str(_) => "a string".into(),
        Tok::Num(_) => "a number".into(),
        Tok::Word(w) => quote(w),
        Tok::Eof => "the end of the input".into(),
    }
}

fn describe_char(src: &str, at: usize) -> String {
    match src.get(at..).and_then(|s| s.chars().next()) {
        Some(c) => format!("'{}'", c.escape_debug()),
        None => "the end of the input".into(),
    }
}
