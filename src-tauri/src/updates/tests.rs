//! The updater, offline: a local HTTP server serves a Tauri v2 `latest.json` and an artifact signed
//! with a throwaway key pair made here (the format `tauri signer generate` and `tauri signer sign
//! --app-version` write: base64 of minisign's text boxes). The checks and the signature verification
//! are tauri-plugin-updater's own, driven through a mock app (no window).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

use super::*;

/// The mock app's version (`tauri::test::mock_context`).
const CURRENT: &str = "0.1.0";
const ARTIFACT: &[u8] = b"Arke Export 0.2.0, packed for the updater";

struct Keys {
    /// What goes in `plugins.updater.pubkey`.
    public: String,
    pair: minisign::KeyPair,
}

fn throwaway_keys() -> Keys {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    Keys { public: STANDARD.encode(pair.pk.to_box().unwrap().to_string()), pair }
}

/// The `.sig` text, base64, as the manifest carries it; bound to `version` like the Tauri CLI does.
fn sign(keys: &Keys, data: &[u8], version: &str) -> String {
    let trusted = format!("timestamp:1764547200\tfile:arke-export.tar.gz\tversion:{version}");
    let signature = minisign::sign(
        Some(&keys.pair.pk),
        &keys.pair.sk,
        data,
        Some(&trusted),
        Some("signature from tauri secret key"),
    )
    .unwrap();
    STANDARD.encode(signature.into_string())
}

/// Serves, on a free local port until the test process ends, the routes (path → body) that `routes`
/// makes from the server's base URL.
fn serve(routes: impl FnOnce(&str) -> Vec<(&'static str, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let routes = routes(&base);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let request = String::from_utf8_lossy(&request);
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = routes
                .iter()
                .find(|(p, _)| *p == path)
                .map_or(("404 Not Found", &[][..]), |(_, body)| ("200 OK", body.as_slice()));
            let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
        }
    });
    base
}

/// A release server: `latest.json` (the static format, this platform's entry) announcing `version`
/// with `signature`, and `artifact` at the URL it names. Returns the manifest's URL.
fn release(version: &str, signature: &str, artifact: &[u8]) -> Url {
    let base = serve(|base| {
        let manifest = json!({
            "version": version,
            "notes": "Faster downloads.\nA clearer jobs list.",
            "pub_date": "2026-12-01T07:00:00Z",
            "platforms": {
                tauri_plugin_updater::target().unwrap(): {
                    "signature": signature,
                    "url": format!("{base}/arke-export.tar.gz"),
                }
            }
        });
        vec![("/latest.json", serde_json::to_vec(&manifest).unwrap()), ("/arke-export.tar.gz", artifact.to_vec())]
    });
    format!("{base}/latest.json").parse().unwrap()
}

/// A mock app with the updater plugin, configured as tauri.conf.json does but with `public` as the
/// key (plain HTTP is allowed for the local test server only).
fn app(public: &str) -> tauri::App<MockRuntime> {
    let mut context = mock_context(noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".into(),
        json!({ "pubkey": public, "endpoints": [], "dangerousInsecureTransportProtocol": true }),
    );
    mock_builder().plugin(tauri_plugin_updater::Builder::new().build()).build(context).unwrap()
}

/// The error of a check expected to fail (an `Update` has no `Debug` for `unwrap_err`).
fn failed<T>(result: Result<T, ErrorPayload>) -> ErrorPayload {
    match result {
        Ok(_) => panic!("the check was expected to fail"),
        Err(e) => e,
    }
}

async fn check_at(app: &tauri::App<MockRuntime>, url: Url) -> Result<Option<Update>, ErrorPayload> {
    check(&updater(app.handle(), Some(vec![url]), CHECK_TIMEOUT)?).await
}

#[tokio::test]
async fn a_newer_signed_release_is_found_shown_and_verified() {
    let keys = throwaway_keys();
    let app = app(&keys.public);
    let url = release("0.2.0", &sign(&keys, ARTIFACT, "0.2.0"), ARTIFACT);

    let update = check_at(&app, url).await.unwrap().expect("0.2.0 is newer than 0.1.0");
    assert_eq!(
        UpdateInfo::of(&update),
        UpdateInfo {
            version: "0.2.0".into(),
            current_version: CURRENT.into(),
            notes: Some("Faster downloads.\nA clearer jobs list.".into()),
            date: Some("2026-12-01T07:00:00Z".into()),
        }
    );
    assert_eq!(download_verified(&update).await.unwrap(), ARTIFACT, "the verified bytes are the artifact's");
}

#[tokio::test]
async fn the_same_or_an_older_version_is_no_update() {
    let keys = throwaway_keys();
    let app = app(&keys.public);
    for version in [CURRENT, "0.0.9"] {
        let url = release(version, &sign(&keys, ARTIFACT, version), ARTIFACT);
        assert!(check_at(&app, url).await.unwrap().is_none(), "{version} is not an update");
    }
}

/// Checks, downloads, and expects the refusal: nothing verified comes back.
async fn assert_refused(app: &tauri::App<MockRuntime>, url: Url, served: &[u8], why: &str) {
    let update = check_at(app, url).await.unwrap().expect("the manifest announces 0.2.0");
    let e = download_verified(&update).await.expect_err(why);
    assert_eq!(e.code, ErrorCode::UpdateRejected, "{why}: {e:?}");
    assert!(e.message.starts_with("The update to 0.2.0 was refused"), "{why}: {}", e.message);
    assert!(e.message.ends_with("nothing was installed"), "{why}: {}", e.message);
    assert!(e.hint.is_some(), "{why}: the archivist is told what to do");
    // The plugin's install path verifies again: bytes that fail are never installed.
    let e = install(&update, served).expect_err(why);
    assert_eq!(e.code, ErrorCode::UpdateRejected, "{why}: {e:?}");
}

