//! Fitness check of the layering (docs/ARCHITECTURE.md §3).
//!
//! Rule A: a file in layer L (its first folder under `src/`) may refer to `crate::M` only when M is
//! L or M is in L's "may use" column of the layer table between `<!-- layers:begin ...-->` and
//! `<!-- layers:end -->`. `src/lib.rs` and `src/main.rs` are exempt; test code is not.
//!
//! Rule B: within `src/report/` and within `src/engine/` (each on its own) no files import each
//! other in a circle. One node per file; test modules (declared under `#[cfg(test)]`, named
//! `tests` or `*_tests`) are part of the node of the module that declares them.
//!
//! The checker is std only: a small lexer drops comments, strings and char literals; `use` trees
//! (groups, `self`, `as`, globs), `crate::`/`super::`/`self::` paths anywhere in code, and paths
//! through names brought in by `use` or through child modules are resolved against the module tree
//! that `mod` declarations (with `#[path]`) build from `src/lib.rs`. Re-exports (`pub use`) are
//! followed, so `crate::report::Recorder` is an arrow to `report/recorder.rs`.
//!
//! Known limits: names are not scoped (a `use` inside a function counts for the whole file);
//! glob re-exports (`pub use x::*`) are not followed (the arrow goes to the module holding the
//! glob); macros other than `$crate::` paths are not expanded; `#[path]` inside inline modules
//! follows the plain rule only; files that no `mod` declaration reaches get their module from
//! their path.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;

/// Where the rules live; the messages name it.
const DOC: &str = "docs/ARCHITECTURE.md";
/// Copy of the table, for the checker's own tests on synthetic trees.
const FIXTURE: &str = "tests/data/architecture/layers.md";
/// Layers whose files must not import each other in a circle (rule B).
const CIRCLE_FREE: &[&str] = &["report", "engine"];

// ---------------------------------------------------------------------------------------------
// The layer table
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Layer {
    name: String,
    /// Module (folder) name under `src/`.
    folder: String,
    may_use: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct LayerTable {
    layers: Vec<Layer>,
}

impl LayerTable {
    fn by_folder(&self, folder: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.folder == folder)
    }
}

/// Cells of one `| a | b |` row; `\|` stays inside its cell.
fn table_cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'|') {
            cur.push('|');
            chars.next();
        } else if c == '|' {
            cells.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn parse_layer_table(md: &str) -> Result<LayerTable, String> {
    let lines: Vec<&str> = md.lines().collect();
    let begin = lines
        .iter()
        .position(|l| l.contains("<!-- layers:begin"))
        .ok_or("no `<!-- layers:begin` marker")?;
    let end = lines[begin..]
        .iter()
        .position(|l| l.contains("<!-- layers:end -->"))
        .map(|k| begin + k)
        .ok_or("no `<!-- layers:end -->` marker after `<!-- layers:begin`")?;
    let rows: Vec<Vec<String>> = lines[begin + 1..end]
        .iter()
        .filter(|l| l.trim_start().starts_with('|'))
        .map(|l| table_cells(l))
        .collect();
    let header = rows.first().ok_or("the layer table has no rows")?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or(format!("the layer table has no `{name}` column"))
    };
    let (c_layer, c_folder, c_use) = (col("layer")?, col("folder")?, col("may use")?);
    let is_rule = |r: &Vec<String>| {
        r.iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'))
    };
    let mut layers = Vec::new();
    for row in rows.iter().skip(1).filter(|r| !is_rule(r)) {
        let cell = |k: usize| row.get(k).map(|s| s.trim_matches('`').trim().to_string());
        let name = cell(c_layer).filter(|s| !s.is_empty());
        let name = name.ok_or(format!("row without a layer: {row:?}"))?;
        let folder = cell(c_folder).unwrap_or_default();
        let folder = folder
            .strip_prefix("src/")
            .map(|f| f.trim_end_matches('/'))
            .filter(|f| !f.is_empty() && !f.contains('/'))
            .ok_or(format!(
                "layer {name}: folder `{folder}` is not `src/<name>/`"
            ))?
            .to_string();
        let uses = cell(c_use).unwrap_or_default();
        let may_use = uses
            .split(',')
            .map(|u| u.trim().trim_matches('`').trim().to_string())
            .filter(|u| !u.is_empty() && u != "(none)" && u != "none" && u != "-")
            .collect();
        layers.push(Layer {
            name,
            folder,
            may_use,
        });
    }
    if layers.is_empty() {
        return Err("the layer table has no layers".into());
    }
    let names: BTreeSet<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    for l in &layers {
        for u in &l.may_use {
            if !names.contains(u.as_str()) {
                return Err(format!("layer {}: may use unknown layer `{u}`", l.name));
            }
        }
    }
    Ok(LayerTable { layers })
}

