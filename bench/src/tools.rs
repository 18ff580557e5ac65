//! Finding the peers' programs: a name looked up on a `PATH`, the way a
//! shell would, so that a missing peer is skipped with a message instead of
//! failing the run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The first executable file called `name` in the directories of `path`
/// (a `PATH`-style list), or `None`.
pub fn find_program(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The first line a program prints for `args` (its version, say), or
/// `None` if it cannot be run.
pub fn first_line(program: &Path, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = if output.stdout.is_empty() {
        output.stderr
    } else {
        output.stdout
    };
    String::from_utf8_lossy(&text)
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::find_program;
    use std::ffi::OsString;

    #[test]
    fn finds_an_executable_on_the_path_and_nothing_elsewhere() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let program = dir.path().join("peer");
        std::fs::write(&program, "#!/bin/sh\n").expect("writes");
        let other = dir.path().join("data");
        std::fs::write(&other, "not a program").expect("writes");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");

        let path = std::env::join_paths([dir.path()]).expect("a PATH");
        assert_eq!(find_program("peer", Some(&path)), Some(program));
        assert_eq!(find_program("data", Some(&path)), None);
        assert_eq!(find_program("absent", Some(&path)), None);
        assert_eq!(find_program("peer", Some(&OsString::new())), None);
        assert_eq!(find_program("peer", None), None);
    }
}
