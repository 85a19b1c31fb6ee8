//! `include = "FILE"` at the top of a profile (docs/scenarios.md): the profile starts from
//! another one, relative to its own folder, and overrides parts of it. The merge is on the
//! TOML values: a table merges key by key (recursively), anything else (a number, a string, an
//! array, an array of tables such as `[[personas]]` or `[[visited]]`) replaces the included
//! value whole. An included file may include another; a cycle is an error naming the files.
//! The file paths a profile names (links) stay relative to the file that names them.

use std::path::{Path, PathBuf};

use super::ConfigError;

/// Reads `path` with its includes resolved, as one TOML table.
pub fn read_merged(path: &Path) -> Result<toml::Table, ConfigError> {
    read_chain(path, &mut Vec::new())
}

fn read_chain(path: &Path, seen: &mut Vec<PathBuf>) -> Result<toml::Table, ConfigError> {
    let file = path.display().to_string();
    let err = |message: String| ConfigError {
        file: file.clone(),
        line: None,
        column: None,
        field: None,
        message,
    };
    let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if seen.contains(&key) {
        return Err(err("includes itself (an include cycle)".into()));
    }
    seen.push(key);
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut table: toml::Table =
        toml::from_str(&text).map_err(|e| ConfigError::from_toml(&file, &text, &e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    anchor_paths(&mut table, base);
    let Some(include) = table.remove("include") else {
        return Ok(table);
    };
    let Some(name) = include.as_str() else {
        return Err(ConfigError::invalid(
            &file,
            "include",
            "must be a file name, e.g. \"../default.toml\"",
        ));
    };
    let mut merged = read_chain(&base.join(name), seen)?;
    merge(&mut merged, table);
    Ok(merged)
}

/// Makes the file paths a profile names (`[[visited]] link`, `[charging] link`) relative to
/// the file that names them, not to the file that includes it: they are joined to `base`.
fn anchor_paths(table: &mut toml::Table, base: &Path) {
    let anchor = |v: &mut toml::Value| {
        if let Some(s) = v
            .as_str()
            .filter(|s| *s != "none" && Path::new(s).is_relative())
        {
            *v = toml::Value::String(base.join(s).display().to_string());
        }
    };
    if let Some(toml::Value::Array(visited)) = table.get_mut("visited") {
        for v in visited.iter_mut().filter_map(toml::Value::as_table_mut) {
            v.get_mut("link").map(anchor);
        }
    }
    if let Some(toml::Value::Table(c)) = table.get_mut("charging") {
        c.get_mut("link").map(anchor);
    }
}

/// Puts `over` on top of `base`: tables merge, every other value replaces.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Whether a profile's text starts from another (an `include` key at its top level).
pub fn has_include(text: &str) -> bool {
    text.lines()
        .take_while(|l| !l.trim_start().starts_with('['))
        .any(|l| {
            l.trim_start()
                .strip_prefix("include")
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
}

#[cfg(test)]
mod tests;
