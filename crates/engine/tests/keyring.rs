//! Secrets in the real OS keyring (a throwaway Secret Service under `scripts/with-keyring.sh`), each
//! bound to the endpoint host it was given for.

use arke_export_engine::config::{Config, SettingsFile};
use arke_export_engine::secrets::{Secret, SecretKind, SecretSource, Secrets};
use arke_export_engine::settings_view::{SettingsUpdate, SettingsView};

const FLY: Option<&str> = Some("https://api.machines.dev");
const R2: Option<&str> = Some("https://acc.r2.cloudflarestorage.com");

fn store() -> Secrets {
    Secrets::with_service(&format!("arke-export-test-{}", uuid::Uuid::new_v4().simple()), false)
}

#[test]
fn set_read_clear_in_the_os_keyring() {
    let secrets = store();
    for (kind, endpoint) in [(SecretKind::FlyToken, FLY), (SecretKind::R2Secret, R2)] {
        assert_eq!(secrets.source(kind, endpoint).unwrap(), SecretSource::NotSet);
        assert!(secrets.get(kind, endpoint).unwrap().is_none());
    }
    let token = Secret::new("fly-token-for-a-test-0123456789");
    secrets.set(SecretKind::FlyToken, FLY, &token).unwrap_or_else(|e| {
        panic!("the keyring is not available ({e}); run the tests with scripts/with-keyring.sh (make test does)")
    });
    assert_eq!(secrets.get(SecretKind::FlyToken, FLY).unwrap().unwrap().expose(), token.expose());
    assert_eq!(secrets.source(SecretKind::FlyToken, FLY).unwrap(), SecretSource::Keyring);
    assert_eq!(secrets.source(SecretKind::R2Secret, R2).unwrap(), SecretSource::NotSet, "each secret is its own entry");
    secrets.clear(SecretKind::FlyToken, FLY).unwrap();
    assert!(secrets.get(SecretKind::FlyToken, FLY).unwrap().is_none());
    secrets.clear(SecretKind::FlyToken, FLY).unwrap();
    assert!(secrets.set(SecretKind::R2Secret, R2, &Secret::new("  ")).is_err(), "an empty secret is refused");
    let e = secrets.set(SecretKind::R2Secret, None, &Secret::new("x")).unwrap_err();
    assert!(e.to_string().contains("set R2_ENDPOINT or R2_ACCOUNT_ID first"), "{e}");
}

#[test]
fn a_secret_reads_not_set_at_another_host() {
    let secrets = store();
    secrets.set(SecretKind::FlyToken, FLY, &Secret::new("token-for-fly")).unwrap();
    secrets.set(SecretKind::R2Secret, R2, &Secret::new("secret-for-r2")).unwrap();
    for elsewhere in ["https://api.machines.dev.evil.example", "https://evil.example", "https://api.machines.dev:8443"]
    {
        assert!(secrets.get(SecretKind::FlyToken, Some(elsewhere)).unwrap().is_none(), "{elsewhere}");
        assert_eq!(secrets.source(SecretKind::FlyToken, Some(elsewhere)).unwrap(), SecretSource::NotSet);
    }
    let same_host = Some("https://API.machines.dev:443/v1/");
    assert_eq!(secrets.get(SecretKind::FlyToken, same_host).unwrap().unwrap().expose(), "token-for-fly");
    assert!(secrets.get(SecretKind::R2Secret, Some("https://other.r2.cloudflarestorage.com")).unwrap().is_none());
    assert!(secrets.get(SecretKind::FlyToken, None).unwrap().is_none());
    secrets.clear(SecretKind::FlyToken, FLY).unwrap();
    secrets.clear(SecretKind::R2Secret, R2).unwrap();
}

