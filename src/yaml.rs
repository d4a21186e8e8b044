//! The one module that touches serde_yaml (STYLE rule 8).
//!
//! Parse errors name the document and the line and column, never the
//! document's content, so they are safe to print even for decrypted records.

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, Result};

/// A YAML value, for the few places that work on untyped documents
/// (unknown-field preservation, `case set FIELD=VALUE`).
pub type Value = serde_yaml::Value;
/// A YAML mapping.
pub type Mapping = serde_yaml::Mapping;

/// Parses a typed document; `what` names it in errors ("case record of 7K2M...").
pub fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| malformed(what, &e))
}

/// Parses a typed document from bytes that must be UTF-8.
pub fn parse_bytes<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
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

    #[test]
    fn missing_fields_are_named() {
        let err = parse::<Doc>("other: 1", "doc").unwrap_err().to_string();
        assert!(err.contains("missing field `title`"), "{err}");
    }
}
