//! Counting in bounded memory: per group, a table from 64-bit keys to how many documents hold
//! them and where, with a cap on distinct keys (lossy counting: past the cap, keys seen in the
//! fewest documents are dropped, which only ever forgets rare keys); and the spill, a temporary file
//! of each document's hits, read back once to measure what the accepted rules would remove.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use super::mine::{DocSummary, HEAD_ZONE, Kind, TAIL_ZONE};

/// What the table knows of one key.
#[derive(Clone, Debug)]
pub struct Stats {
    /// What the key stands for.
    pub kind: Kind,
    /// Documents holding it.
    pub docs: u32,
    /// Documents where it sits among the first `HEAD_ZONE` lines.
    pub head: u32,
    /// Documents where it sits among the last `TAIL_ZONE` lines.
    pub tail: u32,
    /// The farthest from the start (0-based line) and from the end (0: the last line) it was seen.
    pub max_from_start: u32,
    /// See `max_from_start`.
    pub max_from_end: u32,
    /// Prefixes: documents where the rest of the line was short (a headline, a date).
    pub short_rest: u32,
    /// Prefixes and suffixes: documents where it was glued without a space.
    pub glued: u32,
    /// Its text, kept from its second document on (a key seen once is never worth its text).
    pub text: Option<Box<str>>,
    /// Pairs: the keys of the two lines.
    pub pair: Option<(u64, u64)>,
    /// Prefixes and suffixes: a whole line holding it, kept with its text.
    pub line: Option<Box<str>>,
}

/// Per-group counts with a cap on distinct keys.
#[derive(Debug)]
pub struct Table {
    /// Key → counts.
    pub map: HashMap<u64, Stats>,
    cap: usize,
    /// The most documents a key had when it was dropped (0: nothing was dropped): such keys may
    /// be counted short by that much.
    pub floor: u32,
}

impl Table {
    /// A table holding at most `cap` keys.
    pub fn new(cap: usize) -> Self {
        Table { map: HashMap::new(), cap: cap.max(1024), floor: 0 }
    }

    /// Holds at most `cap` keys from now on (forgetting the rarest now if it holds more).
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1024);
        if self.map.len() > self.cap {
            self.prune();
        }
    }

    /// Counts one document's keys.
    pub fn add(&mut self, doc: &DocSummary) {
        let lines = doc.lines.max(1);
        for (&k, f) in &doc.keys {
            let from_end = lines - 1 - f.last.min(lines - 1);
            let s = self.map.entry(k).or_insert_with(|| Stats {
                kind: f.kind,
                docs: 0,
                head: 0,
                tail: 0,
                max_from_start: 0,
                max_from_end: 0,
                short_rest: 0,
                glued: 0,
                text: None,
                pair: f.pair,
                line: None,
            });
            s.docs += 1;
            s.head += u32::from(f.first < HEAD_ZONE);
            s.tail += u32::from(from_end < TAIL_ZONE);
            s.max_from_start = s.max_from_start.max(f.last);
            s.max_from_end = s.max_from_end.max(lines - 1 - f.first.min(lines - 1));
            s.short_rest += u32::from(f.short_rest);
            s.glued += u32::from(f.glued);
            if s.docs >= 2 && s.text.is_none() && f.kind != Kind::Pair {
                s.text = Some(f.text.clone().into_boxed_str());
                s.line = (!f.line.is_empty()).then(|| f.line.clone().into_boxed_str());
            }
        }
        if self.map.len() > self.cap {
            self.prune();
        }
    }

    /// Drops the keys seen in the fewest documents (those in one document first, which are most
    /// of them: body lines) until the table is at three quarters of its cap.
    fn prune(&mut self) {
        let mut floor = 0;
        while self.map.len() > self.cap * 3 / 4 {
            floor += 1;
            self.map.retain(|_, s| s.docs > floor);
        }
        self.floor = self.floor.max(floor);
    }
}

/// One document's hits as the spill holds them.
pub struct SpilledDoc {
    /// Its group.
    pub group: u32,
    /// Its name: a path, or `path:LINE` for a record.
    pub name: String,
    /// Whether it is a whole file (an `[[overrides]]` path can leave it alone).
    pub file: bool,
    /// Text lines.
    pub lines: u32,
    /// Bytes of text.
    pub bytes: u64,
    /// (line, key, bytes removed).
    pub hits: Vec<(u32, u64, u32)>,
}

