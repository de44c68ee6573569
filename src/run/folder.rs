//! The results folder between sessions: earlier results archived (and put back when a session
//! measured nothing), the rows a partial or `--append` session does not measure again carried
//! over, tables of an older deck given the columns it lacked, and `variants.csv` written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::config::{Bench, VariantKind};
use super::meta::{self, Meta};
use super::record::{self, Table};
use super::report::one_line;
use super::tables::{
    BUILDS, BUILDS_COLUMNS, HOST, MEASURED, META, RESULT_FILES, RUNS, VARIANTS, VARIANTS_COLUMNS,
    recorded, recorded_where,
};

/// Move the results in `out` into `archive/<time>/`; `None` if there were none.
pub(super) fn archive(out: &Path) -> anyhow::Result<Option<PathBuf>> {
    let present: Vec<&str> = RESULT_FILES
        .iter()
        .copied()
        .filter(|f| out.join(f).exists())
        .collect();
    if present.is_empty() {
        return Ok(None);
    }
    let stamp = meta::now().replace(':', "-");
    let mut dir = out.join("archive").join(&stamp);
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = out.join("archive").join(format!("{stamp}-{n}"));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in present.iter().copied().chain(["logs"]) {
        let from = out.join(f);
        if from.exists() {
            std::fs::rename(&from, dir.join(f))
                .with_context(|| format!("cannot move {} to {}", from.display(), dir.display()))?;
        }
    }
    Ok(Some(dir))
}

/// Undo [`archive`]: this session's files removed, the archived ones moved back.
pub(super) fn restore(out: &Path, archive: &Path) -> anyhow::Result<()> {
    for f in RESULT_FILES.iter().copied().chain(["logs"]) {
        let here = out.join(f);
        if here.is_dir() {
            std::fs::remove_dir_all(&here)?;
        } else if here.exists() {
            std::fs::remove_file(&here)?;
        }
        let back = archive.join(f);
        if back.exists() {
            std::fs::rename(&back, &here)
                .with_context(|| format!("cannot move {} back", back.display()))?;
        }
    }
    std::fs::remove_dir(archive).ok();
    if let Some(parent) = archive.parent() {
        std::fs::remove_dir(parent).ok();
    }
    Ok(())
}

/// Give the tables of `dir` written before results had a `host` column theirs (the machine
/// its `meta.json` names), so old and new rows can be told apart and kept together.
pub(super) fn add_hosts(dir: &Path) -> anyhow::Result<()> {
    let host = Meta::legacy_host(&dir.join(META));
    for (file, columns) in MEASURED {
        let path = dir.join(file);
        let Ok(text) = std::fs::read(&path) else {
            continue;
        };
        if !text.is_empty() && !text.starts_with(format!("{HOST},").as_bytes()) {
            record::widen(&path, &text, columns, &[(HOST, host.as_str())])
                .with_context(|| format!("cannot add the host column to {}", path.display()))?;
        }
    }
    Ok(())
}

/// Append the rows of an archived results file that `keep` accepts to the new one; a file from
/// another version of deck (other columns than `columns`) is left in the archive.
fn copy_rows(
    out: &Path,
    archive: &Path,
    file: &str,
    columns: &[&str],
    mut keep: impl FnMut(&csv::StringRecord) -> bool,
) -> anyhow::Result<()> {
    let from = archive.join(file);
    if !from.exists() {
        return Ok(());
    }
    let mut reader = csv::Reader::from_path(&from)?;
    let headers = reader.headers()?.clone();
    if headers.iter().ne(columns.iter().copied()) {
        return Ok(());
    }
    let mut table = Table::open(&out.join(file), columns)?;
    for rec in reader.records() {
        let Ok(rec) = rec else { continue };
        if keep(&rec) {
            table.row(rec.iter())?;
        }
    }
    table.sync()?;
    Ok(())
}

/// After archiving, the rows this session does not measure again come back, so the results
/// stay whole: a row stays unless its (host, variant, workload) is in `measured` (a table without
/// a workload column: its (host, variant)).
pub(super) fn carry_over(
    out: &Path,
    archive: &Path,
    measured: &BTreeSet<(String, String, String)>,
) -> anyhow::Result<()> {
    let variants: BTreeSet<(&str, &str)> = measured
        .iter()
        .map(|(h, v, _)| (h.as_str(), v.as_str()))
        .collect();
    for (file, columns) in MEASURED {
        let col = |name: &str| columns.iter().position(|c| *c == name);
        let (h_col, v_col, w_col) = (col(HOST), col("variant"), col("workload"));
        copy_rows(out, archive, file, columns, |rec| {
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or_default();
            let (h, v) = (get(h_col), get(v_col));
            match w_col {
                Some(_) => {
                    !measured.contains(&(h.to_string(), v.to_string(), get(w_col).to_string()))
                }
                None => !variants.contains(&(h, v)),
            }
        })?;
    }
    Ok(())
}

/// `--reuse-images`: the build rows (of `hosts`, the engines of this session) and logs of the
/// images reused come back from the archive (rows already carried over are not doubled).
pub(super) fn carry_builds(
    out: &Path,
    archive: &Path,
    hosts: &BTreeSet<String>,
) -> anyhow::Result<()> {
    let have = recorded(&out.join(BUILDS), &[HOST, "variant", "image_id"])?;
    // BUILDS_COLUMNS: host, variant, kind, seconds, image_id.
    copy_rows(out, archive, BUILDS, BUILDS_COLUMNS, |rec| {
        hosts.contains(&rec[0])
            && !have.contains(&vec![
                rec[0].to_string(),
                rec[1].to_string(),
                rec[4].to_string(),
            ])
    })?;
    carry_logs(out, archive)
}

/// The archived build logs come back beside the rows carried over (a log this session writes
/// again replaces its copy).
pub(super) fn carry_logs(out: &Path, archive: &Path) -> anyhow::Result<()> {
    let logs = archive.join("logs");
    if let Ok(entries) = std::fs::read_dir(&logs) {
        let dest = out.join("logs");
        std::fs::create_dir_all(&dest)?;
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with("build-") && !dest.join(&name).exists() {
                std::fs::copy(e.path(), dest.join(&name))
                    .with_context(|| format!("cannot copy {}", e.path().display()))?;
            }
        }
    }
    Ok(())
}

/// `variants.csv`: every variant of deck.toml, how it is made, and whether it was measured (on
/// any engine); `notes` says why a variant was left out.
pub(super) fn write_variants(
    out: &Path,
    bench: &Bench,
    notes: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<()> {
    let ok_runs = recorded_where(&out.join(RUNS), "status", "ok")?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(VARIANTS_COLUMNS)?;
    for v in &bench.variants {
        let (kind, source) = match &v.kind {
            VariantKind::Dockerfile(f) => ("dockerfile", f.display().to_string()),
            VariantKind::Image(i) => ("image", i.clone()),
            VariantKind::Local => ("local", String::new()),
        };
        let measured = ok_runs.contains(&v.name);
        let note = notes
            .get(&v.name)
            .map(|e| one_line(e))
            .or_else(|| v.skip.clone())
            .unwrap_or_default();
        w.write_record([
            v.name.as_str(),
            kind,
            source.as_str(),
            &v.limits.cpus.map_or(String::new(), |c| c.to_string()),
            &v.limits.memory.map_or(String::new(), |m| m.to_string()),
            v.limits.cpuset.as_deref().unwrap_or(""),
            if measured { "true" } else { "false" },
            note.as_str(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::output::write_atomic(&out.join(VARIANTS), &bytes)
}
