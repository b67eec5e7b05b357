//! The real desktop app, driven like a person would: open a project, read what was
//! detected, fix an invalid field, save.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use fantoccini::key::Key;
use slipway_e2e::{Desktop, workspace};

fn flask_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().expect("temp dir");
    let source = workspace().join("crates/slipway-spec/tests/fixtures/flask-app");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&source)
        .arg(temp.path().join("shop"))
        .status();
    assert!(status.expect("cp runs").success());
    let dir = temp.path().join("shop").canonicalize().expect("canonical");
    (temp, dir)
}

async fn replace_text(desktop: &Desktop, id: &str, text: &str) {
    let field = desktop.by_test_id(id).await;
    field.click().await.expect("focus");
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_a_project_fix_a_field_and_save() {
    let (_temp, project) = flask_fixture();
    let desktop = Desktop::launch().await;

    let path = desktop.by_test_id("project-path").await;
    path.send_keys(&project.to_string_lossy())
        .await
        .expect("type the path");
    path.send_keys(&Key::Enter.to_string())
        .await
        .expect("submit");

    desktop.until_text("detected-framework", "Flask").await;
    desktop.until_text("detected-entry", "app:app").await;
    let shots = workspace().join("target/e2e");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let png = desktop.client.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("first-screen.png"), png).expect("save screenshot");

    replace_text(&desktop, "field-app.name", "My Shop").await;
    let error = desktop
        .until_text("error-app.name", "may only use lowercase letters")
        .await;
    assert!(error.contains("\"My Shop\""), "{error}");
    let invalid = desktop
        .by_test_id("field-app.name")
        .await
        .attr("aria-invalid")
        .await;
    assert_eq!(invalid.expect("attribute").as_deref(), Some("true"));

    replace_text(&desktop, "field-app.name", "my-shop").await;
    desktop.until_gone("error-app.name").await;

    desktop
        .by_test_id("save-spec")
        .await
        .click()
        .await
        .expect("save");
    let saved = desktop.until_text("saved-path", "slipway.toml").await;
    assert!(saved.contains(&*project.to_string_lossy()), "{saved}");
    let written = std::fs::read_to_string(project.join("slipway.toml")).expect("written");
    assert!(written.contains("name = \"my-shop\""), "{written}");
    assert!(written.contains("entry = \"app:app\""), "{written}");

    desktop.close().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(Path::new(&project).join("slipway.toml").is_file());
}
