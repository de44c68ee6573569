//! `deck run` end to end: the real binary against a real Docker engine (test images are built
//! `FROM scratch` with a static busybox, containers get no network), and local variants.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::engine::{DOCKERFILE, engine_or_skip};
use common::project::Project;

/// Removes the test project's images when the test ends, however it ends.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for image in &self.0 {
            let _ = Command::new("docker")
                .args(["rmi", "-f", image])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The image deck tags for a variant of the project `p`.
fn image_of(p: &Project, variant: &str) -> String {
    let id = deck::run::runner::project_id(&p.path("").canonicalize().unwrap());
    format!("deck-{id}/{variant}:latest")
}

/// A project with a busybox image variant `bb` and these `[bench]` lines and workloads.
fn bench_project(busybox: &Path, bench: &str) -> Project {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new()
        .file(
            "dockerfiles/bb/Dockerfile",
            format!("{DOCKERFILE}ARG GREETING=unset\nRUN echo \"$GREETING\" > /greeting\n"),
        )
        .file("dockerfiles/bb/busybox", std::fs::read(busybox).unwrap())
        .file(
            "work/report.sh",
            "echo \"{\\\"loops\\\": $1, \\\"phase\\\": {\\\"spin_s\\\": 1.5}}\"\n",
        )
        .file("deck.toml", format!("[bench]\n{bench}\n"));
    // The build context keeps file modes, as `docker build` does.
    std::fs::set_permissions(
        p.path("dockerfiles/bb/busybox"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    p
}

/// Wait (up to `limit`) until the file at `path` exists and `ready` holds for its text; `what`
/// names what is waited for in the failure.
fn wait_for_file(path: &Path, limit: Duration, what: &str, ready: impl Fn(&str) -> bool) {
    let t0 = Instant::now();
    while !std::fs::read_to_string(path).is_ok_and(|t| ready(&t)) {
        assert!(t0.elapsed() < limit, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Give a test's image a build-cache chain of its own (a label right after `FROM`): another test
/// removing its image must not take cached layers this test counts on.
fn own_cache(p: &Project, test: &str) {
    let path = p.path("dockerfiles/bb/Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "FROM scratch\n",
        &format!("FROM scratch\nLABEL deck.test={test}\n"),
        1,
    );
    std::fs::write(&path, text).unwrap();
}

/// The build log of variant `v` when no engine is named: the engine is called by its machine's
/// name (the test's own dockerd runs here).
fn build_log(v: &str) -> String {
    let host = deck::run::meta::host_name();
    format!("data/logs/build-{v}@{}.log", deck::run::runner::slug(&host))
}

/// The project's `data/meta.json`.
fn meta_of(p: &Project) -> serde_json::Value {
    serde_json::from_str(&p.read("data/meta.json")).unwrap()
}

/// Rows of a results CSV as maps from column to value.
fn rows(p: &Project, file: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(p.path(file)).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// `deck ARGS` in the project with these environment variables (the engine's, mostly). The TLS
/// variables are removed unless given: bollard takes a set but empty DOCKER_TLS_VERIFY as "yes".
fn deck_with(p: &Project, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deck"));
    cmd.args(args)
        .current_dir(p.path(""))
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn num(row: &std::collections::BTreeMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

/// A loop that keeps one core busy for about 2-3 s in busybox's shell, then reports.
const SPIN: &str = "i=0; while [ $i -lt 1500000 ]; do i=$((i+1)); done";

#[test]
fn build_rebuild_from_cache_and_a_run_with_limits_and_samples() {
    let Some(bb) = engine_or_skip("build_rebuild_from_cache_and_a_run_with_limits_and_samples")
    else {
        return;
    };
    let p = bench_project(
        &bb,
        &format!(
            "repeat = 1\nwarmup = 0\ntimeout = \"60s\"\nsample_interval = \"250ms\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\ncpus = 1.0\nmemory = \"64m\"\nbuild_args = {{ GREETING = \"hello from ARG\" }}\n\n[bench.workloads.spin2]\n# two busy processes: under cpus = 1 they share one core\ncommand = [\"sh\", \"-c\", \"({SPIN}) & ({SPIN}); wait; sh /w/report.sh 1500000\"]\nmount = {{ \"work\" = \"/w\" }}\nprobe = [\"cat\", \"/greeting\"]\n"
        ),
    );
    let _images = Images(vec![image_of(&p, "bb")]);
    let run = p.deck(&["run"]).ok();
    let err = run.stderr();
    assert!(err.contains("built `bb`"), "{err}");

    let builds = rows(&p, "data/builds.csv");
    assert_eq!(builds.len(), 1, "{builds:?}");
    assert_eq!(builds[0]["kind"], "dockerfile");
    assert_eq!(builds[0]["cached"], "false");
    assert!(builds[0]["image_id"].starts_with("sha256:"));
    assert!(
        num(&builds[0], "size_bytes") > 500_000.0,
        "busybox is in the image"
    );
    assert!(p.read(&build_log("bb")).contains("Step 1/"));

    let runs = rows(&p, "data/runs.csv");
    assert_eq!(runs.len(), 1, "{runs:?}");
    let r = &runs[0];
    assert_eq!((r["status"].as_str(), r["exit_code"].as_str()), ("ok", "0"));
    assert!(num(r, "wall_s") > 1.0, "{r:?}");
    // Two busy processes, one CPU allowed: the container never gets much more than one core.
    let peak = num(r, "cpu_peak_pct");
    assert!(
        peak > 50.0 && peak < 125.0,
        "cpu_peak_pct {peak} under cpus = 1: {r:?}"
    );
    assert!(num(r, "mem_peak_bytes") > 0.0, "{r:?}");
    assert!(num(r, "cpu_user_s") > 0.5, "{r:?}");

    let samples = rows(&p, "data/samples.csv");
    assert!(!samples.is_empty(), "no samples");
    assert!(
        samples
            .iter()
            .all(|s| s["variant"] == "bb" && s["rep"] == "1")
    );
    assert!(
        samples
            .windows(2)
            .all(|w| num(&w[1], "t_s") > num(&w[0], "t_s"))
    );

    let metrics = rows(&p, "data/metrics.csv");
    let keys: Vec<(&str, &str)> = metrics
        .iter()
        .map(|m| (m["key"].as_str(), m["value"].as_str()))
        .collect();
    assert_eq!(keys, [("loops", "1500000"), ("phase.spin_s", "1.5")]);
    let probes = rows(&p, "data/probes.csv");
    assert_eq!(
        probes[0]["output"], "hello from ARG",
        "build_args reach the build"
    );

    let meta = meta_of(&p);
    assert!(
        meta["engines"][0]["version"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{meta}"
    );
    assert!(
        ["1", "2"].contains(&meta["engines"][0]["cgroup_version"].as_str().unwrap()),
        "{meta}"
    );
    assert!(meta["host"]["cores"].as_u64().unwrap() >= 1);
    assert_eq!(meta["project"]["config_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(meta["sessions"][0]["result"], "completed");
    let variants = rows(&p, "data/variants.csv");
    assert_eq!(
        (
            variants[0]["measured"].as_str(),
            variants[0]["cpus"].as_str()
        ),
        ("true", "1")
    );

    // Again: the previous results are archived, and the image comes from the build cache.
    let run = p.deck(&["run"]).ok();
    assert!(
        run.stderr().contains("earlier results moved to"),
        "{}",
        run.stderr()
    );
    let builds = rows(&p, "data/builds.csv");
    assert_eq!(builds[0]["cached"], "true", "{builds:?}");
    let archived: Vec<_> = std::fs::read_dir(p.path("data/archive")).unwrap().collect();
    assert_eq!(archived.len(), 1);

    // Measure again with the same image: nothing is built, the build row and log carry over.
    let run = p.deck(&["run", "--reuse-images"]).ok();
    let err = run.stderr();
    assert!(err.contains("reused; its build row carried over"), "{err}");
    assert!(!err.contains("built `bb`"), "{err}");
    assert_eq!(rows(&p, "data/builds.csv"), builds, "the build row is kept");
    assert!(p.read(&build_log("bb")).contains("Step 1/"));
    assert_eq!(rows(&p, "data/runs.csv").len(), 1, "the runs start afresh");
    let meta = meta_of(&p);
    let sessions = meta["sessions"].as_array().unwrap();
    assert_eq!(
        sessions.len(),
        2,
        "the session that built the image is kept: {meta}"
    );
    assert!(
        sessions[1]["command"]
            .as_str()
            .unwrap()
            .ends_with("run --reuse-images")
    );
    let archived: Vec<_> = std::fs::read_dir(p.path("data/archive")).unwrap().collect();
    assert_eq!(archived.len(), 2);

    // Without the image there is nothing to reuse: an error that says how to build it.
    let removed = Command::new("docker")
        .args(["rmi", "-f", &image_of(&p, "bb")])
        .output()
        .unwrap();
    assert!(removed.status.success(), "{removed:?}");
    let run = p.deck(&["run", "--reuse-images"]).fails();
    let err = run.stderr();
    assert!(
        err.contains("has no image") && err.contains("without --reuse-images"),
        "{err}"
    );
    assert_eq!(rows(&p, "data/runs.csv").len(), 1, "nothing was moved away");
}

#[test]
fn failures_timeouts_and_oom_kills_are_recorded_and_the_run_goes_on() {
    let Some(bb) =
        engine_or_skip("failures_timeouts_and_oom_kills_are_recorded_and_the_run_goes_on")
    else {
        return;
    };
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\ntimeout = \"3s\"\nmemory = \"16m\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n\n[bench.workloads.broken]\ncommand = [\"sh\", \"-c\", \"echo starting; echo 'no such input' >&2; exit 3\"]\n[bench.workloads.hangs]\ncommand = [\"sleep\", \"60\"]\n[bench.workloads.hungry]\n# doubles a string until the 16 MiB limit kills it\ncommand = [\"sh\", \"-c\", \"x=a; while true; do x=$x$x; done\"]\n[bench.workloads.fine]\ncommand = [\"true\"]\n",
    );
    let _images = Images(vec![image_of(&p, "bb")]);
    let t0 = Instant::now();
    let run = p.deck(&["run"]).fails();
    assert!(t0.elapsed() < Duration::from_secs(60), "{:?}", t0.elapsed());
    let err = run.stderr();
    assert!(err.contains("did not end ok"), "{err}");
    assert!(
        err.contains("no such input"),
        "the stderr tail is shown: {err}"
    );
    let runs = rows(&p, "data/runs.csv");
    let by: std::collections::BTreeMap<&str, &std::collections::BTreeMap<String, String>> =
        runs.iter().map(|r| (r["workload"].as_str(), r)).collect();
    assert_eq!(by.len(), 4, "every workload ran: {runs:?}");
    assert_eq!(by["broken"]["status"], "failed");
    assert_eq!(by["broken"]["exit_code"], "3");
    assert_eq!(by["broken"]["stderr_tail"], "no such input");
    assert_eq!(by["hangs"]["status"], "timeout");
    assert!(num(by["hangs"], "wall_s") < 6.0, "{:?}", by["hangs"]);
    assert_eq!(by["hungry"]["status"], "oom", "{:?}", by["hungry"]);
    assert_eq!(by["fine"]["status"], "ok");
}

#[test]
fn ctrl_c_removes_the_container_keeps_finished_runs_and_resume_carries_on() {
    let Some(bb) =
        engine_or_skip("ctrl_c_removes_the_container_keeps_finished_runs_and_resume_carries_on")
    else {
        return;
    };
    let p = bench_project(
        &bb,
        "repeat = 3\nwarmup = 0\ntimeout = \"60s\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n\n[bench.workloads.nap]\ncommand = [\"sh\", \"-c\", \"sleep 2; echo '{\\\"slept\\\": 2}'\"]\n",
    );
    let _images = Images(vec![image_of(&p, "bb")]);
    let child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("run")
        .current_dir(p.path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first finished run, then interrupt the second.
    let t0 = Instant::now();
    loop {
        let done = std::fs::read_to_string(p.path("data/runs.csv"))
            .map(|t| t.lines().count() > 1)
            .unwrap_or(false);
        if done {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no run finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");

    let slug = deck::run::runner::project_id(&p.path("").canonicalize().unwrap());
    let engine =
        deck::run::docker::Engine::connect(&deck::run::engines::Target::current().unwrap())
            .unwrap();
    let left = engine
        .containers_labelled(deck::run::docker::PROJECT_LABEL, &slug)
        .unwrap();
    assert!(left.is_empty(), "containers left: {left:?}");
    let kept = rows(&p, "data/runs.csv");
    assert!(!kept.is_empty() && kept.len() < 3, "{kept:?}");
    let meta = meta_of(&p);
    assert_eq!(meta["sessions"][0]["result"], "interrupted");

    let run = p.deck(&["run", "--resume"]).ok();
    assert!(run.stderr().contains("resuming"), "{}", run.stderr());
    let runs = rows(&p, "data/runs.csv");
    let reps: Vec<&str> = runs.iter().map(|r| r["rep"].as_str()).collect();
    assert_eq!(reps.len(), 3, "{runs:?}");
    let mut sorted = reps.clone();
    sorted.sort();
    assert_eq!(sorted, ["1", "2", "3"], "each run once");
    assert!(runs.iter().all(|r| r["status"] == "ok"));
    let meta = meta_of(&p);
    assert_eq!(meta["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(meta["sessions"][1]["result"], "completed");
    // Samples only of finished runs, each metric once per run.
    let metrics = rows(&p, "data/metrics.csv");
    assert_eq!(metrics.len(), 3, "{metrics:?}");
}

#[test]
fn local_variants_run_without_an_engine() {
    let p = Project::new()
        .file("work/report.sh", "echo \"{\\\"n\\\": $N}\"\n")
        .file(
            "deck.toml",
            "[bench]\nrepeat = 2\nwarmup = 1\nsample_interval = \"50ms\"\n[bench.variants.host]\nlocal = true\nenv = { N = \"7\" }\n[bench.workloads.w]\ncommand = [\"sh\", \"/w/report.sh\"]\nenv = { N = \"1\" }\nmount = { \"work\" = \"/w\" }\nprobe = [\"sh\", \"-c\", \"echo host-probe\"]\n",
        );
    let out = deck_with(
        &p,
        &["run"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = rows(&p, "data/runs.csv");
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["warmup"], "true");
    assert!(runs.iter().all(|r| r["status"] == "ok"), "{runs:?}");
    let metrics = rows(&p, "data/metrics.csv");
    assert!(metrics.iter().all(|m| m["key"] == "n" && m["value"] == "7"));
    let meta = meta_of(&p);
    assert!(
        meta["engines"][0]["endpoint"] == "local",
        "no Docker engine was used: {meta}"
    );
    assert_eq!(
        meta["files"]["runs.csv"].as_str().unwrap().len(),
        64,
        "{meta}"
    );

    // `deck check` compares the results with what deck run wrote.
    let toml = format!(
        "[datasets]\nruns = \"data/runs.csv\"\n{}",
        p.read("deck.toml")
    );
    let p = p.file("deck.toml", toml).file(
        "slides/r.md",
        "# Runs\n\n```table\nsql: SELECT variant, wall_s FROM runs\n```\n\n<!-- notes -->\n",
    );
    let out = deck_with(&p, &["check", "--no-browser", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["warnings"], 0, "{doc}");
    let edited = p.read("data/runs.csv") + "elsewhere,host,w,9,false,0.1,0,0,0,0,0,0,ok,,\n";
    std::fs::write(p.path("data/runs.csv"), edited).unwrap();
    let out = deck_with(&p, &["check", "--no-browser", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc.to_string()
            .contains("differs from what `deck run` wrote"),
        "{doc}"
    );
}

#[test]
fn an_unreachable_engine_says_where_deck_looked_and_what_to_do() {
    let p = Project::new().file(
        "deck.toml",
        "[bench]\n[bench.variants.img]\nimage = \"python:3.12-slim\"\n[bench.variants.host]\nlocal = true\n[bench.workloads.w]\ncommand = [\"true\"]\n",
    );
    let out = deck_with(
        &p,
        &["run"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for want in [
        "cannot reach a Docker engine at unix:///nonexistent/docker.sock",
        "from DOCKER_HOST",
        "dockerd",
        "local = true",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(!p.path("data/runs.csv").exists(), "nothing half-started");
}

#[test]
fn dry_run_prints_the_plan_and_bad_names_are_errors() {
    let p = Project::new().file(
        "deck.toml",
        "[bench]\nrepeat = 2\nwarmup = 0\n[bench.variants.a]\nimage = \"x:1\"\ncpus = 1\n[bench.variants.b]\nimage = \"y:1\"\n[bench.variants.hub]\nimage = \"python:3.12-slim\"\nskip = \"needs Docker Hub\"\n[bench.workloads.w]\ncommand = [\"true\"]\n",
    );
    let out = p.deck(&["run", "--dry-run"]).ok();
    let text = String::from_utf8_lossy(&out.0.stdout).into_owned();
    for want in [
        "image x:1; cpus 1",
        "[skipped: needs Docker Hub]",
        "runs: 4 (4 measured, 0 warm-up), interleaved",
        "1. a × w #1",
        "2. b × w #1",
        "3. a × w #2",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!p.path("data").exists(), "a dry run writes nothing");
    let err = p
        .deck(&["run", "--dry-run", "--variant", "c", "--workload", "v"])
        .fails()
        .stderr();
    assert!(
        err.contains("unknown variant `c`; deck.toml has: a, b, hub"),
        "{err}"
    );
    assert!(
        err.contains("unknown workload `v`; deck.toml has: w"),
        "{err}"
    );
    let err = Project::new()
        .file("deck.toml", "title = \"x\"\n")
        .deck(&["run"])
        .fails()
        .stderr();
    assert!(err.contains("has no [bench] table"), "{err}");
}

/// Relays a loopback TCP port to the engine's Unix socket, so `DOCKER_HOST=tcp://...` reaches the
/// same engine the way a remote one is reached (and deck copies mounts in instead of binding).
fn tcp_relay() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(engine) = std::os::unix::net::UnixStream::connect("/var/run/docker.sock") else {
                continue;
            };
            let (mut c1, mut e1) = (client.try_clone().unwrap(), engine.try_clone().unwrap());
            let (mut c2, mut e2) = (client, engine);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut e1);
                let _ = e1.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut e2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn a_tcp_engine_gets_the_mounted_folders_copied_in() {
    let Some(bb) = engine_or_skip("a_tcp_engine_gets_the_mounted_folders_copied_in") else {
        return;
    };
    if std::env::var("DOCKER_HOST").is_ok_and(|h| !h.starts_with("unix://")) {
        eprintln!(
            "SKIPPED a_tcp_engine_gets_the_mounted_folders_copied_in: DOCKER_HOST is already remote"
        );
        return;
    }
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n[bench.workloads.w]\ncommand = [\"sh\", \"/w/report.sh\", \"42\"]\nmount = { \"work\" = \"/w\" }\n",
    );
    let _images = Images(vec![image_of(&p, "bb")]);
    let port = tcp_relay();
    let host = format!("tcp://127.0.0.1:{port}");
    let out = deck_with(&p, &["run"], &[("DOCKER_HOST", &host)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let runs = rows(&p, "data/runs.csv");
    assert_eq!(runs[0]["status"], "ok", "{runs:?}");
    let metrics = rows(&p, "data/metrics.csv");
    assert_eq!(
        metrics[0]["value"], "42",
        "the mounted script ran: {metrics:?}"
    );
    let meta = meta_of(&p);
    assert_eq!(
        meta["engines"][0]["endpoint"].as_str().unwrap(),
        format!("tcp://127.0.0.1:{port}")
    );
}

#[test]
fn a_failed_build_shows_its_last_lines_and_keep_going_runs_the_rest() {
    let Some(bb) =
        engine_or_skip("a_failed_build_shows_its_last_lines_and_keep_going_runs_the_rest")
    else {
        return;
    };
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\n[bench.variants.bb]\ndockerfile = \"dockerfiles/broken/Dockerfile\"\n[bench.variants.host]\nlocal = true\n[bench.workloads.w]\ncommand = [\"true\"]\n",
    )
    .file(
        "dockerfiles/broken/Dockerfile",
        format!("{DOCKERFILE}RUN echo compiling the interpreter; echo 'gcc: fatal error: no input files' >&2; exit 4\n"),
    );
    std::fs::copy(
        p.path("dockerfiles/bb/busybox"),
        p.path("dockerfiles/broken/busybox"),
    )
    .unwrap();
    let _images = Images(vec![image_of(&p, "bb")]);
    let err = p.deck(&["run"]).fails().stderr();
    for want in [
        "building the image of `bb` failed",
        "last lines of the build log:",
        "gcc: fatal error: no input files",
        build_log("bb").as_str(),
        "--keep-going would leave `bb` out",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(!err.contains('\u{1b}'), "no terminal colour codes: {err:?}");
    assert!(p.read(&build_log("bb")).contains("no input files"));
    assert!(!p.path("data/runs.csv").exists() || rows(&p, "data/runs.csv").is_empty());

    // --keep-going: the broken variant is left out, the host variant runs.
    let run = p.deck(&["run", "--keep-going"]).ok();
    assert!(
        run.stderr().contains("`bb` is left out"),
        "{}",
        run.stderr()
    );
    let runs = rows(&p, "data/runs.csv");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["variant"], "host");
    let variants = rows(&p, "data/variants.csv");
    let bb_row = variants.iter().find(|v| v["variant"] == "bb").unwrap();
    assert_eq!(bb_row["measured"], "false");
    assert!(
        bb_row["note"].contains("building the image of `bb` failed"),
        "{bb_row:?}"
    );
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker` expects them in
/// DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), made with the openssl command.
fn tls_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage = clientAuth\n").unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=deck test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    for who in ["server", "client"] {
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={who}"),
            "-keyout",
            &format!("{who}-key.pem"),
            "-out",
            &format!("{who}.csr"),
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{who}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &format!("{who}.ext"),
            "-out",
            &format!("{who}.pem"),
        ]);
    }
    std::fs::copy(dir.join("client.pem"), dir.join("cert.pem")).unwrap();
    std::fs::copy(dir.join("client-key.pem"), dir.join("key.pem")).unwrap();
}

#[test]
fn a_tls_engine_is_reached_with_docker_cert_path() {
    let test = "a_tls_engine_is_reached_with_docker_cert_path";
    let Some(bb) = engine_or_skip(test) else {
        return;
    };
    let tools = ["openssl", "python3"]
        .iter()
        .all(|t| Command::new(t).arg("version").output().is_ok());
    if !tools {
        assert!(
            std::env::var_os("DECK_REQUIRE_DOCKER").is_none_or(|v| v != "1"),
            "{test}: DECK_REQUIRE_DOCKER=1 but openssl or python3 is missing"
        );
        eprintln!("SKIPPED {test}: needs openssl and python3");
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    tls_certificates(certs.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let relay = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tls/relay.py"
        ))
        .arg(port.to_string())
        .arg(certs.path())
        .arg("/var/run/docker.sock")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _relay = KillOnDrop(relay);
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the TLS relay did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n[bench.workloads.w]\ncommand = [\"sh\", \"/w/report.sh\", \"7\"]\nmount = { \"work\" = \"/w\" }\n",
    );
    let _images = Images(vec![image_of(&p, "bb")]);
    let host = format!("tcp://127.0.0.1:{port}");
    let run = |cert_path: &Path| {
        let certs = cert_path.display().to_string();
        deck_with(
            &p,
            &["run"],
            &[
                ("DOCKER_HOST", &host),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", &certs),
            ],
        )
    };
    // Without the certificates: a clear error, nothing run.
    let empty = tempfile::tempdir().unwrap();
    let out = run(empty.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("DOCKER_CERT_PATH"), "{err}");
    assert!(err.contains("ca.pem, cert.pem and key.pem"), "{err}");

    let out = run(certs.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(rows(&p, "data/metrics.csv")[0]["value"], "7");
    let meta = meta_of(&p);
    assert_eq!(
        meta["engines"][0]["endpoint"],
        format!("tcp://127.0.0.1:{port}")
    );

    // The same engine through a Docker context the docker CLI itself made (its TLS files
    // copied into its store): no TLS variables at all.
    let config = tempfile::tempdir().unwrap();
    let pem = |f: &str| certs.path().join(f).display().to_string();
    docker_cli(
        config.path(),
        &[
            "context",
            "create",
            "secure",
            "--docker",
            &format!(
                "host={host},ca={},cert={},key={}",
                pem("ca.pem"),
                pem("cert.pem"),
                pem("key.pem")
            ),
        ],
    );
    let config_dir = config.path().display().to_string();
    let out = deck_with(
        &p,
        &["run", "--engine", "secure"],
        &[("DOCKER_CONFIG", &config_dir)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let meta = meta_of(&p);
    assert_eq!(meta["engines"][0]["name"], "secure");
    assert_eq!(meta["engines"][0]["endpoint"], host);
}

/// `docker --config DIR ARGS`, which must succeed: the Docker CLI writing its own context store.
fn docker_cli(config: &Path, args: &[&str]) {
    let out = Command::new("docker")
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("the docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the kernel itself counted for the container, printed by the workload as its last line
/// (cgroup v1 or v2): peak memory and CPU time of the container's cgroup.
const KERNEL_REPORT: &str = r#"if [ -f /sys/fs/cgroup/memory/memory.max_usage_in_bytes ]; then
  m=$(cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes); c=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage)
else
  m=$(cat /sys/fs/cgroup/memory.peak); c=$(awk '/^usage_usec/ {print $2 * 1000}' /sys/fs/cgroup/cpu.stat)
fi
echo "{\"kernel_mem_peak\": $m, \"kernel_cpu_ns\": $c}"
"#;

/// A number a run's workload reported in metrics.csv.
fn metric(p: &Project, variant: &str, workload: &str, rep: &str, key: &str) -> f64 {
    rows(p, "data/metrics.csv")
        .into_iter()
        .find(|r| {
            r["variant"] == variant
                && r["workload"] == workload
                && r["rep"] == rep
                && r["key"] == key
        })
        .map(|r| num(&r, "value"))
        .unwrap_or_else(|| panic!("no {key} for {variant}/{workload}/{rep}"))
}

#[test]
fn measured_numbers_agree_with_the_kernels_own() {
    let Some(busybox) = engine_or_skip("measured_numbers_agree_with_the_kernels_own") else {
        return;
    };
    // The kernel's figures exist in containers only (on the host, /work is not mounted).
    let report = "if [ -f /work/kernel.sh ]; then sh /work/kernel.sh; fi";
    let spin = format!("{SPIN}; {report}");
    let hold = format!("dd if=/dev/zero of=/dev/null bs=100M count=60 2>/dev/null; {report}");
    // As many spinning processes as the machine has cores: the sampled peak must still stay at
    // or under 100% per core (the 10 ms ticks of /proc/PID/stat put it at 208% on two cores).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let all = format!(
        "{} wait; {report}",
        (0..cores)
            .map(|_| format!("({SPIN}) &"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let p = bench_project(
        &busybox,
        &format!(
            "repeat = 2\nwarmup = 0\nsample_interval = \"100ms\"\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n[bench.variants.half]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\ncpus = 0.5\n[bench.variants.host]\nlocal = true\n[bench.workloads.cpu]\ncommand = [\"sh\", \"-c\", {spin:?}]\nmount = {{ \"work\" = \"/work\" }}\n[bench.workloads.mem]\ncommand = [\"sh\", \"-c\", {hold:?}]\nmount = {{ \"work\" = \"/work\" }}\n[bench.workloads.all]\ncommand = [\"sh\", \"-c\", {all:?}]\nmount = {{ \"work\" = \"/work\" }}\n"
        ),
    )
    .file("work/kernel.sh", KERNEL_REPORT);
    let _images = Images(vec![image_of(&p, "bb"), image_of(&p, "half")]);
    // On the host the shell must find busybox's applets: a folder of links first on the PATH.
    let applets = p.path("applets");
    std::fs::create_dir_all(&applets).unwrap();
    for a in ["sh", "dd", "cat", "awk"] {
        std::os::unix::fs::symlink(&busybox, applets.join(a)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", applets.display());
    let out = deck_with(&p, &["run"], &[("PATH", &path)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let runs = rows(&p, "data/runs.csv");
    let samples = rows(&p, "data/samples.csv");
    for r in &runs {
        let (v, w, rep) = (
            r["variant"].as_str(),
            r["workload"].as_str(),
            r["rep"].as_str(),
        );
        let what = format!("{v}/{w}/{rep}");
        let (avg, peak) = (num(r, "cpu_avg_pct"), num(r, "cpu_peak_pct"));
        let cap = match v {
            "half" => 50.0,
            _ => 100.0 * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64,
        };
        assert!(peak >= avg, "{what}: peak {peak} < average {avg}");
        assert!(
            peak <= cap + 0.01 && avg <= cap + 0.01,
            "{what}: {avg}/{peak} over {cap}%"
        );
        let mine: Vec<&_> = samples
            .iter()
            .filter(|s| s["variant"] == v && s["workload"] == w && s["rep"] == rep)
            .collect();
        assert!(mine.len() >= 5, "{what}: {} samples", mine.len());
        let sampled_mem = mine.iter().map(|s| num(s, "mem_bytes")).fold(0.0, f64::max);
        assert!(
            sampled_mem <= num(r, "mem_peak_bytes") + 1.0,
            "{what}: a sample above the peak"
        );
        for s in &mine {
            assert!(
                num(s, "cpu_pct") <= cap + 0.01,
                "{what}: sample over {cap}%"
            );
        }
        if v == "host" {
            continue;
        }
        // The kernel's own figures for the container's cgroup, read by the workload at its end.
        let kernel_cpu = metric(&p, v, w, rep, "kernel_cpu_ns") / 1e9;
        let cpu = num(r, "cpu_user_s") + num(r, "cpu_sys_s");
        assert!(
            (cpu - kernel_cpu).abs() <= 0.05 * kernel_cpu,
            "{what}: CPU {cpu} s vs the cgroup's {kernel_cpu} s"
        );
        if w == "mem" {
            let kernel_mem = metric(&p, v, w, rep, "kernel_mem_peak");
            let mem = num(r, "mem_peak_bytes");
            assert!(
                (mem - kernel_mem).abs() <= (0.05 * kernel_mem).max(1048576.0),
                "{what}: peak {mem} vs the cgroup's {kernel_mem}"
            );
            assert!(mem > 100e6, "{what}: {mem}");
        }
        // The average is the CPU time over the wall time (whatever else the machine is doing:
        // under load a half-CPU container may get less than its half).
        // A quota is enforced per 100 ms period, so a run can end a little above it: the average
        // is then the cap.
        let wall = num(r, "wall_s");
        let expected = (100.0 * cpu / wall).min(cap);
        assert!(
            (avg - expected).abs() <= 0.5 + 0.01 * avg,
            "{what}: average {avg}% vs {cpu} s of CPU in {wall} s (cap {cap}%)"
        );
    }
    // On the host: the peak is the workload's own, as an independent child measures it.
    let reference = Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)",
        ])
        .arg(&busybox)
        .args(["dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=60"])
        .output()
        .unwrap();
    let kernel: f64 = String::from_utf8_lossy(&reference.stdout)
        .trim()
        .parse()
        .unwrap();
    for r in runs
        .iter()
        .filter(|r| r["variant"] == "host" && r["workload"] == "mem")
    {
        let mem = num(r, "mem_peak_bytes");
        assert!(
            (mem - kernel).abs() <= 0.05 * kernel,
            "host peak {mem} vs getrusage's {kernel}"
        );
    }
    // The summary says what runs.csv says.
    let median_bb_cpu = {
        let mut w: Vec<f64> = runs
            .iter()
            .filter(|r| r["variant"] == "bb" && r["workload"] == "cpu")
            .map(|r| num(r, "wall_s"))
            .collect();
        w.sort_by(f64::total_cmp);
        (w[0] + w[1]) / 2.0
    };
    assert!(
        err.contains(&format!("{median_bb_cpu:.3} s")),
        "summary lacks {median_bb_cpu:.3}: {err}"
    );
}

#[test]
fn a_broken_result_line_is_a_warning_kept_in_runs_csv() {
    // The last line starts as JSON but is not (cut short, or a number JSON cannot hold).
    let p = Project::new()
        .file("work/bad.sh", "echo '{\"total_s\": 1e400}'\n")
        .file(
            "deck.toml",
            "[bench]\nrepeat = 1\nwarmup = 0\n[bench.variants.host]\nlocal = true\n[bench.workloads.w]\ncommand = [\"sh\", \"/w/bad.sh\"]\nmount = { \"work\" = \"/w\" }\n",
        );
    let out = deck_with(
        &p,
        &["run"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("its metrics are not recorded: the last line of the output is not valid JSON"),
        "{err}"
    );
    let runs = rows(&p, "data/runs.csv");
    assert_eq!(runs[0]["status"], "ok");
    assert!(
        runs[0]["metrics_error"].contains("number out of range"),
        "{runs:?}"
    );
    assert!(rows(&p, "data/metrics.csv").is_empty());
}

/// A Docker engine of the test's own (its socket, data and exec roots in a temp folder), to
/// stop in the middle of a run.
struct OwnEngine {
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl OwnEngine {
    fn start() -> OwnEngine {
        let dir = tempfile::Builder::new().prefix("deck-e").tempdir().unwrap();
        let child = OwnEngine::spawn(dir.path());
        let e = OwnEngine { dir, child };
        e.wait_ready();
        e
    }

    /// Start it again after [`OwnEngine::stop`], on the same socket, data and exec roots.
    fn restart(&mut self) {
        self.child = OwnEngine::spawn(self.dir.path());
        self.wait_ready();
    }

    fn spawn(d: &Path) -> std::process::Child {
        Command::new("dockerd")
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .arg("-H")
            .arg(format!("unix://{}", d.join("docker.sock").display()))
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("pid"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("dockerd.log")).unwrap())
            .spawn()
            .expect("dockerd (apt-get install docker.io)")
    }

    fn wait_ready(&self) {
        let t0 = Instant::now();
        while Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| !s.success())
        {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "dockerd did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The containers of project `p` on this engine (running or not).
    fn containers_of(&self, p: &Project) -> Vec<String> {
        let id = deck::run::runner::project_id(&p.path("").canonicalize().unwrap());
        let out = Command::new("docker")
            .args(["-H", &self.host(), "ps", "-a", "-q", "--filter"])
            .arg(format!("label={}={id}", deck::run::docker::PROJECT_LABEL))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    /// Stop it as a service manager would (SIGTERM: it stops its containers and exits).
    fn stop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for OwnEngine {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn an_engine_that_goes_away_is_named_and_resume_is_offered() {
    let Some(bb) = engine_or_skip("an_engine_that_goes_away_is_named_and_resume_is_offered") else {
        return;
    };
    let mut engine = OwnEngine::start();
    let p = bench_project(
        &bb,
        "repeat = 3\nwarmup = 0\ntimeout = \"60s\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n\n[bench.workloads.nap]\ncommand = [\"sh\", \"-c\", \"sleep 3; echo '{\\\"slept\\\": 3}'\"]\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("run")
        .env("DOCKER_HOST", engine.host())
        .current_dir(p.path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The engine stops during the second run.
    wait_for_file(
        &p.path("data/runs.csv"),
        Duration::from_secs(120),
        "no run finished",
        |t| t.lines().count() > 1,
    );
    std::thread::sleep(Duration::from_millis(1000));
    engine.stop();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: the Docker engine at {} stopped answering during bb × nap #2",
            engine.host()
        )) && err.contains("`deck run --resume` carries on"),
        "{err}"
    );
    assert_eq!(
        rows(&p, "data/runs.csv").len(),
        1,
        "the finished run is kept"
    );
}

#[test]
fn sigterm_stops_a_run_like_ctrl_c_and_another_projects_run_is_left_alone() {
    let Some(bb) =
        engine_or_skip("sigterm_stops_a_run_like_ctrl_c_and_another_projects_run_is_left_alone")
    else {
        return;
    };
    let bench = "repeat = 2\nwarmup = 0\ntimeout = \"60s\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n\n[bench.workloads.nap]\ncommand = [\"sh\", \"-c\", \"sleep 4; echo '{\\\"slept\\\": 4}'\"]\n";
    // Two projects in folders of the same name.
    let a = bench_project(&bb, bench);
    let b = bench_project(&bb, bench);
    own_cache(&a, "sigterm");
    own_cache(&b, "sigterm");
    let name = |p: &Project| p.path("").canonicalize().unwrap();
    let (a_dir, b_dir) = (name(&a).join("talk"), name(&b).join("talk"));
    for (p, dir) in [(&a, &a_dir), (&b, &b_dir)] {
        std::fs::create_dir_all(dir).unwrap();
        for f in [
            "deck.toml",
            "dockerfiles/bb/Dockerfile",
            "dockerfiles/bb/busybox",
        ] {
            std::fs::create_dir_all(dir.join(f).parent().unwrap()).unwrap();
            std::fs::copy(p.path(f), dir.join(f)).unwrap();
        }
    }
    let ids = [&a_dir, &b_dir].map(|d| deck::run::runner::project_id(d));
    assert_ne!(ids[0], ids[1]);
    let _images = Images(
        ids.iter()
            .map(|id| format!("deck-{id}/bb:latest"))
            .collect(),
    );
    let start = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_deck"))
            .arg("run")
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let running = |dir: &Path| {
        wait_for_file(
            &dir.join("data/samples.csv"),
            Duration::from_secs(120),
            "no run started",
            |t| t.lines().count() > 1,
        );
    };
    let first = start(&a_dir);
    running(&a_dir);
    // The other project starts while the first one's container runs: it must not remove it.
    let second = start(&b_dir);
    running(&b_dir);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(first.id() as libc::pid_t, libc::SIGTERM) };
    let out = first.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("stopped (SIGTERM)"), "{err}");
    let out = second.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        !err.contains("by an earlier run that did not finish"),
        "{err}"
    );
    let mut reader = csv::Reader::from_path(b_dir.join("data/runs.csv")).unwrap();
    let status = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "status")
        .unwrap();
    let runs = reader
        .records()
        .filter_map(Result::ok)
        .filter(|r| r.get(status) == Some("ok"))
        .count();
    assert_eq!(runs, 2, "the other project's runs were not disturbed");
    let engine =
        deck::run::docker::Engine::connect(&deck::run::engines::Target::current().unwrap())
            .unwrap();
    let left = engine
        .containers_labelled(deck::run::docker::PROJECT_LABEL, &ids[0])
        .unwrap();
    assert!(left.is_empty(), "containers left: {left:?}");
}

#[test]
fn after_a_sigkill_the_orphan_is_removed_and_the_session_marked_killed() {
    let Some(bb) =
        engine_or_skip("after_a_sigkill_the_orphan_is_removed_and_the_session_marked_killed")
    else {
        return;
    };
    let p = bench_project(
        &bb,
        "repeat = 2\nwarmup = 0\ntimeout = \"60s\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n\n[bench.workloads.nap]\ncommand = [\"sh\", \"-c\", \"sleep 3; echo '{\\\"slept\\\": 3}'\"]\n",
    );
    own_cache(&p, "sigkill");
    let _images = Images(vec![image_of(&p, "bb")]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("run")
        .current_dir(p.path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_file(
        &p.path("data/samples.csv"),
        Duration::from_secs(120),
        "no run started",
        |t| t.lines().count() > 1,
    );
    // While it runs, a second `deck run` on the same results is refused.
    let second = p.deck(&["run"]).fails().stderr();
    assert!(
        second.contains("another `deck run` is running on"),
        "{second}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let run = p.deck(&["run", "--resume"]).ok();
    let err = run.stderr();
    assert!(
        err.contains("removed 1 container(s) left on `")
            && err.contains("` by an earlier run that did not finish"),
        "{err}"
    );
    assert!(err.contains("was killed before it could finish"), "{err}");
    let meta = meta_of(&p);
    assert_eq!(meta["sessions"][0]["result"], "killed", "{meta}");
    assert_eq!(meta["sessions"][1]["result"], "completed", "{meta}");
    assert_eq!(rows(&p, "data/runs.csv").len(), 2);
}

#[test]
fn ctrl_c_during_an_image_build_leaves_the_earlier_results_in_place() {
    let Some(bb) =
        engine_or_skip("ctrl_c_during_an_image_build_leaves_the_earlier_results_in_place")
    else {
        return;
    };
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\ntimeout = \"60s\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n\n[bench.workloads.hi]\ncommand = [\"sh\", \"-c\", \"echo '{\\\"hi\\\": 1}'\"]\n",
    );
    own_cache(&p, "interrupted-build");
    let _images = Images(vec![image_of(&p, "bb")]);
    p.deck(&["run"]).ok();
    let before = p.read("data/runs.csv");
    // A slow build step, without the cache, interrupted.
    let dockerfile = p.read("dockerfiles/bb/Dockerfile") + "RUN sleep 20\n";
    std::fs::write(p.path("dockerfiles/bb/Dockerfile"), dockerfile).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(["run", "--no-cache"])
        .current_dir(p.path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_file(
        &p.path(&build_log("bb")),
        Duration::from_secs(60),
        "the build did not start",
        |t| t.contains("sleep 20"),
    );
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("the earlier results are back"), "{err}");
    assert_eq!(p.read("data/runs.csv"), before);
    assert!(
        !p.path("data/archive").exists(),
        "the archive was moved back"
    );
}

#[test]
fn an_engine_is_named_by_a_docker_context_or_in_deck_toml() {
    let test = "an_engine_is_named_by_a_docker_context_or_in_deck_toml";
    let Some(bb) = engine_or_skip(test) else {
        return;
    };
    let engine = OwnEngine::start();
    let config = tempfile::tempdir().unwrap();
    docker_cli(
        config.path(),
        &[
            "context",
            "create",
            "lab",
            "--docker",
            &format!("host={}", engine.host()),
        ],
    );
    let config_dir = config.path().display().to_string();
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\n[bench.engines]\nbench-box = \"lab\"\nhere = \"local\"\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n[bench.workloads.w]\ncommand = [\"sh\", \"/w/report.sh\", \"3\"]\nmount = { \"work\" = \"/w\" }\n",
    );
    let with_config = [("DOCKER_CONFIG", config_dir.as_str())];
    let plan = |args: &[&str], env: &[(&str, &str)]| {
        let out = deck_with(&p, args, env);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Named in deck.toml, by its context, and by DOCKER_CONTEXT as the docker CLI takes it.
    let line = format!("at {} ", engine.host());
    let out = plan(&["run", "--dry-run", "--engine", "bench-box"], &with_config);
    assert!(
        out.contains(&format!(
            "engine: bench-box {line}([bench.engines] bench-box = \"lab\")"
        )),
        "{out}"
    );
    let out = plan(&["run", "--dry-run", "--engine", "lab"], &with_config);
    assert!(
        out.contains(&format!("engine: lab {line}(Docker context `lab`)")),
        "{out}"
    );
    let out = plan(
        &["run", "--dry-run"],
        // DOCKER_HOST would come first, as in the docker CLI: cleared (empty is unset).
        &[
            ("DOCKER_CONFIG", &config_dir),
            ("DOCKER_CONTEXT", "lab"),
            ("DOCKER_HOST", ""),
        ],
    );
    assert!(out.contains(&format!("engine: lab {line}")), "{out}");

    // An unknown name: what deck looked for, nothing run.
    let out = deck_with(&p, &["run", "--engine", "gpu"], &with_config);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no engine or Docker context named \"gpu\"")
            && err.contains("[bench.engines] names bench-box, here"),
        "{err}"
    );
    assert!(!p.path("data/runs.csv").exists());
    // `local` cannot run a container variant, and says which.
    let out = deck_with(&p, &["run", "--engine", "here"], &with_config);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("but bb run in containers"), "{err}");

    // The run happens on the named engine: its image is there, and meta.json names it.
    let out = deck_with(&p, &["run", "--engine", "bench-box"], &with_config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(rows(&p, "data/metrics.csv")[0]["value"], "3");
    let meta = meta_of(&p);
    assert_eq!(meta["engines"][0]["name"], "bench-box");
    assert_eq!(meta["engines"][0]["endpoint"], engine.host());
    let images = Command::new("docker")
        .args([
            "-H",
            &engine.host(),
            "image",
            "ls",
            "--format",
            "{{.Repository}}",
        ])
        .output()
        .unwrap();
    let repo = image_of(&p, "bb");
    let repo = repo.trim_end_matches(":latest");
    assert!(
        String::from_utf8_lossy(&images.stdout)
            .lines()
            .any(|l| l == repo),
        "{repo} not on the lab engine: {}",
        String::from_utf8_lossy(&images.stdout)
    );

    // Resuming with the name now given to another engine would put two machines' rows under
    // one host: refused.
    let toml = p
        .read("deck.toml")
        .replace("bench-box = \"lab\"", "bench-box = \"default\"");
    std::fs::write(p.path("deck.toml"), toml).unwrap();
    let out = deck_with(
        &p,
        &["run", "--resume", "--engine", "bench-box"],
        &with_config,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("resuming would mix two machines' rows"),
        "{err}"
    );
}

/// An sshd of the test's own on loopback (its own host key, config and authorized key) and an
/// ssh-agent holding the key, so that `ssh://root@127.0.0.1:PORT` reaches this machine's engine
/// as it would a remote one, through the system ssh client and the user's ssh setup. ssh reads
/// known hosts from the user's real home only, so the host key is added to ~/.ssh/known_hosts
/// for the test and taken out again when it ends.
struct OwnSshd {
    dir: tempfile::TempDir,
    port: u16,
    _sshd: KillOnDrop,
    _agent: KillOnDrop,
    known_hosts: std::path::PathBuf,
}

impl OwnSshd {
    /// `None` (after saying why) where no sshd can be started: not root, or no openssh-server.
    fn start(test: &str) -> Option<OwnSshd> {
        let sshd = Path::new("/usr/sbin/sshd");
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let problem = if !sshd.exists() {
            "no /usr/sbin/sshd (apt-get install openssh-server)"
        } else if !root {
            "sshd needs root here (its privilege separation)"
        } else {
            ""
        };
        if !problem.is_empty() {
            assert!(
                std::env::var_os("DECK_REQUIRE_DOCKER").is_none_or(|v| v != "1"),
                "{test}: DECK_REQUIRE_DOCKER=1 but {problem}"
            );
            eprintln!("SKIPPED {test}: {problem}");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("deck-ssh")
            .tempdir()
            .unwrap();
        let d = dir.path();
        for key in ["host_key", "user_key"] {
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key))
                .status()
                .unwrap()
                .success();
            assert!(ok, "ssh-keygen");
        }
        std::fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n",
                d = d.display()
            ),
        )
        .unwrap();
        // sshd's privilege separation folder (made by its service on a booted system).
        std::fs::create_dir_all("/run/sshd").unwrap();
        let sshd = Command::new(sshd)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .unwrap();
        let sshd = KillOnDrop(sshd);
        let agent = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(d.join("agent.sock"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let agent = KillOnDrop(agent);
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
            || !d.join("agent.sock").exists()
        {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "sshd or ssh-agent did not start: {}",
                std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let added = Command::new("ssh-add")
            .arg("-q")
            .arg(d.join("user_key"))
            .env("SSH_AUTH_SOCK", d.join("agent.sock"))
            .status()
            .unwrap()
            .success();
        assert!(added, "ssh-add");
        let home = std::env::var("HOME").unwrap();
        let known_hosts = Path::new(&home).join(".ssh/known_hosts");
        std::fs::create_dir_all(known_hosts.parent().unwrap()).unwrap();
        let host_key = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        let mut key = host_key.split_whitespace();
        let line = format!(
            "[127.0.0.1]:{port} {} {}\n",
            key.next().unwrap(),
            key.next().unwrap()
        );
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&known_hosts)
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        Some(OwnSshd {
            dir,
            port,
            _sshd: sshd,
            _agent: agent,
            known_hosts,
        })
    }

    fn agent(&self) -> String {
        self.dir.path().join("agent.sock").display().to_string()
    }
}

impl Drop for OwnSshd {
    fn drop(&mut self) {
        let _ = Command::new("ssh-keygen")
            .arg("-R")
            .arg(format!("[127.0.0.1]:{}", self.port))
            .arg("-f")
            .arg(&self.known_hosts)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_file(self.known_hosts.with_extension("old"));
    }
}

#[test]
fn an_ssh_engine_is_reached_through_the_system_ssh_client() {
    let test = "an_ssh_engine_is_reached_through_the_system_ssh_client";
    let Some(bb) = engine_or_skip(test) else {
        return;
    };
    let Some(sshd) = OwnSshd::start(test) else {
        return;
    };
    let p = bench_project(
        &bb,
        "repeat = 1\nwarmup = 0\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n[bench.workloads.w]\ncommand = [\"sh\", \"/w/report.sh\", \"5\"]\nmount = { \"work\" = \"/w\" }\n",
    );
    let _images = Images(vec![image_of(&p, "bb")]);
    let url = format!("ssh://root@127.0.0.1:{}", sshd.port);
    // Without the key: ssh's own reason, nothing run.
    let no_agent = sshd.dir.path().join("no-agent.sock").display().to_string();
    let out = deck_with(
        &p,
        &["run", "--engine", &url],
        &[("SSH_AUTH_SOCK", &no_agent)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("cannot reach a Docker engine at {url}"))
            && err.contains("ssh said:")
            && err.contains("Permission denied"),
        "{err}"
    );
    assert!(!p.path("data/runs.csv").exists());

    // With it: the image is built, the mounted folder copied in (the engine is remote to
    // deck), the run measured.
    let out = deck_with(
        &p,
        &["run", "--engine", &url],
        &[("SSH_AUTH_SOCK", &sshd.agent())],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(rows(&p, "data/metrics.csv")[0]["value"], "5");
    assert_eq!(rows(&p, "data/runs.csv")[0]["status"], "ok");
    let meta = meta_of(&p);
    assert_eq!(meta["engines"][0]["endpoint"], url);
    assert_eq!(meta["engines"][0]["name"], url);

    // With an engine of the test's own beside it: both measure, in one session.
    let own = OwnEngine::start();
    let out = deck_with(
        &p,
        &["run", "--engine", &url, "--engine", &own.host()],
        &[("SSH_AUTH_SOCK", &sshd.agent())],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let metrics = by_host(&p, "data/metrics.csv");
    assert_eq!(metrics.keys().collect::<Vec<_>>(), [&url, &own.host()]);
    assert!(
        metrics.values().all(|m| m[0]["value"] == "5"),
        "{metrics:?}"
    );
    let meta = meta_of(&p);
    let ssh = meta["engines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == url.as_str())
        .unwrap();
    assert_eq!(
        ssh["cpu_model"].as_str().unwrap(),
        deck::run::meta::Host::read().cpu_model,
        "read over ssh: {meta}"
    );
}

/// `deck args` in the project, which must succeed.
fn run_ok(p: &Project, args: &[&str]) {
    let out = deck_with(p, args, &[]);
    assert!(
        out.status.success(),
        "deck {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rows of a results CSV per host: host → rows.
fn by_host(
    p: &Project,
    file: &str,
) -> std::collections::BTreeMap<String, Vec<std::collections::BTreeMap<String, String>>> {
    let mut out: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for r in rows(p, file) {
        out.entry(r["host"].clone()).or_default().push(r);
    }
    out
}

/// A project measured on two engines of the test's own, named `a` and `b` in deck.toml.
fn two_engine_project(bb: &Path, a: &OwnEngine, b: &OwnEngine, bench: &str) -> Project {
    bench_project(
        bb,
        &format!(
            "{bench}\n[bench.engines]\na = \"{}\"\nb = \"{}\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n",
            a.host(),
            b.host()
        ),
    )
}

/// `deck run` on engines `a` and `b`, started in the background (its stderr piped).
fn run_on_both(p: &Project) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(["run", "--engine", "a", "--engine", "b"])
        .current_dir(p.path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `[bench]` lines: `repeat` runs of a workload `nap` that sleeps `seconds`.
fn naps(repeat: u32, warmup: u32, seconds: f64) -> String {
    format!(
        "repeat = {repeat}\nwarmup = {warmup}\ntimeout = \"60s\"\n\n[bench.workloads.nap]\ncommand = [\"sh\", \"-c\", \"sleep {seconds}; echo '{{\\\"slept\\\": {seconds}}}'\"]\n"
    )
}

#[test]
fn two_engines_measure_the_same_matrix_at_once_one_run_at_a_time_each() {
    let Some(bb) =
        engine_or_skip("two_engines_measure_the_same_matrix_at_once_one_run_at_a_time_each")
    else {
        return;
    };
    let (a, b) = (OwnEngine::start(), OwnEngine::start());
    let p = two_engine_project(&bb, &a, &b, &naps(3, 1, 1.5));
    let mut child = run_on_both(&p);
    // Watched from outside: the containers of the project on each engine, while deck runs.
    let (mut most, mut both) = ((0, 0), false);
    while child.try_wait().unwrap().is_none() {
        let (on_a, on_b) = (a.containers_of(&p).len(), b.containers_of(&p).len());
        most = (most.0.max(on_a), most.1.max(on_b));
        both |= on_a > 0 && on_b > 0;
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(most, (1, 1), "one run at a time on each engine");
    assert!(both, "the engines measured at the same time");
    for file in ["runs.csv", "builds.csv", "samples.csv", "metrics.csv"] {
        let hosts = by_host(&p, &format!("data/{file}"));
        assert_eq!(
            hosts.keys().collect::<Vec<_>>(),
            ["a", "b"],
            "{file} has both hosts' rows"
        );
    }
    let runs = by_host(&p, "data/runs.csv");
    for (host, rows) in &runs {
        assert_eq!(rows.len(), 4, "{host}: a warm-up and three runs");
        assert!(rows.iter().all(|r| r["status"] == "ok"), "{rows:?}");
    }
    // Each engine built its own image; meta.json describes both.
    for e in [&a, &b] {
        let images = Command::new("docker")
            .args(["-H", &e.host(), "image", "inspect", &image_of(&p, "bb")])
            .output()
            .unwrap();
        assert!(images.status.success(), "the image is on {}", e.host());
    }
    let meta = meta_of(&p);
    let engines = meta["engines"].as_array().unwrap();
    assert_eq!(engines.len(), 2, "{meta}");
    for (e, own) in engines.iter().zip([&a, &b]) {
        assert_eq!(e["endpoint"], own.host());
        assert!(!e["version"].as_str().unwrap().is_empty(), "{e}");
        assert!(!e["cgroup_version"].as_str().unwrap().is_empty(), "{e}");
        assert!(!e["cpu_model"].as_str().unwrap().is_empty(), "{e}");
        assert_eq!(e["config_sha256"], meta["project"]["config_sha256"]);
    }
    assert_eq!(engines[0]["name"], "a");
    assert_eq!(engines[1]["name"], "b");
    // The lines say which engine, and the summary compares the hosts.
    assert!(
        err.contains("[a] built `bb`") && err.contains("[b] built `bb`"),
        "{err}"
    );
    assert!(err.contains("bb @ a") && err.contains("bb @ b"), "{err}");
    // A deck shows both hosts, one series each.
    let toml = p.read("deck.toml");
    // [datasets] goes above [bench]: a table after it would be read as part of it.
    let p = p
        .file("deck.toml", format!("[datasets]\nruns = \"data/runs.csv\"\n\n{toml}"))
        .file(
            "slides/h.md",
            "```chart\nsql: SELECT host, variant, wall_s FROM runs WHERE NOT warmup\nx: variant\ny: wall_s\nerror: stddev\nseries: host\n```\n\n<!-- notes -->\n",
        );
    let out = deck_with(&p, &["check", "--no-browser", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["hosts"][0]["hosts"][0]["host"], "a", "{doc}");
    assert_eq!(doc["hosts"][0]["hosts"][0]["runs"], 3, "{doc}");
    assert_eq!(doc["hosts"][0]["hosts"][1]["host"], "b", "{doc}");
    assert_eq!(doc["warnings"], 0, "{doc}");
}

#[test]
fn an_engine_stopped_mid_run_leaves_the_others_rows_whole_and_resume_finishes_it() {
    let Some(bb) = engine_or_skip(
        "an_engine_stopped_mid_run_leaves_the_others_rows_whole_and_resume_finishes_it",
    ) else {
        return;
    };
    let (a, mut b) = (OwnEngine::start(), OwnEngine::start());
    let p = two_engine_project(&bb, &a, &b, &naps(4, 0, 1.0));
    let child = run_on_both(&p);
    // `b` stops once it has measured a run.
    wait_for_file(
        &p.path("data/runs.csv"),
        Duration::from_secs(120),
        "no run finished on b",
        |t| t.lines().any(|l| l.starts_with("b,")),
    );
    b.stop();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("engine `b` stopped: the Docker engine at")
            && err.contains("the other engines' runs are recorded"),
        "{err}"
    );
    let runs = by_host(&p, "data/runs.csv");
    assert_eq!(runs["a"].len(), 4, "a measured everything: {runs:?}");
    assert!(runs["a"].iter().all(|r| r["status"] == "ok"));
    let measured_on_b = runs["b"].len();
    assert!((1..4).contains(&measured_on_b), "{runs:?}");
    let meta = meta_of(&p);
    assert!(meta["engines"][0]["failed"].is_null(), "{meta}");
    assert!(
        meta["engines"][1]["failed"]
            .as_str()
            .unwrap()
            .contains("stopped answering"),
        "{meta}"
    );
    assert_eq!(meta["sessions"][0]["result"], "failed");

    // Back again: --resume measures only what b is missing (with the first session's engines).
    b.restart();
    let out = deck_with(&p, &["run", "--resume"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "resuming: {} of 8 runs already recorded",
            4 + measured_on_b
        )),
        "{err}"
    );
    let runs = by_host(&p, "data/runs.csv");
    for host in ["a", "b"] {
        let reps: std::collections::BTreeSet<&str> =
            runs[host].iter().map(|r| r["rep"].as_str()).collect();
        assert_eq!(runs[host].len(), 4, "{host}: {runs:?}");
        assert_eq!(reps.len(), 4, "{host}: each rep once");
    }
    let meta = meta_of(&p);
    assert!(meta["engines"][1]["failed"].is_null(), "{meta}");
}

#[test]
fn ctrl_c_stops_every_engine_and_leaves_no_container() {
    let Some(bb) = engine_or_skip("ctrl_c_stops_every_engine_and_leaves_no_container") else {
        return;
    };
    let (a, b) = (OwnEngine::start(), OwnEngine::start());
    let p = two_engine_project(&bb, &a, &b, &naps(2, 0, 30.0));
    let child = run_on_both(&p);
    let t0 = Instant::now();
    while a.containers_of(&p).is_empty() || b.containers_of(&p).is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no workload started on both engines"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(a.containers_of(&p).is_empty(), "a container left on a");
    assert!(b.containers_of(&p).is_empty(), "a container left on b");
    let meta = meta_of(&p);
    assert_eq!(meta["sessions"][0]["result"], "interrupted");
}

#[test]
fn an_attendees_run_is_appended_beside_results_from_before_hosts() {
    // The speaker's results, written by a deck from before results named their host.
    let old_runs = "variant,workload,rep,warmup,wall_s,cpu_user_s,cpu_sys_s,cpu_avg_pct,cpu_peak_pct,mem_peak_bytes,exit_code,status,stderr_tail,metrics_error\n\
host,w,1,false,0.5,0.4,0.1,99.0,100.0,1000,0,ok,,\n\
host,w,2,false,0.7,0.6,0.1,99.0,100.0,1000,0,ok,,\n";
    let old_meta = r#"{"generator": "deck 0.1.0", "host": {"cpu_model": "Speaker CPU", "cores": 8, "memory_bytes": 1, "kernel": "6", "os": "Debian", "hostname": "speaker-laptop"}, "engine": null, "project": {"git_commit": null, "git_dirty": null, "config_sha256": "0123456789abcdef"}, "sessions": [{"command": "deck run", "started": "2026-11-01T10:00:00Z", "ended": "2026-11-01T10:01:00Z", "result": "completed"}], "files": {}}"#;
    let p = Project::new()
        .file("data/runs.csv", old_runs)
        .file("data/meta.json", old_meta)
        .file(
            "deck.toml",
            "[datasets]\nruns = \"data/runs.csv\"\n\n[bench]\nrepeat = 2\nwarmup = 0\nsample_interval = \"50ms\"\n[bench.variants.host]\nlocal = true\n[bench.workloads.w]\ncommand = [\"sh\", \"-c\", \"echo '{\\\"n\\\": 1}'\"]\n",
        )
        .file(
            "slides/h.md",
            "{% for r in sql(\"SELECT host, count(*) AS n FROM runs GROUP BY host ORDER BY host\") %}- {{ r.host }}: {{ r.n }}\n{% endfor %}\n<!-- notes -->\n",
        );
    // Read as they are, the old rows are the machine their meta.json names.
    p.deck(&["build"]).ok();
    assert!(p.read("dist/h.html").contains("<li>speaker-laptop: 2</li>"));
    assert!(
        p.read("dist/provenance.json").contains("data/meta.json"),
        "the host came from meta.json: an input of the figure"
    );

    // An attendee adds their machine; the speaker's rows stay, now with their host written.
    run_ok(&p, &["run", "--engine", "local", "--append"]);
    let runs = by_host(&p, "data/runs.csv");
    assert_eq!(runs.keys().collect::<Vec<_>>(), ["local", "speaker-laptop"]);
    assert_eq!(
        runs["speaker-laptop"][1]["wall_s"], "0.7",
        "kept as measured"
    );
    assert_eq!(runs["local"].len(), 2);
    let meta = meta_of(&p);
    let names: Vec<&str> = meta["engines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["local", "speaker-laptop"], "{meta}");
    assert_eq!(meta["engines"][1]["cpu_model"], "Speaker CPU", "{meta}");
    assert_eq!(
        meta["sessions"].as_array().unwrap().len(),
        2,
        "the speaker's session is kept: {meta}"
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/h.html");
    assert!(
        html.contains("<li>local: 2</li>") && html.contains("<li>speaker-laptop: 2</li>"),
        "{html}"
    );

    // deck check names the hosts, and the one measured with another [bench].
    let out = deck_with(&p, &["check", "--no-browser", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["hosts"][0]["hosts"][0]["host"], "local", "{doc}");
    assert_eq!(
        doc["hosts"][0]["hosts"][1]["host"], "speaker-laptop",
        "{doc}"
    );
    let flagged: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "hosts")
        .collect();
    assert_eq!(flagged.len(), 1, "{doc}");
    assert!(
        flagged[0]["message"]
            .as_str()
            .unwrap()
            .contains("the rows of host `speaker-laptop` were measured with another [bench]"),
        "{doc}"
    );

    // Appending again replaces only this host's rows.
    run_ok(&p, &["run", "--engine", "local", "--append"]);
    let runs = by_host(&p, "data/runs.csv");
    assert_eq!((runs["local"].len(), runs["speaker-laptop"].len()), (2, 2));
    // Without --append, a run starts the results afresh (the old ones archived).
    run_ok(&p, &["run", "--engine", "local"]);
    assert_eq!(
        by_host(&p, "data/runs.csv").keys().collect::<Vec<_>>(),
        ["local"]
    );
}

#[test]
fn engines_that_cannot_measure_what_is_asked_are_refused_before_anything_runs() {
    let p = Project::new().file(
        "deck.toml",
        "[bench]\nrepeat = 1\nwarmup = 0\n[bench.engines]\nhere = \"local\"\nfar = \"tcp://127.0.0.1:9\"\n[bench.variants.host]\nlocal = true\n[bench.workloads.w]\ncommand = [\"true\"]\n",
    );
    for (args, want) in [
        (
            &["run", "--engine", "far"][..],
            "host run on this machine, not on the engine `far` at tcp://127.0.0.1:9",
        ),
        (
            &["run", "--engine", "local", "--engine", "far"][..],
            "engine `far` has nothing to measure: no container variant is selected",
        ),
        (
            &["run", "--engine", "local", "--engine", "here"][..],
            "engines `local` and `here` are the same engine (this machine)",
        ),
        (
            &["run", "--engine", "nowhere", "--engine", "local"][..],
            "no engine or Docker context named \"nowhere\"",
        ),
    ] {
        let out = deck_with(&p, args, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!p.path("data").exists(), "{args:?}: nothing written");
    }
}

#[test]
fn an_engine_that_cannot_be_reached_is_left_out_and_the_others_measure() {
    let Some(bb) =
        engine_or_skip("an_engine_that_cannot_be_reached_is_left_out_and_the_others_measure")
    else {
        return;
    };
    let a = OwnEngine::start();
    let p = bench_project(
        &bb,
        &format!(
            "{}\n[bench.engines]\na = \"{}\"\ngone = \"unix:///nonexistent/docker.sock\"\n\n[bench.variants.bb]\ndockerfile = \"dockerfiles/bb/Dockerfile\"\n",
            naps(2, 0, 0.1),
            a.host()
        ),
    );
    let out = deck_with(&p, &["run", "--engine", "a", "--engine", "gone"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "error: engine `gone`: cannot reach a Docker engine at unix:///nonexistent/docker.sock"
        ) && err.contains("engine `gone` could not be reached"),
        "{err}"
    );
    let runs = by_host(&p, "data/runs.csv");
    assert_eq!(runs.keys().collect::<Vec<_>>(), ["a"]);
    assert_eq!(runs["a"].len(), 2);
    let meta = meta_of(&p);
    assert_eq!(meta["engines"][1]["name"], "gone");
    assert!(
        meta["engines"][1]["failed"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{meta}"
    );
    assert_eq!(meta["sessions"][0]["result"], "failed");
}

#[test]
fn append_refuses_to_replace_another_machines_rows_under_this_ones_name() {
    // Results measured on a machine called as this one is, with another CPU.
    let here = deck::run::meta::host_name();
    let runs = "variant,workload,rep,warmup,wall_s,cpu_user_s,cpu_sys_s,cpu_avg_pct,cpu_peak_pct,mem_peak_bytes,exit_code,status,stderr_tail,metrics_error\nhost,w,1,false,0.5,0.4,0.1,99.0,100.0,1000,0,ok,,\n";
    let meta = format!(
        r#"{{"generator": "deck 0.1.0", "host": {{"cpu_model": "Another CPU 9000", "cores": 64, "memory_bytes": 1, "kernel": "6", "os": "Debian", "hostname": "{here}"}}, "engine": null, "project": {{"config_sha256": "x"}}, "sessions": [], "files": {{}}}}"#
    );
    let p = Project::new()
        .file("data/runs.csv", runs)
        .file("data/meta.json", meta)
        .file(
            "deck.toml",
            "[bench]\nrepeat = 1\nwarmup = 0\n[bench.variants.host]\nlocal = true\n[bench.workloads.w]\ncommand = [\"true\"]\n",
        );
    let out = deck_with(&p, &["run", "--append"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "the results already hold host `{here}`, measured on another machine (Another CPU 9000, this one"
        )) && err.contains("--engine mine"),
        "{err}"
    );
    assert_eq!(p.read("data/runs.csv"), runs, "nothing touched");
}
