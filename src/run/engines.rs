//! Which Docker engine `deck run` talks to: a name resolved the way the Docker CLI resolves it.
//!
//! An engine is named by a Docker context (`docker context ls`), a URL (`unix://`, `tcp://`,
//! `ssh://user@host`), `local` (this machine, no engine), or a key of `[bench.engines]` in deck.toml
//! standing for one of those. With none named, the CLI's own choice is taken: `DOCKER_HOST` if set,
//! else `DOCKER_CONTEXT`, else the `currentContext` of the CLI's config.json, else the default
//! socket; for nearly everyone that is the default socket, as before contexts were read.
//!
//! Contexts are read from the CLI's store, as `docker` itself reads them: the config folder is
//! `DOCKER_CONFIG` or `~/.docker`; a context's endpoint is in
//! `contexts/meta/<sha256 of its name>/meta.json` and its TLS files, if any, in
//! `contexts/tls/<sha256 of its name>/docker/{ca,cert,key}.pem`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The address schemes an engine can be reached by.
pub const SCHEMES: &[&str] = &["unix", "tcp", "http", "https", "ssh"];

/// The engine of the default context when nothing else is said.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// A resolved engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What the results call it: the name given (the `[bench.engines]` key or context name).
    pub name: String,
    pub endpoint: Endpoint,
    /// Where the endpoint came from, for error messages ("context `colima`", "DOCKER_HOST").
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    /// This machine itself: local variants only.
    Local,
    Docker {
        /// `unix://...`, `tcp://...`, `https://...` or `ssh://...`.
        host: String,
        tls: Tls,
    },
}

impl Endpoint {
    /// The engine's address (`local` for this machine), as meta.json records it.
    pub fn address(&self) -> &str {
        match self {
            Endpoint::Docker { host, .. } => host,
            Endpoint::Local => "local",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tls {
    /// None, or as bollard reads it from `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`.
    FromEnvironment,
    /// A context's TLS files: `ca.pem`, `cert.pem`, `key.pem` in this folder.
    Files(PathBuf),
}

/// What resolution reads from the environment (a value, so tests can give their own).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// The CLI's config folder: `DOCKER_CONFIG`, else `~/.docker`.
    pub config_dir: Option<PathBuf>,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Env {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            config_dir: var("DOCKER_CONFIG")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|h| Path::new(&h).join(".docker"))),
        }
    }

    /// The context the Docker CLI would use when none is named (`docker context show`).
    fn current_context(&self) -> (String, String) {
        if self.docker_host.is_some() {
            return ("default".into(), "DOCKER_HOST".into());
        }
        if let Some(c) = &self.docker_context {
            return (c.clone(), "DOCKER_CONTEXT".into());
        }
        let from_config = self.config_dir.as_ref().and_then(|dir| {
            let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
            let v: serde_json::Value = serde_json::from_str(&text).ok()?;
            let name = v.get("currentContext")?.as_str()?.to_string();
            Some((
                name,
                format!("currentContext in {}", dir.join("config.json").display()),
            ))
        });
        from_config
            .filter(|(name, _)| !name.is_empty())
            .unwrap_or_else(|| ("default".into(), "the default context".into()))
    }
}

impl Target {
    /// The engine the Docker CLI would use now (`docker context show`), from this process's
    /// environment.
    pub fn current() -> Result<Target, String> {
        resolve(None, &BTreeMap::new(), &Env::from_process())
    }
}

/// Resolve what the command line or deck.toml names (`None`: the CLI's current context).
/// `engines` is `[bench.engines]`: name → context, URL or `local`.
pub fn resolve(
    reference: Option<&str>,
    engines: &BTreeMap<String, String>,
    env: &Env,
) -> Result<Target, String> {
    let Some(reference) = reference else {
        let (context, why) = env.current_context();
        let mut t = context_target(&context, env)?;
        if context != "default" {
            t.source = format!("{} ({why})", t.source);
        }
        return Ok(t);
    };
    if let Some(value) = engines.get(reference) {
        let mut t = direct(value, env)
            .map_err(|e| format!("[bench.engines] {reference} = {value:?}: {e}"))?;
        t.name = reference.to_string();
        t.source = format!("[bench.engines] {reference} = {value:?}");
        return Ok(t);
    }
    direct(reference, env).map_err(|e| {
        if engines.is_empty() {
            e
        } else {
            let known: Vec<&str> = engines.keys().map(String::as_str).collect();
            format!("{e}; [bench.engines] names {}", known.join(", "))
        }
    })
}

