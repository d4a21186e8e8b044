//! Git bundles: a repository's history in one file, for air-gapped transfer.
//!
//! libgit2 has no bundle support and the git CLI cannot be assumed, so
//! dossier writes and reads the format itself:
//!
//! ```text
//! # v2 git bundle
//! -<oid>                 one line per prerequisite (only with `create_excluding`)
//! <oid> <refname>        one line per reference
//!                        a blank line
//! PACK...                a pack of every object the references need
//! ```
//!
//! Stock `git bundle verify`, `git bundle list-heads`, `git clone` and
//! `git fetch` accept what [`create`] writes. [`unpack`] reads v2 and v3
//! bundles (v3 only with the `object-format=sha1` capability), streams the
//! pack into the object database, and then checks that everything the
//! references need is there. It moves **no** reference: the caller verifies
//! what arrived (signatures, access lists) before anything of its own points
//! at it.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use git2::{ObjectType, Oid, Repository};

use crate::error::{Error, Result};
use crate::support::fsio;

/// What a bundle's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleHeader {
    /// Commits the receiver must already have (empty for a full bundle).
    pub prerequisites: Vec<Oid>,
    /// The references the bundle carries, with the object each names.
    pub refs: Vec<(String, Oid)>,
}

const V2: &str = "# v2 git bundle";
const V3: &str = "# v3 git bundle";
/// No header line of a real bundle comes near this (an object id and a
/// reference name); a longer one means the file is not a bundle, and must
/// not be read into memory whole.
const MAX_LINE: u64 = 4 * 1024;
/// A dossier vault's bundle names a handful of references (its branch);
/// ten thousand is far beyond any bundle dossier writes.
const MAX_HEADER_LINES: usize = 10_000;
/// The whole header, read before any of the pack; a header near this is
/// not one dossier or git would write.
const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// Writes a full bundle of `refs` (full names such as `refs/heads/main`,
/// or `HEAD`) to `out`, atomically; refuses to overwrite an existing file.
pub fn create(repo: &Repository, out: &Path, refs: &[&str]) -> Result<BundleHeader> {
    create_excluding(repo, out, refs, &[])
}

/// Like [`create`], leaving out the history of the commits in `exclude`:
/// the receiver must already have them, and the header lists them as
/// prerequisites (`-<oid>`, with no subject line, which git accepts).
pub fn create_excluding(
    repo: &Repository,
    out: &Path,
    refs: &[&str],
    exclude: &[Oid],
) -> Result<BundleHeader> {
    if refs.is_empty() {
        return Err(Error::EmptyBundle);
    }
    // Checked again, without a gap, when the file is put in place; this
    // early check only saves building a pack for nothing.
    if out.symlink_metadata().is_ok() {
        return Err(Error::FileExists(out.to_path_buf()));
    }
    let mut header = BundleHeader {
        prerequisites: Vec::new(),
        refs: Vec::new(),
    };
    let mut pack = repo.packbuilder()?;
    let mut walk = repo.revwalk()?;
    for name in refs {
        let reference = repo
            .find_reference(name)
            .map_err(|_| Error::UnknownReference(name.to_string()))?;
        let Some(oid) = reference.resolve()?.target() else {
            return Err(Error::DanglingReference(name.to_string()));
        };
        if header.refs.iter().any(|(n, _)| n == name) {
            continue;
        }
        header.refs.push((name.to_string(), oid));
        // Annotated tags travel with the commit (or tree, blob) they name.
        let mut object = repo.find_object(oid, None)?;
        while object.kind() == Some(ObjectType::Tag) {
            pack.insert_object(object.id(), None)?;
            let Some(tag) = object.as_tag() else { break };
            object = tag.target()?;
        }
        match object.kind() {
            Some(ObjectType::Commit) => walk.push(object.id())?,
            _ => pack.insert_recursive(object.id(), None)?,
        }
    }
    for oid in exclude {
        let commit = repo
            .find_commit(*oid)
            .map_err(|_| Error::NotACommitHere(oid.to_string()))?;
        walk.hide(commit.id())?;
        if !header.prerequisites.contains(&commit.id()) {
            header.prerequisites.push(commit.id());
        }
    }
    pack.insert_walk(&mut walk)?;
    let mut bytes = header_text(&header).into_bytes();
    pack.foreach(|chunk| {
        bytes.extend_from_slice(chunk);
        true
    })?;
    fsio::write_new(out, &bytes, fsio::Mode::Private)?;
    Ok(header)
}

