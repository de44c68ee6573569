//! Local variants: the workload runs on this machine, measured like a container run.
//!
//! Wall time around spawn and reap; user and system CPU and peak RSS from the workload's `rusage`
//! (`wait4`, which covers the descendants it waited for); CPU and memory sampled from `/proc` for
//! the whole process tree while it runs. The workload runs in its own process group, so a timeout or
//! Ctrl-C kills everything it started.
//!
//! A process's peak RSS (`ru_maxrss`) includes the memory of the process it was forked from, up
//! to its `exec`: a workload spawned by deck itself would count deck's own memory (15 MiB for
//! `/bin/true`). So deck starts `/bin/sh`, which starts the workload in the background and exits
//! at once; the workload is forked from the small shell, and deck, a child subreaper, adopts and
//! reaps it: its `rusage` is the workload's own.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::measure::{Measured, Outcome, Sample, Status};

const TAIL: usize = 4096;

/// Run `command` in `cwd`; `on_sample` gets each sample as it is taken. When `cancel` becomes
/// true (Ctrl-C), the workload's process group is killed and the run is [`Outcome::Interrupted`].
pub fn run(
    command: &[String],
    cwd: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
    interval: Duration,
    cancel: &AtomicBool,
    mut on_sample: impl FnMut(&Sample),
) -> io::Result<Outcome> {
    if command.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty command"));
    }
    become_subreaper();
    // The shell tells the workload's pid on fd 3, and the workload waits on fd 4 until deck
    // says go: by then the shell is gone (it cannot reap the workload first) and the workload
    // is deck's to wait for.
    let (pid_read, pid_write) = std::io::pipe()?;
    let (go_read, go_write) = std::io::pipe()?;
    let fds = {
        use std::os::fd::AsRawFd;
        (pid_write.as_raw_fd(), go_read.as_raw_fd())
    };
    let mut shell = Command::new("/bin/sh");
    shell
        .arg("-c")
        .arg("( exec 3>&-; read -r _ <&4; exec 4<&-; exec \"$@\" ) & echo $! >&3")
        .arg("sh")
        .args(command)
        .current_dir(cwd)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: only dup2 (async-signal-safe) between fork and exec.
    unsafe {
        shell.pre_exec(move || {
            if libc::dup2(fds.0, 3) < 0 || libc::dup2(fds.1, 4) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = shell.spawn()?;
    drop(pid_write);
    drop(go_read);
    // The workload's process group: the shell's, which it leads.
    let group = child.id() as libc::pid_t;
    let stdout = tail_reader(child.stdout.take());
    let stderr = tail_reader(child.stderr.take());
    let pid = {
        let mut line = String::new();
        let mut r = io::BufReader::new(pid_read);
        io::BufRead::read_line(&mut r, &mut line)?;
        let _ = child.wait();
        line.trim()
            .parse::<libc::pid_t>()
            .map_err(|_| io::Error::other("the shell did not start the workload"))?
    };
    let started = Instant::now();
    {
        use std::io::Write;
        let mut go = go_write;
        go.write_all(b"go\n")?;
    }
    let tick = clock_ticks();
    let page = page_size();
    let max_pct = 100.0 * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let mut last_cpu = 0.0f64;
    let mut last_t = 0.0f64;
    let mut peak_cpu = 0.0f64;
    let mut peak_mem = 0u64;
    let mut timed_out = false;
    // A thread blocks in wait4, so the exit is seen the moment it happens (exact wall time,
    // whatever the sampling interval) and the child's rusage comes with it.
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let reaped = reap(pid);
        let _ = done_tx.send((reaped, Instant::now()));
    });
    let mut next_sample = started + interval;
    let (reaped, ended) = loop {
        // Wake at least every 100 ms to answer Ctrl-C, whatever the interval.
        let now = Instant::now();
        let nap = next_sample
            .min(started + timeout)
            .saturating_duration_since(now)
            .min(Duration::from_millis(100));
        match done_rx.recv_timeout(nap) {
            Ok(done) => break done,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(io::Error::other("lost the workload's exit status"));
            }
        }
        if cancel.load(Ordering::SeqCst) {
            // SAFETY: signalling the process group we created for the workload.
            unsafe { libc::killpg(group, libc::SIGKILL) };
            let _ = done_rx.recv();
            return Ok(Outcome::Interrupted);
        }
        if started.elapsed() >= timeout {
            timed_out = true;
            // SAFETY: as above.
            unsafe { libc::killpg(group, libc::SIGKILL) };
            match done_rx.recv() {
                Ok(done) => break done,
                Err(_) => return Err(io::Error::other("lost the workload's exit status")),
            }
        }
        if Instant::now() < next_sample {
            continue;
        }
        next_sample += interval;
        // The tree first (a scan of /proc, slow and of varying length), then the clock and
        // its CPU counters together, so each window's time and CPU time cover the same span.
        let members = tree(pid);
        // A sampler preempted between reading the clock and the counters (every core busy
        // with the workload) misaligns the window: read again until both fit in 0.5 ms.
        let (mut t, mut used) = (0.0, (0.0, 0));
        for _ in 0..5 {
            let before = started.elapsed().as_secs_f64();
            used = usage(&members, tick);
            t = started.elapsed().as_secs_f64();
            if t - before < 0.0005 {
                break;
            }
        }
        let (cpu_s, rss_pages) = used;
        if cpu_s >= last_cpu {
            // What skew is left cannot make a window busier than every core all along.
            let cpu_pct = ((cpu_s - last_cpu) / (t - last_t).max(1e-6) * 100.0).min(max_pct);
            let sample = Sample {
                t_s: t,
                cpu_pct,
                mem_bytes: rss_pages * page,
            };
            peak_cpu = peak_cpu.max(cpu_pct);
            peak_mem = peak_mem.max(sample.mem_bytes);
            on_sample(&sample);
        }
        last_cpu = cpu_s;
        last_t = t;
    };
    let (status, usage) = reaped?;
    let wall_s = ended.duration_since(started).as_secs_f64();
    // The child is reaped: make sure nothing it left in its group keeps running.
    // SAFETY: as above.
    unsafe { libc::killpg(group, libc::SIGKILL) };
    let _ = child.try_wait();
    let user = timeval(usage.ru_utime);
    let sys = timeval(usage.ru_stime);
    let rusage_peak = (usage.ru_maxrss as u64) * 1024;
    let (exit_code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    let stderr_tail = stderr.join().unwrap_or_default();
    let status = if timed_out {
        Status::Timeout
    } else if exit_code == Some(0) {
        Status::Ok
    } else {
        Status::Failed
    };
    Ok(Outcome::Finished(Measured {
        wall_s,
        cpu_user_s: user,
        cpu_sys_s: sys,
        cpu_avg_pct: if wall_s > 0.0 {
            (user + sys) / wall_s * 100.0
        } else {
            0.0
        },
        cpu_peak_pct: peak_cpu.max(if wall_s > 0.0 {
            (user + sys) / wall_s * 100.0
        } else {
            0.0
        }),
        mem_peak_bytes: peak_mem.max(rusage_peak),
        exit_code: exit_code.or(signal.map(|s| 128 + s)),
        status,
        stdout_tail: stdout.join().unwrap_or_default(),
        stderr_tail,
    }))
}

