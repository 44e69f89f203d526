//! The endpoints secrets are sent to: which URLs are allowed (`https`, or `http` on this computer's
//! loopback only) and the host a secret is bound to in the keyring (`api.machines.dev`,
//! `127.0.0.1:9000`): a token entered for one host is never sent to another.

use reqwest::Url;

/// True when `url` points at this computer (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why `url` is not an allowed endpoint, if it is not: an `https://` URL with a host, or `http://` on
/// loopback; no user name or password in it.
pub fn problem(url: &str) -> Option<&'static str> {
    let Ok(parsed) = Url::parse(url.trim()) else { return Some("an https:// URL") };
    if parsed.host().is_none() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("an https:// URL with a host (and no user name or password)");
    }
    match parsed.scheme() {
        "https" => None,
        "http" if is_loopback(&parsed) => None,
        "http" => Some("an https:// URL (http:// only for this computer: localhost, 127.0.0.1, [::1])"),
        _ => Some("an https:// URL"),
    }
}

/// The host (and port, when not the scheme's default) a secret for `url` is bound to, lower case;
/// `None` when `url` has no host.
pub fn host_key(url: &str) -> Option<String> {
    let parsed = Url::parse(url.trim()).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_and_http_only_on_loopback() {
        for ok in [
            "https://api.machines.dev",
            "https://acc.r2.cloudflarestorage.com/",
            "http://127.0.0.1:9000",
            "http://127.8.9.10",
            "http://localhost:4280/x",
            "http://[::1]:8080",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "http://api.machines.dev",
            "http://10.0.0.1:9000",
            "http://localhost.evil.example",
            "ftp://x",
            "https://",
            "https://user:pw@api.machines.dev",
            "api.machines.dev",
            "",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_secret_is_bound_to_host_and_port() {
        assert_eq!(host_key("https://api.machines.dev/v1").as_deref(), Some("api.machines.dev"));
        assert_eq!(host_key("https://API.Machines.dev:443").as_deref(), Some("api.machines.dev"));
        assert_eq!(host_key("https://api.machines.dev:8443").as_deref(), Some("api.machines.dev:8443"));
        assert_eq!(host_key("http://127.0.0.1:9000").as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(host_key("http://[::1]:1").as_deref(), Some("[::1]:1"));
        assert_eq!(host_key("not a url"), None);
    }
}