fn header_text(header: &BundleHeader) -> String {
    let mut text = format!("{V2}\n");
    for oid in &header.prerequisites {
        text.push_str(&format!("-{oid}\n"));
    }
    for (name, oid) in &header.refs {
        text.push_str(&format!("{oid} {name}\n"));
    }
    text.push('\n');
    text
}

/// Reads a bundle's header (v2 or v3) without touching any repository.
pub fn read_header(file: &Path) -> Result<BundleHeader> {
    let mut reader = open(file)?;
    parse_header(&mut reader, file)
}

/// Adds the objects of the bundle `file` to `repo`'s object database and
/// returns its header. Checks first that the prerequisites are present,
/// then that every object the references need arrived. Updates no reference.
pub fn unpack(repo: &Repository, file: &Path) -> Result<BundleHeader> {
    let size = std::fs::metadata(file)
        .map_err(Error::io("read", file))?
        .len();
    unpack_from(repo, &mut open(file)?, size, file)
}

/// [`unpack`] of a bundle of `size` bytes read from `reader`; `file` names
/// it in errors.
pub fn unpack_from(
    repo: &Repository,
    reader: &mut impl BufRead,
    size: u64,
    file: &Path,
) -> Result<BundleHeader> {
    let header = parse_header(reader, file)?;
    check_pack_header(reader, size).map_err(|reason| Error::BadBundle {
        path: file.to_path_buf(),
        reason,
    })?;
    let odb = repo.odb()?;
    for oid in &header.prerequisites {
        if repo.find_commit(*oid).is_err() {
            return Err(Error::BundleNeedsHistory {
                path: file.to_path_buf(),
                missing: oid.to_string(),
            });
        }
    }
    let bad = |reason: String| Error::BadBundle {
        path: file.to_path_buf(),
        reason,
    };
    let mut writer = odb.packwriter()?;
    std::io::copy(reader, &mut writer).map_err(|e| bad(format!("its pack is damaged ({e})")))?;
    writer.commit().map_err(|e| {
        bad(format!(
            "its pack is truncated or damaged ({})",
            e.message()
        ))
    })?;
    drop(writer);
    odb.refresh()?;
    check_complete(repo, &header).map_err(bad)?;
    Ok(header)
}

/// Every packed object takes more than this many bytes (a type and size
/// byte, then a zlib stream of at least eight), so a pack of `n` bytes
/// holds fewer than `n / MIN_OBJECT_BYTES` objects.
const MIN_OBJECT_BYTES: u64 = 9;

/// Refuses a pack whose header claims more objects than the bundle's
/// `size` bytes can hold, before libgit2 sizes its tables by that count
/// (a 6 KB bundle claiming four billion objects asked for 32 GB).
fn check_pack_header(reader: &mut impl BufRead, size: u64) -> std::result::Result<(), String> {
    let head = reader
        .fill_buf()
        .map_err(|e| format!("its pack cannot be read ({e})"))?;
    if head.len() < 12 || &head[..4] != b"PACK" {
        return Err("it holds no pack after its header".into());
    }
    let version = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    if version != 2 && version != 3 {
        return Err(format!("its pack has version {version}, not 2 or 3"));
    }
    let claimed = u64::from(u32::from_be_bytes([head[8], head[9], head[10], head[11]]));
    if claimed > size / MIN_OBJECT_BYTES {
        return Err(format!(
            "its pack claims {claimed} objects, more than its {size} bytes can hold"
        ));
    }
    Ok(())
}

fn open(file: &Path) -> Result<BufReader<File>> {
    Ok(BufReader::new(
        File::open(file).map_err(Error::io("open", file))?,
    ))
}