// ---------------------------------------------------------------------------------------------
// Lexer: identifiers and punctuation; comments, strings, chars, numbers and lifetimes dropped
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Str(String),
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn lex(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let n = c.len();
    let at = |k: usize| if k < n { c[k] } else { '\0' };
    let is_ident_start = |ch: char| ch == '_' || ch.is_alphabetic();
    let is_ident = |ch: char| ch == '_' || ch.is_alphanumeric();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // A "..." string from the quote at `q`; returns the index after it.
    let plain_string = |q: usize, line: &mut usize| -> (usize, String) {
        let mut j = q + 1;
        let mut s = String::new();
        while j < n && c[j] != '"' {
            if c[j] == '\\' {
                j += 1;
            }
            if j < n {
                if c[j] == '\n' {
                    *line += 1;
                }
                s.push(c[j]);
            }
            j += 1;
        }
        (j + 1, s)
    };
    while i < n {
        let ch = c[i];
        let start_line = line;
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < n && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < n {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (j, s) = plain_string(i, &mut line);
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
            i = j;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                let mut j = i + 3;
                while j < n && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime or label.
                i += 1;
                while i < n && is_ident(c[i]) {
                    i += 1;
                }
            }
            out.push(Token {
                tok: Tok::Other,
                line: start_line,
            });
        } else if ch.is_ascii_digit() {
            while i < n && (is_ident(c[i]) || (c[i] == '.' && at(i + 1).is_ascii_digit())) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Other,
                line: start_line,
            });
        } else if is_ident_start(ch) {
            // Raw strings r"..", r#".."#, br"..", cr"..".
            let raw_prefix = ["br", "cr", "r"]
                .iter()
                .map(|p| p.chars().collect::<Vec<_>>())
                .find(|p| (0..p.len()).all(|k| at(i + k) == p[k]))
                .map(|p| p.len());
            if let Some(pl) = raw_prefix {
                let mut j = i + pl;
                let mut hashes = 0;
                while at(j) == '#' {
                    hashes += 1;
                    j += 1;
                }
                if at(j) == '"' {
                    j += 1;
                    let mut s = String::new();
                    while j < n {
                        if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                            break;
                        }
                        if c[j] == '\n' {
                            line += 1;
                        }
                        s.push(c[j]);
                        j += 1;
                    }
                    out.push(Token {
                        tok: Tok::Str(s),
                        line: start_line,
                    });
                    i = j + 1 + hashes;
                    continue;
                }
                if pl == 1 && hashes == 1 && is_ident_start(at(j)) {
                    // Raw identifier r#type.
                    i = j;
                    let s = i;
                    while i < n && is_ident(c[i]) {
                        i += 1;
                    }
                    out.push(Token {
                        tok: Tok::Ident(c[s..i].iter().collect()),
                        line: start_line,
                    });
                    continue;
                }
            }
            if (ch == 'b' || ch == 'c') && at(i + 1) == '"' {
                let (j, s) = plain_string(i + 1, &mut line);
                out.push(Token {
                    tok: Tok::Str(s),
                    line: start_line,
                });
                i = j;
                continue;
            }
            if ch == 'b' && at(i + 1) == '\'' {
                // Byte literal b'x' / b'\n': lex the char literal next round.
                i += 1;
                continue;
            }
            let s = i;
            while i < n && is_ident(c[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(c[s..i].iter().collect()),
                line: start_line,
            });
        } else {
            out.push(Token {
                tok: Tok::Punct(ch),
                line: start_line,
            });
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Per-file scan: `mod` declarations, inline modules, `use` leaves and paths in code
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ModDecl {
    name: String,
    /// Inline modules around the declaration.
    inline: Vec<String>,
    path_attr: Option<String>,
    cfg_test: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RefKind {
    Use { public: bool },
    Code,
}

#[derive(Debug, Clone)]
struct RawRef {
    segs: Vec<String>,
    /// Inline modules around the reference.
    inline: Vec<String>,
    line: usize,
    kind: RefKind,
    glob: bool,
    /// Name a `use` leaf brings into scope.
    alias: Option<String>,
}

#[derive(Debug, Default)]
struct Scan {
    decls: Vec<ModDecl>,
    refs: Vec<RawRef>,
    /// Inline modules (path below the file's module).
    inline_mods: Vec<Vec<String>>,
}

struct Toks<'a>(&'a [Token]);

impl Toks<'_> {
    fn get(&self, i: usize) -> Option<&Tok> {
        self.0.get(i).map(|t| &t.tok)
    }
    fn punct(&self, i: usize, p: char) -> bool {
        self.get(i) == Some(&Tok::Punct(p))
    }
    fn ident(&self, i: usize) -> Option<&str> {
        match self.get(i) {
            Some(Tok::Ident(s)) => Some(s),
            _ => None,
        }
    }
    fn is_ident(&self, i: usize, s: &str) -> bool {
        self.ident(i) == Some(s)
    }
    fn path_sep(&self, i: usize) -> bool {
        self.punct(i, ':') && self.punct(i + 1, ':')
    }
    fn path_sep_before(&self, i: usize) -> bool {
        i >= 2 && self.path_sep(i - 2)
    }
    fn line(&self, i: usize) -> usize {
        self.0.get(i).or(self.0.last()).map_or(0, |t| t.line)
    }
    /// Index of the `open` that matches the `close` at `i`, searching backwards.
    fn open_before(&self, i: usize, open: char, close: char) -> Option<usize> {
        let mut depth = 0i32;
        let mut k = i;
        loop {
            if self.punct(k, close) {
                depth += 1;
            } else if self.punct(k, open) {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            if k == 0 {
                return None;
            }
            k -= 1;
        }
    }
    /// Start of a visibility (`pub`, `pub(...)`) that ends right before `i`, if any.
    fn vis_before(&self, i: usize) -> Option<usize> {
        if i >= 1 && self.is_ident(i - 1, "pub") {
            return Some(i - 1);
        }
        if i >= 1 && self.punct(i - 1, ')') {
            let open = self.open_before(i - 1, '(', ')')?;
            if open >= 1 && self.is_ident(open - 1, "pub") {
                return Some(open - 1);
            }
        }
        None
    }
    /// `#[cfg(test)]` and `#[path = "..."]` among the outer attributes before the item at `i`.
    fn attrs_before(&self, i: usize) -> (bool, Option<String>) {
        let mut k = self.vis_before(i).unwrap_or(i);
        let (mut cfg_test, mut path) = (false, None);
        while k >= 1 && self.punct(k - 1, ']') {
            let Some(open) = self.open_before(k - 1, '[', ']') else {
                break;
            };
            if open == 0 || !self.punct(open - 1, '#') {
                break;
            }
            let body = &self.0[open + 1..k - 1];
            match body.first().map(|t| &t.tok) {
                Some(Tok::Ident(a)) if a == "cfg" => {
                    let has = |s: &str| body.iter().any(|t| t.tok == Tok::Ident(s.into()));
                    cfg_test |= has("test") && !has("not");
                }
                Some(Tok::Ident(a)) if a == "path" => {
                    path = body.iter().find_map(|t| match &t.tok {
                        Tok::Str(s) => Some(s.clone()),
                        _ => None,
                    });
                }
                _ => {}
            }
            k = open - 1;
        }
        (cfg_test, path)
    }
    /// `a::b::c` from `i` (an identifier); stops before `::<`, `::{`, `::*`.
    fn path_at(&self, i: usize) -> (Vec<String>, usize, usize) {
        let mut segs = vec![self.ident(i).unwrap_or_default().to_string()];
        let mut j = i + 1;
        let mut last = i;
        while self.path_sep(j) {
            match self.ident(j + 2) {
                Some(s) => {
                    segs.push(s.to_string());
                    last = j + 2;
                    j += 3;
                }
                None => break,
            }
        }
        (segs, j, self.line(last))
    }
}

/// Leaves of the use tree starting at `i`; returns the index after the tree.
fn use_tree(
    t: &Toks,
    mut i: usize,
    mut segs: Vec<String>,
    out: &mut Vec<(Vec<String>, bool, Option<String>, usize)>,
) -> usize {
    if t.path_sep(i) {
        i += 2;
    }
    loop {
        let line = t.line(i);
        match t.get(i) {
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    if t.punct(i, '}') {
                        return i + 1;
                    }
                    let next = use_tree(t, i, segs.clone(), out);
                    if next == i {
                        return i; // malformed
                    }
                    i = next;
                    if t.punct(i, ',') {
                        i += 1;
                    } else if t.punct(i, '}') {
                        return i + 1;
                    } else {
                        return i;
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                out.push((segs, true, None, line));
                return i + 1;
            }
            Some(Tok::Punct('$')) if t.is_ident(i + 1, "crate") => {
                segs.push("crate".into());
                i += 2;
            }
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                i += 1;
            }
            _ => return i,
        }
        if t.path_sep(i) {
            i += 2;
            continue;
        }
        if segs.len() > 1 && segs.last().map(String::as_str) == Some("self") {
            segs.pop();
        }
        let mut alias = segs.last().cloned();
        if t.is_ident(i, "as") {
            alias = t.ident(i + 1).map(str::to_string);
            i += 2;
        }
        let alias = alias.filter(|a| a != "_" && a != "self" && a != "crate" && a != "super");
        out.push((segs, false, alias, line));
        return i;
    }
}

