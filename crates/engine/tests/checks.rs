//! Settings' "Test connection" for Fly and R2: precise results for good and bad settings.

mod common;

use arke_export_engine::checks::{check_fly, check_r2};
use arke_export_engine::secrets::{Secret, SecretKind};
use common::External;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_reports_what_works_and_what_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let config = ext.config(&[]);
    let fly = check_fly(&config, &ext.secrets).await;
    assert!(fly.ok, "{}", fly.message);
    assert!(fly.message.contains("answered"), "{}", fly.message);
    assert!(fly.message.contains("It has the app secret R2_SECRET_ACCESS_KEY"), "{}", fly.message);
    ext.sandbox.fly.fleet.delete_secret(arke_export_sandbox::SANDBOX_APP, "R2_SECRET_ACCESS_KEY");
    let old_way = check_fly(&config, &ext.secrets).await;
    assert!(old_way.ok && old_way.message.contains("(the old way)"), "Test Fly says so: {}", old_way.message);
    let r2 = check_r2(&config, &ext.secrets).await;
    assert!(r2.ok, "{}", r2.message);

    let wrong_app = ext.config(&[("FLY_APP", "no-such-app".into())]);
    let result = check_fly(&wrong_app, &ext.secrets).await;
    assert!(!result.ok && result.message.contains("not found"), "{}", result.message);
    let wrong_bucket = ext.config(&[("R2_BUCKET", "no-such-bucket".into())]);
    let result = check_r2(&wrong_bucket, &ext.secrets).await;
    assert!(!result.ok && result.message.contains("does not exist"), "{}", result.message);

    let (fly, r2) = (SecretKind::FlyToken.endpoint(&config), SecretKind::R2Secret.endpoint(&config));
    ext.secrets.set(SecretKind::FlyToken, fly, &Secret::new("wrong")).unwrap();
    ext.secrets.set(SecretKind::R2Secret, r2, &Secret::new("wrong")).unwrap();
    let result = check_fly(&config, &ext.secrets).await;
    assert!(!result.ok && result.message.contains("rejected the API token"), "{}", result.message);
    let result = check_r2(&config, &ext.secrets).await;
    assert!(!result.ok && result.message.contains("refused the R2 credentials"), "{}", result.message);
    assert!(!result.message.contains("wrong"), "no secret in a message: {}", result.message);

    ext.secrets.clear(SecretKind::FlyToken, fly).unwrap();
    let result = check_fly(&config, &ext.secrets).await;
    assert_eq!(result.message, "Set the Fly API token (for this Fly API URL) first.");
}