fn parse_header(reader: &mut impl BufRead, file: &Path) -> Result<BundleHeader> {
    let bad = |reason: &str| Error::BadBundle {
        path: file.to_path_buf(),
        reason: reason.to_string(),
    };
    let mut header = BundleHeader {
        prerequisites: Vec::new(),
        refs: Vec::new(),
    };
    let first = read_line(reader, file)?.ok_or_else(|| bad("the file is empty"))?;
    let v3 = match first.as_str() {
        V2 => false,
        V3 => true,
        _ => return Err(bad(
            "it does not start with a git bundle header (`# v2 git bundle` or `# v3 git bundle`)",
        )),
    };
    let mut header_bytes = first.len() + 1;
    for _ in 0..MAX_HEADER_LINES {
        let line = read_line(reader, file)?
            .ok_or_else(|| bad("the file ends inside its header (it may be truncated)"))?;
        header_bytes += line.len() + 1;
        if header_bytes > MAX_HEADER_BYTES {
            return Err(bad(&format!(
                "its header is larger than {}, the most dossier reads",
                crate::error::human_bytes(MAX_HEADER_BYTES)
            )));
        }
        if line.is_empty() {
            if header.refs.is_empty() {
                return Err(bad("it lists no references"));
            }
            return Ok(header);
        }
        if let Some(capability) = line.strip_prefix('@') {
            if !v3 {
                return Err(bad("a v2 bundle cannot have capabilities (`@` lines)"));
            }
            if capability != "object-format=sha1" {
                return Err(bad(&format!(
                    "it needs the capability `{capability}`, which dossier does not support (only object-format=sha1)"
                )));
            }
        } else if let Some(rest) = line.strip_prefix('-') {
            let (oid, _subject) = split_oid(rest)
                .ok_or_else(|| bad("a prerequisite line does not start with a commit id"))?;
            header.prerequisites.push(oid);
        } else {
            let (oid, name) = split_oid(&line)
                .ok_or_else(|| bad("a reference line does not start with an object id"))?;
            if !(name == "HEAD" || git2::Reference::is_valid_name(name)) {
                return Err(bad("a reference line names an invalid reference"));
            }
            header.refs.push((name.to_string(), oid));
        }
    }
    Err(bad(&format!(
        "its header has more than {MAX_HEADER_LINES} lines, the most dossier reads (it is implausibly long)"
    )))
}

/// `<40 hex>` then either nothing or a space and the rest.
fn split_oid(line: &str) -> Option<(Oid, &str)> {
    let hex = line.get(..40)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let rest = match &line[40..] {
        "" => "",
        r => r.strip_prefix(' ')?,
    };
    Some((Oid::from_str(hex).ok()?, rest))
}

/// One header line without its `\n`; `None` at the end of the file.
fn read_line(reader: &mut impl BufRead, file: &Path) -> Result<Option<String>> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .map_err(Error::io("read", file))?;
    let bad = |reason: &str| Error::BadBundle {
        path: file.to_path_buf(),
        reason: reason.to_string(),
    };
    if line.is_empty() {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(if line.len() as u64 + 1 >= MAX_LINE {
            bad("it does not start with a git bundle header (a header line is far too long)")
        } else {
            bad("the file ends inside its header (it may be truncated)")
        });
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| bad("its header is not text"))
}

/// Every object reachable from the references, down to the prerequisites,
/// is in the object database.
fn check_complete(repo: &Repository, header: &BundleHeader) -> std::result::Result<(), String> {
    let odb = repo.odb().map_err(|e| e.message().to_string())?;
    let missing = |what: &str, oid: Oid| format!("it does not contain {what} {oid}");
    let mut walk = repo.revwalk().map_err(|e| e.message().to_string())?;
    let mut seen = HashSet::new();
    for (name, oid) in &header.refs {
        let mut object = repo
            .find_object(*oid, None)
            .map_err(|_| missing(&format!("the object {name} names,"), *oid))?;
        while let Some(tag) = object.as_tag() {
            let target = tag.target_id();
            object = repo
                .find_object(target, None)
                .map_err(|_| missing("the object a tag names,", target))?;
        }
        match object.kind() {
            Some(ObjectType::Commit) => walk.push(object.id()).map_err(|e| e.to_string())?,
            Some(ObjectType::Tree) => check_tree(repo, &odb, object.id(), &mut seen)?,
            _ => {}
        }
    }
    for oid in &header.prerequisites {
        walk.hide(*oid).map_err(|e| e.message().to_string())?;
    }
    for id in walk {
        let id =
            id.map_err(|_| "its history is incomplete (a parent commit is missing)".to_string())?;
        let commit = repo.find_commit(id).map_err(|_| missing("commit", id))?;
        check_tree(repo, &odb, commit.tree_id(), &mut seen)?;
    }
    Ok(())
}

