//! Making a batch of replacements durable with a few syncs instead of two per file: every
//! temporary file of the batch is written first, then one `syncfs(2)` per file system puts their
//! data on disk, then they are renamed into place, then one more sync per file system (or per
//! directory) makes the renames durable. Writing the files belongs to `replace`.
//!
//! The guarantees are those of a sync per file: no name ever points at data that is not on disk
//! (the data sync comes before any rename), and the batch's files are durable before
//! [`Batch::finish`] returns, which is when a caller may report them written.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::replace::Replacement;

/// A batch settles on its own once its temporary files hold this many bytes, so that a directory
/// of large files does not keep gigabytes of unsynced data (and of disk space) pending at once.
const MAX_BYTES: u64 = 64 << 20;
/// ... or once it holds this many files (the CLI's batches are this size already).
const MAX_FILES: usize = 256;

/// Replacements made durable together; shared by the threads that clean a batch's files.
#[derive(Debug, Default)]
pub struct Batch {
    pending: Mutex<Pending>,
    failed: Mutex<Vec<Failed>>,
}

#[derive(Debug, Default)]
struct Pending {
    items: Vec<Item>,
    bytes: u64,
}

/// A replacement with the key and path its caller knows it by.
#[derive(Debug)]
struct Item {
    key: usize,
    path: PathBuf,
    replacement: Replacement,
}

/// A replacement of the batch that failed: its target is as it was and its temporary file gone.
#[derive(Debug)]
pub struct Failed {
    /// The key it was added with.
    pub key: usize,
    /// The path it was added with (the one messages name).
    pub path: PathBuf,
    /// Why.
    pub error: io::Error,
}

impl Batch {
    /// Adds `replacement`, known to the caller by `key` and `path`. Nothing is in place or durable
    /// before [`Batch::finish`] (or before the batch grows past its bounds and settles what it
    /// holds; failures are kept for `finish` to return).
    pub fn add(&self, key: usize, path: &Path, replacement: Replacement) {
        let full = {
            let mut pending = self.pending.lock().expect("no thread panics holding the batch");
            pending.bytes += replacement.len();
            pending.items.push(Item { key, path: path.to_owned(), replacement });
            (pending.bytes >= MAX_BYTES || pending.items.len() >= MAX_FILES).then(|| std::mem::take(&mut *pending))
        };
        if let Some(full) = full {
            let failed = settle(full.items);
            self.failed.lock().expect("no thread panics holding the failures").extend(failed);
        }
    }

    /// Puts every replacement into place, durably, and returns those that failed (their targets
    /// left as they were, their temporary files removed); the others are on disk under their
    /// names when this returns.
    pub fn finish(self) -> Vec<Failed> {
        let pending = self.pending.into_inner().expect("no thread panics holding the batch");
        let mut failed = self.failed.into_inner().expect("no thread panics holding the failures");
        failed.extend(settle(pending.items));
        failed.sort_by_key(|f| f.key);
        failed
    }
}

/// The four steps: the temporary files are written already; their data is synced, they are
/// renamed into place, and the renames are synced.
fn settle(items: Vec<Item>) -> Vec<Failed> {
    let mut failed = Vec::new();
    let synced = sync_data(items, &mut failed);
    let mut renamed: BTreeMap<u64, Vec<PathBuf>> = BTreeMap::new();
    for Item { key, path, replacement } in synced {
        let (device, dir) = (replacement.device(), replacement.dir().to_owned());
        match replacement.rename_into_place() {
            Ok(()) => renamed.entry(device).or_default().push(dir),
            Err(error) => failed.push(Failed { key, path, error }),
        }
    }
    for (_, mut dirs) in renamed {
        dirs.sort();
        dirs.dedup();
        sync_names(&dirs);
    }
    failed
}

/// Puts the data of the temporary files on disk: one sync of each file system holding more than
/// one of them, else a sync of the file. Returns the files synced, in their order; the others go
/// to `failed`.
fn sync_data(items: Vec<Item>, failed: &mut Vec<Failed>) -> Vec<Item> {
    let mut per_device: BTreeMap<u64, usize> = BTreeMap::new();
    for item in &items {
        *per_device.entry(item.replacement.device()).or_default() += 1;
    }
    let mut synced_devices = Vec::new();
    for item in &items {
        let device = item.replacement.device();
        if per_device[&device] > 1
            && !synced_devices.contains(&device)
            && item.replacement.open_temp().is_ok_and(|file| whole::sync(&file))
        {
            synced_devices.push(device);
        }
    }
    let mut synced = Vec::with_capacity(items.len());
    for item in items {
        if synced_devices.contains(&item.replacement.device()) {
            synced.push(item);
            continue;
        }
        // One file, a file system a whole sync is not trusted on, or a whole sync that failed
        // (it cannot say which file's data it lost): a sync of each file, which can.
        match item.replacement.open_temp().and_then(|file| file.sync_all()) {
            Ok(()) => synced.push(item),
            Err(error) => failed.push(Failed { key: item.key, path: item.path, error }),
        }
    }
    synced
}

