//! Which source a document belongs to: the directory holding it (the default), its first DEPTH
//! directories below the argument, or the part of its path a glob names (`sites/*`). A site's
//! residue is learned from its own documents only.

use std::path::{Component, Path};

use globset::{Glob, GlobMatcher};

use crate::files::Input;

/// How documents are grouped.
#[derive(Clone, Debug)]
pub enum GroupBy {
    /// By the directory that holds each document (relative to the argument it was found under).
    Dir,
    /// By its first N directories below the argument (0: one group per argument).
    Depth(usize),
    /// By the leading directories of its path (below the argument) that the glob matches; a
    /// document under none is in the group `other`.
    Glob(GlobMatcher),
    /// JSON lines: each record is a document, grouped by the value of this field (a dotted path);
    /// a record without it is in the group `(none)`.
    JsonField(Vec<String>),
}

impl GroupBy {
    /// Parses `--group-by`: `dir`, a number, a glob, or `json-field NAME`.
    pub fn parse(words: &[String]) -> Result<GroupBy, String> {
        match words {
            [dir] if dir == "dir" => Ok(GroupBy::Dir),
            [n] if n.parse::<usize>().is_ok() => Ok(GroupBy::Depth(n.parse().expect("checked"))),
            [field, name] if field == "json-field" => match name.split('.').any(str::is_empty) {
                true => Err(format!("--group-by json-field `{name}`: an empty name (a dotted path is `a.b`)")),
                false => Ok(GroupBy::JsonField(name.split('.').map(str::to_owned).collect())),
            },
            [field] if field == "json-field" => {
                Err("--group-by json-field needs the field's NAME (`--group-by json-field site`)".to_owned())
            }
            [glob] => Glob::new(glob)
                .map(|g| GroupBy::Glob(g.compile_matcher()))
                .map_err(|e| format!("bad --group-by glob `{glob}`: {}", e.kind())),
            _ => Err("--group-by takes `dir`, a depth (a number), a glob, or `json-field NAME`".to_owned()),
        }
    }

    /// The group of a file (a record's is the value of its field).
    pub fn group_of(&self, input: &Input) -> String {
        let dirs: Vec<String> = input
            .relative
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        let root = || root_name(input);
        match self {
            GroupBy::Dir | GroupBy::JsonField(_) if dirs.is_empty() => root(),
            GroupBy::Dir | GroupBy::JsonField(_) => dirs.join("/"),
            GroupBy::Depth(0) => root(),
            GroupBy::Depth(_) if dirs.is_empty() => root(),
            GroupBy::Depth(n) => dirs[..(*n).min(dirs.len())].join("/"),
            GroupBy::Glob(glob) => (1..=dirs.len())
                .map(|k| dirs[..k].join("/"))
                .find(|prefix| glob.is_match(prefix))
                .unwrap_or_else(|| "other".to_owned()),
        }
    }
}

/// The name of the argument a document was found under (its directory's name; `.` as the
/// current directory's).
fn root_name(input: &Input) -> String {
    let depth = input.relative.components().count();
    let mut root = input.path.as_path();
    for _ in 0..depth {
        root = root.parent().unwrap_or(root);
    }
    let root = if root.as_os_str().is_empty() { Path::new(".") } else { root };
    let resolved = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    resolved.file_name().map_or_else(|| "corpus".to_owned(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn input(path: &str, relative: &str) -> Input {
        Input { path: PathBuf::from(path), relative: PathBuf::from(relative) }
    }

    #[test]
    fn groups_by_dir_depth_and_glob() {
        let i = input("/c/news/bugle/2024/a.txt", "news/bugle/2024/a.txt");
        assert_eq!(GroupBy::Dir.group_of(&i), "news/bugle/2024");
        assert_eq!(GroupBy::Depth(2).group_of(&i), "news/bugle");
        assert_eq!(GroupBy::parse(&["news/*".into()]).unwrap().group_of(&i), "news/bugle");
        assert_eq!(GroupBy::parse(&["blogs/*".into()]).unwrap().group_of(&i), "other");
        let by_field = GroupBy::parse(&["json-field".into(), "meta.site".into()]).unwrap();
        assert_eq!(by_field.json_field(), Some(&["meta".to_owned(), "site".to_owned()][..]));
        assert!(GroupBy::parse(&["json-field".into(), "a..b".into()]).is_err());
    }
}
