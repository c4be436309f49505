//! Finds libwsandbox: $WSANDBOX_LIB_DIR, then `pkg-config` (the program,
//! called directly), then the repository's build tree.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn from_pkg_config() -> Option<Vec<String>> {
    let out = Command::new("pkg-config").args(["--libs-only-L", "wsandbox"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.split_whitespace().filter_map(|s| s.strip_prefix("-L")).map(String::from).collect())
}

fn main() {
    println!("cargo:rerun-if-env-changed=WSANDBOX_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let tree = manifest.join("../../../build");
    let dirs: Vec<String> = if let Ok(dir) = env::var("WSANDBOX_LIB_DIR") {
        vec![dir]
    } else if let Some(dirs) = from_pkg_config() {
        dirs
    } else if tree.exists() {
        vec![tree.canonicalize().unwrap().display().to_string()]
    } else {
        panic!(
            "libwsandbox not found: set WSANDBOX_LIB_DIR, install it where pkg-config \
             finds wsandbox.pc, or build it in {}",
            tree.display()
        );
    };
    for dir in &dirs {
        println!("cargo:rustc-link-search=native={}", dir);
    }
    println!("cargo:rustc-link-lib=dylib=wsandbox");
    println!("cargo:include={}", manifest.join("../../../include").display());
}