#[test]
fn a_secret_kept_before_hosts_moves_to_the_official_host_only() {
    let service = format!("arke-export-test-{}", uuid::Uuid::new_v4().simple());
    let secrets = Secrets::with_service(&service, false);
    for (user, value) in [("fly-api-token", "old-fly-token"), ("r2-secret-access-key", "old-r2-secret")] {
        keyring::Entry::new(&service, user).unwrap().set_password(value).unwrap();
    }
    let elsewhere = Some("https://fly.evil.example");
    assert!(secrets.get(SecretKind::FlyToken, elsewhere).unwrap().is_none(), "never to another host");
    assert_eq!(secrets.get(SecretKind::FlyToken, FLY).unwrap().unwrap().expose(), "old-fly-token");
    assert!(keyring::Entry::new(&service, "fly-api-token").unwrap().get_password().is_err(), "moved, not copied");
    assert!(secrets.get(SecretKind::FlyToken, elsewhere).unwrap().is_none());
    assert!(secrets.get(SecretKind::R2Secret, Some("https://r2.evil.example")).unwrap().is_none());
    assert_eq!(secrets.get(SecretKind::R2Secret, R2).unwrap().unwrap().expose(), "old-r2-secret");
    secrets.clear(SecretKind::FlyToken, FLY).unwrap();
    secrets.clear(SecretKind::R2Secret, R2).unwrap();
}

/// What the webview can do: change the endpoints in Settings. The tokens stay with their hosts.
#[tokio::test]
async fn changing_an_endpoint_in_settings_does_not_carry_the_secret_along() {
    let secrets = store();
    let dir = tempfile::tempdir().unwrap();
    let mut file = SettingsFile::load(&dir.path().join("config.toml")).unwrap();
    let values = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let first = SettingsUpdate {
        values: values(&[("R2_ACCOUNT_ID", "acc")]),
        fly_token: Some("token-for-fly".into()),
        r2_secret: Some("secret-for-r2".into()),
        ..SettingsUpdate::default()
    };
    first.apply(&mut file, &secrets).await.unwrap();
    let view = SettingsView::load(&file, &secrets).await.unwrap();
    assert_eq!((view.fly_token, view.r2_secret), (SecretSource::Keyring, SecretSource::Keyring));

    let moved = SettingsUpdate {
        values: values(&[("FLY_API_URL", "https://fly.evil.example"), ("R2_ENDPOINT", "https://r2.evil.example")]),
        ..SettingsUpdate::default()
    };
    moved.apply(&mut file, &secrets).await.unwrap();
    let config = Config::resolve(&file, |_| None).unwrap();
    for kind in SecretKind::ALL {
        assert!(secrets.get(kind, kind.endpoint(&config)).unwrap().is_none(), "{kind:?} followed the endpoint");
    }
    let view = SettingsView::load(&file, &secrets).await.unwrap();
    assert_eq!((view.fly_token, view.r2_secret), (SecretSource::NotSet, SecretSource::NotSet));
    let refused =
        SettingsUpdate { values: values(&[("FLY_API_URL", "http://fly.evil.example")]), ..Default::default() };
    let e = refused.apply(&mut file, &secrets).await.unwrap_err();
    assert!(e.to_string().contains("https://"), "a non-loopback endpoint must be https: {e}");

    let back = SettingsUpdate { values: values(&[("FLY_API_URL", ""), ("R2_ENDPOINT", "")]), ..Default::default() };
    back.apply(&mut file, &secrets).await.unwrap();
    let config = Config::resolve(&file, |_| None).unwrap();
    assert_eq!(
        secrets.get(SecretKind::FlyToken, SecretKind::FlyToken.endpoint(&config)).unwrap().unwrap().expose(),
        "token-for-fly"
    );
    for kind in SecretKind::ALL {
        secrets.clear(kind, kind.endpoint(&config)).unwrap();
    }
}

#[test]
fn errors_and_debug_never_show_the_value() {
    let secrets = store();
    let value = Secret::new("super-secret-r2-key-abcdef");
    secrets.set(SecretKind::R2Secret, R2, &value).unwrap();
    let read = secrets.get(SecretKind::R2Secret, R2).unwrap();
    assert!(!format!("{read:?} {secrets:?}").contains("super-secret"));
    let update = SettingsUpdate {
        fly_token: Some("super-secret-fly".into()),
        r2_secret: Some("super-secret-r2".into()),
        worker_r2_secret: Some("super-secret-worker".into()),
        ..SettingsUpdate::default()
    };
    let shown = format!("{update:?} {update:#?}");
    assert!(!shown.contains("super-secret") && shown.contains("[redacted]"), "{shown}");
    secrets.clear(SecretKind::R2Secret, R2).unwrap();
}
