//! A container's CPU and memory read straight from its cgroup, when the engine runs on this
//! machine. The engine's stats stream comes once a second, so CPU times taken from its last frame
//! can miss up to a second of the run; the cgroup's own counters can be read every 100 ms for next
//! to nothing. cgroup v1 (`cpuacct`, `memory` controllers, wherever they are mounted) and v2.

use std::path::{Path, PathBuf};

/// CPU counters of a cgroup, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cpu {
    pub total_ns: u64,
    pub user_ns: u64,
    pub sys_ns: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum CpuFiles {
    /// `cpuacct.usage` (ns) and `cpuacct.stat` (user/system in clock ticks).
    V1 { usage: PathBuf, stat: PathBuf },
    /// `cpu.stat`: usage_usec, user_usec, system_usec.
    V2 { stat: PathBuf },
}

#[derive(Debug, Clone, PartialEq)]
struct MemFiles {
    /// `memory.usage_in_bytes` (v1) or `memory.current` (v2).
    usage: PathBuf,
    stat: PathBuf,
    /// The page cache to leave out, as `docker stats` does.
    inactive_key: &'static str,
}

/// Where a process's cgroup counters are.
#[derive(Debug, Clone, PartialEq)]
pub struct Cgroup {
    cpu: CpuFiles,
    mem: Option<MemFiles>,
    ticks: u64,
}

impl Cgroup {
    /// The cgroup of `pid` on this machine, if its counters can be read.
    pub fn of(pid: u32) -> Option<Cgroup> {
        let own = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let cg = Cgroup::locate(&own, &mounts, clock_ticks())?;
        cg.cpu().map(|_| cg)
    }

    /// From the text of `/proc/PID/cgroup` and `/proc/self/mountinfo`.
    fn locate(own: &str, mountinfo: &str, ticks: u64) -> Option<Cgroup> {
        let mounts: Vec<Mount> = mountinfo.lines().filter_map(Mount::parse).collect();
        let v1 = |controller: &str| -> Option<PathBuf> {
            let path = own.lines().find_map(|l| {
                let mut f = l.splitn(3, ':');
                let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
                ctrls.split(',').any(|c| c == controller).then_some(path)
            })?;
            let m = mounts
                .iter()
                .find(|m| m.fstype == "cgroup" && m.options.split(',').any(|o| o == controller))?;
            m.resolve(path)
        };
        if let Some(cpu) = v1("cpuacct") {
            let mem = v1("memory").map(|dir| MemFiles {
                usage: dir.join("memory.usage_in_bytes"),
                stat: dir.join("memory.stat"),
                inactive_key: "total_inactive_file",
            });
            return Some(Cgroup {
                cpu: CpuFiles::V1 {
                    usage: cpu.join("cpuacct.usage"),
                    stat: cpu.join("cpuacct.stat"),
                },
                mem,
                ticks,
            });
        }
        let path = own.lines().find_map(|l| l.strip_prefix("0::"))?;
        let m = mounts.iter().find(|m| m.fstype == "cgroup2")?;
        let dir = m.resolve(path)?;
        Some(Cgroup {
            cpu: CpuFiles::V2 {
                stat: dir.join("cpu.stat"),
            },
            mem: Some(MemFiles {
                usage: dir.join("memory.current"),
                stat: dir.join("memory.stat"),
                inactive_key: "inactive_file",
            }),
            ticks,
        })
    }

    /// The CPU counters now; `None` once the cgroup is gone (the container ended).
    pub fn cpu(&self) -> Option<Cpu> {
        match &self.cpu {
            CpuFiles::V1 { usage, stat } => {
                let total_ns: u64 = read(usage)?.trim().parse().ok()?;
                let stat = read(stat)?;
                // cpuacct.stat counts clock ticks (10 ms): on a short run they are off by tens
                // of ms from the exact usage. As cgroup v2 does, the exact total is split in
                // their proportion, so user + system is the total.
                let (user, system) = (field(&stat, "user")?, field(&stat, "system")?);
                let user_ns = match user + system {
                    0 => total_ns,
                    ticks => (u128::from(total_ns) * u128::from(user) / u128::from(ticks)) as u64,
                };
                Some(Cpu {
                    total_ns,
                    user_ns,
                    sys_ns: total_ns - user_ns,
                })
            }
            CpuFiles::V2 { stat } => {
                let stat = read(stat)?;
                let ns = |key: &str| field(&stat, key).map(|us| us * 1000);
                Some(Cpu {
                    total_ns: ns("usage_usec")?,
                    user_ns: ns("user_usec")?,
                    sys_ns: ns("system_usec")?,
                })
            }
        }
    }