fn tail_reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let Some(mut pipe) = pipe else {
            return String::new();
        };
        let mut keep: Vec<u8> = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            keep.extend_from_slice(&buf[..n]);
            if keep.len() > 4 * TAIL {
                keep.drain(..keep.len() - TAIL);
            }
        }
        let start = keep.len().saturating_sub(TAIL);
        String::from_utf8_lossy(&keep[start..]).into_owned()
    })
}

/// Adopt orphaned descendants (the workload, once its shell exits), so `wait4` can reap them.
fn become_subreaper() {
    // SAFETY: prctl with an integer argument.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

type Reaped = (libc::c_int, libc::rusage);

fn reap(pid: libc::pid_t) -> io::Result<Reaped> {
    loop {
        if let Some(done) = wait(pid, 0)? {
            return Ok(done);
        }
    }
}

fn wait(pid: libc::pid_t, flags: libc::c_int) -> io::Result<Option<Reaped>> {
    let mut status = 0;
    // SAFETY: rusage is plain data, filled in by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
    match r {
        0 => Ok(None),
        r if r == pid => Ok(Some((status, usage))),
        _ => {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

fn timeval(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 } else { 4096 }
}

/// `root` and its live descendants, each with its CPU ticks (user + system) and resident pages
/// from `/proc/PID/stat`.
fn tree(root: libc::pid_t) -> Vec<(i32, u64, u64)> {
    let mut parent: HashMap<i32, i32> = HashMap::new();
    let mut stats: HashMap<i32, (u64, u64)> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // After the name: state(0) ppid(1) ... utime(11) stime(12) ... rss(21).
        let num = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
        parent.insert(pid, num(1) as i32);
        stats.insert(pid, (num(11) + num(12), num(21)));
    }
    let mut members = Vec::new();
    for (pid, (t, r)) in &stats {
        let mut p = *pid;
        let mut hops = 0;
        while p != root && p > 1 && hops < 64 {
            p = parent.get(&p).copied().unwrap_or(0);
            hops += 1;
        }
        if p == root {
            members.push((*pid, *t, *r));
        }
    }
    members
}

/// CPU time in seconds (user + system, of live threads) and resident pages of these processes.
/// The CPU time is each process's CPU-time clock (ns, up to date), read in one go: the 10 ms
/// ticks of `stat`, off by up to a tick per process in each window, put a two-core machine's
/// busy pool at 208%. Where the clock cannot be read, the ticks.
fn usage(members: &[(i32, u64, u64)], tick: f64) -> (f64, u64) {
    let mut cpu = 0.0;
    let mut rss = 0;
    for (pid, ticks, pages) in members {
        cpu += scheduled_ns(*pid).map_or(*ticks as f64 / tick, |ns| ns as f64 / 1e9);
        rss += pages;
    }
    (cpu, rss)
}

/// The CPU time of a process (all its threads), in ns, from its CPU-time clock: the kernel brings
/// a running thread's time up to date when the clock is read, where `schedstat` lags by up to a
/// scheduler tick and `stat` counts whole 10 ms ticks.
fn scheduled_ns(pid: i32) -> Option<u64> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: a valid pointer to a clockid_t.
    if unsafe { libc::clock_getcpuclockid(pid, &raw mut clock) } != 0 {
        return None;
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a clock id from clock_getcpuclockid and a valid timespec.
    if unsafe { libc::clock_gettime(clock, &raw mut ts) } != 0 {
        return None;
    }
    Some(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> (Measured, Vec<Sample>) {
        let mut samples = Vec::new();
        let outcome = run(
            &["sh".into(), "-c".into(), script.into()],
            Path::new("."),
            &BTreeMap::new(),
            timeout,
            Duration::from_millis(20),
            &AtomicBool::new(false),
            |s| samples.push(*s),
        )
        .unwrap();
        let Outcome::Finished(m) = outcome else {
            panic!("not cancelled, yet {outcome:?}")
        };
        (m, samples)
    }

    #[test]
    fn cancel_kills_the_workload_and_records_nothing() {
        let cancel = std::sync::Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            flag.store(true, Ordering::SeqCst);
        });
        let t0 = Instant::now();
        let outcome = run(
            &["sh".into(), "-c".into(), "sleep 30 & sleep 30; wait".into()],
            Path::new("."),
            &BTreeMap::new(),
            Duration::from_secs(60),
            Duration::from_secs(5),
            &cancel,
            |_| {},
        )
        .unwrap();
        assert_eq!(outcome, Outcome::Interrupted);
        assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    }

    #[test]
    fn a_busy_workload_is_measured() {
        // A fixed amount of pure shell arithmetic (no forks), then exit 0 with a last line of
        // JSON. Its CPU time is the same on a busy machine; only its share of the wall time drops.
        let (m, samples) = sh(
            "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo '{\"loops\": 1}'",
            Duration::from_secs(60),
        );
        assert_eq!(m.status, Status::Ok);
        assert_eq!(m.exit_code, Some(0));
        let cpu = m.cpu_user_s + m.cpu_sys_s;
        assert!(cpu > 0.05, "{m:?}");
        assert!(
            m.wall_s >= cpu * 0.9,
            "one process cannot use more CPU than wall time: {m:?}"
        );
        assert!(
            (m.cpu_avg_pct - cpu / m.wall_s * 100.0).abs() < 1e-6,
            "average CPU is CPU time over wall time: {m:?}"
        );
        assert!(m.mem_peak_bytes > 100_000, "{m:?}");
        let expected = (m.wall_s / 0.02) as usize;
        assert!(
            samples.len() + 2 >= expected / 2,
            "{} samples over {:.2} s",
            samples.len(),
            m.wall_s
        );
        assert!(samples.windows(2).all(|w| w[1].t_s > w[0].t_s));
        assert!(samples.iter().any(|s| s.cpu_pct > 5.0), "{samples:?}");
        assert_eq!(m.stdout_tail.trim(), "{\"loops\": 1}");
    }

    #[test]
    fn failure_and_timeout() {
        let (m, _) = sh("echo oops >&2; exit 3", Duration::from_secs(20));
        assert_eq!((m.status, m.exit_code), (Status::Failed, Some(3)));
        assert_eq!(m.stderr_tail, "oops\n");
        // The timeout kills the whole group, the grandchild `sleep` too.
        let t0 = Instant::now();
        let (m, _) = sh("sleep 30 & sleep 30; wait", Duration::from_millis(300));
        assert_eq!(m.status, Status::Timeout);
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    }
}
