//! Pictures of counterexamples, end to end: for every spec in specs/bugs/
//! (and tests/charts/faults.spec, whose shortest counterexample passes
//! through every fault a chart marks), `specc check --trace-out --chart
//! --html` writes an ITF trace, a chart and a viewer page. The chart is
//! snapshotted as an SVG file (tests/snapshots/charts__NAME.snap.svg),
//! the saved trace draws the same chart and page again, headless Chromium
//! renders every chart to PNG and runs the viewer, and itf-py parses every
//! trace.
//!
//! Chromium (Debian's `chromium`) and itf-py (from PyPI, in a virtual
//! environment) are not installed by these tests; .ci/run installs them.
//! Without them the tests that need them say so and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// One counterexample and the files `specc check` wrote for it.
struct Counterexample {
    name: String,
    spec: String,
    dir: PathBuf,
    svg: String,
}

impl Counterexample {
    fn itf(&self) -> PathBuf {
        self.dir.join("trace.itf.json")
    }
    fn chart(&self) -> PathBuf {
        self.dir.join("chart.svg")
    }
    fn viewer(&self) -> PathBuf {
        self.dir.join("viewer.html")
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the tests leave their files, to be looked at: PNGs included.
fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("charts")
}

fn specs() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["specs/bugs", "tests/charts"] {
        let entries = std::fs::read_dir(repo().join(dir)).expect("the spec directory exists");
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".spec") {
                out.push(format!("{dir}/{name}"));
            }
        }
    }
    out.sort();
    out
}

fn specc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specc"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("the specc binary runs")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// Checks every spec once (two at a time) and keeps what was written.
fn counterexamples() -> &'static [Counterexample] {
    static ALL: OnceLock<Vec<Counterexample>> = OnceLock::new();
    ALL.get_or_init(|| {
        let specs = specs();
        let run = |spec: &String| {
            let name = Path::new(spec)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dir = out_dir().join(&name);
            std::fs::create_dir_all(&dir).expect("a writable target directory");
            let c = Counterexample {
                name,
                spec: spec.clone(),
                dir,
                svg: String::new(),
            };
            let out = specc(&[
                "check",
                spec,
                "--workers",
                "1",
                "--trace-out",
                arg(&c.itf()),
                "--chart",
                arg(&c.chart()),
                "--html",
                arg(&c.viewer()),
            ]);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{spec} must fail: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let svg = std::fs::read_to_string(c.chart()).expect("the chart was written");
            Counterexample { svg, ..c }
        };
        let (even, odd): (Vec<_>, Vec<_>) = specs.iter().enumerate().partition(|(n, _)| n % 2 == 0);
        let mut all: Vec<Counterexample> = std::thread::scope(|s| {
            let a = s.spawn(|| even.iter().map(|(_, spec)| run(spec)).collect::<Vec<_>>());
            let b = odd.iter().map(|(_, spec)| run(spec)).collect::<Vec<_>>();
            let mut a = a.join().expect("the checks ran");
            a.extend(b);
            a
        });
        all.sort_by(|x, y| x.spec.cmp(&y.spec));
        all
    })
}

fn find(name: &str) -> &'static Counterexample {
    counterexamples()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no counterexample named {name}"))
}

/// Every text of the chart, one entry per `<text>` element, its lines
/// joined by newlines.
fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the chart is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.children()
                .filter(|c| c.has_tag_name("tspan"))
                .filter_map(|c| c.text())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

fn assert_shows(c: &Counterexample, wanted: &[&str]) {
    let texts = texts(&c.svg);
    for w in wanted {
        assert!(
            texts.iter().any(|t| t.contains(w)),
            "the chart of {} does not show `{w}`; it shows {texts:#?}",
            c.name
        );
    }
}

#[test]
fn every_counterexample_has_a_snapshotted_chart() {
    for c in counterexamples() {
        let doc = roxmltree::Document::parse(&c.svg)
            .unwrap_or_else(|e| panic!("{}: the chart is not XML: {e}", c.name));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        insta::assert_binary_snapshot!(&format!("{}.svg", c.name), c.svg.clone().into_bytes());
    }
}

