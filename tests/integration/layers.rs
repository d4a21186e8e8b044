//! The shape of the source tree, checked: imports point down the layers
//! listed in `src/lib.rs`, no two modules import each other (directly or
//! round a loop), and the rules of the write path hold (only
//! `support::fsio` writes files; only `src/tui/` imports the terminal
//! crates).
//!
//! This reads `src/` as text: comments, strings and `#[cfg(test)]` items
//! are skipped (tests may use anything), then every `crate::…`, `super::…`
//! and (in the binary) `dossier::…` path is resolved to a module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's layers, lowest first: the same list as `src/lib.rs`.
const LAYERS: &[&str] = &[
    "error",
    "support",
    "crypto",
    "keys",
    "case",
    "repo",
    "vault",
    "trust",
    "audit",
    "ops",
    "sync",
    "samples",
    "fuzz_targets",
];

/// The binary's modules, lowest first: the TUI never starts the CLI.
const BINARY: &[&str] = &["launch", "tui", "cli", "main"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A source file: its module path (`["vault", "keyring"]`) and its text
/// with comments, string contents and test-only items removed.
struct Source {
    module: Vec<String>,
    path: PathBuf,
    code: String,
}

fn sources() -> Vec<Source> {
    let root = src();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.expect("read src/");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&root).expect("under src/");
        let mut module: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
            module.pop();
        }
        let text = std::fs::read_to_string(path).expect("read source");
        out.push(Source {
            module,
            path: path.to_path_buf(),
            code: without_tests(&strip(&text)),
        });
    }
    // Files that are test-only as a whole (`#[cfg(test)] mod testkit;`).
    let test_only: BTreeSet<Vec<String>> = out
        .iter()
        .flat_map(|s| {
            test_only_children(&std::fs::read_to_string(&s.path).unwrap_or_default())
                .into_iter()
                .map(|child| {
                    let mut m = s.module.clone();
                    m.push(child);
                    m
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // A test-only module's children are test-only too.
    out.retain(|s| !(1..=s.module.len()).any(|n| test_only.contains(&s.module[..n])));
    out
}

/// Removes comments and the contents of string and char literals.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                i += 2 + hashes;
                while i < b.len() && !b[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
                out.push_str("\"\"");
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' => {
                // A char literal ('x', '\n', '\'') or a lifetime ('a).
                let len = match (b.get(i + 1), b.get(i + 2), b.get(i + 3)) {
                    (Some(b'\\'), _, _) => {
                        let end = b[i + 2..].iter().position(|&c| c == b'\'');
                        end.map(|e| e + 3)
                    }
                    (Some(_), Some(b'\''), _) => Some(3),
                    _ => None,
                };
                match len {
                    Some(n) => {
                        out.push_str("' '");
                        i += n;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let ch = text[i..].chars().next().expect("in bounds");
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// Removes every item marked `#[cfg(test)]` (a `mod tests { … }`, a test
/// helper function): the tests of a module may import anything.
fn without_tests(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        // The item ends at its first `;` (a statement) or `,` (a field)
        // before any `{`, before a `}` closing what it is in, or at the
        // `}` closing its own first `{`.
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                ';' | ',' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The `mod name;` declarations marked `#[cfg(test)]` in a file.
fn test_only_children(text: &str) -> Vec<String> {
    let code = strip(text);
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        rest = &rest[at + "#[cfg(test)]".len()..];
        let item = rest.trim_start();
        let item = item.strip_prefix("pub(crate) ").unwrap_or(item);
        if let Some(decl) = item.strip_prefix("mod ") {
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                out.push(name);
            }
        }
    }
    out
}

/// Every path the code names through `crate::`, `super::` or `dossier::`,
/// as segments (use trees are expanded: `crate::{a::b, c}` gives `a::b`
/// and `c`).
fn paths_named(code: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for root in ["crate", "super", "dossier"] {
        let pattern = format!("{root}::");
        let mut from = 0;
        while let Some(at) = code[from..].find(&pattern) {
            let start = from + at;
            from = start + pattern.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for tail in use_tree(&code[from..]) {
                out.push((root.to_string(), tail));
            }
        }
    }
    out
}

/// The paths of one use tree (or one plain path) at the start of `text`.
fn use_tree(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        let mut depth = 0usize;
        let mut items = Vec::new();
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    items.push(&inner[start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return items.into_iter().flat_map(use_tree).collect();
    }
    let ident: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        return Vec::new();
    }
    let rest = &text[ident.len()..];
    match rest.strip_prefix("::") {
        Some(rest) => {
            let tails = use_tree(rest);
            if tails.is_empty() {
                return vec![vec![ident]];
            }
            tails
                .into_iter()
                .map(|mut t| {
                    t.insert(0, ident.clone());
                    t
                })
                .collect()
        }
        None => vec![vec![ident]],
    }
}

/// The module graph: each source module and the modules it imports,
/// resolved to the deepest existing module (`vault::keyring::Keyring`
/// names `vault::keyring`).
fn graph(sources: &[Source]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let lib: BTreeSet<Vec<String>> = sources
        .iter()
        .filter(|s| !is_binary(&s.module))
        .map(|s| s.module.clone())
        .collect();
    let bin: BTreeSet<Vec<String>> = sources
        .iter()
        .filter(|s| is_binary(&s.module))
        .map(|s| s.module.clone())
        .collect();
    let deepest = |known: &BTreeSet<Vec<String>>, path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| known.contains(m))
    };
    let mut g = BTreeMap::new();
    for s in sources {
        let binary = is_binary(&s.module);
        let mut targets = BTreeSet::new();
        for (root, tail) in paths_named(&s.code) {
            let (known, absolute) = match root.as_str() {
                "dossier" if binary => (&lib, tail),
                "dossier" => continue,
                "crate" => (if binary { &bin } else { &lib }, tail),
                _ => {
                    // `super::x` from `a/b.rs` (module a::b) names a::x.
                    let mut base = s.module.clone();
                    base.pop();
                    base.extend(tail);
                    (if binary { &bin } else { &lib }, base)
                }
            };
            let resolved = if binary && root == "dossier" {
                deepest(known, &absolute).map(|mut m| {
                    m.insert(0, "dossier".to_string());
                    m
                })
            } else {
                deepest(known, &absolute)
            };
            if let Some(m) = resolved.filter(|m| *m != s.module) {
                targets.insert(m);
            }
        }
        g.insert(s.module.clone(), targets);
    }
    g
}

fn is_binary(module: &[String]) -> bool {
    module.first().is_some_and(|m| BINARY.contains(&m.as_str()))
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("::")
    }
}

fn rank(module: &[String]) -> Option<usize> {
    let first = module.first()?;
    LAYERS.iter().position(|l| l == first)
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("read lib.rs");
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert_eq!(
        declared, LAYERS,
        "src/lib.rs must declare exactly the layers of tests/integration/layers.rs, in order"
    );
}

#[test]
fn imports_point_down_the_layers() {
    let sources = sources();
    let mut upward = Vec::new();
    for (from, targets) in graph(&sources) {
        let Some(own) = rank(&from) else { continue };
        for to in targets {
            if rank(&to).is_some_and(|r| r > own) {
                upward.push(format!("{} imports {}", name(&from), name(&to)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "a lower layer imports a higher one (layers, lowest first: {}):\n{}",
        LAYERS.join(", "),
        upward.join("\n")
    );
}

#[test]
fn the_binary_faces_point_down() {
    let sources = sources();
    let mut upward = Vec::new();
    for (from, targets) in graph(&sources) {
        let Some(own) = from
            .first()
            .and_then(|m| BINARY.iter().position(|b| b == m))
        else {
            continue;
        };
        for to in targets {
            let r = to.first().and_then(|m| BINARY.iter().position(|b| b == m));
            if r.is_some_and(|r| r > own) {
                upward.push(format!("{} imports {}", name(&from), name(&to)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "the binary's modules import upward ({}):\n{}",
        BINARY.join(" < "),
        upward.join("\n")
    );
}

#[test]
fn no_module_imports_round_a_loop() {
    let g = graph(&sources());
    let cycles = cycles(&g);
    assert!(
        cycles.is_empty(),
        "{} import cycle(s), each a set of modules that import each other round a loop:\n{}",
        cycles.len(),
        cycles
            .iter()
            .map(|c| c.iter().map(|m| name(m)).collect::<Vec<_>>().join(", "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The strongly connected components of more than one module (Tarjan), each
/// shown as one loop through it.
fn cycles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct Walk<'g> {
        g: &'g BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'g Vec<String>, usize>,
        low: BTreeMap<&'g Vec<String>, usize>,
        stack: Vec<&'g Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g Vec<String>) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in self.g.get(v).into_iter().flatten() {
                if !self.g.contains_key(w) {
                    continue;
                }
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.stack.contains(&w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.reverse();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in g.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn only_fsio_writes_files() {
    const WRITES: &[&str] = &[
        "fs::write(",
        "File::create(",
        "OpenOptions::new(",
        "fs::rename(",
        "fs::create_dir",
        "fs::remove_file(",
        "fs::remove_dir",
        "fs::copy(",
        "fs::set_permissions(",
        "NamedTempFile",
        "persist(",
    ];
    let mut found = Vec::new();
    for s in sources() {
        if s.module == ["support", "fsio"] {
            continue;
        }
        for (n, line) in s.code.lines().enumerate() {
            for w in WRITES {
                if line.contains(w) {
                    found.push(format!("{}:{}: {}", s.path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "files are written outside support::fsio (line numbers count from the stripped source):\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_tui_imports_the_terminal() {
    let mut found = Vec::new();
    for s in sources() {
        if s.module.first().is_some_and(|m| m == "tui") {
            continue;
        }
        for crate_name in ["ratatui", "crossterm"] {
            if s.code.contains(&format!("{crate_name}::")) {
                found.push(format!("{} uses {crate_name}", s.path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The checker itself: a loop and an upward import in a made-up tree are
/// found, and test-only code is ignored.
#[test]
fn the_checker_sees_what_it_should() {
    let made = |module: &[&str], text: &str| Source {
        module: module.iter().map(|s| s.to_string()).collect(),
        path: PathBuf::from("made-up.rs"),
        code: without_tests(&strip(text)),
    };
    let sources = vec![
        made(&["vault"], "use crate::ops::cases;\nuse crate::vault::keyring::Keyring;"),
        made(&["vault", "keyring"], "use super::groups::{self, Groups};"),
        made(
            &["vault", "groups"],
            "// use crate::audit::log;\nfn f() { crate::vault::keyring::x(); }\n#[cfg(test)]\nmod tests { use crate::samples::demo; }",
        ),
        made(&["ops", "cases"], "use crate::{vault::Vault, support::{fsio, yaml}};"),
        made(&["support", "fsio"], "let s = \"crate::ops::cases\";"),
        made(&["samples", "demo"], ""),
        made(&["audit", "log"], ""),
    ];
    let g = graph(&sources);
    let v = |m: &str| m.split("::").map(String::from).collect::<Vec<_>>();
    assert_eq!(
        g[&v("vault")],
        [v("ops::cases"), v("vault::keyring")].into_iter().collect()
    );
    assert_eq!(
        g[&v("vault::groups")],
        [v("vault::keyring")].into_iter().collect()
    );
    assert_eq!(g[&v("support::fsio")], BTreeSet::new());
    assert_eq!(
        g[&v("ops::cases")],
        [v("vault"), v("support::fsio")].into_iter().collect()
    );
    let found: BTreeSet<BTreeSet<Vec<String>>> = cycles(&g)
        .into_iter()
        .map(|c| c.into_iter().collect())
        .collect();
    let expected = [
        [v("vault"), v("ops::cases")].into_iter().collect(),
        [v("vault::keyring"), v("vault::groups")]
            .into_iter()
            .collect(),
    ];
    assert_eq!(found, expected.into_iter().collect());
}

/// Who may make the values that carry a rule of the write path: only
/// `trust::policy` approves recipients (so nothing encrypts to a key list
/// policy never saw), and only `repo::lock` makes a write lock (so every
/// commit runs under the one lock file).
#[test]
fn only_policy_approves_recipients_and_only_repo_lock_makes_locks() {
    let rules: &[(&str, &[&[&str]])] = &[
        (
            "Recipients::approved(",
            &[&["crypto"], &["trust", "policy"]],
        ),
        ("WriteLock {", &[&["repo", "lock"]]),
        (
            "lock_exclusive(",
            &[&["support", "fsio"], &["repo", "lock"]],
        ),
    ];
    let mut found = Vec::new();
    for s in sources() {
        for (needle, allowed) in rules {
            let here = allowed
                .iter()
                .any(|m| s.module.iter().map(String::as_str).eq(m.iter().copied()));
            if !here && s.code.contains(needle) {
                found.push(format!("{} uses `{needle}`", s.path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
