//! Fingerprints the checker's source files and the front end's it builds
//! on, so that a checker compiled for one spec (`specc check --compiled`,
//! which is built against this source tree) can tell whether it was built
//! from the same source as the `specc` that runs it:
//! `SPECC_CHECKER_SOURCE`, see `kernel.rs`.

use std::path::{Path, PathBuf};

fn main() {
    let roots = [Path::new("src"), Path::new("../spec-lang/src")];
    let mut files = Vec::new();
    for root in roots {
        println!("cargo:rerun-if-changed={}", root.display());
        collect(root, &mut files);
    }
    files.sort();
    // FNV-1a over every file's path and contents, in path order.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in &files {
        eat(file.to_string_lossy().as_bytes());
        eat(&[0]);
        if let Ok(contents) = std::fs::read(file) {
            eat(&contents);
        }
        eat(&[0]);
    }
    println!("cargo:rustc-env=SPECC_CHECKER_SOURCE={hash:016x}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "js" || e == "css")
        {
            out.push(path);
        }
    }
}