#[test]
fn charts_show_what_went_wrong() {
    // Two-phase commit: the coordinator commits on two votes of three; the
    // third participant never received Prepare and has not voted.
    assert_shows(
        find("2pc_commit_early"),
        &[
            "Invariant Validity is violated after 6 steps",
            "commit\ndecision = Committed",
            "yes_votes = {Participant[1], Participant[2]}",
            "in flight: Prepare",
            "in flight: Commit",
            "Participant[3] at the end",
            "✕ after step 6: invariant Validity is false",
        ],
    );
    // Raft: a leader of term 3 commits an entry of term 1 by counting
    // replicas; a server whose log lacks it wins term 4.
    assert_shows(
        find("raft_commit_old_term"),
        &[
            "handle_append_reply\nmatchIndex[Server[3]] = 1\ncommitIndex = 1\ncommitted = {{inTerm: 3, index: 1, term: 1}}",
            "handle_vote\nstate = Leader\nvotes = {Server[1], Server[2]}\nled = {2, 4}",
            "log = [2]",
            "✕ after step 23: invariant LeaderCompleteness is false",
        ],
    );
    // Faults: a loss ends in a cross, a duplication is named, a crash and
    // a recovery are marked on the lifeline.
    let faults = find("faults");
    assert_shows(
        faults,
        &[
            "lost: Ping{n: 2}",
            "duplicated: Ping{n: 1}",
            "crash",
            "recover\nsince_boot = 0",
        ],
    );
    let doc = roxmltree::Document::parse(&faults.svg).expect("XML");
    let crossed = doc
        .descendants()
        .any(|n| n.has_tag_name("path") && n.attribute("stroke") == Some("#dc2626"));
    assert!(crossed, "the loss and the crash are crossed out in red");
    let dashed_red_lifeline = doc.descendants().any(|n| {
        n.has_tag_name("line")
            && n.attribute("stroke") == Some("#dc2626")
            && n.attribute("stroke-dasharray").is_some()
            && n.attribute("x1") == n.attribute("x2")
    });
    assert!(dashed_red_lifeline, "the crashed lifeline is dashed red");
    // A lasso: the loop is bracketed and named.
    assert_shows(
        find("weak_fairness_blink"),
        &[
            "loop",
            "✕ property Noticed fails: steps 1 to 2 repeat forever",
        ],
    );
    assert_shows(
        find("2pc_unfair"),
        &["✕ property Decided fails: the run can stay in this state forever"],
    );
}

#[test]
fn the_readme_shows_the_current_chart() {
    let docs = repo().join("docs/chart-2pc-commit-early.svg");
    let shown = std::fs::read_to_string(&docs).expect("the README's chart exists");
    assert!(
        shown == find("2pc_commit_early").svg,
        "{} is not the chart specc draws now; copy tests/snapshots/charts__2pc_commit_early.snap.svg over it",
        docs.display()
    );
}

