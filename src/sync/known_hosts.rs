//! OpenSSH `known_hosts` files: which host keys the user trusts.
//!
//! libgit2 checks `~/.ssh/known_hosts` itself, but its verdict is not
//! exposed to the certificate callback and it cannot tell a changed key
//! from an unknown host. So dossier reads the files itself, with the
//! semantics of OpenSSH's `hostfile.c`:
//!
//! - a line is `[marker] patterns key-type base64-key [comment]`;
//! - patterns are a comma list of host names; `[host]:port` names a host
//!   on a port other than 22; `*` and `?` are wildcards and `!pattern`
//!   negates (a negated match excludes the line whatever else matches);
//!   names are compared case-insensitively;
//! - a hashed entry `|1|salt|hmac` holds HMAC-SHA1(salt, name) of one name;
//! - `@revoked` marks a key that must never be accepted;
//! - `@cert-authority` lines are ignored: dossier does not accept host
//!   certificates, only plain host keys, so such a line neither trusts nor
//!   distrusts anything here;
//! - comments, blank lines and lines that do not parse (including the old
//!   SSH-1 `bits exponent modulus` form) are skipped, never an error.
//!
//! Keys are compared as the SSH wire-format blobs the server presented
//! (what the base64 field decodes to), so a match is byte-for-byte.

use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::support::fsio;

/// The system-wide file OpenSSH also reads; dossier reads it, never writes it.
pub const SYSTEM_KNOWN_HOSTS: &str = "/etc/ssh/ssh_known_hosts";

/// The trusted host keys from one or more files.
#[derive(Debug, Default, Clone)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    revoked: bool,
    hosts: Hosts,
    key_type: String,
    key: Vec<u8>,
    file: PathBuf,
    line: usize,
}

#[derive(Debug, Clone)]
enum Hosts {
    Patterns(Vec<String>),
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
}

/// What the files say about a key a host presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A line names this host with exactly this key.
    Known,
    /// An `@revoked` line matching this host lists this key.
    Revoked {
        /// The file holding the `@revoked` line.
        file: PathBuf,
        /// Its line number, from 1.
        line: usize,
    },
    /// The host is listed with another key of the same type: the key changed.
    Changed {
        /// The file holding the first line with the old key.
        file: PathBuf,
        /// Its line number, from 1.
        line: usize,
    },
    /// No line names this host with a key of this type.
    Unknown {
        /// Key types the files do hold for this host (the server offered
        /// another type, which OpenSSH also warns about), sorted.
        other_key_types: Vec<String>,
    },
}

impl KnownHosts {
    /// Parses the text of one file; `file` is kept for error messages.
    pub fn parse(text: &str, file: &Path) -> KnownHosts {
        let entries = text
            .lines()
            .enumerate()
            .filter_map(|(i, line)| parse_line(line, file, i + 1))
            .collect();
        KnownHosts { entries }
    }

    /// Reads every file that exists, in order; a missing file holds nothing.
    pub fn load(files: &[&Path]) -> Result<KnownHosts> {
        let mut all = KnownHosts::default();
        for file in files {
            match fs::read(file) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    all.entries.extend(KnownHosts::parse(&text, file).entries);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("read", *file)(e)),
            }
        }
        Ok(all)
    }

    /// Judges the key blob `key` presented by `host` (in known_hosts form,
    /// see [`host_name`]).
    pub fn check(&self, host: &str, key: &[u8]) -> Verdict {
        let key_type = key_type(key).unwrap_or_default();
        let host = host.to_ascii_lowercase();
        let for_host: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.hosts.matches(&host))
            .collect();
        if let Some(e) = for_host.iter().find(|e| e.revoked && e.key == key) {
            return Verdict::Revoked {
                file: e.file.clone(),
                line: e.line,
            };
        }
        let trusted = || for_host.iter().filter(|e| !e.revoked);
        if trusted().any(|e| e.key == key) {
            return Verdict::Known;
        }
        if let Some(e) = trusted().find(|e| e.key_type == key_type) {
            return Verdict::Changed {
                file: e.file.clone(),
                line: e.line,
            };
        }
        let mut other_key_types: Vec<String> = trusted().map(|e| e.key_type.clone()).collect();
        other_key_types.sort();
        other_key_types.dedup();
        Verdict::Unknown { other_key_types }
    }

    /// How many usable lines were read.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no usable line was read.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Hosts {
    fn matches(&self, host: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => {
                let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(host.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
            Hosts::Patterns(patterns) => {
                let mut positive = false;
                for pattern in patterns {
                    if let Some(negated) = pattern.strip_prefix('!') {
                        if wildcard_match(negated, host) {
                            return false;
                        }
                    } else if wildcard_match(pattern, host) {
                        positive = true;
                    }
                }
                positive
            }
        }
    }
}

