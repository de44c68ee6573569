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
        if !text.is_empty() && !text.starts_with(&want) && widen(path, &text, header)? {
            // Results of an older deck, whose table had only the first of these columns: every
            // row gets the new ones empty (rewritten whole, then renamed over the file).
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

/// If the table's header is the first columns of `header`, rewrite it with the others added,
/// empty, to every row; `false` (nothing written) otherwise.
fn widen(path: &Path, text: &[u8], header: &[&str]) -> io::Result<bool> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text);
    let old: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(_) => return Ok(false),
    };
    if old.len() >= header.len() || old.iter().zip(header).any(|(a, b)| a != b) {
        return Ok(false);
    }
    let mut out = encode(header.iter().copied());
    for rec in reader.records() {
        let Ok(rec) = rec else {
            // A row cut short by a crash: it is dropped, as `open` drops one.
            break;
        };
        let fields = rec
            .iter()
            .map(str::to_string)
            .chain(std::iter::repeat_n(String::new(), header.len() - rec.len()));
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

/// The (variant, workload, rep) of every run already recorded in `runs.csv`, for `--resume`.
pub fn finished_runs(path: &Path) -> io::Result<BTreeSet<(String, String, u32)>> {
    let mut done = BTreeSet::new();
    if !path.exists() {
        return Ok(done);
    }
    let mut reader = csv::Reader::from_path(path).map_err(io::Error::other)?;
    let headers = reader.headers().map_err(io::Error::other)?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(v), Some(w), Some(r)) = (col("variant"), col("workload"), col("rep")) else {
        return Ok(done);
    };
    for record in reader.records() {
        // A row cut short by a crash is not a finished run.
        let Ok(record) = record else { continue };
        if let (Some(variant), Some(workload), Some(rep)) = (
            record.get(v),
            record.get(w),
            record.get(r).and_then(|x| x.parse().ok()),
        ) {
            done.insert((variant.to_string(), workload.to_string(), rep));
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
        let header = ["variant", "workload", "rep", "note"];
        {
            let mut t = Table::open(&path, &header).unwrap();
            t.row(["a", "x", "1", "plain"]).unwrap();
            t.row(["a", "x", "2", "comma, \"quote\"\nnewline"]).unwrap();
        }
        // A crash in the middle of a row.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"b,x,1,half").unwrap();
        drop(f);
        let mut t = Table::open(&path, &header).unwrap();
        t.row(["b", "x", "1", "again"]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "variant,workload,rep,note\na,x,1,plain\na,x,2,\"comma, \"\"quote\"\"\nnewline\"\nb,x,1,again\n"
        );
        let done = finished_runs(&path).unwrap();
        let want: BTreeSet<_> = [("a", "x", 1), ("a", "x", 2), ("b", "x", 1)]
            .iter()
            .map(|(v, w, r)| (v.to_string(), w.to_string(), *r))
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
}
