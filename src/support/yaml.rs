//! The one module that touches serde_yaml (STYLE rule 8).
//!
//! Parse errors name the document and the line and column, never the
//! document's content, so they are safe to print even for decrypted records.
//!
//! Every document is bounded *before* serde_yaml sees it: at most
//! [`MAX_DOCUMENT_BYTES`], at most [`MAX_DEPTH`] levels of nesting, and no
//! anchors. libyaml's scanner is quadratic in flow nesting (a 250 KB
//! `{a: {a: ...` takes about 20 s to refuse) and alias expansion is
//! quadratic in size (a 0.5 MB document of aliases to one long list
//! exhausts memory), so without these checks anyone who can push a
//! document could stall or crash every colleague who syncs. The pre-scan
//! (`prescan`) is one linear pass that may over-estimate depth but never
//! under-estimates it where libyaml would go on parsing.

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, Result};

/// A YAML value, for the few places that work on untyped documents
/// (unknown-field preservation, `case set FIELD=VALUE`).
pub type Value = serde_yaml::Value;
/// A YAML mapping.
pub type Mapping = serde_yaml::Mapping;

/// The largest YAML document dossier parses. The largest it writes (a case
/// record with many attachments) stays far below.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The deepest nesting dossier parses, counting every block mapping, block
/// sequence and flow collection. Documents dossier writes nest at most
/// about six levels.
pub const MAX_DEPTH: usize = 64;

/// Parses a typed document; `what` names it in errors ("case record of 7K2M...").
/// Refuses, without parsing, a document over the size or depth limits or
/// one that uses anchors.
pub fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    check_bounds(text, what)?;
    serde_yaml::from_str(text).map_err(|e| malformed(what, &e))
}

/// Parses a typed document from bytes that must be UTF-8.
pub fn parse_bytes<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    // Checked before UTF-8 validation too, so a huge blob costs nothing.
    check_size(bytes.len(), MAX_DOCUMENT_BYTES, what)?;
    let text = std::str::from_utf8(bytes).map_err(|_| Error::MalformedYaml {
        what: what.to_string(),
        detail: "it is not UTF-8 text".into(),
    })?;
    parse(text, what)
}

/// Converts an untyped value into a typed one; errors name `what`.
pub fn from_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    serde_yaml::from_value(value).map_err(|e| malformed(what, &e))
}

/// Converts a typed value into an untyped one.
pub fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_yaml::to_value(value)
        .map_err(|e| Error::Encrypt(format!("cannot serialise a document: {e}")))
}

/// Serialises a document.
pub fn render<T: Serialize>(value: &T) -> Result<String> {
    serde_yaml::to_string(value)
        .map_err(|e| Error::Encrypt(format!("cannot serialise a document: {e}")))
}

/// Refuses a document of more than `limit` bytes, naming it as `what`. For
/// the modules that cap their own documents below [`MAX_DOCUMENT_BYTES`]
/// (key cards; signatures give their reason as a phrase instead, see
/// [`crate::keys::signature::verify`]).
pub fn check_size(len: usize, limit: usize, what: &str) -> Result<()> {
    if len > limit {
        return Err(Error::DocumentTooLarge {
            what: what.to_string(),
            limit,
        });
    }
    Ok(())
}

/// The size, depth and anchor checks every parse runs first.
fn check_bounds(text: &str, what: &str) -> Result<()> {
    check_size(text.len(), MAX_DOCUMENT_BYTES, what)?;
    prescan(text, MAX_DEPTH).map(drop).map_err(|refusal| match refusal {
        Refusal::TooDeep => Error::DocumentTooDeep {
            what: what.to_string(),
            limit: MAX_DEPTH,
        },
        Refusal::Anchor { line } => Error::MalformedYaml {
            what: what.to_string(),
            detail: format!(
                "line {line}: it uses a YAML anchor (`&name`), which dossier never writes and does not accept"
            ),
        },
    })
}

/// Why [`prescan`] refused a document.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// Nesting over the limit.
    TooDeep,
    /// An anchor, on this line (1-based). Aliases need one, so refusing
    /// anchors refuses every alias expansion.
    Anchor { line: usize },
}

/// One open block collection, at the column where it starts: a `- ` or `? `
/// entry (`dash`) or a `key:`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Block {
    col: usize,
    dash: bool,
}

