//! Results tables written as they are measured: append-only CSV, one write per row, flushed, so a
//! crash or Ctrl-C keeps every finished row and `--resume` can carry on.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One CSV file being appended to.
pub struct Table {
    file: File,
    path: PathBuf,
}

impl Table {
    /// Open `path` for appending with this header: written if the file is new; checked if the file
    /// exists (a different header means another format: refuse rather than mix). A last line
    /// without its newline (a write cut short) is dropped.
    pub fn open(path: &Path, header: &[&str]) -> io::Result<Table> {
        Table::open_filling(path, header, &[])
    }

    /// [`Table::open`], where a column the file lacks gets `fill`'s value for it (or empty).
    pub fn open_filling(path: &Path, header: &[&str], fill: &[(&str, &str)]) -> io::Result<Table> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let want = encode(header.iter().copied());
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        if !text.is_empty() && !text.starts_with(&want) && widen(path, &text, header, fill)? {
            // Results of an older deck, whose table had only some of these columns: every row
            // gets the others (rewritten whole, then renamed over the file).
            file = OpenOptions::new().read(true).write(true).open(path)?;
            text.clear();
            file.read_to_end(&mut text)?;
        }
        if text.is_empty() {
            file.write_all(&want)?;
        } else {
            if !text.starts_with(&want) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} has other columns than deck writes ({}); move it away or use another output folder",
                        path.display(),
                        header.join(",")
                    ),
                ));
            }
            if !text.ends_with(b"\n") {
                let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                file.set_len(keep as u64)?;
            }
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Table {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Append one row (one write, then flushed to the OS).
    pub fn row<I, S>(&mut self, fields: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let bytes = encode(fields);
        self.file.write_all(&bytes)?;
        self.file.flush()
    }

    /// Make the rows so far durable (after each run, not each sample).
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// If the table's columns are some of `header`'s, in the same order, rewrite it with the others
/// added to every row (`fill`'s value, or empty); `false` (nothing written) otherwise.
pub fn widen(path: &Path, text: &[u8], header: &[&str], fill: &[(&str, &str)]) -> io::Result<bool> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text);
    let old: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(_) => return Ok(false),
    };
    // Where each of `header`'s columns is in the old table; the old ones in order.
    let at: Vec<Option<usize>> = header
        .iter()
        .map(|h| old.iter().position(|o| o == h))
        .collect();
    let found: Vec<usize> = at.iter().flatten().copied().collect();
    if old.len() >= header.len()
        || found.len() != old.len()
        || found.windows(2).any(|w| w[0] > w[1])
    {
        return Ok(false);
    }
    let mut out = encode(header.iter().copied());
    for rec in reader.records() {
        let Ok(rec) = rec else {
            // A row cut short by a crash: it is dropped, as `open` drops one.
            break;
        };
        let fields = header.iter().zip(&at).map(|(name, i)| match i {
            Some(i) => rec.get(*i).unwrap_or("").to_string(),
            None => fill
                .iter()
                .find(|(n, _)| n == name)
                .map_or(String::new(), |(_, v)| v.to_string()),
        });
        out.extend(encode(fields));
    }
    crate::output::write_atomic(path, &out).map_err(|e| io::Error::other(format!("{e:#}")))?;
    Ok(true)
}

fn encode<I, S>(fields: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let fields: Vec<S> = fields.into_iter().collect();
    // A record of one empty field would be written as an empty line: quote it.
    if fields.len() == 1 && fields[0].as_ref().is_empty() {
        return b"\"\"\n".to_vec();
    }
    let _ = w.write_record(fields.iter().map(|f| f.as_ref()));
    w.into_inner().unwrap_or_default()
}

/// The (host, variant, workload, rep) of every run already recorded in `runs.csv`, for `--resume`.
pub fn finished_runs(path: &Path) -> io::Result<BTreeSet<super::tables::RunKey>> {
    let mut done = BTreeSet::new();
    if !path.exists() {
        return Ok(done);
    }
    let mut reader = csv::Reader::from_path(path).map_err(io::Error::other)?;
    let headers = reader.headers().map_err(io::Error::other)?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(h), Some(v), Some(w), Some(r)) =
        (col("host"), col("variant"), col("workload"), col("rep"))
    else {
        return Ok(done);
    };
    for record in reader.records() {
        // A row cut short by a crash is not a finished run.
        let Ok(record) = record else { continue };
        if let (Some(host), Some(variant), Some(workload), Some(rep)) = (
            record.get(h),
            record.get(v),
            record.get(w),
            record.get(r).and_then(|x| x.parse().ok()),
        ) {
            done.insert((
                host.to_string(),
                variant.to_string(),
                workload.to_string(),
                rep,
            ));
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_appended_quoted_and_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/runs.csv");
        let header = ["host", "variant", "workload", "rep", "note"];
        {
            let mut t = Table::open(&path, &header).unwrap();
            t.row(["h", "a", "x", "1", "plain"]).unwrap();
            t.row(["h", "a", "x", "2", "comma, \"quote\"\nnewline"])
                .unwrap();
        }
        // A crash in the middle of a row.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"h,b,x,1,half").unwrap();
        drop(f);
        let mut t = Table::open(&path, &header).unwrap();
        t.row(["g", "b", "x", "1", "again"]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "host,variant,workload,rep,note\nh,a,x,1,plain\nh,a,x,2,\"comma, \"\"quote\"\"\nnewline\"\ng,b,x,1,again\n"
        );
        let done = finished_runs(&path).unwrap();
        let want: BTreeSet<_> = [("h", "a", "x", 1), ("h", "a", "x", 2), ("g", "b", "x", 1)]
            .iter()
            .map(|(h, v, w, r)| (h.to_string(), v.to_string(), w.to_string(), *r))
            .collect();
        assert_eq!(done, want);
    }

    #[test]
    fn another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        std::fs::write(&path, "something,else\n1,2\n").unwrap();
        let err = Table::open(&path, &["variant", "rep"]).err().unwrap();
        assert!(err.to_string().contains("has other columns"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "something,else\n1,2\n"
        );
    }

    #[test]
    fn an_older_table_gets_the_new_columns_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        std::fs::write(&path, "a,b\n1,\"two\nlines\"\n3,4\n").unwrap();
        let mut t = Table::open(&path, &["a", "b", "c"]).unwrap();
        t.row(["5", "6", "7"]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "a,b,c\n1,\"two\nlines\",\n3,4,\n5,6,7\n"
        );
        // Other columns are still refused.
        assert!(Table::open(&path, &["x", "b", "c", "d"]).is_err());
    }

    #[test]
    fn a_table_from_before_hosts_gets_its_host_in_front() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        std::fs::write(&path, "variant,rep\na,1\nb,2\n").unwrap();
        let mut t = Table::open_filling(
            &path,
            &["host", "variant", "rep", "note"],
            &[("host", "vm")],
        )
        .unwrap();
        t.row(["lab", "c", "3", "new"]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "host,variant,rep,note\nvm,a,1,\nvm,b,2,\nlab,c,3,new\n"
        );
        // Columns out of order are another format, not an older one.
        std::fs::write(&path, "rep,variant\n1,a\n").unwrap();
        assert!(Table::open(&path, &["host", "variant", "rep"]).is_err());
    }
}
