//! What a run measures, the same for a local process and a container.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    Timeout,
    /// Killed by the kernel for want of memory (containers: the engine says so).
    Oom,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Oom => "oom",
        }
    }
}

/// One sample of the running workload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub t_s: f64,
    pub cpu_pct: f64,
    pub mem_bytes: u64,
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub wall_s: f64,
    pub cpu_user_s: f64,
    pub cpu_sys_s: f64,
    /// Mean CPU over the run (100 = one core busy).
    pub cpu_avg_pct: f64,
    pub cpu_peak_pct: f64,
    pub mem_peak_bytes: u64,
    pub exit_code: Option<i32>,
    pub status: Status,
    /// The last 4 KiB of stdout and stderr.
    pub stdout_tail: String,
    pub stderr_tail: String,
}

/// A run either ends (well or badly: see [`Measured::status`]) or is stopped by Ctrl-C, in which
/// case nothing of it is recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Finished(Measured),
    Interrupted,
}

impl Measured {
    /// The workload's own metrics: a JSON object on the last non-empty line of its stdout,
    /// flattened (`{"a": {"b": 1}}` gives `a.b = 1`); numbers, strings and booleans are kept, and a
    /// last line that is not JSON (`done`) means none. An error says why a last line that starts
    /// as a JSON object is not one (cut short, `1e400`): the run's metrics would be lost silently.
    pub fn read_metrics(&self) -> Result<Vec<(String, String)>, String> {
        let Some(line) = self
            .stdout_tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
        else {
            return Ok(Vec::new());
        };
        let line = line.trim();
        if !line.starts_with('{') {
            return Ok(Vec::new());
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v @ serde_json::Value::Object(_)) => {
                let mut out = Vec::new();
                flatten("", &v, &mut out);
                Ok(out)
            }
            Ok(_) => Err("the last line of the output is not a JSON object".into()),
            Err(e) => Err(format!(
                "the last line of the output is not valid JSON: {e}"
            )),
        }
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Null | Value::Array(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that ended well and printed `out`.
    fn printed(out: &str) -> Measured {
        Measured {
            wall_s: 1.0,
            cpu_user_s: 0.0,
            cpu_sys_s: 0.0,
            cpu_avg_pct: 0.0,
            cpu_peak_pct: 0.0,
            mem_peak_bytes: 0,
            exit_code: Some(0),
            status: Status::Ok,
            stdout_tail: out.into(),
            stderr_tail: String::new(),
        }
    }

    #[test]
    fn metrics_come_from_the_last_json_line_flattened() {
        let m = printed(
            "warming up\n{\"total_s\": 1.5, \"phases\": {\"parse_s\": 0.25}, \"label\": \"x\", \"list\": [1]}\n\n",
        );
        assert_eq!(
            m.read_metrics().unwrap(),
            // In the workload's own order.
            [
                ("total_s".to_string(), "1.5".to_string()),
                ("phases.parse_s".to_string(), "0.25".to_string()),
                ("label".to_string(), "x".to_string()),
            ]
        );
        assert!(printed("done\n").read_metrics().unwrap().is_empty());
    }

    #[test]
    fn a_broken_result_line_is_an_error_not_silence() {
        assert_eq!(printed("done\n").read_metrics(), Ok(Vec::new()));
        let big = printed("{\"total_s\": 1e400}\n")
            .read_metrics()
            .unwrap_err();
        assert!(
            big.contains("not valid JSON") && big.contains("out of range"),
            "{big}"
        );
        let cut = printed("{\"total_s\": 1.5, \"pha\n")
            .read_metrics()
            .unwrap_err();
        assert!(cut.contains("not valid JSON"), "{cut}");
    }
}
