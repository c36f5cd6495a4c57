//! bin/get-tidb.sh against fixture mirrors laid out like PingCAP's TiUP
//! mirror (tarballs whose servers are shell scripts, and the manifests
//! timestamp.json -> snapshot.json -> N.component.json that give each
//! tarball's sha256 and length), from a local directory and from a loopback
//! HTTP server: the happy path, idempotence, and each way a download or a
//! manifest can go wrong without leaving a half-installed version.

use crate::http::{Http, Serve};
use crate::signals::DefaultSignals;
use crate::support::*;
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How a fixture tarball is broken, if at all.
#[derive(Clone, Copy, PartialEq)]
enum Fixture {
    Good,
    Truncated,
    NoBinary,
    /// A complete archive, but not the one published: its server says so.
    Tampered,
}

/// Writes {component}-{version}-linux-{arch}.tar.gz into `mirror`, laid out
/// like PingCAP's: the server binary (here a shell script) at the top level.
fn tarball(mirror: &Path, server: &str, version: &str, arch: &str, kind: Fixture) -> PathBuf {
    let component = server.trim_end_matches("-server");
    let stage = mirror.join(format!(".stage-{server}-{version}-{arch}"));
    let member = if kind == Fixture::NoBinary {
        "README"
    } else {
        server
    };
    let says = if kind == Fixture::Tampered {
        "tampered"
    } else {
        "fake"
    };
    write_executable(
        &stage.join(member),
        &format!("#!/bin/sh\necho \"{says} {server} {version} {arch} $*\"\n"),
    );
    let file = mirror.join(format!("{component}-{version}-linux-{arch}.tar.gz"));
    let out = Command::new("tar")
        .arg("-czf")
        .arg(&file)
        .arg("-C")
        .arg(&stage)
        .arg(member)
        .output()
        .expect("run tar");
    assert!(
        out.status.success(),
        "tar: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&stage).expect("remove tar stage");
    if kind == Fixture::Truncated {
        let bytes = std::fs::read(&file).expect("read tarball");
        std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("truncate tarball");
    }
    file
}

/// sha256 (hex) and length of a file.
fn digest(path: &Path) -> (String, u64) {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    let hex = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a sha256")
        .to_string();
    let len = std::fs::metadata(path).expect("stat").len();
    (hex, len)
}

/// A manifest as the TiUP mirror serves it: `signed` under its signatures
/// (which get-tidb.sh does not check; see docs/tidb.md).
fn manifest(path: &Path, signed: Value) {
    let doc = json!({"signatures": [{"keyid": "fixture", "sig": "unchecked"}], "signed": signed});
    std::fs::write(path, serde_json::to_vec(&doc).expect("json")).expect("write manifest");
}

/// Writes the mirror's manifests for the tarballs now in `mirror`:
/// N.{component}.json (version N) listing each tarball of VERSION under its
/// platform with sha256, length and url; snapshot.json with each component
/// manifest's version and length; timestamp.json with snapshot.json's
/// sha256 and length. Shaped as pingcap/tiup's v1manifest types.
fn publish(mirror: &Path, version: &str, n: u64) {
    let mut snapshot = serde_json::Map::new();
    for component in ["pd", "tikv", "tidb"] {
        let mut platforms = serde_json::Map::new();
        for arch in ["amd64", "arm64"] {
            let name = format!("{component}-{version}-linux-{arch}.tar.gz");
            let tarball = mirror.join(&name);
            if !tarball.exists() {
                continue;
            }
            let (sha256, length) = digest(&tarball);
            platforms.insert(
                format!("linux/{arch}"),
                json!({version: {"url": format!("/{name}"), "yanked": false,
                    "entry": format!("{component}-server"), "released": "2026-01-01T00:00:00Z",
                    "hashes": {"sha256": sha256, "sha512": "unchecked"}, "length": length}}),
            );
        }
        let file = mirror.join(format!("{n}.{component}.json"));
        manifest(
            &file,
            json!({"_type": "component", "spec_version": "0.1.0", "expires": "2099-01-01T00:00:00Z",
                "version": n, "id": component, "description": "fixture", "platforms": platforms}),
        );
        let (_, length) = digest(&file);
        snapshot.insert(
            format!("/{component}.json"),
            json!({"version": n, "length": length}),
        );
    }
    let snap = mirror.join("snapshot.json");
    manifest(
        &snap,
        json!({"_type": "snapshot", "spec_version": "0.1.0", "expires": "2099-01-01T00:00:00Z",
            "version": 0, "meta": snapshot}),
    );
    let (sha256, length) = digest(&snap);
    manifest(
        &mirror.join("timestamp.json"),
        json!({"_type": "timestamp", "spec_version": "0.1.0", "expires": "2099-01-01T00:00:00Z",
            "version": n, "meta": {"/snapshot.json": {"hashes": {"sha256": sha256}, "length": length}}}),
    );
}

/// Rewrites the file at `path` with `to` in place of `from`, which must be in it.
fn rewrite(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read file");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write file");
}