/// Makes the renames into `dirs` (all on one file system) durable: one sync of the file system
/// when there are several directories, else a sync of the directory. Best effort, as the files
/// are in place whole either way (only whether a rename survives a power cut is at stake), and
/// some file systems refuse to sync a directory.
fn sync_names(dirs: &[PathBuf]) {
    if dirs.len() > 1 && fs::File::open(&dirs[0]).is_ok_and(|dir| whole::sync(&dir)) {
        return;
    }
    for dir in dirs {
        let _ = fs::File::open(dir).and_then(|dir| dir.sync_all());
    }
}

/// A sync of the whole file system a file is on, where it can be trusted.
#[cfg(target_os = "linux")]
mod whole {
    use std::sync::OnceLock;

    /// FUSE file systems take `fsync` to their server but `syncfs` only to the kernel's cache.
    const FUSE_SUPER_MAGIC: u64 = 0x6573_5546;

    /// Syncs the file system `file` is on; false if it was not done or failed, and each file must
    /// be synced by itself.
    pub(super) fn sync(file: &std::fs::File) -> bool {
        if !reports_errors() {
            return false;
        }
        // `f_type`'s integer type depends on the architecture; the magic numbers are 32 bits.
        let fuse = match rustix::fs::fstatfs(file) {
            Ok(fs) => fs.f_type as u64 & 0xffff_ffff == FUSE_SUPER_MAGIC,
            Err(_) => true,
        };
        !fuse && rustix::fs::syncfs(file).is_ok()
    }

    /// True if `syncfs(2)` reports a failed write-back (an I/O error, a disk full on delayed
    /// allocation), as it does since Linux 5.8; before, it returned 0 whatever happened, and a
    /// file whose data never reached the disk would be renamed into place unseen.
    fn reports_errors() -> bool {
        static REPORTS: OnceLock<bool> = OnceLock::new();
        *REPORTS.get_or_init(|| {
            let uname = rustix::system::uname();
            let release = uname.release().to_string_lossy();
            let mut numbers = release.split(|c: char| !c.is_ascii_digit()).map(|n| n.parse::<u32>().unwrap_or(0));
            (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0)) >= (5, 8)
        })
    }
}

/// Elsewhere each file is synced by itself.
#[cfg(not(target_os = "linux"))]
mod whole {
    pub(super) fn sync(_file: &std::fs::File) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::files::Spool;

    fn replacement(target: &Path, text: &str) -> Replacement {
        let mut spool = Spool::for_target(target);
        spool.write_all(text.as_bytes()).unwrap();
        spool.prepare(target, None, None).unwrap()
    }

    #[test]
    fn nothing_is_in_place_before_finish_and_everything_is_after() {
        let dir = tempfile::tempdir().unwrap();
        let batch = Batch::default();
        for k in 0..5 {
            let target = dir.path().join(format!("{k}.txt"));
            fs::write(&target, "old").unwrap();
            batch.add(k, &target, replacement(&target, "new"));
        }
        assert_eq!(fs::read_to_string(dir.path().join("3.txt")).unwrap(), "old");
        assert!(batch.finish().is_empty());
        for k in 0..5 {
            assert_eq!(fs::read_to_string(dir.path().join(format!("{k}.txt"))).unwrap(), "new");
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 5, "no temporary file left behind");
    }

    #[test]
    fn a_file_changed_while_pending_fails_alone_and_keeps_its_change() {
        let dir = tempfile::tempdir().unwrap();
        let batch = Batch::default();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        for (key, target) in [a.clone(), b.clone()].iter().enumerate() {
            fs::write(target, "old\n").unwrap();
            let read = crate::files::Stamp::of(target).unwrap();
            let mut spool = Spool::for_target(target);
            spool.write_all(b"new\n").unwrap();
            batch.add(key, target, spool.prepare(target, None, Some(read)).unwrap());
        }
        fs::write(&a, "old\nand more\n").unwrap();
        let failed = batch.finish();
        assert_eq!(failed.len(), 1);
        assert_eq!((failed[0].key, failed[0].path.as_path()), (0, a.as_path()));
        assert!(failed[0].error.to_string().contains("changed on disk"), "{}", failed[0].error);
        assert_eq!(fs::read_to_string(&a).unwrap(), "old\nand more\n");
        assert_eq!(fs::read_to_string(&b).unwrap(), "new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left behind");
    }

    #[test]
    fn a_batch_past_its_bounds_settles_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let batch = Batch::default();
        for k in 0..MAX_FILES + 3 {
            let target = dir.path().join(format!("{k}.txt"));
            batch.add(k, &target, replacement(&target, "new"));
        }
        assert!(dir.path().join("0.txt").exists(), "the first {MAX_FILES} are in place");
        assert!(!dir.path().join(format!("{}.txt", MAX_FILES + 1)).exists(), "the rest wait for finish");
        assert!(batch.finish().is_empty());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), MAX_FILES + 3);
    }
}