    /// Memory in use without the page cache, as `docker stats` shows it.
    pub fn memory(&self) -> Option<u64> {
        let m = self.mem.as_ref()?;
        let usage: u64 = read(&m.usage)?.trim().parse().ok()?;
        let cache = read(&m.stat).and_then(|s| field(&s, m.inactive_key));
        Some(match cache {
            Some(c) if c < usage => usage - c,
            _ => usage,
        })
    }
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The value of `key` in a `key value` per line file.
fn field(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// One line of `/proc/self/mountinfo`.
struct Mount {
    /// The folder of the hierarchy that is mounted (`/` usually).
    root: String,
    point: PathBuf,
    fstype: String,
    /// Super options: for cgroup v1, the controllers of the hierarchy.
    options: String,
}

impl Mount {
    fn parse(line: &str) -> Option<Mount> {
        let (left, right) = line.split_once(" - ")?;
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        Some(Mount {
            root: unescape(l.get(3)?),
            point: PathBuf::from(unescape(l.get(4)?)),
            fstype: r.first()?.to_string(),
            options: r.get(2).map_or(String::new(), |o| o.to_string()),
        })
    }

    /// A cgroup path as seen in `/proc/PID/cgroup`, under this mount.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let rel = if self.root == "/" {
            path
        } else {
            path.strip_prefix(self.root.as_str())?
        };
        Some(self.point.join(rel.trim_start_matches('/')))
    }
}

/// mountinfo writes spaces and a few other characters as octal escapes (`\040`).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v as char);
            i += 4;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS_V1: &str = "\
30 25 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
33 30 0:29 / /sys/fs/cgroup/cpu rw,nosuid shared:12 - cgroup cgroup rw,cpu
34 30 0:30 / /sys/fs/cgroup/cpuacct rw,nosuid shared:13 - cgroup cgroup rw,cpuacct
36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
40 30 0:35 / /sys/fs/cgroup/unified rw,nosuid shared:19 - cgroup2 cgroup2 rw
";
    const OWN_V1: &str =
        "4:memory:/docker/abc\n2:cpuacct:/docker/abc\n1:cpu:/docker/abc\n0::/docker/abc\n";

    #[test]
    fn v1_controllers_are_found_where_they_are_mounted() {
        let cg = Cgroup::locate(OWN_V1, MOUNTS_V1, 100).unwrap();
        assert_eq!(
            cg.cpu,
            CpuFiles::V1 {
                usage: "/sys/fs/cgroup/cpuacct/docker/abc/cpuacct.usage".into(),
                stat: "/sys/fs/cgroup/cpuacct/docker/abc/cpuacct.stat".into(),
            }
        );
        let mem = cg.mem.unwrap();
        assert_eq!(
            mem.usage,
            PathBuf::from("/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes")
        );
        assert_eq!(mem.inactive_key, "total_inactive_file");
        // Joined controllers (cpu,cpuacct) and a mount whose root is a sub-folder.
        let joined =
            "50 30 0:40 /docker /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
        let cg = Cgroup::locate("2:cpu,cpuacct:/docker/abc\n", joined, 100).unwrap();
        assert_eq!(
            cg.cpu,
            CpuFiles::V1 {
                usage: "/sys/fs/cgroup/cpu,cpuacct/abc/cpuacct.usage".into(),
                stat: "/sys/fs/cgroup/cpu,cpuacct/abc/cpuacct.stat".into(),
            }
        );
    }

    #[test]
    fn v2_is_the_unified_hierarchy() {
        let mounts =
            "31 25 0:27 / /sys/fs/cgroup rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n";
        let cg = Cgroup::locate("0::/system.slice/docker-abc.scope\n", mounts, 100).unwrap();
        assert_eq!(
            cg.cpu,
            CpuFiles::V2 {
                stat: "/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat".into()
            }
        );
        assert_eq!(cg.mem.unwrap().inactive_key, "inactive_file");
    }

    #[test]
    fn counters_are_read_and_converted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("cpuacct.usage"), "2500000000\n").unwrap();
        std::fs::write(d.join("cpuacct.stat"), "user 200\nsystem 50\n").unwrap();
        std::fs::write(d.join("memory.usage_in_bytes"), "1000000\n").unwrap();
        std::fs::write(
            d.join("memory.stat"),
            "cache 5\ntotal_inactive_file 250000\n",
        )
        .unwrap();
        let cg = Cgroup {
            cpu: CpuFiles::V1 {
                usage: d.join("cpuacct.usage"),
                stat: d.join("cpuacct.stat"),
            },
            mem: Some(MemFiles {
                usage: d.join("memory.usage_in_bytes"),
                stat: d.join("memory.stat"),
                inactive_key: "total_inactive_file",
            }),
            ticks: 100,
        };
        assert_eq!(
            cg.cpu(),
            Some(Cpu {
                total_ns: 2_500_000_000,
                user_ns: 2_000_000_000,
                sys_ns: 500_000_000
            })
        );
        assert_eq!(cg.memory(), Some(750_000));
        std::fs::write(
            d.join("cpu.stat"),
            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n",
        )
        .unwrap();
        let v2 = Cgroup {
            cpu: CpuFiles::V2 {
                stat: d.join("cpu.stat"),
            },
            mem: None,
            ticks: 100,
        };
        assert_eq!(
            v2.cpu(),
            Some(Cpu {
                total_ns: 1_500_000,
                user_ns: 1_000_000,
                sys_ns: 500_000
            })
        );
        assert_eq!(v2.memory(), None);
        assert_eq!(unescape(r"/a\040b"), "/a b");
    }
}