#[tokio::test]
async fn an_artifact_signed_by_another_key_is_refused() {
    let (release_keys, other_keys) = (throwaway_keys(), throwaway_keys());
    let app = app(&release_keys.public);
    let url = release("0.2.0", &sign(&other_keys, ARTIFACT, "0.2.0"), ARTIFACT);
    assert_refused(&app, url, ARTIFACT, "a signature from another key").await;
}

#[tokio::test]
async fn an_artifact_changed_after_signing_is_refused() {
    let keys = throwaway_keys();
    let app = app(&keys.public);
    let mut tampered = ARTIFACT.to_vec();
    tampered[0] ^= 1;
    // The signature covers the artifact's hash (minisign, prehashed): one changed bit fails it.
    let url = release("0.2.0", &sign(&keys, ARTIFACT, "0.2.0"), &tampered);
    assert_refused(&app, url, &tampered, "an artifact whose hash is not the signed one").await;
}

#[tokio::test]
async fn a_signature_that_is_not_one_is_refused() {
    let keys = throwaway_keys();
    let app = app(&keys.public);
    let url = release("0.2.0", &STANDARD.encode("untrusted comment: nothing\nAAAA\n"), ARTIFACT);
    assert_refused(&app, url, ARTIFACT, "a malformed signature").await;
}

#[tokio::test]
async fn an_older_release_announced_as_newer_is_refused() {
    let keys = throwaway_keys();
    let app = app(&keys.public);
    // A genuine 0.1.5 artifact and signature, relabeled 0.2.0 in an (unsigned) manifest.
    let url = release("0.2.0", &sign(&keys, ARTIFACT, "0.1.5"), ARTIFACT);
    assert_refused(&app, url, ARTIFACT, "a signature bound to another version").await;
}

#[tokio::test]
async fn an_unreachable_server_is_a_quick_clear_error() {
    let app = app(&throwaway_keys().public);
    // A port that was just free: the connection is refused.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let started = Instant::now();
    let e = failed(check_at(&app, format!("http://{closed}/latest.json").parse().unwrap()).await);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(e.code, ErrorCode::UpdateCheckFailed);
    assert!(e.message.starts_with("Could not check for updates"), "{}", e.message);
    assert!(e.hint.unwrap().contains("keeps working"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let app = app(&throwaway_keys().public);
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url: Url = format!("http://{}/latest.json", silent.local_addr().unwrap()).parse().unwrap();
    let started = Instant::now();
    let e = failed(check(&updater(app.handle(), Some(vec![url]), Duration::from_millis(500)).unwrap()).await);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(e.code, ErrorCode::UpdateCheckFailed);
    drop(silent);
}

#[tokio::test]
async fn a_missing_or_broken_manifest_is_a_check_error() {
    let app = app(&throwaway_keys().public);
    let base = serve(|_| vec![("/latest.json", b"{\"version\": \"soon\"}".to_vec())]);
    for path in ["/latest.json", "/nothing-here.json"] {
        let e = failed(check_at(&app, format!("{base}{path}").parse().unwrap()).await);
        assert_eq!(e.code, ErrorCode::UpdateCheckFailed, "{path}: {e:?}");
    }
}

#[test]
fn installing_waits_while_an_export_or_a_download_is_in_flight() {
    use JobState as S;
    assert!(refuse_while_busy([]).is_ok());
    assert!(refuse_while_busy([S::Queued, S::Ready, S::Downloaded, S::Failed, S::Canceled, S::Expired]).is_ok());
    let e = refuse_while_busy([S::Running, S::Ready]).unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateBusy);
    assert_eq!(e.message, "The update was not installed: 1 export is in flight");
    assert!(e.hint.unwrap().contains("finish"));
    let e = refuse_while_busy([S::Spawning, S::Running, S::Downloading]).unwrap_err();
    assert_eq!(e.message, "The update was not installed: 2 exports and 1 download in flight");
    let e = refuse_while_busy([S::Downloading, S::Downloading]).unwrap_err();
    assert_eq!(e.message, "The update was not installed: 2 downloads are in flight");
}

#[test]
fn the_release_config_holds_a_public_key_and_https_endpoints_only() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json");
    let conf: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let updater = &conf["plugins"]["updater"];
    serde_json::from_value::<tauri_plugin_updater::Config>(updater.clone()).expect("the plugin reads its config");
    let key = String::from_utf8(STANDARD.decode(updater["pubkey"].as_str().unwrap()).unwrap()).unwrap();
    assert!(key.starts_with("untrusted comment: minisign public key"), "a public key, never a secret one: {key}");
    minisign::PublicKeyBox::from_string(&key).unwrap().into_public_key().expect("the key decodes");
    let endpoints = updater["endpoints"].as_array().unwrap();
    assert!(!endpoints.is_empty());
    for endpoint in endpoints {
        assert!(endpoint.as_str().unwrap().starts_with("https://"), "{endpoint}");
    }
    for loosening in
        ["dangerousInsecureTransportProtocol", "dangerousAcceptInvalidCerts", "dangerousAcceptInvalidHostnames"]
    {
        assert!(updater.get(loosening).is_none(), "plugins.updater.{loosening} is set");
    }
}
