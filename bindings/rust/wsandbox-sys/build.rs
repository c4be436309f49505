//! Finds libwsandbox: $WSANDBOX_LIB_DIR, then `pkg-config` (the program,
//! called directly), then the repository's build tree. With the `bundled`
//! feature it builds the library instead, static, from the checkout's
//! sources by running `cmake` (the program: no crate dependencies).
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

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("wsandbox-sys: cannot run {:?}: {}", cmd, e));
    if !status.success() {
        panic!("wsandbox-sys: {:?} failed ({})", cmd, status);
    }
}

fn bundled(manifest: &PathBuf) {
    let source = manifest.join("../../..").canonicalize().unwrap();
    for dir in ["lib", "include", "CMakeLists.txt", "cmake"] {
        println!("cargo:rerun-if-changed={}", source.join(dir).display());
    }
    let build = PathBuf::from(env::var("OUT_DIR").unwrap()).join("libwsandbox");
    // The library alone, static: no tests (no cmocka), tools or docs.
    run(Command::new("cmake")
        .arg("-S").arg(&source).arg("-B").arg(&build)
        .args(["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DBUILD_TESTING=OFF",
               "-DWSB_BUILD_EXAMPLES=OFF", "-DWSB_BUILD_DOCS=OFF", "-DWSB_INSTALL=OFF"]));
    run(Command::new("cmake")
        .arg("--build").arg(&build)
        .args(["--target", "wsandbox", "--config", "Release"]));
    // Single-config generators put it in the build folder, multi-config ones
    // (Visual Studio) in Release/.
    println!("cargo:rustc-link-search=native={}", build.display());
    println!("cargo:rustc-link-search=native={}", build.join("Release").display());
    println!("cargo:rustc-link-lib=static=wsandbox");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        // What a static libwsandbox needs from Windows (CMakeLists.txt, WSB_SYSTEM_LIBS).
        for lib in ["advapi32", "userenv", "netapi32", "ole32", "oleaut32", "bcrypt",
                    "crypt32", "fwpuclnt", "shell32", "ws2_32"] {
            println!("cargo:rustc-link-lib=dylib={}", lib);
        }
    }
    println!("cargo:include={}", source.join("include").display());
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    if env::var_os("CARGO_FEATURE_BUNDLED").is_some() {
        bundled(&manifest);
        return;
    }
    println!("cargo:rerun-if-env-changed=WSANDBOX_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
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
