//! Full-text search over everything the session can decrypt.
//!
//! Matching is a regular expression over each line (trimmed), case
//! insensitive unless the pattern has an upper-case letter (smart case, as
//! ripgrep does). Hits are returned to the caller, never logged.
//!
//! The text searched is a [`Corpus`]: the decrypted records and notes of
//! some cases, held in memory (zeroized when dropped) so that a front end
//! can search it again on every keystroke without decrypting anything.
//! The TUI builds one from the records it already decrypted for its list
//! and refreshes it after a change, decrypting only the notes that are new
//! or changed; [`search_cases`] builds one for a single search and [`grep`]
//! is its all-readable-cases form for the CLI.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use regex::{Regex, RegexBuilder};
use serde::Serialize;

use crate::case::{CaseId, CaseRecord, Note};
use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::ops::cases;
use crate::support::secret::Zeroizing;
use crate::trust::policy;
use crate::vault::Vault;

// Decrypted content: Debug never shows it.
crate::redacted_debug!(Hit);

/// One matching line.
#[derive(Clone, Serialize)]
pub struct Hit {
    /// The case.
    pub case: CaseId,
    /// `record` or `note <file>`.
    pub location: String,
    /// The matching line.
    pub line: String,
    /// Where in `line` (bytes) the first match is, for highlighting.
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// Searches every readable case's record and notes for `pattern`.
pub fn grep(vault: &Vault, session: &Session, pattern: &str) -> Result<Vec<Hit>> {
    // Choose by the access lists alone: the search decrypts each case once.
    let listed = policy::cases_listing(vault, &session.fingerprint())?;
    let never = std::sync::atomic::AtomicBool::new(false);
    search_cases(vault, session, &listed, pattern, &never)
}

/// Searches the records and notes of the cases `ids` (those the caller knows
/// are readable) for `pattern`, with the same smart-case rule as
/// [`grep`]. Cases that cannot be read are skipped. Stops
/// early once `cancel` is set, returning the hits found so far.
pub fn search_cases(
    vault: &Vault,
    session: &Session,
    ids: &[CaseId],
    pattern: &str,
    cancel: &AtomicBool,
) -> Result<Vec<Hit>> {
    let re = compile(pattern)?;
    let key = session.decryption_keys()?;
    let root = vault.root();
    let records: Vec<(CaseId, CaseRecord)> = ids
        .par_iter()
        .filter(|_| !cancel.load(Ordering::Relaxed))
        .filter_map(|id| {
            let record = cases::decrypt_record(root, key, id).ok()?;
            Some((id.clone(), record))
        })
        .collect();
    let corpus = Corpus::build(vault, session, &records, None, cancel)?;
    Ok(corpus.search_with(&re))
}

/// A compiled search pattern.
struct Pattern {
    re: Regex,
    /// Whether a match found in the whole text that lies within one line
    /// is that line's first match, as a search of the line alone finds it.
    /// True unless the pattern can tell the text's start or end from a
    /// line's (`\A`, `\z`, or a flag group that may turn multi-line off):
    /// then the text is searched line by line.
    whole_text_agrees: bool,
}

/// The smart-case regular expression for `pattern`.
fn compile(pattern: &str) -> Result<Pattern> {
    let smart_insensitive = !pattern.chars().any(char::is_uppercase);
    let re = RegexBuilder::new(pattern)
        .case_insensitive(smart_insensitive)
        .multi_line(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| Error::InvalidValue {
            field: "search pattern".into(),
            reason: "it is not a valid regular expression".into(),
        })?;
    let text_bounds = pattern.contains("\\A")
        || pattern.contains("\\z")
        || (pattern.contains("(?") && pattern.contains('-'));
    Ok(Pattern {
        re,
        whole_text_agrees: !text_bounds,
    })
}

/// What a search found in one case.
#[derive(Debug, Clone)]
pub struct CaseMatches {
    /// How many lines matched.
    pub lines: usize,
    /// The first of them, in location order (`note …` before `record`).
    pub first: Hit,
}

/// The decrypted text of some cases' records and notes, to search in
/// memory. Its text is zeroized when it is dropped; `Debug` shows only its
/// size.
pub struct Corpus {
    /// Sorted by case, then location.
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Corpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Corpus({} texts)", self.entries.len())
    }
}