fn scan(src: &str) -> Scan {
    let tokens = lex(src);
    let t = Toks(&tokens);
    let mut s = Scan::default();
    let mut depth = 0usize;
    // Inline modules: name, brace depth inside it, cfg(test).
    let mut stack: Vec<(String, usize, bool)> = Vec::new();
    let inline = |stack: &Vec<(String, usize, bool)>| -> Vec<String> {
        stack.iter().map(|(n, _, _)| n.clone()).collect()
    };
    let mut i = 0;
    while i < tokens.len() {
        match t.get(i) {
            Some(Tok::Punct('{')) => {
                depth += 1;
                i += 1;
            }
            Some(Tok::Punct('}')) => {
                if stack.last().is_some_and(|&(_, d, _)| d == depth) {
                    stack.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Some(Tok::Ident(k)) if k == "pub" && t.punct(i + 1, '(') && t.is_ident(i + 2, "in") => {
                // `pub(in crate::x)` names where an item is visible, not what it uses.
                i += 3;
                while i < tokens.len() && !t.punct(i, ')') {
                    i += 1;
                }
            }
            Some(Tok::Ident(k))
                if k == "mod"
                    && t.ident(i + 1).is_some()
                    && (t.punct(i + 2, ';') || t.punct(i + 2, '{')) =>
            {
                let name = t.ident(i + 1).unwrap_or_default().to_string();
                let (cfg_attr, path_attr) = t.attrs_before(i);
                let cfg_test = cfg_attr || stack.iter().any(|e| e.2);
                let around = inline(&stack);
                if t.punct(i + 2, ';') {
                    s.decls.push(ModDecl {
                        name,
                        inline: around,
                        path_attr,
                        cfg_test,
                    });
                } else {
                    depth += 1;
                    let mut path = around;
                    path.push(name.clone());
                    s.inline_mods.push(path);
                    stack.push((name, depth, cfg_test));
                }
                i += 3;
            }
            Some(Tok::Ident(k)) if k == "use" && !t.punct(i + 1, '<') => {
                let public = t.vis_before(i).is_some();
                let mut leaves = Vec::new();
                let end = use_tree(&t, i + 1, Vec::new(), &mut leaves);
                for (segs, glob, alias, line) in leaves {
                    s.refs.push(RawRef {
                        segs,
                        inline: inline(&stack),
                        line,
                        kind: RefKind::Use { public },
                        glob,
                        alias,
                    });
                }
                i = end.max(i + 1);
            }
            Some(Tok::Punct('$')) if t.is_ident(i + 1, "crate") && t.path_sep(i + 2) => {
                let (mut segs, end, line) = t.path_at(i + 1);
                segs[0] = "crate".into();
                s.refs.push(RawRef {
                    segs,
                    inline: inline(&stack),
                    line,
                    kind: RefKind::Code,
                    glob: false,
                    alias: None,
                });
                i = end;
            }
            Some(Tok::Ident(_))
                if t.path_sep(i + 1)
                    && !t.path_sep_before(i)
                    && !(i >= 1 && (t.punct(i - 1, '.') || t.punct(i - 1, '$'))) =>
            {
                let (segs, end, line) = t.path_at(i);
                s.refs.push(RawRef {
                    segs,
                    inline: inline(&stack),
                    line,
                    kind: RefKind::Code,
                    glob: false,
                    alias: None,
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Module tree
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct FileInfo {
    module: Vec<String>,
    test: bool,
    declared_by: Option<String>,
}

fn parent_dir(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Folder that `mod x;` in `file` looks in.
fn children_dir(file: &str) -> String {
    let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
    if matches!(name, "mod.rs" | "lib.rs" | "main.rs") {
        dir.to_string()
    } else {
        format!("{dir}/{}", name.trim_end_matches(".rs"))
    }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    parts.join("/")
}

fn is_test_name(name: &str) -> bool {
    name == "tests" || name.ends_with("_tests")
}

/// Module of a file from its path alone (for files no `mod` declaration reaches).
fn module_from_path(file: &str) -> Vec<String> {
    let p = file.strip_prefix("src/").unwrap_or(file);
    let p = p.strip_suffix(".rs").unwrap_or(p);
    let p = p.strip_suffix("/mod").unwrap_or(p);
    p.split('/').map(str::to_string).collect()
}

fn discover(
    files: &BTreeMap<String, String>,
    scans: &BTreeMap<String, Scan>,
) -> BTreeMap<String, FileInfo> {
    let mut info: BTreeMap<String, FileInfo> = BTreeMap::new();
    let mut queue = Vec::new();
    if files.contains_key("src/lib.rs") {
        info.insert(
            "src/lib.rs".into(),
            FileInfo {
                module: vec![],
                test: false,
                declared_by: None,
            },
        );
        queue.push("src/lib.rs".to_string());
    }
    while let Some(file) = queue.pop() {
        let parent = info[&file].clone();
        for d in &scans[&file].decls {
            let base = if d.inline.is_empty() {
                children_dir(&file)
            } else {
                format!("{}/{}", children_dir(&file), d.inline.join("/"))
            };
            let candidates = match &d.path_attr {
                Some(p) if d.inline.is_empty() => {
                    vec![normalize(&format!("{}/{p}", parent_dir(&file)))]
                }
                Some(p) => vec![normalize(&format!("{base}/{p}"))],
                None => vec![
                    format!("{base}/{}.rs", d.name),
                    format!("{base}/{}/mod.rs", d.name),
                ],
            };
            let Some(child) = candidates.into_iter().find(|c| files.contains_key(c)) else {
                continue;
            };
            if info.contains_key(&child) {
                continue;
            }
            let mut module = parent.module.clone();
            module.extend(d.inline.iter().cloned());
            module.push(d.name.clone());
            let test = parent.test
                || d.cfg_test
                || d.inline.iter().chain([&d.name]).any(|n| is_test_name(n));
            info.insert(
                child.clone(),
                FileInfo {
                    module,
                    test,
                    declared_by: Some(file.clone()),
                },
            );
            queue.push(child);
        }
    }
    // Files that no declaration reaches: module from the path.
    let by_module: HashMap<Vec<String>, String> = files
        .keys()
        .filter(|f| f.ends_with(".rs") && *f != "src/main.rs")
        .map(|f| {
            (
                info.get(f)
                    .map_or_else(|| module_from_path(f), |i| i.module.clone()),
                f.clone(),
            )
        })
        .collect();
    for f in files.keys() {
        if info.contains_key(f) || !f.ends_with(".rs") || f == "src/main.rs" {
            continue;
        }
        let module = module_from_path(f);
        let test = module.iter().any(|n| is_test_name(n));
        let last = module.last().cloned().unwrap_or_default();
        let sibling = last
            .strip_suffix("_tests")
            .map(|stem| {
                let mut m = module[..module.len() - 1].to_vec();
                m.push(stem.to_string());
                m
            })
            .and_then(|m| by_module.get(&m).cloned());
        let declared_by = sibling.or_else(|| {
            by_module
                .get(&module[..module.len().saturating_sub(1)])
                .cloned()
        });
        info.insert(
            f.clone(),
            FileInfo {
                module,
                test,
                declared_by,
            },
        );
    }
    info
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

enum Resolved {
    Crate(Vec<String>),
    AboveRoot,
    External,
}

struct Crate<'a> {
    info: &'a BTreeMap<String, FileInfo>,
    /// Module path (file modules and inline modules) -> file.
    modules: HashMap<Vec<String>, String>,
    /// Module path -> name -> where `pub use` in that module points.
    reexports: HashMap<Vec<String>, HashMap<String, Vec<String>>>,
}

impl Crate<'_> {
    fn resolve(
        &self,
        segs: &[String],
        module: &[String],
        aliases: &HashMap<String, Vec<String>>,
    ) -> Resolved {
        let first = segs[0].as_str();
        match first {
            "crate" => Resolved::Crate(segs[1..].to_vec()),
            "super" | "self" => {
                let mut base = module.to_vec();
                let mut k = 0;
                if first == "self" {
                    k = 1;
                }
                while segs.get(k).map(String::as_str) == Some("super") {
                    if base.pop().is_none() {
                        return Resolved::AboveRoot;
                    }
                    k += 1;
                }
                base.extend(segs[k..].iter().cloned());
                Resolved::Crate(base)
            }
            _ => {
                let mut child = module.to_vec();
                child.push(segs[0].clone());
                if self.modules.contains_key(&child) {
                    child.extend(segs[1..].iter().cloned());
                    Resolved::Crate(child)
                } else if let Some(target) = aliases.get(first) {
                    let mut p = target.clone();
                    p.extend(segs[1..].iter().cloned());
                    Resolved::Crate(p)
                } else {
                    Resolved::External
                }
            }
        }
    }

    /// File that defines what `path` names, following `pub use` re-exports.
    fn target_file(&self, path: &[String], hops: usize) -> Option<String> {
        let k = (1..=path.len())
            .rev()
            .find(|&k| self.modules.contains_key(&path[..k]))?;
        let module = &path[..k];
        if k < path.len() && hops < 16 {
            if let Some(target) = self.reexports.get(module).and_then(|r| r.get(&path[k])) {
                let mut p = target.clone();
                p.extend(path[k + 1..].iter().cloned());
                if p != path {
                    if let Some(f) = self.target_file(&p, hops + 1) {
                        return Some(f);
                    }
                }
            }
        }
        self.modules.get(module).cloned()
    }

    /// The graph node of a file: test modules belong to the module that declares them.
    fn node(&self, file: &str) -> String {
        let mut f = file.to_string();
        for _ in 0..64 {
            match self.info.get(&f) {
                Some(i) if i.test => match &i.declared_by {
                    Some(d) => f = d.clone(),
                    None => break,
                },
                _ => break,
            }
        }
        f
    }
}

fn layer_folder(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("src/")?;
    rest.split_once('/').map(|(d, _)| d)
}

/// All violations of rules A and B in `files` (path from the crate root -> text).
fn check(files: &BTreeMap<String, String>, table: &LayerTable) -> Vec<String> {
    let scans: BTreeMap<String, Scan> = files
        .iter()
        .filter(|(f, _)| f.ends_with(".rs"))
        .map(|(f, text)| (f.clone(), scan(text)))
        .collect();
    let info = discover(files, &scans);
    let mut modules = HashMap::new();
    for (f, i) in &info {
        modules.insert(i.module.clone(), f.clone());
    }
    for (f, i) in &info {
        for m in &scans[f].inline_mods {
            let mut p = i.module.clone();
            p.extend(m.iter().cloned());
            modules.entry(p).or_insert_with(|| f.clone());
        }
    }
    let mut krate = Crate {
        info: &info,
        modules,
        reexports: HashMap::new(),
    };

    // Resolve every reference of every file. Uses first (they make the aliases), then code.
    struct Resolved1 {
        line: usize,
        target: Vec<String>,
        anchored: bool,
        module_use_alias: Option<String>,
        via_alias: Option<String>,
    }
    let mut resolved: BTreeMap<String, Vec<Resolved1>> = BTreeMap::new();
    let mut above_root: Vec<(String, usize)> = Vec::new();
    for (f, i) in &info {
        let scan = &scans[f];
        let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
        let mut out = Vec::new();
        let anchored = |r: &RawRef| matches!(r.segs[0].as_str(), "crate" | "super" | "self");
        let uses = scan
            .refs
            .iter()
            .filter(|r| matches!(r.kind, RefKind::Use { .. }));
        // Anchored uses first so that relative uses can go through their names.
        let (a, b): (Vec<&RawRef>, Vec<&RawRef>) = uses.partition(|r| anchored(r));
        for r in a.into_iter().chain(b) {
            let mut module = i.module.clone();
            module.extend(r.inline.iter().cloned());
            match krate.resolve(&r.segs, &module, &aliases) {
                Resolved::Crate(target) => {
                    if let (Some(alias), false) = (&r.alias, r.glob) {
                        aliases.insert(alias.clone(), target.clone());
                        if r.kind == (RefKind::Use { public: true }) {
                            krate
                                .reexports
                                .entry(module.clone())
                                .or_default()
                                .insert(alias.clone(), target.clone());
                        }
                    }
                    let is_module = krate.modules.contains_key(&target);
                    out.push(Resolved1 {
                        line: r.line,
                        anchored: true,
                        module_use_alias: r.alias.clone().filter(|_| is_module && !r.glob),
                        target,
                        via_alias: None,
                    });
                }
                Resolved::AboveRoot => above_root.push((f.clone(), r.line)),
                Resolved::External => {}
            }
        }
        for r in scan.refs.iter().filter(|r| r.kind == RefKind::Code) {
            let mut module = i.module.clone();
            module.extend(r.inline.iter().cloned());
            let via_alias =
                (!anchored(r) && aliases.contains_key(&r.segs[0])).then(|| r.segs[0].clone());
            match krate.resolve(&r.segs, &module, &aliases) {
                Resolved::Crate(target) => out.push(Resolved1 {
                    line: r.line,
                    anchored: anchored(r),
                    module_use_alias: None,
                    target,
                    via_alias,
                }),
                Resolved::AboveRoot => above_root.push((f.clone(), r.line)),
                Resolved::External => {}
            }
        }
        resolved.insert(f.clone(), out);
    }

    let mut violations = Vec::new();

    // Rule A.
    let mut seen = HashSet::new();
    for (f, refs) in &resolved {
        if f == "src/lib.rs" || f == "src/main.rs" {
            continue;
        }
        let Some(folder) = layer_folder(f) else {
            violations.push(format!(
                "{f}:1: file outside a layer folder (no layer in {DOC} §3)"
            ));
            continue;
        };
        let Some(layer) = table.by_folder(folder) else {
            violations.push(format!(
                "{f}:1: folder src/{folder}/ has no layer in {DOC} §3"
            ));
            continue;
        };
        for r in refs.iter().filter(|r| r.anchored) {
            let Some(m) = r.target.first() else { continue };
            let allowed = m == folder
                || table
                    .by_folder(m)
                    .is_some_and(|ml| ml.name == layer.name || layer.may_use.contains(&ml.name));
            if !allowed && seen.insert((f.clone(), r.line, m.clone())) {
                violations.push(format!(
                    "{f}:{}: layer {} uses {m} (not allowed by {DOC} §3)",
                    r.line, layer.name
                ));
            }
        }
    }
    for (f, line) in above_root {
        violations.push(format!("{f}:{line}: `super` goes above the crate root"));
    }
    // By file, then line.
    let key = |v: &String| {
        let mut it = v.splitn(3, ':');
        let file = it.next().unwrap_or_default().to_string();
        (
            file,
            it.next().and_then(|l| l.parse::<usize>().ok()).unwrap_or(0),
        )
    };
    violations.sort_by_key(key);

    // Rule B.
    for layer in CIRCLE_FREE {
        let prefix = format!("src/{layer}/");
        let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut nodes = BTreeSet::new();
        for (f, refs) in resolved.iter().filter(|(f, _)| f.starts_with(&prefix)) {
            let from = krate.node(f);
            nodes.insert(from.clone());
            let hit: HashSet<&String> = refs.iter().filter_map(|r| r.via_alias.as_ref()).collect();
            for r in refs {
                // `use super::summary;` is an arrow through the places that use `summary::`.
                if r.module_use_alias.as_ref().is_some_and(|a| hit.contains(a)) {
                    continue;
                }
                let Some(tf) = krate.target_file(&r.target, 0) else {
                    continue;
                };
                let to = krate.node(&tf);
                if to != from && to.starts_with(&prefix) {
                    edges
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_insert_with(|| format!("{f}:{}", r.line));
                }
            }
        }
        for scc in strongly_connected(&nodes, &edges) {
            if scc.len() < 2 {
                continue;
            }
            let members: BTreeSet<&String> = scc.iter().collect();
            let mut msg = format!(
                "{prefix}: import circle among {} files: {}",
                scc.len(),
                scc.join(", ")
            );
            for from in &scc {
                for (to, at) in edges.get(from).into_iter().flatten() {
                    if members.contains(to) {
                        msg.push_str(&format!("\n    {from} -> {to} ({at})"));
                    }
                }
            }
            violations.push(msg);
        }
    }
    violations
}

/// Tarjan's strongly connected components; each sorted, in a stable order.
fn strongly_connected(
    nodes: &BTreeSet<String>,
    edges: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeMap<String, String>>,
        index: HashMap<String, usize>,
        low: HashMap<String, usize>,
        on_stack: HashSet<String>,
        stack: Vec<String>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(s: &mut State, v: &str) {
        s.index.insert(v.into(), s.next);
        s.low.insert(v.into(), s.next);
        s.next += 1;
        s.stack.push(v.into());
        s.on_stack.insert(v.into());
        let succ: Vec<String> = s
            .edges
            .get(v)
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default();
        for w in succ {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            comp.sort();
            s.out.push(comp);
        }
    }
    let mut s = State {
        edges,
        index: HashMap::new(),
        low: HashMap::new(),
        on_stack: HashSet::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    let all: BTreeSet<&String> = nodes
        .iter()
        .chain(edges.values().flat_map(|e| e.keys()))
        .collect();
    for v in all {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

// ---------------------------------------------------------------------------------------------
// The real tree
// ---------------------------------------------------------------------------------------------

fn read_tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(root).expect("under the root");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let text =
                    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.insert(rel, text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &root.join("src"), &mut out);
    out
}

fn real_table(root: &Path) -> (LayerTable, &'static str) {
    let text = fs::read_to_string(root.join(DOC)).unwrap_or_else(|e| panic!("{DOC}: {e}"));
    let table = parse_layer_table(&text).unwrap_or_else(|e| panic!("{DOC}: {e}"));
    (table, DOC)
}

#[test]
fn layer_tables_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = parse_layer_table(&fs::read_to_string(root.join(FIXTURE)).unwrap()).unwrap();
    assert_eq!(fixture.layers.len(), 10);
    let (table, path) = real_table(root);
    // Every layer folder under src/ has a row.
    for entry in fs::read_dir(root.join("src")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            let folder = p.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                table.by_folder(&folder).is_some(),
                "{path}: no layer for src/{folder}/"
            );
        }
    }
}

#[test]
fn real_tree_obeys_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (table, _) = real_table(root);
    let files = read_tree(root);
    assert!(files.len() > 50, "src/ looks empty: {} files", files.len());
    let violations = check(&files, &table);
    assert!(
        violations.is_empty(),
        "{} violation(s) of the layering:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// The checker on the real code: an arrow added to it is found (whatever else is found today).
#[test]
fn real_tree_injection_is_detected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (table, _) = real_table(root);
    let mut files = read_tree(root);
    let text = files.get_mut("src/wire/mod.rs").expect("src/wire/mod.rs");
    let line = text.lines().count() + 1;
    text.push_str("use crate::engine::run::Run;\n");
    let violations = check(&files, &table);
    let want = format!(
        "src/wire/mod.rs:{line}: layer wire uses engine (not allowed by docs/ARCHITECTURE.md §3)"
    );
    assert!(violations.contains(&want), "{want} not in {violations:#?}");
}

// ---------------------------------------------------------------------------------------------
// The checker's own tests, on synthetic trees
// ---------------------------------------------------------------------------------------------

fn fixture_table() -> LayerTable {
    parse_layer_table(include_str!("data/architecture/layers.md")).unwrap()
}

/// A small tree that obeys both rules.
fn clean_tree() -> BTreeMap<String, String> {
    let files: &[(&str, &str)] = &[
        (
            "src/lib.rs",
            "pub mod engine;\npub mod model;\npub mod report;\npub mod wire;\n",
        ),
        (
            "src/main.rs",
            "use roamsim::engine;\nfn main() { crate::nothing::here(); }\n",
        ),
        ("src/model/mod.rs", "pub mod ids;\npub struct Config;\n"),
        ("src/model/ids.rs", "pub struct Imsi;\n"),
        (
            "src/wire/mod.rs",
            "pub mod header;\npub use header::Header;\n",
        ),
        (
            "src/wire/header.rs",
            "use crate::model::ids::Imsi;\nuse super::super::model::Config;\npub struct Header;\n\
             #[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::wire::Header;\n}\n",
        ),
        (
            "src/report/mod.rs",
            "pub mod slo;\npub mod summary;\npub use summary::Summary;\n\
             pub use crate::model::ids::Imsi;\n#[cfg(test)]\nmod tests;\n",
        ),
        (
            "src/report/summary.rs",
            "use crate::model::Config;\nuse super::slo::Slo;\npub struct Summary;\n\
             #[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::report::Summary;\n}\n",
        ),
        (
            "src/report/slo.rs",
            "use crate::report::Imsi;\npub struct Slo;\n",
        ),
        (
            "src/report/tests.rs",
            "use super::*;\nuse crate::report::summary::Summary;\nuse crate::report::slo::Slo;\n",
        ),
        ("src/engine/mod.rs", "pub mod driver;\n"),
        (
            "src/engine/driver.rs",
            "use crate::report::Summary;\nuse crate::wire::header;\n\
             fn f() { let _ = crate::report::slo::Slo; let _ = header::Header; }\n",
        ),
    ];
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

fn with(mut files: BTreeMap<String, String>, path: &str, text: &str) -> BTreeMap<String, String> {
    files.entry(path.to_string()).or_default().push_str(text);
    files
}

fn run(files: &BTreeMap<String, String>) -> Vec<String> {
    check(files, &fixture_table())
}

#[test]
fn clean_tree_passes() {
    assert_eq!(run(&clean_tree()), Vec::<String>::new());
}

#[test]
fn wire_using_engine_is_reported() {
    // header.rs has 8 lines; the new one is line 9.
    let files = with(
        clean_tree(),
        "src/wire/header.rs",
        "use crate::engine::X;\n",
    );
    assert_eq!(
        run(&files),
        vec![
            "src/wire/header.rs:9: layer wire uses engine (not allowed by docs/ARCHITECTURE.md §3)"
        ]
    );
}

#[test]
fn paths_in_code_and_in_test_modules_are_checked() {
    let files = with(
        clean_tree(),
        "src/wire/header.rs",
        "fn g() {\n    let r = crate::report::Recorder::new();\n}\n\
         #[cfg(test)]\nmod more_tests {\n    use crate::engine::driver;\n    #[test]\n    fn t() { $crate::link::x(); }\n}\n",
    );
    assert_eq!(
        run(&files),
        vec![
            "src/wire/header.rs:10: layer wire uses report (not allowed by docs/ARCHITECTURE.md §3)",
            "src/wire/header.rs:14: layer wire uses engine (not allowed by docs/ARCHITECTURE.md §3)",
            "src/wire/header.rs:16: layer wire uses link (not allowed by docs/ARCHITECTURE.md §3)",
        ]
    );
}

#[test]
fn super_arrow_upward_is_reported() {
    // src/wire/header.rs is wire::header: super is wire, super::super is the crate root.
    let files = with(
        clean_tree(),
        "src/wire/header.rs",
        "use super::super::engine::driver::Driver;\n",
    );
    let files = with(files, "src/wire/mod.rs", "use super::report::Summary;\n");
    // src/model/ids.rs through a mod.rs: super of model::ids is model.
    let files = with(
        files,
        "src/model/ids.rs",
        "fn f() { super::super::wire::Header::new(); }\n",
    );
    assert_eq!(
        run(&files),
        vec![
            "src/model/ids.rs:2: layer model uses wire (not allowed by docs/ARCHITECTURE.md §3)",
            "src/wire/header.rs:9: layer wire uses engine (not allowed by docs/ARCHITECTURE.md §3)",
            "src/wire/mod.rs:3: layer wire uses report (not allowed by docs/ARCHITECTURE.md §3)",
        ]
    );
    let files = with(
        clean_tree(),
        "src/model/ids.rs",
        "use super::super::super::x;\n",
    );
    assert_eq!(
        run(&files),
        vec!["src/model/ids.rs:2: `super` goes above the crate root"]
    );
}

#[test]
fn report_circle_is_reported() {
    // summary -> slo (already) and slo -> summary through the re-export in report/mod.rs.
    let files = with(
        clean_tree(),
        "src/report/slo.rs",
        "fn f() -> crate::report::Summary { todo!() }\n",
    );
    assert_eq!(
        run(&files),
        vec![
            "src/report/: import circle among 2 files: src/report/slo.rs, src/report/summary.rs\n    \
             src/report/slo.rs -> src/report/summary.rs (src/report/slo.rs:3)\n    \
             src/report/summary.rs -> src/report/slo.rs (src/report/summary.rs:2)"
        ]
    );
    // Through `super::` and a group, and three files long.
    let files = with(clean_tree(), "src/report/mod.rs", "pub mod window;\n");
    let files = with(
        files,
        "src/report/window.rs",
        "use super::{summary::Summary as S};\n",
    );
    let files = with(
        files,
        "src/report/slo.rs",
        "use super::window;\nfn f() { window::g(); }\n",
    );
    let v = run(&files);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(v[0].starts_with(
        "src/report/: import circle among 3 files: src/report/slo.rs, src/report/summary.rs, src/report/window.rs\n"
    ));
}

#[test]
fn engine_circle_is_reported_and_test_modules_merge_into_their_parent() {
    let files = with(clean_tree(), "src/engine/mod.rs", "pub mod run;\n");
    let files = with(
        files,
        "src/engine/driver.rs",
        "#[cfg(test)]\n#[path = \"driver_tests.rs\"]\nmod tests;\n",
    );
    let files = with(
        files,
        "src/engine/driver_tests.rs",
        "use super::*;\nuse crate::engine::run::Run;\n",
    );
    // run uses driver: with driver's tests part of driver, that is a circle.
    let files = with(
        files,
        "src/engine/run.rs",
        "pub struct Run;\nuse crate::engine::driver::f;\n",
    );
    assert_eq!(
        run(&files),
        vec![
            "src/engine/: import circle among 2 files: src/engine/driver.rs, src/engine/run.rs\n    \
             src/engine/driver.rs -> src/engine/run.rs (src/engine/driver_tests.rs:2)\n    \
             src/engine/run.rs -> src/engine/driver.rs (src/engine/run.rs:2)"
        ]
    );
    // A test module using its parent is no circle.
    let files = with(
        clean_tree(),
        "src/engine/driver.rs",
        "#[cfg(test)]\n#[path = \"driver_tests.rs\"]\nmod tests;\n",
    );
    let files = with(
        files,
        "src/engine/driver_tests.rs",
        "use super::*;\nuse crate::engine::driver::f;\n",
    );
    assert_eq!(run(&files), Vec::<String>::new());
}

#[test]
fn comments_and_strings_do_not_count() {
    let text = r####"
// use crate::engine::X;
/// See [`crate::engine::Driver`] and crate::engine::run().
//! crate::engine
/* use crate::engine::X;
   /* nested */ crate::engine::Y */
fn f() -> &'static str {
    let _c = '"';
    let _d = b'\'';
    let _s = "use crate::engine::X; \" crate::engine::Y";
    let _r = r#"crate::engine::Z "quoted" "#;
    let _b = br##"crate::engine::W"##;
    "crate::engine"
}
"####;
    let files = with(clean_tree(), "src/wire/header.rs", text);
    assert_eq!(run(&files), Vec::<String>::new());
    // ...while the same path in code after all of them still does (8 lines + 14 + 1).
    let files = with(
        files,
        "src/wire/header.rs",
        "fn g() { crate::engine::f() }\n",
    );
    assert_eq!(
        run(&files),
        vec!["src/wire/header.rs:23: layer wire uses engine (not allowed by docs/ARCHITECTURE.md §3)"]
    );
}

#[test]
fn multi_line_use_group_is_parsed() {
    let text = "use crate::{\n    model::{ids::Imsi, Config},\n    report::{\n        self,\n        summary::Summary,\n    },\n    engine::{driver::{self as d, *}},\n};\n";
    let files = with(clean_tree(), "src/wire/header.rs", text);
    assert_eq!(
        run(&files),
        vec![
            "src/wire/header.rs:12: layer wire uses report (not allowed by docs/ARCHITECTURE.md §3)",
            "src/wire/header.rs:13: layer wire uses report (not allowed by docs/ARCHITECTURE.md §3)",
            "src/wire/header.rs:15: layer wire uses engine (not allowed by docs/ARCHITECTURE.md §3)",
        ]
    );
}

#[test]
fn super_in_an_inline_module_is_the_file_module() {
    // `use super::*` in `mod tests { }` of report/summary.rs is report::summary, not report;
    // read as report it would close a circle with `pub use summary::Summary` in report/mod.rs.
    let files = with(
        clean_tree(),
        "src/report/summary.rs",
        "mod inner {\n    use super::Summary;\n}\n",
    );
    assert_eq!(run(&files), Vec::<String>::new());
    // A real arrow from summary to an item of report/mod.rs itself is a circle.
    let files = with(clean_tree(), "src/report/mod.rs", "pub struct Local;\n");
    let files = with(files, "src/report/summary.rs", "use super::Local;\n");
    let v = run(&files);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(v[0].starts_with(
        "src/report/: import circle among 2 files: src/report/mod.rs, src/report/summary.rs"
    ));
}

#[test]
fn files_outside_the_table_are_reported() {
    let files = with(clean_tree(), "src/lib.rs", "pub mod extra;\n");
    let files = with(files, "src/extra/mod.rs", "pub struct X;\n");
    assert_eq!(
        run(&files),
        vec!["src/extra/mod.rs:1: folder src/extra/ has no layer in docs/ARCHITECTURE.md §3"]
    );
}

#[test]
fn layer_table_errors_are_reported() {
    assert!(parse_layer_table("| layer | folder | owns | may use |\n").is_err());
    let bad = "<!-- layers:begin -->\n| layer | folder | owns | may use |\n|---|---|---|---|\n\
               | wire | `src/wire/` | codecs | modle |\n<!-- layers:end -->\n";
    assert_eq!(
        parse_layer_table(bad).unwrap_err(),
        "layer wire: may use unknown layer `modle`"
    );
    let t = fixture_table();
    let model = t.by_folder("model").unwrap();
    assert!(model.may_use.is_empty());
    let cli = t.by_folder("cli").unwrap();
    assert_eq!(cli.may_use.len(), 9);
}

#[test]
fn lexer_keeps_lines_and_drops_literals() {
    let toks = lex("a /* x\n y */ b\n\"s\nt\" c 'x' 'l d r#type");
    let idents: Vec<(String, usize)> = toks
        .iter()
        .filter_map(|t| match &t.tok {
            Tok::Ident(s) => Some((s.clone(), t.line)),
            _ => None,
        })
        .collect();
    let want = [("a", 1), ("b", 2), ("c", 4), ("d", 4), ("type", 4)];
    assert_eq!(idents, want.map(|(s, l)| (s.to_string(), l)).to_vec());
}