/// A fake `uname` reporting `machine`, so the fixtures fit on any host.
fn fake_uname(dir: &Path, machine: &str) -> String {
    write_executable(&dir.join("uname"), &format!("#!/bin/sh\necho {machine}\n"));
    path_with(dir)
}

/// What a get-tidb.sh test has: a mirror directory, TIDB_HOME, and a PATH
/// whose uname says x86_64.
struct Get {
    scratch: Scratch,
    path: String,
}

impl Get {
    fn new(name: &str) -> Get {
        let scratch = Scratch::new(name);
        std::fs::create_dir_all(scratch.path("mirror")).expect("mkdir mirror");
        let path = fake_uname(&scratch.path("tools"), "x86_64");
        Get { scratch, path }
    }

    /// Puts a VERSION amd64 tarball of `server` in the mirror directory.
    fn put(&self, server: &str, kind: Fixture) -> PathBuf {
        tarball(&self.mirror(), server, VERSION, "amd64", kind)
    }

    /// All three good tarballs, published.
    fn good_mirror(&self) {
        for server in SERVERS {
            self.put(server, Fixture::Good);
        }
        self.publish();
    }

    /// Manifests for the tarballs now in the mirror directory.
    fn publish(&self) {
        publish(&self.mirror(), VERSION, 1);
    }

    fn mirror(&self) -> PathBuf {
        self.scratch.path("mirror")
    }

    fn home(&self) -> PathBuf {
        self.scratch.path("home")
    }

    fn command(&self, mirror: &str, extra: &[(&str, &str)]) -> Command {
        let home = self.home().display().to_string();
        let mut env = vec![
            ("TIDB_MIRROR", mirror),
            ("TIDB_HOME", home.as_str()),
            ("PATH", self.path.as_str()),
        ];
        env.extend_from_slice(extra);
        script_in(&root(), "get-tidb.sh", &[], &env)
    }

    fn run(&self, mirror: &str, extra: &[(&str, &str)]) -> Run {
        Run::from(
            self.command(mirror, extra)
                .output()
                .expect("run get-tidb.sh"),
        )
    }

    fn run_from_dir(&self) -> Run {
        self.run_from_dir_with(&[])
    }

    fn run_from_dir_with(&self, extra: &[(&str, &str)]) -> Run {
        self.run(&self.mirror().display().to_string(), extra)
    }

    /// The installed fake server's answer, proving it is the fixture and runs.
    fn installed_says(&self, version: &str, server: &str) -> String {
        let bin = self.home().join(version).join("bin").join(server);
        let out = Command::new(&bin)
            .arg("--flag")
            .output()
            .expect("run installed server");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// After a failure: no version directory and no staging leftovers.
    fn assert_nothing_installed(&self) {
        let home = self.home();
        assert!(
            !home.join(VERSION).exists(),
            "a failed run left {}",
            home.join(VERSION).display()
        );
        if let Ok(entries) = std::fs::read_dir(&home) {
            let left: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
            assert!(
                left.is_empty(),
                "a failed run left {left:?} in {}",
                home.display()
            );
        }
    }
}

#[test]
fn get_tidb_from_a_directory_installs_the_three_servers_once() {
    let get = Get::new("get-dir");
    get.good_mirror();

    let first = get.run_from_dir().expect_ok("get-tidb.sh");
    assert!(
        first.stderr.contains("installed TiDB v8.5.8"),
        "{}",
        first.stderr
    );
    for server in SERVERS {
        assert_eq!(
            get.installed_says(VERSION, server),
            format!("fake {server} {VERSION} amd64 --flag")
        );
    }
    let entries: Vec<_> = std::fs::read_dir(get.home())
        .expect("read home")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        entries,
        vec![std::ffi::OsString::from(VERSION)],
        "only the version directory stays"
    );

    // A second run finds everything in place and touches nothing, even with
    // the mirror gone.
    std::fs::remove_dir_all(get.mirror()).expect("remove mirror");
    let second = get
        .run("/nonexistent-mirror", &[])
        .expect_ok("second get-tidb.sh");
    assert!(second.stderr.contains("nothing to do"), "{}", second.stderr);
    assert!(!second.stderr.contains("fetching"), "{}", second.stderr);
}