/// Counts nesting in one linear pass, tokenizing the way libyaml's scanner
/// does: flow depth from `[`/`{` wherever a token starts (not inside a
/// plain, quoted or block scalar or a comment); block depth from a stack of
/// the columns where `- `, `? ` and `key:` open a block collection, popped
/// as indentation falls. Where libyaml's reading is not certain the scan
/// counts more, never less, so it may over-estimate depth; on the documents
/// dossier writes it is exact. Also refuses anchors (`&name` where a token
/// starts).
fn prescan(text: &str, max_depth: usize) -> std::result::Result<usize, Refusal> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut s = Scanner {
        max_depth,
        stack: Vec::new(),
        flow: 0,
        quote: None,
        in_plain: false,
        block_scalar: None,
        line: 0,
        deepest: 0,
    };
    for line in lines(text.as_bytes()) {
        s.line += 1;
        s.scan_line(line)?;
    }
    Ok(s.deepest)
}

/// Splits on every line break libyaml knows: `\n`, `\r\n`, `\r`, NEL, LS, PS.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let text = rest?;
        let mut i = 0;
        while i < text.len() {
            let len = match (text[i], text.get(i + 1), text.get(i + 2)) {
                (b'\r', Some(b'\n'), _) => 2,
                (b'\n' | b'\r', _, _) => 1,
                (0xC2, Some(0x85), _) => 2,
                (0xE2, Some(0x80), Some(0xA8 | 0xA9)) => 3,
                _ => 0,
            };
            if len > 0 {
                rest = Some(&text[i + len..]);
                return Some(&text[..i]);
            }
            i += 1;
        }
        rest = None;
        Some(text)
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    Single,
    Double,
}

struct Scanner {
    max_depth: usize,
    /// Open block collections, innermost last.
    stack: Vec<Block>,
    /// Open flow collections.
    flow: usize,
    /// Inside a quoted scalar (which may span lines).
    quote: Option<Quote>,
    /// Inside a plain scalar, where quotes, `&` and (in block context) `[`
    /// are text, and a more indented next line continues the scalar.
    in_plain: bool,
    /// Inside a block scalar: lines indented more than this column (and
    /// blank lines) are its text.
    block_scalar: Option<usize>,
    /// 1-based number of the line being scanned.
    line: usize,
    /// The deepest nesting seen so far.
    deepest: usize,
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// Character columns of one line, computed forwards only (so a whole line
/// costs linear time however many columns are asked for).
struct Columns<'a> {
    line: &'a [u8],
    at: usize,
    col: usize,
}

impl Columns<'_> {
    /// The column of byte `i`; `i` never decreases between calls.
    fn of(&mut self, i: usize) -> usize {
        while self.at < i.min(self.line.len()) {
            // Every UTF-8 character counts one column; so does a tab.
            if self.line[self.at] & 0xC0 != 0x80 {
                self.col += 1;
            }
            self.at += 1;
        }
        self.col
    }
}

impl Scanner {
    fn check_depth(&mut self) -> std::result::Result<(), Refusal> {
        self.deepest = self.deepest.max(self.stack.len() + self.flow);
        if self.deepest > self.max_depth {
            return Err(Refusal::TooDeep);
        }
        Ok(())
    }

    /// A block collection opens at `col`, unless it is a sibling of the
    /// innermost one (same column, same kind), which is the same level.
    fn open_block(&mut self, block: Block) -> std::result::Result<(), Refusal> {
        if self.stack.last() != Some(&block) {
            self.stack.push(block);
        }
        self.check_depth()
    }

    fn open_flow(&mut self) -> std::result::Result<(), Refusal> {
        self.flow += 1;
        self.check_depth()
    }

    /// The column of the innermost open block collection (libyaml's
    /// `indent`), `None` at the top level.
    fn block_indent(&self) -> Option<usize> {
        self.stack.last().map(|b| b.col)
    }

