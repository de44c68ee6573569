//! What a request asks for, decided from its URL alone, and the content type of what is sent.
//!
//! Only a fixed set of names is ever answered: the index, the event stream, the decks (from
//! memory), provenance.json and the data files the figures read. A URL is decoded once and any
//! `..`, `.`, empty segment, backslash or NUL makes it a 404 before a path is built from it.

/// The `Host` names a request may carry: a page on another site that points its own name at
/// this machine (DNS rebinding) sends that name, and is refused.
#[derive(Debug, Clone)]
pub struct Hosts {
    /// The address the server listens on.
    pub ip: std::net::IpAddr,
    /// This machine's name, when the server listens beyond loopback.
    pub machine: Option<String>,
}

impl Hosts {
    /// Whether a request with this `Host` header is for this server: an IP address it listens
    /// on (any, when it listens on all of them; loopback ones always), `localhost`, or this
    /// machine's name (`name`, `name.local`) when it listens beyond loopback. No header (HTTP/1.0
    /// tools) is let in: browsers always send one.
    pub fn allows(&self, header: Option<&str>) -> bool {
        let Some(host) = header.map(str::trim) else {
            return true;
        };
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.rsplit_once(':').map_or(host, |(h, _)| h),
        };
        if let Ok(ip) = name.parse::<std::net::IpAddr>() {
            return ip == self.ip || ip.is_loopback() || self.ip.is_unspecified();
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" {
            return true;
        }
        self.machine.as_deref().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            name == m || name == format!("{m}.local")
        })
    }
}

/// What a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Index,
    Events,
    /// A name under the served output: `talk.html`, `provenance.json`, `data/runs.csv`.
    File(String),
    NotFound,
}

pub const EVENTS: &str = "_deck/events";

pub fn route(url: &str) -> Route {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let Some(decoded) = percent_decode(path) else {
        return Route::NotFound;
    };
    let Some(rest) = decoded.strip_prefix('/') else {
        return Route::NotFound;
    };
    if rest.is_empty() || rest == "index.html" {
        return Route::Index;
    }
    if rest.contains(['\\', '\0', ':']) {
        return Route::NotFound;
    }
    if rest
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Route::NotFound;
    }
    if rest == EVENTS {
        return Route::Events;
    }
    Route::File(rest.to_string())
}

/// `%XX` decoding of a URL path; `None` if the result is not UTF-8 or a `%` is malformed.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            let h = bytes.get(i + 1).copied().and_then(hex)?;
            let l = bytes.get(i + 2).copied().and_then(hex)?;
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "tsv" => "text/tab-separated-values; charset=utf-8",
        "ndjson" | "jsonl" => "application/x-ndjson",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "parquet" => "application/vnd.apache.parquet",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_routed() {
        assert_eq!(route("/"), Route::Index);
        assert_eq!(route("/index.html?x=1"), Route::Index);
        assert_eq!(route("/_deck/events"), Route::Events);
        assert_eq!(route("/talk.html?v=3#2"), Route::File("talk.html".into()));
        assert_eq!(
            route("/data/runs%20a.csv"),
            Route::File("data/runs a.csv".into())
        );
    }

    #[test]
    fn traversal_and_odd_paths_are_not_found() {
        for url in [
            "/../Cargo.toml",
            "/data/../../etc/passwd",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E%2FCargo.toml",
            "/data/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/..%5c..%5cwindows",
            "/data\\..\\x",
            "//etc/passwd",
            "/data//runs.csv",
            "/./talk.html",
            "/C:/x",
            "/%00",
            "/%zz",
            "/%e2%28%a1",
            "relative",
        ] {
            assert_eq!(route(url), Route::NotFound, "{url}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type("data/x.csv"), "text/csv; charset=utf-8");
        assert_eq!(content_type("provenance.json"), "application/json");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn only_this_servers_names_are_hosts() {
        let local = Hosts {
            ip: "127.0.0.1".parse().unwrap(),
            machine: None,
        };
        for ok in [
            None,
            Some("localhost"),
            Some("localhost:8080"),
            Some("127.0.0.1:8080"),
            Some("[::1]:8080"),
            Some("LOCALHOST."),
        ] {
            assert!(local.allows(ok), "{ok:?}");
        }
        for bad in [
            "evil.example:8080",
            "evil.example",
            "192.168.1.9:8080",
            "localhost.evil.example",
            "talk",
        ] {
            assert!(!local.allows(Some(bad)), "{bad}");
        }
        let all = Hosts {
            ip: "0.0.0.0".parse().unwrap(),
            machine: Some("Laptop".into()),
        };
        for ok in [
            "192.168.1.9:8080",
            "laptop:8080",
            "laptop.local",
            "localhost",
        ] {
            assert!(all.allows(Some(ok)), "{ok}");
        }
        assert!(!all.allows(Some("evil.example:8080")));
    }
}