fn parse_line(line: &str, file: &Path, number: usize) -> Option<Entry> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    let mut revoked = false;
    if first.starts_with('@') {
        match first {
            "@revoked" => revoked = true,
            // Host certificates are not supported (see the module header).
            _ => return None,
        }
        first = fields.next()?;
    }
    let key_type = fields.next()?;
    let key = STANDARD.decode(fields.next()?).ok()?;
    // The blob names its own type; a line whose field disagrees is malformed.
    if self::key_type(&key)? != key_type {
        return None;
    }
    let hosts = if let Some(hashed) = first.strip_prefix("|1|") {
        let (salt, hash) = hashed.split_once('|')?;
        Hosts::Hashed {
            salt: STANDARD.decode(salt).ok()?,
            hash: STANDARD.decode(hash).ok()?,
        }
    } else {
        Hosts::Patterns(
            first
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_ascii_lowercase)
                .collect(),
        )
    };
    Some(Entry {
        revoked,
        hosts,
        key_type: key_type.to_string(),
        key,
        file: file.to_path_buf(),
        line: number,
    })
}

/// OpenSSH's `match_pattern`: `*` matches any run, `?` one character.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The name a host is listed under: `host` on port 22 (or no port),
/// `[host]:port` otherwise, exactly as OpenSSH writes and looks it up.
pub fn host_name(host: &str, port: Option<u16>) -> String {
    match port {
        Some(port) if port != 22 => format!("[{host}]:{port}"),
        _ => host.to_string(),
    }
}

/// The key type a wire-format key blob names (its first SSH string),
/// e.g. `ssh-ed25519`.
pub fn key_type(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    std::str::from_utf8(blob.get(4..4usize.checked_add(len)?)?).ok()
}

/// The SHA256 fingerprint of a key blob, as `ssh-keygen -lf` prints it.
pub fn fingerprint(blob: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(blob)))
}

/// The known_hosts line for `host` (known_hosts form) and a key blob.
pub fn line_for(host: &str, blob: &[u8]) -> String {
    format!(
        "{host} {} {}",
        key_type(blob).unwrap_or("unknown"),
        STANDARD.encode(blob)
    )
}

/// Adds a line trusting `blob` for `host` to `file`, creating its directory
/// (mode 0700) and the file (mode 0600) when missing. An existing file keeps
/// its lines, and stays readable by others if it was; a symbolic link is
/// followed, so the file it points to is the one updated.
pub fn append(file: &Path, host: &str, blob: &[u8]) -> Result<()> {
    let target = match fs::canonicalize(file) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => file.to_path_buf(),
        Err(e) => return Err(Error::io("find", file)(e)),
    };
    let (mut text, mode) = match fs::read(&target) {
        Ok(bytes) => (bytes, existing_mode(&target)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.exists() {
                    fsio::create_private_dir(dir)?;
                }
            }
            (Vec::new(), fsio::Mode::Private)
        }
        Err(e) => return Err(Error::io("read", &target)(e)),
    };
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(line_for(host, blob).as_bytes());
    text.push(b'\n');
    fsio::write_atomic(&target, &text, mode)
}

fn existing_mode(path: &Path) -> fsio::Mode {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            if meta.permissions().mode() & 0o044 != 0 {
                return fsio::Mode::Shared;
            }
        }
    }
    fsio::Mode::Private
}

/// A well-formed ed25519 host key blob whose 32 key bytes are all `seed`.
#[cfg(test)]
pub(crate) fn test_blob(seed: u8) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&11u32.to_be_bytes());
    b.extend_from_slice(b"ssh-ed25519");
    b.extend_from_slice(&32u32.to_be_bytes());
    b.extend_from_slice(&[seed; 32]);
    b
}

#[cfg(test)]
mod tests {
    use super::test_blob as blob;
    use super::*;

