//! Secrets in the real OS keyring (a throwaway Secret Service under `scripts/with-keyring.sh`).

use arke_export_engine::secrets::{Secret, SecretKind, SecretSource, Secrets};

fn store() -> Secrets {
    Secrets::with_service(&format!("arke-export-test-{}", uuid::Uuid::new_v4().simple()), false)
}

#[test]
fn set_read_clear_in_the_os_keyring() {
    let secrets = store();
    for kind in SecretKind::ALL {
        assert_eq!(secrets.source(kind).unwrap(), SecretSource::NotSet);
        assert!(secrets.get(kind).unwrap().is_none());
    }
    let token = Secret::new("fly-token-for-a-test-0123456789");
    secrets.set(SecretKind::FlyToken, &token).unwrap_or_else(|e| {
        panic!("the keyring is not available ({e}); run the tests with scripts/with-keyring.sh (make test does)")
    });
    assert_eq!(secrets.get(SecretKind::FlyToken).unwrap().unwrap().expose(), token.expose());
    assert_eq!(secrets.source(SecretKind::FlyToken).unwrap(), SecretSource::Keyring);
    assert_eq!(secrets.source(SecretKind::R2Secret).unwrap(), SecretSource::NotSet, "each secret is its own entry");
    secrets.clear(SecretKind::FlyToken).unwrap();
    assert!(secrets.get(SecretKind::FlyToken).unwrap().is_none());
    secrets.clear(SecretKind::FlyToken).unwrap();
    assert!(secrets.set(SecretKind::R2Secret, &Secret::new("  ")).is_err(), "an empty secret is refused");
}

#[test]
fn errors_and_debug_never_show_the_value() {
    let secrets = store();
    let value = Secret::new("super-secret-r2-key-abcdef");
    secrets.set(SecretKind::R2Secret, &value).unwrap();
    let read = secrets.get(SecretKind::R2Secret).unwrap();
    assert!(!format!("{read:?} {secrets:?}").contains("super-secret"));
    secrets.clear(SecretKind::R2Secret).unwrap();
}