#[test]
fn get_tidb_takes_the_version_and_arm64_into_account() {
    let get = Get::new("get-arm");
    for server in SERVERS {
        tarball(&get.mirror(), server, "v8.5.0", "arm64", Fixture::Good);
    }
    publish(&get.mirror(), "v8.5.0", 7);
    let path = fake_uname(&get.scratch.path("arm-tools"), "aarch64");
    // "8.5.0" without the v is taken as v8.5.0.
    get.run(
        &get.mirror().display().to_string(),
        &[("PATH", &path), ("TIDB_VERSION", "8.5.0")],
    )
    .expect_ok("get-tidb.sh for arm64");
    assert_eq!(
        get.installed_says("v8.5.0", "tidb-server"),
        "fake tidb-server v8.5.0 arm64 --flag"
    );
}

#[test]
fn get_tidb_refuses_an_unsupported_machine_and_a_bad_version() {
    let get = Get::new("get-arch");
    get.good_mirror();
    let path = fake_uname(&get.scratch.path("riscv-tools"), "riscv64");
    let mirror = get.mirror().display().to_string();
    get.run(&mirror, &[("PATH", &path)]).expect_error(&[
        "unsupported machine 'riscv64'",
        "amd64",
        "arm64",
    ]);
    get.assert_nothing_installed();
    get.run(&mirror, &[("TIDB_VERSION", "../etc")])
        .expect_error(&["TIDB_VERSION='../etc'"]);
    get.run("/no/such/mirror", &[]).expect_error(&[
        "TIDB_MIRROR=/no/such/mirror",
        "neither a URL nor a directory",
    ]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_reports_a_missing_file_in_a_directory_mirror() {
    let get = Get::new("get-missing-file");
    get.good_mirror();
    let wanted = get.mirror().join("tikv-v8.5.8-linux-amd64.tar.gz");
    std::fs::remove_file(&wanted).expect("remove tarball");
    get.run_from_dir()
        .expect_error(&["no such file", &wanted.display().to_string()]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_reports_a_truncated_archive_and_installs_nothing() {
    let get = Get::new("get-truncated");
    get.good_mirror();
    // Published so: the manifest vouches for it, tar does not.
    let bad = get.put("tidb-server", Fixture::Truncated);
    get.publish();
    get.run_from_dir()
        .expect_error(&[&bad.display().to_string(), "not a complete .tar.gz archive"]);
    get.assert_nothing_installed();

    // Once the mirror is mended, the same home takes a clean install.
    get.put("tidb-server", Fixture::Good);
    get.publish();
    get.run_from_dir().expect_ok("get-tidb.sh after repair");
}

#[test]
fn get_tidb_reports_an_archive_without_its_binary() {
    let get = Get::new("get-nobinary");
    get.good_mirror();
    let bad = get.put("tikv-server", Fixture::NoBinary);
    get.publish();
    get.run_from_dir()
        .expect_error(&[&bad.display().to_string(), "no tikv-server", "README"]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_refuses_a_half_made_version_directory() {
    let get = Get::new("get-half");
    get.good_mirror();
    write_executable(
        &get.home().join(VERSION).join("bin").join("pd-server"),
        "#!/bin/sh\n",
    );
    get.run_from_dir()
        .expect_error(&["exists but lacks", "remove it"]);
}

#[test]
fn get_tidb_over_http_fetches_the_mirror_names_once() {
    let get = Get::new("get-http");
    get.good_mirror();
    let http = Http::start(get.mirror(), Serve::Whole);

    get.run(&format!("{}/", http.base), &[])
        .expect_ok("get-tidb.sh over HTTP");
    assert_eq!(
        http.requests(),
        vec![
            "/timestamp.json",
            "/snapshot.json",
            "/1.pd.json",
            "/pd-v8.5.8-linux-amd64.tar.gz",
            "/1.tikv.json",
            "/tikv-v8.5.8-linux-amd64.tar.gz",
            "/1.tidb.json",
            "/tidb-v8.5.8-linux-amd64.tar.gz"
        ]
    );
    assert_eq!(
        get.installed_says(VERSION, "pd-server"),
        "fake pd-server v8.5.8 amd64 --flag"
    );

    get.run(&http.base, &[])
        .expect_ok("second get-tidb.sh over HTTP");
    assert_eq!(
        http.requests().len(),
        8,
        "an installed version is not fetched again"
    );
}

#[test]
fn get_tidb_over_http_reports_404_with_the_url() {
    let get = Get::new("get-404");
    get.good_mirror();
    std::fs::remove_file(get.mirror().join("tidb-v8.5.8-linux-amd64.tar.gz"))
        .expect("remove tarball");
    let http = Http::start(get.mirror(), Serve::Whole);
    let url = format!("{}/tidb-v8.5.8-linux-amd64.tar.gz", http.base);
    get.run(&http.base, &[])
        .expect_error(&["download failed", &url, "404"]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_over_http_reports_truncated_transfers_and_archives() {
    let get = Get::new("get-http-short");
    get.good_mirror();
    // The connection closes before the promised length.
    let short = Http::start(get.mirror(), Serve::CutShort);
    get.run(&short.base, &[]).expect_error(&[
        "download failed",
        &format!("{}/pd-v8.5.8-linux-amd64.tar.gz", short.base),
    ]);
    get.assert_nothing_installed();

    // The server sends a complete response holding a truncated archive.
    get.put("pd-server", Fixture::Truncated);
    get.publish();
    let whole = Http::start(get.mirror(), Serve::Whole);
    get.run(&whole.base, &[])
        .expect_error(&["not a complete .tar.gz archive", &whole.base]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_gives_up_on_a_stalled_download() {
    let get = Get::new("get-stall");
    get.good_mirror();
    let http = Http::start(get.mirror(), Serve::Stall);
    let started = Instant::now();
    get.run(&http.base, &[("TIDB_DOWNLOAD_TIMEOUT", "2")])
        .expect_error(&[
            "download failed",
            &format!("{}/pd-v8.5.8-linux-amd64.tar.gz", http.base),
            "timed out",
        ]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_interrupted_mid_download_leaves_no_trace() {
    let get = Get::new("get-interrupt");
    get.good_mirror();
    let http = Http::start(get.mirror(), Serve::Stall);
    // Its own process group, as a terminal's Ctrl-C would reach the script and
    // its curl together; that group is all the processes this test started.
    let mut child = get
        .command(&http.base, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .default_signals()
        .spawn()
        .expect("start get-tidb.sh");
    let pid = child.id();
    http.stalled
        .recv_timeout(Duration::from_secs(60))
        .expect("the download reached the server");
    let killed = Command::new("kill")
        .args(["-INT", "--", &format!("-{pid}")])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -INT -{pid}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for get-tidb.sh") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("get-tidb.sh did not stop on SIGINT");
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert!(
        !status.success(),
        "an interrupted run must not report success"
    );
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_refuses_a_tarball_its_manifest_does_not_vouch_for() {
    let get = Get::new("get-tampered");
    get.good_mirror();
    // Another complete archive under the published one's name.
    let bad = get.put("tikv-server", Fixture::Tampered);
    get.run_from_dir()
        .expect_error(&[&bad.display().to_string(), "1.tikv.json", "refusing it"]);
    get.assert_nothing_installed();
    // Over HTTP curl stops at the length the manifest gives.
    let http = Http::start(get.mirror(), Serve::Whole);
    get.run(&http.base, &[]).expect_error(&[
        &format!("{}/tikv-v8.5.8-linux-amd64.tar.gz", http.base),
        "1.tikv.json",
        "refusing it",
    ]);
    get.assert_nothing_installed();

    // One byte changed, the length kept: the sha256 tells.
    get.good_mirror();
    let tidb = get.mirror().join("tidb-v8.5.8-linux-amd64.tar.gz");
    let mut bytes = std::fs::read(&tidb).expect("read tarball");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&tidb, &bytes).expect("write tarball");
    get.run_from_dir().expect_error(&[
        &tidb.display().to_string(),
        "sha256",
        "1.tidb.json",
        "refusing it",
    ]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_refuses_manifests_that_are_missing_or_do_not_chain() {
    let get = Get::new("get-manifests");
    let mirror = get.mirror();
    for missing in ["1.tidb.json", "snapshot.json", "timestamp.json"] {
        get.good_mirror();
        std::fs::remove_file(mirror.join(missing)).expect("remove manifest");
        get.run_from_dir()
            .expect_error(&["no such file", &mirror.join(missing).display().to_string()]);
        get.assert_nothing_installed();
    }

    // A snapshot.json other than the one timestamp.json vouches for.
    get.good_mirror();
    let snap = mirror.join("snapshot.json");
    let text = std::fs::read_to_string(&snap).expect("read snapshot");
    std::fs::write(&snap, text.replace("\"version\":1", "\"version\":2")).expect("write snapshot");
    get.run_from_dir()
        .expect_error(&["snapshot.json: sha256", "timestamp.json", "refusing it"]);
    get.assert_nothing_installed();

    // A release the mirror does not have.
    get.good_mirror();
    get.run_from_dir_with(&[("TIDB_VERSION", "v8.5.1")])
        .expect_error(&["1.pd.json: no v8.5.1 of pd for linux/amd64", "v8.5.8"]);
    get.assert_nothing_installed();

    // Over HTTP a manifest the server lacks is a 404 naming its URL.
    get.good_mirror();
    std::fs::remove_file(mirror.join("1.tikv.json")).expect("remove manifest");
    let http = Http::start(mirror.clone(), Serve::Whole);
    get.run(&http.base, &[]).expect_error(&[
        "download failed",
        &format!("{}/1.tikv.json", http.base),
        "404",
    ]);
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_refuses_a_yanked_release() {
    let get = Get::new("get-yanked");
    get.good_mirror();
    // Withdrawn; the edit keeps the manifest's size, so the chain still holds.
    let tidb = get.mirror().join("1.tidb.json");
    rewrite(&tidb, "\"yanked\":false", "\"yanked\": true");
    let withdrawn = format!("{}: tidb {VERSION} was withdrawn", tidb.display());
    get.run_from_dir()
        .expect_error(&[&withdrawn, "(yanked) from the mirror"]);
    get.assert_nothing_installed();

    // Over HTTP its tarball is not even asked for.
    let http = Http::start(get.mirror(), Serve::Whole);
    let withdrawn = format!("{}/1.tidb.json: tidb {VERSION} was withdrawn", http.base);
    get.run(&http.base, &[])
        .expect_error(&[&withdrawn, "(yanked) from the mirror"]);
    let requests = http.requests();
    assert_eq!(
        requests.last().map(String::as_str),
        Some("/1.tidb.json"),
        "{requests:?}"
    );
    get.assert_nothing_installed();
}

#[test]
fn get_tidb_refuses_a_component_manifest_not_the_one_snapshot_names() {
    let get = Get::new("get-manifest-id");
    let mirror = get.mirror();
    // The manifest `file` is refused as not version `n` of `component`'s.
    let refused = |file: &Path, n: u64, component: &str| {
        let wrong = format!(
            "{}: not version {n} of {component}'s manifest",
            file.display()
        );
        get.run_from_dir()
            .expect_error(&[&wrong, "as snapshot.json says it is"]);
        get.assert_nothing_installed();
    };
    // Each one keeps the size snapshot.json gives: only its _type, id or
    // version tells. First, another type of manifest under pd's name.
    get.good_mirror();
    let pd = mirror.join("1.pd.json");
    rewrite(&pd, "\"_type\":\"component\"", "\"_type\":\"timestamp\"");
    refused(&pd, 1, "pd");

    // Another component's manifest under tikv's name.
    get.good_mirror();
    let tikv = mirror.join("1.tikv.json");
    rewrite(&tikv, "\"id\":\"tikv\"", "\"id\":\"tidb\"");
    refused(&tikv, 1, "tikv");

    // An older version of tidb's manifest under the name snapshot.json gives.
    get.good_mirror();
    publish(&mirror, VERSION, 2);
    let tidb = mirror.join("2.tidb.json");
    std::fs::copy(mirror.join("1.tidb.json"), &tidb).expect("copy manifest");
    refused(&tidb, 2, "tidb");
}

#[test]
fn get_tidb_refuses_a_component_manifest_larger_than_snapshot_says() {
    let get = Get::new("get-manifest-size");
    get.good_mirror();
    // One byte more than snapshot.json gives, and still good JSON: only its
    // size tells.
    let tikv = get.mirror().join("1.tikv.json");
    let (_, length) = digest(&tikv);
    let mut bytes = std::fs::read(&tikv).expect("read manifest");
    bytes.push(b'\n');
    std::fs::write(&tikv, &bytes).expect("write manifest");
    let mirror = get.mirror().display().to_string();
    let larger = format!("{}: larger than the {length} bytes", tikv.display());
    let snapshot = format!("{mirror}/snapshot.json gives for it");
    get.run_from_dir()
        .expect_error(&[&larger, &snapshot, "refusing it"]);
    get.assert_nothing_installed();

    // Over HTTP curl refuses it by its Content-Length and goes no further.
    let http = Http::start(get.mirror(), Serve::Whole);
    let base = &http.base;
    let larger = format!("{base}/1.tikv.json: larger than the {length} bytes");
    let snapshot = format!("{base}/snapshot.json gives for it");
    get.run(base, &[])
        .expect_error(&[&larger, &snapshot, "refusing it"]);
    let requests = http.requests();
    assert_eq!(
        requests.last().map(String::as_str),
        Some("/1.tikv.json"),
        "{requests:?}"
    );
    get.assert_nothing_installed();
}