    fn unknown(verdict: Verdict) -> bool {
        matches!(verdict, Verdict::Unknown { .. })
    }

    fn rsa_blob() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&7u32.to_be_bytes());
        b.extend_from_slice(b"ssh-rsa");
        b.extend_from_slice(&[1, 2, 3]);
        b
    }

    fn b64(b: &[u8]) -> String {
        STANDARD.encode(b)
    }

    fn hosts(text: &str) -> KnownHosts {
        KnownHosts::parse(text, Path::new("/kh"))
    }

    #[test]
    fn a_plain_entry_matches_its_hosts_only() {
        let kh = hosts(&format!(
            "example.org,192.0.2.7 ssh-ed25519 {} me@laptop\n",
            b64(&blob(1))
        ));
        assert_eq!(kh.check("example.org", &blob(1)), Verdict::Known);
        assert_eq!(kh.check("EXAMPLE.org", &blob(1)), Verdict::Known);
        assert_eq!(kh.check("192.0.2.7", &blob(1)), Verdict::Known);
        assert!(unknown(kh.check("other.org", &blob(1))));
    }

    #[test]
    fn a_port_other_than_22_is_a_different_host() {
        assert_eq!(host_name("example.org", None), "example.org");
        assert_eq!(host_name("example.org", Some(22)), "example.org");
        assert_eq!(host_name("127.0.0.1", Some(2222)), "[127.0.0.1]:2222");
        let kh = hosts(&format!("[127.0.0.1]:2222 ssh-ed25519 {}\n", b64(&blob(1))));
        assert_eq!(kh.check("[127.0.0.1]:2222", &blob(1)), Verdict::Known);
        assert!(unknown(kh.check("127.0.0.1", &blob(1))));
        assert!(unknown(kh.check("[127.0.0.1]:2223", &blob(1))));
    }

    #[test]
    fn a_different_key_of_the_same_type_is_a_change_naming_the_line() {
        let kh = hosts(&format!(
            "# comment\n\nexample.org ssh-ed25519 {}\n",
            b64(&blob(1))
        ));
        assert_eq!(
            kh.check("example.org", &blob(2)),
            Verdict::Changed {
                file: PathBuf::from("/kh"),
                line: 3
            }
        );
    }

    #[test]
    fn a_key_of_another_type_is_unknown_and_says_which_types_are_known() {
        let kh = hosts(&format!("example.org ssh-rsa {}\n", b64(&rsa_blob())));
        assert_eq!(
            kh.check("example.org", &blob(1)),
            Verdict::Unknown {
                other_key_types: vec!["ssh-rsa".into()]
            }
        );
    }

    #[test]
    fn hashed_entries_match_the_name_they_hash() {
        // HMAC-SHA1 computed independently: `ssh-keygen -H` writes the same form.
        let salt = [7u8; 20];
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[127.0.0.1]:2222");
        let hash = mac.finalize().into_bytes();
        let kh = hosts(&format!(
            "|1|{}|{} ssh-ed25519 {}\n",
            b64(&salt),
            b64(&hash),
            b64(&blob(1))
        ));
        assert_eq!(kh.check("[127.0.0.1]:2222", &blob(1)), Verdict::Known);
        assert!(unknown(kh.check("127.0.0.1", &blob(1))));
        assert!(matches!(
            kh.check("[127.0.0.1]:2222", &blob(2)),
            Verdict::Changed { line: 1, .. }
        ));
    }

    #[test]
    fn a_known_openssh_hashed_line_matches() {
        // Written by `ssh -o HashKnownHosts=yes` for [127.0.0.1]:22022.
        let line = "|1|GwP2wzw0SWdMhJBwcnuNMR4AM0A=|LHUEaBC2QCFBb6rUzQV4rcIqHU0= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID8J7MevqPgL0GzZeH90hN47dZV9LbaaN/l2/BJeok4J";
        let kh = hosts(line);
        let key = STANDARD
            .decode("AAAAC3NzaC1lZDI1NTE5AAAAID8J7MevqPgL0GzZeH90hN47dZV9LbaaN/l2/BJeok4J")
            .unwrap();
        assert_eq!(kh.check("[127.0.0.1]:22022", &key), Verdict::Known);
        assert!(unknown(kh.check("[127.0.0.1]:22023", &key)));
    }

    #[test]
    fn a_revoked_key_is_refused_even_when_also_listed() {
        let kh = hosts(&format!(
            "example.org ssh-ed25519 {k}\n@revoked * ssh-ed25519 {k}\n",
            k = b64(&blob(1))
        ));
        assert_eq!(
            kh.check("example.org", &blob(1)),
            Verdict::Revoked {
                file: PathBuf::from("/kh"),
                line: 2
            }
        );
        // Revocation of one key does not make another one changed or known.
        assert!(unknown(kh.check("other.org", &blob(2))));
    }

    #[test]
    fn cert_authority_lines_trust_nothing() {
        let kh = hosts(&format!(
            "@cert-authority *.example.org ssh-ed25519 {}\n",
            b64(&blob(1))
        ));
        assert!(kh.is_empty());
        assert!(unknown(kh.check("a.example.org", &blob(1))));
    }

    #[test]
    fn wildcards_and_negation_follow_openssh() {
        let kh = hosts(&format!(
            "*.example.org,!bad.example.org,host?.lan ssh-ed25519 {}\n",
            b64(&blob(1))
        ));
        assert_eq!(kh.check("git.example.org", &blob(1)), Verdict::Known);
        assert_eq!(kh.check("host1.lan", &blob(1)), Verdict::Known);
        assert!(unknown(kh.check("bad.example.org", &blob(1))));
        assert!(unknown(kh.check("host12.lan", &blob(1))));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn malformed_lines_are_skipped_without_panicking() {
        let good = format!("good.org ssh-ed25519 {}", b64(&blob(1)));
        let text = [
            "",
            "   ",
            "# just a comment",
            "onlyhost",
            "host ssh-ed25519",
            "host ssh-ed25519 !!!not-base64!!!",
            &format!("host ssh-rsa {}", b64(&blob(1))), // type disagrees with blob
            "host ssh-ed25519 AAAA",                    // truncated blob
            "|1|bad|salt ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",
            "|1|onlysalt ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",
            "@revoked",
            "@revoked host",
            "@unknown-marker host ssh-ed25519 AAAA",
            "example.org 2048 35 1234567890", // SSH-1 form
            "\u{fffd}\u{0}\u{7f} weird bytes",
            &good,
        ]
        .join("\n");
        let kh = hosts(&text);
        assert_eq!(kh.len(), 1);
        assert_eq!(kh.check("good.org", &blob(1)), Verdict::Known);
        assert_eq!(key_type(&[0, 0]), None);
        assert_eq!(key_type(&[0, 0, 0, 200, b'a']), None);
        assert_eq!(key_type(&[255, 255, 255, 255]), None);
    }

    #[test]
    fn fingerprint_matches_ssh_keygen_form() {
        // ssh-keygen -lf on the key of `a_known_openssh_hashed_line_matches`.
        let key = STANDARD
            .decode("AAAAC3NzaC1lZDI1NTE5AAAAID8J7MevqPgL0GzZeH90hN47dZV9LbaaN/l2/BJeok4J")
            .unwrap();
        assert_eq!(
            fingerprint(&key),
            "SHA256:8DA3AfGaxoByifMe6I9L4eIZSHJHu6ftYW+tArSvfpY"
        );
    }

    #[test]
    fn append_creates_a_private_file_and_keeps_existing_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/.ssh/known_hosts");
        append(&file, "[127.0.0.1]:2222", &blob(1)).unwrap();
        append(&file, "example.org", &blob(2)).unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 2);
        let kh = KnownHosts::load(&[&file]).unwrap();
        assert_eq!(kh.check("[127.0.0.1]:2222", &blob(1)), Verdict::Known);
        assert_eq!(kh.check("example.org", &blob(2)), Verdict::Known);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file), 0o600);
            assert_eq!(mode(file.parent().unwrap()), 0o700);
        }

        let unterminated = dir.path().join("kh2");
        fs::write(&unterminated, "# no newline at the end").unwrap();
        append(&unterminated, "example.org", &blob(2)).unwrap();
        let text = fs::read_to_string(&unterminated).unwrap();
        assert!(text.starts_with("# no newline at the end\nexample.org ssh-ed25519 "));
    }

    #[test]
    fn missing_files_load_as_empty() {
        let kh = KnownHosts::load(&[Path::new("/nonexistent/dossier/known_hosts")]).unwrap();
        assert!(kh.is_empty());
    }
}
