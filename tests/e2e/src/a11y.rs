//! Accessibility in the real window: axe-core run on the document as it is, a theme and a text
//! size forced the way Settings does it, and keys pressed through WebDriver's actions (never a
//! pointer).
//!
//! axe-core is a devDependency of `ui/` (never part of the shipped bundle, whose CSP stays strict).
//! Its script goes in through WebDriver's script evaluation, which the page's CSP does not govern.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};

use crate::App;

/// WebDriver's codes for keys that are not characters.
pub mod key {
    pub const TAB: char = '\u{E004}';
    pub const ENTER: char = '\u{E007}';
    pub const SHIFT: char = '\u{E008}';
    pub const CONTROL: char = '\u{E009}';
    pub const ESCAPE: char = '\u{E00C}';
    pub const ARROW_UP: char = '\u{E013}';
    pub const ARROW_DOWN: char = '\u{E015}';
}

/// One rule axe found broken, with where.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Violation {
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    pub help: String,
    /// CSS selectors of the offending elements, with axe's summary of what is wrong with each.
    pub nodes: Vec<(String, String)>,
}

impl Violation {
    /// Whether this one fails the test (the issue's bar: no serious or critical violation).
    pub fn blocks(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

/// axe-core's minified script, from `ui/node_modules` (`npm ci` in `ui/`, which `make app` needs anyway).
pub fn axe_source() -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core is missing at {} ({e}): run `npm ci` in ui/", path.display()))
}

const RUN_AXE: &str = r"
const done = arguments[arguments.length - 1];
window.axe
  .run(document, { resultTypes: ['violations'] })
  .then((r) => done(JSON.stringify(r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => [n.target.join(' '), n.failureSummary || '']),
  })))))
  .catch((e) => done('error: ' + e));
";

impl App {
    /// Runs axe-core on the document now; every violation, whatever its impact.
    pub async fn axe(&self) -> Vec<Violation> {
        let loaded = self.js("return typeof window.axe;").await;
        if loaded != "object" {
            let script = format!("{}\n;return typeof window.axe;", axe_source());
            let loaded = self.client.execute(&script, vec![]).await.expect("inject axe-core");
            assert_eq!(loaded, "object", "axe-core did not load in the window");
        }
        let answer = self.client.execute_async(RUN_AXE, vec![]).await.expect("run axe-core");
        let text = answer.as_str().unwrap_or_default();
        assert!(!text.starts_with("error:"), "axe-core failed: {text}");
        serde_json::from_str(text).unwrap_or_else(|e| panic!("axe-core's answer ({e}): {text}"))
    }

    /// Every serious or critical violation axe finds in the window now, described (`state` names it).
    pub async fn blocking_violations(&self, state: &str) -> Vec<String> {
        let violations = self.axe().await;
        let minor: Vec<&str> = violations.iter().filter(|v| !v.blocks()).map(|v| v.id.as_str()).collect();
        if !minor.is_empty() {
            eprintln!("axe, {state}: minor or moderate only: {minor:?}");
        }
        violations
            .iter()
            .filter(|v| v.blocks())
            .map(|v| {
                let nodes: Vec<String> =
                    v.nodes.iter().map(|(t, s)| format!("    {t}: {}", s.replace('\n', " "))).collect();
                format!("{state}: {} ({}): {}\n{}", v.id, v.impact.as_deref().unwrap_or("?"), v.help, nodes.join("\n"))
            })
            .collect()
    }

    /// Fails listing every serious or critical violation axe finds in the window now (`state` names it).
    pub async fn assert_accessible(&self, state: &str) {
        let blocking = self.blocking_violations(state).await;
        assert!(blocking.is_empty(), "axe found serious or critical violations:\n{}", blocking.join("\n"));
    }

    /// Forces the colour theme (`light`, `dark`), as Settings › Appearance does.
    pub async fn set_theme(&self, theme: &str) {
        let script = format!("document.documentElement.dataset.theme = {theme:?}; return true;");
        self.js(&script).await;
    }

    /// Sets the text size to `percent` of the app's base (200: every rem twice as large).
    pub async fn set_text_size(&self, percent: u32) {
        let px = 14 * percent / 100;
        self.js(&format!("document.documentElement.style.fontSize = '{px}px'; window.dispatchEvent(new Event('resize')); return true;"))
            .await;
    }

    /// Presses and releases each key in turn, sent to whatever has focus (a keyboard, not an element).
    pub async fn press(&self, keys: &[char]) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for &k in keys {
            actions = actions.then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
        }
        self.client.perform_actions(actions).await.expect("press keys");
    }

    /// Types `text` (a new line is the Enter key) into whatever has focus.
    pub async fn type_text(&self, text: &str) {
        let keys: Vec<char> = text.chars().map(|c| if c == '\n' { key::ENTER } else { c }).collect();
        for chunk in keys.chunks(200) {
            self.press(chunk).await;
        }
    }

    /// Holds `modifier` while pressing `k` (a chord such as Ctrl+Enter).
    pub async fn chord(&self, modifier: char, k: char) {
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: modifier })
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k })
            .then(KeyAction::Up { value: modifier });
        self.client.perform_actions(actions).await.expect("press a chord");
    }

    /// What has focus: its `data-testid`, else its `data-job-id` as `job:<id>`, else its tag.
    pub async fn focused(&self) -> String {
        let script = "const e = document.activeElement; if (!e) return ''; \
                      return e.dataset.testid === 'job-row' ? 'job:' + e.dataset.jobId : \
                      (e.dataset.testid || e.tagName.toLowerCase());";
        self.js(script).await.as_str().unwrap_or_default().to_owned()
    }

    /// Presses `k` (Tab, or Shift+Tab with `back`) until `ok` holds for what has focus; at most `max` times.
    pub async fn tab_until(&self, back: bool, max: usize, ok: impl Fn(&str) -> bool) -> String {
        let mut seen = Vec::new();
        for _ in 0..max {
            if back {
                self.chord(key::SHIFT, key::TAB).await;
            } else {
                self.press(&[key::TAB]).await;
            }
            let now = self.focused().await;
            if ok(&now) {
                return now;
            }
            seen.push(now);
        }
        panic!("Tab never reached the expected element; focus went through {seen:?}");
    }

    /// Waits (up to `secs`) until `ok` holds for what has focus.
    pub async fn wait_focus(&self, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let now = self.focused().await;
            if ok(&now) {
                return now;
            }
            assert!(Instant::now() < deadline, "focus never reached the expected element; it is on {now:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl App {
    /// Waits until the first element matching `css` has text for which `ok` holds; returns the text.
    pub async fn wait_text_css(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let script = format!("return document.querySelector({css:?})?.innerText ?? null;");
        self.wait_js(&format!("{css} with the expected text"), 30, &script, |t: &String| ok(t)).await
    }
}