/// One record or note: its lines, each trimmed and ended by `\n` (so a
/// match is found per trimmed line, as [`grep`] shows them).
struct Entry {
    case: CaseId,
    location: String,
    text: Zeroizing<String>,
    /// For a note: the file as it was when read, to know it unchanged.
    stamp: Option<Stamp>,
}

/// What says a working-tree file is the one read before: a rewrite replaces
/// the file (a new inode) or changes its size or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

impl Corpus {
    /// The text of `records` (decrypted by the caller, never again here)
    /// and of their cases' notes. A note `previous` holds from the same
    /// file, unchanged since, is taken from it rather than decrypted again;
    /// the rest of `previous` is dropped. Notes that cannot be read are
    /// left out. Stops early, with what it has, once `cancel` is set.
    pub fn build(
        vault: &Vault,
        session: &Session,
        records: &[(CaseId, CaseRecord)],
        previous: Option<Corpus>,
        cancel: &AtomicBool,
    ) -> Result<Corpus> {
        let key = session.decryption_keys()?;
        let root = vault.root();
        let mut known: HashMap<(CaseId, String), Entry> = previous
            .map(|p| p.entries)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.stamp.is_some())
            .map(|e| ((e.case.clone(), e.location.clone()), e))
            .collect();
        let mut entries = Vec::new();
        let mut to_read: Vec<(CaseId, String, Stamp)> = Vec::new();
        for (id, record) in records {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            entries.push(Entry {
                case: id.clone(),
                location: "record".into(),
                text: trimmed_lines(&record.to_yaml()?),
                stamp: None,
            });
            for file in vault.note_files(id).unwrap_or_default() {
                let Some(stamp) = Stamp::of(&root.join(cases::note_path(id, &file))) else {
                    continue;
                };
                let location = format!("note {file}");
                match known.remove(&(id.clone(), location.clone())) {
                    Some(entry) if entry.stamp == Some(stamp) => entries.push(entry),
                    _ => to_read.push((id.clone(), file, stamp)),
                }
            }
        }
        let fresh: Vec<Entry> = to_read
            .into_par_iter()
            .filter(|_| !cancel.load(Ordering::Relaxed))
            .filter_map(|(id, file, stamp)| {
                let notes = cases::read_notes(root, key, &id, std::slice::from_ref(&file)).ok()?;
                let note: &Note = notes.first()?;
                Some(Entry {
                    location: format!("note {file}"),
                    text: trimmed_lines(&note.text),
                    case: id,
                    stamp: Some(stamp),
                })
            })
            .collect();
        entries.extend(fresh);
        entries.sort_by(|a, b| (&a.case, &a.location).cmp(&(&b.case, &b.location)));
        Ok(Corpus { entries })
    }

    /// A corpus of texts a front end already holds: `(case, location,
    /// text)`, the location as a [`Hit`] names it (`record`, `note FILE`).
    pub fn from_texts(texts: impl IntoIterator<Item = (CaseId, String, String)>) -> Corpus {
        let mut entries: Vec<Entry> = texts
            .into_iter()
            .map(|(case, location, text)| Entry {
                case,
                location,
                text: trimmed_lines(&Zeroizing::new(text)),
                stamp: None,
            })
            .collect();
        entries.sort_by(|a, b| (&a.case, &a.location).cmp(&(&b.case, &b.location)));
        Corpus { entries }
    }

    /// How many records and notes it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every line matching `pattern` (smart case, as [`grep`]), sorted by
    /// case and location.
    pub fn search(&self, pattern: &str) -> Result<Vec<Hit>> {
        Ok(self.search_with(&compile(pattern)?))
    }

    /// Per case with a line matching `pattern`: how many lines match, and
    /// the first of them (what a list shows), in case order. Only those
    /// first lines are copied out, so a pattern that matches most lines
    /// (one letter typed) costs about what one that matches none does.
    pub fn matches_per_case(&self, pattern: &str) -> Result<Vec<CaseMatches>> {
        let pattern = compile(pattern)?;
        let per_entry: Vec<Option<(usize, Hit)>> = self
            .entries
            .par_iter()
            .map(|entry| {
                let mut count = 0;
                let mut first = None;
                each_matching_line(&pattern, &entry.text, |line, span| {
                    count += 1;
                    if first.is_none() {
                        first = Some(Hit {
                            case: entry.case.clone(),
                            location: entry.location.clone(),
                            line: line.to_string(),
                            span,
                        });
                    }
                    true
                });
                first.map(|hit| (count, hit))
            })
            .collect();
        let mut out: Vec<CaseMatches> = Vec::new();
        for (count, hit) in per_entry.into_iter().flatten() {
            match out.last_mut() {
                Some(last) if last.first.case == hit.case => last.lines += count,
                _ => out.push(CaseMatches {
                    lines: count,
                    first: hit,
                }),
            }
        }
        Ok(out)
    }

    fn search_with(&self, re: &Pattern) -> Vec<Hit> {
        self.entries
            .par_iter()
            .flat_map_iter(|entry| matching_lines(re, entry))
            .collect()
    }
}