    fn scan_line(&mut self, line: &[u8]) -> std::result::Result<(), Refusal> {
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let blank = line[indent..].iter().all(|&b| is_ws(b));
        if let Some(threshold) = self.block_scalar {
            if blank || indent > threshold {
                return Ok(());
            }
            self.block_scalar = None;
        }
        if blank {
            // Blank lines change nothing, not even a plain scalar's run.
            return Ok(());
        }
        let mut start = 0;
        if self.quote.is_none() && self.flow == 0 {
            // A new line in block context: a document marker, a plain
            // scalar's next line, or tokens at a new indentation.
            let marker = (line.starts_with(b"---") || line.starts_with(b"..."))
                && line.get(3).is_none_or(|&b| is_ws(b));
            let continues =
                !marker && self.in_plain && self.block_indent().is_none_or(|c| indent > c);
            if marker {
                self.stack.clear();
                self.in_plain = false;
                start = 3;
            } else if !continues {
                self.in_plain = false;
                let dash = matches!(line[indent], b'-' | b'?')
                    && line.get(indent + 1).is_none_or(|&b| is_ws(b));
                while let Some(top) = self.stack.last() {
                    if top.col > indent || (top.col == indent && top.dash && !dash) {
                        self.stack.pop();
                    } else {
                        break;
                    }
                }
                start = indent;
            }
        }
        self.scan_tokens(line, start)
    }

    /// Scans one line from byte `i` on.
    fn scan_tokens(&mut self, line: &[u8], mut i: usize) -> std::result::Result<(), Refusal> {
        let mut cols = Columns {
            line,
            at: 0,
            col: 0,
        };
        // A line break counts as whitespace before the line's first token.
        let mut after_blank = true;
        // Where the block node that may turn out to be a `key:` began.
        let mut node_col: Option<usize> = None;
        while i < line.len() {
            let b = line[i];
            if let Some(q) = self.quote {
                match (q, b) {
                    (Quote::Single, b'\'') if line.get(i + 1) == Some(&b'\'') => i += 1,
                    (Quote::Double, b'\\') => i += 1,
                    (Quote::Single, b'\'') | (Quote::Double, b'"') => self.quote = None,
                    _ => {}
                }
                after_blank = false;
                i += 1;
                continue;
            }
            if is_ws(b) {
                after_blank = true;
                i += 1;
                continue;
            }
            let was_blank = std::mem::replace(&mut after_blank, false);
            let next_blank = line.get(i + 1).is_none_or(|&n| is_ws(n));
            let in_flow = self.flow > 0;
            if self.in_plain {
                let ends = (b == b':' && next_blank) || (in_flow && is_flow_indicator(b));
                if b == b'#' && was_blank {
                    self.in_plain = false;
                    return Ok(());
                }
                if !ends {
                    i += 1;
                    continue;
                }
                self.in_plain = false;
            }
            // A token starts here.
            match b {
                b'#' => return Ok(()),
                b'[' | b'{' => {
                    if !in_flow {
                        node_col.get_or_insert(cols.of(i));
                    }
                    self.open_flow()?;
                }
                b']' | b'}' => self.flow = self.flow.saturating_sub(1),
                b',' => {}
                b'-' | b'?' if next_blank || (b == b'?' && in_flow) => {
                    if !in_flow {
                        let col = cols.of(i);
                        self.open_block(Block { col, dash: true })?;
                        node_col = None;
                    }
                }
                b':' if next_blank || in_flow => {
                    if !in_flow {
                        let col = match node_col.take() {
                            Some(c) => c,
                            None => cols.of(i),
                        };
                        self.open_block(Block { col, dash: false })?;
                    }
                }
                b'&' => return Err(Refusal::Anchor { line: self.line }),
                b'*' => {
                    // An alias: its name is one token.
                    while line
                        .get(i + 1)
                        .is_some_and(|&n| n.is_ascii_alphanumeric() || n == b'-' || n == b'_')
                    {
                        i += 1;
                    }
                }
                b'!' => {
                    // A tag: one token, up to whitespace (or `,` in flow);
                    // libyaml refuses a tag followed by anything else.
                    while line
                        .get(i + 1)
                        .is_some_and(|&n| !(is_ws(n) || (in_flow && n == b',')))
                    {
                        i += 1;
                    }
                }
                b'|' | b'>' if !in_flow => {
                    let header = line[i + 1..]
                        .iter()
                        .take_while(|&&h| matches!(h, b'-' | b'+' | b'0'..=b'9'))
                        .count();
                    let after = &line[i + 1 + header..];
                    let rest = after.iter().position(|&b| !is_ws(b));
                    if rest.is_none_or(|p| after[p] == b'#') {
                        self.block_scalar = Some(self.block_indent().unwrap_or(0));
                        return Ok(());
                    }
                    // libyaml refuses a block scalar header with more on
                    // its line; read on as text all the same.
                    self.in_plain = true;
                }
                b'\'' | b'"' => {
                    if !in_flow {
                        node_col.get_or_insert(cols.of(i));
                    }
                    self.quote = Some(if b == b'"' {
                        Quote::Double
                    } else {
                        Quote::Single
                    });
                }
                _ => {
                    if !in_flow {
                        node_col.get_or_insert(cols.of(i));
                    }
                    self.in_plain = true;
                }
            }
            i += 1;
        }
        Ok(())
    }
}

