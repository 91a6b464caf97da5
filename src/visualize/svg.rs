//! Turning a drawing into an image: with the graphviz `dot` program found on `PATH`, or
//! with the pure-Rust layout of layout-rs.
//!
//! layout-rs is given the [`Drawing`] directly, not DOT text: its DOT reader ignores
//! `box3d`, fill styles and the `BT`/`RL` directions, so building its graph here is both
//! simpler and closer to what `dot` draws. It only lays out top-down or left-to-right, so
//! `BT` and `RL` are drawn as `TB` and `LR` with every arrow reversed and its head at the
//! start: the same picture.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color as LayoutColor;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::drawing::{Drawing, Shape};
use super::options::RankDir;
use crate::error::{Error, Result};

/// The first executable `dot` in the directories of `path_var` (a `PATH` value).
pub(crate) fn find_dot(path_var: Option<&OsStr>) -> Option<PathBuf> {
    let name = if cfg!(windows) { "dot.exe" } else { "dot" };
    std::env::split_paths(path_var?)
        // An empty entry means the current directory; never run a `dot` from there.
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|path| is_executable(path))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `dot -T<format>` with `dot_text` on stdin and returns what it writes.
pub(crate) fn run_dot(dot: &Path, dot_text: &str, format: &str) -> Result<Vec<u8>> {
    let failed = |what: String| Error::Visualize(format!("`{}` {what}", dot.display()));
    let mut child = Command::new(dot)
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("could not start: {e}")))?;
    let Some(mut stdin) = child.stdin.take() else {
        return Err(Error::Internal("no stdin pipe to `dot`".into()));
    };
    // Feed stdin from a second thread so a big graph cannot deadlock against dot's output.
    let (written, output) = std::thread::scope(|s| {
        let writer = s.spawn(move || stdin.write_all(dot_text.as_bytes()));
        let output = child.wait_with_output();
        (writer.join(), output)
    });
    let output = output.map_err(|e| failed(format!("failed: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let message = if message.is_empty() { "no message".to_owned() } else { message.join("; ") };
        return Err(failed(format!("failed ({}): {message}", output.status)));
    }
    match written {
        Ok(Ok(())) => Ok(output.stdout),
        Ok(Err(e)) => Err(failed(format!("did not read the whole graph: {e}"))),
        Err(_) => Err(Error::Internal("the thread writing to `dot` panicked".into())),
    }
}

/// SVG text from the built-in layout. layout-rs asserts on some inputs; a panic becomes an
/// error.
pub(crate) fn builtin_svg(drawing: &Drawing) -> Result<String> {
    crate::panics::catch(|| layout_svg(drawing)).map_err(|why| {
        Error::Visualize(format!("the built-in layout failed ({why}); install graphviz to render with `dot`"))
    })
}

const FONT_SIZE: usize = 14;

/// What layout-rs cannot draw (it asserts on an empty graph): an empty picture.
const EMPTY_SVG: &str = r#"<svg width="10" height="10" viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg"></svg>"#;

fn layout_svg(drawing: &Drawing) -> String {
    if drawing.nodes.is_empty() {
        return EMPTY_SVG.to_owned();
    }
    let (orientation, reversed) = match drawing.rankdir {
        RankDir::TB => (Orientation::TopToBottom, false),
        RankDir::BT => (Orientation::TopToBottom, true),
        RankDir::LR => (Orientation::LeftToRight, false),
        RankDir::RL => (Orientation::LeftToRight, true),
    };
    let mut graph = VisualGraph::new(orientation);
    // Like layout-rs's own DOT reader: shapes are sized in the flipped direction.
    let shape_dir = orientation.flip();
    let handles: Vec<_> = drawing
        .nodes
        .iter()
        .map(|n| {
            let shape = match n.shape {
                Shape::Circle => ShapeKind::new_circle(&n.label),
                Shape::Box | Shape::Stack => ShapeKind::new_box(&n.label),
            };
            let line_width = if n.shape == Shape::Stack { 2 } else { 1 };
            let fill = n
                .fill
                .map_or(LayoutColor::fast("white"), |c| LayoutColor::new(u32::from_be_bytes([c.0, c.1, c.2, 0xff])));
            let look = StyleAttr::new(LayoutColor::fast("black"), line_width, Some(fill), 0, FONT_SIZE);
            let size = get_shape_size(shape_dir, &shape, FONT_SIZE, n.shape == Shape::Circle);
            graph.add_node(Element::create(shape, look, shape_dir, size))
        })
        .collect();
    let (start, end) =
        if reversed { (LineEndKind::Arrow, LineEndKind::None) } else { (LineEndKind::None, LineEndKind::Arrow) };
    let look = StyleAttr::new(LayoutColor::fast("black"), 1, None, 0, FONT_SIZE);
    for &(a, b) in &drawing.edges {
        let (Some(&from), Some(&to)) = (handles.get(a), handles.get(b)) else { continue };
        let (from, to) = if reversed { (to, from) } else { (from, to) };
        let arrow = Arrow::new(start, end, LineStyleKind::Normal, "", &look, &None, &None);
        graph.add_edge(arrow, from, to);
    }
    let mut svg = SVGWriter::new();
    graph.do_it(false, false, false, &mut svg);
    svg.finalize()
}