/// `text`'s lines, each trimmed and ended by `\n` (so a text of no lines
/// is empty, and one of an empty line is not).
fn trimmed_lines(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + 1));
    for line in text.lines() {
        out.push_str(line.trim());
        out.push('\n');
    }
    out
}

/// The lines of `entry` that `re` matches, one hit each.
fn matching_lines(re: &Pattern, entry: &Entry) -> Vec<Hit> {
    let mut hits = Vec::new();
    each_matching_line(re, &entry.text, |line, span| {
        hits.push(Hit {
            case: entry.case.clone(),
            location: entry.location.clone(),
            line: line.to_string(),
            span,
        });
        true
    });
    hits
}

/// Calls `found` with each line of `text` that `re` matches and where in
/// it the first match is, until it returns false. The search runs over the
/// whole text (one scan, fast); a line counts only if a match lies within
/// it, and the next search starts at the next line, so a match across
/// lines neither counts nor hides a later line.
fn each_matching_line(
    pattern: &Pattern,
    text: &str,
    mut found: impl FnMut(&str, std::ops::Range<usize>) -> bool,
) {
    let re = &pattern.re;
    if !pattern.whole_text_agrees {
        // The text's bounds differ from a line's: search line by line.
        for line in text.lines() {
            if let Some(m) = re.find(line) {
                if !found(line, m.range()) {
                    return;
                }
            }
        }
        return;
    }
    let mut from = 0;
    while from < text.len() {
        let Some(m) = re.find_at(text, from) else {
            break;
        };
        if m.start() >= text.len() {
            break; // an empty match after the last line
        }
        let start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
        let end = text[m.start()..]
            .find('\n')
            .map_or(text.len(), |i| m.start() + i);
        let line = &text[start..end];
        // The first match inside the line alone, as a per-line search finds
        // it: nothing matched from `from` to `m`, so `m` is that match when
        // it ends within the line; otherwise the line is searched alone.
        let within = if m.end() <= end {
            Some(m.start() - start..m.end() - start)
        } else {
            re.find(line).map(|w| w.range())
        };
        if let Some(span) = within {
            if !found(line, span) {
                return;
            }
        }
        from = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::testkit;
    use proptest::prelude::*;

    fn entry(text: &str) -> Entry {
        Entry {
            case: "27T8E7KFWC".parse().unwrap(),
            location: "record".into(),
            text: trimmed_lines(text),
            stamp: None,
        }
    }

    /// What a search line by line (each trimmed) finds: the reference.
    fn line_by_line(pattern: &Pattern, text: &str) -> Vec<(String, std::ops::Range<usize>)> {
        let re = &pattern.re;
        text.lines()
            .map(str::trim)
            .filter_map(|l| re.find(l).map(|m| (l.to_string(), m.range())))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        #[test]
        fn the_one_scan_finds_exactly_what_a_search_line_by_line_finds(
            text in "[ab \n]{0,40}",
            pattern in prop::sample::select(vec![
                "ab", "^a", "b$", "^$", "a b", r"a\s+b", "(?s)a.b", "", "x*", "b", "^ *b", "A",
                "a|ab", "b|ba", r"\ba", r"a\b", r"\Aa|b", r"b\z|a", "(?-m)^a|b", "(?s-m)a.b$",
            ]),
        ) {
            let re = compile(pattern).unwrap();
            let found: Vec<_> = matching_lines(&re, &entry(&text))
                .into_iter()
                .map(|h| (h.line, h.span))
                .collect();
            prop_assert_eq!(found, line_by_line(&re, &text));
        }
    }

    #[test]
    fn a_rebuilt_corpus_decrypts_only_the_notes_that_are_new_or_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (ada, vault) = testkit::owner_and_vault(dir.path());
        let id = cases::create(
            &vault,
            &ada,
            cases::NewCase {
                title: "Appeal".into(),
                ..Default::default()
            },
        )
        .unwrap();
        cases::add_note(&vault, &ada, &id, "first call with the tribunal").unwrap();
        let never = AtomicBool::new(false);
        let records = vec![(id.clone(), cases::read_record(&vault, &ada, &id).unwrap())];
        let corpus = Corpus::build(&vault, &ada, &records, None, &never).unwrap();
        assert_eq!(corpus.len(), 2, "the record and one note");
        let hits = corpus.search("tribunal").unwrap();
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].location.starts_with("note "),
            "{}",
            hits[0].location
        );
        assert_eq!(
            corpus.search("appeal").unwrap().len(),
            1,
            "the record's title"
        );

        // A second note; the corpus is rebuilt by someone whose key opens
        // nothing: the first note still comes from the corpus, unread.
        cases::add_note(&vault, &ada, &id, "second call, the tribunal again").unwrap();
        let stranger = testkit::person(dir.path(), "Eve", "eve.example").unwrap();
        let rebuilt = Corpus::build(&vault, &stranger, &records, Some(corpus), &never).unwrap();
        let hits = rebuilt.search("tribunal").unwrap();
        assert_eq!(hits.len(), 1, "only the note kept from before");
        assert!(hits[0].line.starts_with("first"), "{}", hits[0].line);

        // With a key that opens it, the new note is read too.
        let again = Corpus::build(&vault, &ada, &records, Some(rebuilt), &never).unwrap();
        assert_eq!(again.search("tribunal").unwrap().len(), 2);
        // A case no longer given drops its notes.
        let none = Corpus::build(&vault, &ada, &[], Some(again), &never).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn matches_per_case_count_every_line_and_keep_the_first() {
        let (a, b): (CaseId, CaseId) =
            ("27T8E7KFWC".parse().unwrap(), "3GF94H7NR7".parse().unwrap());
        let corpus = Corpus::from_texts([
            (b.clone(), "record".into(), "visa\nno".into()),
            (a.clone(), "record".into(), "visa one\nvisa two".into()),
            (a.clone(), "note n.md".into(), "  the visa  ".into()),
        ]);
        let found = corpus.matches_per_case("visa").unwrap();
        let summary: Vec<_> = found
            .iter()
            .map(|m| {
                (
                    m.first.case.clone(),
                    m.lines,
                    m.first.location.clone(),
                    m.first.line.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (a, 3, "note n.md".to_string(), "the visa".to_string()),
                (b, 1, "record".to_string(), "visa".to_string()),
            ]
        );
        let all = corpus.search("visa").unwrap();
        assert_eq!(all.len(), 4, "the same lines, one hit each");
    }

    #[test]
    fn an_invalid_pattern_is_one_sentence() {
        let corpus = Corpus {
            entries: vec![entry("a")],
        };
        let err = corpus.search("(unclosed").unwrap_err().to_string();
        assert!(err.contains("not a valid regular expression"), "{err}");
    }
}
