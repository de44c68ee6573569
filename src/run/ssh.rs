//! `ssh://[user@]host[:port]` engines, reached the way the Docker CLI reaches them: every
//! connection is the system `ssh` client running `docker system dial-stdio` on the remote
//! machine, whose standard input and output carry the Engine API. The user's ssh setup
//! (`~/.ssh/config`, keys, ssh-agent, known hosts) applies as it does for `docker -H ssh://...`;
//! deck adds only `BatchMode` (never prompt: a run is unattended) and a connect timeout.

use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bollard::{BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Where to log in: `ssh://[user@]host[:port]` (a path after the host is not allowed, as in the
/// Docker CLI).
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Destination {
    pub fn parse(url: &str) -> Result<Destination, String> {
        let rest = url
            .strip_prefix("ssh://")
            .ok_or_else(|| format!("{url:?} is not an ssh:// address"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') {
            return Err(format!(
                "{url:?}: an ssh:// engine address is ssh://[user@]host[:port], without a path"
            ));
        }
        let (user, host_port) = match rest.rsplit_once('@') {
            Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
            Some(_) => return Err(format!("{url:?}: empty user name before '@'")),
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            // Not an IPv6 address without brackets.
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("{url:?}: {p:?} is not a port number"))?,
                ),
            ),
            _ => (host_port, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.starts_with('-') {
            return Err(format!("{url:?}: no host name"));
        }
        Ok(Destination {
            user,
            host: host.to_string(),
            port,
        })
    }

    /// The ssh command line up to the remote command.
    fn ssh_args(&self) -> Vec<String> {
        let mut args = self.ssh_to();
        args.extend(["docker".into(), "system".into(), "dial-stdio".into()]);
        args
    }

    /// ssh's arguments up to the host: a remote command follows.
    fn ssh_to(&self) -> Vec<String> {
        let mut args: Vec<String> = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
            .map(String::from)
            .to_vec();
        if let Some(user) = &self.user {
            args.extend(["-l".into(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".into(), port.to_string()]);
        }
        args.extend(["--".into(), self.host.clone()]);
        args
    }
}

/// The CPU model of the machine an `ssh://` engine runs on (its `/proc/cpuinfo`, read over ssh):
/// the Docker API does not say. `None` if it cannot be read.
pub fn cpu_model(url: &str) -> Option<String> {
    let destination = Destination::parse(url).ok()?;
    let out = std::process::Command::new("ssh")
        .args(destination.ssh_to())
        .arg("cat /proc/cpuinfo")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    super::meta::cpu_model_in(&String::from_utf8_lossy(&out.stdout))
}

/// What ssh last said on standard error (its reason when a connection fails).
#[derive(Clone, Default)]
pub struct SshErrors(Arc<Mutex<String>>);

impl SshErrors {
    pub fn last(&self) -> String {
        self.0
            .lock()
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }
}

/// A bollard client whose connections are `ssh ... docker system dial-stdio` processes.
pub fn connect(url: &str, timeout_s: u64) -> Result<(Docker, SshErrors), String> {
    let destination = Destination::parse(url)?;
    let errors = SshErrors::default();
    let connector = Connector {
        args: Arc::new(destination.ssh_args()),
        errors: errors.clone(),
    };
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let transport = move |request: BollardRequest| {
        let client = client.clone();
        async move {
            client
                .request(request)
                .await
                .map_err(bollard::errors::Error::from)
        }
    };
    let docker = Docker::connect_with_custom_transport(
        transport,
        Some("http://docker.invalid"),
        timeout_s,
        bollard::API_DEFAULT_VERSION,
    )
    .map_err(|e| e.to_string())?;
    Ok((docker, errors))
}

#[derive(Clone)]
struct Connector {
    args: Arc<Vec<String>>,
    errors: SshErrors,
}

impl tower_service::Service<hyper::Uri> for Connector {
    type Response = Stream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let args = self.args.clone();
        let errors = self.errors.clone();
        Box::pin(async move {
            let mut child = Command::new("ssh")
                .args(args.iter())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| io::Error::new(e.kind(), format!("cannot start ssh: {e}")))?;
            let (Some(stdin), Some(stdout), Some(mut stderr)) =
                (child.stdin.take(), child.stdout.take(), child.stderr.take())
            else {
                return Err(io::Error::other("ssh started without its pipes"));
            };
            // ssh's complaints (host key, authentication, no docker there) become the reason
            // shown when the engine cannot be reached.
            tokio::spawn(async move {
                let mut text = Vec::new();
                let _ = stderr.read_to_end(&mut text).await;
                let text = String::from_utf8_lossy(&text);
                if !text.trim().is_empty()
                    && let Ok(mut last) = errors.0.lock()
                {
                    *last = text.chars().take(2000).collect();
                }
            });
            Ok(Stream {
                _child: child,
                stdin: TokioIo::new(stdin),
                stdout: TokioIo::new(stdout),
            })
        })
    }
}

/// One connection: the ssh process's stdout read, its stdin written.
struct Stream {
    /// Killed when the connection is dropped.
    _child: Child,
    stdin: TokioIo<ChildStdin>,
    stdout: TokioIo<ChildStdout>,
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdout).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stdin).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_addresses_are_parsed_as_the_docker_cli_does() {
        let d = Destination::parse("ssh://bench@lab.example:2222").unwrap();
        assert_eq!(
            d,
            Destination {
                user: Some("bench".into()),
                host: "lab.example".into(),
                port: Some(2222)
            }
        );
        assert_eq!(
            d.ssh_args().join(" "),
            "-o BatchMode=yes -o ConnectTimeout=10 -l bench -p 2222 -- lab.example docker system dial-stdio"
        );
        let d = Destination::parse("ssh://laptop").unwrap();
        assert_eq!((d.user, d.host.as_str(), d.port), (None, "laptop", None));
        let d = Destination::parse("ssh://me@[::1]:22").unwrap();
        assert_eq!((d.host.as_str(), d.port), ("::1", Some(22)));
        for bad in [
            "ssh://",
            "ssh://host/path",
            "ssh://@host",
            "ssh://host:port",
            "ssh://-oProxyCommand=x",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad}");
        }
    }
}