fn check_tree(
    repo: &Repository,
    odb: &git2::Odb<'_>,
    oid: Oid,
    seen: &mut HashSet<Oid>,
) -> std::result::Result<(), String> {
    if !seen.insert(oid) {
        return Ok(());
    }
    let tree = repo
        .find_tree(oid)
        .map_err(|_| format!("it does not contain the tree {oid}"))?;
    for entry in tree.iter() {
        match entry.kind() {
            Some(ObjectType::Tree) => check_tree(repo, odb, entry.id(), seen)?,
            Some(ObjectType::Blob) if seen.insert(entry.id()) && !odb.exists(entry.id()) => {
                return Err(format!("it does not contain the file {}", entry.id()));
            }
            // Submodule commits live in another repository.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Result<BundleHeader> {
        parse_header(&mut &text[..], Path::new("b.bundle"))
    }

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    #[test]
    fn v2_and_v3_headers_parse() {
        let h = parse(
            format!("# v2 git bundle\n-{A} some subject\n{B} refs/heads/main\n\nPACK").as_bytes(),
        )
        .unwrap();
        assert_eq!(h.prerequisites, vec![Oid::from_str(A).unwrap()]);
        assert_eq!(
            h.refs,
            vec![("refs/heads/main".into(), Oid::from_str(B).unwrap())]
        );
        let h = parse(
            format!(
                "# v3 git bundle\n@object-format=sha1\n-{A}\n{B} HEAD\n{B} refs/heads/main\n\n"
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(h.prerequisites.len(), 1);
        assert_eq!(h.refs.len(), 2);
    }

    #[test]
    fn header_text_round_trips() {
        let h = BundleHeader {
            prerequisites: vec![Oid::from_str(A).unwrap()],
            refs: vec![("refs/heads/main".into(), Oid::from_str(B).unwrap())],
        };
        assert_eq!(
            header_text(&h),
            format!("# v2 git bundle\n-{A}\n{B} refs/heads/main\n\n")
        );
        assert_eq!(parse(header_text(&h).as_bytes()).unwrap(), h);
    }

    #[test]
    fn oversized_headers_are_refused_before_the_pack_is_read() {
        let reason = |text: &str| match parse(text.as_bytes()) {
            Err(Error::BadBundle { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        // Many reference lines, each well-formed.
        let many = format!(
            "# v2 git bundle\n{}\n",
            format!("{B} refs/heads/main\n").repeat(20_000)
        );
        assert!(
            reason(&many).contains("more than 10000 lines"),
            "{}",
            reason(&many)
        );
        // Fewer lines, but long ones: the total is capped too.
        let name = format!("refs/heads/{}", "n".repeat(3_000));
        let wide = format!("# v2 git bundle\n{}\n", format!("{B} {name}\n").repeat(400));
        assert!(
            reason(&wide).contains("larger than 1 MiB"),
            "{}",
            reason(&wide)
        );
        // One line over the line limit.
        let long = format!("# v2 git bundle\n{B} refs/heads/{}\n\n", "n".repeat(5_000));
        assert!(reason(&long).contains("far too long"), "{}", reason(&long));
        // A plausible header still parses.
        let fine = format!(
            "# v2 git bundle\n{}\n",
            format!("{B} refs/heads/main\n").repeat(100)
        );
        assert_eq!(parse(fine.as_bytes()).unwrap().refs.len(), 100);
    }

    #[test]
    fn malformed_headers_are_bad_bundles() {
        let long = "x".repeat(100_000);
        for text in [
            String::new(),
            "hello world\n".into(),
            "# v4 git bundle\n".into(),
            "# v2 git bundle".into(),
            "# v2 git bundle\n".into(),
            format!("# v2 git bundle\n{B} refs/heads/main\n"),
            format!("# v2 git bundle\n{B} refs/heads/main"),
            "# v2 git bundle\n\n".into(),
            format!("# v2 git bundle\n@object-format=sha1\n{B} refs/heads/main\n\n"),
            format!("# v3 git bundle\n@object-format=sha256\n{B} refs/heads/main\n\n"),
            format!("# v3 git bundle\n@filter=blob:none\n{B} refs/heads/main\n\n"),
            format!("# v2 git bundle\n{B}\n\n"),
            format!("# v2 git bundle\n{B}refs/heads/main\n\n"),
            format!("# v2 git bundle\n{B} refs/heads/ma..in\n\n"),
            format!("# v2 git bundle\nzz{} refs/heads/main\n\n", &B[2..]),
            format!("# v2 git bundle\n-xyz\n{B} refs/heads/main\n\n"),
            format!("# v2 git bundle\n{long}\n\n"),
            long.clone(),
        ] {
            match parse(text.as_bytes()) {
                Err(Error::BadBundle { reason, .. }) => assert!(!reason.is_empty()),
                other => panic!("{text:.60?}: {other:?}"),
            }
        }
        let binary: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        assert!(matches!(parse(&binary), Err(Error::BadBundle { .. })));
        let mut not_utf8 = b"# v2 git bundle\n".to_vec();
        not_utf8.extend_from_slice(&[B.as_bytes(), b" refs/heads/\xff\n\n"].concat());
        assert!(matches!(parse(&not_utf8), Err(Error::BadBundle { .. })));
    }
}
