//! Marp projects as marp-cli 4.5 reads them: its configuration files (`.marprc.yml`,
//! `marp.config.mjs`, the `marp` key of `package.json`, ...) and its command line, turned into
//! deck's build options.
//!
//! - `doc.rs`: a config file of any format as one JSON value with the span of each key;
//! - `js/`: JavaScript configs read as literals, never run;
//! - `config.rs`: where marp-cli looks for its config, and its keys, typed and checked;
//! - `invocation.rs`: a command line and a config merged as marp-cli merges them (the command
//!   line wins), giving deck's [`BuildOptions`](crate::pipeline::BuildOptions) and what to write.

pub mod config;
pub mod doc;
pub mod invocation;
pub mod js;

/// The file extensions marp-cli converts (`marp DIR`, `-I DIR`), compared as written.
pub const MARKDOWN_EXTENSIONS: &[&str] = &["md", "mdown", "markdown", "markdn"];

/// Whether a file name has one of Marp's Markdown extensions.
pub fn is_markdown_name(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MARKDOWN_EXTENSIONS.contains(&e))
}

/// Every Markdown file under `dir`, as marp-cli finds them for `marp DIR` and `-I DIR`:
/// recursively, [`MARKDOWN_EXTENSIONS`] only, no hidden files or folders, no `node_modules`;
/// sorted, so builds are in a stable order.
pub fn markdown_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    walk(dir, &mut |p| {
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_markdown_name)
        {
            found.push(p.to_path_buf());
        }
    });
    found.sort();
    found
}

/// The files a glob pattern matches, as marp-cli's glob does: sorted, none under
/// `node_modules`; `Err` for a pattern that is not one.
pub fn glob_files(pattern: &str) -> Result<Vec<std::path::PathBuf>, String> {
    let paths = glob::glob(pattern).map_err(|e| e.msg.to_string())?;
    let mut found: Vec<std::path::PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file() && !p.components().any(|c| c.as_os_str() == "node_modules"))
        .collect();
    found.sort();
    Ok(found)
}

/// Every `*.css` file under `dir` (theme-set folders), in marp-cli's order: a folder's own files
/// before those of its subfolders (so a deeper theme of the same name wins, as in Marp).
pub fn css_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    walk(dir, &mut |p| {
        if p.extension().is_some_and(|e| e == "css") {
            found.push(p.to_path_buf());
        }
    });
    found.sort_by_key(|p| (p.components().count(), p.clone()));
    found
}

/// Visit the files under `dir`, skipping hidden entries and `node_modules`; symlinked folders
/// are not followed (a loop cannot make the walk endless).
fn walk(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let Ok(kind) = e.file_type() else {
            continue;
        };
        let path = e.path();
        if kind.is_dir() {
            walk(&path, f);
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            f(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markdown_as_marp_does() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "index.md",
            "README.md",
            ".hidden.md",
            ".dot/h.md",
            "node_modules/p/n.md",
            "sub/a.md",
            "sub/c.mdown",
            "sub/d.markdn",
            "sub/e.mkd",
            "sub/G.MD",
            "sub/deep/b.markdown",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "# x\n").unwrap();
        }
        let names: Vec<String> = markdown_files(d)
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "README.md",
                "index.md",
                "sub/a.md",
                "sub/c.mdown",
                "sub/d.markdn",
                "sub/deep/b.markdown"
            ]
        );
    }

    #[test]
    fn a_folders_own_themes_come_before_its_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "z/x.css",
            "b.css",
            "a.css",
            "node_modules/n.css",
            "z/y.scss",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let names: Vec<String> = css_files(d)
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.css", "b.css", "z/x.css"]);
    }
}
