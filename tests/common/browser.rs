//! Debian's chromium, headless, as a reader of the report's HTML page: the
//! DOM it built, the console messages it logged while loading (a script
//! error, or anything the page's Content-Security-Policy blocked), and a
//! screenshot checked with python3-pil. bin/check.sh installs both.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What chromium made of a page.
pub struct Loaded {
    pub dom: String,
    /// Console messages (errors, CSP violations, script output).
    pub console: Vec<String>,
}

fn chromium() -> &'static str {
    let path = "/usr/bin/chromium";
    assert!(
        Path::new(path).exists(),
        "the browser tests need Debian's chromium: apt-get install chromium (bin/check.sh does)"
    );
    path
}

/// Runs chromium on the page with a fresh profile, in a process group of
/// its own; ends that group (chromium and its helpers) after 90 s.
fn run(page: &Path, extra: &[&str]) -> Output {
    let profile = page.with_extension(format!("profile-{}", extra.len()));
    let _ = std::fs::remove_dir_all(&profile);
    let url = format!(
        "file://{}",
        page.canonicalize().expect("page path").display()
    );
    let child = Command::new(chromium())
        .args([
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start chromium");
    let pid = child.id();
    let started = Instant::now();
    let watchdog = std::thread::spawn(move || {
        while started.elapsed() < Duration::from_secs(90) {
            std::thread::sleep(Duration::from_millis(200));
            if !Path::new(&format!("/proc/{pid}")).exists() {
                return;
            }
        }
        let _ = Command::new("kill")
            .args(["-9", "--", &format!("-{pid}")])
            .status();
    });
    let out = child.wait_with_output().expect("wait for chromium");
    let _ = watchdog.join();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "chromium hung on {url}"
    );
    out
}

/// The console messages in chromium's log (`--enable-logging=stderr`):
/// lines such as `[...:INFO:CONSOLE:1] "message", source: ...`.
pub fn console_messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect()
}

/// Loads the page and returns the DOM chromium built and what it logged.
pub fn load(page: &Path) -> Loaded {
    let out = run(page, &["--enable-logging=stderr", "--v=0", "--dump-dom"]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        dom.contains("</html>"),
        "chromium printed no DOM for {}: {stderr}",
        page.display()
    );
    Loaded {
        dom,
        console: console_messages(&stderr),
    }
}

/// The page's DOM after `script` ran in it, in a 1280 × 2000 window: a
/// copy of the page without its Content-Security-Policy (which forbids any
/// script), the script at the end of its body. For measuring what chromium
/// laid out (`getBBox`), which the DOM alone does not say.
pub fn run_script(page: &Path, script: &str) -> String {
    let html = std::fs::read_to_string(page).expect("the page");
    let csp = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("a CSP");
    let end = csp + html[csp..].find('>').expect("the meta's end") + 1;
    let body = html.rfind("</body>").expect("</body>");
    let copy = format!(
        "{}{}<script>{script}</script>{}",
        &html[..csp],
        &html[end..body],
        &html[body..]
    );
    let measured = page.with_extension("measured.html");
    std::fs::write(&measured, copy).expect("write the copy");
    let out = run(&measured, &["--window-size=1280,2000", "--dump-dom"]);
    let _ = std::fs::remove_file(&measured);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot of the page in a 1280 × 2000 window.
pub fn screenshot(page: &Path) -> PathBuf {
    let png = page.with_extension("png");
    let _ = std::fs::remove_file(&png);
    let out = run(
        page,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
    );
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    png
}

/// What a screenshot holds: distinct colours, the share of pixels that are
/// not white, and how many pixels are within 6 of each wanted colour.
pub struct Picture {
    pub colours: usize,
    pub inked: f64,
    pub near: Vec<usize>,
}

pub fn look(png: &Path, wanted: &[(u8, u8, u8)]) -> Picture {
    let script = r#"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = im.getcolors(1 << 24)
total = sum(c for c, _ in colours)
white = sum(c for c, p in colours if p == (255, 255, 255))
wanted = [tuple(int(v) for v in w.split(",")) for w in sys.argv[2:]]
near = [sum(c for c, p in colours if all(abs(a - b) <= 6 for a, b in zip(p, w))) for w in wanted]
print(len(colours), 1 - white / total, *near)
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(png)
        .args(wanted.iter().map(|(r, g, b)| format!("{r},{g},{b}")))
        .output()
        .expect("run python3 (Debian's, with python3-pil)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python3-pil could not read {}: {}",
        png.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let fields: Vec<&str> = text.split_whitespace().collect();
    Picture {
        colours: fields[0].parse().expect("colours"),
        inked: fields[1].parse().expect("share"),
        near: fields[2..]
            .iter()
            .map(|f| f.parse().expect("count"))
            .collect(),
    }
}