/// `local`, a URL, or a context name.
fn direct(value: &str, env: &Env) -> Result<Target, String> {
    if value == "local" {
        return Ok(Target {
            name: "local".into(),
            endpoint: Endpoint::Local,
            source: "this machine".into(),
        });
    }
    if let Some((scheme, rest)) = value.split_once("://") {
        return match scheme {
            _ if SCHEMES.contains(&scheme) && !rest.is_empty() => Ok(Target {
                name: value.to_string(),
                endpoint: Endpoint::Docker {
                    host: value.to_string(),
                    tls: Tls::FromEnvironment,
                },
                source: value.to_string(),
            }),
            _ => Err(format!(
                "{value:?} is not an engine address deck knows: use unix:///path/docker.sock, tcp://host:2376 or ssh://user@host"
            )),
        };
    }
    context_target(value, env)
}

/// A context of the CLI's store; `default` is `DOCKER_HOST` or the default socket.
fn context_target(name: &str, env: &Env) -> Result<Target, String> {
    if name == "default" {
        let (host, source) = match &env.docker_host {
            Some(h) => (h.clone(), "from DOCKER_HOST".to_string()),
            None => (
                DEFAULT_SOCKET.to_string(),
                "the default socket; DOCKER_HOST is not set".to_string(),
            ),
        };
        return Ok(Target {
            name: "default".into(),
            endpoint: Endpoint::Docker {
                host,
                tls: Tls::FromEnvironment,
            },
            source,
        });
    }
    let Some(dir) = &env.config_dir else {
        return Err(format!(
            "no Docker context named {name:?}: neither DOCKER_CONFIG nor HOME is set, so there is no context store to read"
        ));
    };
    let id = crate::results::sha256_bytes(name.as_bytes());
    let meta = dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|_| {
        format!(
            "no engine or Docker context named {name:?} (looked for {}); `docker context ls` lists the contexts, and [bench.engines] in deck.toml can name an address: {name} = \"ssh://user@host\"",
            meta.display()
        )
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "Docker context {name:?}: {} is not valid JSON: {e}",
            meta.display()
        )
    })?;
    let docker = v.pointer("/Endpoints/docker").ok_or_else(|| {
        format!(
            "Docker context {name:?} has no Docker endpoint ({} has no Endpoints.docker)",
            meta.display()
        )
    })?;
    let host = docker
        .get("Host")
        .and_then(|h| h.as_str())
        .filter(|h| !h.is_empty())
        .unwrap_or(DEFAULT_SOCKET)
        .to_string();
    if docker.get("SkipTLSVerify").and_then(|s| s.as_bool()) == Some(true) {
        return Err(format!(
            "Docker context {name:?} skips TLS verification, which deck does not do: a measurement engine should be the one it claims to be\n  help: give the context the engine's CA (`docker context update {name} --docker \"host={host},ca=...,cert=...,key=...\"`)"
        ));
    }
    let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
    let tls = if ["ca.pem", "cert.pem", "key.pem"]
        .iter()
        .all(|f| tls_dir.join(f).is_file())
    {
        Tls::Files(tls_dir)
    } else {
        Tls::FromEnvironment
    };
    Ok(Target {
        name: name.to_string(),
        endpoint: Endpoint::Docker { host, tls },
        source: format!("Docker context `{name}`"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    /// A context written as `docker context create` writes it.
    fn context(dir: &Path, name: &str, host: &str, tls: bool) {
        let id = crate::results::sha256_bytes(name.as_bytes());
        let meta = dir.join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            serde_json::json!({
                "Name": name,
                "Metadata": {"Description": ""},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
            })
            .to_string(),
        )
        .unwrap();
        if tls {
            let t = dir.join("contexts/tls").join(&id).join("docker");
            std::fs::create_dir_all(&t).unwrap();
            for f in ["ca.pem", "cert.pem", "key.pem"] {
                std::fs::write(t.join(f), "x").unwrap();
            }
        }
    }

    fn env(dir: &Path) -> Env {
        Env {
            config_dir: Some(dir.to_path_buf()),
            ..Env::default()
        }
    }

    fn host(t: &Target) -> &str {
        t.endpoint.address()
    }

    #[test]
    fn nothing_named_is_the_clis_current_context() {
        let d = store();
        let mut e = env(d.path());
        // No config, no variables: the default socket.
        assert_eq!(
            host(&resolve(None, &BTreeMap::new(), &e).unwrap()),
            DEFAULT_SOCKET
        );
        // config.json's currentContext.
        context(
            d.path(),
            "colima",
            "unix:///home/me/.colima/docker.sock",
            false,
        );
        std::fs::write(
            d.path().join("config.json"),
            r#"{"currentContext":"colima"}"#,
        )
        .unwrap();
        let t = resolve(None, &BTreeMap::new(), &e).unwrap();
        assert_eq!(
            (t.name.as_str(), host(&t)),
            ("colima", "unix:///home/me/.colima/docker.sock")
        );
        assert!(t.source.contains("currentContext"), "{}", t.source);
        // DOCKER_CONTEXT before the config.
        context(d.path(), "ci", "tcp://ci:2376", true);
        e.docker_context = Some("ci".into());
        assert_eq!(
            host(&resolve(None, &BTreeMap::new(), &e).unwrap()),
            "tcp://ci:2376"
        );
        // DOCKER_HOST before both (the CLI's order).
        e.docker_host = Some("tcp://elsewhere:2375".into());
        let t = resolve(None, &BTreeMap::new(), &e).unwrap();
        assert_eq!(
            (t.name.as_str(), host(&t)),
            ("default", "tcp://elsewhere:2375")
        );
    }

    #[test]
    fn names_are_engines_then_urls_then_contexts() {
        let d = store();
        let e = env(d.path());
        context(d.path(), "lab", "ssh://bench@lab", false);
        context(d.path(), "secure", "tcp://10.0.0.2:2376", true);
        let engines = BTreeMap::from([
            ("laptop".to_string(), "ssh://me@laptop".to_string()),
            ("lab-box".to_string(), "lab".to_string()),
            ("here".to_string(), "local".to_string()),
        ]);
        let t = resolve(Some("laptop"), &engines, &e).unwrap();
        assert_eq!((t.name.as_str(), host(&t)), ("laptop", "ssh://me@laptop"));
        // A [bench.engines] value naming a context: the key is the name in the results.
        let t = resolve(Some("lab-box"), &engines, &e).unwrap();
        assert_eq!((t.name.as_str(), host(&t)), ("lab-box", "ssh://bench@lab"));
        assert_eq!(
            resolve(Some("here"), &engines, &e).unwrap().endpoint,
            Endpoint::Local
        );
        let t = resolve(Some("secure"), &engines, &e).unwrap();
        let tls_dir = d
            .path()
            .join("contexts/tls")
            .join(crate::results::sha256_bytes(b"secure"))
            .join("docker");
        assert_eq!(
            t.endpoint,
            Endpoint::Docker {
                host: "tcp://10.0.0.2:2376".into(),
                tls: Tls::Files(tls_dir)
            }
        );
        let t = resolve(Some("unix:///run/other.sock"), &engines, &e).unwrap();
        assert_eq!(host(&t), "unix:///run/other.sock");
    }

    #[test]
    fn unknown_names_say_where_deck_looked() {
        let d = store();
        let engines = BTreeMap::from([("laptop".to_string(), "nosuch".to_string())]);
        let err = resolve(Some("gpu-box"), &engines, &env(d.path())).unwrap_err();
        assert!(
            err.contains("no engine or Docker context named \"gpu-box\""),
            "{err}"
        );
        assert!(
            err.contains("docker context ls") && err.contains("[bench.engines] names laptop"),
            "{err}"
        );
        let err = resolve(Some("laptop"), &engines, &env(d.path())).unwrap_err();
        assert!(
            err.starts_with("[bench.engines] laptop = \"nosuch\""),
            "{err}"
        );
        let err = resolve(Some("ftp://x"), &BTreeMap::new(), &env(d.path())).unwrap_err();
        assert!(err.contains("not an engine address"), "{err}");
    }
}
