//! Many new blobs written as one pack file, instead of one loose object
//! file each.
//!
//! A re-encryption of 10,000 cases writes 20,000 blobs; as loose objects
//! that is 20,000 files created, compressed and named, and the file system
//! spends more time on them than the crypto does. Here the blobs become
//! one pack stream (git's pack format, version 2: every object whole, no
//! deltas — ciphertext has nothing to share), which libgit2's indexer
//! checks and indexes into the object store like a fetched pack.

use std::io::Write;

use sha1::{Digest, Sha1};

use crate::error::{Error, Result};

/// A pack's object type for a blob.
const BLOB: u8 = 3;

/// Writes `blobs` into `repo`'s object database as one pack; returns their
/// ids, in order.
pub fn write_blobs(repo: &git2::Repository, blobs: &[Vec<u8>]) -> Result<Vec<git2::Oid>> {
    if blobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids = blobs
        .iter()
        .map(|b| git2::Oid::hash_object(git2::ObjectType::Blob, b))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let pack = pack_stream(blobs)?;
    let odb = repo.odb()?;
    let mut writer = odb.packwriter()?;
    writer
        .write_all(&pack)
        .map_err(|e| Error::Git(format!("cannot write a pack: {e}")))?;
    writer.commit()?;
    odb.refresh()?;
    Ok(ids)
}

/// The pack holding `blobs`: header, each object's type-and-size header
/// and zlib stream, then the SHA-1 of all of it.
fn pack_stream(blobs: &[Vec<u8>]) -> Result<Vec<u8>> {
    let total: usize = blobs.iter().map(|b| b.len() + 32).sum();
    let mut out = Vec::with_capacity(total + 32);
    out.extend_from_slice(b"PACK");
    out.extend_from_slice(&2u32.to_be_bytes());
    let count = u32::try_from(blobs.len())
        .map_err(|_| Error::Git("too many objects for one pack".into()))?;
    out.extend_from_slice(&count.to_be_bytes());
    for blob in blobs {
        object_header(&mut out, BLOB, blob.len());
        // Stored, not compressed: ciphertext does not compress.
        let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::none());
        z.write_all(blob)
            .and_then(|_| z.finish().map(|_| ()))
            .map_err(|e| Error::Git(format!("cannot compress a blob: {e}")))?;
    }
    let digest = Sha1::digest(&out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// An object's header: its type and the low four bits of its size, then
/// the rest of the size seven bits at a time, each byte but the last with
/// its top bit set.
fn object_header(out: &mut Vec<u8>, kind: u8, size: usize) {
    let mut byte = (kind << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest > 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(byte);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_land_in_one_pack_the_repository_reads() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let mut blobs: Vec<Vec<u8>> = (0..50).map(|i| format!("blob {i}").into_bytes()).collect();
        // Sizes whose headers take one, two, three and four bytes.
        for size in [0usize, 15, 16, 2047, 2048, 300_000, 3_000_000] {
            blobs.push((0..size).map(|i| (i * 7 % 251) as u8).collect());
        }
        let ids = write_blobs(&repo, &blobs).unwrap();
        for (id, bytes) in ids.iter().zip(&blobs) {
            assert_eq!(repo.find_blob(*id).unwrap().content(), &bytes[..]);
            assert_eq!(
                *id,
                git2::Oid::hash_object(git2::ObjectType::Blob, bytes).unwrap()
            );
        }
        let objects = dir.path().join(".git/objects");
        let packs: Vec<_> = std::fs::read_dir(objects.join("pack"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
            .collect();
        assert_eq!(packs.len(), 1);
        let loose = std::fs::read_dir(&objects)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().len() == 2)
            .count();
        assert_eq!(loose, 0, "no loose object was written");
        assert!(write_blobs(&repo, &[]).unwrap().is_empty());
        // A second batch is a second pack, and a tree may name its blobs.
        let more: Vec<Vec<u8>> = (0..50).map(|i| format!("more {i}").into_bytes()).collect();
        let ids = write_blobs(&repo, &more).unwrap();
        let mut tree = repo.treebuilder(None).unwrap();
        for (i, id) in ids.iter().enumerate() {
            tree.insert(format!("f{i}"), *id, 0o100644).unwrap();
        }
        tree.write().unwrap();
        let packs = std::fs::read_dir(objects.join("pack"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
            .count();
        assert_eq!(packs, 2);
    }
}