fn malformed(what: &str, e: &serde_yaml::Error) -> Error {
    // serde_yaml's messages may quote the offending input; keep only the
    // location and the kind of problem, which never contain document text.
    let detail = match e.location() {
        Some(loc) => format!(
            "line {}, column {}: {}",
            loc.line(),
            loc.column(),
            kind_of(e)
        ),
        None => kind_of(e),
    };
    Error::MalformedYaml {
        what: what.to_string(),
        detail,
    }
}

fn kind_of(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    // Messages look like `parties[0].name: invalid type: string "x", expected
    // ...`. Field paths and "expected ..." name schema items, which are not
    // confidential; the value found (quoted) may be, so it is dropped.
    let head = text.split(" at line").next().unwrap_or(&text);
    let (path, head) = match head.split_once(": ") {
        Some((p, rest))
            if !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c)) =>
        {
            (Some(p), rest)
        }
        _ => (None, head),
    };
    let kind = describe(head);
    match path {
        Some(p) => format!("{p}: {kind}"),
        None => kind,
    }
}

fn describe(head: &str) -> String {
    if head.starts_with("missing field") || head.starts_with("duplicate field") {
        head.to_string()
    } else if head.starts_with("unknown variant") {
        match head.find("expected") {
            Some(i) => format!("unknown value, {}", &head[i..]),
            None => "unknown value".into(),
        }
    } else if head.starts_with("invalid type") {
        match head.find("expected") {
            Some(i) => format!("wrong type, {}", &head[i..]),
            None => "wrong type".into(),
        }
    } else {
        "the text is not well-formed YAML".into()
    }
}