/// A temporary file of every document's hits, written as documents are counted.
pub struct Spill {
    out: BufWriter<File>,
}

impl Spill {
    /// A new, empty spill in the system's temporary directory (deleted when dropped).
    pub fn new() -> io::Result<Self> {
        Ok(Spill { out: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?) })
    }

    /// Appends one document.
    pub fn write(&mut self, group: u32, name: &str, file: bool, summary: &DocSummary) -> io::Result<()> {
        let o = &mut self.out;
        o.write_all(&group.to_le_bytes())?;
        o.write_all(&(name.len() as u32 | u32::from(file) << 31).to_le_bytes())?;
        o.write_all(name.as_bytes())?;
        o.write_all(&summary.lines.to_le_bytes())?;
        o.write_all(&summary.bytes.to_le_bytes())?;
        o.write_all(&(summary.hits.len() as u32).to_le_bytes())?;
        for &(line, key, bytes) in &summary.hits {
            o.write_all(&line.to_le_bytes())?;
            o.write_all(&key.to_le_bytes())?;
            o.write_all(&bytes.to_le_bytes())?;
        }
        Ok(())
    }

    /// Reads every document back, in the order written.
    pub fn read(self, mut each: impl FnMut(SpilledDoc)) -> io::Result<()> {
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(1 << 20, file);
        let u32_ = |r: &mut BufReader<File>| -> io::Result<Option<u32>> {
            let mut b = [0u8; 4];
            match r.read_exact(&mut b) {
                Ok(()) => Ok(Some(u32::from_le_bytes(b))),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                Err(e) => Err(e),
            }
        };
        let u64_ = |r: &mut BufReader<File>| -> io::Result<u64> {
            let mut b = [0u8; 8];
            r.read_exact(&mut b)?;
            Ok(u64::from_le_bytes(b))
        };
        let truncated = || io::Error::new(io::ErrorKind::UnexpectedEof, "spill file cut short");
        while let Some(group) = u32_(&mut r)? {
            let name_len = u32_(&mut r)?.ok_or_else(truncated)?;
            let mut name = vec![0; (name_len & !(1 << 31)) as usize];
            r.read_exact(&mut name)?;
            let name = String::from_utf8(name).map_err(|_| io::Error::other("spill file damaged"))?;
            let file = name_len >> 31 == 1;
            let lines = u32_(&mut r)?.ok_or_else(truncated)?;
            let bytes = u64_(&mut r)?;
            let n = u32_(&mut r)?.ok_or_else(truncated)?;
            let mut hits = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let line = u32_(&mut r)?.ok_or_else(truncated)?;
                let key = u64_(&mut r)?;
                let removed = u32_(&mut r)?.ok_or_else(truncated)?;
                hits.push((line, key, removed));
            }
            each(SpilledDoc { group, name, file, lines, bytes, hits });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::mine::Found;

    fn doc(keys: &[u64]) -> DocSummary {
        let mut d = DocSummary { lines: 10, ..DocSummary::default() };
        for (i, &k) in keys.iter().enumerate() {
            let f = Found {
                kind: Kind::Line,
                text: format!("line {k}"),
                first: i as u32,
                last: i as u32,
                bytes: 7,
                short_rest: false,
                glued: false,
                pair: None,
                line: String::new(),
            };
            d.keys.insert(k, f);
            d.hits.push((i as u32, k, 7));
        }
        d
    }

    #[test]
    fn pruning_keeps_the_keys_of_many_documents() {
        let mut t = Table::new(1024);
        for n in 0..3000u64 {
            t.add(&doc(&[1, 10_000 + n]));
        }
        assert_eq!(t.map[&1].docs, 3000);
        assert!(t.map.len() <= 1025 && t.floor >= 1);
        assert_eq!(t.map[&1].text.as_deref(), Some("line 1"));
    }

    #[test]
    fn the_spill_gives_back_what_was_written() {
        let mut spill = Spill::new().unwrap();
        spill.write(3, "a/b.txt", true, &doc(&[5, 6])).unwrap();
        spill.write(1, "c.jsonl:7", false, &doc(&[5])).unwrap();
        let mut seen = Vec::new();
        spill.read(|d| seen.push((d.group, d.name, d.file, d.hits.len()))).unwrap();
        assert_eq!(seen, vec![(3, "a/b.txt".to_owned(), true, 2), (1, "c.jsonl:7".to_owned(), false, 1)]);
    }
}