#[test]
fn a_saved_trace_draws_the_same_chart_and_viewer() {
    for c in counterexamples() {
        let svg = c.dir.join("again.svg");
        let html = c.dir.join("again.html");
        let out = specc(&[
            "chart",
            arg(&c.itf()),
            "--out",
            arg(&svg),
            "--html",
            arg(&html),
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            c.name,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(&svg).ok().as_deref(),
            Some(c.svg.as_str()),
            "{}",
            c.name
        );
        assert_eq!(
            std::fs::read(&html).ok(),
            std::fs::read(c.viewer()).ok(),
            "{}",
            c.name
        );
    }
}

#[test]
fn a_spec_that_holds_has_no_chart() {
    let dir = out_dir().join("holds");
    std::fs::create_dir_all(&dir).expect("a writable target directory");
    let svg = dir.join("none.svg");
    let _ = std::fs::remove_file(&svg);
    let out = specc(&[
        "check",
        "specs/classic/two_phase.spec",
        "--chart",
        arg(&svg),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("note: no counterexample, so nothing was written to"),
        "{stderr}"
    );
    assert!(!svg.exists());
}

#[test]
fn chart_refuses_what_it_cannot_draw() {
    let dir = out_dir().join("refusals");
    std::fs::create_dir_all(&dir).expect("a writable target directory");
    let cases: [(&str, &[u8], &str); 3] = [
        ("not-json.itf.json", b"{ nope", "not JSON"),
        ("no-states.itf.json", br#"{"vars": []}"#, "at `states`"),
        (
            "bad-action.itf.json",
            br##"{"states": [{"#meta": {"action": {"kind": 1}}}]}"##,
            "at `states[0].#meta.action.kind`",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("a writable file");
        let out = specc(&["chart", arg(&path), "--out", arg(&dir.join("x.svg"))]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
    let out = specc(&["chart", arg(&dir.join("not-json.itf.json"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to write"));
}

/// Runs headless Chromium with a fresh profile; none when it is not
/// installed. It is stopped after a minute.
fn chromium(dir: &Path, args: &[&str]) -> Option<Output> {
    if !Path::new(CHROMIUM).exists() {
        return None;
    }
    let profile = tempdir(dir, "profile");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read stdout on a thread so a large DOM dump cannot block the child.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("chromium can be waited for") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within a minute: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = reader.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&profile);
    Some(Output {
        status,
        stdout,
        stderr: Vec::new(),
    })
}

fn tempdir(parent: &Path, prefix: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = parent.join(format!("{prefix}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a writable temp dir");
    dir
}

fn skip_without_chromium() -> bool {
    if Path::new(CHROMIUM).exists() {
        return false;
    }
    println!("skipped: {CHROMIUM} is absent (apt-get install chromium); .ci/run installs it");
    true
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The SVG's size in pixels.
fn svg_size(svg: &str) -> (u32, u32) {
    let doc = roxmltree::Document::parse(svg).expect("XML");
    let root = doc.root_element();
    let dim = |a: &str| -> u32 {
        root.attribute(a)
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0, |v| v.ceil() as u32)
    };
    (dim("width"), dim("height"))
}

/// Counts the pixels of exactly one colour in a PNG, and returns its size.
fn count_colour(png_path: &Path, rgb: [u8; 3]) -> ((u32, u32), usize) {
    let file = std::fs::File::open(png_path).expect("the screenshot exists");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let channels = info.color_type.samples();
    let count = buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|px| px.len() >= 3 && px[..3] == rgb)
        .count();
    ((info.width, info.height), count)
}

#[test]
fn charts_render_in_headless_chromium() {
    if skip_without_chromium() {
        return;
    }
    let all = counterexamples();
    let render = |c: &Counterexample| {
        let (w, h) = svg_size(&c.svg);
        let png = out_dir().join(format!("{}.png", c.name));
        let _ = std::fs::remove_file(&png);
        let out = chromium(
            &out_dir(),
            &[
                &format!("--screenshot={}", png.display()),
                &format!("--window-size={w},{h}"),
                &file_url(&c.chart()),
            ],
        )
        .expect("chromium is installed");
        assert!(out.status.success(), "{}: chromium failed", c.name);
        // The red verdict bar runs across the chart (two pixel rows), and
        // every lifeline head is filled with its colour.
        let (size, red) = count_colour(&png, [0xdc, 0x26, 0x26]);
        assert_eq!(
            size,
            (w, h),
            "{}: the screenshot has the chart's size",
            c.name
        );
        assert!(
            red as u32 >= 2 * (w - 20),
            "{}: the red verdict bar is drawn ({red} red pixels)",
            c.name
        );
        let (_, heads) = count_colour(&png, [0xe0, 0xe7, 0xff]);
        assert!(
            heads > 500,
            "{}: the lifeline heads are drawn ({heads} pixels)",
            c.name
        );
        png
    };
    let (even, odd): (Vec<_>, Vec<_>) = all.iter().enumerate().partition(|(n, _)| n % 2 == 0);
    let pngs: Vec<PathBuf> = std::thread::scope(|s| {
        let a = s.spawn(|| even.iter().map(|(_, c)| render(c)).collect::<Vec<_>>());
        let mut b: Vec<PathBuf> = odd.iter().map(|(_, c)| render(c)).collect();
        b.extend(a.join().expect("the renders ran"));
        b
    });
    println!(
        "rendered {} charts into {}",
        pngs.len(),
        out_dir().display()
    );
}

/// The DOM of a viewer page after its script ran.
fn viewer_dom(c: &Counterexample, fragment: &str) -> String {
    let url = format!("{}{fragment}", file_url(&c.viewer()));
    let out = chromium(&out_dir(), &["--dump-dom", &url]).expect("chromium is installed");
    assert!(out.status.success(), "chromium failed on {url}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_viewer_shows_each_steps_state_in_headless_chromium() {
    if skip_without_chromium() {
        return;
    }
    let c = find("2pc_commit_early");
    // Opened plainly, the page shows the initial state, nothing changed.
    let first = viewer_dom(c, "");
    assert!(
        first.contains(r#"<h2 id="heading">Initial state</h2>"#),
        "{first}"
    );
    assert!(first.contains(r#"<td class="name">decision</td><td class="value">Undecided</td>"#));
    assert!(!first.contains(r#"<tr class="changed">"#));
    assert!(first.contains(r#"class="band selected" data-step="0""#));
    // At step 5 the coordinator counts the second vote: that value is
    // highlighted with the old one, and the chart's row is selected.
    let fifth = viewer_dom(c, "#step=5");
    assert!(
        fifth.contains(r#"<h2 id="heading">Step 5: Coordinator vote_yes</h2>"#),
        "{fifth}"
    );
    assert!(fifth.contains(
        r#"<tr class="changed"><td class="name">yes_votes</td><td class="value">{Participant[1], Participant[2]}<span class="old">{Participant[1]}</span></td></tr>"#
    ));
    assert!(fifth.contains("received Vote{ballot: Yes} Participant[2] -&gt; Coordinator"));
    assert!(fifth.contains(r#"class="band selected" data-step="5""#));
    assert!(fifth.contains(r#"<span id="position">step 5 of 6</span>"#));
}

/// A Python with itf-py: `$SPECC_ITF_PY` (set by .ci/run), or a virtual
/// environment under the target directory, made on first use; the error
/// says why there is none.
fn itf_python() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SPECC_ITF_PY") {
        return Ok(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("itf-py-venv");
    let python = venv.join("bin/python");
    let has_itf = |python: &Path| {
        Command::new(python)
            .args(["-c", "import itf_py"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_itf(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv", arg(&venv)])
        .status()
        .map_err(|e| format!("python3 is not available ({e})"))?;
    if !made.success() {
        return Err("python3 -m venv failed".into());
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "itf-py==0.5.0",
        ])
        .status()
        .map_err(|e| format!("pip does not run ({e})"))?;
    if !pip.success() || !has_itf(&python) {
        return Err("pip could not install itf-py (is PyPI reachable?)".into());
    }
    Ok(python)
}

/// Parses each ITF file with itf-py and checks every state has every
/// variable.
const PARSE_WITH_ITF_PY: &str = r#"
import json, sys
from itf_py import trace_from_json
for path in sys.argv[1:]:
    with open(path) as f:
        doc = json.load(f)
    trace = trace_from_json(doc)
    assert len(trace.states) == len(doc["states"]), path
    for state in trace.states:
        assert set(state.values) == set(trace.vars), (path, sorted(state.values))
    print("parsed", path, len(trace.states))
"#;

#[test]
fn itf_py_parses_every_trace_specc_writes() {
    let python = match itf_python() {
        Ok(p) => p,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let files: Vec<PathBuf> = counterexamples().iter().map(Counterexample::itf).collect();
    let out = Command::new(&python)
        .args(["-c", PARSE_WITH_ITF_PY])
        .args(files.iter().map(|f| arg(f)))
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "itf-py refused a trace:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("parsed ")).count(),
        files.len(),
        "{stdout}"
    );
}