/// A time as dossier stores it: UTC, whole seconds (what RFC 3339 in the
/// YAML documents and signed statements carries).
pub fn whole_seconds(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Now, as dossier stores it.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    whole_seconds(chrono::Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
    }

    #[test]
    fn errors_give_location_but_never_the_content() {
        let err = parse::<Doc>("title: [Secret Client Name", "test doc").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("test doc"), "{msg}");
        assert!(msg.contains("line"), "{msg}");
        assert!(!msg.contains("Secret"), "{msg}");
    }

    #[test]
    fn wrong_types_name_the_field_but_not_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Typed {
            n: u32,
        }
        let msg = parse::<Typed>("n: Confidential Name", "doc")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("n: wrong type, expected u32"), "{msg}");
        assert!(!msg.contains("Confidential"), "{msg}");
    }

    /// The nesting [`prescan`] counts, or why it refused.
    fn depth(text: &str) -> std::result::Result<usize, Refusal> {
        prescan(text, MAX_DEPTH)
    }

    fn flow_bomb(bytes: usize) -> String {
        format!("{}{}", "[".repeat(bytes / 2), "]".repeat(bytes / 2))
    }

    fn flow_mapping_bomb(bytes: usize) -> String {
        let n = bytes / 5;
        format!("{}{}", "{a: ".repeat(n), "}".repeat(n))
    }

    /// `a:` / `  a:` / `    a:` ... as deep as 200 KB allows.
    fn indented_bomb(bytes: usize) -> String {
        let mut text = String::new();
        let mut level = 0;
        while text.len() < bytes {
            text.push_str(&" ".repeat(level));
            text.push_str("a:\n");
            level += 1;
        }
        text
    }

    fn is_too_deep<T: std::fmt::Debug>(r: Result<T>) -> bool {
        matches!(
            r,
            Err(Error::DocumentTooDeep {
                limit: MAX_DEPTH,
                ..
            })
        )
    }

    #[test]
    fn deeply_nested_flow_documents_are_refused_before_parsing() {
        // serde_yaml takes about 20 s on the mapping one.
        for text in [flow_bomb(200_000), flow_mapping_bomb(200_000)] {
            assert!(is_too_deep(parse::<Value>(&text, "access.yaml")));
            assert!(is_too_deep(parse_bytes::<Value>(
                text.as_bytes(),
                "access.yaml"
            )));
        }
        let msg = parse::<Value>(&flow_bomb(1000), "cases/X/access.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("cases/X/access.yaml nests more than 64 levels"),
            "{msg}"
        );
        assert!(!msg.contains("[["), "{msg}");
    }

    #[test]
    fn deeply_nested_block_documents_are_refused_before_parsing() {
        let inline = format!("{}x\n", "- ".repeat(100_000));
        let keys = format!("{}x\n", "? ".repeat(100_000));
        let indentless = (0..300)
            .map(|i| format!("{}- a:\n", "  ".repeat(i)))
            .collect::<String>();
        for text in [indented_bomb(200_000), inline, keys, indentless] {
            assert!(is_too_deep(parse::<Value>(&text, "doc")), "{:.40}", text);
        }
    }

    #[test]
    fn a_document_over_one_mib_is_refused_unread() {
        let text = format!("a: '{}'\n", "x".repeat(MAX_DOCUMENT_BYTES));
        let err = parse::<Value>(&text, "the access list of case X").unwrap_err();
        assert!(matches!(
            err,
            Error::DocumentTooLarge {
                limit: MAX_DOCUMENT_BYTES,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "the access list of case X is larger than 1 MiB, the most dossier reads; \
             it was refused without being parsed (dossier never writes one that large)"
        );
        // Not even checked as UTF-8 first.
        let mut bytes = text.into_bytes();
        bytes.push(0xff);
        assert!(matches!(
            parse_bytes::<Value>(&bytes, "doc"),
            Err(Error::DocumentTooLarge { .. })
        ));
        // Just under the limit is parsed.
        let text = format!("a: '{}'\n", "x".repeat(MAX_DOCUMENT_BYTES - 8));
        assert!(parse::<Value>(&text, "doc").is_ok());
    }

    #[test]
    fn anchors_are_refused_so_aliases_cannot_expand() {
        // A 0.5 MB document of aliases to one long list makes serde_yaml
        // exhaust memory; billion laughs hits its repetition limit.
        let mut bomb = String::from("a: &a [");
        bomb.push_str(&"x,".repeat(120_000));
        bomb.push_str("x]\nb: [");
        bomb.push_str(&"*a,".repeat(100_000));
        bomb.push_str("*a]\n");
        for text in [
            bomb.as_str(),
            "a: &x 1\nb: *x\n",
            "- &x [1]\n- *x\n",
            "base: &b {k: 1}\nother:\n  <<: *b\n",
            "[&x 1, *x]",
        ] {
            match parse::<Value>(text, "doc") {
                Err(Error::MalformedYaml { detail, .. }) => {
                    assert!(detail.contains("anchor"), "{detail}")
                }
                other => panic!("{text:.40}: {other:?}"),
            }
        }
        // `&` and `*` inside text are text.
        for text in [
            "title: Smith & Jones *urgent*\n",
            "title: '&x'\nb: \"*y\"\n",
            "note: |\n  &x is not an anchor here\n  *nor this\n",
        ] {
            assert!(parse::<Value>(text, "doc").is_ok(), "{text}");
        }
    }

    #[test]
    fn the_prescan_counts_real_nesting() {
        assert_eq!(depth("a: 1\nb: 2\n"), Ok(1));
        assert_eq!(depth("a:\n  b: [1, {c: 2}]\n"), Ok(4));
        assert_eq!(depth("a:\n- x\n- y\nb: 1\n"), Ok(2));
        assert_eq!(depth("- a: 1\n  b:\n  - c\n"), Ok(3));
        assert_eq!(depth("- - - x\n"), Ok(3));
        assert_eq!(depth("--- [[1]]\n--- {a: 1}\n"), Ok(2));
    }

    #[test]
    fn text_that_looks_like_nesting_is_not_counted() {
        let deep = "[".repeat(200);
        for text in [
            format!("title: '{deep}'\n"),
            format!("title: \"{deep}\\\"{deep}\"\n"),
            format!("title: it''s {deep}\n"),
            format!("title: O'Brien {deep}\n"),
            format!("# {deep}\ntitle: x # {deep}\n"),
            format!("text: |\n  {deep}\n  - - - - -\n    {{{{{{{{\nnext: 1\n"),
            format!("- key: >-\n    {deep}\n  other: 1\n"),
            format!("title: multi\n  line {deep}\n"),
            format!("title: 'multi\n  line {deep}'\n"),
        ] {
            assert!(
                depth(&text).is_ok_and(|d| d <= 3),
                "{text:.60}: {:?}",
                depth(&text)
            );
        }
    }

    #[test]
    fn nesting_hidden_behind_look_alike_text_is_still_counted() {
        let bomb = flow_mapping_bomb(1000);
        for text in [
            // A quote inside a plain scalar opens nothing...
            format!("a: O'Brien\nb: {bomb}\n"),
            // ...nor on the plain scalar's next line.
            format!("a: abc\n  'x\nb: {bomb}\n"),
            // `\r` ends a comment as it ends a line.
            format!("# c\r{bomb}\n"),
            format!("a: 1 # c\u{2028}b: {bomb}\n"),
            // A block scalar ends where indentation falls back.
            format!("- key: |\n    text\n  other: {bomb}\n"),
            format!("key: |\n  text\n{bomb}\n"),
            // A comment needs whitespace before it inside a plain scalar.
            format!("a: x#'\nb: {bomb}\n"),
            // A tag is one token; what follows it is read.
            format!("a: !t {bomb}\n"),
            // Flow collections nest inside block ones.
            format!("{}{bomb}\n", "- ".repeat(10)),
        ] {
            assert_eq!(depth(&text), Err(Refusal::TooDeep), "{text:.60}");
        }
    }

    #[test]
    fn every_document_dossier_writes_passes_with_room_to_spare() {
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::samples::demo::create(Some(&dir.path().join("demo"))).unwrap();
        let vault = crate::vault::Vault::open(&demo.vault).unwrap();
        let session = demo.session().unwrap();
        // A revocation and a binding, which the demo does not make.
        let me = session.fingerprint();
        let other = vault
            .keyring()
            .entries()
            .map(|e| e.fingerprint)
            .find(|fp| *fp != me)
            .unwrap();
        crate::ops::revocation::revoke(&vault, &session, &other, "left the firm", &|_| {}).unwrap();
        let vault = crate::vault::Vault::open(&demo.vault).unwrap();
        crate::ops::rotation::set_expiry(
            &vault,
            &session,
            Some(now() + chrono::Duration::days(365)),
        )
        .unwrap();

        let mut documents: Vec<(String, String)> = Vec::new();
        let mut pending = vec![demo.vault.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && !path.ends_with(".git") {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    documents.push((path.display().to_string(), text));
                }
            }
        }
        for kind in [
            "revoked.yaml",
            "binding.yaml",
            "access.yaml",
            "groups.yaml",
            "vault.yaml",
        ] {
            assert!(
                documents.iter().any(|(p, _)| p.ends_with(kind)),
                "no {kind}"
            );
        }
        // A case record with every field, unknown fields and attachments.
        let record = "reference: OL-2026-101\ntitle: 'Appeal: [draft] & *notes*'\nstatus: open\n\
            jurisdictions:\n- UK\nopened: 2026-10-23\nsensitivity: restricted\n\
            protected_identity: true\npseudonym: Client MT-7\nclient:\n  name: O'Brien\n\
            \x20 identifiers:\n  - kind: file\n    value: HO-4000-10\n  contact:\n\
            \x20   email: a@b.example\n    address: \"1 High St\\nLondon\"\n\
            parties:\n- name: Home Office\n  role: respondent\n\
            deadlines:\n- date: 2026-11-27\n  what: Lodge bundle\n\
            documents:\n- id: 4k2m9q\n  name: letter.pdf\n  size: 1\n\
            future:\n  nested: {a: [1, 2]}\n";
        let record = crate::case::CaseRecord::parse(record.as_bytes(), "record").unwrap();
        documents.push(("record".into(), record.to_yaml().unwrap().to_string()));
        let note = crate::case::note::Note::plaintext(me, now(), "text\n---\n- [[[\n").unwrap();
        let note = String::from_utf8(note.to_vec()).unwrap();
        let head = note["---\n".len()..].split("\n---\n").next().unwrap();
        documents.push(("note header".into(), head.to_string()));
        for theme in ["default", "high-contrast", "light", "monochrome"] {
            let path = format!("{}/themes/{theme}.yaml", env!("CARGO_MANIFEST_DIR"));
            documents.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
        for (what, text) in &documents {
            let d = depth(text).unwrap_or_else(|r| panic!("{what}: {r:?}"));
            assert!(d <= 8, "{what} nests {d} levels");
            parse::<Value>(text, what).unwrap();
        }
    }

    #[test]
    fn missing_fields_are_named() {
        let err = parse::<Doc>("other: 1", "doc").unwrap_err().to_string();
        assert!(err.contains("missing field `title`"), "{err}");
    }
}
