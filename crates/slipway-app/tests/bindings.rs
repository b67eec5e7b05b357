//! The committed TypeScript bindings match the Rust types.

use std::path::Path;

use slipway_app::bindings::{BINDINGS_PATH, typescript};

#[test]
fn typescript_bindings_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(BINDINGS_PATH);
    let fresh = typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create ipc dir");
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{BINDINGS_PATH} is stale: run `UPDATE_BINDINGS=1 cargo test -p slipway-app --test \
         bindings` and commit the result"
    );
}
